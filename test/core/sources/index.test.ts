// Which namespaces each cluster-scoped or CNI policy protects. Objects follow the kinds' documentation examples:
// network-policy-api.sigs.k8s.io (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy),
// docs.tigera.io/calico/latest/reference/resources/globalnetworkpolicy and .../networkpolicy,
// docs.cilium.io/en/stable/security/policy/ (language, "enableDefaultDeny") and .../kubernetes.
import { readFileSync } from 'node:fs';
import { KINDS } from '@netpol-exporter/kube-sim';
import { expect } from 'chai';
import { parse } from 'yaml';
import { EXPORTER_PERMISSIONS } from '../../../src/cli/demo.ts';
import { CoverageState } from '../../../src/core/coverage-state.ts';
import { namespaceFacts, policyFacts } from '../../../src/core/facts.ts';
import type { Tri } from '../../../src/core/selectors/label-selector.ts';
import {
  EXTRA_SOURCES,
  type ExtraSource,
  POLICY_SOURCES,
  resourceName,
  SOURCES,
  sourceOfManifest,
  sourcePolicyFacts,
} from '../../../src/core/sources/index.ts';

const NAMESPACES = {
  payments: { team: 'pay', env: 'prod' },
  'kube-system': {},
  'sensitive-ns': { env: 'prod' },
  sandbox: { env: 'dev' },
};
type Ns = keyof typeof NAMESPACES;

interface Case {
  title: string;
  source: ExtraSource;
  object: Record<string, unknown>;
  /** The expected answer per namespace; namespaces left out must answer false. */
  want: Partial<Record<Ns, Tri>>;
}

const anpSpec = (subject: unknown, action = 'Deny') => ({
  priority: 10,
  subject,
  ingress: [{ name: 'rule', action, from: [{ namespaces: {} }] }],
});

const cases: Case[] = [
  // ---- AdminNetworkPolicy (v1alpha1)
  {
    title: 'ANP: subject namespaces {} with a Deny rule protects every namespace',
    source: 'adminnetworkpolicy',
    object: { metadata: { name: 'cluster-control' }, spec: anpSpec({ namespaces: {} }) },
    want: { payments: true, 'kube-system': true, 'sensitive-ns': true, sandbox: true },
  },
  {
    title: 'ANP: subject namespaces by kubernetes.io/metadata.name (docs "sensitive-ns-deny")',
    source: 'adminnetworkpolicy',
    object: {
      metadata: { name: 'sensitive-ns-deny' },
      spec: anpSpec({ namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'sensitive-ns' } } }),
    },
    want: { 'sensitive-ns': true },
  },
  {
    title: 'ANP: subject pods with a podSelector reaches only pods with those labels: unknown where selected',
    source: 'adminnetworkpolicy',
    object: {
      metadata: { name: 'pods-subject' },
      spec: anpSpec({
        pods: {
          namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] },
          podSelector: { matchLabels: { app: 'db' } },
        },
      }),
    },
    want: { payments: 'unknown', 'sensitive-ns': 'unknown' },
  },
  {
    title: 'ANP: subject pods with an empty podSelector is every pod of the selected namespaces',
    source: 'adminnetworkpolicy',
    object: {
      metadata: { name: 'all-pods-subject' },
      spec: anpSpec({
        pods: {
          namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] },
          podSelector: {},
        },
      }),
    },
    want: { payments: true, 'sensitive-ns': true },
  },
  {
    title: 'ANP: a subject with both namespaces and pods is refused by the schema: unknown',
    source: 'adminnetworkpolicy',
    object: {
      metadata: { name: 'both' },
      spec: anpSpec({ namespaces: {}, pods: { namespaceSelector: {}, podSelector: {} } }),
    },
    want: { payments: 'unknown', 'kube-system': 'unknown', 'sensitive-ns': 'unknown', sandbox: 'unknown' },
  },
  {
    title: 'ANP: only Allow and Pass rules isolate nothing',
    source: 'adminnetworkpolicy',
    object: {
      metadata: { name: 'allow-monitoring' },
      spec: {
        priority: 9,
        subject: { namespaces: {} },
        ingress: [
          { action: 'Allow', from: [{ namespaces: { matchLabels: { team: 'monitoring' } } }] },
          { action: 'Pass', from: [{ namespaces: {} }] },
        ],
      },
    },
    want: {},
  },
  {
    title: 'ANP: an unknown selector operator is unknown for every namespace',
    source: 'adminnetworkpolicy',
    object: {
      metadata: { name: 'odd' },
      spec: anpSpec({
        namespaces: { matchExpressions: [{ key: 'env', operator: 'Matches', values: ['p.*'] }] },
      }),
    },
    want: { payments: 'unknown', 'kube-system': 'unknown', 'sensitive-ns': 'unknown', sandbox: 'unknown' },
  },
  {
    title: 'ANP: no subject at all is unknown',
    source: 'adminnetworkpolicy',
    object: {
      metadata: { name: 'no-subject' },
      spec: { priority: 1, ingress: [{ action: 'Deny', from: [] }] },
    },
    want: { payments: 'unknown', 'kube-system': 'unknown', 'sensitive-ns': 'unknown', sandbox: 'unknown' },
  },
  // ---- BaselineAdminNetworkPolicy (v1alpha1, the singleton `default`)
  {
    title: 'BANP: default deny for namespaces NotIn kube-system',
    source: 'baselineadminnetworkpolicy',
    object: {
      metadata: { name: 'default' },
      spec: {
        subject: {
          namespaces: {
            matchExpressions: [
              { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] },
            ],
          },
        },
        ingress: [{ name: 'default-deny', action: 'Deny', from: [{ namespaces: {} }] }],
      },
    },
    want: { payments: true, 'sensitive-ns': true, sandbox: true },
  },
  // ---- ClusterNetworkPolicy (v1alpha2)
  {
    title: 'ClusterNetworkPolicy tier Baseline: egress Deny for namespaces with env (Exists)',
    source: 'clusternetworkpolicy',
    object: {
      metadata: { name: 'baseline-deny' },
      spec: {
        tier: 'Baseline',
        priority: 100,
        subject: { namespaces: { matchExpressions: [{ key: 'env', operator: 'Exists' }] } },
        egress: [{ action: 'Deny', to: [{ networks: ['0.0.0.0/0'] }] }],
      },
    },
    want: { payments: true, 'sensitive-ns': true, sandbox: true },
  },
  {
    title: 'ClusterNetworkPolicy tier Admin: Accept only isolates nothing',
    source: 'clusternetworkpolicy',
    object: {
      metadata: { name: 'accept-dns' },
      spec: {
        tier: 'Admin',
        priority: 1,
        subject: { namespaces: {} },
        egress: [{ action: 'Accept', to: [] }],
      },
    },
    want: {},
  },
  // ---- Calico GlobalNetworkPolicy
  {
    title: 'Calico GNP: docs default-deny with namespaceSelector not in {kube-system, ...}',
    source: 'calico_globalnetworkpolicy',
    object: {
      metadata: { name: 'default-deny' },
      spec: {
        namespaceSelector:
          'has(projectcalico.org/name) && projectcalico.org/name not in {"kube-system", "calico-system", "tigera-operator"}',
        types: ['Ingress', 'Egress'],
      },
    },
    want: { payments: true, 'sensitive-ns': true, sandbox: true },
  },
  {
    title: 'Calico GNP: selector on projectcalico.org/namespace',
    source: 'calico_globalnetworkpolicy',
    object: {
      metadata: { name: 'deny-app-policy' },
      spec: {
        selector: "projectcalico.org/namespace not in {'kube-system', 'calico-system'}",
        types: ['Ingress'],
      },
    },
    want: { payments: true, 'sensitive-ns': true, sandbox: true },
  },
  {
    title: 'Calico GNP: selector on namespace labels through pcns.',
    source: 'calico_globalnetworkpolicy',
    object: { metadata: { name: 'prod-only' }, spec: { selector: "pcns.env == 'prod'" } },
    want: { payments: true, 'sensitive-ns': true },
  },
  {
    title: 'Calico GNP: no selectors at all selects every endpoint',
    source: 'calico_globalnetworkpolicy',
    object: { metadata: { name: 'everything' }, spec: { types: ['Ingress'] } },
    want: { payments: true, 'kube-system': true, 'sensitive-ns': true, sandbox: true },
  },
  {
    title: "Calico GNP: selector role == 'database' (docs) depends on pod labels: unknown",
    source: 'calico_globalnetworkpolicy',
    object: { metadata: { name: 'allow-tcp-6379' }, spec: { selector: "role == 'database'" } },
    want: { payments: 'unknown', 'kube-system': 'unknown', 'sensitive-ns': 'unknown', sandbox: 'unknown' },
  },
  {
    title: 'Calico GNP: pod labels ANDed with a namespace term that is false decide false',
    source: 'calico_globalnetworkpolicy',
    object: {
      metadata: { name: 'db-in-payments' },
      spec: { selector: "role == 'database' && projectcalico.org/namespace == 'payments'" },
    },
    want: { payments: 'unknown' },
  },
  {
    title: 'Calico GNP: global() namespaceSelector is for host endpoints only',
    source: 'calico_globalnetworkpolicy',
    object: { metadata: { name: 'hosts' }, spec: { namespaceSelector: 'global()' } },
    want: {},
  },
  {
    title: 'Calico GNP: a selector that does not parse is unknown',
    source: 'calico_globalnetworkpolicy',
    object: { metadata: { name: 'broken' }, spec: { selector: "projectcalico.org/namespace = 'x'" } },
    want: { payments: 'unknown', 'kube-system': 'unknown', 'sensitive-ns': 'unknown', sandbox: 'unknown' },
  },
  {
    title:
      'Calico GNP: a serviceAccountSelector (ANDed with the selectors) is not evaluated: unknown, never protected',
    source: 'calico_globalnetworkpolicy',
    object: {
      metadata: { name: 'sa-only' },
      spec: {
        namespaceSelector: "env == 'prod'",
        serviceAccountSelector: "role == 'api'",
        types: ['Ingress'],
      },
    },
    want: { payments: 'unknown', 'sensitive-ns': 'unknown' },
  },
  {
    title: 'Calico GNP: serviceAccountSelector all() narrows nothing',
    source: 'calico_globalnetworkpolicy',
    object: {
      metadata: { name: 'sa-all' },
      spec: { namespaceSelector: "env == 'prod'", serviceAccountSelector: 'all()' },
    },
    want: { payments: true, 'sensitive-ns': true },
  },
  {
    title: 'Calico GNP: a serviceAccountSelector that does not parse is unknown where the policy could reach',
    source: 'calico_globalnetworkpolicy',
    object: {
      metadata: { name: 'sa-broken' },
      spec: { namespaceSelector: "env == 'dev'", serviceAccountSelector: "role = 'api'" },
    },
    want: { sandbox: 'unknown' },
  },
  {
    title: 'Calico GNP: a tier other than default ends in Deny or Pass, set on the Tier: unknown',
    source: 'calico_globalnetworkpolicy',
    object: {
      metadata: { name: 'security.lockdown' },
      spec: { tier: 'security', namespaceSelector: "env == 'prod'", types: ['Ingress'] },
    },
    want: { payments: 'unknown', 'sensitive-ns': 'unknown' },
  },
  {
    title: 'Calico GNP: the default tier is evaluated',
    source: 'calico_globalnetworkpolicy',
    object: {
      metadata: { name: 'default.lockdown' },
      spec: { tier: 'default', namespaceSelector: "env == 'prod'" },
    },
    want: { payments: true, 'sensitive-ns': true },
  },
  {
    title: 'Calico GNP: preDNAT and doNotTrack policies are for host endpoints: unknown',
    source: 'calico_globalnetworkpolicy',
    object: {
      metadata: { name: 'host-prednat' },
      spec: { preDNAT: true, applyOnForward: true, selector: 'all()' },
    },
    want: { payments: 'unknown', 'kube-system': 'unknown', 'sensitive-ns': 'unknown', sandbox: 'unknown' },
  },
  // ---- Calico NetworkPolicy (namespaced)
  {
    title: 'Calico NetworkPolicy: a serviceAccountSelector makes its own namespace unknown',
    source: 'calico_networkpolicy',
    object: {
      metadata: { name: 'api-only', namespace: 'payments' },
      spec: { selector: 'all()', serviceAccountSelector: "name == 'api'", types: ['Ingress'] },
    },
    want: { payments: 'unknown' },
  },
  {
    title: "Calico NetworkPolicy: selector role == 'database' protects its own namespace only",
    source: 'calico_networkpolicy',
    object: {
      metadata: { name: 'allow-tcp-6379', namespace: 'payments' },
      spec: { selector: "role == 'database'", types: ['Ingress'] },
    },
    want: { payments: true },
  },
  // ---- CiliumNetworkPolicy (namespaced)
  {
    title: 'CNP: docs l3-rule (endpointSelector role: backend, ingress) protects its namespace',
    source: 'cilium_networkpolicy',
    object: {
      metadata: { name: 'l3-rule', namespace: 'payments' },
      spec: {
        endpointSelector: { matchLabels: { role: 'backend' } },
        ingress: [{ fromEndpoints: [{ matchLabels: { role: 'frontend' } }] }],
      },
    },
    want: { payments: true },
  },
  {
    title: 'CNP: enableDefaultDeny {ingress: false, egress: false} does not isolate',
    source: 'cilium_networkpolicy',
    object: {
      metadata: { name: 'observe-only', namespace: 'payments' },
      spec: {
        endpointSelector: {},
        enableDefaultDeny: { ingress: false, egress: false },
        ingress: [{ fromEntities: ['cluster'] }],
        egress: [{ toEntities: ['world'] }],
      },
    },
    want: {},
  },
  {
    title: 'CNP: a rule without ingress or egress sections isolates nothing',
    source: 'cilium_networkpolicy',
    object: { metadata: { name: 'empty', namespace: 'payments' }, spec: { endpointSelector: {} } },
    want: {},
  },
  {
    title: 'CNP: `specs` list, one isolating rule is enough',
    source: 'cilium_networkpolicy',
    object: {
      metadata: { name: 'multi', namespace: 'sandbox' },
      specs: [
        { endpointSelector: {}, enableDefaultDeny: { ingress: false, egress: false }, ingress: [{}] },
        { endpointSelector: { matchLabels: { app: 'x' } }, egress: [{ toEntities: ['kube-apiserver'] }] },
      ],
    },
    want: { sandbox: true },
  },
  {
    title: 'CNP: a nodeSelector (host policy) selects nodes, not pods',
    source: 'cilium_networkpolicy',
    object: {
      metadata: { name: 'host', namespace: 'payments' },
      spec: { nodeSelector: {}, ingress: [{ fromEntities: ['cluster'] }] },
    },
    want: {},
  },
  {
    title:
      'CNP: an In expression without values is refused by the API server: unknown, even in its namespace',
    source: 'cilium_networkpolicy',
    object: {
      metadata: { name: 'malformed', namespace: 'payments' },
      spec: {
        endpointSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: [] }] },
        ingress: [{}],
      },
    },
    want: { payments: 'unknown' },
  },
  {
    title: 'CNP: a rule with both endpointSelector and nodeSelector is refused by Cilium: unknown',
    source: 'cilium_networkpolicy',
    object: {
      metadata: { name: 'both', namespace: 'payments' },
      spec: { endpointSelector: {}, nodeSelector: {}, ingress: [{}] },
    },
    want: { payments: 'unknown' },
  },
  // ---- CiliumClusterwideNetworkPolicy
  {
    title: 'CCNP: nodeSelector-only rules (host firewall) select nodes, never a namespace',
    source: 'cilium_clusterwidenetworkpolicy',
    object: {
      metadata: { name: 'host-fw' },
      specs: [
        { nodeSelector: { matchLabels: { 'node-role.kubernetes.io/control-plane': '' } }, ingress: [{}] },
        { nodeSelector: {}, egress: [{ toEntities: ['cluster'] }] },
      ],
    },
    want: {},
  },
  {
    title: 'CCNP: endpointSelector io.kubernetes.pod.namespace NotIn kube-system, ingress default deny',
    source: 'cilium_clusterwidenetworkpolicy',
    object: {
      metadata: { name: 'lockdown' },
      spec: {
        endpointSelector: {
          matchExpressions: [
            { key: 'io.kubernetes.pod.namespace', operator: 'NotIn', values: ['kube-system'] },
          ],
        },
        enableDefaultDeny: { ingress: true },
        ingress: [{ fromEntities: ['cluster'] }],
      },
    },
    want: { payments: true, 'sensitive-ns': true, sandbox: true },
  },
  {
    title: 'CCNP: docs intercept-all-dns with enableDefaultDeny false both ways isolates nothing',
    source: 'cilium_clusterwidenetworkpolicy',
    object: {
      metadata: { name: 'intercept-all-dns' },
      spec: {
        endpointSelector: {
          matchExpressions: [
            { key: 'io.kubernetes.pod.namespace', operator: 'NotIn', values: ['kube-system'] },
          ],
        },
        enableDefaultDeny: { egress: false, ingress: false },
        egress: [
          {
            toEndpoints: [
              { matchLabels: { 'io.kubernetes.pod.namespace': 'kube-system', 'k8s-app': 'kube-dns' } },
            ],
            toPorts: [{ ports: [{ port: '53', protocol: 'TCP' }] }],
          },
        ],
      },
    },
    want: {},
  },
  {
    title: 'CCNP: k8s:io.kubernetes.pod.namespace in matchLabels',
    source: 'cilium_clusterwidenetworkpolicy',
    object: {
      metadata: { name: 'one-ns' },
      spec: {
        endpointSelector: { matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'sandbox' } },
        egress: [{ toEntities: ['cluster'] }],
      },
    },
    want: { sandbox: true },
  },
  {
    title: 'CCNP: namespace labels via io.cilium.k8s.namespace.labels',
    source: 'cilium_clusterwidenetworkpolicy',
    object: {
      metadata: { name: 'prod' },
      spec: {
        endpointSelector: { matchLabels: { 'k8s:io.cilium.k8s.namespace.labels.env': 'prod' } },
        ingress: [{}],
      },
    },
    want: { payments: true, 'sensitive-ns': true },
  },
  {
    title: 'CCNP: docs cilium-health-checks selects reserved:health, never a pod',
    source: 'cilium_clusterwidenetworkpolicy',
    object: {
      metadata: { name: 'cilium-health-checks' },
      spec: {
        endpointSelector: { matchLabels: { 'reserved:health': '' } },
        ingress: [{ fromEntities: ['remote-node'] }],
      },
    },
    want: {},
  },
  {
    title: 'CCNP: a pod-label selector cluster-wide is unknown',
    source: 'cilium_clusterwidenetworkpolicy',
    object: {
      metadata: { name: 'backends' },
      spec: { endpointSelector: { matchLabels: { role: 'backend' } }, ingress: [{}] },
    },
    want: { payments: 'unknown', 'kube-system': 'unknown', 'sensitive-ns': 'unknown', sandbox: 'unknown' },
  },
];

describe('policies from other sources: which namespaces they protect', () => {
  for (const c of cases) {
    it(c.title, () => {
      const facts = sourcePolicyFacts(c.source, c.object);
      if (!facts) throw new Error('no facts');
      const got = Object.fromEntries(
        Object.entries(NAMESPACES).map(([name, labels]) => [name, facts.protects({ name, labels })]),
      );
      const want = Object.fromEntries(
        Object.keys(NAMESPACES).map((name) => [name, c.want[name as Ns] ?? false]),
      );
      expect(got).to.deep.equal(want);
    });
  }

  it('says why an answer is unknown, and what the policy selects', () => {
    for (const c of cases) {
      const facts = sourcePolicyFacts(c.source, c.object);
      const unknown = Object.values(c.want).includes('unknown');
      expect(facts?.unknownReason !== '', `${c.title}: a reason exactly when unknown`).to.equal(unknown);
      expect(facts?.selects, c.title).to.be.a('string').and.not.equal('');
    }
    const sa = sourcePolicyFacts('calico_globalnetworkpolicy', {
      metadata: { name: 'sa' },
      spec: { serviceAccountSelector: "role == 'api'" },
    });
    expect(sa?.unknownReason).to.match(/^serviceAccountSelector "role == 'api'" is not evaluated/);
    expect(sa?.selects).to.equal(
      "namespaceSelector: all(); selector: all(); serviceAccountSelector: role == 'api'",
    );
  });

  it('an object without a name yields no facts', () => {
    expect(sourcePolicyFacts('adminnetworkpolicy', { metadata: {} })).to.equal(undefined);
    expect(sourcePolicyFacts('cilium_networkpolicy', null)).to.equal(undefined);
  });
});

describe('CoverageState with other sources', () => {
  const ns = (name: string, labels: Record<string, string> = {}) => {
    const f = namespaceFacts({ metadata: { name, labels } });
    if (!f) throw new Error('no facts');
    return f;
  };
  const gnp = (name: string, namespaceSelector: string) => {
    const f = sourcePolicyFacts('calico_globalnetworkpolicy', {
      metadata: { name },
      spec: { namespaceSelector },
    });
    if (!f) throw new Error('no facts');
    return f;
  };

  function setup(coverageSources?: string[]) {
    const state = new CoverageState(
      coverageSources ? { coverageSources: new Set(coverageSources as never[]) } : {},
    );
    const changed: string[] = [];
    state.onChange((name) => changed.push(name));
    for (const name of ['a', 'b', 'c'])
      state.upsertNamespace(ns(name, { tier: name === 'c' ? 'open' : 'locked' }));
    changed.length = 0;
    return { state, changed };
  }

  it('a cluster-scoped policy covers the namespaces it protects, with its source', () => {
    const { state } = setup();
    state.upsertSourcePolicy(gnp('lock', "tier == 'locked'"));
    expect(state.verdict('a')).to.include({ covered: true, policies: 0 });
    expect(state.verdict('a')?.protectedBy).to.deep.equal(['calico_globalnetworkpolicy']);
    expect(state.verdict('c')).to.include({ covered: false });
    expect(state.verdict('c')?.protectedBy).to.deep.equal([]);
  });

  it('re-renders only the namespaces whose answer changed', () => {
    const { state, changed } = setup();
    state.upsertSourcePolicy(gnp('lock', "tier == 'locked'"));
    expect(changed.sort()).to.deep.equal(['a', 'b']);
    changed.length = 0;
    state.upsertSourcePolicy(gnp('lock', "projectcalico.org/name in {'b', 'c'}"));
    expect(changed.sort()).to.deep.equal(['a', 'c']);
    changed.length = 0;
    state.deleteSourcePolicy('calico_globalnetworkpolicy', '', 'lock');
    expect(changed.sort()).to.deep.equal(['b', 'c']);
    expect(state.verdict('b')?.covered).to.equal(false);
  });

  it('a namespace label change re-evaluates that namespace against cluster-scoped policies', () => {
    const { state } = setup();
    state.upsertSourcePolicy(gnp('lock', "tier == 'locked'"));
    state.upsertNamespace(ns('c', { tier: 'locked' }));
    expect(state.verdict('c')?.covered).to.equal(true);
  });

  it('--coverage-sources=networkpolicy: other sources are shown but do not cover', () => {
    const { state } = setup(['networkpolicy']);
    state.upsertSourcePolicy(gnp('lock', "tier == 'locked'"));
    expect(state.verdict('a')).to.include({ covered: false });
    expect(state.verdict('a')?.protectedBy).to.deep.equal(['calico_globalnetworkpolicy']);
    const np = policyFacts({ metadata: { name: 'p', namespace: 'a' }, spec: { podSelector: {} } });
    if (np) state.upsertPolicy(np);
    expect(state.verdict('a')).to.include({ covered: true });
    expect(state.verdict('a')?.protectedBy).to.deep.equal(['networkpolicy', 'calico_globalnetworkpolicy']);
  });

  it('unknown is reported, and does not cover', () => {
    const { state } = setup();
    const facts = sourcePolicyFacts('calico_globalnetworkpolicy', {
      metadata: { name: 'db' },
      spec: { selector: "role == 'database'" },
    });
    if (facts) state.upsertSourcePolicy(facts);
    expect(state.verdict('a')).to.include({ covered: false });
    expect(state.verdict('a')?.protectionUnknown).to.deep.equal(['calico_globalnetworkpolicy']);
  });

  it('a namespaced source policy touches its namespace only', () => {
    const { state, changed } = setup();
    const facts = sourcePolicyFacts('cilium_networkpolicy', {
      metadata: { name: 'p', namespace: 'b' },
      spec: { endpointSelector: {}, ingress: [{}] },
    });
    if (facts) state.upsertSourcePolicy(facts);
    expect(changed).to.deep.equal(['b']);
    expect(state.verdict('b')?.protectedBy).to.deep.equal(['cilium_networkpolicy']);
    state.deleteSourcePolicy('cilium_networkpolicy', 'b', 'p');
    expect(state.verdict('b')?.covered).to.equal(false);
  });
});

describe('the source registry and what must agree with it', () => {
  const root = new URL('../../../', import.meta.url);

  it('lists each source once, NetworkPolicy first, every other one with a reader', () => {
    expect(new Set(SOURCES).size).to.equal(SOURCES.length);
    expect(SOURCES[0]).to.equal('networkpolicy');
    for (const source of EXTRA_SOURCES) expect(source.read, source.id).to.be.a('function');
  });

  it('the simulator serves every source kind at its group, version and scope', () => {
    for (const source of POLICY_SOURCES) {
      const kind = KINDS.find((k) => k.group === source.group && k.resource === source.resource);
      expect(kind, `simulator kind for ${source.id}`).to.not.equal(undefined);
      expect(kind).to.include({ version: source.version, kind: source.kind, namespaced: source.namespaced });
    }
  });

  it("deploy/base's ClusterRole grants list and watch on every source, and the tests' exporter token mirrors it", () => {
    const role = parse(readFileSync(new URL('deploy/base/clusterrole.yaml', root), 'utf8')) as {
      rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    };
    for (const source of POLICY_SOURCES) {
      const rule = role.rules.find(
        (r) => r.apiGroups.includes(source.group) && r.resources.includes(source.resource),
      );
      expect(rule, `a rule for ${resourceName(source)}`).to.not.equal(undefined);
      expect(rule?.verbs).to.have.members(['list', 'watch']);
    }
    const granted = role.rules.flatMap((r) =>
      r.apiGroups.flatMap((group) =>
        r.resources.map((resource) => `${group}/${resource} ${r.verbs.join(',')}`),
      ),
    );
    const token = EXPORTER_PERMISSIONS.map((p) => `${p.group ?? ''}/${p.resource} ${p.verbs.join(',')}`);
    expect(token.sort()).to.deep.equal(granted.sort());
  });

  it('a manifest of each kind, under each group it may be written with, is read as its source', () => {
    for (const source of POLICY_SOURCES)
      for (const group of source.manifestGroups)
        expect(sourceOfManifest({ apiVersion: `${group}/${source.version}`, kind: source.kind })).to.equal(
          source.id,
        );
    expect(sourceOfManifest({ apiVersion: 'v1', kind: 'NetworkPolicy' })).to.equal(undefined);
  });
});
