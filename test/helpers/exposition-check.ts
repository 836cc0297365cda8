// A strict reader of the Prometheus text format 0.0.4, for property tests: it returns every problem it finds
// (an empty list means the text parses), and promtool for a second opinion on a sample of outputs.
import { spawnSync } from 'node:child_process';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const VALUE = /^(?:[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|NaN|[+-]Inf)$/;

/** Parses `{a="x",b="y"}` from position i of line; returns labels and the index after `}`, or a problem. */
function readLabels(line: string, start: number): { labels: [string, string][]; end: number } | string {
  const labels: [string, string][] = [];
  let i = start + 1;
  while (line[i] !== '}') {
    const eq = line.indexOf('=', i);
    if (eq < 0) return 'label without =';
    const name = line.slice(i, eq);
    if (!LABEL_NAME.test(name)) return `bad label name ${JSON.stringify(name)}`;
    if (line[eq + 1] !== '"') return 'label value not quoted';
    let value = '';
    let j = eq + 2;
    for (;;) {
      const c = line[j];
      if (c === undefined) return 'unterminated label value';
      if (c === '"') break;
      if (c === '\\') {
        const next = line[j + 1];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else return `bad escape \\${next}`;
        j += 2;
        continue;
      }
      value += c;
      j++;
    }
    if (labels.some(([n]) => n === name)) return `duplicate label ${name}`;
    labels.push([name, value]);
    i = j + 1;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') return `unexpected ${JSON.stringify(line[i])} after label value`;
  }
  return { labels, end: i + 1 };
}

export function expositionProblems(text: string): string[] {
  const problems: string[] = [];
  if (text !== '' && !text.endsWith('\n')) problems.push('text does not end with a newline');
  const typed = new Map<string, string>();
  const finished = new Set<string>();
  const seen = new Set<string>();
  let current = '';
  const enter = (family: string, lineNo: number) => {
    if (family === current) return;
    if (finished.has(family)) problems.push(`line ${lineNo}: family ${family} appears in two places`);
    if (current) finished.add(current);
    current = family;
  };
  const familyOf = (name: string) => {
    for (const suffix of ['_bucket', '_sum', '_count']) {
      const base = name.slice(0, -suffix.length);
      if (name.endsWith(suffix) && ['histogram', 'summary'].includes(typed.get(base) ?? '')) return base;
    }
    return name;
  };
  text.split('\n').forEach((line, index) => {
    const n = index + 1;
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) return; // other comments are allowed
      const [, kind, name = '', rest = ''] = m;
      if (!METRIC_NAME.test(name)) problems.push(`line ${n}: bad metric name in ${kind}`);
      enter(name, n);
      if (kind === 'TYPE') {
        if (typed.has(name)) problems.push(`line ${n}: second TYPE for ${name}`);
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest))
          problems.push(`line ${n}: unknown type ${rest}`);
        typed.set(name, rest);
      } else if (/\\[^n\\]/.test(rest.replace(/\\\\/g, ''))) problems.push(`line ${n}: bad escape in HELP`);
      return;
    }
    const brace = line.indexOf('{');
    const space = line.indexOf(' ');
    const nameEnd = brace >= 0 && (space < 0 || brace < space) ? brace : space;
    const name = line.slice(0, nameEnd < 0 ? undefined : nameEnd);
    if (!METRIC_NAME.test(name)) {
      problems.push(`line ${n}: bad metric name ${JSON.stringify(name.slice(0, 60))}`);
      return;
    }
    let rest = line.slice(name.length);
    let key = name;
    if (rest.startsWith('{')) {
      const parsed = readLabels(rest, 0);
      if (typeof parsed === 'string') {
        problems.push(`line ${n}: ${parsed}`);
        return;
      }
      key = name + JSON.stringify(parsed.labels.sort());
      rest = rest.slice(parsed.end);
    }
    const parts = rest.trim().split(' ');
    if (!rest.startsWith(' ') || parts.length < 1 || parts.length > 2 || !VALUE.test(parts[0] ?? ''))
      problems.push(`line ${n}: bad value part ${JSON.stringify(rest.slice(0, 60))}`);
    if (seen.has(key)) problems.push(`line ${n}: duplicate series ${key.slice(0, 120)}`);
    seen.add(key);
    enter(familyOf(name), n);
  });
  return problems;
}

/** `promtool check metrics` on the text: exit 0 means accepted (lint problems exit 3). */
export function promtoolCheck(text: string): { ok: boolean; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 90_000 });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}
