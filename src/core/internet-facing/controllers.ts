// Where the traffic an Ingress or a Gateway API route forwards to its backends comes from, so that remediate can
// admit exactly that under a default deny. The chain: an Ingress's class (spec.ingressClassName, the older
// annotation, or the default IngressClass) -> IngressClass spec.controller; a route's parent Gateway ->
// spec.gatewayClassName -> GatewayClass spec.controllerName. The controller names an implementation, and the
// implementation says where its proxy pods are: the pods a Service selects by the labels the implementation puts on
// them (per Gateway where it deploys one proxy per Gateway). Some implementations send from outside the pod network
// (a cloud load balancer, a node-level proxy): no namespace can name those sources, so the backends stay open to
// every source. Every answer names the rule that decided. Pure: slim facts in, answers out.
import { objectText } from './classify.ts';
import {
  GATEWAY_GROUP,
  type GatewayClassFacts,
  type GatewayFacts,
  type IngressClassFacts,
  type IngressFacts,
  type ParentRefFacts,
  type RouteFacts,
  type ServiceFacts,
} from './facts.ts';

/** Pods that forward to backends: those a Service selects in its namespace. */
export interface ProxyPods {
  namespace: string;
  /** The Service whose selector names them. */
  service: string;
  selector: Record<string, string>;
  /** The implementation, as its documentation names it. */
  implementation: string;
}

export type Forwarder =
  /** Proxy pods in the cluster forward: the backends admit these pods. */
  | { kind: 'pods'; proxies: ProxyPods[]; rule: string }
  /** Traffic reaches the backends from outside the pod network: every source must be admitted. */
  | { kind: 'outside'; rule: string }
  /** Not known: every source must be admitted (and any public Service's pods may be the proxy). */
  | { kind: 'unknown'; rule: string };

interface Implementation {
  name: string;
  /** IngressClass spec.controller values it serves; a value ending in `/*` matches the prefix before the `*`. */
  ingressControllers?: readonly string[];
  /** Older `kubernetes.io/ingress.class` values it serves without an IngressClass object. */
  annotationClasses?: readonly string[];
  /** GatewayClass spec.controllerName values. */
  gatewayControllers?: readonly string[];
  /** Label sets one of which a Service's selector holds when it fronts this implementation's proxy pods. */
  proxyLabels?: readonly Record<string, string>[];
  /** Why its traffic does not come from a pod a namespace selector can name. */
  outside?: string;
}

/**
 * The implementations recognised, and where each fact comes from (their charts, manifests and documentation, read
 * in 2026):
 * - ingress-nginx: IngressClass controller `k8s.io/ingress-nginx` (chart value controller.ingressClassResource.
 *   controllerValue); the chart's controller Service selects app.kubernetes.io/name=ingress-nginx,
 *   app.kubernetes.io/instance=RELEASE, app.kubernetes.io/component=controller (so do deploy/static manifests).
 * - F5 NGINX Ingress Controller: `nginx.org/ingress-controller`; chart selector app.kubernetes.io/name=nginx-ingress.
 * - Traefik: `traefik.io/ingress-controller` and `traefik.io/gateway-controller`; the chart selects
 *   app.kubernetes.io/name=traefik, app.kubernetes.io/instance=RELEASE-NAMESPACE. Traefik itself is the proxy.
 * - HAProxy Kubernetes Ingress (haproxytech): `haproxy.org/ingress-controller` or `haproxy.org/ingress-controller/
 *   CLASS`; chart selector app.kubernetes.io/name=kubernetes-ingress.
 * - Contour: IngressClass `projectcontour.io/ingress-controller` (Contour matches Ingresses by class name, this is
 *   the value its documentation gives), GatewayClass `projectcontour.io/gateway-controller`. Its quickstart's Envoy
 *   Service selects app=envoy; the Bitnami chart app.kubernetes.io/name=contour, app.kubernetes.io/component=envoy;
 *   the Gateway provisioner deploys Envoy in the Gateway's namespace, selected by app=envoy-GATEWAY.
 * - Kong: IngressClass `ingress-controllers.konghq.com/CLASS`, GatewayClass `konghq.com/kic-gateway-controller`; the
 *   kong chart's proxy Service selects app.kubernetes.io/name=kong, app.kubernetes.io/component=app (the ingress
 *   chart's gateway release: app.kubernetes.io/name=gateway).
 * - Istio: IngressClass `istio.io/ingress-controller`, served by the ingress gateway (istio=ingressgateway);
 *   GatewayClass `istio.io/gateway-controller`, which deploys a proxy per Gateway in the Gateway's namespace selected
 *   by gateway.networking.k8s.io/gateway-name (istio.io/gateway-name before Istio 1.24).
 * - Envoy Gateway: `gateway.envoyproxy.io/gatewayclass-controller`; one Envoy per Gateway, in the controller's
 *   namespace (envoy-gateway-system) by default or the Gateway's in gateway-namespace mode, selected by
 *   gateway.envoyproxy.io/owning-gateway-name and -namespace (merged Gateways: owning-gatewayclass).
 * - NGINX Gateway Fabric: `gateway.nginx.org/nginx-gateway-controller`; from 2.0 one nginx per Gateway in the
 *   Gateway's namespace, selected by gateway.networking.k8s.io/gateway-name (earlier versions ran nginx in the
 *   controller's pod: not recognised, the backends stay open).
 * - Any Gateway implementation that follows GEP-1762 (in-cluster Gateway deployments) labels its per-Gateway proxy
 *   gateway.networking.k8s.io/gateway-name=GATEWAY in the Gateway's namespace: a Service there selecting that label
 *   is taken as the proxy, whatever the controller.
 * - Sending from outside the pod network: the AWS Load Balancer Controller (`ingress.k8s.aws/alb`, the older
 *   annotation `alb`, GatewayClasses `gateway.k8s.aws/alb` and `gateway.k8s.aws/nlb`): the load balancer reaches the
 *   pods from its own addresses in the VPC (target type ip) or through node ports (instance); AWS VPC Lattice
 *   (`application-networking.k8s.aws/gateway-api-controller`); GKE (`networking.gke.io/gateway`, annotation `gce`
 *   and `gce-internal`): Google's front ends and proxy-only subnets; Azure Application Gateway
 *   (`azure/application-gateway`); Cilium (`cilium.io/ingress-controller`, `io.cilium/gateway-controller`): the
 *   node's Envoy forwards as Cilium's reserved ingress identity, which no namespace selector matches.
 */
const IMPLEMENTATIONS: readonly Implementation[] = [
  {
    name: 'ingress-nginx',
    ingressControllers: ['k8s.io/ingress-nginx'],
    proxyLabels: [{ 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' }],
  },
  {
    name: 'F5 NGINX Ingress Controller',
    ingressControllers: ['nginx.org/ingress-controller'],
    proxyLabels: [{ 'app.kubernetes.io/name': 'nginx-ingress' }],
  },
  {
    name: 'Traefik',
    ingressControllers: ['traefik.io/ingress-controller'],
    gatewayControllers: ['traefik.io/gateway-controller'],
    proxyLabels: [{ 'app.kubernetes.io/name': 'traefik' }],
  },
  {
    name: 'HAProxy Kubernetes Ingress',
    ingressControllers: ['haproxy.org/ingress-controller', 'haproxy.org/ingress-controller/*'],
    proxyLabels: [{ 'app.kubernetes.io/name': 'kubernetes-ingress' }],
  },
  {
    name: 'Contour',
    ingressControllers: ['projectcontour.io/ingress-controller'],
    gatewayControllers: ['projectcontour.io/gateway-controller'],
    proxyLabels: [
      { app: 'envoy' },
      { 'app.kubernetes.io/name': 'contour', 'app.kubernetes.io/component': 'envoy' },
    ],
  },
  {
    name: 'Kong',
    ingressControllers: ['ingress-controllers.konghq.com/*'],
    gatewayControllers: ['konghq.com/kic-gateway-controller'],
    proxyLabels: [
      { 'app.kubernetes.io/name': 'kong', 'app.kubernetes.io/component': 'app' },
      { 'app.kubernetes.io/name': 'gateway', 'app.kubernetes.io/component': 'app' },
    ],
  },
  {
    name: 'Istio',
    ingressControllers: ['istio.io/ingress-controller'],
    gatewayControllers: ['istio.io/gateway-controller'],
    proxyLabels: [{ istio: 'ingressgateway' }],
  },
  { name: 'Envoy Gateway', gatewayControllers: ['gateway.envoyproxy.io/gatewayclass-controller'] },
  { name: 'NGINX Gateway Fabric', gatewayControllers: ['gateway.nginx.org/nginx-gateway-controller'] },
  {
    name: 'the AWS Load Balancer Controller',
    ingressControllers: ['ingress.k8s.aws/alb'],
    annotationClasses: ['alb'],
    gatewayControllers: ['gateway.k8s.aws/alb', 'gateway.k8s.aws/nlb'],
    outside:
      'the load balancer reaches the pods from its own addresses in the VPC (target type ip) or through node ports (instance), not from a namespace',
  },
  {
    name: 'AWS VPC Lattice',
    gatewayControllers: ['application-networking.k8s.aws/gateway-api-controller'],
    outside: "the traffic arrives from VPC Lattice's addresses, not from a namespace",
  },
  {
    name: 'GKE',
    annotationClasses: ['gce', 'gce-internal'],
    gatewayControllers: ['networking.gke.io/gateway'],
    outside:
      "Google's load balancers reach the pods from their front ends or proxy-only subnets, not from a namespace",
  },
  {
    name: 'Azure Application Gateway',
    ingressControllers: ['azure/application-gateway'],
    outside: 'the Application Gateway reaches the pods from its own subnet, not from a namespace',
  },
  {
    name: 'Cilium',
    ingressControllers: ['cilium.io/ingress-controller'],
    gatewayControllers: ['io.cilium/gateway-controller'],
    outside:
      "each node's Envoy forwards as Cilium's reserved ingress identity, which no namespace selector matches",
  },
];

/** The implementations recognised, for the docs and tests. */
export const RECOGNISED_IMPLEMENTATIONS: readonly string[] = IMPLEMENTATIONS.map((i) => i.name);

const matchesController = (patterns: readonly string[] | undefined, value: string) =>
  (patterns ?? []).some((p) => (p.endsWith('/*') ? value.startsWith(p.slice(0, -1)) : value === p));

const labelsText = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/** The label that GEP-1762 asks implementations to put on the proxy they deploy for a Gateway. */
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

export interface ControllerInput {
  services: readonly ServiceFacts[];
  /** Undefined when not read (not permitted, or not asked for). */
  ingressClasses: readonly IngressClassFacts[] | undefined;
  gatewayClasses: readonly GatewayClassFacts[] | undefined;
  gateways: readonly GatewayFacts[] | undefined;
}

export interface ControllerAnswer {
  /** Per Ingress or route (`Kind namespace/name`), where the traffic it forwards comes from. */
  byObject: Map<string, Forwarder>;
  /** Every proxy found, with the objects it forwards for: their pods need egress to the backends. */
  proxies: { proxy: ProxyPods; forObjects: string[] }[];
}

const holds = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  selector !== undefined && Object.entries(labels).every(([k, v]) => selector[k] === v);

/**
 * The pods the matching Services select. Services that select the same pods in one namespace (a controller's
 * admission webhook or metrics Service beside its public one) name them once, by the public Service if there is one.
 */
function proxiesOf(
  services: readonly ServiceFacts[],
  implementation: string,
  where: (s: ServiceFacts) => boolean,
): ProxyPods[] {
  const rank = (s: ServiceFacts) => `${s.type === 'ClusterIP' ? 1 : 0}\u0000${s.namespace}\u0000${s.name}`;
  const found = new Map<string, ProxyPods>();
  for (const s of [...services].sort((a, b) => (rank(a) < rank(b) ? -1 : 1))) {
    if (s.selector === undefined || Object.keys(s.selector).length === 0 || !where(s)) continue;
    const key = `${s.namespace}\u0000${labelsText(Object.fromEntries(Object.entries(s.selector).sort()))}`;
    if (!found.has(key))
      found.set(key, {
        namespace: s.namespace,
        service: s.name,
        selector: { ...s.selector },
        implementation,
      });
  }
  return [...found.values()].sort((a, b) =>
    `${a.namespace}/${a.service}` < `${b.namespace}/${b.service}` ? -1 : 1,
  );
}

const servicesText = (proxies: readonly ProxyPods[]) =>
  proxies.map((p) => `Service ${p.namespace}/${p.service}`).join(', ');

/** The implementation-wide proxies: Services selecting one of its label sets, in any namespace. */
function implementationProxies(impl: Implementation, services: readonly ServiceFacts[]): ProxyPods[] {
  const sets = impl.proxyLabels ?? [];
  return proxiesOf(services, impl.name, (s) => sets.some((labels) => holds(s.selector, labels)));
}

function byImplementation(
  impl: Implementation,
  controller: string,
  services: readonly ServiceFacts[],
  how: string,
) {
  if (impl.outside !== undefined)
    return { kind: 'outside', rule: `${how}: ${controller} is ${impl.name}: ${impl.outside}` } as const;
  const proxies = implementationProxies(impl, services);
  const labels = (impl.proxyLabels ?? []).map(labelsText).join(' or ');
  if (proxies.length === 0)
    return {
      kind: 'unknown',
      rule: `${how}: ${controller} is ${impl.name}, but no Service in the input selects its pods (${labels})`,
    } as const;
  return {
    kind: 'pods',
    proxies,
    rule: `${how}: ${controller} is ${impl.name}, whose pods ${servicesText(proxies)} select${proxies.length === 1 ? 's' : ''} (${labels})`,
  } as const;
}

export function ingressForwarder(ingress: IngressFacts, input: ControllerInput): Forwarder {
  const classes = input.ingressClasses;
  const named = ingress.ingressClass;
  if (named && named.field !== 'spec.ingressClassName' && !classes?.some((c) => c.name === named.name)) {
    // The older annotation: some implementations read it without an IngressClass object.
    const impl = IMPLEMENTATIONS.find((i) => i.annotationClasses?.includes(named.name));
    if (impl) return byImplementation(impl, `class ${named.name}`, input.services, named.field);
  }
  if (classes === undefined)
    return { kind: 'unknown', rule: 'IngressClasses were not read, so its controller is not known' };
  let ingressClass: IngressClassFacts | undefined;
  let how: string;
  if (named) {
    ingressClass = classes.find((c) => c.name === named.name);
    how = `${named.field} ${named.name}`;
    if (!ingressClass)
      return {
        kind: 'unknown',
        rule: `${how}: no IngressClass ${named.name} in the input, so its controller is not known`,
      };
  } else {
    const defaults = classes.filter((c) => c.isDefault);
    if (defaults.length !== 1)
      return {
        kind: 'unknown',
        rule: `it names no class and ${defaults.length === 0 ? 'no IngressClass is' : 'more than one IngressClass is'} the default, so its controller is not known`,
      };
    ingressClass = defaults[0] as IngressClassFacts;
    how = `no class named, IngressClass ${ingressClass.name} is the default`;
  }
  const controller = `controller ${ingressClass.controller}`;
  const impl = IMPLEMENTATIONS.find((i) => matchesController(i.ingressControllers, ingressClass.controller));
  if (!impl)
    return {
      kind: 'unknown',
      rule: `${how}: ${controller} is not an implementation netpol-exporter recognises`,
    };
  return byImplementation(impl, controller, input.services, how);
}

/** One parent Gateway: its proxy, found per Gateway where the implementation deploys one, else implementation-wide. */
function gatewayForwarder(parent: ParentRefFacts, input: ControllerInput): Forwarder {
  const ref = `Gateway ${parent.namespace}/${parent.name}`;
  if (input.gateways === undefined || input.gatewayClasses === undefined)
    return {
      kind: 'unknown',
      rule: `${ref}: Gateways and GatewayClasses were not read, so its proxy is not known`,
    };
  const gateway = input.gateways.find((g) => g.namespace === parent.namespace && g.name === parent.name);
  if (!gateway) return { kind: 'unknown', rule: `${ref} is not in the input, so its proxy is not known` };
  const gatewayClass = input.gatewayClasses.find((c) => c.name === gateway.className);
  if (!gatewayClass)
    return {
      kind: 'unknown',
      rule: `${ref}: no GatewayClass ${gateway.className} in the input, so its proxy is not known`,
    };
  const how = `${ref} of GatewayClass ${gatewayClass.name}`;
  const controller = `controller ${gatewayClass.controllerName}`;
  const impl = IMPLEMENTATIONS.find((i) =>
    matchesController(i.gatewayControllers, gatewayClass.controllerName),
  );
  if (impl?.outside !== undefined) return byImplementation(impl, controller, input.services, how);
  const implName = impl?.name ?? gatewayClass.controllerName;
  const sameNamespace = (s: ServiceFacts) => s.namespace === gateway.namespace;
  // Per Gateway: the proxy deployed for this Gateway, by the labels that name it.
  const perGateway: {
    labels: Record<string, string>;
    where: (s: ServiceFacts) => boolean;
    applies: boolean;
  }[] = [
    { labels: { [GATEWAY_NAME_LABEL]: gateway.name }, where: sameNamespace, applies: true },
    {
      labels: { 'istio.io/gateway-name': gateway.name },
      where: sameNamespace,
      applies: impl?.name === 'Istio',
    },
    {
      labels: {
        'gateway.envoyproxy.io/owning-gateway-name': gateway.name,
        'gateway.envoyproxy.io/owning-gateway-namespace': gateway.namespace,
      },
      where: () => true,
      applies: impl?.name === 'Envoy Gateway',
    },
    {
      labels: { 'gateway.envoyproxy.io/owning-gatewayclass': gatewayClass.name },
      where: () => true,
      applies: impl?.name === 'Envoy Gateway',
    },
    { labels: { app: `envoy-${gateway.name}` }, where: sameNamespace, applies: impl?.name === 'Contour' },
  ];
  for (const { labels, where, applies } of perGateway) {
    if (!applies) continue;
    const proxies = proxiesOf(input.services, implName, (s) => where(s) && holds(s.selector, labels));
    if (proxies.length > 0)
      return {
        kind: 'pods',
        proxies,
        rule: `${how}: ${controller}${impl ? ` is ${impl.name}` : ''}; its proxy: the pods ${servicesText(proxies)} select${proxies.length === 1 ? 's' : ''} (${labelsText(labels)})`,
      };
  }
  if (impl?.proxyLabels) return byImplementation(impl, controller, input.services, how);
  return {
    kind: 'unknown',
    rule: impl
      ? `${how}: ${controller} is ${impl.name}, but no Service in the input selects the proxy it deploys for this Gateway`
      : `${how}: ${controller} is not an implementation netpol-exporter recognises, and no Service in ${gateway.namespace} selects ${GATEWAY_NAME_LABEL}=${gateway.name}`,
  };
}

const gatewayParents = (route: RouteFacts) =>
  route.parents.filter((p) => p.group === GATEWAY_GROUP && p.kind === 'Gateway');

export function routeForwarder(route: RouteFacts, input: ControllerInput): Forwarder {
  return combine(gatewayParents(route).map((p) => gatewayForwarder(p, input)));
}

/** A route's parents together: every parent's traffic must keep flowing, so one that admits every source decides. */
function combine(each: readonly Forwarder[]): Forwarder {
  const open = each.find((f) => f.kind === 'unknown') ?? each.find((f) => f.kind === 'outside');
  if (open) return open;
  const pods = each.filter((f): f is Extract<Forwarder, { kind: 'pods' }> => f.kind === 'pods');
  if (pods.length === 0) return { kind: 'unknown', rule: 'it attaches to no Gateway' };
  const seen = new Map<string, ProxyPods>();
  for (const f of pods) for (const p of f.proxies) seen.set(`${p.namespace}/${p.service}`, p);
  return { kind: 'pods', proxies: [...seen.values()], rule: pods.map((f) => f.rule).join('; ') };
}

/** Where every Ingress's and route's forwarded traffic comes from, and every proxy found. */
export function findForwarders(
  ingresses: Iterable<IngressFacts>,
  routes: Iterable<RouteFacts>,
  input: ControllerInput,
): ControllerAnswer {
  const byObject = new Map<string, Forwarder>();
  const proxies = new Map<string, { proxy: ProxyPods; forObjects: string[] }>();
  const noteProxies = (object: string, f: Forwarder) => {
    if (f.kind !== 'pods') return;
    for (const proxy of f.proxies) {
      const key = `${proxy.namespace}/${proxy.service}`;
      const seen = proxies.get(key) ?? { proxy, forObjects: [] };
      if (!seen.forObjects.includes(object)) seen.forObjects.push(object);
      proxies.set(key, seen);
    }
  };
  for (const i of ingresses) {
    const object = objectText({ kind: 'Ingress', namespace: i.namespace, name: i.name });
    const f = ingressForwarder(i, input);
    byObject.set(object, f);
    noteProxies(object, f);
  }
  for (const r of routes) {
    const object = objectText({ kind: r.kind, namespace: r.namespace, name: r.name });
    // Each parent's proxy forwards (and needs its egress) even where another parent leaves the route open.
    const each = gatewayParents(r).map((p) => gatewayForwarder(p, input));
    byObject.set(object, combine(each));
    for (const f of each) noteProxies(object, f);
  }
  return { byObject, proxies: [...proxies.values()] };
}
