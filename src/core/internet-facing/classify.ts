// Which namespaces the outside reaches, and through what: each entry point names the object that opens it and the
// rule that decided, and so does each object that looked like one but is not (an internal load balancer, a route
// attached to no Gateway). Pure: slim facts in, answers out.
import {
  type BackendFacts,
  GATEWAY_GROUP,
  type IngressFacts,
  type ReferenceGrantFacts,
  type RouteFacts,
  type ServiceFacts,
} from './facts.ts';
import { judgeLoadBalancer } from './internal-load-balancer.ts';

/** The ways in, as the metric's `via` label spells them. */
const INTERNET_VIAS = ['load_balancer', 'node_port', 'external_ip', 'ingress', 'gateway_route'] as const;
export type InternetVia = (typeof INTERNET_VIAS)[number];

export interface ObjectRef {
  kind: string;
  namespace: string;
  name: string;
}

/** `Kind namespace/name`: how reports name the object, and the key of the audit's `file:line` locations. */
export const objectText = (o: ObjectRef): string => `${o.kind} ${o.namespace}/${o.name}`;

export interface EntryPoint {
  /** The namespace the outside reaches (for a route, its backend's namespace). */
  namespace: string;
  via: InternetVia;
  object: ObjectRef;
  rule: string;
  /** For an Ingress or a route: the backends in `namespace` the traffic lands on. */
  backends?: BackendFacts[];
}

/** An object that could have opened a namespace but does not, and why. */
export interface NotAnEntryPoint {
  object: ObjectRef;
  rule: string;
}

export interface InternetFacingInput {
  services: Iterable<ServiceFacts>;
  ingresses: Iterable<IngressFacts>;
  routes: Iterable<RouteFacts>;
  /** Undefined when not known (not read): a cross-namespace backendRef then counts, as it may be allowed. */
  referenceGrants: Iterable<ReferenceGrantFacts> | undefined;
}

export interface InternetFacingAnswer {
  /** Per namespace, its entry points; namespaces without one are absent. */
  byNamespace: Map<string, EntryPoint[]>;
  notEntryPoints: NotAnEntryPoint[];
}

const ref = (kind: string, o: { namespace: string; name: string }): ObjectRef => ({
  kind,
  namespace: o.namespace,
  name: o.name,
});

export function serviceEntryPoints(service: ServiceFacts): { entries: EntryPoint[]; not: NotAnEntryPoint[] } {
  const object = ref('Service', service);
  const entries: EntryPoint[] = [];
  const not: NotAnEntryPoint[] = [];
  const at = (via: InternetVia, rule: string) =>
    entries.push({ namespace: service.namespace, via, object, rule });
  if (service.type === 'LoadBalancer') {
    const verdict = judgeLoadBalancer(service.annotations, service.loadBalancerSourceRanges);
    if (verdict.internetFacing) at('load_balancer', verdict.rule);
    else not.push({ object, rule: verdict.rule });
  } else if (service.type === 'NodePort') {
    const ports = service.ports.map((p) => p.nodePort).filter((p) => p !== undefined);
    at('node_port', `type NodePort: every node's address${ports.length ? ` on ${ports.join(', ')}` : ''}`);
  }
  if (service.externalIPs.length > 0) at('external_ip', `spec.externalIPs ${service.externalIPs.join(', ')}`);
  return { entries, not };
}

export function ingressEntryPoints(ingress: IngressFacts): { entries: EntryPoint[]; not: NotAnEntryPoint[] } {
  const object = ref('Ingress', ingress);
  if (ingress.backends.length === 0)
    return { entries: [], not: [{ object, rule: 'the Ingress names no backend' }] };
  const names = [...new Set(ingress.backends.map((b) => b.name))].sort();
  return {
    entries: [
      {
        namespace: ingress.namespace,
        via: 'ingress',
        object,
        rule: `Ingress backends ${names.join(', ')} (an Ingress's backends live in its own namespace)`,
        backends: ingress.backends,
      },
    ],
    not: [],
  };
}

/** A ReferenceGrant in the backend's namespace lets this route kind from the route's namespace refer to it. */
function granted(route: RouteFacts, backend: BackendFacts, grants: readonly ReferenceGrantFacts[]): boolean {
  return grants.some(
    (g) =>
      g.namespace === backend.namespace &&
      g.from.some(
        (f) => f.group === GATEWAY_GROUP && f.kind === route.kind && f.namespace === route.namespace,
      ) &&
      g.to.some(
        (t) =>
          t.group === backend.group &&
          t.kind === backend.kind &&
          (t.name === undefined || t.name === backend.name),
      ),
  );
}

export function routeEntryPoints(
  route: RouteFacts,
  grants: readonly ReferenceGrantFacts[] | undefined,
): { entries: EntryPoint[]; not: NotAnEntryPoint[] } {
  const object = ref(route.kind, route);
  const gateways = route.parents.filter((p) => p.group === GATEWAY_GROUP && p.kind === 'Gateway');
  if (gateways.length === 0) {
    const rule =
      route.parents.length === 0
        ? 'the route names no parent Gateway'
        : 'the route attaches to no Gateway (a Service parent is mesh traffic inside the cluster)';
    return { entries: [], not: [{ object, rule }] };
  }
  const parents = gateways.map((g) => `${g.namespace}/${g.name}`).join(', ');
  const byNamespace = new Map<string, { backends: BackendFacts[]; note: string }>();
  const not: NotAnEntryPoint[] = [];
  for (const backend of route.backends) {
    let note = '';
    if (backend.namespace !== route.namespace) {
      if (grants === undefined)
        note =
          '; ReferenceGrants not known (not read, or not all in the input), so the cross-namespace reference counts';
      else if (!granted(route, backend, grants)) {
        not.push({
          object,
          rule: `backendRef ${backend.namespace}/${backend.name} is not allowed by any ReferenceGrant in ${backend.namespace}`,
        });
        continue;
      } else note = `; allowed by a ReferenceGrant in ${backend.namespace}`;
    }
    const seen = byNamespace.get(backend.namespace);
    if (seen) seen.backends.push(backend);
    else byNamespace.set(backend.namespace, { backends: [backend], note });
  }
  const entries: EntryPoint[] = [];
  for (const [namespace, { backends, note }] of byNamespace) {
    const names = [...new Set(backends.map((b) => b.name))].sort().join(', ');
    entries.push({
      namespace,
      via: 'gateway_route',
      object,
      rule: `${route.kind} on Gateway ${parents} sends traffic to ${names}${note}`,
      backends,
    });
  }
  if (entries.length === 0 && not.length === 0) not.push({ object, rule: 'the route names no backend' });
  return { entries, not };
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Every namespace the outside reaches, each entry point with its object and rule, in a stable order. */
export function classifyInternetFacing(input: InternetFacingInput): InternetFacingAnswer {
  const grants = input.referenceGrants === undefined ? undefined : [...input.referenceGrants];
  const byNamespace = new Map<string, EntryPoint[]>();
  const notEntryPoints: NotAnEntryPoint[] = [];
  const take = ({ entries, not }: { entries: EntryPoint[]; not: NotAnEntryPoint[] }) => {
    for (const entry of entries) {
      const list = byNamespace.get(entry.namespace) ?? [];
      if (list.length === 0) byNamespace.set(entry.namespace, list);
      list.push(entry);
    }
    notEntryPoints.push(...not);
  };
  for (const s of input.services) take(serviceEntryPoints(s));
  for (const i of input.ingresses) take(ingressEntryPoints(i));
  for (const r of input.routes) take(routeEntryPoints(r, grants));
  const order = (e: EntryPoint) =>
    `${INTERNET_VIAS.indexOf(e.via)}\u0000${e.object.kind}\u0000${e.object.name}`;
  for (const list of byNamespace.values()) list.sort((a, b) => compare(order(a), order(b)));
  return {
    byNamespace: new Map([...byNamespace].sort(([a], [b]) => compare(a, b))),
    notEntryPoints,
  };
}

/** The distinct ways a namespace is reached, in the metric's order. */
export function viasOf(entries: readonly EntryPoint[]): InternetVia[] {
  const seen = new Set(entries.map((e) => e.via));
  return INTERNET_VIAS.filter((v) => seen.has(v));
}
