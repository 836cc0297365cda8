// The reference model's own tests, one per sentence of the specifications it follows (quoted). They pin the model
// down independently of the engine: the property test trusts the model only as far as these hold.
import { expect } from 'chai';
import { address } from './addresses.ts';
import { PEER_CLASSES, referenceClasses, type Tri } from './exposure.ts';
import {
  allowed,
  type Cluster,
  type Endpoint,
  type Labels,
  matches,
  type Obj,
  type Pod,
  type Port,
} from './model.ts';

const ns = (name: string, labels: Labels = {}) => ({ name, labels });
const netpol = (namespace: string, spec: Obj): Obj => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'p', namespace },
  spec,
});
const anp = (name: string, spec: Obj): Obj => ({
  apiVersion: 'policy.networking.k8s.io/v1alpha1',
  kind: 'AdminNetworkPolicy',
  metadata: { name },
  spec,
});
const banp = (spec: Obj): Obj => ({
  apiVersion: 'policy.networking.k8s.io/v1alpha1',
  kind: 'BaselineAdminNetworkPolicy',
  metadata: { name: 'default' },
  spec,
});
const cnp = (name: string, spec: Obj): Obj => ({
  apiVersion: 'policy.networking.k8s.io/v1alpha2',
  kind: 'ClusterNetworkPolicy',
  metadata: { name },
  spec,
});
const everyNs = { namespaces: {} };
const tcp = (port: number): Port => ({ protocol: 'TCP', port });
const podOf = (namespace: string, nsLabels: Labels, labels: Labels = {}, at = '10.1.0.9'): Endpoint => ({
  kind: 'pod',
  namespace,
  nsLabels: { ...nsLabels, 'kubernetes.io/metadata.name': namespace },
  labels,
  address: address(at),
});
const outside = (a: string): Endpoint => ({ kind: 'address', address: address(a) });

/** Whether a connection reaches the pod `target` of namespace `a` (no labels) in cluster `policies`. */
function admits(
  policies: Obj[],
  other: Endpoint,
  port = tcp(80),
  d: 'ingress' | 'egress' = 'ingress',
  target?: Pod,
) {
  const c: Cluster = { namespaces: [ns('a'), ns('b')], pods: [], policies };
  const pod = target ?? { namespace: 'a', labels: {} };
  return allowed(c, pod, { 'kubernetes.io/metadata.name': 'a' }, d, other, port);
}
const fromB = podOf('b', {});
const short = (r: Record<string, Tri>) =>
  PEER_CLASSES.map((k) => `${k.split('_')[0]}=${r[k] === true ? 1 : r[k] === false ? 0 : '?'}`).join(' ');

describe('reference model: label selectors (metav1.LabelSelector)', () => {
  it('"The requirements are ANDed"; NotIn and DoesNotExist match a missing key; an empty selector matches all', () => {
    expect(matches({}, { any: 'x' })).to.equal(true);
    expect(matches({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, {})).to.equal(
      true,
    );
    expect(matches({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, { app: 'x' })).to.equal(
      false,
    );
    const contradictory = {
      matchLabels: { app: 'web' },
      matchExpressions: [{ key: 'app', operator: 'In' as const, values: ['db'] }],
    };
    expect(matches(contradictory, { app: 'web' })).to.equal(false);
    expect(matches(contradictory, { app: 'db' })).to.equal(false);
  });
});

describe('reference model: NetworkPolicy', () => {
  it('a pod no policy selects accepts everything; one selected for ingress accepts only what a rule admits', () => {
    expect(admits([], fromB)).to.equal(true);
    expect(admits([netpol('a', { podSelector: {} })], fromB)).to.equal(false);
    expect(admits([netpol('b', { podSelector: {} })], fromB)).to.equal(true); // another namespace's policy
  });

  it('policyTypes: omitted (or empty, as the API server defaults it) means Ingress, and Egress only with egress rules', () => {
    expect(admits([netpol('a', { podSelector: {} })], fromB, tcp(80), 'egress')).to.equal(true);
    expect(admits([netpol('a', { podSelector: {}, policyTypes: [] })], fromB)).to.equal(false);
    const egressRule = netpol('a', { podSelector: {}, egress: [{ to: [{ podSelector: {} }] }] });
    expect(admits([egressRule], fromB, tcp(80), 'egress')).to.equal(false);
    expect(admits([netpol('a', { podSelector: {}, policyTypes: ['Egress'] })], fromB)).to.equal(true);
  });

  it('a podSelector-only peer is the policy namespace; a namespaceSelector matches kubernetes.io/metadata.name', () => {
    const same = netpol('a', { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] });
    expect(admits([same], fromB)).to.equal(false);
    expect(admits([same], podOf('a', {}))).to.equal(true);
    const byName = netpol('a', {
      podSelector: {},
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'b' } } }] }],
    });
    expect(admits([byName], fromB)).to.equal(true);
  });

  it('ports narrow a rule (protocol defaults to TCP, endPort makes a range); ipBlock except removes addresses', () => {
    const web = netpol('a', { podSelector: {}, ingress: [{ ports: [{ port: 8000, endPort: 9000 }] }] });
    expect(admits([web], fromB, tcp(8080))).to.equal(true);
    expect(admits([web], fromB, { protocol: 'UDP', port: 8080 })).to.equal(false);
    const block = netpol('a', {
      podSelector: {},
      ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }] }],
    });
    expect(admits([block], outside('8.8.8.8'))).to.equal(true);
    expect(admits([block], outside('10.2.0.1'))).to.equal(false);
    expect(admits([block], fromB)).to.equal(false); // ipBlocks are for cluster-external addresses
  });
});

describe('reference model: the admin and baseline tiers (network-policy-api)', () => {
  const denyAll = anp('deny-all', {
    priority: 50,
    subject: everyNs,
    ingress: [{ action: 'Deny', from: [everyNs] }],
  });

  it('"lower priority values have higher precedence": an Allow at 10 wins over a Deny at 50, not at 60', () => {
    const allow = (priority: number) =>
      anp('allow', { priority, subject: everyNs, ingress: [{ action: 'Allow', from: [everyNs] }] });
    expect(admits([denyAll, allow(10)], fromB)).to.equal(true);
    expect(admits([denyAll, allow(60)], fromB)).to.equal(false);
    // Admin Allow overrides a NetworkPolicy deny ("even if it would otherwise have been denied by NetworkPolicy").
    expect(admits([netpol('a', { podSelector: {} }), allow(10)], fromB)).to.equal(true);
  });

  it('Pass "skip[s] any remaining ANP rules" and hands to NetworkPolicies, then the baseline, then allowed', () => {
    const pass = anp('pass', {
      priority: 10,
      subject: everyNs,
      ingress: [{ action: 'Pass', from: [everyNs] }],
    });
    expect(admits([pass, denyAll], fromB)).to.equal(true);
    expect(admits([pass, denyAll, netpol('a', { podSelector: {} })], fromB)).to.equal(false);
    const baselineDeny = banp({ subject: everyNs, ingress: [{ action: 'Deny', from: [everyNs] }] });
    expect(admits([pass, denyAll, baselineDeny], fromB)).to.equal(false);
    // NetworkPolicies decide for the pods they select: the baseline does not apply to those.
    const allowB = netpol('a', { podSelector: {}, ingress: [{}] });
    expect(admits([pass, denyAll, baselineDeny, allowB], fromB)).to.equal(true);
  });

  it('conformance "priority" case: a Pass at 40 before a Deny at 50 leaves the Baseline-tier Accept to decide', () => {
    const policies = [
      cnp('deny', {
        tier: 'Admin',
        priority: 50,
        subject: everyNs,
        ingress: [{ action: 'Deny', from: [everyNs] }],
      }),
      cnp('pass', {
        tier: 'Admin',
        priority: 40,
        subject: everyNs,
        ingress: [{ action: 'Pass', from: [everyNs] }],
      }),
      cnp('base', {
        tier: 'Baseline',
        priority: 1,
        subject: everyNs,
        ingress: [{ action: 'Accept', from: [everyNs] }],
      }),
      cnp('base-deny', {
        tier: 'Baseline',
        priority: 2,
        subject: everyNs,
        ingress: [{ action: 'Deny', from: [everyNs] }],
      }),
    ];
    expect(admits(policies, fromB)).to.equal(true);
    expect(
      admits(
        policies.filter((p) => (p.metadata as Obj).name !== 'base'),
        fromB,
      ),
    ).to.equal(false);
  });

  it('ports narrow Deny and Pass: a Deny of TCP 80 leaves TCP 443 to the later rules', () => {
    const deny80 = anp('deny-80', {
      priority: 1,
      subject: everyNs,
      ingress: [{ action: 'Deny', from: [everyNs], ports: [{ portNumber: { protocol: 'TCP', port: 80 } }] }],
    });
    expect(admits([deny80], fromB, tcp(80))).to.equal(false);
    expect(admits([deny80], fromB, tcp(443))).to.equal(true);
    const cnpDeny = cnp('deny-tcp', {
      tier: 'Admin',
      priority: 1,
      subject: everyNs,
      ingress: [{ action: 'Deny', from: [everyNs], protocols: [{ tcp: {} }] }],
    });
    expect(admits([cnpDeny], fromB, tcp(443))).to.equal(false);
    expect(admits([cnpDeny], fromB, { protocol: 'UDP', port: 53 })).to.equal(true);
  });

  it('networks "will allow or deny all IPv4 pod-to-pod traffic as well" for 0.0.0.0/0, not IPv6 pods', () => {
    const noV4 = anp('no-v4', {
      priority: 1,
      subject: everyNs,
      egress: [{ action: 'Deny', to: [{ networks: ['0.0.0.0/0'] }] }],
    });
    expect(admits([noV4], podOf('b', {}, {}, '10.1.0.9'), tcp(80), 'egress')).to.equal(false);
    expect(admits([noV4], podOf('b', {}, {}, 'fd00::9'), tcp(80), 'egress')).to.equal(true);
  });

  it('subjects: `pods` is namespaceSelector AND podSelector', () => {
    const dbOnly = anp('db', {
      priority: 1,
      subject: { pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'db' } } } },
      ingress: [{ action: 'Deny', from: [everyNs] }],
    });
    expect(admits([dbOnly], fromB, tcp(80), 'ingress', { namespace: 'a', labels: { app: 'db' } })).to.equal(
      false,
    );
    expect(admits([dbOnly], fromB, tcp(80), 'ingress', { namespace: 'a', labels: { app: 'web' } })).to.equal(
      true,
    );
  });
});

describe('reference model: the peer classes (docs/exposure.md)', () => {
  const cluster = (
    policies: Obj[],
    namespaces = [ns('a', { team: 'x' }), ns('b', { team: 'y' })],
  ): Cluster => ({
    namespaces,
    pods: [{ namespace: 'a', labels: {} }],
    policies,
  });
  const allowFrom = (from: Obj[]) => netpol('a', { podSelector: {}, ingress: [{ from }] });

  it('no policy: every class; a default deny: none; a namespace without pods: none', () => {
    expect(short(referenceClasses(cluster([]), 'a', 'ingress'))).to.equal(
      'same=1 other=1 all=1 ip=1 anywhere=1',
    );
    const deny = cluster([netpol('a', { podSelector: {} })]);
    expect(short(referenceClasses(deny, 'a', 'ingress'))).to.equal('same=0 other=0 all=0 ip=0 anywhere=0');
    expect(short(referenceClasses(cluster([]), 'b', 'ingress'))).to.equal(
      'same=0 other=0 all=0 ip=0 anywhere=0',
    );
  });

  it('all_namespaces by what the peers admit: `team` Exists plus DoesNotExist, or metadata.name NotIn [own]', () => {
    const both = allowFrom([
      { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'Exists' }] } },
      { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] } },
    ]);
    expect(short(referenceClasses(cluster([both]), 'a', 'ingress'))).to.equal(
      'same=1 other=1 all=1 ip=0 anywhere=0',
    );
    const notOwn = allowFrom([
      {
        namespaceSelector: {
          matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['a'] }],
        },
      },
    ]);
    expect(short(referenceClasses(cluster([notOwn]), 'a', 'ingress'))).to.equal(
      'same=0 other=1 all=1 ip=0 anywhere=0',
    );
  });

  it('a selector that matches every namespace of today only (`team` Exists) is other_namespaces, not all', () => {
    const team = allowFrom([
      { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'Exists' }] } },
    ]);
    expect(short(referenceClasses(cluster([team]), 'a', 'ingress'))).to.equal(
      'same=1 other=1 all=0 ip=0 anywhere=0',
    );
  });

  it('a peer pod selector narrows pods, not namespaces; one no pod can satisfy admits nothing', () => {
    const mon = allowFrom([{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'prometheus' } } }]);
    expect(short(referenceClasses(cluster([mon]), 'a', 'ingress'))).to.equal(
      'same=1 other=1 all=1 ip=0 anywhere=0',
    );
    const none = allowFrom([
      {
        namespaceSelector: {},
        podSelector: {
          matchLabels: { app: 'web' },
          matchExpressions: [{ key: 'app', operator: 'In', values: ['db'] }],
        },
      },
    ]);
    expect(short(referenceClasses(cluster([none]), 'a', 'ingress'))).to.equal(
      'same=0 other=0 all=0 ip=0 anywhere=0',
    );
  });

  it('a Pass of some namespaces before a Deny of all: those namespaces stay reachable (issue 23)', () => {
    const policies = [
      anp('pass', {
        priority: 1,
        subject: everyNs,
        ingress: [{ action: 'Pass', from: [{ namespaces: { matchLabels: { team: 'y' } } }] }],
      }),
      anp('deny', { priority: 2, subject: everyNs, ingress: [{ action: 'Deny', from: [everyNs] }] }),
    ];
    expect(short(referenceClasses(cluster(policies), 'a', 'ingress'))).to.equal(
      'same=0 other=1 all=0 ip=1 anywhere=1',
    );
  });

  it('anywhere: 0.0.0.0/0 without except; with an except, ip_blocks only; networks that may hold pods: unknown', () => {
    const ipv4 = allowFrom([{ ipBlock: { cidr: '0.0.0.0/0' } }]);
    expect(short(referenceClasses(cluster([ipv4]), 'a', 'ingress'))).to.equal(
      'same=0 other=0 all=0 ip=1 anywhere=1',
    );
    const except = allowFrom([{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }]);
    expect(short(referenceClasses(cluster([except]), 'a', 'ingress'))).to.equal(
      'same=0 other=0 all=0 ip=1 anywhere=0',
    );
    const no10 = anp('no-10', {
      priority: 1,
      subject: everyNs,
      egress: [{ action: 'Deny', to: [{ networks: ['10.0.0.0/8'] }] }],
    });
    expect(short(referenceClasses(cluster([no10]), 'a', 'egress'))).to.equal(
      'same=? other=? all=? ip=1 anywhere=1',
    );
  });
});
