// `--web.config.file` in force: TLS, client certificates, basic auth, response headers and a rate limit for every
// HTTP endpoint, in the Prometheus exporter-toolkit format, so the same file (and the same Prometheus scrape
// settings) work for this exporter as for node_exporter. Reading the file is web-config-file.ts, the TLS side
// tls-context.ts; this guard checks each request and reloads the files periodically (and on request): a change that
// does not load, or that would lower protection, keeps the old settings.
import http, { type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import https from 'node:https';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { clientAddress, TokenBucket } from './limits.ts';
import { PasswordVerifier, type PasswordVerifierOptions } from './password-verifier.ts';
import type { RefusalReason, ReloadRefusal } from './serving-stats.ts';
import { certificateRefusal, secureOptions } from './tls-context.ts';
import {
  readWebConfigFile,
  requiresClientCert,
  verifiesClientCert,
  type WebConfig,
  WebConfigError,
} from './web-config-file.ts';

/**
 * What a change from `current` to `next` would switch off, if anything: TLS, basic auth, a client-certificate
 * requirement or check, or the SAN allow-list. A reload may tighten; only a restart may loosen.
 */
export function loweredProtection(current: WebConfig, next: WebConfig): string | undefined {
  if (current.tls && !next.tls) return 'turn off TLS';
  if (current.users.size > 0 && next.users.size === 0) return 'turn off basic authentication';
  const was = current.tls?.clientAuthType ?? 'NoClientCert';
  const will = next.tls?.clientAuthType ?? 'NoClientCert';
  if (requiresClientCert(was) && !requiresClientCert(will))
    return `stop requiring client certificates (${was} to ${will})`;
  if (verifiesClientCert(was) && !verifiesClientCert(will))
    return `stop verifying client certificates (${was} to ${will})`;
  if (current.tls?.clientAllowedSans && !next.tls?.clientAllowedSans)
    return 'stop checking client certificate SANs (client_allowed_sans)';
  return undefined;
}

interface Loaded {
  config: WebConfig;
  /** Node TLS options built from the files; undefined without TLS. */
  secure: https.ServerOptions | undefined;
  /** Changes when the file or a file it names changes. */
  fingerprint: string;
}

async function loadFile(path: string): Promise<Loaded> {
  const { config, material, fingerprint } = await readWebConfigFile(path);
  const secure = config.tls && material ? secureOptions(config.tls, material) : undefined;
  return { config, secure, fingerprint };
}

export interface WebConfigGuardOptions {
  log: Logger;
  /** How often the files are checked for changes; default 5 s. */
  reloadIntervalMs?: number;
  /** Bounds of the password checks (src/http/password-verifier.ts). */
  verifier?: PasswordVerifierOptions;
}

/** The loaded web config: builds the server, checks each request, and reloads itself. */
export class WebConfigGuard {
  private server: http.Server | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly verifier: PasswordVerifier;
  private bucket: TokenBucket | undefined;
  private onRefused: (reason: RefusalReason) => void = () => {};
  private lastReloadError: string | undefined;
  private lastSeen: string;
  private reloading: Promise<unknown> = Promise.resolve();
  /** Why the file on disk is not in force, while it is not. */
  reloadRefusal: ReloadRefusal | undefined;

  private constructor(
    readonly path: string,
    private current: Loaded,
    private readonly options: WebConfigGuardOptions,
  ) {
    this.lastSeen = current.fingerprint;
    this.verifier = new PasswordVerifier(options.verifier);
    this.bucket = bucketFor(current.config);
    if (current.config.rateLimit?.burst === 0)
      options.log.warn({ file: path }, 'web config rate_limit.burst is 0: every request gets 429');
  }

  /** Loads and validates the file and everything it names; throws WebConfigError with a one-line reason. */
  static async load(path: string, options: WebConfigGuardOptions): Promise<WebConfigGuard> {
    const absolute = resolve(path);
    return new WebConfigGuard(absolute, await loadFile(absolute), options);
  }

  get tls(): boolean {
    return this.current.secure !== undefined;
  }

  get config(): WebConfig {
    return this.current.config;
  }

  /**
   * An HTTP or HTTPS server (fixed at start, as exporter-toolkit does) running handler behind the checks;
   * `onRefused` hears of every request or handshake it refuses.
   */
  createServer(
    handler: RequestListener,
    serverOptions: http.ServerOptions,
    onRefused?: (reason: RefusalReason) => void,
  ): http.Server {
    if (onRefused) this.onRefused = onRefused;
    const guarded: RequestListener = (req, res) => {
      void this.admit(req, res).then(
        (ok) => {
          if (ok) handler(req, res);
        },
        (err: unknown) => {
          this.options.log.error({ err }, 'authentication failed unexpectedly');
          if (!res.headersSent) plain(res, 500, 'internal error\n');
        },
      );
    };
    this.server = this.current.secure
      ? https.createServer({ ...serverOptions, ...this.current.secure }, guarded)
      : http.createServer(serverOptions, guarded);
    // Handshakes refused (no or an untrusted certificate under RequireAndVerifyClientCert, or not TLS at all).
    this.server.on('tlsClientError', () => this.onRefused('client_certificate'));
    this.timer = setInterval(() => void this.reload(), this.options.reloadIntervalMs ?? 5000);
    this.timer.unref();
    return this.server;
  }

  close(): void {
    clearInterval(this.timer);
    this.verifier.close();
  }

  /**
   * Re-reads the files; returns whether new settings were applied. A broken change keeps the old settings, and so
   * does one that would lower protection (turn off TLS or basic auth, stop requiring or verifying client
   * certificates): only a restart can do that, so an emptied or truncated file never opens the endpoint.
   * Files are often rewritten in place, and a half-written file can parse: only what two checks in a row agree
   * on is acted upon, unless the reload was `asked` for (SIGHUP): whoever sends it says the files are complete, so
   * what it reads is acted upon at once, and it is told the outcome even when nothing changed.
   * Reloads run one at a time (the timer's and an asked one can meet).
   */
  reload(asked = false): Promise<boolean> {
    const run = this.reloading.then(() => this.reloadOnce(asked));
    this.reloading = run.catch(() => false);
    return run;
  }

  private async reloadOnce(asked: boolean): Promise<boolean> {
    let next: Loaded | undefined;
    let reason = '';
    try {
      next = await loadFile(this.path);
    } catch (err) {
      reason = err instanceof WebConfigError ? err.message : String(err);
    }
    const seen = next ? next.fingerprint : `error: ${reason}`;
    const stable = asked || seen === this.lastSeen;
    this.lastSeen = seen;
    if (!stable) return false;
    if (!next)
      return this.refuse('invalid', `web config not reloaded, keeping the previous one: ${reason}`, asked);
    if (next.fingerprint === this.current.fingerprint) {
      this.reloadRefusal = undefined;
      this.lastReloadError = undefined;
      if (asked) this.options.log.info({ file: this.path }, 'web config unchanged');
      return false;
    }
    const lowered = loweredProtection(this.current.config, next.config);
    if (lowered)
      return this.refuse(
        'lowers_protection',
        `web config not reloaded: it would ${lowered}, and only a restart may lower protection; keeping the previous one`,
        asked,
      );
    if (next.secure && !this.current.secure)
      return this.refuse(
        'needs_restart',
        'web config not reloaded: switching between HTTP and HTTPS needs a restart; keeping the previous one',
        asked,
      );
    if (next.secure && this.server instanceof https.Server) {
      this.server.setSecureContext(next.secure);
      // setSecureContext swaps certificates, CAs and ciphers; each new connection reads these two from the server.
      const server = this.server as https.Server & { requestCert: boolean; rejectUnauthorized: boolean };
      server.requestCert = next.secure.requestCert === true;
      server.rejectUnauthorized = next.secure.rejectUnauthorized === true;
    }
    const previous = this.current.config.rateLimit;
    const rateLimit = next.config.rateLimit;
    if (previous?.intervalMs !== rateLimit?.intervalMs || previous?.burst !== rateLimit?.burst)
      this.bucket = bucketFor(next.config);
    this.current = next;
    // What was learnt about unchanged users still holds: Prometheus does not pay bcrypt again after a reload.
    this.verifier.keepOnly(next.config.users);
    this.reloadRefusal = undefined;
    this.lastReloadError = undefined;
    this.options.log.info(
      { file: this.path, tls: this.tls, users: next.config.users.size },
      'web config reloaded',
    );
    return true;
  }

  /** Keeps the settings in force, says why once per distinct reason (and whenever asked), and shows it in the metrics. */
  private refuse(refusal: ReloadRefusal, message: string, asked: boolean): false {
    this.reloadRefusal = refusal;
    if (asked || this.lastReloadError !== message) this.options.log.error({ file: this.path }, message);
    this.lastReloadError = message;
    return false;
  }

  /** Rate limit, client-certificate policy and basic auth; answers the request itself when it is refused. */
  private async admit(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const { config } = this.current;
    // First, as in exporter-toolkit: a request over the limit costs nothing more.
    if (this.bucket && !this.bucket.take()) {
      this.onRefused('rate_limited');
      res.setHeader('Retry-After', String(this.bucket.retryAfterSeconds()));
      plain(res, 429, 'too many requests\n');
      return false;
    }
    for (const [name, value] of config.headers) res.setHeader(name, value);
    const refusal = this.current.secure && config.tls ? certificateRefusal(req, config.tls) : undefined;
    if (refusal) {
      this.onRefused('client_certificate');
      plain(res, 403, refusal);
      return false;
    }
    const users = config.users;
    if (users.size === 0) return true;
    const credentials = basicCredentials(req.headers.authorization);
    const verdict = credentials
      ? await this.verifier.check(credentials.user, credentials.password, users, {
          address: clientAddress(req.socket),
          connection: req.socket,
          abandoned: () => req.socket.destroyed,
        })
      : 'bad';
    if (verdict === 'ok') return true;
    if (verdict === 'busy') {
      this.onRefused('authentication_busy');
      res.setHeader('Retry-After', '1');
      plain(res, 503, 'too many authentication attempts in progress\n');
      return false;
    }
    this.onRefused('unauthenticated');
    res.setHeader('WWW-Authenticate', 'Basic realm="netpol-exporter", charset="UTF-8"');
    plain(res, 401, 'Unauthorized\n');
    return false;
  }
}

function bucketFor(config: WebConfig): TokenBucket | undefined {
  return config.rateLimit ? new TokenBucket(config.rateLimit.intervalMs, config.rateLimit.burst) : undefined;
}

function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  const match = header ? /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function plain(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
}
