// Label and field selectors with the grammar of k8s.io/apimachinery/pkg/labels and /fields, parsed once per request
// into a predicate so a 50,000-object list or a busy watch does no re-parsing per object.

import { labelsMatch, parseLabelRequirements } from './label-selector.ts';
import { errors } from './status.ts';

type Labels = Readonly<Record<string, string>> | undefined;

export type LabelSelector = (labels: Labels) => boolean;

/** A parse error is the real server's 400 (see label-selector.ts); no selector at all matches everything. */
export function parseLabelSelector(selector: string | null | undefined): LabelSelector {
  if (!selector) return () => true;
  const requirements = parseLabelRequirements(selector);
  return (labels) => labelsMatch(requirements, labels ?? {});
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
