// deploy/ as a security reviewer and an API server would read it: every kustomize entry point renders with the real
// kubectl, every object validates against the Kubernetes and prometheus-operator schemas, and the hardening,
// RBAC and NetworkPolicy promises docs/deploy.md makes hold in every rendering, not just in base.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  PrometheusRule,
  ServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { expect } from 'chai';
import { Deployment } from 'kubernetes-models/apps/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
} from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { parse, parseAllDocuments } from 'yaml';
import { parseFlags, serveFlags } from '../../src/cli/flags.ts';

const run = promisify(execFile);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const deployDir = join(repo, 'deploy');

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

// Every kind deploy/ may emit, with its schema. A kind missing here fails the test: nothing ships unvalidated.
const models: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'apps/v1/Deployment': Deployment,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

const NAMESPACE = 'netpol-exporter';
const SELECTOR = { 'app.kubernetes.io/name': 'netpol-exporter', 'app.kubernetes.io/component': 'exporter' };
// deploy/base's stand-in for the API server's address (TEST-NET-1: routes nowhere), which every install replaces.
const API_SERVER_PLACEHOLDER = [{ ipBlock: { cidr: '192.0.2.1/32' } }];
const API_PORTS = [
  { port: 443, protocol: 'TCP' },
  { port: 6443, protocol: 'TCP' },
];
/**
 * Namespaces, every policy kind the exporter counts toward coverage by default, and the Services and Ingresses that
 * open namespaces to the internet (deploy/base says why).
 */
const BASE_RULES = [
  { apiGroups: [''], resources: ['namespaces'], verbs: ['list', 'watch'] },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['list', 'watch'] },
  { apiGroups: [''], resources: ['services'], verbs: ['list', 'watch'] },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['list', 'watch'] },
  {
    apiGroups: ['policy.networking.k8s.io'],
    resources: ['adminnetworkpolicies', 'baselineadminnetworkpolicies', 'clusternetworkpolicies'],
    verbs: ['list', 'watch'],
  },
  {
    apiGroups: ['crd.projectcalico.org'],
    resources: ['globalnetworkpolicies', 'networkpolicies'],
    verbs: ['list', 'watch'],
  },
  {
    apiGroups: ['cilium.io'],
    resources: ['ciliumnetworkpolicies', 'ciliumclusterwidenetworkpolicies'],
    verbs: ['list', 'watch'],
  },
];

async function kustomize(dir: string): Promise<KubeObject[]> {
  const { stdout } = await run('kubectl', ['kustomize', dir], { maxBuffer: 64 * 1024 * 1024 });
  return parseAllDocuments(stdout)
    .map((doc) => doc.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

// Components are only usable from a Kustomization; kustomize refuses absolute paths, so write relative ones.
async function kustomizeComposed(opts: { components: string[]; namespace?: string }): Promise<KubeObject[]> {
  const dir = await mkdtemp(join(tmpdir(), 'netpol-deploy-'));
  try {
    const rel = (p: string) => relative(dir, join(deployDir, p));
    const lines = [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      ...(opts.namespace ? [`namespace: ${opts.namespace}`] : []),
      'resources:',
      `  - ${rel('base')}`,
      'components:',
      ...opts.components.map((c) => `  - ${rel(`components/${c}`)}`),
    ];
    await writeFile(join(dir, 'kustomization.yaml'), `${lines.join('\n')}\n`);
    return await kustomize(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const ofKind = <T>(objects: KubeObject[], kind: string): T[] =>
  objects.filter((o) => o.kind === kind) as unknown as T[];

function only<T>(objects: KubeObject[], kind: string): T {
  const found = ofKind<T>(objects, kind);
  expect(found, `exactly one ${kind}`).to.have.length(1);
  return found[0] as T;
}

function matches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) {
  return Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
}

/** RSS beside V8's old space at 10,000 namespaces (npm run bench: the node binary, external buffers, malloc). */
const NON_HEAP_MB = 128;
// Derived by `npm run bench` (its last lines print them) and kept in docs/performance.md: request, limit, NODE_OPTIONS.
const BASE_MEMORY = ['224Mi', '448Mi', '--max-old-space-size=320 --max-semi-space-size=4'];
const POD_ISOLATION_MEMORY = ['384Mi', '704Mi', '--max-old-space-size=512 --max-semi-space-size=4'];

function mebibytes(quantity: string | number | undefined): number {
  const m = /^(\d+)Mi$/.exec(String(quantity ?? ''));
  expect(m, `${quantity} in Mi`).to.not.equal(null);
  return Number(m?.[1]);
}

const nodeOptions = (c: { env?: { name: string; value?: string }[] }) =>
  c.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';

function imageTag(image: string): string | undefined {
  const name = image.split('@')[0] ?? '';
  const lastSegment = name.slice(name.lastIndexOf('/') + 1);
  return lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : undefined;
}

/** What a security reviewer checks in any rendering, whatever components it includes. */
function securityReview(objects: KubeObject[]) {
  expect(
    objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name),
    'Secrets',
  ).to.deep.equal([]);

  const roles = [...ofKind<Role>(objects, 'ClusterRole'), ...ofKind<Role>(objects, 'Role')];
  expect(roles, 'RBAC roles').to.not.be.empty;
  for (const role of roles) {
    for (const rule of role.rules ?? []) {
      const where = `${role.metadata?.name}: ${JSON.stringify(rule)}`;
      expect([...rule.verbs].sort(), `verbs are exactly list and watch in ${where}`).to.deep.equal([
        'list',
        'watch',
      ]);
      const fields = [...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...(rule.resourceNames ?? [])];
      expect(
        fields.filter((f) => f.includes('*')),
        `no wildcard in ${where}`,
      ).to.deep.equal([]);
      expect(rule.nonResourceURLs, `no nonResourceURLs in ${where}`).to.be.undefined;
      expect(rule.resources, `resources named in ${where}`).to.not.be.empty;
    }
  }

  const deployments = ofKind<Deployment>(objects, 'Deployment');
  expect(deployments).to.have.length(1);
  const policies = ofKind<NetworkPolicy>(objects, 'NetworkPolicy');
  for (const deployment of deployments) {
    const pod = deployment.spec?.template.spec;
    const podLabels = deployment.spec?.template.metadata?.labels;
    const name = deployment.metadata?.name;
    expect(pod?.securityContext).to.deep.include({ runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532 });
    expect(pod?.securityContext?.seccompProfile).to.deep.equal({ type: 'RuntimeDefault' });
    expect(pod?.automountServiceAccountToken, 'the exporter needs its token').to.equal(true);
    expect(pod?.hostNetwork ?? false).to.equal(false);
    expect(pod?.hostPID ?? false).to.equal(false);
    expect(pod?.terminationGracePeriodSeconds, 'room for the 5 s shutdown').to.be.at.least(10);
    expect(pod?.containers).to.have.length(1);
    for (const c of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]) {
      const sc = c.securityContext;
      expect(sc, `${c.name} securityContext`).to.deep.include({
        runAsNonRoot: true,
        runAsUser: 65532,
        runAsGroup: 65532,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });
      expect(sc?.privileged ?? false).to.equal(false);
      expect(sc?.capabilities?.drop).to.deep.equal(['ALL']);
      expect(sc?.capabilities?.add ?? []).to.deep.equal([]);
      expect(sc?.seccompProfile).to.deep.equal({ type: 'RuntimeDefault' });
      expect(c.image, `${c.name} image`).to.be.a('string').and.not.equal('');
      const tag = imageTag(c.image ?? '');
      expect(tag, `${c.image} has a tag`).to.be.a('string').and.not.equal('');
      expect(tag, `${c.image} is pinned`).to.not.equal('latest');
      // Memory from the benchmark (the base's and pod-isolation's own figures are pinned below); here what holds for
      // every rendering: a request below the limit, and V8's heap capped so that the rest of RSS fits beside it.
      const request = mebibytes(c.resources?.requests?.memory);
      const limit = mebibytes(c.resources?.limits?.memory);
      expect(c.resources?.requests?.cpu).to.equal('100m');
      expect(c.resources?.limits?.cpu, 'no CPU limit: throttling would only slow a re-list').to.be.undefined;
      expect(request, 'memory request').to.be.above(0).and.at.most(limit);
      const heapCap = Number(/--max-old-space-size=(\d+)/.exec(nodeOptions(c))?.[1]);
      expect(heapCap + NON_HEAP_MB, `heap cap ${heapCap} MB + ${NON_HEAP_MB} MB beside it`).to.be.at.most(
        limit,
      );
      expect(c.livenessProbe?.httpGet?.path).to.equal('/healthz');
      expect(c.readinessProbe?.httpGet?.path).to.equal('/readyz');
      expect(c.startupProbe?.httpGet?.path).to.equal('/healthz');
      for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe])
        expect(probe?.httpGet?.port).to.equal('http-metrics');
      expect(c.ports).to.deep.equal([{ name: 'http-metrics', containerPort: 10111, protocol: 'TCP' }]);
    }
    const own = policies.filter(
      (p) =>
        p.metadata?.namespace === deployment.metadata?.namespace &&
        matches(p.spec?.podSelector?.matchLabels, podLabels),
    );
    expect(own, `a NetworkPolicy selects ${name}'s pods`).to.have.length(1);
    expect(own[0]?.spec?.podSelector?.matchExpressions).to.be.undefined;
    expect([...(own[0]?.spec?.policyTypes ?? [])].sort()).to.deep.equal(['Egress', 'Ingress']);
    // Every way out names where to: a rule without `to`, or with a /0 block, lets the exporter reach any address.
    for (const rule of own[0]?.spec?.egress ?? []) {
      const where = JSON.stringify(rule);
      expect(rule.to, `egress rule ${where} names its destinations`).to.be.an('array').that.is.not.empty;
      expect(rule.ports, `egress rule ${where} names its ports`).to.be.an('array').that.is.not.empty;
      for (const peer of rule.to ?? []) {
        expect(Object.keys(peer).length, `peer ${JSON.stringify(peer)} selects something`).to.be.above(0);
        if (peer.ipBlock)
          expect(peer.ipBlock.cidr, `${where} is narrower than any address`).to.not.match(/\/0$/);
      }
    }
  }
}

function validateSchemas(objects: KubeObject[]) {
  expect(objects).to.not.be.empty;
  for (const o of objects) {
    const Model = models[`${o.apiVersion}/${o.kind}`];
    expect(Model, `a schema for ${o.apiVersion} ${o.kind}`).to.not.be.undefined;
    if (!Model) continue;
    try {
      new Model(o as never).validate();
    } catch (err) {
      throw new Error(`${o.kind}/${o.metadata.name} is invalid: ${(err as Error).message}`);
    }
    expect(o.metadata.name, `${o.kind} has a name`).to.match(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
    const clusterScoped = ['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind);
    if (clusterScoped) expect(o.metadata.namespace, `${o.kind} is cluster-scoped`).to.be.undefined;
    else expect(o.metadata.namespace, `${o.kind}/${o.metadata.name} has a namespace`).to.be.a('string');
  }
}

const entryPoints: Record<string, () => Promise<KubeObject[]>> = {
  base: () => kustomize(join(deployDir, 'base')),
  'overlays/prometheus-operator': () => kustomize(join(deployDir, 'overlays/prometheus-operator')),
  'examples/monitoring-namespace': () => kustomize(join(deployDir, 'examples/monitoring-namespace')),
  'examples/api-server-address': () => kustomize(join(deployDir, 'examples/api-server-address')),
  'base + components/prometheus-operator': () => kustomizeComposed({ components: ['prometheus-operator'] }),
  'base + components/grafana-dashboard': () => kustomizeComposed({ components: ['grafana-dashboard'] }),
  'base + components/pod-isolation': () => kustomizeComposed({ components: ['pod-isolation'] }),
  'base + components/cni-policies': () => kustomizeComposed({ components: ['cni-policies'] }),
  'base + components/gateway-api': () => kustomizeComposed({ components: ['gateway-api'] }),
  'every component, namespace moved to "other"': () =>
    kustomizeComposed({
      namespace: 'other',
      components: [
        'prometheus-operator',
        'grafana-dashboard',
        'pod-isolation',
        'cni-policies',
        'gateway-api',
      ],
    }),
};

describe('deploy/ (kustomize)', function () {
  this.timeout(120_000);
  const rendered = new Map<string, KubeObject[]>();

  before(async () => {
    // kubectl kustomize takes ~100 ms each; render once, check many times.
    for (const [name, render] of Object.entries(entryPoints)) rendered.set(name, await render());
  });
  const get = (name: string) => rendered.get(name) ?? [];

  for (const name of Object.keys(entryPoints)) {
    describe(name, () => {
      it('every object validates against its Kubernetes or prometheus-operator schema', () => {
        validateSchemas(get(name));
      });
      it('passes the security review (hardening, list/watch-only RBAC, no Secrets, pinned image, own NetworkPolicy)', () => {
        securityReview(get(name));
      });
      it('keeps the Service, the ServiceAccount binding and the NetworkPolicy pointing at the exporter', () => {
        const objects = get(name);
        const deployment = only<Deployment>(objects, 'Deployment');
        const namespace = deployment.metadata?.namespace;
        const podLabels = deployment.spec?.template.metadata?.labels;
        expect(matches(deployment.spec?.selector.matchLabels, podLabels)).to.equal(true);
        const service = only<Service>(objects, 'Service');
        expect(service.metadata?.namespace).to.equal(namespace);
        expect(matches(service.spec?.selector, podLabels), 'Service selects the pods').to.equal(true);
        expect(service.spec?.ports).to.deep.equal([
          { name: 'http-metrics', port: 10111, targetPort: 'http-metrics', protocol: 'TCP' },
        ]);
        const account = only<ServiceAccount>(objects, 'ServiceAccount');
        expect(deployment.spec?.template.spec?.serviceAccountName).to.equal(account.metadata?.name);
        const binding = only<ClusterRoleBinding>(objects, 'ClusterRoleBinding');
        expect(binding.subjects).to.deep.equal([
          { kind: 'ServiceAccount', name: account.metadata?.name, namespace },
        ]);
        const role = only<ClusterRole>(objects, 'ClusterRole');
        expect(binding.roleRef).to.deep.equal({
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: role.metadata?.name,
        });
        expect(only<Namespace>(objects, 'Namespace').metadata?.name, 'it creates its own namespace').to.equal(
          namespace,
        );
      });
    });
  }

  describe('base alone', () => {
    it('holds exactly the exporter, its identity, its Service and its NetworkPolicy: components are off', () => {
      const kinds = get('base').map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
      expect(kinds.sort()).to.deep.equal(
        [
          'ClusterRole//netpol-exporter',
          'ClusterRoleBinding//netpol-exporter',
          `Deployment/${NAMESPACE}/netpol-exporter`,
          'Namespace//netpol-exporter',
          `NetworkPolicy/${NAMESPACE}/netpol-exporter`,
          `Service/${NAMESPACE}/netpol-exporter`,
          `ServiceAccount/${NAMESPACE}/netpol-exporter`,
        ].sort(),
      );
    });

    it('grants list and watch on namespaces and the policy kinds it counts, nothing else', () => {
      expect(only<ClusterRole>(get('base'), 'ClusterRole').rules).to.deep.equal(BASE_RULES);
    });

    it('runs one replica of a version-tagged image matching package.json, logging JSON', async () => {
      const pkg = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as { version: string };
      const deployment = only<Deployment>(get('base'), 'Deployment');
      expect(deployment.spec?.replicas).to.equal(1);
      const container = deployment.spec?.template.spec?.containers[0];
      expect(container?.image).to.equal(`ghcr.io/netpol-exporter/netpol-exporter:${pkg.version}`);
      expect(container?.command, 'the image ENTRYPOINT runs the exporter').to.be.undefined;
      expect(container?.args).to.deep.equal(['--log.format=json']);
      expect(deployment.spec?.template.spec?.terminationGracePeriodSeconds).to.equal(30);
      // Service links would inject NETPOL_EXPORTER_* variables, the exporter's own env prefix.
      expect(deployment.spec?.template.spec?.enableServiceLinks).to.equal(false);
    });

    it("the Deployment's args and env are accepted by the exporter's own flag parser", () => {
      const container = only<Deployment>(get('base'), 'Deployment').spec?.template.spec?.containers[0];
      const env = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value]));
      const config = parseFlags(serveFlags, container?.args ?? [], env);
      expect(config.logFormat).to.equal('json');
      // What the probes, the Service and the ServiceMonitor expect is what the exporter will listen on.
      expect(config.listenAddress).to.deep.equal({ host: '', port: container?.ports?.[0]?.containerPort });
      expect(config.telemetryPath).to.equal('/metrics');
      expect(config.kubeconfig, 'in a pod: in-cluster config').to.equal('');
    });

    it('the NetworkPolicy admits scrapes from the monitoring namespace only, and lets out only DNS and the API', () => {
      const policy = only<NetworkPolicy>(get('base'), 'NetworkPolicy');
      expect(policy.spec?.ingress).to.deep.equal([
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
          ports: [{ port: 'http-metrics', protocol: 'TCP' }],
        },
      ]);
      expect(policy.spec?.egress).to.deep.equal([
        {
          to: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
              podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
            },
          ],
          ports: [
            { port: 53, protocol: 'UDP' },
            { port: 53, protocol: 'TCP' },
          ],
        },
        // Not to any address: to a placeholder each install replaces with its API server's (see the example below).
        { to: API_SERVER_PLACEHOLDER, ports: API_PORTS },
      ]);
      expect(policy.spec?.podSelector?.matchLabels).to.deep.equal(SELECTOR);
    });

    it('its namespace enforces the restricted Pod Security Standard', () => {
      expect(only<Namespace>(get('base'), 'Namespace').metadata?.labels).to.include({
        'pod-security.kubernetes.io/enforce': 'restricted',
      });
    });
  });

  describe('components and overlays', () => {
    it('prometheus-operator: a ServiceMonitor on http-metrics with honorLabels, job "netpol-exporter", and the rules', () => {
      for (const name of ['base + components/prometheus-operator', 'overlays/prometheus-operator']) {
        const objects = get(name);
        const service = only<Service>(objects, 'Service');
        const monitor = only<ServiceMonitor>(objects, 'ServiceMonitor');
        expect(monitor.metadata?.namespace).to.equal(service.metadata?.namespace);
        expect(
          matches(monitor.spec.selector.matchLabels, service.metadata?.labels),
          'selects the Service',
        ).to.equal(true);
        expect(monitor.spec.endpoints).to.have.length(1);
        expect(monitor.spec.endpoints?.[0]).to.deep.include({
          port: 'http-metrics',
          path: '/metrics',
          honorLabels: true,
        });
        // The rules' absent()/up alerts select job="netpol-exporter".
        const jobLabel = monitor.spec.jobLabel ?? '';
        expect(service.metadata?.labels?.[jobLabel], 'job label value').to.equal('netpol-exporter');
        const rule = only<PrometheusRule>(objects, 'PrometheusRule');
        expect(rule.metadata?.namespace).to.equal(service.metadata?.namespace);
        expect(rule.spec.groups, 'rule groups').to.not.be.empty;
      }
    });

    it('the PrometheusRule selects the job the ServiceMonitor produces', () => {
      const rule = only<PrometheusRule>(get('overlays/prometheus-operator'), 'PrometheusRule');
      const jobs = new Set(
        [...JSON.stringify(rule.spec).matchAll(/job=\\?"([^"\\]+)\\?"/g)].map((m) => m[1]),
      );
      expect([...jobs]).to.deep.equal(['netpol-exporter']);
    });

    it('grafana-dashboard: one ConfigMap whose data are Grafana dashboards (JSON with a uid and panels)', () => {
      for (const name of ['base + components/grafana-dashboard', 'overlays/prometheus-operator']) {
        const configMap = only<ConfigMap>(get(name), 'ConfigMap');
        const files = Object.entries(configMap.data ?? {});
        expect(files, 'dashboard files').to.not.be.empty;
        for (const [file, text] of files) {
          expect(file).to.match(/\.json$/);
          const dashboard = JSON.parse(text) as { uid?: unknown; panels?: unknown[] };
          expect(dashboard.uid, `${file} uid`).to.be.a('string');
          expect(dashboard.panels, `${file} panels`).to.be.an('array').that.is.not.empty;
        }
      }
    });

    it("memory is the benchmark's: the base sized at 10,000 namespaces, pod-isolation at 200,000 pods more", () => {
      const memory = (name: string) => {
        const c = only<Deployment>(get(name), 'Deployment').spec?.template.spec?.containers[0];
        return [c?.resources?.requests?.memory, c?.resources?.limits?.memory, nodeOptions(c ?? {})];
      };
      expect(memory('base')).to.deep.equal(BASE_MEMORY);
      expect(memory('base + components/pod-isolation')).to.deep.equal(POD_ISOLATION_MEMORY);
    });

    it('pod-isolation adds list/watch on pods and nothing more', () => {
      expect(only<ClusterRole>(get('base + components/pod-isolation'), 'ClusterRole').rules).to.deep.equal([
        ...BASE_RULES,
        { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
      ]);
    });

    it('gateway-api adds list/watch on the Gateway API routes and ReferenceGrants and nothing more', () => {
      expect(only<ClusterRole>(get('base + components/gateway-api'), 'ClusterRole').rules).to.deep.equal([
        ...BASE_RULES,
        {
          apiGroups: ['gateway.networking.k8s.io'],
          resources: ['httproutes', 'grpcroutes', 'tlsroutes', 'tcproutes', 'udproutes', 'referencegrants'],
          verbs: ['list', 'watch'],
        },
      ]);
    });

    it('cni-policies is kept for overlays that list it, and adds nothing: the base grants the policy kinds', () => {
      expect(only<ClusterRole>(get('base + components/cni-policies'), 'ClusterRole').rules).to.deep.equal(
        BASE_RULES,
      );
    });

    it('the operator overlay is base plus the operator and dashboard components, nothing else changed', () => {
      const extra = new Set(['ServiceMonitor', 'PrometheusRule', 'ConfigMap']);
      const overlayCore = get('overlays/prometheus-operator').filter((o) => !extra.has(o.kind));
      expect(overlayCore).to.deep.equal(get('base'));
    });

    it('moving the namespace moves every namespaced object and the binding subject with it', () => {
      const objects = get('every component, namespace moved to "other"');
      for (const o of objects)
        if (o.metadata.namespace !== undefined) expect(o.metadata.namespace).to.equal('other');
      expect(only<ClusterRoleBinding>(objects, 'ClusterRoleBinding').subjects?.[0]?.namespace).to.equal(
        'other',
      );
    });

    it('examples/monitoring-namespace changes only the namespace the NetworkPolicy admits scrapes from', () => {
      const policy = only<NetworkPolicy>(get('examples/monitoring-namespace'), 'NetworkPolicy');
      expect(policy.spec?.ingress?.[0]?.from).to.deep.equal([
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } },
      ]);
      const rest = (objects: KubeObject[]) => objects.filter((o) => o.kind !== 'NetworkPolicy');
      expect(rest(get('examples/monitoring-namespace'))).to.deep.equal(rest(get('base')));
    });

    it('examples/api-server-address lets the exporter reach only the addresses it names on 443/6443, nothing else changed', () => {
      const policy = only<NetworkPolicy>(get('examples/api-server-address'), 'NetworkPolicy');
      const base = only<NetworkPolicy>(get('base'), 'NetworkPolicy');
      const apiRule = policy.spec?.egress?.[1];
      expect(apiRule?.ports).to.deep.equal(API_PORTS);
      expect(apiRule?.to).to.deep.equal([
        { ipBlock: { cidr: '10.0.0.10/32' } },
        { ipBlock: { cidr: '10.96.0.1/32' } },
      ]);
      // The placeholder is gone, and the DNS rule, the ingress and the selector are the base's.
      expect(JSON.stringify(policy)).to.not.include(API_SERVER_PLACEHOLDER[0]?.ipBlock.cidr);
      const { egress, ...spec } = policy.spec ?? {};
      const { egress: baseEgress, ...baseSpec } = base.spec ?? {};
      expect(spec).to.deep.equal(baseSpec);
      expect(egress?.[0]).to.deep.equal(baseEgress?.[0]);
      expect(egress).to.have.length(2);
      const rest = (objects: KubeObject[]) => objects.filter((o) => o.kind !== 'NetworkPolicy');
      expect(rest(get('examples/api-server-address'))).to.deep.equal(rest(get('base')));
    });

    it("an overlay whose API server patch misses the base's placeholder fails to render instead of opening a rule", async () => {
      // A copy of the example, with the value its `test` op expects changed, as if the base had moved the rule.
      const example = await readFile(
        join(deployDir, 'examples/api-server-address/kustomization.yaml'),
        'utf8',
      );
      expect(example).to.include('value: 192.0.2.1/32');
      const dir = await mkdtemp(join(tmpdir(), 'netpol-deploy-'));
      try {
        const moved = example
          .replace('value: 192.0.2.1/32', 'value: 192.0.2.99/32')
          .replace('../../base', relative(dir, join(deployDir, 'base')));
        await writeFile(join(dir, 'kustomization.yaml'), moved);
        const failure = await kustomize(dir).then(
          () => undefined,
          (err: Error & { stderr?: string }) => err.stderr ?? err.message,
        );
        expect(failure, 'kubectl kustomize fails')
          .to.be.a('string')
          .and.match(/test failed/);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('examples/prometheus-scrape.yaml (for Prometheus without the operator)', () => {
    interface ScrapeConfig {
      job_name: string;
      honor_labels?: boolean;
      metrics_path?: string;
      kubernetes_sd_configs?: { role: string; namespaces?: { names: string[] } }[];
      static_configs?: { targets: string[] }[];
      relabel_configs?: {
        source_labels?: string[];
        regex?: string;
        action?: string;
        target_label?: string;
      }[];
    }
    let text = '';
    let job: ScrapeConfig;
    before(async () => {
      text = await readFile(join(deployDir, 'examples/prometheus-scrape.yaml'), 'utf8');
      const configs = (parse(text) as { scrape_configs: ScrapeConfig[] }).scrape_configs;
      expect(configs).to.have.length(1);
      job = configs[0] as ScrapeConfig;
    });

    it('is job netpol-exporter with honor_labels, discovering the base Service by label and port name', () => {
      expect(job.job_name).to.equal('netpol-exporter');
      expect(job.honor_labels).to.equal(true);
      expect(job.metrics_path).to.equal('/metrics');
      const service = only<Service>(get('base'), 'Service');
      expect(job.kubernetes_sd_configs).to.deep.equal([
        { role: 'endpoints', namespaces: { names: [service.metadata?.namespace] } },
      ]);
      const keeps = (job.relabel_configs ?? []).filter((r) => r.action === 'keep');
      expect(keeps).to.deep.equal([
        {
          source_labels: ['__meta_kubernetes_service_label_app_kubernetes_io_name'],
          regex: service.metadata?.labels?.['app.kubernetes.io/name'],
          action: 'keep',
        },
        {
          source_labels: ['__meta_kubernetes_endpoint_port_name'],
          regex: service.spec?.ports?.[0]?.name,
          action: 'keep',
        },
      ]);
      expect((job.relabel_configs ?? []).map((r) => r.target_label)).to.not.include('namespace');
    });

    it('is a valid Prometheus configuration (promtool check config)', async () => {
      // Debian's Prometheus is built without Kubernetes discovery, so promtool rejects kubernetes_sd_configs; check
      // everything else with a static target in its place.
      const { kubernetes_sd_configs: _sd, ...rest } = job;
      const dir = await mkdtemp(join(tmpdir(), 'netpol-scrape-'));
      try {
        const file = join(dir, 'prometheus.yml');
        await writeFile(
          file,
          JSON.stringify({
            scrape_configs: [{ ...rest, static_configs: [{ targets: ['127.0.0.1:10111'] }] }],
          }),
        );
        const { stdout } = await run('promtool', ['check', 'config', file]);
        expect(stdout).to.include('SUCCESS');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
