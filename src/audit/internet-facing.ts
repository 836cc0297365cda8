// What opens each namespace to the outside, read for an audit or a remediation: Services, Ingresses, Gateway API
// routes and ReferenceGrants from manifests (with file:line), or from a cluster (internet-facing-cluster.ts). The
// answer itself comes from the core's classifier. For a remediation, also the IngressClasses, GatewayClasses and
// Gateways that say which controller forwards each Ingress's and route's traffic.
import {
  classifyInternetFacing,
  type InternetFacingAnswer,
  objectText,
} from '../core/internet-facing/classify.ts';
import { type ControllerAnswer, findForwarders } from '../core/internet-facing/controllers.ts';
import {
  CONTROLLER_KINDS,
  type ControllerKind,
  EXPOSING_KINDS,
  type GatewayClassFacts,
  type GatewayFacts,
  gatewayClassFacts,
  gatewayFacts,
  type IngressClassFacts,
  type IngressFacts,
  ingressClassFacts,
  ingressFacts,
  isRouteKind,
  type ReferenceGrantFacts,
  type RouteFacts,
  referenceGrantFacts,
  routeFacts,
  type ServiceFacts,
  serviceFacts,
} from '../core/internet-facing/facts.ts';
import type { AdmittedObject } from './admission.ts';
import { groupOf } from './api-scope.ts';

export interface InternetFacingInventory {
  answer: InternetFacingAnswer;
  /**
   * Every Service read, by `namespace/name`: remediation keeps their target ports open. Empty where the reader said
   * it does not need them (the audit).
   */
  services: Map<string, ServiceFacts>;
  /** Manifests mode: `Kind namespace/name` to `file:line`. */
  locations: Map<string, string>;
  /** Kinds that could not be read (forbidden): what they would open is unknown. */
  unread: string[];
  /** Where each Ingress's and route's forwarded traffic comes from; undefined when not looked for. */
  controllers?: ControllerAnswer;
}

export interface Collected {
  services: ServiceFacts[];
  ingresses: IngressFacts[];
  routes: RouteFacts[];
  grants: ReferenceGrantFacts[];
  ingressClasses: IngressClassFacts[];
  gatewayClasses: GatewayClassFacts[];
  gateways: GatewayFacts[];
}

export const collected = (): Collected => ({
  services: [],
  ingresses: [],
  routes: [],
  grants: [],
  ingressClasses: [],
  gatewayClasses: [],
  gateways: [],
});

export function collectController(kind: ControllerKind['kind'], object: unknown, into: Collected): void {
  if (kind === 'IngressClass') {
    const f = ingressClassFacts(object);
    if (f) into.ingressClasses.push(f);
  } else if (kind === 'GatewayClass') {
    const f = gatewayClassFacts(object);
    if (f) into.gatewayClasses.push(f);
  } else {
    const f = gatewayFacts(object);
    if (f) into.gateways.push(f);
  }
}

export function collect(
  kind: string,
  object: unknown,
  into: Collected,
  defaultNamespace?: string,
): string | undefined {
  if (kind === 'Service') {
    const f = serviceFacts(object, defaultNamespace);
    if (f) into.services.push(f);
    return f?.namespace;
  }
  if (kind === 'Ingress') {
    const f = ingressFacts(object, defaultNamespace);
    if (f) into.ingresses.push(f);
    return f?.namespace;
  }
  if (kind === 'ReferenceGrant') {
    const f = referenceGrantFacts(object, defaultNamespace);
    if (f) into.grants.push(f);
    return undefined;
  }
  if (isRouteKind(kind)) {
    const f = routeFacts(kind, object, defaultNamespace);
    if (f) into.routes.push(f);
    return f?.namespace;
  }
  return undefined;
}

const GROUPS: Record<string, string> = Object.fromEntries(EXPOSING_KINDS.map((k) => [k.kind, k.group]));
const CONTROLLER_GROUPS: Record<string, string> = Object.fromEntries(
  CONTROLLER_KINDS.map((k) => [k.kind, k.group]),
);
const isControllerKind = (kind: string): kind is ControllerKind['kind'] =>
  Object.hasOwn(CONTROLLER_GROUPS, kind);

/** Which controller kinds were read: undefined for a kind not read (forbidden, or not asked for). */
export interface ControllersRead {
  ingressClasses: boolean;
  gatewayClasses: boolean;
  gateways: boolean;
}

export function internetFacingInventory(
  c: Collected,
  grantsKnown: boolean,
  locations: Map<string, string>,
  unread: string[],
  read: ControllersRead | undefined,
  keepServices = true,
): InternetFacingInventory {
  const controllers = read
    ? findForwarders(c.ingresses, c.routes, {
        services: c.services,
        ingressClasses: read.ingressClasses ? c.ingressClasses : undefined,
        gatewayClasses: read.gatewayClasses ? c.gatewayClasses : undefined,
        gateways: read.gateways ? c.gateways : undefined,
      })
    : undefined;
  return {
    ...(controllers ? { controllers } : {}),
    answer: classifyInternetFacing({
      services: c.services,
      ingresses: c.ingresses,
      routes: c.routes,
      referenceGrants: grantsKnown ? c.grants : undefined,
    }),
    services: new Map(keepServices ? c.services.map((s) => [`${s.namespace}/${s.name}`, s]) : []),
    locations,
    unread,
  };
}

/**
 * From admitted manifests. A repository is an open world: a ReferenceGrant that allows a route's cross-namespace
 * backendRef may live elsewhere, so those references count (the rule says why) unless `complete` says the input is
 * the whole cluster. `keepServices` false: the Services are read for the answer and not kept.
 */
export function internetFacingFromManifests(
  objects: readonly AdmittedObject[],
  complete = false,
  keepServices = true,
): InternetFacingInventory {
  const c = collected();
  const locations = new Map<string, string>();
  for (const { object, location, apiVersion, kind, name, namespace } of objects) {
    if (isControllerKind(kind)) {
      if (groupOf(apiVersion) === CONTROLLER_GROUPS[kind]) collectController(kind, object, c);
      continue;
    }
    const group = GROUPS[kind];
    if (group === undefined || groupOf(apiVersion) !== group) continue;
    collect(kind, object, c);
    locations.set(objectText({ kind, namespace, name }), location);
  }
  // A repository may hold its IngressClasses and Gateways elsewhere: one that is missing leaves its traffic unknown.
  return internetFacingInventory(
    c,
    complete,
    locations,
    [],
    { ingressClasses: true, gatewayClasses: true, gateways: true },
    keepServices,
  );
}
