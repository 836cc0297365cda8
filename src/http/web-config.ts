// `--web.config.file`: TLS and basic auth for every HTTP endpoint, in the Prometheus exporter-toolkit format, so
// the same file (and the same Prometheus scrape settings) work for this exporter as for node_exporter. The file and
// the certificate, key and CA it names are re-read periodically; a change that does not load keeps the old settings.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http, { type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import https from 'node:https';
import { dirname, resolve } from 'node:path';
import { createSecureContext, type SecureVersion, type TLSSocket } from 'node:tls';
import bcrypt from 'bcryptjs';
import type { Logger } from 'pino';
import { parse as parseYaml } from 'yaml';

export const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

const TLS_VERSIONS: Record<string, SecureVersion> = {
  TLS10: 'TLSv1',
  TLS11: 'TLSv1.1',
  TLS12: 'TLSv1.2',
  TLS13: 'TLSv1.3',
};

export interface TlsSettings {
  certFile: string;
  keyFile: string;
  clientCaFile: string | undefined;
  clientAuthType: ClientAuthType;
  minVersion: SecureVersion;
  maxVersion: SecureVersion | undefined;
}

export interface WebConfig {
  tls: TlsSettings | undefined;
  /** user -> bcrypt hash; empty means no authentication. */
  users: Map<string, string>;
}

/** A web config file that cannot be used; the message is one line and never contains a hash or key material. */
export class WebConfigError extends Error {
  override name = 'WebConfigError';
}

const BCRYPT_HASH = /^\$2[aby]?\$\d\d\$[./A-Za-z0-9]{53}$/;

function mapping(value: unknown, where: string): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new WebConfigError(`${where} must be a mapping`);
  return value as Record<string, unknown>;
}

function onlyKeys(obj: Record<string, unknown>, allowed: string[], where: string): void {
  for (const key of Object.keys(obj))
    if (!allowed.includes(key))
      throw new WebConfigError(
        `unknown key ${JSON.stringify(key)} in ${where} (supported: ${allowed.join(', ')})`,
      );
}

function optionalString(obj: Record<string, unknown>, key: string, where: string): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new WebConfigError(`${where}.${key} must be a string`);
  return value;
}

function tlsVersion(obj: Record<string, unknown>, key: string): SecureVersion | undefined {
  const raw = optionalString(obj, key, 'tls_server_config');
  if (raw === undefined) return undefined;
  const version = TLS_VERSIONS[raw];
  if (!version)
    throw new WebConfigError(
      `tls_server_config.${key} takes one of ${Object.keys(TLS_VERSIONS).join(', ')}, not ${JSON.stringify(raw)}`,
    );
  return version;
}

/** Parses and validates the file's text; relative paths are relative to the file's directory, as exporter-toolkit does. */
export function parseWebConfig(text: string, baseDir: string): WebConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new WebConfigError(`not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const root = mapping(doc, 'the web config');
  onlyKeys(root, ['tls_server_config', 'basic_auth_users'], 'the web config');

  let tls: TlsSettings | undefined;
  if (root.tls_server_config !== undefined && root.tls_server_config !== null) {
    const t = mapping(root.tls_server_config, 'tls_server_config');
    onlyKeys(
      t,
      ['cert_file', 'key_file', 'client_ca_file', 'client_auth_type', 'min_version', 'max_version'],
      'tls_server_config',
    );
    const certFile = optionalString(t, 'cert_file', 'tls_server_config');
    const keyFile = optionalString(t, 'key_file', 'tls_server_config');
    if (!certFile || !keyFile)
      throw new WebConfigError('tls_server_config needs both cert_file and key_file');
    const clientCaFile = optionalString(t, 'client_ca_file', 'tls_server_config');
    const authType = optionalString(t, 'client_auth_type', 'tls_server_config') ?? 'NoClientCert';
    if (!(CLIENT_AUTH_TYPES as readonly string[]).includes(authType))
      throw new WebConfigError(
        `tls_server_config.client_auth_type takes one of ${CLIENT_AUTH_TYPES.join(', ')}, not ${JSON.stringify(authType)}`,
      );
    const clientAuthType = authType as ClientAuthType;
    const verifies =
      clientAuthType === 'VerifyClientCertIfGiven' || clientAuthType === 'RequireAndVerifyClientCert';
    if (verifies && !clientCaFile)
      throw new WebConfigError(`tls_server_config.client_auth_type ${clientAuthType} needs client_ca_file`);
    // Same rule as exporter-toolkit: a CA without a policy that uses it is a mistake, not a silent no-op.
    if (clientCaFile && clientAuthType === 'NoClientCert')
      throw new WebConfigError(
        'tls_server_config.client_ca_file is set but client_auth_type is NoClientCert',
      );
    tls = {
      certFile: resolve(baseDir, certFile),
      keyFile: resolve(baseDir, keyFile),
      clientCaFile: clientCaFile ? resolve(baseDir, clientCaFile) : undefined,
      clientAuthType,
      minVersion: tlsVersion(t, 'min_version') ?? 'TLSv1.2',
      maxVersion: tlsVersion(t, 'max_version'),
    };
  }

  const users = new Map<string, string>();
  for (const [user, hash] of Object.entries(mapping(root.basic_auth_users, 'basic_auth_users'))) {
    if (user.includes(':'))
      throw new WebConfigError(`basic_auth_users: user ${JSON.stringify(user)} contains ":"`);
    if (typeof hash !== 'string' || !BCRYPT_HASH.test(hash))
      throw new WebConfigError(
        `basic_auth_users.${user} is not a bcrypt hash (make one with htpasswd -nBC 10 "" )`,
      );
    users.set(user, hash);
  }
  return { tls, users };
}

interface Loaded {
  config: WebConfig;
  /** Node TLS options built from the files; undefined without TLS. */
  secure: https.ServerOptions | undefined;
  /** Hash of the config file and every file it names: a change to any of them triggers a reload. */
  fingerprint: string;
}

async function readNamed(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new WebConfigError(
      `cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
}

async function loadFile(path: string): Promise<Loaded> {
  const text = (await readNamed(path, 'web config file')).toString('utf8');
  const config = parseWebConfig(text, dirname(path));
  const digest = createHash('sha256').update(text);
  let secure: https.ServerOptions | undefined;
  if (config.tls) {
    const t = config.tls;
    const cert = await readNamed(t.certFile, 'cert_file');
    const key = await readNamed(t.keyFile, 'key_file');
    const ca = t.clientCaFile ? await readNamed(t.clientCaFile, 'client_ca_file') : undefined;
    digest
      .update(cert)
      .update(key)
      .update(ca ?? '');
    secure = {
      cert,
      key,
      ...(ca ? { ca } : {}),
      requestCert: t.clientAuthType !== 'NoClientCert',
      // Only this policy can be enforced in the handshake; the weaker ones are checked per request (see admit()).
      rejectUnauthorized: t.clientAuthType === 'RequireAndVerifyClientCert',
      minVersion: t.minVersion,
      ...(t.maxVersion ? { maxVersion: t.maxVersion } : {}),
    };
    try {
      createSecureContext(secure);
    } catch (err) {
      // OpenSSL's messages ("key values mismatch", "no start line") name no secret.
      throw new WebConfigError(`cannot use the TLS files: ${(err as Error).message}`);
    }
  }
  return { config, secure, fingerprint: digest.digest('hex') };
}

export interface WebConfigGuardOptions {
  log: Logger;
  /** How often the files are checked for changes; default 5 s. */
  reloadIntervalMs?: number;
}

/** Verifications in flight at once: bcrypt is deliberately slow, so wrong passwords must not be able to queue unbounded work. */
const MAX_VERIFICATIONS = 8;
/** Remembered good credentials; cleared when full or on reload. */
const MAX_CACHED = 256;

/** The loaded web config: builds the server, checks each request, and reloads itself. */
export class WebConfigGuard {
  private server: http.Server | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly verified = new Set<string>();
  private verifying = 0;
  private dummyHash: string | undefined;

  private constructor(
    readonly path: string,
    private current: Loaded,
    private readonly options: WebConfigGuardOptions,
  ) {
    this.lastSeen = current.fingerprint;
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

  /** An HTTP or HTTPS server (fixed at start, as exporter-toolkit does) running handler behind the checks. */
  createServer(handler: RequestListener, serverOptions: http.ServerOptions): http.Server {
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
    this.timer = setInterval(() => void this.reload(), this.options.reloadIntervalMs ?? 5000);
    this.timer.unref();
    return this.server;
  }

  close(): void {
    clearInterval(this.timer);
  }

  /**
   * Re-reads the files; returns whether new settings were applied. A broken change keeps the old settings.
   * Files are often rewritten in place, and a half-written file can parse (an empty file is a valid config that
   * turns authentication off): only what two checks in a row agree on is acted upon.
   */
  async reload(): Promise<boolean> {
    const { log } = this.options;
    let next: Loaded | undefined;
    let reason = '';
    try {
      next = await loadFile(this.path);
    } catch (err) {
      reason = err instanceof WebConfigError ? err.message : String(err);
    }
    const seen = next ? next.fingerprint : `error: ${reason}`;
    const stable = seen === this.lastSeen;
    this.lastSeen = seen;
    if (!stable) return false;
    if (!next) {
      if (this.lastReloadError !== reason)
        log.error({ file: this.path }, `web config not reloaded, keeping the previous one: ${reason}`);
      this.lastReloadError = reason;
      return false;
    }
    this.lastReloadError = undefined;
    if (next.fingerprint === this.current.fingerprint) return false;
    if ((next.secure === undefined) !== (this.current.secure === undefined)) {
      log.error(
        { file: this.path },
        'web config not reloaded: switching between HTTP and HTTPS needs a restart; keeping the previous one',
      );
      return false;
    }
    if (next.secure && this.server instanceof https.Server) {
      this.server.setSecureContext(next.secure);
      // setSecureContext swaps certificates and CAs only; each new connection reads these two from the server.
      const server = this.server as https.Server & { requestCert: boolean; rejectUnauthorized: boolean };
      server.requestCert = next.secure.requestCert === true;
      server.rejectUnauthorized = next.secure.rejectUnauthorized === true;
    }
    this.current = next;
    this.verified.clear();
    log.info({ file: this.path, tls: this.tls, users: next.config.users.size }, 'web config reloaded');
    return true;
  }

  private lastReloadError: string | undefined;
  private lastSeen: string;

  /** Client-certificate policy and basic auth; answers the request itself when it is refused. */
  private async admit(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const tlsSettings = this.current.config.tls;
    if (tlsSettings && this.current.secure) {
      const socket = req.socket as TLSSocket;
      const cert = socket.getPeerCertificate?.();
      const presented = cert !== undefined && cert !== null && Object.keys(cert).length > 0;
      const policy = tlsSettings.clientAuthType;
      if (policy === 'RequireAnyClientCert' && !presented) {
        plain(res, 403, 'client certificate required\n');
        return false;
      }
      if (policy === 'VerifyClientCertIfGiven' && presented && !socket.authorized) {
        plain(res, 403, 'client certificate not trusted\n');
        return false;
      }
    }
    const users = this.current.config.users;
    if (users.size === 0) return true;
    const credentials = basicCredentials(req.headers.authorization);
    if (credentials && (await this.verify(credentials.user, credentials.password, res))) return true;
    if (res.headersSent) return false;
    res.setHeader('WWW-Authenticate', 'Basic realm="netpol-exporter", charset="UTF-8"');
    plain(res, 401, 'Unauthorized\n');
    return false;
  }

  private async verify(user: string, password: string, res: ServerResponse): Promise<boolean> {
    const hash = this.current.config.users.get(user);
    // Keyed by a hash of user, password and stored hash: a changed hash or password never matches an old entry.
    const key = createHash('sha256')
      .update(`${user}\0${password}\0${hash ?? ''}`)
      .digest('hex');
    if (hash !== undefined && this.verified.has(key)) return true;
    if (this.verifying >= MAX_VERIFICATIONS) {
      res.setHeader('Retry-After', '1');
      plain(res, 503, 'too many authentication attempts in progress\n');
      return false;
    }
    this.verifying++;
    try {
      // An unknown user still costs one bcrypt comparison, so response times do not reveal which users exist.
      this.dummyHash ??= await bcrypt.hash('netpol-exporter', 10);
      const ok = await bcrypt.compare(password, hash ?? this.dummyHash);
      if (!ok || hash === undefined) return false;
      if (this.verified.size >= MAX_CACHED) this.verified.clear();
      this.verified.add(key);
      return true;
    } finally {
      this.verifying--;
    }
  }
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
