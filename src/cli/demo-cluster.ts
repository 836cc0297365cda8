// The demo's cluster: a few dozen namespaces in the shapes real clusters have — namespaces with default deny both ways or ingress only, one whose only policy selects nothing,
// and some with none at all.

type Obj = Record<string, unknown>;

const namespace = (name: string, labels: Record<string, string> = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } },
});

const policy = (namespace: string, name: string, spec: Obj): Obj => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace },
  spec,
});

const denyAll = (ns: string) =>
  policy(ns, 'default-deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
const denyIngress = (ns: string) =>
  policy(ns, 'default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] });
const allowDns = (ns: string) =>
  policy(ns, 'allow-dns', {
    podSelector: {},
    policyTypes: ['Egress'],
    egress: [
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
    ],
  });
const allowFrom = (ns: string, app: string, from: string) =>
  policy(ns, `allow-${from}-to-${app}`, {
    podSelector: { matchLabels: { app } },
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': from } } }] }],
  });

export function demoCluster(): Obj[] {
  const objects: Obj[] = [];
  const add = (ns: Obj, ...policies: Obj[]) => objects.push(ns, ...policies);
  // The simulator starts with the system namespaces (default, kube-system, ...) and no policy in them, as real
  // clusters do: CIS 5.3.2 applies to them too.
  add(namespace('monitoring', { team: 'platform' }), denyAll('monitoring'), allowDns('monitoring'));
  add(
    namespace('ingress-nginx', { team: 'platform', 'internet-facing': 'true' }),
    denyIngress('ingress-nginx'),
  );
  for (const name of ['payments', 'checkout', 'orders', 'ledger']) {
    add(
      namespace(name, { team: 'commerce', environment: 'production' }),
      denyAll(name),
      allowDns(name),
      allowFrom(name, 'api', 'ingress-nginx'),
    );
  }
  for (const name of ['frontend', 'storefront', 'cms']) {
    add(
      namespace(name, { team: 'web', 'internet-facing': 'true' }),
      denyIngress(name),
      allowFrom(name, 'web', 'ingress-nginx'),
    );
  }
  // "Has a policy" but protects nothing: its only policy selects no pod.
  add(
    namespace('search', { team: 'data' }),
    policy('search', 'allow-elastic', {
      podSelector: { matchLabels: { app: 'elasticsearch-retired' } },
      ingress: [{ from: [{ podSelector: {} }] }],
    }),
  );
  for (const name of ['analytics', 'reporting', 'etl'])
    add(namespace(name, { team: 'data' }), denyIngress(name));
  for (const name of [
    'legacy-billing',
    'batch-jobs',
    'ci-runners',
    'sandbox-alice',
    'sandbox-bob',
    'experiments',
  ]) {
    add(namespace(name, { team: name.startsWith('sandbox') ? 'dev' : 'ops' }));
  }
  for (let i = 1; i <= 12; i++) {
    const name = `team-${String(i).padStart(2, '0')}`;
    if (i % 4 === 0) add(namespace(name, { team: name }));
    else if (i % 3 === 0) add(namespace(name, { team: name }), denyIngress(name));
    else
      add(
        namespace(name, { team: name, environment: i % 2 ? 'production' : 'staging' }),
        denyAll(name),
        allowDns(name),
      );
  }
  return objects;
}
