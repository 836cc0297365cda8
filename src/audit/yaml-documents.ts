// The fast way through a large manifest: a YAML stream split at its `---` lines (which end a document wherever they
// stand at the start of a line, as the YAML spec says), each document parsed alone by js-yaml (several times faster
// than a full syntax tree, and nothing of a document kept once it is read). What only a full parser reads right
// (directives, `...` end markers, anything js-yaml refuses) is left to the caller's full parser, which also words
// every error exactly.
import { load } from 'js-yaml';

export interface ParsedDocument {
  value: unknown;
  /** 1-based line of the document's first content (not a comment, not blank), as the full parser reports it. */
  line: number;
}

/** Whether a line (from `start` to `end`, exclusive of the newline) is blank or a comment. */
function isEmptyLine(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 13) continue;
    return c === 35; // '#'
  }
  return true;
}

/** `---` or `...` at the start of a line, followed by a space, a tab or the end of the line. */
function marker(text: string, start: number, end: number, char: number): boolean {
  if (end - start < 3) return false;
  if (
    text.charCodeAt(start) !== char ||
    text.charCodeAt(start + 1) !== char ||
    text.charCodeAt(start + 2) !== char
  )
    return false;
  const next = start + 3 < end ? text.charCodeAt(start + 3) : -1;
  return next === -1 || next === 32 || next === 9 || next === 13;
}

/**
 * Hands every non-empty document of the stream, parsed, to `onDocument` as it goes, so the caller keeps only what it
 * needs of each. False when the stream needs the full parser: the caller then drops what it was handed for it.
 */
export function eachDocument(text: string, onDocument: (doc: ParsedDocument) => void): boolean {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let docStart = 0;
  let firstLine = 0; // 0: no content yet
  let line = 0;
  let pos = 0;
  const flush = (end: number): boolean => {
    if (firstLine === 0) return true;
    let source = body.slice(docStart, end);
    // The rest of a marker line belongs to the document: the marker is blanked out, columns kept.
    if (marker(source, 0, Math.min(source.length, 4), 45)) source = `   ${source.slice(3)}`;
    const value = parseOne(source);
    if (value === FAILED) return false;
    onDocument({ value, line: firstLine });
    return true;
  };
  while (pos <= body.length) {
    line++;
    let end = body.indexOf('\n', pos);
    if (end === -1) end = body.length;
    const c = body.charCodeAt(pos);
    if (c === 37 /* % */ || marker(body, pos, end, 46 /* . */)) return false;
    if (marker(body, pos, end, 45 /* - */)) {
      if (!flush(pos)) return false;
      docStart = pos;
      firstLine = isEmptyLine(body, pos + 3, end) ? 0 : line;
    } else if (firstLine === 0 && !isEmptyLine(body, pos, end)) firstLine = line;
    pos = end + 1;
  }
  return flush(body.length);
}

const FAILED = Symbol('failed');

function parseOne(source: string): unknown {
  const trimmed = source.trimStart();
  // JSON is YAML, and JSON.parse is the fastest reader of it (a `kubectl get -o json` dump is one large document).
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(source);
    } catch {
      // YAML flow style, or broken: js-yaml next.
    }
  }
  try {
    return load(source);
  } catch {
    return FAILED;
  }
}
