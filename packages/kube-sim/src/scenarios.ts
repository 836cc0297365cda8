// Seeding: YAML manifests (files, folders or text) and generated scale scenarios. Manifests go through the normal
// write path (events and history, they are few); scale scenarios use the store's bulk path (tens of thousands of
// objects in a couple of seconds, no per-object history).

import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import type { KindDef } from './kinds.ts';
import { kindKey } from './kinds.ts';
import type { KObject } from './objects.ts';
import { isObject } from './objects.ts';
import { StatusError } from './status.ts';
import type { Store } from './store.ts';

/** A document of this kind in a scenario file configures the load instead of being an object. */
export const SCENARIO_API_VERSION = 'simulator.netpol-exporter.io/v1alpha1';

export interface LoadOptions {
  /** Create a missing namespace implicitly instead of failing (also settable from a Scenario document). */
  createMissingNamespaces?: boolean;
}

export interface LoadResult {
  objects: number;
  namespacesCreated: string[];
  scale?: ScaleOptions;
}

interface SourcedDoc {
  source: string;
  doc: KObject;
}

async function readSources(pathOrYaml: string): Promise<{ source: string; text: string }[]> {
  const st = await stat(pathOrYaml).catch(() => undefined);
  if (st?.isDirectory()) {
    const names = (await readdir(pathOrYaml)).filter((n) => /\.(ya?ml|json)$/i.test(n)).sort();
    return Promise.all(
      names.map(async (n) => ({
        source: path.join(pathOrYaml, n),
        text: await readFile(path.join(pathOrYaml, n), 'utf8'),
      })),
    );
  }
  if (st?.isFile()) return [{ source: pathOrYaml, text: await readFile(pathOrYaml, 'utf8') }];
  if (!pathOrYaml.includes('\n') && !pathOrYaml.includes(':')) {
    throw new Error(`scenario "${pathOrYaml}": no such file or directory`);
  }
  return [{ source: '<inline yaml>', text: pathOrYaml }];
}

function parseDocs(source: string, text: string): SourcedDoc[] {
  const out: SourcedDoc[] = [];
  for (const d of YAML.parseAllDocuments(text)) {
    if (d.errors.length > 0) throw new Error(`${source}: invalid YAML: ${d.errors[0]?.message}`);
    const value: unknown = d.toJS();
    if (value === null || value === undefined) continue;
    if (!isObject(value)) throw new Error(`${source}: every document must be a mapping`);
    const items = value.kind === 'List' && Array.isArray(value.items) ? value.items : [value];
    for (const item of items) {
      if (!isObject(item) || typeof item.kind !== 'string' || typeof item.apiVersion !== 'string') {
        throw new Error(`${source}: every object needs apiVersion and kind`);
      }
      if (!isObject(item.metadata)) item.metadata = {};
      out.push({ source, doc: item as KObject });
    }
  }
  return out;
}

export async function loadManifests(
  store: Store,
  pathOrYaml: string,
  opts: LoadOptions = {},
): Promise<LoadResult> {
  const docs = (await readSources(pathOrYaml)).flatMap((s) => parseDocs(s.source, s.text));
  let createMissing = opts.createMissingNamespaces ?? false;
  let scale: ScaleOptions | undefined;
  const objects: { source: string; doc: KObject; kind: KindDef }[] = [];
  for (const { source, doc } of docs) {
    if (doc.apiVersion === SCENARIO_API_VERSION && doc.kind === 'Scenario') {
      const spec = isObject(doc.spec) ? doc.spec : {};
      if (typeof spec.createMissingNamespaces === 'boolean')
        createMissing = opts.createMissingNamespaces ?? spec.createMissingNamespaces;
      if (isObject(spec.scale)) scale = spec.scale as unknown as ScaleOptions;
      continue;
    }
    const kind = store.kinds.byApiVersionKind(doc.apiVersion ?? '', doc.kind ?? '');
    if (!kind) {
      throw new Error(
        `${source}: ${doc.apiVersion} ${doc.kind} "${doc.metadata.name ?? ''}" is not served by the simulator ` +
          `(enabled: ${store.kinds.enabled.map(kindKey).join(', ')}; others need the enabledKinds option)`,
      );
    }
    objects.push({ source, doc, kind });
  }
  // Namespaces first, whatever the file order, as `kubectl apply -f dir/` users expect to just work.
  objects.sort((a, b) => Number(b.kind === store.namespaces) - Number(a.kind === store.namespaces));

  const namespacesCreated: string[] = [];
  for (const { source, doc, kind } of objects) {
    const name = doc.metadata.name ?? '';
    if (kind.namespaced) {
      const ns = doc.metadata.namespace ?? 'default';
      doc.metadata.namespace = ns;
      const existing = store.tryGet(store.namespaces, undefined, ns);
      if (!existing) {
        if (!createMissing) {
          throw new Error(
            `${source}: ${doc.kind} "${ns}/${name}" is in namespace "${ns}", which does not exist. Add a Namespace ` +
              `document, or a document "apiVersion: ${SCENARIO_API_VERSION}, kind: Scenario, spec: {createMissingNamespaces: true}"`,
          );
        }
        store.create(store.namespaces, { metadata: { name: ns } }, undefined);
        namespacesCreated.push(ns);
      }
    }
    try {
      if (store.tryGet(kind, doc.metadata.namespace, name)) {
        // Like `kubectl apply`: a manifest for an existing object (e.g. namespace "default") replaces it.
        const { resourceVersion: _rv, ...meta } = doc.metadata;
        store.update(kind, { ...doc, metadata: meta }, doc.metadata.namespace, name);
      } else {
        store.create(kind, doc, doc.metadata.namespace);
      }
    } catch (e) {
      if (e instanceof StatusError) throw new Error(`${source}: ${doc.kind} "${name}": ${e.message}`);
      throw e;
    }
  }
  return { objects: objects.length, namespacesCreated, ...(scale ? { scale } : {}) };
}

export interface ScaleOptions {
  namespaces: number;
  policiesPerNamespace: number;
  podsPerNamespace?: number;
  /** Every Nth namespace gets no policies at all (uncovered); 0 = every namespace gets policiesPerNamespace. Default 10. */
  uncoveredEvery?: number;
  /** Namespace name prefix; default `ns-`. */
  prefix?: string;
  /**
   * Services per namespace, 0 to 2 (default 0): a ClusterIP `api` (port 80 to the pods' 8080) and a LoadBalancer
   * `web` (443 to 8443, with the node port and load balancer address the API server and the cloud would add), both
   * with selectors on labels the pods carry. Every fourth namespace's load balancer is internal (AWS annotation).
   */
  servicesPerNamespace?: number;
  /** Every Nth namespace gets an Ingress to its `api` Service (needs servicesPerNamespace >= 1); 0 = none (default). */
  ingressEvery?: number;
}

export interface ScaleResult {
  namespaces: number;
  policies: number;
  pods: number;
  services: number;
  ingresses: number;
  /** Names of the namespaces generated without any policy. */
  uncovered: string[];
}

type PolicySpec = Record<string, unknown>;

/** The policy shapes a real cluster mixes; rotated per namespace so coverage/default-deny vary between namespaces. */
const SHAPES: { name: string; spec: (i: number) => PolicySpec }[] = [
  { name: 'default-deny-ingress', spec: () => ({ podSelector: {}, policyTypes: ['Ingress'] }) },
  { name: 'default-deny-egress', spec: () => ({ podSelector: {}, policyTypes: ['Egress'] }) },
  {
    name: 'allow-same-namespace',
    spec: () => ({ podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }], policyTypes: ['Ingress'] }),
  },
  {
    name: 'allow-web-from-frontend',
    spec: () => ({
      podSelector: { matchLabels: { app: 'web' } },
      ingress: [
        {
          from: [{ podSelector: { matchLabels: { app: 'frontend' } } }],
          ports: [{ protocol: 'TCP', port: 8080 }],
        },
      ],
      policyTypes: ['Ingress'],
    }),
  },
  {
    name: 'allow-dns-egress',
    spec: () => ({
      podSelector: {},
      egress: [
        {
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
      ],
      policyTypes: ['Egress'],
    }),
  },
  {
    name: 'allow-api-from-team',
    spec: (i) => ({
      podSelector: { matchLabels: { app: `api-${i % 7}` } },
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: `team-${i % 25}` } } }] }],
      policyTypes: ['Ingress'],
    }),
  },
];

/** The Services seedScale puts in namespace number i, as the API server stores them (allocated IPs and node ports). */
const SERVICE_SHAPES: ((ns: string, i: number) => KObject)[] = [
  (ns, i) => ({
    metadata: { name: 'api', namespace: ns, labels: { app: `api-${(i + 2) % 7}` } },
    spec: {
      type: 'ClusterIP',
      // The label of the namespace's third seeded pod (podsPerNamespace), as `web` selects its first.
      selector: { app: `api-${(i + 2) % 7}` },
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
      clusterIP: clusterIp(i, 0),
      clusterIPs: [clusterIp(i, 0)],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
      sessionAffinity: 'None',
    },
    status: { loadBalancer: {} },
  }),
  (ns, i) => ({
    metadata: {
      name: 'web',
      namespace: ns,
      labels: { app: 'web' },
      ...(i % 4 === 3
        ? { annotations: { 'service.beta.kubernetes.io/aws-load-balancer-internal': 'true' } }
        : {}),
    },
    spec: {
      type: 'LoadBalancer',
      selector: { app: 'web' },
      ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 8443, nodePort: 30000 + (i % 2768) }],
      clusterIP: clusterIp(i, 1),
      clusterIPs: [clusterIp(i, 1)],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
      externalTrafficPolicy: 'Cluster',
      allocateLoadBalancerNodePorts: true,
      sessionAffinity: 'None',
    },
    status: { loadBalancer: { ingress: [{ ip: `203.0.${Math.floor(i / 250) % 256}.${(i % 250) + 1}` }] } },
  }),
];

/** A distinct address in 10.96.0.0/12 for Service j of namespace i. */
function clusterIp(i: number, j: number): string {
  const n = i * 2 + j + 10;
  return `10.${96 + ((n >> 16) & 15)}.${(n >> 8) & 255}.${n & 255}`;
}

function ingressFor(ns: string): KObject {
  return {
    metadata: { name: 'api', namespace: ns },
    spec: {
      ingressClassName: 'nginx',
      rules: [
        {
          host: `${ns}.example.com`,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'api', port: { name: 'http' } } },
              },
            ],
          },
        },
      ],
    },
    status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } },
  };
}

export function seedScale(store: Store, o: ScaleOptions): ScaleResult {
  const nsKind = store.namespaces;
  const netpol = store.kinds.resolve('networkpolicies');
  const pods = store.kinds.resolve('pods');
  const services = store.kinds.resolve('services');
  const ingresses = store.kinds.resolve('ingresses');
  const every = o.uncoveredEvery ?? 10;
  const prefix = o.prefix ?? 'ns-';
  const width = String(Math.max(1, o.namespaces - 1)).length;
  const servicesPerNamespace = o.servicesPerNamespace ?? 0;
  if (!Number.isInteger(servicesPerNamespace) || servicesPerNamespace < 0 || servicesPerNamespace > 2)
    throw new Error(`servicesPerNamespace must be 0, 1 or 2 (got ${servicesPerNamespace})`);
  const ingressEvery = o.ingressEvery ?? 0;
  if (ingressEvery > 0 && servicesPerNamespace === 0)
    throw new Error('ingressEvery needs servicesPerNamespace >= 1: the Ingress routes to the api Service');
  const items: { kind: KindDef; object: KObject }[] = [];
  const result: ScaleResult = {
    namespaces: 0,
    policies: 0,
    pods: 0,
    services: 0,
    ingresses: 0,
    uncovered: [],
  };
  for (let i = 0; i < o.namespaces; i++) {
    const ns = `${prefix}${String(i).padStart(width, '0')}`;
    items.push({
      kind: nsKind,
      object: {
        metadata: {
          name: ns,
          labels: { team: `team-${i % 25}`, env: ['prod', 'staging', 'dev'][i % 3] ?? 'dev' },
        },
      },
    });
    result.namespaces++;
    const uncovered = every > 0 && i % every === every - 1;
    if (uncovered) result.uncovered.push(ns);
    else {
      for (let j = 0; j < o.policiesPerNamespace; j++) {
        const shape = SHAPES[(i + j) % SHAPES.length] ?? SHAPES[0];
        if (!shape) continue;
        const name = j < SHAPES.length ? shape.name : `${shape.name}-${j}`;
        items.push({ kind: netpol, object: { metadata: { name, namespace: ns }, spec: shape.spec(i + j) } });
        result.policies++;
      }
    }
    for (let j = 0; j < (o.podsPerNamespace ?? 0); j++) {
      const app = ['web', 'frontend', `api-${(i + j) % 7}`][j % 3] ?? 'web';
      items.push({
        kind: pods,
        object: {
          metadata: { name: `${app}-${j}`, namespace: ns, labels: { app } },
          spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }] },
          status: { phase: 'Running' },
        },
      });
      result.pods++;
    }
    for (let j = 0; j < servicesPerNamespace; j++) {
      const shape = SERVICE_SHAPES[j];
      if (!shape) continue;
      items.push({ kind: services, object: shape(ns, i) });
      result.services++;
    }
    if (ingressEvery > 0 && i % ingressEvery === 0) {
      items.push({ kind: ingresses, object: ingressFor(ns) });
      result.ingresses++;
    }
  }
  store.bulkInsert(items);
  return result;
}
