// One namespace as every report shows it (the audit's table, JSON and JUnit; the status page; its JSON endpoint):
// a flat row derived from the core's verdict, so the rules live in verdict.ts only and each view just formats.
import type { ExemptionStatus } from './context/exemption.ts';
import { DIRECTIONS, type Direction } from './direction.ts';
import type { PolicyFacts } from './facts.ts';
import type { SourcePolicies } from './protection.ts';
import { selectorText } from './selectors/label-selector.ts';
import { policySource, SOURCES, type SourcePolicyFacts } from './sources/index.ts';
import { isAllowAll, isDefaultDeny, type NamespaceVerdict } from './verdict.ts';

/**
 * `covered`: protected (whatever its scope or exemption says). `uncovered`: not protected, and counts against the
 * control. `exempt`: not protected, under a valid exemption (owner, reason, expiry in the future).
 * `excluded`: not protected, and put out of scope by configuration (still listed, never hidden).
 * So `covered` counts exactly the namespaces with netpol_namespace_covered 1, and the four add up to all.
 */
export type RowVerdict = 'covered' | 'uncovered' | 'exempt' | 'excluded';
export const ROW_VERDICTS: readonly RowVerdict[] = ['covered', 'uncovered', 'exempt', 'excluded'];

export interface RowExemption {
  /** `invalid` exemptions do not count, and say why in `problems`; `expired` ones no longer count. */
  state: 'valid' | 'expired' | 'invalid';
  owner: string;
  reason: string;
  /** The instant it stops holding, RFC 3339 in UTC (a bare date `2026-06-30` holds through that day, so
   * it reads `2026-07-01T00:00:00Z`); null when missing or unparsable. */
  expires: string | null;
  problems: string[];
}

/** What surrounds the verdict (issue 6's exemption and scope), when the caller evaluates it. */
export interface RowContext {
  excluded: boolean;
  exemption: ExemptionStatus;
}

/** One policy behind a verdict, as a person would look it up (`kubectl get KIND NAME -n NAMESPACE`). */
export interface PolicyRef {
  /** As the `source` label spells it. */
  source: string;
  kind: string;
  /** null for cluster-scoped kinds. */
  namespace: string | null;
  name: string;
  /** What it selects, in the kind's own terms. */
  selects: string;
}

export interface UnjudgedPolicy extends PolicyRef {
  /** Why its reach into the namespace could not be judged. */
  reason: string;
}

/** What the row names besides the verdict: the policies behind it and, when pods are known, the dangling ones. */
export interface RowDetails {
  networkPolicies: Iterable<PolicyFacts>;
  sourcePolicies: SourcePolicies;
  /** NetworkPolicies that select none of the namespace's pods; undefined when the pods are not known. */
  dangling?: readonly string[];
}

export interface NamespaceRow {
  name: string;
  phase: string;
  verdict: RowVerdict;
  /** NetworkPolicies in the namespace. */
  policies: number;
  defaultDeny: { ingress: boolean; egress: boolean };
  /** What protects the namespace, as the `source` label spells it (`networkpolicy`, `calico_globalnetworkpolicy`). */
  sources: string[];
  /** Out of scope by configuration (a covered namespace can be excluded too). */
  excluded: boolean;
  exemption: RowExemption | null;
  /**
   * Sources with a policy whose reach into the namespace could not be judged (netpol_namespace_protection_unknown).
   * An uncovered namespace with any is "unknown": it may be protected, and it is not a pass.
   */
  unknown: string[];
  /** Every NetworkPolicy of the namespace and every policy of another source that protects it. */
  protectedByPolicies: PolicyRef[];
  /** Policies whose reach into the namespace could not be judged, and why. */
  unjudgedPolicies: UnjudgedPolicy[];
  /** The default-deny NetworkPolicies (by name) behind `defaultDeny`, per direction. */
  defaultDenyPolicies: Record<Direction, string[]>;
  /** NetworkPolicies that select every pod and allow all traffic for the direction (`ingress: [{}]`). */
  allowAll: Record<Direction, string[]>;
  /** NetworkPolicies whose podSelector matches none of the namespace's pods; null when the pods are not known. */
  dangling: string[] | null;
}

export interface RowSummary {
  namespaces: number;
  covered: number;
  uncovered: number;
  exempt: number;
  excluded: number;
  defaultDeny: { ingress: number; egress: number };
  /** Uncovered namespaces with a policy that could not be judged (they may be protected). */
  unknown: number;
  /** Namespaces with an allow-all NetworkPolicy for the direction. */
  allowAll: { ingress: number; egress: number };
  /** Namespaces with at least one dangling NetworkPolicy (only where pods are known). */
  dangling: number;
}

function rowExemption(status: ExemptionStatus | undefined): RowExemption | null {
  if (!status || status.state === 'none') return null;
  if (status.state === 'invalid')
    return { state: 'invalid', owner: '', reason: '', expires: null, problems: [...status.problems] };
  return {
    state: status.state,
    owner: status.owner,
    reason: status.reason,
    expires: new Date(status.expiresSeconds * 1000).toISOString().replace('.000Z', 'Z'),
    problems: [],
  };
}

const sourceOrder = (source: string) => (SOURCES as readonly string[]).indexOf(source);
// Code-unit order, like every other sort here: names are ASCII, and localeCompare would load ICU's collation data
// (about 6 MB of the node binary paged in) for the same order.
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byRef = (a: PolicyRef, b: PolicyRef) =>
  sourceOrder(a.source) - sourceOrder(b.source) ||
  byCodeUnits(a.namespace ?? '', b.namespace ?? '') ||
  byCodeUnits(a.name, b.name);

// Facts objects are replaced, never changed, when their policy changes: their refs can be made once and shared by
// every report (a report at 10,000 namespaces otherwise rebuilds tens of thousands of strings).
const refs = new WeakMap<PolicyFacts | SourcePolicyFacts, PolicyRef>();
function cachedRef<F extends PolicyFacts | SourcePolicyFacts>(
  facts: F,
  make: (f: F) => PolicyRef,
): PolicyRef {
  let ref = refs.get(facts);
  if (!ref) {
    ref = make(facts);
    refs.set(facts, ref);
  }
  return ref;
}

function networkPolicyRef(p: PolicyFacts): PolicyRef {
  const types = DIRECTIONS.filter((d) => p[d].applies).map((d) => (d === 'ingress' ? 'Ingress' : 'Egress'));
  const rules = DIRECTIONS.filter((d) => p[d].applies)
    .map((d) => `${p[d].rules} ${d} rule${p[d].rules === 1 ? '' : 's'}`)
    .join(', ');
  return {
    source: 'networkpolicy',
    kind: 'NetworkPolicy',
    namespace: p.namespace,
    name: p.name,
    selects: `podSelector: ${selectorText(p.podSelector) || '{} (every pod)'}; policyTypes: ${types.join(', ') || 'none'}${rules ? `; ${rules}` : ''}`,
  };
}

function sourceRef(f: SourcePolicyFacts): PolicyRef {
  return {
    source: f.source,
    kind: policySource(f.source).kind,
    namespace: f.namespace === '' ? null : f.namespace,
    name: f.name,
    selects: f.selects,
  };
}

export function namespaceRow(
  verdict: NamespaceVerdict,
  context?: RowContext,
  details?: RowDetails,
): NamespaceRow {
  const exemption = rowExemption(context?.exemption);
  const excluded = context?.excluded ?? false;
  const rowVerdict: RowVerdict = verdict.covered
    ? 'covered'
    : excluded
      ? 'excluded'
      : exemption?.state === 'valid'
        ? 'exempt'
        : 'uncovered';
  // Older verdicts (NetworkPolicy only) carry no protectedBy: derive it the same way.
  const sources: string[] = verdict.protectedBy
    ? [...verdict.protectedBy]
    : verdict.policies > 0
      ? ['networkpolicy']
      : [];
  return {
    name: verdict.name,
    phase: verdict.phase,
    verdict: rowVerdict,
    policies: verdict.policies,
    defaultDeny: { ...verdict.defaultDeny },
    sources,
    excluded,
    exemption,
    unknown: [...(verdict.protectionUnknown ?? [])],
    ...policyDetails(details),
  };
}

function policyDetails(
  details: RowDetails | undefined,
): Pick<
  NamespaceRow,
  'protectedByPolicies' | 'unjudgedPolicies' | 'defaultDenyPolicies' | 'allowAll' | 'dangling'
> {
  const networkPolicies = [...(details?.networkPolicies ?? [])];
  const named = (test: (p: PolicyFacts, d: Direction) => boolean) => (direction: Direction) =>
    networkPolicies
      .filter((p) => test(p, direction))
      .map((p) => p.name)
      .sort();
  const allowAll = named(isAllowAll);
  const defaultDeny = named(isDefaultDeny);
  return {
    protectedByPolicies: [
      ...networkPolicies.map((p) => cachedRef(p, networkPolicyRef)),
      ...(details?.sourcePolicies.protecting ?? []).map((f) => cachedRef(f, sourceRef)),
    ].sort(byRef),
    unjudgedPolicies: (details?.sourcePolicies.unjudged ?? [])
      .map((f) => ({ ...cachedRef(f, sourceRef), reason: f.unknownReason || 'not evaluated' }))
      .sort(byRef),
    defaultDenyPolicies: { ingress: defaultDeny('ingress'), egress: defaultDeny('egress') },
    allowAll: { ingress: allowAll('ingress'), egress: allowAll('egress') },
    dangling: details?.dangling ? [...details.dangling] : null,
  };
}

export function byName(a: NamespaceRow, b: NamespaceRow): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function summarize(rows: Iterable<NamespaceRow>): RowSummary {
  const summary: RowSummary = {
    namespaces: 0,
    covered: 0,
    uncovered: 0,
    exempt: 0,
    excluded: 0,
    defaultDeny: { ingress: 0, egress: 0 },
    unknown: 0,
    allowAll: { ingress: 0, egress: 0 },
    dangling: 0,
  };
  for (const row of rows) {
    summary.namespaces++;
    summary[row.verdict]++;
    for (const direction of DIRECTIONS) {
      if (row.defaultDeny[direction]) summary.defaultDeny[direction]++;
      if (row.allowAll[direction].length > 0) summary.allowAll[direction]++;
    }
    if (isUnknown(row)) summary.unknown++;
    if (row.dangling && row.dangling.length > 0) summary.dangling++;
  }
  return summary;
}

/** Uncovered, but a policy could not be judged for it: it may be protected, and it is not a pass. */
export function isUnknown(row: Pick<NamespaceRow, 'verdict' | 'unknown'>): boolean {
  return row.verdict === 'uncovered' && row.unknown.length > 0;
}

/** The control passes when nothing in scope is uncovered (exempt and excluded namespaces do not fail it). */
export function passes(summary: RowSummary): boolean {
  return summary.uncovered === 0;
}
