// fast-check generators of small clusters: namespaces with labels, pods with labels, NetworkPolicies and the
// network-policy-api tiers (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy) with Allow/Accept,
// Deny and Pass, port-limited rules, namespaces/pods/networks peers and selectors that may contradict themselves.
// Only what the API accepts and the model covers: no named ports, no nodes or domainNames peers, no two tier
// policies at one priority (upstream leaves their order undefined), and no BANP beside a Baseline-tier CNP.
import fc from 'fast-check';
import { CIDRS } from './addresses.ts';
import type { Cluster, Labels, Obj, Pod, Requirement, Selector } from './model.ts';

const NAMES = ['a', 'b', 'c'];
const NAME_LABEL = 'kubernetes.io/metadata.name';

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
const labelsOf = (pairs: Record<string, string | undefined>): Labels =>
  Object.fromEntries(Object.entries(pairs).filter((e): e is [string, string] => e[1] !== undefined));

const nsLabels = fc
  .record({ team: optional(fc.constantFrom('x', 'y')), env: optional(fc.constantFrom('prod', 'dev')) })
  .map(labelsOf);
const podLabels = fc
  .record({ app: optional(fc.constantFrom('web', 'db')), tier: optional(fc.constant('front')) })
  .map(labelsOf);

function requirement(keys: Record<string, string[]>): fc.Arbitrary<Requirement> {
  return fc.constantFrom(...Object.keys(keys)).chain((key) =>
    fc.oneof(
      fc.record({
        key: fc.constant(key),
        operator: fc.constantFrom('In' as const, 'NotIn' as const),
        values: fc.subarray(keys[key] as string[], { minLength: 1 }),
      }),
      fc.record({
        key: fc.constant(key),
        operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const),
      }),
    ),
  );
}
function selector(keys: Record<string, string[]>, spellings: Selector[]): fc.Arbitrary<Selector> {
  const random = fc
    .record({
      matchLabels: optional(
        fc
          .constantFrom(...Object.keys(keys))
          .chain((k) => fc.constantFrom(...(keys[k] as string[])).map((v) => ({ [k]: v }))),
      ),
      matchExpressions: optional(fc.array(requirement(keys), { minLength: 1, maxLength: 2 })),
    })
    .map((s) => JSON.parse(JSON.stringify(s)) as Selector);
  return fc.oneof(fc.constantFrom(...spellings), random);
}

export const nsSelector = selector({ team: ['x', 'y'], env: ['prod', 'dev'], [NAME_LABEL]: NAMES }, [
  {},
  { matchLabels: { team: 'x' } },
  { matchLabels: { [NAME_LABEL]: 'b' } },
  { matchExpressions: [{ key: NAME_LABEL, operator: 'NotIn', values: ['a'] }] },
  { matchExpressions: [{ key: NAME_LABEL, operator: 'Exists' }] },
  { matchLabels: { team: 'x' }, matchExpressions: [{ key: 'team', operator: 'In', values: ['y'] }] },
]);
export const podSelector = selector({ app: ['web', 'db'], tier: ['front'] }, [
  {},
  { matchLabels: { app: 'web' } },
  { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'app', operator: 'In', values: ['db'] }] },
]);

// ---- NetworkPolicies.
const ipBlock = fc.oneof(
  fc.constantFrom('0.0.0.0/0', '::/0', ...CIDRS).map((cidr) => ({ cidr })),
  fc.constant({ cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] }),
);
const npPeer = fc.oneof(
  fc.record({ podSelector }),
  fc.record({ namespaceSelector: nsSelector }),
  fc.record({ namespaceSelector: nsSelector, podSelector }),
  fc.record({ ipBlock }),
);
const npPorts = fc.constantFrom(
  [{ port: 80 }],
  [{ protocol: 'UDP', port: 53 }],
  [{ port: 8000, endPort: 9000 }],
  [{ protocol: 'TCP' }],
);
const npRule = (field: 'from' | 'to') =>
  fc
    .record({ peers: optional(fc.array(npPeer, { minLength: 1, maxLength: 2 })), ports: optional(npPorts) })
    .map(({ peers, ports }) => ({ ...(peers ? { [field]: peers } : {}), ...(ports ? { ports } : {}) }));
const networkPolicy = fc
  .record({
    namespace: fc.constantFrom(...NAMES),
    podSelector,
    policyTypes: optional(fc.subarray(['Ingress', 'Egress'])),
    ingress: fc.array(npRule('from'), { maxLength: 2 }),
    egress: fc.array(npRule('to'), { maxLength: 2 }),
  })
  .map(({ namespace, policyTypes, ...spec }) => ({
    namespace,
    spec: policyTypes ? { ...spec, policyTypes } : spec,
  }));

// ---- The tiers.
const subject = fc.oneof(
  fc.record({ namespaces: nsSelector }),
  fc.record({ pods: fc.record({ namespaceSelector: nsSelector, podSelector }) }),
);
const tierPeer = (egress: boolean) =>
  fc.oneof(
    fc.record({ namespaces: nsSelector }),
    fc.record({ pods: fc.record({ namespaceSelector: nsSelector, podSelector }) }),
    ...(egress
      ? [
          fc
            .subarray(['0.0.0.0/0', '::/0', ...CIDRS], { minLength: 1, maxLength: 2 })
            .map((networks) => ({ networks })),
        ]
      : []),
  );
const anpPorts = fc.constantFrom(
  [{ portNumber: { protocol: 'TCP', port: 80 } }],
  [{ portRange: { protocol: 'TCP', start: 8000, end: 9000 } }],
  [{ portNumber: { protocol: 'UDP', port: 53 } }],
);
const cnpProtocols = fc.constantFrom(
  [{ tcp: { destinationPort: { number: 80 } } }],
  [{ tcp: { destinationPort: { range: { start: 8000, end: 9000 } } } }],
  [{ udp: { destinationPort: { number: 53 } } }],
  [{ tcp: {} }],
);
function tierRules(actions: string[], portField: 'ports' | 'protocols') {
  const ports: fc.Arbitrary<readonly Obj[]> = portField === 'ports' ? anpPorts : cnpProtocols;
  const rule = (field: 'from' | 'to') =>
    fc
      .record({
        action: fc.constantFrom(...actions),
        peers: fc.array(tierPeer(field === 'to'), { minLength: 1, maxLength: 2 }),
        ports: optional(ports),
      })
      .map(({ action, peers, ports: p }) => ({ action, [field]: peers, ...(p ? { [portField]: p } : {}) }));
  return fc.record({
    subject,
    ingress: fc.array(rule('from'), { maxLength: 2 }),
    egress: fc.array(rule('to'), { maxLength: 2 }),
  });
}
const anpSpec = tierRules(['Allow', 'Deny', 'Pass'], 'ports');
const banpSpec = tierRules(['Allow', 'Deny'], 'ports');
const cnpAdminSpec = tierRules(['Accept', 'Deny', 'Pass'], 'protocols').map((s) => ({ tier: 'Admin', ...s }));
const cnpBaselineSpec = tierRules(['Accept', 'Deny', 'Pass'], 'protocols').map((s) => ({
  tier: 'Baseline',
  ...s,
}));

export interface ClusterShape {
  /** NetworkPolicies only, or with the tiers. */
  tiers: boolean;
}

type TierObject = { kind: string; s: Obj };
const none: fc.Arbitrary<TierObject[]> = fc.constant([]);

export function cluster({ tiers }: ClusterShape): fc.Arbitrary<Cluster> {
  return fc
    .record({
      namespaces: fc.uniqueArray(fc.record({ name: fc.constantFrom(...NAMES), labels: nsLabels }), {
        minLength: 1,
        maxLength: 3,
        selector: (n) => n.name,
      }),
      pods: fc.array(fc.record({ namespace: fc.constantFrom(...NAMES), labels: podLabels }), {
        maxLength: 5,
      }),
      networkPolicies: fc.array(networkPolicy, { maxLength: 3 }),
      admin: tiers
        ? fc.array(
            fc.oneof(
              anpSpec.map((s): TierObject => ({ kind: 'ANP', s })),
              cnpAdminSpec.map((s): TierObject => ({ kind: 'CNP', s })),
            ),
            { maxLength: 3 },
          )
        : none,
      baseline: tiers
        ? fc.oneof(
            optional(banpSpec).map((s): TierObject[] => (s ? [{ kind: 'BANP', s }] : [])),
            fc.array(
              cnpBaselineSpec.map((s): TierObject => ({ kind: 'CNP', s })),
              { maxLength: 2 },
            ),
          )
        : none,
      descending: fc.boolean(),
    })
    .map(({ namespaces, pods, networkPolicies, admin, baseline, descending }) => {
      const policies: Obj[] = networkPolicies.map((p, i) => ({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: `np${i}`, namespace: p.namespace },
        spec: p.spec,
      }));
      // Distinct priorities per tier; whether they rise or fall with the order of the objects is random.
      const priority = (i: number, n: number) => (descending ? n - i : i + 1) * 10;
      const tierObject = (t: TierObject, i: number, n: number): Obj => {
        if (t.kind === 'BANP') {
          return {
            apiVersion: 'policy.networking.k8s.io/v1alpha1',
            kind: 'BaselineAdminNetworkPolicy',
            metadata: { name: 'default' },
            spec: t.s,
          };
        }
        return t.kind === 'ANP'
          ? {
              apiVersion: 'policy.networking.k8s.io/v1alpha1',
              kind: 'AdminNetworkPolicy',
              metadata: { name: `anp${i}` },
              spec: { priority: priority(i, n), ...t.s },
            }
          : {
              apiVersion: 'policy.networking.k8s.io/v1alpha2',
              kind: 'ClusterNetworkPolicy',
              metadata: { name: `cnp-${String(t.s.tier).toLowerCase()}${i}` },
              spec: { priority: priority(i, n), ...t.s },
            };
      };
      policies.push(...admin.map((t, i) => tierObject(t, i, admin.length)));
      policies.push(...baseline.map((t, i) => tierObject(t, i, baseline.length)));
      const names = new Set(namespaces.map((n) => n.name));
      const livePods: Pod[] = pods.filter((p) => names.has(p.namespace));
      return { namespaces, pods: livePods, policies };
    });
}
