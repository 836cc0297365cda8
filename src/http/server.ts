// HTTP edge: status page, metrics, probes. Knows nothing of Kubernetes; it asks a MetricsSource.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { type BodyPiece, gzipBody, identityBody } from '../exposition/encoded-body.ts';
import { CONTENT_TYPE } from '../exposition/text.ts';
import { buildInfo } from '../support/build-info.ts';
import { inFlightLimit } from './limits.ts';
import { mountStatusPage } from './status-page.ts';
import type { WebConfigGuard } from './web-config.ts';

const gzipAsync = promisify(gzip);

export interface MetricsSource {
  metrics(): Promise<string>;
  /** The same exposition as pieces encoded ahead of time (src/exposition/encoded-body.ts); preferred when present. */
  metricsPieces?(): Promise<BodyPiece[]>;
  /** `incomplete`: ready, but the data is not complete (why); /readyz still answers 200 and says so. */
  readiness(): { ready: boolean; reason: string; incomplete?: string };
}

export interface HttpOptions {
  telemetryPath: string;
  log: Logger;
  /** Scrapes served at once; more get 503 with Retry-After. Default 64 (well above Prometheus HA pairs and sharding). */
  maxScrapesInFlight?: number;
}

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
};

export function createApp(source: MetricsSource, options: HttpOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((_req, res, next) => {
    res.set(SECURITY_HEADERS);
    next();
  });
  // Everything here is read-only: other methods get 405 rather than a misleading 404.
  app.use((req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    res.set('Allow', 'GET, HEAD').status(405).type('text/plain').send('method not allowed\n');
  });

  // The status page, its JSON and its stylesheet (src/http/status-page.ts); it reads the source's `state` and
  // `context` (the Exporter's cache) when it has them.
  mountStatusPage(app, source, { telemetryPath: options.telemetryPath, version: buildInfo.version });
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
  app.get(options.telemetryPath, inFlightLimit(options.maxScrapesInFlight ?? 64));
  app.get(options.telemetryPath, async (req, res) => {
    const gzipped = req.acceptsEncodings('gzip', 'identity') === 'gzip';
    res.set('Content-Type', CONTENT_TYPE).set('Vary', 'Accept-Encoding');
    if (source.metricsPieces) {
      const pieces = await source.metricsPieces();
      const chunks = gzipped ? await gzipBody(pieces) : identityBody(pieces);
      if (gzipped) res.set('Content-Encoding', 'gzip');
      res.set('Content-Length', String(chunks.reduce((n, c) => n + c.length, 0)));
      res.cork(); // one writev for the thousands of pieces, not a write each
      for (const chunk of chunks) res.write(chunk);
      res.end();
      return;
    }
    const body = await source.metrics();
    if (gzipped) {
      res.set('Content-Encoding', 'gzip').send(await gzipAsync(body));
    } else {
      res.send(body);
    }
  });
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('not found\n');
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    options.log.error({ err }, 'request failed');
    if (!res.headersSent) res.status(500).type('text/plain').send('internal error\n');
  });
  return app;
}

export interface Listening {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export interface ListenOptions {
  /** TLS and basic auth from --web.config.file. */
  webConfig?: WebConfigGuard;
  /** Time a client has to send its request headers (slowloris bound); default 10 s. */
  headersTimeoutMs?: number;
}

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
  const s = options.webConfig
    ? options.webConfig.createServer(app, serverOptions)
    : createServer(serverOptions, app);
  // A backstop against connection floods; scrapers need a handful of keep-alive connections.
  s.maxConnections = 1024;
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
