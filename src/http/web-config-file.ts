// Reading `--web.config.file`: the exporter-toolkit format (TLS, client certificates, basic auth, response headers
// and a rate limit), validated into a WebConfig, and the certificate, key and CA it names read alongside, so the
// guard (web-config.ts) can tell from one fingerprint whether anything changed.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { SecureVersion } from 'node:tls';
import { parse as parseYaml } from 'yaml';

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
export const CIPHER_SUITES: Record<string, string | null> = {
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

/** exporter-toolkit's curve names (Go's tls.CurveID) as OpenSSL names them. */
export const CURVES: Record<string, string> = {
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
export function verifiesClientCert(policy: ClientAuthType): boolean {
  return policy === 'VerifyClientCertIfGiven' || policy === 'RequireAndVerifyClientCert';
}

/** The policy refuses a client without a certificate. */
export function requiresClientCert(policy: ClientAuthType): boolean {
  return policy === 'RequireAnyClientCert' || policy === 'RequireAndVerifyClientCert';
}

/** The PEM the TLS settings name, read from their files or taken inline. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca: Buffer | undefined;
}

export interface WebConfigFile {
  config: WebConfig;
  /** Undefined without TLS. */
  material: TlsMaterial | undefined;
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

/** Reads and validates the file and the PEM files it names; throws WebConfigError with a one-line reason. */
export async function readWebConfigFile(path: string): Promise<WebConfigFile> {
  const absolute = resolve(path);
  const text = (await readNamed(absolute, 'web config file')).toString('utf8');
  const config = parseWebConfig(text, dirname(absolute));
  const digest = createHash('sha256').update(text);
  const t = config.tls;
  if (!t) return { config, material: undefined, fingerprint: digest.digest('hex') };
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
  return { config, material: { cert, key, ca }, fingerprint: digest.digest('hex') };
}
