// Applying remediate's output must never take a public service down. Checked with the brute-force reference model
// (test/reference/model.ts, written from the NetworkPolicy spec, not from src): after the default deny plus the
// entry-point allows, a client on the internet still reaches the pods behind a LoadBalancer or NodePort Service
// on its target port, and an Ingress controller still reaches (egress) and is accepted by (ingress) its backends.
import { expect } from 'chai';
import { classifyInternetFacing, type EntryPoint } from '../../src/core/internet-facing/classify.ts';
import { type ControllerAnswer, findForwarders } from '../../src/core/internet-facing/controllers.ts';
import {
  gatewayClassFacts,
  gatewayFacts,
  ingressClassFacts,
  ingressFacts,
  routeFacts,
  type ServiceFacts,
  serviceFacts,
} from '../../src/core/internet-facing/facts.ts';
import { entryPointAllows } from '../../src/remediate/entry-points.ts';
import { remediationPolicies } from '../../src/remediate/policies.ts';
import { address, podAddress } from '../reference/addresses.ts';
import { allowed, type Cluster, type Endpoint, namespaceLabels, type Pod } from '../reference/model.ts';

const svc = (namespace: string, name: string, spec: object) =>
  serviceFacts({ metadata: { namespace, name }, spec }) as ServiceFacts;

const NGINX = {
  'app.kubernetes.io/name': 'ingress-nginx',
  'app.kubernetes.io/instance': 'ingress-nginx',
  'app.kubernetes.io/component': 'controller',
};
const SERVICES = [
  svc('shop', 'web', {
    type: 'LoadBalancer',
    selector: { app: 'web' },
    ports: [{ port: 80, targetPort: 8080 }],
  }),
  svc('shop', 'admin', {
    type: 'NodePort',
    selector: { app: 'admin' },
    ports: [{ port: 9000, nodePort: 30900 }],
  }),
  svc('ingress-nginx', 'controller', {
    type: 'LoadBalancer',
    selector: NGINX,
    ports: [{ port: 443, targetPort: 8443 }],
  }),
  // Istio's per-Gateway proxy, deployed in the Gateway's namespace.
  svc('edge', 'gw-istio', {
    type: 'LoadBalancer',
    selector: { 'gateway.networking.k8s.io/gateway-name': 'gw' },
    ports: [{ port: 80, targetPort: 8080 }],
  }),
  svc('blog', 'blog', {
    type: 'ClusterIP',
    selector: { app: 'blog' },
    ports: [{ port: 80, targetPort: 3000 }],
  }),
  svc('store', 'store-v1', {
    type: 'ClusterIP',
    selector: { app: 'store' },
    ports: [{ port: 8080, targetPort: 8080 }],
  }),
];
const INGRESSES = [
  ingressFacts({
    metadata: { namespace: 'blog', name: 'www' },
    spec: {
      ingressClassName: 'nginx',
      defaultBackend: { service: { name: 'blog', port: { number: 80 } } },
    },
  }),
].filter((x) => x !== undefined);
const ROUTES = [
  routeFacts('HTTPRoute', {
    metadata: { namespace: 'store', name: 'store' },
    spec: {
      parentRefs: [{ name: 'gw', namespace: 'edge' }],
      rules: [{ backendRefs: [{ name: 'store-v1', port: 8080 }] }],
    },
  }),
].filter((x) => x !== undefined);
const answer = classifyInternetFacing({
  services: SERVICES,
  ingresses: INGRESSES,
  routes: ROUTES,
  referenceGrants: [],
});
/** What remediate finds from the input's IngressClass, GatewayClass and Gateway. */
const FOUND: ControllerAnswer = findForwarders(INGRESSES, ROUTES, {
  services: SERVICES,
  ingressClasses: [
    ingressClassFacts({ metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } }),
  ].filter((x) => x !== undefined),
  gatewayClasses: [
    gatewayClassFacts({
      metadata: { name: 'istio' },
      spec: { controllerName: 'istio.io/gateway-controller' },
    }),
  ].filter((x) => x !== undefined),
  gateways: [
    gatewayFacts({ metadata: { namespace: 'edge', name: 'gw' }, spec: { gatewayClassName: 'istio' } }),
  ].filter((x) => x !== undefined),
});
const services = new Map(SERVICES.map((s) => [`${s.namespace}/${s.name}`, s]));
const NAMESPACES = ['shop', 'ingress-nginx', 'edge', 'blog', 'store', 'other'];
const PODS: Pod[] = [
  { namespace: 'shop', labels: { app: 'web' } },
  { namespace: 'shop', labels: { app: 'admin' } },
  { namespace: 'shop', labels: { app: 'worker' } },
  { namespace: 'ingress-nginx', labels: { ...NGINX } },
  // Beside the controller: a pod of its namespace that is not it (a cert job, a debug pod).
  { namespace: 'ingress-nginx', labels: { app: 'debug' } },
  {
    namespace: 'edge',
    labels: { 'gateway.networking.k8s.io/gateway-name': 'gw', 'istio.io/rev': 'default' },
  },
  { namespace: 'edge', labels: { app: 'tenant' } },
  { namespace: 'blog', labels: { app: 'blog' } },
  { namespace: 'store', labels: { app: 'store' } },
  { namespace: 'other', labels: { app: 'curious' } },
];

/**
 * Every namespace remediated with --mode=deny-all (no DNS, to keep the model small) plus, if asked, the allows:
 * `controllers` is --ingress-controller-namespaces, `found` what remediate found from the input.
 */
function remediated(controllers: string[] | undefined, withAllows = true, found?: ControllerAnswer): Cluster {
  const policies = NAMESPACES.flatMap((ns) => {
    const base = remediationPolicies(ns, {
      mode: 'deny-all',
      allowDns: false,
      dnsNamespaces: [],
      dnsPodLabels: {},
    });
    if (!withAllows) return base;
    const entries: EntryPoint[] = answer.byNamespace.get(ns) ?? [];
    const plan = entryPointAllows(ns, entries, {
      services,
      controllerNamespaces: controllers,
      // Found: no Ingress or route is left whose controller is unknown.
      controllersForward: found === undefined,
      controllers: found,
    });
    return [...base, ...plan.policies];
  });
  return { namespaces: NAMESPACES.map((name) => ({ name, labels: {} })), pods: PODS, policies };
}

const pod = (namespace: string, app: string) =>
  PODS.find(
    (p) =>
      p.namespace === namespace &&
      (p.labels.app ??
        p.labels['app.kubernetes.io/name'] ??
        p.labels['gateway.networking.k8s.io/gateway-name']) === app,
  ) as Pod;
const nginx = () => pod('ingress-nginx', 'ingress-nginx');
const istio = () => pod('edge', 'gw');
const nsLabels = (name: string) => namespaceLabels({ name, labels: {} });
const internet: Endpoint = { kind: 'address', address: address('203.0.113.9') };
/** A control-plane node's address: what the `kubernetes` Service's ClusterIP is translated to. */
const apiServer: Endpoint = { kind: 'address', address: address('172.18.0.2') };
const asPeer = (p: Pod): Endpoint => ({
  kind: 'pod',
  namespace: p.namespace,
  nsLabels: nsLabels(p.namespace),
  labels: p.labels,
  address: podAddress('10.1.0.0/16'),
});
const accepts = (c: Cluster, to: Pod, from: Endpoint, port: number) =>
  allowed(c, to, nsLabels(to.namespace), 'ingress', from, { protocol: 'TCP', port });
/** A connection between two pods works only if the sender may send and the receiver accepts. */
const connects = (c: Cluster, from: Pod, to: Pod, port: number) =>
  allowed(c, from, nsLabels(from.namespace), 'egress', asPeer(to), { protocol: 'TCP', port }) &&
  accepts(c, to, asPeer(from), port);

describe('remediate keeps public entry points working (reference model)', () => {
  const modes: [string, string[] | undefined, ControllerAnswer | undefined][] = [
    ['when the controller is not known', undefined, undefined],
    ['with --ingress-controller-namespaces', ['ingress-nginx', 'edge'], undefined],
    ['when the controllers are found from the input', undefined, FOUND],
  ];
  for (const [title, controllers, found] of modes) {
    describe(title, () => {
      const c = remediated(controllers, true, found);

      it('the internet reaches the pods behind the LoadBalancer and NodePort Services on their target ports', () => {
        expect(accepts(c, pod('shop', 'web'), internet, 8080)).to.equal(true);
        expect(accepts(c, pod('shop', 'admin'), internet, 9000)).to.equal(true);
        expect(accepts(c, nginx(), internet, 8443)).to.equal(true);
        expect(accepts(c, istio(), internet, 8080)).to.equal(true);
      });

      it('the Ingress controller and the Gateway proxy still reach their backends', () => {
        expect(connects(c, nginx(), pod('blog', 'blog'), 3000)).to.equal(true);
        expect(connects(c, istio(), pod('store', 'store'), 8080)).to.equal(true);
      });

      it('the Ingress controller still reaches the API server, outside the pod network (it watches Ingresses)', () => {
        expect(
          allowed(c, nginx(), nsLabels('ingress-nginx'), 'egress', apiServer, {
            protocol: 'TCP',
            port: 6443,
          }),
        ).to.equal(true);
      });

      it('and nothing else opens: other ports, other pods, and other namespaces stay closed', () => {
        expect(accepts(c, pod('shop', 'web'), internet, 22)).to.equal(false);
        expect(accepts(c, pod('shop', 'worker'), internet, 8080)).to.equal(false);
        if (controllers || found) {
          expect(connects(c, pod('other', 'curious'), pod('blog', 'blog'), 3000)).to.equal(false);
          expect(connects(c, pod('other', 'curious'), pod('store', 'store'), 8080)).to.equal(false);
        }
        if (found) {
          // Found from the input, the allows name the proxy pods: their neighbours stay out, and so does the internet.
          expect(accepts(c, pod('blog', 'blog'), asPeer(pod('ingress-nginx', 'debug')), 3000)).to.equal(
            false,
          );
          expect(accepts(c, pod('store', 'store'), asPeer(pod('edge', 'tenant')), 8080)).to.equal(false);
          expect(connects(c, nginx(), pod('store', 'store'), 8080)).to.equal(false);
          expect(accepts(c, pod('blog', 'blog'), internet, 3000)).to.equal(false);
          // The proxy's egress allow is the proxy's: the pods beside it keep the default deny's egress.
          const sends = (from: Pod) =>
            allowed(c, from, nsLabels(from.namespace), 'egress', asPeer(pod('store', 'store')), {
              protocol: 'TCP',
              port: 8080,
            });
          expect(sends(istio())).to.equal(true);
          expect(sends(pod('edge', 'tenant'))).to.equal(false);
          expect(sends(pod('ingress-nginx', 'debug'))).to.equal(false);
        }
      });
    });
  }

  it('without the entry-point allows the default deny would take every one of them down', () => {
    const c = remediated(undefined, false);
    expect(accepts(c, pod('shop', 'web'), internet, 8080)).to.equal(false);
    expect(connects(c, nginx(), pod('blog', 'blog'), 3000)).to.equal(false);
    expect(connects(c, istio(), pod('store', 'store'), 8080)).to.equal(false);
  });

  it('names each allow and why, and says what it cannot keep', () => {
    const shop = entryPointAllows('shop', answer.byNamespace.get('shop') ?? [], {
      services,
      controllerNamespaces: ['ingress-nginx'],
      controllersForward: true,
    });
    expect(shop.lines).to.deep.equal([
      "allow-internet-to-admin keeps pods app=admin reachable from anywhere on TCP 9000: Service admin faces the internet (type NodePort: every node's address on 30900).",
      'allow-internet-to-web keeps pods app=web reachable from anywhere on TCP 8080: Service web faces the internet (type LoadBalancer with no internal annotation and no source ranges).',
    ]);
    const blog = entryPointAllows('blog', answer.byNamespace.get('blog') ?? [], {
      services: new Map(),
      controllerNamespaces: undefined,
      controllersForward: true,
    });
    expect(blog.policies).to.deep.equal([]);
    expect(blog.lines[0]).to.include('Service blog, which is not in the input');
  });
});
