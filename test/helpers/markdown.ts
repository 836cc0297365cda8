// Reading the Markdown docs the way a reader (and GitHub) sees them: headings and their anchors, links, inline code,
// and the fenced examples, with fenced code kept apart from prose.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface Page {
  /** Relative to the repository root, e.g. `docs/deploy.md`. */
  path: string;
  text: string;
}

export interface Fence {
  lang: string;
  body: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** README.md and every Markdown page under docs/. */
export function docPages(): Page[] {
  const files = ['README.md'];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(repoRoot, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) files.push(path);
    }
  };
  walk('docs');
  return files.map((path) => ({ path, text: readFileSync(join(repoRoot, path), 'utf8') }));
}

export function readPage(path: string): Page {
  return { path, text: readFileSync(join(repoRoot, path), 'utf8') };
}

/** The fenced code blocks of a page. */
export function fences(text: string): Fence[] {
  const out: Fence[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*```(\w*)/.exec(lines[i] ?? '');
    if (!open) continue;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j] ?? ''); j++) body.push(lines[j] ?? '');
    out.push({ lang: open[1] ?? '', body: `${body.join('\n')}\n`, line: i + 1 });
    i = j;
  }
  return out;
}

/** The page without its fenced code blocks (their lines kept empty, so line numbers still match). */
export function prose(text: string): string {
  let inFence = false;
  return text
    .split('\n')
    .map((line) => {
      if (/^\s*```/.test(line)) {
        inFence = !inFence;
        return '';
      }
      return inFence ? '' : line;
    })
    .join('\n');
}

/** GitHub's heading anchor: lower case, punctuation dropped (hyphens and underscores kept), spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .replace(/`/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a page offers, numbered as GitHub numbers repeated headings. */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of prose(text).split('\n')) {
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (!heading) continue;
    const base = slug(heading[1] ?? '');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

export interface Link {
  target: string;
  line: number;
}

/** The Markdown links of a page's prose (not inside code). */
export function links(text: string): Link[] {
  const out: Link[] = [];
  prose(text)
    .split('\n')
    .forEach((line, i) => {
      // Code spans hold no links, but may be a link's text: keep a stand-in for them.
      const withoutCode = line.replace(/`[^`]*`/g, 'code');
      for (const m of withoutCode.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g))
        out.push({ target: m[1] ?? '', line: i + 1 });
    });
  return out;
}

/** Inline code spans of a page's prose. */
export function inlineCode(text: string): { code: string; line: number }[] {
  const out: { code: string; line: number }[] = [];
  prose(text)
    .split('\n')
    .forEach((line, i) => {
      for (const m of line.matchAll(/`([^`]+)`/g)) out.push({ code: m[1] ?? '', line: i + 1 });
    });
  return out;
}

export const fromRoot = (absolute: string): string => relative(repoRoot, absolute);
