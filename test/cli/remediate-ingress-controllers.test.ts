// remediate finds where Ingress controllers and Gateway proxies run, from a cluster (the simulator) and from
// manifests, and the policies it prints, applied, keep their traffic flowing and open nothing else: checked with the
// independent reference model (test/reference/model.ts), on the cluster's own namespaces and pods.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KObject, SimulatedCluster } from '@netpol-exporter/kube-sim';
import { expect } from 'chai';
import { parseAllDocuments } from 'yaml';
import { EXPORTER_PERMISSIONS } from '../../src/cli/demo.ts';
import { remediateMain } from '../../src/cli/remediate.ts';
import { runMain } from '../helpers/run.ts';
import { podAddress } from '../reference/addresses.ts';
import {
  allowed,
  type Cluster,
  type Endpoint,
  namespaceLabels,
  type Obj,
  type Pod,
} from '../reference/model.ts';

const NGINX =
  'app.kubernetes.io/name: ingress-nginx, app.kubernetes.io/instance: ingress-nginx, app.kubernetes.io/component: controller';
const CLUSTER = `
apiVersion: v1
kind: Namespace
metadata: {name: ingress-nginx}
---
apiVersion: v1
kind: Namespace
metadata: {name: edge}
---
apiVersion: v1
kind: Namespace
metadata: {name: blog}
---
apiVersion: v1
kind: Namespace
metadata: {name: store}
---
apiVersion: v1
kind: Namespace
metadata: {name: other}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: v1
kind: Service
metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}
spec:
  type: LoadBalancer
  selector: {${NGINX}}
  ports: [{name: https, port: 443, targetPort: 8443}]
---
apiVersion: v1
kind: Pod
metadata: {name: ingress-nginx-controller-7d9f, namespace: ingress-nginx, labels: {${NGINX}}}
spec: {containers: [{name: controller, image: registry.k8s.io/ingress-nginx/controller:v1.12.0}]}
---
apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: ingress-nginx, labels: {app: debug}}
spec: {containers: [{name: c, image: busybox:1}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: istio}
spec: {controllerName: istio.io/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: edge}
spec:
  gatewayClassName: istio
  listeners: [{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}]
---
apiVersion: v1
kind: Service
metadata: {name: gw-istio, namespace: edge}
spec:
  type: LoadBalancer
  selector: {gateway.networking.k8s.io/gateway-name: gw}
  ports: [{name: http, port: 80, targetPort: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: gw-istio-5c8b, namespace: edge, labels: {gateway.networking.k8s.io/gateway-name: gw, gateway.networking.k8s.io/gateway-class-name: istio}}
spec: {containers: [{name: istio-proxy, image: istio/proxyv2:1.26.0}]}
---
apiVersion: v1
kind: Pod
metadata: {name: tenant, namespace: edge, labels: {app: tenant}}
spec: {containers: [{name: c, image: busybox:1}]}
---
apiVersion: v1
kind: Service
metadata: {name: blog, namespace: blog}
spec: {selector: {app: blog}, ports: [{port: 80, targetPort: 3000}]}
---
apiVersion: v1
kind: Pod
metadata: {name: blog, namespace: blog, labels: {app: blog}}
spec: {containers: [{name: c, image: ghost:5}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: www, namespace: blog}
spec:
  ingressClassName: nginx
  rules: [{host: blog.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: blog, port: {number: 80}}}}]}}]
---
apiVersion: v1
kind: Service
metadata: {name: store, namespace: store}
spec: {selector: {app: store}, ports: [{port: 8080, targetPort: 8080}]}
---
apiVersion: v1
kind: Pod
metadata: {name: store, namespace: store, labels: {app: store}}
spec: {containers: [{name: c, image: example/store:1}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: store, namespace: store}
spec:
  parentRefs: [{name: gw, namespace: edge}]
  rules: [{backendRefs: [{name: store, port: 8080}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: curious, namespace: other, labels: {app: curious}}
spec: {containers: [{name: c, image: busybox:1}]}
`;

const GATEWAY = 'gateway.networking.k8s.io';
const KINDS = ['httproutes', 'gatewayclasses', 'gateways', 'referencegrants'].map((k) => `${k}.${GATEWAY}`);
const ROUTES = ['httproutes', 'referencegrants'].map((resource) => ({
  resource,
  group: GATEWAY,
  verbs: ['list'],
}));
const CONTROLLERS = [
  { resource: 'ingressclasses', group: 'networking.k8s.io', verbs: ['list'] },
  { resource: 'gatewayclasses', group: GATEWAY, verbs: ['list'] },
  { resource: 'gateways', group: GATEWAY, verbs: ['list'] },
];

/** The printed policies applied to the simulator's namespaces and pods, as the reference model sees them. */
function applied(sim: SimulatedCluster, stdout: string): Cluster {
  const policies = parseAllDocuments(stdout)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null && o.kind === 'NetworkPolicy');
  expect(policies, 'policies printed').to.not.be.empty;
  const meta = (o: KObject) =>
    o.metadata as { name: string; namespace?: string; labels?: Record<string, string> };
  return {
    namespaces: sim.list('namespaces').map((o) => ({ name: meta(o).name, labels: meta(o).labels ?? {} })),
    pods: sim.list('pods').map((o) => ({ namespace: meta(o).namespace ?? '', labels: meta(o).labels ?? {} })),
    policies,
  };
}

const labelsOfNs = (c: Cluster, name: string) =>
  namespaceLabels(c.namespaces.find((n) => n.name === name) ?? { name, labels: {} });
const podOf = (c: Cluster, namespace: string, key: string, value: string) =>
  c.pods.find((p) => p.namespace === namespace && p.labels[key] === value) ?? expect.fail(`pod ${namespace}`);
const asPeer = (c: Cluster, p: Pod): Endpoint => ({
  kind: 'pod',
  namespace: p.namespace,
  nsLabels: labelsOfNs(c, p.namespace),
  labels: p.labels,
  address: podAddress('10.1.0.0/16'),
});
const accepts = (c: Cluster, to: Pod, from: Pod, port: number) =>
  allowed(c, to, labelsOfNs(c, to.namespace), 'ingress', asPeer(c, from), { protocol: 'TCP', port });
const connects = (c: Cluster, from: Pod, to: Pod, port: number) =>
  allowed(c, from, labelsOfNs(c, from.namespace), 'egress', asPeer(c, to), { protocol: 'TCP', port }) &&
  accepts(c, to, from, port);

/** The pods that matter, by role. */
function roles(c: Cluster) {
  return {
    nginx: podOf(c, 'ingress-nginx', 'app.kubernetes.io/name', 'ingress-nginx'),
    debug: podOf(c, 'ingress-nginx', 'app', 'debug'),
    proxy: podOf(c, 'edge', 'gateway.networking.k8s.io/gateway-name', 'gw'),
    tenant: podOf(c, 'edge', 'app', 'tenant'),
    blog: podOf(c, 'blog', 'app', 'blog'),
    store: podOf(c, 'store', 'app', 'store'),
    curious: podOf(c, 'other', 'app', 'curious'),
  };
}

describe('remediate: the Ingress controllers and Gateway proxies found from the input', function () {
  this.timeout(120_000);
  let sim: SimulatedCluster;
  let dir: string;
  const kubeconfig = (token: string) => join(dir, token);

  before(async () => {
    sim = await SimulatedCluster.start({ enabledKinds: KINDS });
    await sim.loadManifests(CLUSTER);
    dir = await mkdtemp(join(tmpdir(), 'netpol-remediate-controllers-'));
    sim.addToken('full', [...EXPORTER_PERMISSIONS, ...ROUTES, ...CONTROLLERS]);
    sim.addToken('no-classes', [...EXPORTER_PERMISSIONS, ...ROUTES, ...CONTROLLERS.slice(1)]);
    for (const token of ['full', 'no-classes']) await sim.writeKubeconfig(kubeconfig(token), { token });
  });
  after(async () => {
    await sim?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("from a cluster: the backends admit the controller's and the proxy's pods only, and their traffic keeps flowing", async () => {
    const result = await runMain(remediateMain, ['--kubeconfig', kubeconfig('full')]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.contain(
      '   allow-controller-to-blog keeps pods app=blog reachable from pods app.kubernetes.io/name=ingress-nginx,app.kubernetes.io/instance=ingress-nginx,app.kubernetes.io/component=controller in ingress-nginx (Ingress blog/www: spec.ingressClassName nginx: controller k8s.io/ingress-nginx is ingress-nginx, whose pods Service ingress-nginx/ingress-nginx-controller selects',
    );
    expect(result.stderr).to.contain(
      '   allow-controller-to-store keeps pods app=store reachable from pods gateway.networking.k8s.io/gateway-name=gw in edge (HTTPRoute store/store: Gateway edge/gw of GatewayClass istio: controller istio.io/gateway-controller is Istio',
    );
    expect(result.stderr).to.contain(
      '   allow-egress-from-gw-istio keeps all egress from pods gateway.networking.k8s.io/gateway-name=gw: they are the Istio proxy behind Service gw-istio that HTTPRoute store/store forwards through, to backends anywhere, and may watch the API server.',
    );
    const c = applied(sim, result.stdout);
    const r = roles(c);
    // The controller's and the proxy's traffic keeps flowing to their backends...
    expect(connects(c, r.nginx, r.blog, 3000)).to.equal(true);
    expect(connects(c, r.proxy, r.store, 8080)).to.equal(true);
    // ... and nothing else is admitted: not their neighbours, not another namespace, not the other proxy.
    expect(accepts(c, r.blog, r.debug, 3000)).to.equal(false);
    expect(accepts(c, r.store, r.tenant, 8080)).to.equal(false);
    expect(accepts(c, r.blog, r.curious, 3000)).to.equal(false);
    expect(accepts(c, r.store, r.nginx, 8080)).to.equal(false);
    expect(accepts(c, r.blog, r.proxy, 3000)).to.equal(false);
  });

  it('from manifests: the same objects give the same policies, the class named by field, annotation or default', async () => {
    const fromCluster = await runMain(remediateMain, ['--kubeconfig', kubeconfig('full')]);
    const policies = (stdout: string) =>
      parseAllDocuments(stdout)
        .map((d) => d.toJS() as Obj | null)
        .filter(
          (o) => o?.kind === 'NetworkPolicy' && (o.metadata as { namespace: string }).namespace !== 'default',
        );
    const byField = CLUSTER;
    const byAnnotation = CLUSTER.replace('  ingressClassName: nginx\n', '').replace(
      'metadata: {name: www, namespace: blog}',
      'metadata: {name: www, namespace: blog, annotations: {kubernetes.io/ingress.class: nginx}}',
    );
    const byDefault = CLUSTER.replace('  ingressClassName: nginx\n', '').replace(
      'metadata: {name: nginx}',
      'metadata: {name: nginx, annotations: {ingressclass.kubernetes.io/is-default-class: "true"}}',
    );
    for (const [how, yaml] of Object.entries({ byField, byAnnotation, byDefault })) {
      expect(yaml, how).to.not.equal(how === 'byField' ? '' : CLUSTER);
      const fromManifests = await runMain(remediateMain, ['--manifests', '-'], yaml);
      expect(fromManifests.code, fromManifests.stderr).to.equal(0);
      expect(policies(fromManifests.stdout), how).to.deep.equal(policies(fromCluster.stdout));
    }
  });

  it('where IngressClasses may not be listed, the Ingress backend stays open to every source and remediate says why', async () => {
    const result = await runMain(remediateMain, ['--kubeconfig', kubeconfig('no-classes')]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.contain(
      'netpol-exporter: warning: not permitted to list ingressclasses; which controllers forward to Ingress and route backends is not known, so their allows admit every source\n',
    );
    expect(result.stderr).to.contain(
      '   allow-controller-to-blog keeps pods app=blog reachable from anywhere (Ingress blog/www: IngressClasses were not read, so its controller is not known; --ingress-controller-namespaces names where it runs) on TCP 3000',
    );
    const c = applied(sim, result.stdout);
    const r = roles(c);
    expect(connects(c, r.nginx, r.blog, 3000)).to.equal(true);
    expect(accepts(c, r.blog, r.curious, 3000)).to.equal(true);
    // The route's proxy was still found.
    expect(accepts(c, r.store, r.tenant, 8080)).to.equal(false);
    expect(connects(c, r.proxy, r.store, 8080)).to.equal(true);
  });

  it('--ingress-controller-namespaces overrides what is found, and --ingress-controller-detection=false leaves it open', async () => {
    const flag = await runMain(remediateMain, [
      '--kubeconfig',
      kubeconfig('full'),
      '--ingress-controller-namespaces=ingress-nginx,edge',
    ]);
    expect(flag.stderr).to.contain('reachable from ingress-nginx, edge (--ingress-controller-namespaces)');
    const flagged = applied(sim, flag.stdout);
    const f = roles(flagged);
    expect(connects(flagged, f.nginx, f.blog, 3000)).to.equal(true);
    expect(accepts(flagged, f.blog, f.debug, 3000)).to.equal(true);
    const off = await runMain(remediateMain, [
      '--kubeconfig',
      kubeconfig('full'),
      '--ingress-controller-detection=false',
    ]);
    const open = applied(sim, off.stdout);
    const o = roles(open);
    expect(connects(open, o.proxy, o.store, 8080)).to.equal(true);
    expect(accepts(open, o.store, o.curious, 8080)).to.equal(true);
  });

  it('--ingress-controller-detection takes true or false', async () => {
    const bad = await runMain(
      remediateMain,
      ['--manifests', '-', '--ingress-controller-detection=maybe'],
      CLUSTER,
    );
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.equal(
      'netpol-exporter remediate: --ingress-controller-detection takes true or false, not "maybe"\n',
    );
  });
});
