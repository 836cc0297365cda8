// Golden answers of the reachability core, one per semantic rule (docs/exposure.md): manifests in, the five classes
// per direction out, written `same other all ip any` with 1 (reachable), 0 (not) and ? (unknown).
import { expect } from 'chai';
import { isUnknown, UNISOLATED, widestClass } from '../../../src/core/exposure/peer-classes.ts';
import { anp, banp, classes, cnp, netpol, ns, reachabilityIn } from '../../helpers/reachability.ts';

type Obj = Record<string, unknown>;

const ALL = 'same=1 other=1 all=1 ip=1 any=1';
const NONE = 'same=0 other=0 all=0 ip=0 any=0';
const UNKNOWN = 'same=? other=? all=? ip=? any=?';

const denyIngress = (n: string) =>
  netpol(n, 'default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] });
const denyAll = (n: string) =>
  netpol(n, 'default-deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
const allowFrom = (n: string, name: string, from: Obj[], extra: Obj = {}) =>
  netpol(n, name, { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from, ...extra }] });

describe('reachability: NetworkPolicies', () => {
  it('no policy at all: every class in both directions', () => {
    const r = reachabilityIn([ns('a'), ns('b')], 'a');
    expect(classes(r.ingress)).to.equal(ALL);
    expect(classes(r.egress)).to.equal(ALL);
    expect(r.ingress.openedBy.all_namespaces).to.deep.equal([UNISOLATED]);
    expect(isUnknown(r.ingress)).to.equal(false);
    expect(widestClass(r.ingress)).to.equal('anywhere');
  });

  it('no policy and no other namespace: still open to every namespace (and to those created later)', () => {
    expect(classes(reachabilityIn([ns('a')], 'a').ingress)).to.equal(ALL);
  });

  it('a default deny for a direction and nothing else: no class for it, the other direction untouched', () => {
    const r = reachabilityIn([ns('a'), ns('b'), denyIngress('a')], 'a');
    expect(classes(r.ingress)).to.equal(NONE);
    expect(widestClass(r.ingress)).to.equal(undefined);
    expect(classes(r.egress)).to.equal(ALL);
  });

  it('a default deny both ways', () => {
    const r = reachabilityIn([ns('a'), denyAll('a')], 'a');
    expect(classes(r.ingress)).to.equal(NONE);
    expect(classes(r.egress)).to.equal(NONE);
  });

  it('a default deny beside an allow-all for the same direction: undone, every class, flagged', () => {
    const objects = [
      ns('a'),
      ns('b'),
      denyIngress('a'),
      netpol('a', 'allow-all', { podSelector: {}, ingress: [{}] }),
    ];
    const r = reachabilityIn(objects, 'a');
    expect(classes(r.ingress)).to.equal(ALL);
    expect(r.ingress.denyUndone).to.equal(true);
    expect(r.ingress.openedBy.all_namespaces).to.deep.equal(['NetworkPolicy/allow-all']);
    expect(r.egress.denyUndone).to.equal(false);
    // An allow-all for some pods only opens them; the deny still holds for the others: not "undone".
    const some = reachabilityIn(
      [
        ns('a'),
        denyIngress('a'),
        netpol('a', 'web', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{}] }),
      ],
      'a',
    );
    expect(classes(some.ingress)).to.equal(ALL);
    expect(some.ingress.denyUndone).to.equal(false);
  });

  it('ports narrow a rule but do not remove its peers', () => {
    const objects = [
      ns('a'),
      ns('b'),
      denyIngress('a'),
      allowFrom('a', 'p', [{ namespaceSelector: {} }], { ports: [{ port: 443 }] }),
    ];
    expect(classes(reachabilityIn(objects, 'a').ingress)).to.equal('same=1 other=1 all=1 ip=0 any=0');
    const noPeers = [ns('a'), netpol('a', 'web', { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] })];
    expect(classes(reachabilityIn(noPeers, 'a').ingress)).to.equal(ALL);
  });

  it('a podSelector peer is the own namespace; a peer podSelector beside namespaceSelector {} still admits every namespace', () => {
    const same = [ns('a'), ns('b'), allowFrom('a', 'same', [{ podSelector: {} }])];
    expect(classes(reachabilityIn(same, 'a').ingress)).to.equal('same=1 other=0 all=0 ip=0 any=0');
    const anyNs = [
      ns('a'),
      allowFrom('a', 'mon', [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'prometheus' } } }]),
    ];
    expect(classes(reachabilityIn(anyNs, 'a').ingress)).to.equal('same=1 other=1 all=1 ip=0 any=0');
  });

  it('a namespaceSelector matches namespace labels, kubernetes.io/metadata.name included', () => {
    const byTeam = (labelsOfB: Record<string, string>) => [
      ns('a', { team: 'x' }),
      ns('b', labelsOfB),
      allowFrom('a', 'team', [{ namespaceSelector: { matchLabels: { team: 'x' } } }]),
    ];
    expect(classes(reachabilityIn(byTeam({ team: 'x' }), 'a').ingress)).to.equal(
      'same=1 other=1 all=0 ip=0 any=0',
    );
    // Only the own namespace matches: same, not other.
    expect(classes(reachabilityIn(byTeam({ team: 'y' }), 'a').ingress)).to.equal(
      'same=1 other=0 all=0 ip=0 any=0',
    );
    const byName = [
      ns('a'),
      ns('monitoring'),
      allowFrom('a', 'mon', [
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
      ]),
    ];
    const r = reachabilityIn(byName, 'a');
    expect(classes(r.ingress)).to.equal('same=0 other=1 all=0 ip=0 any=0');
    expect(r.ingress.openedBy.other_namespaces).to.deep.equal(['NetworkPolicy/mon']);
    // A selector naming a namespace that does not exist admits none.
    expect(
      classes(
        reachabilityIn(
          byName.filter((o) => o !== byName[1]),
          'a',
        ).ingress,
      ),
    ).to.equal(NONE);
  });

  it("every namespace means by form: a selector that happens to match all of today's namespaces is other_namespaces", () => {
    const objects = [
      ns('a', { team: 'x' }),
      ns('b', { team: 'y' }),
      allowFrom('a', 'teams', [
        { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'Exists' }] } },
      ]),
    ];
    expect(classes(reachabilityIn(objects, 'a').ingress)).to.equal('same=1 other=1 all=0 ip=0 any=0');
    const byForm = [
      ns('a'),
      allowFrom('a', 'all', [
        {
          namespaceSelector: {
            matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'Exists' }],
          },
        },
      ]),
    ];
    expect(classes(reachabilityIn(byForm, 'a').ingress)).to.equal('same=1 other=1 all=1 ip=0 any=0');
  });

  it('ipBlocks: some addresses; 0.0.0.0/0 or ::/0 without except: any address', () => {
    const block = (cidr: string, except?: string[]) => [
      ns('a'),
      allowFrom('a', 'ip', [{ ipBlock: { cidr, ...(except ? { except } : {}) } }]),
    ];
    expect(classes(reachabilityIn(block('10.0.0.0/8'), 'a').ingress)).to.equal(
      'same=0 other=0 all=0 ip=1 any=0',
    );
    expect(classes(reachabilityIn(block('0.0.0.0/0'), 'a').ingress)).to.equal(
      'same=0 other=0 all=0 ip=1 any=1',
    );
    expect(classes(reachabilityIn(block('::/0'), 'a').ingress)).to.equal('same=0 other=0 all=0 ip=1 any=1');
    expect(classes(reachabilityIn(block('0.0.0.0/0', ['10.0.0.0/8']), 'a').ingress)).to.equal(
      'same=0 other=0 all=0 ip=1 any=0',
    );
  });

  it('isolation follows the effective policyTypes', () => {
    // No policyTypes, only ingress rules: Ingress only; egress stays open.
    const ingressOnly = [
      ns('a'),
      netpol('a', 'p', { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] }),
    ];
    expect(classes(reachabilityIn(ingressOnly, 'a').egress)).to.equal(ALL);
    // No policyTypes with egress rules: Egress too.
    const withEgress = [
      ns('a'),
      netpol('a', 'p', { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] }),
    ];
    const r = reachabilityIn(withEgress, 'a');
    expect(classes(r.egress)).to.equal('same=0 other=0 all=0 ip=1 any=0');
    expect(classes(r.ingress)).to.equal(NONE);
    // policyTypes Egress only: ingress untouched, even with ingress rules present.
    const egressType = [
      ns('a'),
      netpol('a', 'p', { podSelector: {}, policyTypes: ['Egress'], ingress: [{}] }),
    ];
    expect(classes(reachabilityIn(egressType, 'a').egress)).to.equal(NONE);
    expect(classes(reachabilityIn(egressType, 'a').ingress)).to.equal(ALL);
  });

  it('unions allows across policies', () => {
    const objects = [
      ns('a'),
      ns('b', { role: 'client' }),
      denyIngress('a'),
      allowFrom('a', 'same', [{ podSelector: {} }]),
      allowFrom('a', 'clients', [{ namespaceSelector: { matchLabels: { role: 'client' } } }]),
      allowFrom('a', 'lb', [{ ipBlock: { cidr: '192.0.2.0/24' } }]),
    ];
    const r = reachabilityIn(objects, 'a');
    expect(classes(r.ingress)).to.equal('same=1 other=1 all=0 ip=1 any=0');
    expect(r.ingress.openedBy.same_namespace).to.deep.equal(['NetworkPolicy/same']);
    expect(r.ingress.openedBy.ip_blocks).to.deep.equal(['NetworkPolicy/lb']);
  });

  it('without pod knowledge: pods no policy selects are assumed unless a policy selects every pod', () => {
    const someSelected = [
      ns('a'),
      netpol('a', 'web', {
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [{ from: [{ podSelector: {} }] }],
      }),
    ];
    const r = reachabilityIn(someSelected, 'a');
    expect(classes(r.ingress)).to.equal(ALL);
    expect(r.ingress.openedBy.anywhere).to.deep.equal([UNISOLATED]);
  });

  it('with pod knowledge: answers for the pods that exist; no pods reach and are reached by nothing', () => {
    const objects = [
      ns('a'),
      netpol('a', 'web', {
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [{ from: [{ podSelector: {} }] }],
      }),
    ];
    expect(classes(reachabilityIn(objects, 'a', [{ app: 'web' }]).ingress)).to.equal(
      'same=1 other=0 all=0 ip=0 any=0',
    );
    expect(classes(reachabilityIn(objects, 'a', [{ app: 'web' }, { app: 'db' }]).ingress)).to.equal(ALL);
    const empty = reachabilityIn(objects, 'a', []);
    expect(classes(empty.ingress)).to.equal(NONE);
    expect(classes(empty.egress)).to.equal(NONE);
    expect(isUnknown(empty.ingress)).to.equal(false);
  });

  it('a selector the exporter cannot evaluate makes the answers it decides unknown', () => {
    const objects = [
      ns('a'),
      ns('b'),
      denyIngress('a'),
      allowFrom('a', 'odd', [
        { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'Like', values: ['x'] }] } },
      ]),
    ];
    const r = reachabilityIn(objects, 'a');
    // Whether an operator the API refuses would take every namespace is unknown too.
    expect(classes(r.ingress)).to.equal('same=? other=? all=? ip=0 any=0');
    expect(isUnknown(r.ingress)).to.equal(true);
    // A pod selector that cannot be evaluated against known pods: the pod may or may not be isolated.
    const pods = [
      ns('a'),
      netpol('a', 'odd', {
        podSelector: { matchExpressions: [{ key: 'app', operator: 'Like' }] },
        policyTypes: ['Ingress'],
      }),
    ];
    expect(classes(reachabilityIn(pods, 'a', [{ app: 'x' }]).ingress)).to.equal(UNKNOWN);
  });
});

describe('reachability: AdminNetworkPolicy, ClusterNetworkPolicy and BaselineAdminNetworkPolicy tiers', () => {
  const everyNs = { namespaces: {} };
  const denyFromEverywhere = anp('deny-cross', {
    priority: 20,
    subject: everyNs,
    ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }],
  });

  it('admin Deny comes before NetworkPolicies: what it denies stays denied', () => {
    const objects = [
      ns('a'),
      ns('b'),
      netpol('a', 'allow-all', { podSelector: {}, ingress: [{}] }),
      denyFromEverywhere,
    ];
    // Pods of every namespace are denied; addresses outside the pod network are not matched by namespace peers.
    expect(classes(reachabilityIn(objects, 'a').ingress)).to.equal('same=0 other=0 all=0 ip=1 any=1');
  });

  it('admin Allow above the deny opens what it names, in priority order', () => {
    const objects = [
      ns('a'),
      ns('monitoring'),
      denyFromEverywhere,
      anp('allow-monitoring', {
        priority: 10,
        subject: everyNs,
        ingress: [
          {
            action: 'Allow',
            from: [{ namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
          },
        ],
      }),
    ];
    const r = reachabilityIn(objects, 'a');
    expect(classes(r.ingress)).to.equal('same=0 other=1 all=0 ip=1 any=1');
    expect(r.ingress.openedBy.other_namespaces).to.deep.equal(['AdminNetworkPolicy/allow-monitoring']);
    // At a lower precedence the deny wins.
    const later = objects.map((o) =>
      o === objects[3] ? anp('allow-monitoring', { ...(o.spec as Obj), priority: 30 }) : o,
    );
    expect(classes(reachabilityIn(later, 'a').ingress)).to.equal('same=0 other=0 all=0 ip=1 any=1');
  });

  it('admin Pass hands the decision to NetworkPolicies, then to the baseline for pods they do not isolate', () => {
    const pass = anp('pass-all', {
      priority: 5,
      subject: everyNs,
      ingress: [{ action: 'Pass', from: [{ namespaces: {} }] }],
    });
    const baselineDeny = banp({
      subject: everyNs,
      ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }],
    });
    const isolated = [
      ns('a'),
      ns('b'),
      pass,
      denyFromEverywhere,
      allowFrom('a', 'all-ns', [{ namespaceSelector: {} }]),
      baselineDeny,
    ];
    expect(classes(reachabilityIn(isolated, 'a').ingress)).to.equal('same=1 other=1 all=1 ip=0 any=0');
    const notIsolated = [ns('a'), ns('b'), pass, denyFromEverywhere, baselineDeny];
    expect(classes(reachabilityIn(notIsolated, 'a').ingress)).to.equal('same=0 other=0 all=0 ip=1 any=1');
  });

  it('the baseline applies only to pods no NetworkPolicy isolates', () => {
    const baselineDeny = banp({
      subject: everyNs,
      ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }],
    });
    expect(classes(reachabilityIn([ns('a'), ns('b'), baselineDeny], 'a').ingress)).to.equal(
      'same=0 other=0 all=0 ip=1 any=1',
    );
    const withPolicy = [ns('a'), ns('b'), baselineDeny, allowFrom('a', 'same', [{ podSelector: {} }])];
    expect(classes(reachabilityIn(withPolicy, 'a').ingress)).to.equal('same=1 other=0 all=0 ip=0 any=0');
  });

  it('subjects select namespaces by label: a namespace outside the subject is untouched', () => {
    const prodOnly = anp('deny-prod', {
      priority: 1,
      subject: { namespaces: { matchLabels: { env: 'prod' } } },
      ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }],
    });
    expect(classes(reachabilityIn([ns('a', { env: 'dev' }), prodOnly], 'a').ingress)).to.equal(ALL);
    expect(classes(reachabilityIn([ns('a', { env: 'prod' }), prodOnly], 'a').ingress)).to.equal(
      'same=0 other=0 all=0 ip=1 any=1',
    );
  });

  it('a pods subject that picks pods by label is unknown without pods, exact with them', () => {
    const dbOnly = anp('deny-db', {
      priority: 1,
      subject: { pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'db' } } } },
      ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }],
    });
    const objects = [ns('a'), ns('b'), dbOnly];
    expect(classes(reachabilityIn(objects, 'a').ingress)).to.equal('same=? other=? all=? ip=1 any=1');
    expect(classes(reachabilityIn(objects, 'a', [{ app: 'db' }]).ingress)).to.equal(
      'same=0 other=0 all=0 ip=1 any=1',
    );
    expect(classes(reachabilityIn(objects, 'a', [{ app: 'db' }, { app: 'web' }]).ingress)).to.equal(ALL);
  });

  it('egress Deny to 0.0.0.0/0 and ::/0 covers pod addresses too', () => {
    const noEgress = anp('no-egress', {
      priority: 1,
      subject: everyNs,
      egress: [{ action: 'Deny', to: [{ networks: ['0.0.0.0/0', '::/0'] }] }],
    });
    expect(classes(reachabilityIn([ns('a'), ns('b'), noEgress], 'a').egress)).to.equal(NONE);
    // One address family only: addresses of pods may or may not be in it; every IPv6 address stays reachable.
    const v4 = anp('no-v4', {
      priority: 1,
      subject: everyNs,
      egress: [{ action: 'Deny', to: [{ networks: ['0.0.0.0/0'] }] }],
    });
    expect(classes(reachabilityIn([ns('a'), ns('b'), v4], 'a').egress)).to.equal(
      'same=? other=? all=? ip=1 any=1',
    );
  });

  it('ClusterNetworkPolicy tiers: Admin before NetworkPolicies, Baseline after, Accept as allow', () => {
    const admin = cnp('admin-deny', {
      tier: 'Admin',
      priority: 10,
      subject: everyNs,
      ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }],
    });
    const accept = cnp('admin-accept', {
      tier: 'Admin',
      priority: 5,
      subject: everyNs,
      ingress: [{ action: 'Accept', from: [{ namespaces: { matchLabels: { team: 'ops' } } }] }],
    });
    const objects = [ns('a'), ns('ops', { team: 'ops' }), admin, accept];
    expect(classes(reachabilityIn(objects, 'a').ingress)).to.equal('same=0 other=1 all=0 ip=1 any=1');
    const baseline = cnp('baseline-deny', {
      tier: 'Baseline',
      priority: 10,
      subject: everyNs,
      ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }],
    });
    const withNp = [
      ns('a'),
      ns('b'),
      baseline,
      allowFrom('a', 'b', [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'b' } } }]),
    ];
    expect(classes(reachabilityIn(withNp, 'a').ingress)).to.equal('same=0 other=1 all=0 ip=0 any=0');
  });

  it('two policies at one priority with different actions: their order is undefined upstream, so unknown', () => {
    const allow = anp('x-allow', {
      priority: 7,
      subject: everyNs,
      ingress: [{ action: 'Allow', from: [{ namespaces: {} }] }],
    });
    const deny = anp('y-deny', {
      priority: 7,
      subject: everyNs,
      ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }],
    });
    const r = reachabilityIn([ns('a'), ns('b'), allow, deny, denyIngress('a')], 'a');
    expect(classes(r.ingress)).to.equal('same=? other=? all=? ip=0 any=0');
  });

  it('a peer of no known form fails closed, as the API says: an allow matches nothing, a deny everything', () => {
    const deny = anp('future', {
      priority: 1,
      subject: everyNs,
      ingress: [{ action: 'Deny', from: [{ futurePeer: {} }] }],
    });
    expect(classes(reachabilityIn([ns('a'), ns('b'), deny], 'a').ingress)).to.equal(NONE);
    const allow = anp('future', {
      priority: 1,
      subject: everyNs,
      ingress: [{ action: 'Allow', from: [{ futurePeer: {} }] }],
    });
    expect(classes(reachabilityIn([ns('a'), ns('b'), allow, denyIngress('a')], 'a').ingress)).to.equal(NONE);
  });
});

describe('reachability: Calico and Cilium', () => {
  it('a Calico policy that selects the namespace makes its directions unknown, reported as a lower bound', () => {
    const gnp = {
      apiVersion: 'crd.projectcalico.org/v1',
      kind: 'GlobalNetworkPolicy',
      metadata: { name: 'restricted' },
      spec: { namespaceSelector: "tier == 'restricted'", types: ['Ingress'] },
    };
    const touched = reachabilityIn([ns('a', { tier: 'restricted' }), gnp], 'a');
    expect(classes(touched.ingress)).to.equal(UNKNOWN);
    expect(classes(touched.egress)).to.equal(ALL);
    expect(classes(reachabilityIn([ns('a', { tier: 'open' }), gnp], 'a').ingress)).to.equal(ALL);
  });

  it('a Cilium rule that does not isolate can only allow more: what is reachable stays, the rest is unknown', () => {
    const cnpAllow = {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: 'extra', namespace: 'a' },
      spec: {
        endpointSelector: {},
        enableDefaultDeny: { ingress: false, egress: false },
        ingress: [{ fromEndpoints: [{}] }],
      },
    };
    const objects = [ns('a'), denyIngress('a'), allowFrom('a', 'same', [{ podSelector: {} }]), cnpAllow];
    expect(classes(reachabilityIn(objects, 'a').ingress)).to.equal('same=1 other=? all=? ip=? any=?');
  });

  const cilium = (endpointSelector: Obj, kind = 'CiliumNetworkPolicy'): Obj => ({
    apiVersion: 'cilium.io/v2',
    kind,
    metadata: { name: 'db-only', ...(kind === 'CiliumNetworkPolicy' ? { namespace: 'a' } : {}) },
    spec: { endpointSelector, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'web' } }] }] },
  });

  it('pods that no Cilium rule selects keep what the NetworkPolicies give them: reachable from anywhere, for certain', () => {
    const byLabel = cilium({ matchLabels: { app: 'db' } });
    // Pods not known: those the rule does not pick may exist, as for NetworkPolicies.
    const unknownPods = reachabilityIn([ns('a'), byLabel], 'a');
    expect(classes(unknownPods.ingress)).to.equal(ALL);
    expect(unknownPods.ingress.openedBy.anywhere).to.deep.equal([UNISOLATED]);
    expect(classes(unknownPods.egress)).to.equal(ALL);
    // Pods known: judged one by one.
    expect(
      classes(reachabilityIn([ns('a'), byLabel], 'a', [{ app: 'web' }, { app: 'db' }]).ingress),
    ).to.equal(ALL);
    expect(classes(reachabilityIn([ns('a'), byLabel], 'a', [{ app: 'db' }]).ingress)).to.equal(UNKNOWN);
    // A clusterwide rule that picks pods by a Kubernetes label (k8s: prefix) leaves the others alone too.
    const clusterwide = cilium({ matchLabels: { 'k8s:app': 'db' } }, 'CiliumClusterwideNetworkPolicy');
    expect(classes(reachabilityIn([ns('a'), clusterwide], 'a').ingress)).to.equal(ALL);
    expect(classes(reachabilityIn([ns('a'), clusterwide], 'a', [{ app: 'db' }]).ingress)).to.equal(UNKNOWN);
  });

  it('a Cilium rule that selects every pod of the namespace leaves nothing known for its direction', () => {
    expect(classes(reachabilityIn([ns('a'), cilium({})], 'a').ingress)).to.equal(UNKNOWN);
    expect(classes(reachabilityIn([ns('a'), cilium({})], 'a', [{ app: 'web' }]).ingress)).to.equal(UNKNOWN);
    const byNamespace = cilium(
      { matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'a' } },
      'CiliumClusterwideNetworkPolicy',
    );
    expect(classes(reachabilityIn([ns('a'), byNamespace], 'a').ingress)).to.equal(UNKNOWN);
  });
});

describe('reachability: what a selector admits, decided by satisfiability', () => {
  const notIn = (key: string, values: string[]) => ({
    matchExpressions: [{ key, operator: 'NotIn', values }],
  });
  const expr = (key: string, operator: string) => ({ matchExpressions: [{ key, operator }] });

  it('kubernetes.io/metadata.name NotIn [own name] admits every other namespace, not the own one', () => {
    const objects = [
      ns('a'),
      ns('b'),
      denyIngress('a'),
      allowFrom('a', 'others', [{ namespaceSelector: notIn('kubernetes.io/metadata.name', ['a']) }]),
    ];
    const r = reachabilityIn(objects, 'a');
    expect(classes(r.ingress)).to.equal('same=0 other=1 all=1 ip=0 any=0');
    expect(r.ingress.openedBy.all_namespaces).to.deep.equal(['NetworkPolicy/others']);
    // NotIn [a, c]: the namespace c, if created, is not admitted.
    const notC = [
      ns('a'),
      ns('b'),
      denyIngress('a'),
      allowFrom('a', 'others', [{ namespaceSelector: notIn('kubernetes.io/metadata.name', ['a', 'c']) }]),
    ];
    expect(classes(reachabilityIn(notC, 'a').ingress)).to.equal('same=0 other=1 all=0 ip=0 any=0');
  });

  it('two peers, team Exists and team DoesNotExist, admit every namespace', () => {
    const objects = [
      ns('a'),
      denyIngress('a'),
      allowFrom('a', 'team', [{ namespaceSelector: expr('team', 'Exists') }]),
      allowFrom('a', 'no-team', [{ namespaceSelector: expr('team', 'DoesNotExist') }]),
    ];
    expect(classes(reachabilityIn(objects, 'a').ingress)).to.equal('same=1 other=1 all=1 ip=0 any=0');
    // Either alone: only today's matches.
    expect(classes(reachabilityIn(objects.slice(0, 3), 'a').ingress)).to.equal(
      'same=0 other=0 all=0 ip=0 any=0',
    );
  });

  it('a podSelector no pod can satisfy selects no pods', () => {
    const never = {
      matchLabels: { app: 'web' },
      matchExpressions: [{ key: 'app', operator: 'In', values: ['db'] }],
    };
    const objects = [
      ns('a'),
      ns('b'),
      allowFrom('a', 'same', [{ podSelector: {} }]),
      netpol('a', 'never', { podSelector: never, ingress: [{}] }),
    ];
    // Only `same` selects pods: the allow-all of `never` opens nothing.
    expect(classes(reachabilityIn(objects, 'a').ingress)).to.equal('same=1 other=0 all=0 ip=0 any=0');
    // An admin subject no pod can satisfy applies to no pod.
    const subject = anp('deny-never', {
      priority: 1,
      subject: { pods: { namespaceSelector: {}, podSelector: never } },
      ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }],
    });
    expect(classes(reachabilityIn([ns('a'), ns('b'), subject], 'a').ingress)).to.equal(ALL);
  });

  it('podSelectors that together take every pod leave no pod unisolated', () => {
    const objects = [
      ns('a'),
      netpol('a', 'labelled', { podSelector: expr('app', 'Exists'), policyTypes: ['Ingress'] }),
      netpol('a', 'unlabelled', { podSelector: expr('app', 'DoesNotExist'), policyTypes: ['Ingress'] }),
    ];
    expect(classes(reachabilityIn(objects, 'a').ingress)).to.equal(NONE);
  });
});
