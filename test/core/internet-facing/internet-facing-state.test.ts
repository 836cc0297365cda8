// The exporter's incremental state must always say what the batch classifier says of the same objects, and call
// back exactly for the namespaces whose ways in changed.
import { expect } from 'chai';
import fc from 'fast-check';
import { classifyInternetFacing, viasOf } from '../../../src/core/internet-facing/classify.ts';
import {
  type IngressFacts,
  ingressFacts,
  type ReferenceGrantFacts,
  type RouteFacts,
  referenceGrantFacts,
  routeFacts,
  type ServiceFacts,
  serviceFacts,
} from '../../../src/core/internet-facing/facts.ts';
import {
  InternetFacingState,
  serviceEntries,
} from '../../../src/core/internet-facing/internet-facing-state.ts';

const NAMESPACES = ['a', 'b', 'c'];
const NAMES = ['x', 'y'];

const serviceArb = fc
  .record({
    ns: fc.constantFrom(...NAMESPACES),
    name: fc.constantFrom(...NAMES),
    type: fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer'),
    internal: fc.boolean(),
    externalIPs: fc.boolean(),
  })
  .map(
    (s) =>
      serviceFacts({
        metadata: {
          namespace: s.ns,
          name: s.name,
          annotations: s.internal
            ? { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' }
            : {},
        },
        spec: { type: s.type, ...(s.externalIPs ? { externalIPs: ['198.51.100.1'] } : {}) },
      }) as ServiceFacts,
  );
const ingressArb = fc
  .record({ ns: fc.constantFrom(...NAMESPACES), name: fc.constantFrom(...NAMES), backend: fc.boolean() })
  .map(
    (i) =>
      ingressFacts({
        metadata: { namespace: i.ns, name: i.name },
        spec: i.backend ? { defaultBackend: { service: { name: 's', port: { number: 80 } } } } : {},
      }) as IngressFacts,
  );
const routeArb = fc
  .record({
    ns: fc.constantFrom(...NAMESPACES),
    name: fc.constantFrom(...NAMES),
    to: fc.array(fc.constantFrom(...NAMESPACES), { maxLength: 2 }),
  })
  .map(
    (r) =>
      routeFacts('HTTPRoute', {
        metadata: { namespace: r.ns, name: r.name },
        spec: {
          parentRefs: [{ name: 'gw' }],
          rules: [{ backendRefs: r.to.map((ns) => ({ name: 'b', namespace: ns })) }],
        },
      }) as RouteFacts,
  );

/** A grant in a namespace for HTTPRoutes from one namespace, to every Service or to one by name. */
const grantArb = fc
  .record({
    ns: fc.constantFrom(...NAMESPACES),
    name: fc.constantFrom(...NAMES),
    from: fc.constantFrom(...NAMESPACES),
    kind: fc.constantFrom('HTTPRoute', 'GRPCRoute'),
    to: fc.constantFrom<string | undefined>(undefined, 'b', 'other'),
  })
  .map(
    (g) =>
      referenceGrantFacts({
        metadata: { namespace: g.ns, name: g.name },
        spec: {
          from: [{ group: 'gateway.networking.k8s.io', kind: g.kind, namespace: g.from }],
          to: [{ group: '', kind: 'Service', ...(g.to ? { name: g.to } : {}) }],
        },
      }) as ReferenceGrantFacts,
  );

type Op =
  | { op: 'service'; f: ServiceFacts }
  | { op: 'ingress'; f: IngressFacts }
  | { op: 'route'; f: RouteFacts }
  | { op: 'grant'; f: ReferenceGrantFacts }
  | { op: 'grants-known'; known: boolean }
  | { op: 'grants-gone' }
  | { op: 'delete'; kind: 'Service' | 'Ingress' | 'HTTPRoute' | 'ReferenceGrant'; ns: string; name: string };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  serviceArb.map((f) => ({ op: 'service' as const, f })),
  ingressArb.map((f) => ({ op: 'ingress' as const, f })),
  routeArb.map((f) => ({ op: 'route' as const, f })),
  grantArb.map((f) => ({ op: 'grant' as const, f })),
  fc.boolean().map((known) => ({ op: 'grants-known' as const, known })),
  fc.constant({ op: 'grants-gone' as const }),
  fc
    .record({
      kind: fc.constantFrom(
        'Service' as const,
        'Ingress' as const,
        'HTTPRoute' as const,
        'ReferenceGrant' as const,
      ),
      ns: fc.constantFrom(...NAMESPACES),
      name: fc.constantFrom(...NAMES),
    })
    .map((d) => ({ op: 'delete' as const, ...d })),
);

describe('InternetFacingState', () => {
  it('always agrees with the batch classifier (ReferenceGrants known or not), and calls back when (and only when) a namespace’s ways in change', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
        const state = new InternetFacingState();
        const seen = new Map<string, string>();
        state.onChange((ns, answer) => seen.set(ns, (answer?.vias ?? []).join()));
        const services = new Map<string, ServiceFacts>();
        const ingresses = new Map<string, IngressFacts>();
        const routes = new Map<string, RouteFacts>();
        const grants = new Map<string, ReferenceGrantFacts>();
        let known = false;
        for (const op of ops) {
          if (op.op === 'service') {
            services.set(`${op.f.namespace}/${op.f.name}`, op.f);
            state.putService(op.f.namespace, op.f.name, serviceEntries(op.f));
          } else if (op.op === 'ingress') {
            ingresses.set(`${op.f.namespace}/${op.f.name}`, op.f);
            state.upsertIngress(op.f);
          } else if (op.op === 'route') {
            routes.set(`${op.f.namespace}/${op.f.name}`, op.f);
            state.upsertRoute(op.f);
          } else if (op.op === 'grant') {
            grants.set(`${op.f.namespace}/${op.f.name}`, op.f);
            state.upsertReferenceGrant(op.f);
          } else if (op.op === 'grants-known') {
            // Forbidden, or listed in full (again): the grants held stay, as the watch's cache keeps them.
            known = op.known;
            state.setReferenceGrantsKnown(op.known);
          } else if (op.op === 'grants-gone') {
            // The kind is no longer served: its watch and cache are gone.
            grants.clear();
            known = false;
            state.clearKind('ReferenceGrant');
          } else {
            const key = `${op.ns}/${op.name}`;
            if (op.kind === 'Service') {
              services.delete(key);
              state.deleteService(op.ns, op.name);
            } else if (op.kind === 'Ingress') {
              ingresses.delete(key);
              state.deleteIngress(op.ns, op.name);
            } else if (op.kind === 'ReferenceGrant') {
              grants.delete(key);
              state.deleteReferenceGrant(op.ns, op.name);
            } else {
              routes.delete(key);
              state.deleteRoute('HTTPRoute', op.ns, op.name);
            }
          }
        }
        const batch = classifyInternetFacing({
          services: services.values(),
          ingresses: ingresses.values(),
          routes: routes.values(),
          referenceGrants: known ? grants.values() : undefined,
        });
        const rules = (entries: readonly { object: { kind: string; name: string }; rule: string }[]) =>
          entries.map((e) => `${e.object.kind} ${e.object.name}: ${e.rule}`).sort();
        for (const ns of NAMESPACES) {
          const want = viasOf(batch.byNamespace.get(ns) ?? []);
          expect(state.answer(ns)?.vias ?? [], ns).to.deep.equal(want);
          // Each entry point's rule too: what a grant allows, or that grants are not known, is said as it is now.
          expect(rules(state.entryPoints(ns)), ns).to.deep.equal(rules(batch.byNamespace.get(ns) ?? []));
          // The last callback for the namespace said what holds now (no callback: it never faced the internet).
          expect(seen.get(ns) ?? '', ns).to.equal(want.join());
        }
      }),
      { numRuns: 300 },
    );
  });
});
