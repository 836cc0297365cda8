// Slim facts of the objects that open a namespace to the outside: Services, Ingresses, Gateway API routes and the
// ReferenceGrants that let a route reach into another namespace. Only the fields that decide internet-facing and
// what remediation must keep open; every reader tolerates malformed input (undefined for an object without a name).
import { isObject, objectKey } from '../facts.ts';
import { LOAD_BALANCER_ANNOTATIONS } from './internal-load-balancer.ts';

export interface ServicePortFacts {
  /** The port's name, which an Ingress backend may use instead of its number. */
  name?: string;
  port: number;
  /** The pods' port: a number, or a container port's name; defaults to `port` as the API server does. */
  targetPort: number | string;
  protocol: string;
  nodePort?: number;
}

export interface ServiceFacts {
  namespace: string;
  name: string;
  /** spec.type, `ClusterIP` when absent. */
  type: string;
  /** spec.selector; undefined when the Service has none (its endpoints are managed by hand). */
  selector: Record<string, string> | undefined;
  ports: ServicePortFacts[];
  externalIPs: string[];
  loadBalancerSourceRanges: string[];
  /** Only the annotations that make a load balancer internal or restrict its sources. */
  annotations: Record<string, string>;
}

/** A backend an Ingress or a route sends traffic to (a Service unless kind says otherwise). */
export interface BackendFacts {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  /** The Service port (number or, for an Ingress, a port name); undefined when not given. */
  port: number | string | undefined;
}

export interface IngressFacts {
  namespace: string;
  name: string;
  backends: BackendFacts[];
  /** The IngressClass it names, and where: which controller serves it. Absent when it names none. */
  ingressClass?: { name: string; field: string };
}

/** The annotation that named an Ingress's class before spec.ingressClassName (still honoured by most controllers). */
export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

const ROUTE_KINDS = ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'] as const;
export type RouteKind = (typeof ROUTE_KINDS)[number];
export const GATEWAY_GROUP = 'gateway.networking.k8s.io';

export interface ParentRefFacts {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface RouteFacts {
  kind: RouteKind;
  namespace: string;
  name: string;
  parents: ParentRefFacts[];
  backends: BackendFacts[];
}

export interface ReferenceGrantFacts {
  namespace: string;
  name: string;
  from: { group: string; kind: string; namespace: string }[];
  to: { group: string; kind: string; name: string | undefined }[];
}

type Json = Record<string, unknown>;

const str = (value: unknown, fallback = ''): string => (typeof value === 'string' ? value : fallback);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const strings = (value: unknown): string[] => list(value).filter((v): v is string => typeof v === 'string');
const portValue = (value: unknown): number | string | undefined =>
  typeof value === 'number' && Number.isInteger(value)
    ? value
    : typeof value === 'string' && value
      ? value
      : undefined;

function keyOf(
  obj: unknown,
  defaultNamespace: string,
): { namespace: string; name: string; metadata: Json } | undefined {
  const key = objectKey(obj);
  if (!key || !isObject(obj)) return undefined;
  return { name: key.name, namespace: key.namespace || defaultNamespace, metadata: obj.metadata as Json };
}

export function serviceFacts(obj: unknown, defaultNamespace = 'default'): ServiceFacts | undefined {
  const key = keyOf(obj, defaultNamespace);
  if (!key) return undefined;
  const spec = isObject((obj as Json).spec) ? ((obj as Json).spec as Json) : {};
  const annotations: Record<string, string> = {};
  if (isObject(key.metadata.annotations))
    for (const [k, v] of Object.entries(key.metadata.annotations))
      if (typeof v === 'string' && LOAD_BALANCER_ANNOTATIONS.has(k)) annotations[k] = v;
  const ports: ServicePortFacts[] = [];
  for (const p of list(spec.ports)) {
    if (!isObject(p) || typeof p.port !== 'number') continue;
    const port: ServicePortFacts = {
      port: p.port,
      targetPort: portValue(p.targetPort) ?? p.port,
      protocol: str(p.protocol, 'TCP'),
    };
    if (typeof p.nodePort === 'number') port.nodePort = p.nodePort;
    if (typeof p.name === 'string' && p.name !== '') port.name = p.name;
    ports.push(port);
  }
  let selector: Record<string, string> | undefined;
  if (isObject(spec.selector)) {
    selector = {};
    for (const [k, v] of Object.entries(spec.selector)) if (typeof v === 'string') selector[k] = v;
  }
  return {
    namespace: key.namespace,
    name: key.name,
    type: str(spec.type, 'ClusterIP') || 'ClusterIP',
    selector,
    ports,
    externalIPs: strings(spec.externalIPs),
    loadBalancerSourceRanges: strings(spec.loadBalancerSourceRanges),
    annotations,
  };
}

function ingressBackend(value: unknown, namespace: string): BackendFacts | undefined {
  if (!isObject(value)) return undefined;
  if (isObject(value.service) && typeof value.service.name === 'string') {
    const port = isObject(value.service.port)
      ? (portValue(value.service.port.number) ?? portValue(value.service.port.name))
      : undefined;
    return { group: '', kind: 'Service', namespace, name: value.service.name, port };
  }
  if (isObject(value.resource) && typeof value.resource.name === 'string')
    return {
      group: str(value.resource.apiGroup),
      kind: str(value.resource.kind),
      namespace,
      name: value.resource.name,
      port: undefined,
    };
  return undefined;
}

/** networking.k8s.io/v1 Ingress: an Ingress's backends always live in its own namespace. */
export function ingressFacts(obj: unknown, defaultNamespace = 'default'): IngressFacts | undefined {
  const key = keyOf(obj, defaultNamespace);
  if (!key) return undefined;
  const spec = isObject((obj as Json).spec) ? ((obj as Json).spec as Json) : {};
  const backends: BackendFacts[] = [];
  const add = (b: BackendFacts | undefined) => {
    if (b) backends.push(b);
  };
  add(ingressBackend(spec.defaultBackend, key.namespace));
  for (const rule of list(spec.rules)) {
    if (!isObject(rule) || !isObject(rule.http)) continue;
    for (const path of list(rule.http.paths))
      if (isObject(path)) add(ingressBackend(path.backend, key.namespace));
  }
  const facts: IngressFacts = { namespace: key.namespace, name: key.name, backends };
  // The field wins over the annotation, as the API server and the controllers read them.
  const annotation = isObject(key.metadata.annotations)
    ? key.metadata.annotations[INGRESS_CLASS_ANNOTATION]
    : undefined;
  if (typeof spec.ingressClassName === 'string' && spec.ingressClassName !== '')
    facts.ingressClass = { name: spec.ingressClassName, field: 'spec.ingressClassName' };
  else if (typeof annotation === 'string' && annotation !== '')
    facts.ingressClass = { name: annotation, field: `annotation ${INGRESS_CLASS_ANNOTATION}` };
  return facts;
}

function routeBackend(value: unknown, routeNamespace: string): BackendFacts | undefined {
  if (!isObject(value) || typeof value.name !== 'string' || value.name === '') return undefined;
  return {
    group: str(value.group),
    kind: str(value.kind, 'Service') || 'Service',
    namespace: str(value.namespace) || routeNamespace,
    name: value.name,
    port: portValue(value.port),
  };
}

/** A Gateway API route: the backends of every rule, and of HTTP request mirrors (mirrored traffic reaches them too). */
export function routeFacts(
  kind: RouteKind,
  obj: unknown,
  defaultNamespace = 'default',
): RouteFacts | undefined {
  const key = keyOf(obj, defaultNamespace);
  if (!key) return undefined;
  const spec = isObject((obj as Json).spec) ? ((obj as Json).spec as Json) : {};
  const parents: ParentRefFacts[] = [];
  for (const p of list(spec.parentRefs)) {
    if (!isObject(p) || typeof p.name !== 'string') continue;
    parents.push({
      group: str(p.group, GATEWAY_GROUP),
      kind: str(p.kind, 'Gateway') || 'Gateway',
      namespace: str(p.namespace) || key.namespace,
      name: p.name,
    });
  }
  const backends: BackendFacts[] = [];
  for (const rule of list(spec.rules)) {
    if (!isObject(rule)) continue;
    for (const ref of list(rule.backendRefs)) {
      const b = routeBackend(ref, key.namespace);
      if (b) backends.push(b);
    }
    for (const filter of list(rule.filters)) {
      if (!isObject(filter) || !isObject(filter.requestMirror)) continue;
      const b = routeBackend(filter.requestMirror.backendRef, key.namespace);
      if (b) backends.push(b);
    }
  }
  return { kind, namespace: key.namespace, name: key.name, parents, backends };
}

export function referenceGrantFacts(
  obj: unknown,
  defaultNamespace = 'default',
): ReferenceGrantFacts | undefined {
  const key = keyOf(obj, defaultNamespace);
  if (!key) return undefined;
  const spec = isObject((obj as Json).spec) ? ((obj as Json).spec as Json) : {};
  return {
    namespace: key.namespace,
    name: key.name,
    from: list(spec.from)
      .filter(isObject)
      .map((f) => ({ group: str(f.group), kind: str(f.kind), namespace: str(f.namespace) })),
    to: list(spec.to)
      .filter(isObject)
      .map((t) => ({
        group: str(t.group),
        kind: str(t.kind),
        name: typeof t.name === 'string' ? t.name : undefined,
      })),
  };
}

/** networking.k8s.io/v1 IngressClass (cluster-scoped): the controller that serves Ingresses of this class. */
export interface IngressClassFacts {
  name: string;
  controller: string;
  /** Annotated ingressclass.kubernetes.io/is-default-class: "true": Ingresses that name no class get it. */
  isDefault: boolean;
}

/** gateway.networking.k8s.io GatewayClass (cluster-scoped): the controller that serves Gateways of this class. */
export interface GatewayClassFacts {
  name: string;
  controllerName: string;
}

/** gateway.networking.k8s.io Gateway: the class that decides which controller (and proxy) serves it. */
export interface GatewayFacts {
  namespace: string;
  name: string;
  className: string;
}

export const DEFAULT_INGRESS_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

export function ingressClassFacts(obj: unknown): IngressClassFacts | undefined {
  const key = keyOf(obj, '');
  if (!key) return undefined;
  const spec = isObject((obj as Json).spec) ? ((obj as Json).spec as Json) : {};
  const annotations = isObject(key.metadata.annotations) ? key.metadata.annotations : {};
  return {
    name: key.name,
    controller: str(spec.controller),
    isDefault: str(annotations[DEFAULT_INGRESS_CLASS_ANNOTATION]) === 'true',
  };
}

export function gatewayClassFacts(obj: unknown): GatewayClassFacts | undefined {
  const key = keyOf(obj, '');
  if (!key) return undefined;
  const spec = isObject((obj as Json).spec) ? ((obj as Json).spec as Json) : {};
  return { name: key.name, controllerName: str(spec.controllerName) };
}

export function gatewayFacts(obj: unknown, defaultNamespace = 'default'): GatewayFacts | undefined {
  const key = keyOf(obj, defaultNamespace);
  if (!key) return undefined;
  const spec = isObject((obj as Json).spec) ? ((obj as Json).spec as Json) : {};
  return { namespace: key.namespace, name: key.name, className: str(spec.gatewayClassName) };
}

/** What names the controllers that forward to Ingress and route backends: read by remediate, not the exporter. */
export interface ControllerKind {
  kind: 'IngressClass' | 'GatewayClass' | 'Gateway';
  group: string;
  versions: readonly string[];
  resource: string;
}

export const CONTROLLER_KINDS: readonly ControllerKind[] = [
  { kind: 'IngressClass', group: 'networking.k8s.io', versions: ['v1'], resource: 'ingressclasses' },
  { kind: 'GatewayClass', group: GATEWAY_GROUP, versions: ['v1', 'v1beta1'], resource: 'gatewayclasses' },
  { kind: 'Gateway', group: GATEWAY_GROUP, versions: ['v1', 'v1beta1'], resource: 'gateways' },
];

/** An API resource that can open a namespace, with the versions to try, newest first. */
export interface ExposingKind {
  kind: 'Service' | 'Ingress' | RouteKind | 'ReferenceGrant';
  group: string;
  versions: readonly string[];
  resource: string;
}

/**
 * What to list or watch, newest served version first: Gateway API kinds move between channels (TLSRoute reached
 * v1alpha3, ReferenceGrant v1), so the first version the server serves is the one to read.
 */
export const EXPOSING_KINDS: readonly ExposingKind[] = [
  { kind: 'Service', group: '', versions: ['v1'], resource: 'services' },
  { kind: 'Ingress', group: 'networking.k8s.io', versions: ['v1'], resource: 'ingresses' },
  { kind: 'HTTPRoute', group: GATEWAY_GROUP, versions: ['v1', 'v1beta1'], resource: 'httproutes' },
  { kind: 'GRPCRoute', group: GATEWAY_GROUP, versions: ['v1', 'v1alpha2'], resource: 'grpcroutes' },
  { kind: 'TLSRoute', group: GATEWAY_GROUP, versions: ['v1alpha3', 'v1alpha2'], resource: 'tlsroutes' },
  { kind: 'TCPRoute', group: GATEWAY_GROUP, versions: ['v1alpha2'], resource: 'tcproutes' },
  { kind: 'UDPRoute', group: GATEWAY_GROUP, versions: ['v1alpha2'], resource: 'udproutes' },
  { kind: 'ReferenceGrant', group: GATEWAY_GROUP, versions: ['v1', 'v1beta1'], resource: 'referencegrants' },
];

export const isRouteKind = (kind: string): kind is RouteKind =>
  (ROUTE_KINDS as readonly string[]).includes(kind);

/** The list path of a kind at a version, cluster-wide. */
export const listPath = (k: Pick<ExposingKind, 'group' | 'resource'>, version: string): string =>
  k.group === '' ? `/api/${version}/${k.resource}` : `/apis/${k.group}/${version}/${k.resource}`;
