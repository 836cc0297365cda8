// Applying remediate's output must never take a public service down. Checked with the brute-force reference model
// (test/reference/model.ts, written from the NetworkPolicy spec, not from src): after the default deny plus the
// entry-point allows, a client on the internet still reaches the pods behind a LoadBalancer or NodePort Service
// on its target port, and an Ingress controller still reaches (egress) and is accepted by (ingress) its backends.
import { expect } from 'chai';
import { classifyInternetFacing, type EntryPoint } from '../../src/core/internet-facing/classify.ts';
import {
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
    selector: { app: 'ingress-nginx' },
    ports: [{ port: 443, targetPort: 8443 }],
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
const answer = classifyInternetFacing({
  services: SERVICES,
  ingresses: [
    ingressFacts({
      metadata: { namespace: 'blog', name: 'www' },
      spec: { defaultBackend: { service: { name: 'blog', port: { number: 80 } } } },
    }),
  ].filter((x) => x !== undefined),
  routes: [
    routeFacts('HTTPRoute', {
      metadata: { namespace: 'store', name: 'store' },
      spec: {
        parentRefs: [{ name: 'gw', namespace: 'ingress-nginx' }],
        rules: [{ backendRefs: [{ name: 'store-v1', port: 8080 }] }],
      },
    }),
  ].filter((x) => x !== undefined),
  referenceGrants: [],
});
const services = new Map(SERVICES.map((s) => [`${s.namespace}/${s.name}`, s]));
const NAMESPACES = ['shop', 'ingress-nginx', 'blog', 'store', 'other'];
const PODS: Pod[] = [
  { namespace: 'shop', labels: { app: 'web' } },
  { namespace: 'shop', labels: { app: 'admin' } },
  { namespace: 'shop', labels: { app: 'worker' } },
  { namespace: 'ingress-nginx', labels: { app: 'ingress-nginx' } },
  { namespace: 'blog', labels: { app: 'blog' } },
  { namespace: 'store', labels: { app: 'store' } },
  { namespace: 'other', labels: { app: 'curious' } },
];

/** Every namespace remediated with --mode=deny-all (no DNS, to keep the model small) plus, if asked, the allows. */
function remediated(controllers: string[] | undefined, withAllows = true): Cluster {
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
      controllersForward: true,
    });
    return [...base, ...plan.policies];
  });
  return { namespaces: NAMESPACES.map((name) => ({ name, labels: {} })), pods: PODS, policies };
}

const pod = (namespace: string, app: string) =>
  PODS.find((p) => p.namespace === namespace && p.labels.app === app) as Pod;
const nsLabels = (name: string) => namespaceLabels({ name, labels: {} });
const internet: Endpoint = { kind: 'address', address: address('203.0.113.9') };
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
  for (const controllers of [undefined, ['ingress-nginx']]) {
    describe(
      controllers ? 'with --ingress-controller-namespaces' : 'when the controller is not known',
      () => {
        const c = remediated(controllers);

        it('the internet reaches the pods behind the LoadBalancer and NodePort Services on their target ports', () => {
          expect(accepts(c, pod('shop', 'web'), internet, 8080)).to.equal(true);
          expect(accepts(c, pod('shop', 'admin'), internet, 9000)).to.equal(true);
          expect(accepts(c, pod('ingress-nginx', 'ingress-nginx'), internet, 8443)).to.equal(true);
        });

        it('the Ingress controller still reaches the Ingress and route backends', () => {
          expect(connects(c, pod('ingress-nginx', 'ingress-nginx'), pod('blog', 'blog'), 3000)).to.equal(
            true,
          );
          expect(connects(c, pod('ingress-nginx', 'ingress-nginx'), pod('store', 'store'), 8080)).to.equal(
            true,
          );
        });

        it('and nothing else opens: other ports, other pods, and other namespaces stay closed', () => {
          expect(accepts(c, pod('shop', 'web'), internet, 22)).to.equal(false);
          expect(accepts(c, pod('shop', 'worker'), internet, 8080)).to.equal(false);
          if (controllers)
            expect(connects(c, pod('other', 'curious'), pod('blog', 'blog'), 3000)).to.equal(false);
        });
      },
    );
  }

  it('without the entry-point allows the default deny would take every one of them down', () => {
    const c = remediated(undefined, false);
    expect(accepts(c, pod('shop', 'web'), internet, 8080)).to.equal(false);
    expect(connects(c, pod('ingress-nginx', 'ingress-nginx'), pod('blog', 'blog'), 3000)).to.equal(false);
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
