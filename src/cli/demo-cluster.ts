// The demo's cluster: a few dozen namespaces in the shapes real clusters have — namespaces with default deny both
// ways or ingress only, one whose only policy selects none of its pods (dangling), one whose only policy allows
// everything in, some with none at all, an approved exception, a malformed one, what opens some of them to the
// internet (a LoadBalancer Service, an Ingress, and with the Gateway API served an HTTPRoute), and (with Calico's kind
// served) a namespace protected only from outside and one whose only policy cannot be judged.

type Obj = Record<string, unknown>;

const namespace = (
  name: string,
  labels: Record<string, string> = {},
  annotations?: Record<string, string>,
): Obj => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: {
    name,
    labels: { 'kubernetes.io/metadata.name': name, ...labels },
    ...(annotations ? { annotations } : {}),
  },
});

const policy = (namespace: string, name: string, spec: Obj): Obj => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace },
  spec,
});

const pod = (ns: string, name: string, labels: Record<string, string>): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, labels },
  spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] },
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

export function demoCluster(now = new Date()): Obj[] {
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
  // "Has a policy" but protects nothing: its only policy selects none of its pods (dangling, with --pod-isolation).
  add(
    namespace('search', { team: 'data' }),
    policy('search', 'allow-elastic', {
      podSelector: { matchLabels: { app: 'elasticsearch-retired' } },
      ingress: [{ from: [{ podSelector: {} }] }],
    }),
    pod('search', 'elasticsearch-data-0', { app: 'elasticsearch' }),
    pod('search', 'elasticsearch-data-1', { app: 'elasticsearch' }),
  );
  // Covered by the letter of CIS 5.3.2, and open: its only policy allows all ingress to every pod.
  add(
    namespace('wiki', { team: 'web' }),
    policy('wiki', 'allow-all-ingress', { podSelector: {}, ingress: [{}] }),
    pod('wiki', 'wiki-0', { app: 'wiki' }),
  );
  for (const name of ['analytics', 'reporting', 'etl'])
    add(namespace(name, { team: 'data' }), denyIngress(name));
  for (const name of ['legacy-billing', 'ci-runners', 'sandbox-alice', 'sandbox-bob', 'experiments']) {
    add(namespace(name, { team: name.startsWith('sandbox') ? 'dev' : 'ops' }));
  }
  // An approved exception is data: an owner, a reason and an expiry, visible in the metrics and the status page.
  const expires = new Date(now.getTime() + 45 * 86_400_000).toISOString().slice(0, 10);
  add(
    namespace(
      'batch-jobs',
      { team: 'ops' },
      {
        'netpol-exporter.io/exempt': 'true',
        'netpol-exporter.io/owner': 'ops-oncall@example.com',
        'netpol-exporter.io/reason': 'Legacy batch runner needs open egress until its replacement ships',
        'netpol-exporter.io/expires': expires,
      },
    ),
  );
  // A malformed exception (no owner) is no exception: the namespace stays uncovered and the metrics say why.
  add(
    namespace(
      'reporting-legacy',
      { team: 'data' },
      {
        'netpol-exporter.io/exempt': 'true',
        'netpol-exporter.io/reason': 'Nobody signed this off',
        'netpol-exporter.io/expires': expires,
      },
    ),
  );
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
  objects.push(...demoEntryPoints());
  return objects;
}

/**
 * What opens namespaces to the internet: the ingress controller's public LoadBalancer, and an Ingress into
 * legacy-billing, which has no policy: the uncovered internet-facing namespace the demo's story points at.
 */
function demoEntryPoints(): Obj[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'ingress-nginx-controller', namespace: 'ingress-nginx' },
      spec: {
        type: 'LoadBalancer',
        selector: { 'app.kubernetes.io/name': 'ingress-nginx' },
        ports: [
          { name: 'https', port: 443, targetPort: 8443 },
          { name: 'http', port: 80, targetPort: 8080 },
        ],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'billing', namespace: DEMO_WALKTHROUGH.protect },
      spec: { selector: { app: 'billing' }, ports: [{ port: 80, targetPort: 8080 }] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'billing', namespace: DEMO_WALKTHROUGH.protect },
      spec: {
        ingressClassName: 'nginx',
        rules: [
          {
            host: 'billing.example.com',
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: 'billing', port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    },
  ];
}

/** Calico's GlobalNetworkPolicy kind and Gateway API HTTPRoutes, which the demo's simulator serves. */
export const DEMO_EXTRA_KINDS = [
  'globalnetworkpolicies.crd.projectcalico.org',
  'httproutes.gateway.networking.k8s.io',
];

/**
 * A namespace with no NetworkPolicy of its own, protected from outside by a Calico GlobalNetworkPolicy: the case
 * naive scanners report as a false positive; and one whose only policy narrows itself by service account, which
 * the exporter does not watch: unknown, never protected. Needs DEMO_EXTRA_KINDS served.
 */
export function demoOutsideProtection(): Obj[] {
  return [
    namespace('vault', { team: 'security', 'security-tier': 'restricted' }),
    {
      apiVersion: 'crd.projectcalico.org/v1',
      kind: 'GlobalNetworkPolicy',
      metadata: { name: 'restricted-tier-default-deny' },
      spec: { namespaceSelector: "security-tier == 'restricted'", types: ['Ingress', 'Egress'] },
    },
    // A route on the shared Gateway in ingress-nginx to the storefront's web Service: storefront faces the internet.
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'storefront', namespace: 'storefront' },
      spec: {
        parentRefs: [{ name: 'public', namespace: 'ingress-nginx' }],
        hostnames: ['shop.example.com'],
        rules: [{ backendRefs: [{ name: 'web', port: 8080 }] }],
      },
    },
    namespace('payroll', { team: 'finance', environment: 'production' }),
    {
      apiVersion: 'crd.projectcalico.org/v1',
      kind: 'GlobalNetworkPolicy',
      metadata: { name: 'finance-api-accounts' },
      spec: {
        namespaceSelector: "team == 'finance'",
        serviceAccountSelector: "role == 'payroll-api'",
        types: ['Ingress'],
      },
    },
  ];
}

/**
 * The two namespaces the demo's printed commands act on: one whose only policy the user removes (covered 1 -> 0)
 * and one without any that the user protects (0 -> 1). The demo's churn spares both.
 */
export const DEMO_WALKTHROUGH = {
  remove: { namespace: 'analytics', policy: 'default-deny-ingress' },
  protect: 'legacy-billing',
} as const;

/**
 * A few pods, so `demo --pod-isolation` has something to count: isolated by a default deny in payments and
 * frontend, not at all in legacy-billing until the walkthrough protects it. Without the flag they change nothing.
 */
export function demoPods(): Obj[] {
  const demoPod = (ns: string, name: string, app: string): Obj => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: { app } },
    spec: { containers: [{ name: app, image: `registry.example/${app}:1` }] },
  });
  return [
    demoPod('payments', 'api-7d9f-1', 'api'),
    demoPod('payments', 'api-7d9f-2', 'api'),
    demoPod('frontend', 'web-5c4b-1', 'web'),
    demoPod('legacy-billing', 'billing-0', 'billing'),
    demoPod('legacy-billing', 'billing-1', 'billing'),
  ];
}
