// HTTP edge: status page, metrics, probes. Knows nothing of Kubernetes; it asks a MetricsSource.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { type BodyPiece, gzipBody, identityBody } from '../exposition/encoded-body.ts';
import { negotiateFormat } from '../exposition/negotiate.ts';
import { type ExpositionFormat, OPENMETRICS_EOF } from '../exposition/openmetrics.ts';
import { type ConnectionLimits, inFlightLimit, limitConnections } from './limits.ts';
import type { ServingStats } from './serving-stats.ts';
import { mountStatusPage } from './status-page.ts';
import type { WebConfigGuard } from './web-config.ts';

export interface MetricsSource {
  /**
   * The exposition as pieces encoded ahead of time (src/exposition/encoded-body.ts), family headers in the format
   * asked; without the OpenMetrics `# EOF`, which the HTTP edge adds after its own families.
   */
  metricsPieces(format?: ExpositionFormat): Promise<BodyPiece[]>;
  /** `incomplete`: ready, but the data is not complete (why); /readyz still answers 200 and says so. */
  readiness(): { ready: boolean; reason: string; incomplete?: string };
}

export interface HttpOptions {
  telemetryPath: string;
  log: Logger;
  /** Shown on the status page and in its JSON. */
  version: string;
  /** Scrapes served at once; more get 503 with Retry-After. Default 64 (well above Prometheus HA pairs and sharding). */
  maxScrapesInFlight?: number;
  /** The HTTP edge's own counters; when given, they are counted and appended to every scrape. */
  stats?: ServingStats;
}

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
};

/** What every app here shares: exact routing, security headers, read-only methods. */
function baseApp(): express.Express {
  const app = express();
  // Paths match exactly, as in the Go exporters: /METRICS and /metrics/ are 404, not the metrics.
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((_req, res, next) => {
    // Headers the web config set (http_server_config.headers) win over these defaults.
    for (const [name, value] of Object.entries(SECURITY_HEADERS))
      if (!res.hasHeader(name)) res.setHeader(name, value);
    next();
  });
  // Everything here is read-only: other methods get 405 rather than a misleading 404.
  app.use((req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    res.set('Allow', 'GET, HEAD').status(405).type('text/plain').send('method not allowed\n');
  });
  return app;
}

function mountProbes(app: express.Express, source: Pick<MetricsSource, 'readiness'>): void {
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });
  app.get('/readyz', (_req, res) => {
    const { ready, reason, incomplete } = source.readiness();
    const body = !ready ? `not ready: ${reason}` : incomplete ? `ok, data incomplete: ${incomplete}` : 'ok';
    res
      .status(ready ? 200 : 503)
      .type('text/plain')
      .send(`${body}\n`);
  });
}

function mountFallbacks(app: express.Express, log: Logger): void {
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('not found\n');
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = clientErrorStatus(err);
    if (status) {
      // The client's fault (a path that is not percent-encoded UTF-8, such as /namespaces/%ff): anyone can send
      // it, so it costs a debug line at most, never an error with a stack trace.
      log.debug({ status, reason: String((err as Error).message).slice(0, 200) }, 'bad request');
      if (!res.headersSent) res.status(status).type('text/plain').send('bad request\n');
      return;
    }
    log.error({ err }, 'request failed');
    if (!res.headersSent) res.status(500).type('text/plain').send('internal error\n');
  });
}

/** The 4xx status Express gave an error it raised over the request itself (e.g. 400 for an undecodable parameter). */
function clientErrorStatus(err: unknown): number | undefined {
  const { status, statusCode } = (err ?? {}) as { status?: unknown; statusCode?: unknown };
  const code = status ?? statusCode;
  return typeof code === 'number' && code >= 400 && code < 500 ? code : undefined;
}

export function createApp(source: MetricsSource, options: HttpOptions): express.Express {
  const app = baseApp();
  const { stats } = options;
  // The status page, its JSON and its stylesheet (src/http/status-page.ts); it reads the source's `state` and
  // `context` (the Exporter's cache) when it has them.
  mountStatusPage(app, source, { telemetryPath: options.telemetryPath, version: options.version });
  mountProbes(app, source);
  app.get(
    options.telemetryPath,
    inFlightLimit(options.maxScrapesInFlight ?? 64, () => stats?.count('scrapes_in_flight')),
  );
  app.get(options.telemetryPath, async (req, res) => {
    const gzipped = req.acceptsEncodings('gzip', 'identity') === 'gzip';
    // Prometheus asks for OpenMetrics first; people and older scrapers get the text format.
    const { format, contentType } = negotiateFormat(req.get('Accept'));
    res.set('Content-Type', contentType).set('Vary', 'Accept, Accept-Encoding');
    const pieces = [
      ...(await source.metricsPieces(format)),
      ...(stats ? [stats.render(format)] : []),
      ...(format === 'openmetrics' ? [OPENMETRICS_EOF] : []),
    ];
    const chunks = gzipped ? await gzipBody(pieces) : identityBody(pieces);
    if (gzipped) res.set('Content-Encoding', 'gzip');
    res.set('Content-Length', String(chunks.reduce((n, c) => n + c.length, 0)));
    res.cork(); // one writev for the thousands of pieces, not a write each
    for (const chunk of chunks) res.write(chunk);
    res.end();
  });
  mountFallbacks(app, options.log);
  return app;
}

/**
 * `/healthz` and `/readyz` alone, for --web.probe-listen-address: a listener of their own keeps the kubelet's
 * probes answered whatever holds the main one's connections (kube-state-metrics keeps its telemetry apart the
 * same way). No TLS and no authentication: the kubelet has neither client certificates nor a password.
 */
export function createProbeApp(
  source: Pick<MetricsSource, 'readiness'>,
  options: { log: Logger },
): express.Express {
  const app = baseApp();
  mountProbes(app, source);
  mountFallbacks(app, options.log);
  return app;
}

export interface Listening {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export interface ListenOptions extends Partial<ConnectionLimits> {
  /** TLS and basic auth from --web.config.file. */
  webConfig?: WebConfigGuard;
  /** Time a client has to send its request headers (slowloris bound); default 10 s. */
  headersTimeoutMs?: number;
  /** Where refused connections and requests are counted (the same instance as the app's, made with the web config). */
  stats?: ServingStats;
}

/** Connections in all, and per client address (--web.max-connections-per-client). */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxConnections: 1024,
  maxConnectionsPerClient: 64,
};

export async function listen(
  app: express.Express,
  host: string,
  port: number,
  options: ListenOptions = {},
): Promise<Listening> {
  // Bounded time for slow clients: a scrape of 10k namespaces is well under these. Node enforces the timeouts
  // only when it checks its connections, every 30 s by default: checking every second keeps the bound honest.
  const serverOptions = {
    headersTimeout: options.headersTimeoutMs ?? 10_000,
    requestTimeout: 30_000,
    keepAliveTimeout: 65_000,
    connectionsCheckingInterval: 1000,
    // Node's default, stated: larger request headers get 431.
    maxHeaderSize: 16 * 1024,
  };
  const { stats } = options;
  const count = stats ? stats.count.bind(stats) : () => {};
  const s = options.webConfig
    ? options.webConfig.createServer(app, serverOptions, count)
    : createServer(serverOptions, app);
  // Scrapers need a handful of keep-alive connections: one client that opens hundreds (a slowloris that keeps
  // reopening its sockets) holds only its share, and the rest stay free for everyone else.
  limitConnections(
    s,
    {
      maxConnections: options.maxConnections ?? DEFAULT_CONNECTION_LIMITS.maxConnections,
      maxConnectionsPerClient:
        options.maxConnectionsPerClient ?? DEFAULT_CONNECTION_LIMITS.maxConnectionsPerClient,
    },
    count,
  );
  const server = await new Promise<Server>((resolve, reject) => {
    s.once('error', reject);
    // An empty host listens on every interface (`:10111`), as Go exporters do.
    const done = () => {
      s.off('error', reject);
      resolve(s);
    };
    if (host) s.listen(port, host, done);
    else s.listen(port, done);
  });
  const address = server.address() as AddressInfo;
  const shownHost = !host
    ? '127.0.0.1'
    : address.family === 'IPv6'
      ? `[${address.address}]`
      : address.address;
  return {
    server,
    url: `${options.webConfig?.tls ? 'https' : 'http'}://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        options.webConfig?.close();
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      }),
  };
}
