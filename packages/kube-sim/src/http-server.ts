// The HTTP(S) front end: routing of Kubernetes API paths, content negotiation (JSON, Table, PartialObjectMetadata),
// authentication/authorization, faults and request counting. Pure node:http/https, like nothing but the protocol.

import { once } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import YAML from 'yaml';
import type { Authenticator } from './auth.ts';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery.ts';
import type { Faults } from './faults.ts';
import type { KindDef, KindRegistry } from './kinds.ts';
import { apiVersionOf, countingName } from './kinds.ts';
import type { KObject } from './objects.ts';
import { isObject } from './objects.ts';
import { openApiV2, openApiV3GroupVersion, openApiV3Index } from './openapi.ts';
import { decodeProtobufObject, isProtobuf } from './protobuf.ts';
import { errors, StatusError } from './status.ts';
import type { PatchType, Store } from './store.ts';
import { type IncludeObject, partialMetadata, toTable } from './table.ts';
import type { ServingCert } from './tls.ts';
import type { ObjectFormat, WatchHub } from './watch.ts';

export interface ApiServerDeps {
  store: Store;
  kinds: KindRegistry;
  auth: Authenticator;
  hub: WatchHub;
  faults: Faults;
  tls: ServingCert | undefined;
  watchTimeoutSeconds: number;
  counts: Map<string, number>;
}

type Route =
  | { type: 'health' }
  | { type: 'discovery'; body: () => unknown }
  | { type: 'openapi'; body: () => unknown }
  | { type: 'resource'; kind: KindDef; namespace: string | undefined; name: string | undefined };

export class ApiServer {
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private refusing = false;
  private boundPort = 0;

  constructor(
    private readonly d: ApiServerDeps,
    private readonly host: string,
  ) {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((e: unknown) => this.fail(res, e));
    };
    this.server = d.tls
      ? https.createServer({ cert: d.tls.cert, key: d.tls.key }, handler)
      : http.createServer(handler);
    // Long keep-alive like the real server (clients reuse connections across list calls).
    this.server.keepAliveTimeout = 65_000;
    this.server.on('connection', (s: Socket) => {
      if (this.refusing) {
        s.destroy();
        return;
      }
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  get port(): number {
    return this.boundPort;
  }

  get protocol(): 'http' | 'https' {
    return this.d.tls ? 'https' : 'http';
  }

  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.server.once('error', onError);
      this.server.listen(port, this.host, () => {
        this.server.off('error', onError);
        this.boundPort = (this.server.address() as AddressInfo).port;
        resolve(this.boundPort);
      });
    });
  }

  /** Stop listening and drop every connection; resolves when the port is free. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) {
        this.destroySockets();
        resolve();
        return;
      }
      this.server.close(() => resolve());
      this.d.hub.closeAll();
      this.server.closeAllConnections();
      this.destroySockets();
    });
  }

  setRefusing(on: boolean): void {
    this.refusing = on;
    if (on) this.destroySockets();
  }

  private destroySockets(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  private count(key: string): void {
    this.d.counts.set(key, (this.d.counts.get(key) ?? 0) + 1);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const method = req.method ?? 'GET';
    const route = this.route(url.pathname);
    const q = url.searchParams;
    const isWatch = q.get('watch') === 'true' || q.get('watch') === '1';
    const verb = route?.type === 'resource' ? verbOf(method, route.name, isWatch) : 'get';
    this.count(
      route?.type === 'resource'
        ? `${verb} ${countingName(route.kind)}`
        : route?.type === 'openapi'
          ? 'get openapi'
          : route?.type === 'health'
            ? 'get health'
            : 'get discovery',
    );

    if (this.d.faults.latencyMs > 0) await sleep(this.d.faults.latencyMs);
    const failure = this.d.faults.takeFailure();
    if (failure) throw failure;
    if (verb === 'list' && this.d.faults.listsHanging) {
      await once(res, 'close');
      return;
    }

    if (route?.type === 'health') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('ok');
      return;
    }
    const id = this.d.auth.authenticate(req.headers.authorization);
    if (!id) throw errors.unauthorized();
    if (!route) throw errors.pathNotFound();
    if (route.type === 'discovery' || route.type === 'openapi') {
      if (method !== 'GET') throw errors.methodNotAllowed();
      const body = route.body();
      if (body === undefined) throw errors.pathNotFound();
      sendJson(res, 200, body);
      return;
    }
    if (verb === '') throw errors.methodNotAllowed();
    if (!this.d.auth.allowed(id, verb, route.kind)) {
      throw errors.forbidden(id.user, verb, route.kind, route.namespace, route.name);
    }
    await this.resource(req, res, route, verb, q);
  }

  private async resource(
    req: IncomingMessage,
    res: ServerResponse,
    r: Extract<Route, { type: 'resource' }>,
    verb: string,
    q: URLSearchParams,
  ): Promise<void> {
    const { store, hub } = this.d;
    const k = r.kind;
    const accept = negotiate(req.headers.accept);
    const include = (q.get('includeObject') as IncludeObject | null) ?? 'Metadata';
    const dryRun = q.getAll('dryRun').includes('All');
    const present = (o: KObject, status = 200) => {
      if (accept === 'table')
        sendJson(res, status, toTable(k, [o], { resourceVersion: o.metadata.resourceVersion }, include));
      else if (accept === 'partial') sendJson(res, status, partialMetadata(o));
      else sendJson(res, status, o);
    };

    switch (verb) {
      case 'get':
        present(store.get(k, r.namespace, r.name ?? ''));
        return;
      case 'list': {
        const result = store.list(k, {
          namespace: r.namespace,
          labelSelector: q.get('labelSelector') ?? undefined,
          fieldSelector: q.get('fieldSelector') ?? undefined,
          limit: q.has('limit') ? Number(q.get('limit')) : undefined,
          continue: q.get('continue') ?? undefined,
        });
        const meta: Record<string, unknown> = { resourceVersion: result.resourceVersion };
        if (result.continue) meta.continue = result.continue;
        if (result.remainingItemCount !== undefined) meta.remainingItemCount = result.remainingItemCount;
        if (accept === 'table') sendJson(res, 200, toTable(k, result.items, meta, include));
        else if (accept === 'partial') {
          sendJson(res, 200, {
            kind: 'PartialObjectMetadataList',
            apiVersion: 'meta.k8s.io/v1',
            metadata: meta,
            items: result.items.map(partialMetadata),
          });
        } else {
          sendJson(res, 200, {
            kind: `${k.kind}List`,
            apiVersion: apiVersionOf(k),
            metadata: meta,
            // The real server's list items carry no kind/apiVersion.
            items: result.items.map(({ kind: _k, apiVersion: _a, ...rest }) => rest),
          });
        }
        return;
      }
      case 'watch': {
        const timeout = q.has('timeoutSeconds')
          ? Number(q.get('timeoutSeconds'))
          : this.d.watchTimeoutSeconds;
        const fieldSelector = r.name
          ? [`metadata.name=${r.name}`, q.get('fieldSelector')].filter(Boolean).join(',')
          : (q.get('fieldSelector') ?? undefined);
        hub.open(res, {
          kind: k,
          namespace: r.namespace,
          labelSelector: q.get('labelSelector') ?? undefined,
          fieldSelector,
          resourceVersion: q.get('resourceVersion') ?? undefined,
          allowBookmarks: q.get('allowWatchBookmarks') === 'true',
          sendInitialEvents: q.get('sendInitialEvents') === 'true',
          timeoutSeconds: Number.isFinite(timeout) && timeout > 0 ? timeout : this.d.watchTimeoutSeconds,
          format: accept,
          includeObject: include,
        });
        return;
      }
      case 'create': {
        const body = await readBody(req);
        present(store.create(k, asObject(body), r.namespace, { dryRun }), 201);
        return;
      }
      case 'update': {
        const body = await readBody(req);
        present(store.update(k, asObject(body), r.namespace, r.name ?? '', { dryRun }));
        return;
      }
      case 'patch': {
        const ct = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
        const type: PatchType | undefined =
          ct === 'application/merge-patch+json'
            ? 'merge'
            : ct === 'application/strategic-merge-patch+json'
              ? 'strategic'
              : ct === 'application/json-patch+json'
                ? 'json'
                : undefined;
        if (!type) throw errors.unsupportedMediaType(ct);
        const body = await readBody(req);
        present(store.patch(k, r.namespace, r.name ?? '', type, body, { dryRun }));
        return;
      }
      case 'delete': {
        const body = await readBody(req).catch(() => undefined);
        const pre = isObject(body) && isObject(body.preconditions) ? body.preconditions : {};
        const bodyDryRun = isObject(body) && Array.isArray(body.dryRun) && body.dryRun.includes('All');
        const gone = store.delete(
          k,
          r.namespace,
          r.name ?? '',
          {
            ...(typeof pre.uid === 'string' ? { uid: pre.uid } : {}),
            ...(typeof pre.resourceVersion === 'string' ? { resourceVersion: pre.resourceVersion } : {}),
          },
          { dryRun: dryRun || bodyDryRun },
        );
        if (k === store.namespaces) {
          // Namespaces are finalized asynchronously: the server answers with the object, now Terminating.
          present(gone);
        } else {
          sendJson(res, 200, {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Success',
            details: {
              name: gone.metadata.name,
              ...(k.group === '' ? {} : { group: k.group }),
              kind: k.resource,
              uid: gone.metadata.uid,
            },
          });
        }
        return;
      }
      default:
        throw errors.methodNotAllowed();
    }
  }

  private route(path: string): Route | undefined {
    const { kinds } = this.d;
    if (path === '/healthz' || path === '/readyz' || path === '/livez') return { type: 'health' };
    if (path === '/version' || path === '/version/') return { type: 'discovery', body: versionInfo };
    if (path === '/openapi/v2') return { type: 'openapi', body: () => openApiV2(kinds) };
    if (path === '/openapi/v3') return { type: 'openapi', body: () => openApiV3Index(kinds) };
    if (path.startsWith('/openapi/v3/')) {
      const gv = path.slice('/openapi/v3/'.length);
      return { type: 'openapi', body: () => openApiV3GroupVersion(kinds, gv) };
    }
    const segs = path.split('/').filter((s) => s !== '');
    let group: string;
    let version: string;
    let rest: string[];
    if (segs[0] === 'api') {
      if (segs.length === 1)
        return { type: 'discovery', body: () => apiVersions(`${this.host}:${this.port}`) };
      group = '';
      version = segs[1] ?? '';
      rest = segs.slice(2);
    } else if (segs[0] === 'apis') {
      if (segs.length === 1) return { type: 'discovery', body: () => apiGroupList(kinds) };
      const g = segs[1] ?? '';
      if (segs.length === 2) return { type: 'discovery', body: () => apiGroup(kinds, g) };
      group = g;
      version = segs[2] ?? '';
      rest = segs.slice(3);
    } else {
      return undefined;
    }
    if (rest.length === 0) return { type: 'discovery', body: () => apiResourceList(kinds, group, version) };
    const find = (res: string) => kinds.byGroupVersionResource(group, version, res);
    // /…/namespaces/{ns}/{resource}[/{name}] is a namespaced resource unless it is the namespace itself (2 segments).
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      const k = find(rest[2] ?? '');
      if (!k?.namespaced || rest.length > 4) return undefined;
      return { type: 'resource', kind: k, namespace: rest[1], name: rest[3] };
    }
    const k = find(rest[0] ?? '');
    if (!k || rest.length > 2) return undefined;
    return { type: 'resource', kind: k, namespace: undefined, name: rest[1] };
  }

  private fail(res: ServerResponse, e: unknown): void {
    const err = e instanceof StatusError ? e : errors.internal(`Internal error occurred: ${String(e)}`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const [h, v] of Object.entries(err.headers)) res.setHeader(h, v);
    sendJson(res, err.code, err.status);
  }
}

function verbOf(method: string, name: string | undefined, watch: boolean): string {
  switch (method) {
    case 'GET':
      return watch ? 'watch' : name ? 'get' : 'list';
    case 'POST':
      return name ? '' : 'create';
    case 'PUT':
      return name ? 'update' : '';
    case 'PATCH':
      return name ? 'patch' : '';
    case 'DELETE':
      return name ? 'delete' : '';
    default:
      return '';
  }
}

/** Pick the response shape from the Accept list, first acceptable entry wins (as the real negotiator does). */
export function negotiate(accept: string | undefined): ObjectFormat {
  if (!accept) return 'full';
  for (const entry of accept.split(',')) {
    const [type, ...params] = entry.split(';').map((s) => s.trim());
    const p = new Map(params.map((kv) => kv.split('=').map((s) => s.trim()) as [string, string]));
    const as = p.get('as');
    if (as === undefined) {
      if (type === 'application/json' || type === '*/*' || type === 'application/*') return 'full';
      continue;
    }
    if (p.get('g') !== 'meta.k8s.io' || p.get('v') !== 'v1') continue;
    if (as === 'Table') return 'table';
    if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return 'partial';
  }
  return 'full';
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const ct = req.headers['content-type'] ?? '';
  if (chunks.length === 0) return undefined;
  if (isProtobuf(ct)) return decodeProtobufObject(Buffer.concat(chunks));
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return ct.includes('yaml') ? YAML.parse(text) : JSON.parse(text);
  } catch (e) {
    throw errors.badRequest(`the request body could not be decoded: ${(e as Error).message}`);
  }
}

function asObject(body: unknown): KObject {
  if (!isObject(body)) throw errors.badRequest('the request body must be a JSON object');
  return body as KObject;
}
