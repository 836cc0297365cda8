// The admin tier read exactly, case by case from the network-policy-api's own wording (apis/v1alpha1 and v1alpha2
// doc comments, and the cases of its conformance suite). Classes are written `same other all ip any` with 1, 0, ?.
import { expect } from 'chai';
import { UNISOLATED } from '../../../src/core/exposure/peer-classes.ts';
import { anp, banp, classes, cnp, netpol, ns, reachabilityIn } from '../../helpers/reachability.ts';

type Obj = Record<string, unknown>;

const ALL = 'same=1 other=1 all=1 ip=1 any=1';
const everyNs = { namespaces: {} };
const named = (name: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': name } });
const denyAllFrom = (priority: number) =>
  anp(`deny-all-${priority}`, {
    priority,
    subject: everyNs,
    ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }],
  });
const allowFrom = (n: string, name: string, from: Obj[]) =>
  netpol(n, name, { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from }] });

describe('admin tier: Pass skips the rest of the admin tier, not the traffic', () => {
  // v1alpha1 AdminNetworkPolicyIngressRule.Action: "Pass: instructs the selected traffic to skip any remaining ANP
  // rules, and then pass execution to any NetworkPolicies that select the pod. If the pod is not selected by any
  // NetworkPolicies then execution is passed to any BaselineAdminNetworkPolicies that select the pod."
  const passMonitoring = anp('pass-monitoring', {
    priority: 10,
    subject: everyNs,
    ingress: [{ action: 'Pass', from: [{ namespaces: named('monitoring') }] }],
  });
  const cluster = [ns('app'), ns('monitoring'), ns('other'), passMonitoring, denyAllFrom(20)];

  it('with no NetworkPolicy and no baseline, passed traffic is allowed (the default)', () => {
    const r = reachabilityIn(cluster, 'app');
    expect(classes(r.ingress)).to.equal('same=0 other=1 all=0 ip=1 any=1');
    expect(r.ingress.openedBy.other_namespaces).to.deep.equal([UNISOLATED]);
  });

  it('the NetworkPolicies that select the pod decide next', () => {
    const npAdmitsMonitoring = allowFrom('app', 'from-monitoring', [
      { namespaceSelector: named('monitoring') },
    ]);
    expect(classes(reachabilityIn([...cluster, npAdmitsMonitoring], 'app').ingress)).to.equal(
      'same=0 other=1 all=0 ip=0 any=0',
    );
    // A NetworkPolicy that admits only `other`: other is denied by the admin tier, monitoring by the NetworkPolicy.
    const npAdmitsOther = allowFrom('app', 'from-other', [{ namespaceSelector: named('other') }]);
    expect(classes(reachabilityIn([...cluster, npAdmitsOther], 'app').ingress)).to.equal(
      'same=0 other=0 all=0 ip=0 any=0',
    );
  });

  it('for pods no NetworkPolicy selects, the baseline tier decides, then the default', () => {
    const baselineDeny = banp({
      subject: everyNs,
      ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }],
    });
    expect(classes(reachabilityIn([...cluster, baselineDeny], 'app').ingress)).to.equal(
      'same=0 other=0 all=0 ip=1 any=1',
    );
    // v1alpha2: "Pass: Skips all further ClusterNetworkPolicy rules in the current tier for the selected traffic,
    // and passes evaluation to the next tier."
    const cnpPass = cnp('pass', {
      tier: 'Admin',
      priority: 1,
      subject: everyNs,
      ingress: [{ action: 'Pass', from: [{ namespaces: named('monitoring') }] }],
    });
    const cnpDeny = cnp('deny', {
      tier: 'Admin',
      priority: 2,
      subject: everyNs,
      ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }],
    });
    const baselineAllow = cnp('baseline-allow', {
      tier: 'Baseline',
      priority: 1,
      subject: everyNs,
      ingress: [{ action: 'Accept', from: [{ namespaces: named('monitoring') }] }],
    });
    const base = [ns('app'), ns('monitoring'), cnpPass, cnpDeny];
    expect(classes(reachabilityIn([...base, baselineAllow], 'app').ingress)).to.equal(
      'same=0 other=1 all=0 ip=1 any=1',
    );
  });
});

describe('admin tier: a peer of pods of every namespace combines as a union', () => {
  // "let monitoring through, deny the rest": a prometheus pod in every namespace can reach the subject.
  const monitoringPods = {
    pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'prometheus' } } },
  };

  for (const action of ['Allow', 'Pass'])
    it(`${action} pods of every namespace, then Deny everything: reachable from all namespaces`, () => {
      const objects = [
        ns('a'),
        ns('b'),
        anp('let-monitoring', {
          priority: 1,
          subject: everyNs,
          ingress: [{ action, from: [monitoringPods] }],
        }),
        denyAllFrom(2),
      ];
      expect(classes(reachabilityIn(objects, 'a').ingress)).to.equal('same=1 other=1 all=1 ip=1 any=1');
    });
});

describe('admin tier: ports narrow Deny and Pass rules too', () => {
  // AdminNetworkPolicyIngressRule.Ports: "Ports allows for matching traffic based on port and protocols. This
  // field is a list of ports which should be matched on the pods selected for this policy i.e the subject of the
  // policy. So it matches on the destination port for the ingress traffic. If Ports is not set then the rule does
  // not filter traffic via port."
  const denyPort = (ports: Obj) =>
    anp('deny-80', {
      priority: 1,
      subject: everyNs,
      ingress: [{ action: 'Deny', from: [{ namespaces: {} }], ...ports }],
    });

  it('a Deny on TCP 80 leaves every other port, so every namespace stays reachable', () => {
    const v1 = denyPort({ ports: [{ portNumber: { protocol: 'TCP', port: 80 } }] });
    expect(classes(reachabilityIn([ns('a'), ns('b'), v1], 'a').ingress)).to.equal(ALL);
    const v2 = cnp('deny-80', {
      tier: 'Admin',
      priority: 1,
      subject: everyNs,
      ingress: [
        {
          action: 'Deny',
          from: [{ namespaces: {} }],
          protocols: [{ tcp: { destinationPort: { number: 80 } } }],
        },
      ],
    });
    expect(classes(reachabilityIn([ns('a'), ns('b'), v2], 'a').ingress)).to.equal(ALL);
  });

  it('a Deny of every port of TCP, UDP and SCTP denies as one without ports', () => {
    const every = denyPort({
      ports: ['TCP', 'UDP', 'SCTP'].map((protocol) => ({ portRange: { protocol, start: 1, end: 65535 } })),
    });
    expect(classes(reachabilityIn([ns('a'), ns('b'), every], 'a').ingress)).to.equal(
      'same=0 other=0 all=0 ip=1 any=1',
    );
  });

  it('an Allow on 443 before a Deny of every port: reachable on 443', () => {
    const objects = [
      ns('a'),
      ns('b'),
      anp('allow-443', {
        priority: 1,
        subject: everyNs,
        ingress: [
          {
            action: 'Allow',
            from: [{ namespaces: named('b') }],
            ports: [{ portNumber: { protocol: 'TCP', port: 443 } }],
          },
        ],
      }),
      denyAllFrom(2),
    ];
    expect(classes(reachabilityIn(objects, 'a').ingress)).to.equal('same=0 other=1 all=0 ip=1 any=1');
  });

  it('a Pass on some ports hands those to the NetworkPolicies, the later Deny takes the rest', () => {
    const passSsh = anp('pass-22', {
      priority: 1,
      subject: everyNs,
      ingress: [
        {
          action: 'Pass',
          from: [{ namespaces: {} }],
          ports: [{ portNumber: { protocol: 'TCP', port: 22 } }],
        },
      ],
    });
    // No NetworkPolicy: port 22 is allowed by default.
    expect(classes(reachabilityIn([ns('a'), ns('b'), passSsh, denyAllFrom(2)], 'a').ingress)).to.equal(
      'same=1 other=1 all=1 ip=1 any=1',
    );
    // A NetworkPolicy decides port 22; its facts do not say on which ports it admits b: unknown, never a guess.
    const np = allowFrom('a', 'from-b', [{ namespaceSelector: named('b') }]);
    expect(classes(reachabilityIn([ns('a'), ns('b'), passSsh, denyAllFrom(2), np], 'a').ingress)).to.equal(
      'same=0 other=? all=0 ip=0 any=0',
    );
  });
});

describe('admin tier: first match decides, per address as per peer', () => {
  // AdminNetworkPolicyEgressPeer.Networks: "if you Allow or Deny traffic to "0.0.0.0/0", that will allow or deny
  // all IPv4 pod-to-pod traffic as well."
  const egress = (name: string, priority: number, action: string, networks: string[]) =>
    anp(name, { priority, subject: everyNs, egress: [{ action, to: [{ networks }] }] });

  it('an Allow to some networks before a Deny of the same addresses leaves them reachable', () => {
    const objects = [
      ns('a'),
      egress('allow-lb', 1, 'Allow', ['192.0.2.0/24']),
      egress('deny-lb', 2, 'Deny', ['192.0.2.0/24']),
    ];
    // Pods too: wherever the pod addresses lie, the first rule that takes them is the Allow, or none is.
    expect(classes(reachabilityIn(objects, 'a').egress)).to.equal(ALL);
    const denyEverything = [
      ns('a'),
      egress('allow-lb', 1, 'Allow', ['192.0.2.0/24']),
      egress('deny-all', 2, 'Deny', ['0.0.0.0/0', '::/0']),
    ];
    // Pods are denied unless their addresses lie in 192.0.2.0/24, which the exporter cannot know.
    expect(classes(reachabilityIn(denyEverything, 'a').egress)).to.equal('same=? other=? all=? ip=1 any=0');
  });

  it('a Deny of a narrower network inside an Allow: the Allow decides first', () => {
    const objects = [
      ns('a'),
      egress('allow-10', 1, 'Allow', ['10.0.0.0/8']),
      egress('deny-10-1', 2, 'Deny', ['10.1.0.0/16']),
      egress('deny-all', 3, 'Deny', ['0.0.0.0/0', '::/0']),
    ];
    expect(classes(reachabilityIn(objects, 'a').egress)).to.equal('same=? other=? all=? ip=1 any=0');
  });

  it('a Deny of one address (the metadata endpoint) leaves a NetworkPolicy allow of 0.0.0.0/0 reachable', () => {
    const objects = [
      ns('a'),
      egress('deny-metadata', 1, 'Deny', ['169.254.169.254/32']),
      netpol('a', 'egress-anywhere', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }] }],
      }),
    ];
    // Every IPv6 address stays reachable, and every IPv4 one but the metadata endpoint: `anywhere` (one family).
    expect(classes(reachabilityIn(objects, 'a').egress)).to.equal('same=0 other=0 all=0 ip=1 any=1');
  });
});

describe('admin tier: a selector that can match no namespace matches nothing', () => {
  const never = {
    matchLabels: { team: 'a' },
    matchExpressions: [{ key: 'team', operator: 'In', values: ['b'] }],
  };

  it('a Deny with a contradictory selector hides nothing from the default', () => {
    const objects = [
      ns('a'),
      ns('b', { team: 'a' }),
      anp('never', {
        priority: 1,
        subject: everyNs,
        ingress: [{ action: 'Deny', from: [{ namespaces: never }] }],
      }),
    ];
    expect(classes(reachabilityIn(objects, 'a').ingress)).to.equal(ALL);
  });

  it('a Pass with a contradictory selector hides nothing from a later Allow', () => {
    const objects = [
      ns('a'),
      ns('b'),
      anp('never', {
        priority: 1,
        subject: everyNs,
        ingress: [{ action: 'Pass', from: [{ namespaces: never }] }],
      }),
      anp('allow-all', {
        priority: 2,
        subject: everyNs,
        ingress: [{ action: 'Allow', from: [{ namespaces: {} }] }],
      }),
      netpol('a', 'deny', { podSelector: {}, policyTypes: ['Ingress'] }),
    ];
    expect(classes(reachabilityIn(objects, 'a').ingress)).to.equal('same=1 other=1 all=1 ip=0 any=0');
  });
});

describe('admin tier: Deny and Pass rules with a pods peer are judged', () => {
  // Pod labels are chosen by whoever deploys in the peer namespace: a Deny of some pods leaves the others.
  const denyPods = (name: string, podSelector: Obj, priority = 1) =>
    anp(name, {
      priority,
      subject: everyNs,
      ingress: [{ action: 'Deny', from: [{ pods: { namespaceSelector: {}, podSelector } }] }],
    });

  it('a Deny of the pods labelled app=bad leaves every namespace reachable', () => {
    const objects = [ns('a'), ns('b'), denyPods('bad', { matchLabels: { app: 'bad' } })];
    expect(classes(reachabilityIn(objects, 'a').ingress)).to.equal(ALL);
  });

  it('Denies whose pod selectors together take every pod deny every namespace', () => {
    const objects = [
      ns('a'),
      ns('b'),
      denyPods('labelled', { matchExpressions: [{ key: 'app', operator: 'Exists' }] }),
      denyPods('unlabelled', { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, 2),
    ];
    expect(classes(reachabilityIn(objects, 'a').ingress)).to.equal('same=0 other=0 all=0 ip=1 any=1');
  });

  it('a Pass of some pods, then Deny everything: the passed pods of every namespace reach by default', () => {
    const objects = [
      ns('a'),
      ns('b'),
      anp('pass-mon', {
        priority: 1,
        subject: everyNs,
        ingress: [
          {
            action: 'Pass',
            from: [{ pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'mon' } } } }],
          },
        ],
      }),
      denyAllFrom(2),
    ];
    expect(classes(reachabilityIn(objects, 'a').ingress)).to.equal('same=1 other=1 all=1 ip=1 any=1');
  });
});

describe('admin tier: the conformance suite’s CNPAdminTierIntegration case (api_integration/standard-anp-np-banp.yaml)', () => {
  const house = (name: string) => ns(`network-policy-conformance-${name}`, { 'conformance-house': name });
  const slytherin = { namespaces: { matchLabels: { 'conformance-house': 'slytherin' } } };
  const gryffindor = { namespaces: { matchLabels: { 'conformance-house': 'gryffindor' } } };
  const admin = (action: string) =>
    cnp('pass-example', {
      tier: 'Admin',
      priority: 10,
      subject: gryffindor,
      ingress: [{ name: 'deny-all-ingress-from-slytherin', action, from: [slytherin] }],
    });
  const np = netpol('network-policy-conformance-gryffindor', 'allow-gress-from-to-slytherin-to-gryffindor', {
    podSelector: null,
    policyTypes: ['Ingress', 'Egress'],
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'conformance-house': 'slytherin' } } }] }],
    egress: [{ to: [{ namespaceSelector: { matchLabels: { 'conformance-house': 'slytherin' } } }] }],
  });
  const baseline = cnp('default', {
    tier: 'Baseline',
    priority: 10,
    subject: gryffindor,
    ingress: [{ name: 'deny-all-ingress-from-slytherin', action: 'Deny', from: [slytherin] }],
  });
  const cluster = (action: string, withNp: boolean) => [
    house('gryffindor'),
    house('slytherin'),
    admin(action),
    ...(withNp ? [np] : []),
    baseline,
  ];
  const ingress = (objects: Obj[]) =>
    classes(reachabilityIn(objects, 'network-policy-conformance-gryffindor').ingress);

  it('Deny: slytherin cannot reach gryffindor, whatever the NetworkPolicy allows', () => {
    expect(ingress(cluster('Deny', true))).to.equal('same=0 other=0 all=0 ip=0 any=0');
  });

  it("Pass: the NetworkPolicy's allow takes effect", () => {
    expect(ingress(cluster('Pass', true))).to.equal('same=0 other=1 all=0 ip=0 any=0');
  });

  it('Pass, the NetworkPolicy deleted: the baseline Deny takes effect', () => {
    expect(ingress(cluster('Pass', false))).to.equal('same=1 other=0 all=0 ip=1 any=1');
  });
});
