import { type CalicoExpr, evaluateCalico, parseCalicoSelector } from '../calico-selector.ts';
import { type NamespaceFacts, objectKey } from '../facts.ts';
import { andAll, type LabelLookup, lookupIn, namespaceLabels, UNKNOWN_LABEL } from '../label-selector.ts';
import { type Json, type PolicyReach, specOf, UNKNOWN } from './reach.ts';

// Calico, crd.projectcalico.org/v1. https://docs.tigera.io/calico/latest/reference/resources/globalnetworkpolicy
// and .../networkpolicy. Any Calico policy that selects an endpoint puts it into default deny for the policy's
// types (traffic no policy allows is dropped at the end of the tier), so selecting is protecting.

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

function calicoField(spec: Json, field: string): CalicoExpr | undefined | 'error' {
  const text = spec[field];
  if (text === undefined || text === null) return undefined;
  if (typeof text !== 'string') return 'error';
  const parsed = parseCalicoSelector(text);
  return 'expr' in parsed ? parsed.expr : 'error';
}

/** GlobalNetworkPolicy: the namespaces its namespaceSelector and selector both reach. */
export function calicoGlobalReach(obj: unknown): PolicyReach | undefined {
  const key = objectKey(obj);
  if (!key) return undefined;
  const spec = specOf(obj);
  const selector = calicoField(spec, 'selector');
  const namespaceSelector = calicoField(spec, 'namespaceSelector');
  if (selector === 'error' || namespaceSelector === 'error')
    return { namespace: '', name: key.name, protects: UNKNOWN };
  return {
    namespace: '',
    name: key.name,
    protects: (ns) =>
      andAll([
        namespaceSelector ? evaluateCalico(namespaceSelector, calicoNamespaceLookup(ns)) : true,
        selector ? evaluateCalico(selector, calicoEndpointLookup(ns)) : true,
      ]),
  };
}

/** Calico's namespaced NetworkPolicy: its own namespace. */
export function calicoNamespacedReach(obj: unknown): PolicyReach | undefined {
  const key = objectKey(obj);
  if (!key) return undefined;
  // Like a NetworkPolicy, it counts for its namespace whatever pods its selector picks ("has a policy"); a selector
  // that does not even parse is unknown.
  const selector = calicoField(specOf(obj), 'selector');
  const own = key.namespace;
  return {
    namespace: own,
    name: key.name,
    protects: (ns) => (ns.name !== own ? false : selector === 'error' ? 'unknown' : true),
  };
}
