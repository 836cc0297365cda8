// The allows that keep a namespace's public entry points working under the remediation's default deny: the pods
// behind a LoadBalancer, NodePort or external-IP Service accept connections from anywhere on the Service's target
// ports; the backends of an Ingress or a Gateway API route accept connections from the proxy pods their controller
// runs, as found from the input (src/core/internet-facing/controllers.ts), or from the namespaces
// --ingress-controller-namespaces names, or from anywhere when neither is known (some controllers send from load
// balancer or node addresses, so anything narrower could take the service down); and the proxies keep their egress
// to the backends.

import { NAMESPACE_NAME_LABEL } from '../core/facts.ts';
import { type EntryPoint, objectText } from '../core/internet-facing/classify.ts';
import type { ControllerAnswer, Forwarder, ProxyPods } from '../core/internet-facing/controllers.ts';
import type { BackendFacts, ServiceFacts, ServicePortFacts } from '../core/internet-facing/facts.ts';
import { MANAGED_BY, type NetworkPolicyObject } from './policies.ts';

export interface EntryPointOptions {
  /** The Services of the cluster or input, by `namespace/name`. */
  services: ReadonlyMap<string, ServiceFacts>;
  /** Where Ingress and Gateway controllers run (--ingress-controller-namespaces); undefined when not given. */
  controllerNamespaces: readonly string[] | undefined;
  /**
   * Some namespace is reached through an Ingress or a route whose controller is not known, so the pods behind any
   * public Service may be the proxy that forwards it.
   */
  controllersForward: boolean;
  /** Where each Ingress's and route's traffic comes from, as found from the input; undefined when not looked for. */
  controllers?: ControllerAnswer | undefined;
}

export interface EntryPointPlan {
  policies: NetworkPolicyObject[];
  /** One line per allow (what it keeps open, and why) or per entry point it cannot keep (and why). */
  lines: string[];
}

type PolicyPort = { protocol: string; port: number | string };

function policy(namespace: string, name: string, spec: Record<string, unknown>): NetworkPolicyObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    // Names stay within the 253 characters of a subdomain: Service names are labels of at most 63.
    metadata: { name, namespace, labels: { ...MANAGED_BY } },
    spec,
  };
}

const targetPorts = (ports: readonly ServicePortFacts[]): PolicyPort[] =>
  uniquePorts(ports.map((p) => ({ protocol: p.protocol, port: p.targetPort })));

function uniquePorts(ports: PolicyPort[]): PolicyPort[] {
  const seen = new Map(ports.map((p) => [`${p.protocol}/${p.port}`, p]));
  return [...seen.values()];
}

const portsText = (ports: readonly PolicyPort[]) =>
  ports.length === 0 ? 'every port' : ports.map((p) => `${p.protocol} ${p.port}`).join(', ');

const selectorText = (selector: Record<string, string>) =>
  Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/** The Service ports a backend reference names: by number or name, or all of them when it names none. */
function portsOf(service: ServiceFacts, backends: readonly BackendFacts[]): PolicyPort[] {
  if (backends.some((b) => b.port === undefined)) return targetPorts(service.ports);
  const named = service.ports.filter((p) => backends.some((b) => b.port === p.port || b.port === p.name));
  return targetPorts(named.length > 0 ? named : service.ports);
}

const egressNameOf = (service: string) => `allow-egress-from-${service}`;

/**
 * All egress from the selected pods: a proxy forwards to backends in any namespace (and to ExternalName backends
 * outside the cluster), and a controller that is its own proxy (ingress-nginx, Traefik, HAProxy, Kong) watches the API
 * server, whose address is not known here and is outside the pod network. Under a default deny without this, the
 * controller loses its configuration on its next restart and the public service behind it goes down.
 */
const allEgress = (namespace: string, name: string, selector: Record<string, string>) =>
  policy(namespace, name, {
    podSelector: { matchLabels: { ...selector } },
    policyTypes: ['Egress'],
    egress: [{}],
  });

type Peer = { namespaceSelector: object; podSelector?: object };

/**
 * The sources a backend admits when the controllers were looked for: the proxy pods of every object that forwards to
 * it, when each was found; else every source (one object whose traffic cannot be named decides for all).
 */
function foundSource(
  why: readonly string[],
  answer: ControllerAnswer,
): { from: Peer[] | undefined; source: string } {
  const each = why.map((object) => ({
    object,
    f: answer.byObject.get(object) ?? ({ kind: 'unknown', rule: 'not looked for' } as Forwarder),
  }));
  const open = each.filter(({ f }) => f.kind !== 'pods');
  if (open.length > 0)
    return {
      from: undefined,
      source: `from anywhere (${open.map(({ object, f }) => `${object}: ${f.rule}`).join('; ')}${open.some(({ f }) => f.kind === 'unknown') ? '; --ingress-controller-namespaces names where it runs' : ''})`,
    };
  const proxies = new Map<string, ProxyPods>();
  for (const { f } of each)
    if (f.kind === 'pods') for (const p of f.proxies) proxies.set(`${p.namespace}/${p.service}`, p);
  const peers = [...proxies.values()];
  return {
    from: peers.map((p) => ({
      namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: p.namespace } },
      podSelector: { matchLabels: { ...p.selector } },
    })),
    source: `from ${peers.map((p) => `pods ${selectorText(p.selector)} in ${p.namespace}`).join(' and ')} (${each.map(({ object, f }) => `${object}: ${f.rule}`).join('; ')})`,
  };
}

const hasSelector = (s: ServiceFacts): s is ServiceFacts & { selector: Record<string, string> } =>
  s.selector !== undefined && Object.keys(s.selector).length > 0;

export function entryPointAllows(
  namespace: string,
  entries: readonly EntryPoint[],
  options: EntryPointOptions,
): EntryPointPlan {
  const policies: NetworkPolicyObject[] = [];
  const lines: string[] = [];
  const direct = new Map<string, string[]>();
  const forwarded = new Map<string, { backends: BackendFacts[]; why: string[] }>();
  for (const entry of entries) {
    if (entry.via === 'ingress' || entry.via === 'gateway_route') {
      for (const backend of entry.backends ?? []) {
        if (backend.group !== '' || backend.kind !== 'Service') {
          lines.push(
            `${objectText(entry.object)} sends traffic to ${backend.kind} ${backend.name}, not a Service: no allow written for it; review its pods by hand.`,
          );
          continue;
        }
        const seen = forwarded.get(backend.name) ?? { backends: [], why: [] };
        seen.backends.push(backend);
        const why = objectText(entry.object);
        if (!seen.why.includes(why)) seen.why.push(why);
        forwarded.set(backend.name, seen);
      }
    } else direct.set(entry.object.name, [...(direct.get(entry.object.name) ?? []), entry.rule]);
  }

  for (const [name, rules] of [...direct].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const service = options.services.get(`${namespace}/${name}`);
    if (!service || !hasSelector(service)) {
      lines.push(
        `Service ${name} faces the internet but selects no pods (no spec.selector: its endpoints are kept by hand): no allow can name them; add one for its endpoints' pods before applying.`,
      );
      continue;
    }
    const ports = targetPorts(service.ports);
    const policyName = `allow-internet-to-${name}`;
    policies.push(
      policy(namespace, policyName, {
        podSelector: { matchLabels: { ...service.selector } },
        policyTypes: ['Ingress'],
        // No `from`: every source, inside the cluster or not, as the load balancer, node port or external IP admits.
        ingress: [ports.length > 0 ? { ports } : {}],
      }),
    );
    lines.push(
      `${policyName} keeps pods ${selectorText(service.selector)} reachable from anywhere on ${portsText(ports)}: Service ${name} faces the internet (${rules.join('; ')}).`,
    );
    const proxy = options.controllers?.proxies.find(
      (p) => p.proxy.namespace === namespace && p.proxy.service === name,
    );
    if (options.controllerNamespaces === undefined && options.controllersForward && !proxy) {
      // It may be an Ingress controller or a Gateway: under a default deny it could no longer reach the backends.
      const egressName = egressNameOf(name);
      policies.push(allEgress(namespace, egressName, service.selector));
      lines.push(
        `${egressName} keeps all egress from pods ${selectorText(service.selector)}: behind Service ${name} may run an Ingress controller or a Gateway that forwards to backends and watches the API server (${options.controllers ? 'some Ingress or route has a controller not found from the input; ' : ''}--ingress-controller-namespaces says where they run, and then this allow is written only there).`,
      );
    }
  }

  const controllers = options.controllerNamespaces;
  for (const [name, { backends, why }] of [...forwarded].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const service = options.services.get(`${namespace}/${name}`);
    if (!service || !hasSelector(service)) {
      lines.push(
        `${why.join(', ')} forward${why.length === 1 ? 's' : ''} to Service ${name}, which ${service ? 'selects no pods' : 'is not in the input'}: no allow can name its pods; add one before applying or its traffic stops.`,
      );
      continue;
    }
    const ports = portsOf(service, backends);
    const policyName = `allow-controller-to-${name}`;
    const { from, source } = controllers
      ? {
          from: controllers.map((ns) => ({
            namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: ns } },
          })),
          source: `from ${controllers.join(', ')} (--ingress-controller-namespaces)`,
        }
      : options.controllers
        ? foundSource(why, options.controllers)
        : {
            from: undefined,
            source:
              'from anywhere (where the Ingress controller or Gateway runs is not known: --ingress-controller-namespaces narrows it; some controllers send from load balancer or node addresses)',
          };
    policies.push(
      policy(namespace, policyName, {
        podSelector: { matchLabels: { ...service.selector } },
        policyTypes: ['Ingress'],
        ingress: [{ ...(from ? { from } : {}), ...(ports.length > 0 ? { ports } : {}) }],
      }),
    );
    lines.push(
      `${policyName} keeps pods ${selectorText(service.selector)} reachable ${source} on ${portsText(ports)}: ${why.join(', ')} forward${why.length === 1 ? 's' : ''} internet traffic to Service ${name}.`,
    );
  }

  if (controllers?.includes(namespace)) {
    const egressName = 'allow-ingress-controller-egress';
    policies.push(allEgress(namespace, egressName, {}));
    lines.push(
      `${egressName} keeps all egress from every pod here: an Ingress controller or Gateway runs here (--ingress-controller-namespaces); it forwards to backends anywhere and may watch the API server.`,
    );
  }
  if (!controllers)
    for (const { proxy, forObjects } of options.controllers?.proxies ?? []) {
      if (proxy.namespace !== namespace) continue;
      const egressName = egressNameOf(proxy.service);
      if (policies.some((p) => p.metadata.name === egressName)) continue;
      policies.push(allEgress(namespace, egressName, proxy.selector));
      lines.push(
        `${egressName} keeps all egress from pods ${selectorText(proxy.selector)}: they are the ${proxy.implementation} proxy behind Service ${proxy.service} that ${forObjects.join(', ')} forward${forObjects.length === 1 ? 's' : ''} through, to backends anywhere, and may watch the API server.`,
      );
    }
  return { policies, lines };
}
