import { isEmptySelector, isObject, labelSelectorFrom, objectKey } from '../facts.ts';
import {
  lookupIn,
  matchSelector,
  namespaceLabels,
  selectorProblem,
  selectorText,
} from '../selectors/label-selector.ts';
import {
  type ExposureReader,
  type Json,
  NEVER,
  type OpaqueReach,
  type PolicyReach,
  type Predicate,
  type SourceExposure,
  specOf,
  type TierAction,
  type TierPeers,
  type TierPolicy,
  type TierPort,
  type TierRule,
  type TierSubject,
  UNKNOWN,
} from './reader.ts';

// policy.networking.k8s.io: AdminNetworkPolicy, BaselineAdminNetworkPolicy (v1alpha1), ClusterNetworkPolicy
// (v1alpha2). https://network-policy-api.sigs.k8s.io/reference/spec/ : `subject` is exactly one of
// `namespaces` (a label selector over namespaces) or `pods` ({namespaceSelector, podSelector}).

/** True when some rule denies traffic: Allow (Accept) and Pass rules alone never isolate anything. */
function hasDenyRule(spec: Json): boolean {
  for (const direction of ['ingress', 'egress']) {
    const rules = spec[direction];
    if (Array.isArray(rules) && rules.some((r) => isObject(r) && r.action === 'Deny')) return true;
  }
  return false;
}

const everything = (text: string) => text || '{} (every namespace)';

interface Subject {
  protects: Predicate;
  selects: string;
  unknownReason: string;
}

function subjectOf(spec: Json): Subject {
  const subject = spec.subject;
  // Required by the schema, and exactly one of the two: whatever else this is, it cannot be judged.
  if (!isObject(subject) || isObject(subject.namespaces) === isObject(subject.pods))
    return {
      protects: UNKNOWN,
      selects: 'no valid subject',
      unknownReason: 'subject must set exactly one of namespaces and pods',
    };
  if (isObject(subject.namespaces)) {
    const selector = labelSelectorFrom(subject.namespaces);
    const problem = selectorProblem(selector);
    return {
      protects: problem
        ? UNKNOWN
        : (ns) => matchSelector(selector, lookupIn(namespaceLabels(ns.name, ns.labels))),
      selects: `subject.namespaces: ${everything(selectorText(selector))}`,
      unknownReason: problem ? `subject.namespaces: ${problem}` : '',
    };
  }
  const pods = subject.pods as Json;
  const nsSelector = labelSelectorFrom(isObject(pods.namespaceSelector) ? pods.namespaceSelector : {});
  const podSelector = labelSelectorFrom(isObject(pods.podSelector) ? pods.podSelector : {});
  const problem = selectorProblem(nsSelector);
  // A podSelector that is not empty reaches only the pods whose labels match, in each selected namespace: which
  // namespaces hold such pods cannot be told from namespace labels.
  const narrowed = !isEmptySelector(podSelector);
  const selects = `subject.pods: namespaceSelector ${everything(selectorText(nsSelector))}, podSelector ${
    selectorText(podSelector) || '{} (every pod)'
  }`;
  return {
    protects: problem
      ? UNKNOWN
      : (ns) => {
          const selected = matchSelector(nsSelector, lookupIn(namespaceLabels(ns.name, ns.labels)));
          return selected === true && narrowed ? 'unknown' : selected;
        },
    selects,
    unknownReason: problem
      ? `subject.pods.namespaceSelector: ${problem}`
      : narrowed
        ? "subject.pods.podSelector picks pods by their labels, which a namespace's labels cannot tell"
        : '',
  };
}

/** AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy: the subject, when a rule denies. */
export function networkPolicyApiReach(obj: unknown): PolicyReach | undefined {
  const key = objectKey(obj);
  if (!key) return undefined;
  const spec = specOf(obj);
  const subject = subjectOf(spec);
  if (!hasDenyRule(spec))
    return {
      namespace: '',
      name: key.name,
      protects: NEVER,
      selects: `${subject.selects} (no Deny rule: isolates nothing)`,
      unknownReason: '',
    };
  return { namespace: '', name: key.name, ...subject };
}

// Exposure: the rules read in full, as reachability walks them.

const BOTH_ADDRESS_FAMILIES = ['0.0.0.0/0', '::/0'];

function tierAction(value: unknown): TierAction {
  switch (value) {
    case 'Allow':
    case 'Accept':
      return 'allow';
    case 'Deny':
      return 'deny';
    case 'Pass':
      return 'pass';
    default:
      return 'unknown';
  }
}

const FAIL_CLOSED: TierPeers = {
  namespaces: [{ matchLabels: {}, matchExpressions: [] }],
  pods: [],
  networks: [...BOTH_ADDRESS_FAMILIES],
  nodes: true,
  domainNames: false,
  addresses: true,
  allAddresses: true,
  unknown: false,
};

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
type Protocol = (typeof PROTOCOLS)[number];

/** `{port}` or `{number}`, `{start, end}` or `{range: {start, end}}` of one protocol; a named port when unreadable. */
function portRange(protocol: unknown, value: Json): TierPort {
  const p: Protocol = PROTOCOLS.find((x) => x === protocol) ?? 'TCP';
  const single = typeof value.port === 'number' ? value.port : value.number;
  if (typeof single === 'number') return { protocol: p, start: single, end: single };
  const range = isObject(value.range) ? value.range : value;
  if (typeof range.start === 'number' && typeof range.end === 'number')
    return { protocol: p, start: range.start, end: range.end };
  return { named: '(unreadable port)' };
}

/**
 * A rule's ports: v1alpha1 `ports` ({portNumber}, {portRange}, {namedPort}) or v1alpha2 `protocols` ({tcp|udp|sctp:
 * {destinationPort: {number} | {range}}}, {destinationNamedPort}); undefined when the rule names none (every port).
 */
function tierPorts(rule: Json): TierPort[] | undefined {
  const out: TierPort[] = [];
  if (Array.isArray(rule.ports)) {
    for (const p of rule.ports) {
      if (!isObject(p)) out.push({ named: '(unreadable port)' });
      else if (isObject(p.portNumber)) out.push(portRange(p.portNumber.protocol ?? 'TCP', p.portNumber));
      else if (isObject(p.portRange)) out.push(portRange(p.portRange.protocol ?? 'TCP', p.portRange));
      else out.push({ named: typeof p.namedPort === 'string' ? p.namedPort : '(unreadable port)' });
    }
  }
  if (Array.isArray(rule.protocols)) {
    for (const p of rule.protocols) {
      if (!isObject(p)) {
        out.push({ named: '(unreadable port)' });
        continue;
      }
      if (typeof p.destinationNamedPort === 'string') out.push({ named: p.destinationNamedPort });
      for (const [field, protocol] of [
        ['tcp', 'TCP'],
        ['udp', 'UDP'],
        ['sctp', 'SCTP'],
      ] as const) {
        const spec = p[field];
        if (!isObject(spec)) continue;
        // A protocol without destinationPort: every port of it.
        out.push(
          isObject(spec.destinationPort)
            ? portRange(protocol, spec.destinationPort)
            : { protocol, start: 1, end: 65535 },
        );
      }
    }
  }
  return out.length > 0 || Array.isArray(rule.ports) || Array.isArray(rule.protocols) ? out : undefined;
}

/**
 * One rule. A peer with none of the known fields means the CRD is newer than this reader; the API says to fail
 * closed: an allow rule then matches nothing, a deny or pass rule denies everything.
 */
function tierRule(rule: unknown, field: 'from' | 'to'): TierRule {
  if (!isObject(rule)) return { action: 'unknown', peers: { ...FAIL_CLOSED, unknown: true } };
  let action = tierAction(rule.action);
  const peers: TierPeers = {
    namespaces: [],
    pods: [],
    networks: [],
    nodes: false,
    domainNames: false,
    addresses: false,
    allAddresses: false,
    unknown: false,
  };
  const list = Array.isArray(rule[field]) ? (rule[field] as unknown[]) : [];
  let failClosed = list.length === 0;
  for (const peer of list) {
    if (!isObject(peer)) {
      failClosed = true;
      continue;
    }
    if (isObject(peer.namespaces)) {
      const ns = peer.namespaces;
      // The early v1alpha1 form: {namespaceSelector} or {sameLabels}/{notSameLabels} (judged against the subject's
      // own namespace, which this reader does not do).
      if ('sameLabels' in ns || 'notSameLabels' in ns) peers.unknown = true;
      else
        peers.namespaces.push(labelSelectorFrom(isObject(ns.namespaceSelector) ? ns.namespaceSelector : ns));
    } else if (isObject(peer.pods)) {
      const pods = peer.pods;
      // The early v1alpha1 form nests the namespace part: {namespaces: {namespaceSelector | sameLabels}, podSelector}.
      const early = isObject(pods.namespaces) ? pods.namespaces : undefined;
      const nsSelector = labelSelectorFrom(
        early ? early.namespaceSelector : isObject(pods.namespaceSelector) ? pods.namespaceSelector : {},
      );
      const podSelector = labelSelectorFrom(pods.podSelector);
      if (early && ('sameLabels' in early || 'notSameLabels' in early)) peers.unknown = true;
      else if (isEmptySelector(podSelector)) peers.namespaces.push(nsSelector);
      else peers.pods.push({ namespaces: nsSelector, pods: podSelector });
    } else if (Array.isArray(peer.networks)) {
      peers.addresses = true;
      const cidrs = peer.networks.filter((c) => typeof c === 'string');
      peers.networks.push(...cidrs);
      if (BOTH_ADDRESS_FAMILIES.every((any) => peers.networks.includes(any))) peers.allAddresses = true;
    } else if (isObject(peer.nodes)) {
      peers.addresses = true;
      peers.nodes = true;
    } else if (Array.isArray(peer.domainNames)) {
      peers.addresses = true;
      peers.domainNames = true;
    } else failClosed = true;
  }
  if (failClosed && action !== 'allow') {
    action = action === 'unknown' ? 'unknown' : 'deny';
    return { action, peers: FAIL_CLOSED };
  }
  const ports = tierPorts(rule);
  return ports ? { action, peers, ports } : { action, peers };
}

function tierSubject(spec: Json): TierSubject | undefined {
  const subject = spec.subject;
  if (!isObject(subject)) return undefined;
  if (isObject(subject.namespaces))
    return { namespaces: labelSelectorFrom(subject.namespaces), pods: undefined };
  if (isObject(subject.pods)) {
    const pods = labelSelectorFrom(subject.pods.podSelector);
    return {
      namespaces: labelSelectorFrom(
        isObject(subject.pods.namespaceSelector) ? subject.pods.namespaceSelector : {},
      ),
      pods: isEmptySelector(pods) ? undefined : pods,
    };
  }
  return undefined;
}

/** AdminNetworkPolicy, BaselineAdminNetworkPolicy (v1alpha1) and ClusterNetworkPolicy (v1alpha2). */
function tierPolicy(kind: string, obj: unknown): TierPolicy | undefined {
  if (!isObject(obj) || !isObject(obj.metadata) || typeof obj.metadata.name !== 'string') return undefined;
  const spec = isObject(obj.spec) ? obj.spec : {};
  const tier: TierPolicy['tier'] =
    kind === 'BaselineAdminNetworkPolicy' || (kind === 'ClusterNetworkPolicy' && spec.tier === 'Baseline')
      ? 'baseline'
      : 'admin';
  // The baseline singleton has no priority: it goes after any Baseline-tier ClusterNetworkPolicy.
  const priority =
    kind === 'BaselineAdminNetworkPolicy' ? 1001 : typeof spec.priority === 'number' ? spec.priority : 1000;
  const rules = (value: unknown, field: 'from' | 'to') =>
    Array.isArray(value) ? value.map((r) => tierRule(r, field)) : [];
  return {
    kind,
    name: obj.metadata.name,
    tier,
    priority,
    subject: tierSubject(spec),
    ingress: rules(spec.ingress, 'from'),
    egress: rules(spec.egress, 'to'),
  };
}

const ANY_EVERYWHERE: OpaqueReach = { effectOn: () => ({ ingress: 'any', egress: 'any' }) };

/** The network-policy-api kinds, read in full; an object whose rules cannot be read may do anything. */
export const tierExposure: ExposureReader = (obj, _reach, kind): SourceExposure => {
  const policy = tierPolicy(kind, obj);
  return policy ? { tier: policy } : { opaque: ANY_EVERYWHERE };
};
