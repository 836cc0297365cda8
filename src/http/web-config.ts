// `--web.config.file`: TLS, client certificates, basic auth, response headers and a rate limit for every HTTP
// endpoint, in the Prometheus exporter-toolkit format, so the same file (and the same Prometheus scrape settings)
// work for this exporter as for node_exporter. The file and the certificate, key and CA it names are re-read
// periodically; a change that does not load, or that would lower protection, keeps the old settings.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http, { type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import https from 'node:https';
import { isIPv6 } from 'node:net';
import { dirname, resolve } from 'node:path';
import {
  createSecureContext,
  DEFAULT_CIPHERS,
  type PeerCertificate,
  type SecureVersion,
  type TLSSocket,
} from 'node:tls';
import type { Logger } from 'pino';
import { parse as parseYaml } from 'yaml';
import { clientAddress, TokenBucket } from './limits.ts';
import { PasswordVerifier, type PasswordVerifierOptions } from './password-verifier.ts';
import type { RefusalReason, ReloadRefusal } from './serving-stats.ts';

export const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];
/** Older spellings exporter-toolkit still accepts. */
const CLIENT_AUTH_ALIASES: Record<string, ClientAuthType> = { RequireClientCert: 'RequireAnyClientCert' };

const TLS_VERSIONS: Record<string, SecureVersion> = {
  TLS10: 'TLSv1',
  TLS11: 'TLSv1.1',
  TLS12: 'TLSv1.2',
  TLS13: 'TLSv1.3',
};

/**
 * The cipher suites Go's tls.CipherSuites() names, as OpenSSL names them. As in Go, the list governs TLS 1.2 and
 * below; TLS 1.3 suites are accepted in it and change nothing (TLS 1.3 keeps its standard suites).
 */
const CIPHER_SUITES: Record<string, string | null> = {
  TLS_AES_128_GCM_SHA256: null,
  TLS_AES_256_GCM_SHA384: null,
  TLS_CHACHA20_POLY1305_SHA256: null,
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  // Listed by Go releases before 1.22, so older files name them.
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
};
const TLS13_SUITES = DEFAULT_CIPHERS.split(':').filter((name) => name.startsWith('TLS_'));

/** exporter-toolkit's curve names (Go's tls.CurveID) as OpenSSL names them. */
const CURVES: Record<string, string> = {
  CurveP256: 'P-256',
  CurveP384: 'P-384',
  CurveP521: 'P-521',
  X25519: 'X25519',
};

/** The headers exporter-toolkit lets a file set, with the values it accepts (empty: any). */
const CONFIGURABLE_HEADERS: Record<string, string[]> = {
  'Strict-Transport-Security': [],
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': [],
  'Content-Security-Policy': [],
};

export interface TlsSettings {
  /** Absolute paths; a file wins over the inline PEM of the same kind, as in exporter-toolkit. */
  certFile: string | undefined;
  keyFile: string | undefined;
  clientCaFile: string | undefined;
  /** Inline PEM (`cert`, `key`, `client_ca`). */
  inline: { cert?: string; key?: string; clientCa?: string };
  clientAuthType: ClientAuthType;
  minVersion: SecureVersion;
  maxVersion: SecureVersion | undefined;
  /** Go names; undefined means the defaults. */
  cipherSuites: string[] | undefined;
  curvePreferences: string[] | undefined;
  preferServerCipherSuites: boolean;
  /** A client certificate must carry one of these SANs (DNS, IP, e-mail or URI), exactly. */
  clientAllowedSans: string[] | undefined;
}

export interface WebConfig {
  tls: TlsSettings | undefined;
  /** user -> bcrypt hash; empty means no authentication. */
  users: Map<string, string>;
  /** `http_server_config.headers`, set on every response. */
  headers: Map<string, string>;
  /** `http_server_config.http2`: accepted, but this server speaks HTTP/1.1 only. */
  http2: boolean;
  /** `rate_limit`; undefined when off (no interval, or 0). */
  rateLimit: { intervalMs: number; burst: number } | undefined;
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

function optionalBool(obj: Record<string, unknown>, key: string, where: string, fallback: boolean): boolean {
  const value = obj[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw new WebConfigError(`${where}.${key} must be true or false`);
  return value;
}

function optionalList(obj: Record<string, unknown>, key: string, where: string): string[] | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))
    throw new WebConfigError(`${where}.${key} must be a list of strings`);
  return value as string[];
}

/** Names from `table`, each checked; the message lists what is accepted. */
function namesFrom(
  obj: Record<string, unknown>,
  key: string,
  table: Record<string, unknown>,
): string[] | undefined {
  const names = optionalList(obj, key, 'tls_server_config');
  for (const name of names ?? [])
    if (!Object.hasOwn(table, name))
      throw new WebConfigError(
        `tls_server_config.${key}: unknown ${JSON.stringify(name)} (supported: ${Object.keys(table).join(', ')})`,
      );
  return names && names.length > 0 ? names : undefined;
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

const GO_DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A Go duration as YAML gives it to Go: a string such as 1s, 1m30s or 250ms, or an integer of nanoseconds. */
function goDurationMs(value: unknown, where: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number' && Number.isInteger(value)) return value / 1e6;
  const raw = typeof value === 'string' ? value : '';
  if (raw === '0') return 0;
  const parts = [...raw.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|μs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== raw)
    throw new WebConfigError(
      `${where} takes a duration such as 1s, 250ms or 1m30s, not ${JSON.stringify(value)}`,
    );
  return parts.reduce((ms, p) => ms + Number(p[1]) * (GO_DURATION_UNITS[p[2] ?? 's'] ?? 0), 0);
}

function parseTls(value: unknown, baseDir: string): TlsSettings | undefined {
  const t = mapping(value, 'tls_server_config');
  onlyKeys(
    t,
    [
      'cert',
      'key',
      'client_ca',
      'cert_file',
      'key_file',
      'client_auth_type',
      'client_ca_file',
      'client_allowed_sans',
      'min_version',
      'max_version',
      'cipher_suites',
      'prefer_server_cipher_suites',
      'curve_preferences',
    ],
    'tls_server_config',
  );
  // An empty block (templated charts write `tls_server_config: {}`) means plain HTTP, as in exporter-toolkit.
  if (Object.values(t).every((v) => v === undefined || v === null || v === '')) return undefined;
  const where = 'tls_server_config';
  const certFile = optionalString(t, 'cert_file', where);
  const keyFile = optionalString(t, 'key_file', where);
  const inline: TlsSettings['inline'] = {};
  for (const [key, field] of [
    ['cert', 'cert'],
    ['key', 'key'],
    ['client_ca', 'clientCa'],
  ] as const) {
    const pem = optionalString(t, key, where);
    if (pem) inline[field] = pem;
  }
  if (!(certFile || inline.cert) || !(keyFile || inline.key))
    throw new WebConfigError(
      'tls_server_config needs a certificate and a key (cert_file and key_file, or cert and key)',
    );
  const clientCaFile = optionalString(t, 'client_ca_file', where);
  const authType = optionalString(t, 'client_auth_type', where) ?? 'NoClientCert';
  const clientAuthType = CLIENT_AUTH_ALIASES[authType] ?? authType;
  if (!(CLIENT_AUTH_TYPES as readonly string[]).includes(clientAuthType))
    throw new WebConfigError(
      `tls_server_config.client_auth_type takes one of ${CLIENT_AUTH_TYPES.join(', ')}, not ${JSON.stringify(authType)}`,
    );
  const policy = clientAuthType as ClientAuthType;
  const hasCa = Boolean(clientCaFile || inline.clientCa);
  if (verifiesClientCert(policy) && !hasCa)
    throw new WebConfigError(`tls_server_config.client_auth_type ${policy} needs client_ca_file`);
  // Same rule as exporter-toolkit: a CA without a policy that uses it is a mistake, not a silent no-op.
  if (hasCa && policy === 'NoClientCert')
    throw new WebConfigError('tls_server_config.client_ca_file is set but client_auth_type is NoClientCert');
  const clientAllowedSans = optionalList(t, 'client_allowed_sans', where);
  // Without a certificate to check, the list would silently do nothing (NoClientCert) or refuse everyone (empty).
  if (clientAllowedSans && clientAllowedSans.length === 0)
    throw new WebConfigError('tls_server_config.client_allowed_sans is empty: list SANs or remove it');
  if (clientAllowedSans && policy === 'NoClientCert')
    throw new WebConfigError(
      'tls_server_config.client_allowed_sans needs a client_auth_type that asks for a certificate',
    );
  return {
    certFile: certFile ? resolve(baseDir, certFile) : undefined,
    keyFile: keyFile ? resolve(baseDir, keyFile) : undefined,
    clientCaFile: clientCaFile ? resolve(baseDir, clientCaFile) : undefined,
    inline,
    clientAuthType: policy,
    minVersion: tlsVersion(t, 'min_version') ?? 'TLSv1.2',
    maxVersion: tlsVersion(t, 'max_version'),
    cipherSuites: namesFrom(t, 'cipher_suites', CIPHER_SUITES),
    curvePreferences: namesFrom(t, 'curve_preferences', CURVES),
    preferServerCipherSuites: optionalBool(t, 'prefer_server_cipher_suites', where, true),
    clientAllowedSans,
  };
}

function parseHttpServerConfig(value: unknown): { headers: Map<string, string>; http2: boolean } {
  const h = mapping(value, 'http_server_config');
  onlyKeys(h, ['http2', 'headers'], 'http_server_config');
  const headers = new Map<string, string>();
  for (const [name, raw] of Object.entries(mapping(h.headers, 'http_server_config.headers'))) {
    const allowed = CONFIGURABLE_HEADERS[name];
    if (!allowed || !Object.hasOwn(CONFIGURABLE_HEADERS, name))
      throw new WebConfigError(
        `http_server_config.headers: ${JSON.stringify(name)} can not be configured (supported: ${Object.keys(CONFIGURABLE_HEADERS).join(', ')})`,
      );
    if (raw === undefined || raw === null || raw === '') continue; // "unset if blank"
    if (typeof raw === 'object')
      throw new WebConfigError(`http_server_config.headers.${name} must be a string`);
    const headerValue = String(raw);
    if (allowed.length > 0 && !allowed.includes(headerValue))
      throw new WebConfigError(
        `http_server_config.headers.${name} takes one of ${allowed.join(', ')}, not ${JSON.stringify(headerValue)}`,
      );
    if (!/^[\t\x20-\x7e\x80-\xff]*$/.test(headerValue))
      throw new WebConfigError(
        `http_server_config.headers.${name} contains a character a header cannot carry`,
      );
    headers.set(name, headerValue);
  }
  return { headers, http2: optionalBool(h, 'http2', 'http_server_config', true) };
}

function parseRateLimit(value: unknown): WebConfig['rateLimit'] {
  const r = mapping(value, 'rate_limit');
  onlyKeys(r, ['interval', 'burst'], 'rate_limit');
  const intervalMs = goDurationMs(r.interval, 'rate_limit.interval');
  const burst = r.burst ?? 0;
  if (typeof burst !== 'number' || !Number.isInteger(burst) || burst < 0)
    throw new WebConfigError(`rate_limit.burst takes a whole number >= 0, not ${JSON.stringify(burst)}`);
  // As in exporter-toolkit, an interval of 0 (or none) means no limit.
  return intervalMs > 0 ? { intervalMs, burst } : undefined;
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
  onlyKeys(
    root,
    ['tls_server_config', 'http_server_config', 'rate_limit', 'basic_auth_users'],
    'the web config',
  );
  const tls = parseTls(root.tls_server_config, baseDir);
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
  return {
    tls,
    users,
    ...parseHttpServerConfig(root.http_server_config),
    rateLimit: parseRateLimit(root.rate_limit),
  };
}

/** The policy checks a presented certificate against the client CA. */
function verifiesClientCert(policy: ClientAuthType): boolean {
  return policy === 'VerifyClientCertIfGiven' || policy === 'RequireAndVerifyClientCert';
}

/** The policy refuses a client without a certificate. */
function requiresClientCert(policy: ClientAuthType): boolean {
  return policy === 'RequireAnyClientCert' || policy === 'RequireAndVerifyClientCert';
}

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

/** The SANs of a certificate as exporter-toolkit compares them: DNS names, e-mail addresses, IPs and URIs. */
export function certificateSans(cert: Pick<PeerCertificate, 'subjectaltname'>): string[] {
  const text = cert.subjectaltname ?? '';
  const sans: string[] = [];
  // Node writes `DNS:a, IP Address:1.2.3.4, email:x@y, URI:spiffe://z`, quoting (as JSON) a value with a comma.
  const entry = /(DNS|IP Address|email|URI):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g;
  for (const match of text.matchAll(entry)) {
    const [, kind = '', raw = ''] = match;
    let value = raw;
    if (raw.startsWith('"')) {
      try {
        value = JSON.parse(raw) as string;
      } catch {
        continue;
      }
    }
    sans.push(kind === 'IP Address' && isIPv6(value) ? canonicalIPv6(value) : value);
  }
  return sans;
}

/** IPv6 as Go's net.IP.String() writes it: lower case, longest run of zero groups as `::`. */
function canonicalIPv6(address: string): string {
  const [head = '', tail] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right].map((g) =>
    String(Number.parseInt(g, 16).toString(16)),
  );
  let best = { at: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.length && j - i > 1) best = { at: i, length: j - i };
    i = j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.length).join(':')}`;
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
    const cert = t.certFile ? await readNamed(t.certFile, 'cert_file') : Buffer.from(t.inline.cert ?? '');
    const key = t.keyFile ? await readNamed(t.keyFile, 'key_file') : Buffer.from(t.inline.key ?? '');
    const ca = t.clientCaFile
      ? await readNamed(t.clientCaFile, 'client_ca_file')
      : t.inline.clientCa
        ? Buffer.from(t.inline.clientCa)
        : undefined;
    digest
      .update(cert)
      .update(key)
      .update(ca ?? '');
    const ciphers = t.cipherSuites
      ?.map((name) => CIPHER_SUITES[name])
      .filter((name): name is string => typeof name === 'string');
    secure = {
      cert,
      key,
      ...(ca ? { ca } : {}),
      requestCert: t.clientAuthType !== 'NoClientCert',
      // Only this policy can be enforced in the handshake; the weaker ones are checked per request (see admit()).
      rejectUnauthorized: t.clientAuthType === 'RequireAndVerifyClientCert',
      minVersion: t.minVersion,
      ...(t.maxVersion ? { maxVersion: t.maxVersion } : {}),
      // Node drops TLS 1.3 when the list names no TLS 1.3 suite; Go never lets the list touch TLS 1.3.
      ...(ciphers ? { ciphers: [...ciphers, ...TLS13_SUITES].join(':') } : {}),
      ...(t.curvePreferences ? { ecdhCurve: t.curvePreferences.map((name) => CURVES[name]).join(':') } : {}),
      honorCipherOrder: t.preferServerCipherSuites,
    };
    try {
      createSecureContext(secure);
    } catch (err) {
      // OpenSSL's messages ("key values mismatch", "no start line", "no cipher match") name no secret.
      throw new WebConfigError(`cannot use the TLS settings: ${(err as Error).message}`);
    }
  }
  return { config, secure, fingerprint: digest.digest('hex') };
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
   * on is acted upon.
   */
  async reload(): Promise<boolean> {
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
    if (!next) return this.refuse('invalid', `web config not reloaded, keeping the previous one: ${reason}`);
    if (next.fingerprint === this.current.fingerprint) {
      this.reloadRefusal = undefined;
      this.lastReloadError = undefined;
      return false;
    }
    const lowered = loweredProtection(this.current.config, next.config);
    if (lowered)
      return this.refuse(
        'lowers_protection',
        `web config not reloaded: it would ${lowered}, and only a restart may lower protection; keeping the previous one`,
      );
    if (next.secure && !this.current.secure)
      return this.refuse(
        'needs_restart',
        'web config not reloaded: switching between HTTP and HTTPS needs a restart; keeping the previous one',
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

  /** Keeps the settings in force, says why once per distinct reason, and shows it in the metrics. */
  private refuse(refusal: ReloadRefusal, message: string): false {
    this.reloadRefusal = refusal;
    if (this.lastReloadError !== message) this.options.log.error({ file: this.path }, message);
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
      ? await this.verifier.check(
          credentials.user,
          credentials.password,
          users,
          clientAddress(req.socket),
          () => req.socket.destroyed,
        )
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

/** The policies the handshake cannot enforce (it refuses only under RequireAndVerifyClientCert), and the SANs. */
function certificateRefusal(req: IncomingMessage, tls: TlsSettings): string | undefined {
  const socket = req.socket as TLSSocket;
  const cert = socket.getPeerCertificate?.();
  const presented = cert !== undefined && cert !== null && Object.keys(cert).length > 0;
  const policy = tls.clientAuthType;
  if (policy === 'RequireAnyClientCert' && !presented) return 'client certificate required\n';
  if (policy === 'VerifyClientCertIfGiven' && presented && !socket.authorized)
    return 'client certificate not trusted\n';
  const allowed = tls.clientAllowedSans;
  if (allowed) {
    if (!presented) return 'client certificate required\n';
    if (!certificateSans(cert).some((san) => allowed.includes(san)))
      return 'client certificate has no allowed SAN\n';
  }
  return undefined;
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
