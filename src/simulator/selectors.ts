// Label and field selectors with the grammar of k8s.io/apimachinery/pkg/labels and /fields, parsed once per request
// into a predicate so a 50,000-object list or a busy watch does no re-parsing per object.

import { errors } from './status.ts';

type Labels = Readonly<Record<string, string>> | undefined;

export type LabelRequirement =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

export type LabelSelector = (labels: Labels) => boolean;

const matchAll: LabelSelector = () => true;

/** Split on commas that are not inside `( )`, as the real lexer does for `in (a,b)`. */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

const KEY = '[A-Za-z0-9][-A-Za-z0-9_./]*';
const VALUE = '[-A-Za-z0-9_.]*';
const SET_RE = new RegExp(String.raw`^(${KEY})\s+(in|notin)\s*\(([^)]*)\)$`);
const EQ_RE = new RegExp(String.raw`^(${KEY})\s*(==|!=|=)\s*(${VALUE})$`);
const EXISTS_RE = new RegExp(String.raw`^(!?)\s*(${KEY})$`);

export function parseLabelSelectorRequirements(selector: string): LabelRequirement[] {
  const reqs: LabelRequirement[] = [];
  for (const part of splitTopLevel(selector)) {
    let m = SET_RE.exec(part);
    if (m) {
      const values = (m[3] ?? '')
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      reqs.push({ op: m[2] === 'in' ? 'in' : 'notin', key: m[1] ?? '', values });
      continue;
    }
    m = EQ_RE.exec(part);
    if (m) {
      reqs.push({ op: m[2] === '!=' ? 'neq' : 'eq', key: m[1] ?? '', value: m[3] ?? '' });
      continue;
    }
    m = EXISTS_RE.exec(part);
    if (m) {
      reqs.push({ op: m[1] === '!' ? 'notexists' : 'exists', key: m[2] ?? '' });
      continue;
    }
    throw errors.badRequest(`unable to parse requirement: found '${part}', expected: valid label selector`);
  }
  return reqs;
}

function test(r: LabelRequirement, labels: Labels): boolean {
  const has = labels !== undefined && Object.hasOwn(labels, r.key);
  const v = has ? labels?.[r.key] : undefined;
  switch (r.op) {
    case 'eq':
      return has && v === r.value;
    case 'neq':
      // As in apimachinery: a missing key satisfies `!=`.
      return !has || v !== r.value;
    case 'in':
      return has && r.values.includes(v ?? '');
    case 'notin':
      return !has || !r.values.includes(v ?? '');
    case 'exists':
      return has;
    case 'notexists':
      return !has;
  }
}

export function parseLabelSelector(selector: string | null | undefined): LabelSelector {
  if (!selector || selector.trim() === '') return matchAll;
  const reqs = parseLabelSelectorRequirements(selector);
  return (labels) => reqs.every((r) => test(r, labels));
}

export interface FieldSubject {
  metadata: { name?: string; namespace?: string };
}
export type FieldSelector = (obj: FieldSubject) => boolean;

/**
 * Field selectors: only metadata.name and metadata.namespace, with `=`, `==` and `!=` (what every kind supports on
 * the real server); anything else is the real server's 400 so a client relying on it finds out here, not in prod.
 */
export function parseFieldSelector(selector: string | null | undefined): FieldSelector {
  if (!selector || selector.trim() === '') return () => true;
  const tests: FieldSelector[] = [];
  for (const part of selector
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const m = /^([A-Za-z.]+)\s*(==|!=|=)\s*(.*)$/.exec(part);
    if (!m) throw errors.badRequest(`invalid selector: '${selector}'; can't understand '${part}'`);
    const field = m[1] ?? '';
    const value = m[3] ?? '';
    const negate = m[2] === '!=';
    let get: (o: FieldSubject) => string;
    if (field === 'metadata.name') get = (o) => o.metadata.name ?? '';
    else if (field === 'metadata.namespace') get = (o) => o.metadata.namespace ?? '';
    else throw errors.badRequest(`field label not supported: ${field}`);
    tests.push((o) => (get(o) === value) !== negate);
  }
  return (o) => tests.every((t) => t(o));
}
