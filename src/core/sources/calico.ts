import type { Direction } from '../direction.ts';
import { isObject, type NamespaceFacts, objectKey } from '../facts.ts';
import { type CalicoExpr, evaluateCalico, parseCalicoSelector } from '../selectors/calico-selector.ts';
import {
  andAll,
  type LabelLookup,
  lookupIn,
  namespaceLabels,
  UNKNOWN_LABEL,
} from '../selectors/label-selector.ts';
import {
  type ExposureReader,
  type Json,
  NO_EFFECT,
  type OpaqueEffect,
  type OpaqueReach,
  type PolicyReach,
  specOf,
} from './reader.ts';

// Calico, crd.projectcalico.org/v1. https://docs.tigera.io/calico/latest/reference/resources/globalnetworkpolicy
// and .../networkpolicy. Any Calico policy that selects an endpoint puts it into default deny for the policy's
// types (traffic no policy allows is dropped at the end of the tier), so selecting is protecting. What the reach
// also depends on and the exporter does not watch (service accounts, a tier's default action, host endpoints)
// makes the answer unknown.

/** The keys Calico gives every workload endpoint from its namespace; any other key is a pod label. */
const NAMESPACE_KEYS = ['projectcalico.org/namespace', 'projectcalico.org/orchestrator'];
const isNamespaceKey = (key: string) => NAMESPACE_KEYS.includes(key) || key.startsWith('pcns.');

/**
 * Endpoint labels of "some pod in this namespace" as Calico sees them: projectcalico.org/namespace, the
 * orchestrator, and the namespace's labels under `pcns.`. Any other key is a pod label: unknown.
 */
function calicoEndpointLookup(ns: Pick<NamespaceFacts, 'name' | 'labels'>): LabelLookup {
  return (key) => {
    if (key === 'projectcalico.org/namespace') return ns.name;
    if (key === 'projectcalico.org/orchestrator') return 'k8s';
    if (key.startsWith('pcns.')) {
      const labels = namespaceLabels(ns.name, ns.labels);
      const nsKey = key.slice('pcns.'.length);
      return Object.hasOwn(labels, nsKey) ? labels[nsKey] : undefined;
    }
    return UNKNOWN_LABEL;
  };
}

/** Namespace labels for `namespaceSelector`: Calico adds projectcalico.org/name with the namespace's name. */
function calicoNamespaceLookup(ns: Pick<NamespaceFacts, 'name' | 'labels'>): LabelLookup {
  return lookupIn({ ...namespaceLabels(ns.name, ns.labels), 'projectcalico.org/name': ns.name });
}

function keysOf(expr: CalicoExpr): string[] {
  switch (expr.op) {
    case 'all':
    case 'global':
      return [];
    case 'not':
      return keysOf(expr.expr);
    case 'and':
    case 'or':
      return expr.exprs.flatMap(keysOf);
    default:
      return [expr.key];
  }
}

type Field = { expr: CalicoExpr; text: string } | { error: string; text: string } | undefined;

function calicoField(spec: Json, field: string): Field {
  const text = spec[field];
  if (text === undefined || text === null || text === '') return undefined;
  if (typeof text !== 'string') return { error: `${field} is not a string`, text: JSON.stringify(text) };
  const parsed = parseCalicoSelector(text);
  return 'expr' in parsed
    ? { expr: parsed.expr, text }
    : { error: `${field} does not parse (${parsed.error})`, text };
}

const fieldError = (f: Field): string | undefined => (f && 'error' in f ? f.error : undefined);

/**
 * Fields whose effect on reach the exporter does not evaluate, each as a reason. A serviceAccountSelector is
 * ANDed with the endpoint selector and narrows reach to pods by their service account, which namespace labels
 * cannot tell (`all()` narrows nothing). A policy in another tier than `default` protects only if that tier's
 * default action is Deny (Pass hands traffic to the next tier), and tiers are not watched. doNotTrack and preDNAT
 * policies apply to host endpoints.
 */
function notEvaluated(spec: Json): string[] {
  const reasons: string[] = [];
  const serviceAccounts = calicoField(spec, 'serviceAccountSelector');
  const saError = fieldError(serviceAccounts);
  if (saError) reasons.push(saError);
  else if (serviceAccounts && 'expr' in serviceAccounts) {
    if (evaluateCalico(serviceAccounts.expr, () => UNKNOWN_LABEL) !== true)
      reasons.push(
        `serviceAccountSelector ${JSON.stringify(serviceAccounts.text)} is not evaluated: it narrows the policy to pods by service account, which is not watched`,
      );
  }
  if (spec.tier !== undefined && spec.tier !== null && spec.tier !== '' && spec.tier !== 'default')
    reasons.push(
      `tier ${JSON.stringify(spec.tier)} is not evaluated: whether it ends in Deny or Pass is set on the Tier, which is not watched`,
    );
  for (const hostOnly of ['doNotTrack', 'preDNAT'])
    if (spec[hostOnly] === true)
      reasons.push(`${hostOnly} policies apply to host endpoints, which are not evaluated`);
  return reasons;
}

const shown = (f: Field) => (f ? f.text : 'all()');

/** GlobalNetworkPolicy: the namespaces its namespaceSelector and selector both reach. */
export function calicoGlobalReach(obj: unknown): PolicyReach | undefined {
  const key = objectKey(obj);
  if (!key) return undefined;
  const spec = specOf(obj);
  const selector = calicoField(spec, 'selector');
  const namespaceSelector = calicoField(spec, 'namespaceSelector');
  const serviceAccounts = calicoField(spec, 'serviceAccountSelector');
  const selects = [
    `namespaceSelector: ${shown(namespaceSelector)}`,
    `selector: ${shown(selector)}`,
    ...(serviceAccounts ? [`serviceAccountSelector: ${serviceAccounts.text}`] : []),
  ].join('; ');
  const errors = [fieldError(selector), fieldError(namespaceSelector)].filter((e) => e !== undefined);
  if (errors.length > 0)
    return {
      namespace: '',
      name: key.name,
      protects: () => 'unknown',
      selects,
      unknownReason: errors.join('; '),
    };
  const skipped = notEvaluated(spec);
  const podKeys =
    selector && 'expr' in selector ? keysOf(selector.expr).filter((k) => !isNamespaceKey(k)) : [];
  const reasons = [
    ...(podKeys.length > 0
      ? [
          `selector uses pod labels (${[...new Set(podKeys)].join(', ')}), which a namespace's labels cannot tell`,
        ]
      : []),
    ...skipped,
  ];
  const nsExpr = namespaceSelector && 'expr' in namespaceSelector ? namespaceSelector.expr : undefined;
  const endpointExpr = selector && 'expr' in selector ? selector.expr : undefined;
  return {
    namespace: '',
    name: key.name,
    protects: (ns) =>
      andAll([
        nsExpr ? evaluateCalico(nsExpr, calicoNamespaceLookup(ns)) : true,
        endpointExpr ? evaluateCalico(endpointExpr, calicoEndpointLookup(ns)) : true,
        skipped.length > 0 ? 'unknown' : true,
      ]),
    selects,
    unknownReason: reasons.join('; '),
  };
}

/** Calico's namespaced NetworkPolicy: its own namespace. */
export function calicoNamespacedReach(obj: unknown): PolicyReach | undefined {
  const key = objectKey(obj);
  if (!key) return undefined;
  const spec = specOf(obj);
  // Like a NetworkPolicy, it counts for its namespace whatever pods its label selector picks ("has a policy"); a
  // selector that does not even parse, or a field it depends on that is not evaluated, is unknown.
  const selector = calicoField(spec, 'selector');
  const serviceAccounts = calicoField(spec, 'serviceAccountSelector');
  const reasons = [fieldError(selector), ...notEvaluated(spec)].filter((r) => r !== undefined);
  const own = key.namespace;
  return {
    namespace: own,
    name: key.name,
    protects: (ns) => (ns.name !== own ? false : reasons.length > 0 ? 'unknown' : true),
    selects: [
      `selector: ${shown(selector)}`,
      ...(serviceAccounts ? [`serviceAccountSelector: ${serviceAccounts.text}`] : []),
    ].join('; '),
    unknownReason: reasons.join('; '),
  };
}

/**
 * Calico: an endpoint its selectors (may) select is isolated for the policy's types and gets what its rules say,
 * which this reader does not evaluate. Types default as Calico documents: Ingress unless there are only egress
 * rules, Egress when there are egress rules.
 */
function calicoExposure(reach: PolicyReach, obj: unknown): OpaqueReach {
  const spec = isObject(obj) && isObject(obj.spec) ? obj.spec : {};
  const declared = Array.isArray(spec.types) ? spec.types.filter((t) => typeof t === 'string') : undefined;
  const hasIngress = Array.isArray(spec.ingress) && spec.ingress.length > 0;
  const hasEgress = Array.isArray(spec.egress) && spec.egress.length > 0;
  const types = declared
    ? { ingress: declared.includes('Ingress'), egress: declared.includes('Egress') }
    : { ingress: hasIngress || !hasEgress, egress: hasEgress };
  // An unreadable `types` value is not trusted to spare a direction.
  if (declared && declared.length === 0) types.ingress = types.egress = true;
  const effect: Record<Direction, OpaqueEffect> = {
    ingress: types.ingress ? 'any' : 'none',
    egress: types.egress ? 'any' : 'none',
  };
  return { effectOn: (ns) => (reach.protects(ns) === false ? NO_EFFECT : effect) };
}

export const calicoExposureReader: ExposureReader = (obj, reach) => ({ opaque: calicoExposure(reach, obj) });
