// The few raw requests the exporter makes, authenticated exactly as client-node authenticates its own
// (KubeConfig.applySecurityAuthentication + undici), but returning plain JSON: no ObjectSerializer pass
// over 50,000 objects, and list items in the same shape as watch events.
import { HttpMethod, type KubeConfig, RequestContext } from '@kubernetes/client-node';
import { fetch, type Response } from 'undici';
import { timerDelay } from '../support/deadline-timer.ts';
import { expireTokenFiles } from './token-file.ts';

export type RequestObserver = (verb: 'list' | 'watch', path: string, code: string) => void;

/** An API failure with what a retry policy needs: the HTTP status (if any), Retry-After and the Status body. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly statusCode: number | undefined,
    readonly retryAfterSeconds: number | undefined,
    /** The metav1.Status the server answered with, when it sent one. */
    readonly status?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * A Status saying the resourceVersion asked for is newer than anything the server has: etcd was restored from a
 * backup, so resourceVersions went back. Only a list from scratch helps (client-go's reflector relists, as on 410).
 * Matched as client-go matches it: the ResourceVersionTooLarge cause, or the message older servers send on a 504.
 */
export function isTooLargeResourceVersion(status: unknown): boolean {
  if (status === null || typeof status !== 'object') return false;
  const { code, message, details } = status as { code?: unknown; message?: unknown; details?: unknown };
  const causes = (details as { causes?: unknown } | null | undefined)?.causes;
  const list = Array.isArray(causes) ? (causes as { reason?: unknown; message?: unknown }[]) : [];
  if (list.some((c) => c?.reason === 'ResourceVersionTooLarge')) return true;
  if (code !== 504) return false;
  return (
    list.some((c) => c?.message === 'Too large resource version') ||
    (typeof message === 'string' && message.includes('Too large resource version'))
  );
}

/** A list request (one page) that did not answer completely within its deadline. */
export class ListTimeoutError extends Error {
  constructor(
    readonly path: string,
    readonly timeoutMs: number,
  ) {
    super(`list ${path}: no complete answer within ${formatMs(timeoutMs)}`);
    this.name = 'ListTimeoutError';
  }
}

export interface ListOptions {
  /** Deadline of each list request (headers and whole body); none (undici's 300 s) when omitted. */
  timeoutMs?: number;
  /** Aborts the list (the caller stops). */
  signal?: AbortSignal;
}

export interface ListResult<T = unknown> {
  items: T[];
  resourceVersion: string;
}

export class KubeApi {
  constructor(
    private readonly kc: KubeConfig,
    private readonly observe: RequestObserver = () => {},
  ) {}

  get server(): string {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    return cluster.server;
  }

  /** GET with the kubeconfig's credentials; the caller owns the response body. */
  async request(
    verb: 'list' | 'watch',
    path: string,
    query: Record<string, string>,
    options: { accept?: string; signal?: AbortSignal } = {},
  ): Promise<Response> {
    const url = new URL(this.server.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const ctx = new RequestContext(url.toString(), HttpMethod.GET);
    await this.kc.applySecurityAuthentication(ctx);
    const headers = { ...ctx.getHeaders(), Accept: options.accept ?? 'application/json' };
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'GET',
        headers,
        dispatcher: ctx.getDispatcher(),
        signal: options.signal,
      });
    } catch (err) {
      this.observe(verb, path, 'error');
      throw err;
    }
    this.observe(verb, path, String(response.status));
    // A rotated token: the next attempt reads the token file again instead of waiting out its minute.
    if (response.status === 401) expireTokenFiles(this.kc);
    if (response.status !== 200) throw await apiErrorFrom(response, `${verb} ${path}`);
    return response;
  }

  /**
   * Discovery: GET /apis, then the resource list of each wanted group/version (`networking.k8s.io/v1`) the server
   * has, one after another in the order given. Answers `group/version/resource` for each resource served there
   * (subresources left out).
   */
  async servedResources(groupVersions: Iterable<string>): Promise<Set<string>> {
    const groups = (await (await this.request('list', '/apis', {})).json()) as {
      groups?: { name?: string; versions?: { version?: string }[] }[];
    };
    const available = new Set<string>();
    for (const g of groups.groups ?? [])
      for (const v of g.versions ?? []) if (g.name && v.version) available.add(`${g.name}/${v.version}`);
    const served = new Set<string>();
    for (const gv of new Set(groupVersions)) {
      if (!available.has(gv)) continue;
      const list = (await (await this.request('list', `/apis/${gv}`, {})).json()) as {
        resources?: { name?: string }[];
      };
      for (const r of list.resources ?? [])
        if (r.name && !r.name.includes('/')) served.add(`${gv}/${r.name}`);
    }
    return served;
  }

  /**
   * A complete list, page by page (client-node's informer does not paginate by itself). `keep` turns each item into
   * what the caller keeps (undefined drops it) as its page arrives, so at most one page of full objects is alive:
   * 50,000 full objects at once would set the heap's high-water mark, and RSS with it, long after the list.
   */
  async listAll(path: string, pageSize: number, accept?: string): Promise<ListResult>;
  async listAll<T>(
    path: string,
    pageSize: number,
    accept: string | undefined,
    keep: (item: unknown) => T | undefined,
    options?: ListOptions,
  ): Promise<ListResult<T>>;
  async listAll<T>(
    path: string,
    pageSize: number,
    accept?: string,
    keep: (item: unknown) => T | undefined = (item) => item as T,
    options: ListOptions = {},
  ): Promise<ListResult<T>> {
    const items: T[] = [];
    let cont = '';
    let resourceVersion = '';
    do {
      const query: Record<string, string> = { limit: String(pageSize) };
      if (cont) query.continue = cont;
      const page = (await this.listPage(path, query, accept, options)) as {
        items?: unknown[];
        metadata?: { continue?: string; resourceVersion?: string };
      };
      if (Array.isArray(page.items))
        for (const item of page.items) {
          const kept = keep(item);
          if (kept !== undefined) items.push(kept);
        }
      cont = page.metadata?.continue ?? '';
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
    } while (cont);
    return { items, resourceVersion };
  }

  /** One list page, read completely within the deadline: a hung server otherwise holds it for undici's 300 s. */
  private async listPage(
    path: string,
    query: Record<string, string>,
    accept: string | undefined,
    { timeoutMs, signal }: ListOptions,
  ): Promise<unknown> {
    const controller = new AbortController();
    const abort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', abort, { once: true });
    if (signal?.aborted) abort();
    let timedOut = false;
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            controller.abort();
          }, timerDelay(timeoutMs));
    try {
      const response = await this.request('list', path, query, {
        ...(accept ? { accept } : {}),
        signal: controller.signal,
      });
      return await response.json();
    } catch (err) {
      if (timedOut && timeoutMs !== undefined) throw new ListTimeoutError(path, timeoutMs);
      throw err;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
    }
  }
}

/** 60000 as 60s, 1500 as 1.5s, 250 as 250ms. */
function formatMs(ms: number): string {
  return ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * An error as one line with what it was caused by: undici's `fetch failed` says nothing, its cause
 * (`connect ECONNREFUSED 127.0.0.1:6443`, a TLS error, a DNS failure) says what to fix.
 */
export function describeError(err: unknown): { message: string; cause?: string; address?: string } {
  if (!(err instanceof Error)) return { message: String(err) };
  const cause = (err as { cause?: unknown }).cause;
  if (!(cause instanceof Error)) return { message: err.message };
  const c = cause as Error & { code?: unknown; address?: unknown; port?: unknown; errors?: unknown };
  const code = typeof c.code === 'string' ? c.code : undefined;
  // Several addresses tried (localhost as ::1 and 127.0.0.1) come as an AggregateError with an empty message.
  const attempts = [c, ...(Array.isArray(c.errors) ? c.errors : [])] as (typeof c)[];
  const addresses = [
    ...new Set(
      attempts
        .filter((e) => typeof e?.address === 'string')
        .map((e) => {
          const host = String(e.address);
          if (e.port === undefined) return host;
          return host.includes(':') ? `[${host}]:${e.port}` : `${host}:${e.port}`;
        }),
    ),
  ];
  const address = addresses.length > 0 ? addresses.join(', ') : undefined;
  const detail = c.message || [code, address].filter((s) => s !== undefined).join(' ') || c.name;
  return {
    message: `${err.message} (${detail})`,
    ...(code ? { cause: code } : {}),
    ...(address ? { address } : {}),
  };
}

async function apiErrorFrom(response: Response, what: string): Promise<ApiError> {
  let message = response.statusText || `HTTP ${response.status}`;
  let status: unknown;
  try {
    const body = (await response.json()) as { message?: unknown };
    if (typeof body.message === 'string') message = body.message;
    status = body;
  } catch {
    // Not a Status body: keep the status text.
  }
  // Seconds as client-go reads it; the informer caps the wait at its own backoff maximum.
  const retryAfter = Number(response.headers.get('retry-after'));
  return new ApiError(
    `${what}: ${response.status} ${message}`,
    response.status,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    status,
  );
}
