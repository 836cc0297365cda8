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
  const documents = new DocumentSplitter(onDocument);
  return documents.push(text) && documents.end();
}

/**
 * eachDocument over a text given in pieces (a large file read a chunk at a time, so that it is never one string):
 * `push` each piece, then `end`. Either answers false when the stream needs the full parser; nothing more is parsed
 * after that. The documents and their lines are those eachDocument finds in the pieces joined.
 */
export class DocumentSplitter {
  /** The incomplete last line of the pieces so far. */
  private rest = '';
  /** The current document's text from earlier pieces. */
  private head = '';
  private firstLine = 0; // 0: no content yet
  private line = 0;
  private started = false;
  private failed = false;

  constructor(private readonly onDocument: (doc: ParsedDocument) => void) {}

  push(piece: string): boolean {
    if (this.failed) return false;
    let text = this.rest + piece;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const last = text.lastIndexOf('\n');
    if (last === -1) {
      this.rest = text;
      return true;
    }
    this.rest = text.slice(last + 1);
    const docStart = this.lines(text, last + 1);
    if (docStart < 0) return this.fail();
    this.head += text.slice(docStart, last + 1);
    return true;
  }

  end(): boolean {
    if (this.failed) return false;
    const text = this.rest;
    this.rest = '';
    // The last line, empty when the text ends with a newline (eachDocument reads one more line there too).
    const docStart = this.lines(text, text.length + 1);
    if (docStart < 0) return this.fail();
    return this.flush(text.slice(docStart)) || this.fail();
  }

  private fail(): false {
    this.failed = true;
    this.head = '';
    return false;
  }

  /**
   * Reads the lines of `text` that start before `until` (complete ones, or the last line at the end), flushing a
   * document at each `---`. Where the current document starts in `text` (0 when it began in an earlier piece), or
   * -1 when the stream needs the full parser.
   */
  private lines(text: string, until: number): number {
    let docStart = 0;
    let pos = 0;
    while (pos < until) {
      this.line++;
      let end = text.indexOf('\n', pos);
      if (end === -1) end = text.length;
      const c = text.charCodeAt(pos);
      if (c === 37 /* % */ || marker(text, pos, end, 46 /* . */)) return -1;
      if (marker(text, pos, end, 45 /* - */)) {
        if (!this.flush(text.slice(docStart, pos))) return -1;
        docStart = pos;
        this.firstLine = isEmptyLine(text, pos + 3, end) ? 0 : this.line;
      } else if (this.firstLine === 0 && !isEmptyLine(text, pos, end)) this.firstLine = this.line;
      pos = end + 1;
    }
    return docStart;
  }

  /** The current document, ending with `tail`, parsed and handed on; the next starts empty. */
  private flush(tail: string): boolean {
    let source = this.head + tail;
    this.head = '';
    if (this.firstLine === 0) return true;
    // The rest of a marker line belongs to the document: the marker is blanked out, columns kept.
    if (marker(source, 0, Math.min(source.length, 4), 45)) source = `   ${source.slice(3)}`;
    const value = parseOne(source);
    if (value === FAILED) return false;
    this.onDocument({ value, line: this.firstLine });
    return true;
  }
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
