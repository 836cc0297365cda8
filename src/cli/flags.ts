// Prometheus-style flags (`--web.listen-address=:10111` or `--web.listen-address :10111`), each with an
// environment variable. Flags are data, so `--help`, docs/flags.md (generated) and the deploy tests read one table.

import { DEFAULT_ANNOTATION_PREFIX } from '../core/context/exemption.ts';
import type { NamespaceContextOptions } from '../core/context/namespace-context.ts';
import { parseLabelSelector, type SelectorRequirement } from '../core/selectors/selector-syntax.ts';
import { isSource, SOURCES, type Source } from '../core/sources/index.ts';

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface Flag<T> {
  name: string;
  env: string;
  help: string;
  /** More than --help says, in Markdown, for docs/flags.md (links are relative to docs/). */
  doc?: string;
  default: string;
  /** Placeholder for --help, e.g. ADDRESS. Boolean flags have none. */
  value?: string;
  parse: (raw: string, name: string) => T;
}

export type FlagSpec = Record<string, Flag<unknown>>;
export type FlagValues<S extends FlagSpec> = { [K in keyof S]: S[K] extends Flag<infer T> ? T : never };

export function envName(flagName: string): string {
  return `NETPOL_EXPORTER_${flagName.replace(/[.-]/g, '_').toUpperCase()}`;
}

export function flag<T>(spec: Omit<Flag<T>, 'env'> & { env?: string }): Flag<T> {
  return { ...spec, env: spec.env ?? envName(spec.name) };
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export const parsers = {
  string: (raw: string) => raw,
  nonEmpty: (raw: string, name: string) => {
    if (raw.trim() === '') throw new UsageError(`--${name} must not be empty`);
    return raw;
  },
  bool: (raw: string, name: string) => {
    if (raw === 'true' || raw === '') return true;
    if (raw === 'false') return false;
    throw new UsageError(`--${name} takes true or false, not ${JSON.stringify(raw)}`);
  },
  positiveInt: (raw: string, name: string) => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < 1)
      throw new UsageError(`--${name} takes a whole number > 0, not ${JSON.stringify(raw)}`);
    return n;
  },
  oneOf:
    <T extends string>(...choices: T[]) =>
    (raw: string, name: string): T => {
      if (!(choices as string[]).includes(raw))
        throw new UsageError(`--${name} takes one of ${choices.join(', ')}, not ${JSON.stringify(raw)}`);
      return raw as T;
    },
  /** Durations as Prometheus writes them (`90s`, `5m`, `1h30m`, `500ms`), in milliseconds. */
  duration: (raw: string, name: string) => {
    const parts = [...raw.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
    if (parts.length === 0 || parts.map((p) => p[0]).join('') !== raw)
      throw new UsageError(`--${name} takes a duration such as 90s, 5m or 1h, not ${JSON.stringify(raw)}`);
    return parts.reduce((ms, p) => ms + Number(p[1]) * (DURATION_UNITS[p[2] ?? 's'] ?? 0), 0);
  },
  /**
   * A duration within [min, max] (written as durations): a wait of 0 or one past Node's 24.8-day timer limit fires
   * at once, so a value outside the range a timer can honour is refused rather than turned into a hot loop.
   */
  durationIn:
    (min: string, max: string) =>
    (raw: string, name: string): number => {
      const ms = parsers.duration(raw, name);
      if (ms < parsers.duration(min, 'min') || ms > parsers.duration(max, 'max'))
        throw new UsageError(`--${name} takes a duration from ${min} to ${max}, not ${JSON.stringify(raw)}`);
      return ms;
    },
  /** A whole number from 1 to max: a size or count past its sane range is refused, not silently honoured. */
  positiveIntUpTo:
    (max: number) =>
    (raw: string, name: string): number => {
      const n = parsers.positiveInt(raw, name);
      if (n > max)
        throw new UsageError(`--${name} takes a whole number from 1 to ${max}, not ${JSON.stringify(raw)}`);
      return n;
    },
  path: (raw: string, name: string) => {
    if (!raw.startsWith('/')) throw new UsageError(`--${name} must start with /, not ${JSON.stringify(raw)}`);
    return raw;
  },
};

/** `a, b,,c` is [a, b, c]. */
function commaList(raw: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * Namespace label keys, or `*`. kube-state-metrics' spelling (`namespaces=[team,owner]`), which users paste, means
 * the same here; any other resource, or a key that is not a label key, is refused with the syntax to use.
 */
function labelAllowlist(raw: string, name: string): string[] {
  const trimmed = raw.trim();
  const ksm = /^namespaces=\[(.*)\]$/.exec(trimmed);
  if (!ksm && /[=[\]]/.test(trimmed))
    throw new UsageError(
      `--${name} takes namespace label keys such as team,owner (or *), or kube-state-metrics' namespaces=[team,owner]; not ${JSON.stringify(raw)}`,
    );
  const keys = commaList(ksm ? (ksm[1] ?? '') : trimmed);
  for (const key of keys)
    if (key !== '*' && !LABEL_KEY.test(key))
      throw new UsageError(`--${name}: ${JSON.stringify(key)} is not a label key`);
  return keys;
}

function labelSelector(raw: string, name: string): SelectorRequirement[] {
  try {
    return parseLabelSelector(raw);
  } catch (err) {
    throw new UsageError(`--${name}: ${(err as Error).message}`);
  }
}

/** An annotation key prefix such as `netpol-exporter.io/` or `example.com/netpol-`. */
function annotationPrefix(raw: string, name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(raw) || raw.split('/').length > 2)
    throw new UsageError(
      `--${name} takes an annotation key prefix such as netpol-exporter.io/, not ${JSON.stringify(raw)}`,
    );
  return raw;
}

/** `host:port`, `:port` or `[v6]:port`; host '' means every interface. */
export function listenAddress(raw: string, name: string): { host: string; port: number } {
  const match = /^(\[[^\]]*\]|[^:]*):(\d{1,5})$/.exec(raw);
  const port = Number(match?.[2]);
  if (!match || port > 65535)
    throw new UsageError(`--${name} takes host:port or :port, not ${JSON.stringify(raw)}`);
  return { host: (match[1] ?? '').replace(/^\[|\]$/g, ''), port };
}

export const serveFlags = {
  kubeconfig: flag({
    name: 'kubeconfig',
    env: 'KUBECONFIG',
    value: 'PATH',
    help: 'kubeconfig file; empty means in-cluster config, else ~/.kube/config',
    default: '',
    parse: parsers.string,
  }),
  context: flag({
    name: 'context',
    value: 'NAME',
    help: 'kubeconfig context to use',
    default: '',
    parse: parsers.string,
  }),
  listenAddress: flag({
    name: 'web.listen-address',
    value: 'ADDRESS',
    help: 'address to serve metrics, probes and the status page on',
    default: ':10111',
    parse: listenAddress,
  }),
  telemetryPath: flag({
    name: 'web.telemetry-path',
    value: 'PATH',
    help: 'path under which to expose metrics',
    default: '/metrics',
    parse: parsers.path,
  }),
  webConfigFile: flag({
    name: 'web.config.file',
    value: 'PATH',
    help: 'exporter-toolkit web config (TLS, client certificates, basic auth); reloaded when it changes',
    doc: 'Empty: plain HTTP, no authentication. What the file may hold: [security](security.md).',
    default: '',
    parse: parsers.string,
  }),
  probeListenAddress: flag({
    name: 'web.probe-listen-address',
    value: 'ADDRESS',
    help: 'a second listener serving only /healthz and /readyz, without TLS or authentication, for the kubelet; empty means none',
    default: '',
    parse: (raw: string, name: string) => (raw === '' ? undefined : listenAddress(raw, name)),
  }),
  maxConnectionsPerClient: flag({
    name: 'web.max-connections-per-client',
    value: 'N',
    help: 'open connections one client address may hold on each listener; more are closed at once',
    doc: 'From 1 to 1024, the most connections a listener takes in all.',
    default: '64',
    parse: parsers.positiveIntUpTo(1024),
  }),
  logLevel: flag({
    name: 'log.level',
    value: 'LEVEL',
    help: 'debug, info, warn or error',
    default: 'info',
    parse: parsers.oneOf('debug', 'info', 'warn', 'error'),
  }),
  logFormat: flag({
    name: 'log.format',
    value: 'FORMAT',
    help: 'logfmt or json',
    default: 'logfmt',
    parse: parsers.oneOf('logfmt', 'json'),
  }),
  pageSize: flag({
    name: 'watch.page-size',
    value: 'N',
    help: 'objects per page when listing',
    doc: 'From 1 to 10000: a page holds its full objects in memory at once (client-go lists 500 at a time).',
    default: '500',
    parse: parsers.positiveIntUpTo(10_000),
  }),
  stallTimeout: flag({
    name: 'watch.stall-timeout',
    value: 'DURATION',
    help: 'reopen a watch that sends nothing (not even a bookmark) for this long',
    doc: 'From 1s to 1h. The API server sends a bookmark about once a minute, so below that a quiet watch is reopened for nothing.',
    default: '90s',
    parse: parsers.durationIn('1s', '1h'),
  }),
  listTimeout: flag({
    name: 'watch.list-timeout',
    value: 'DURATION',
    help: 'give up on a list request (one page) that has not answered completely within this long, and retry',
    doc: 'From 1s to 1h.',
    default: '60s',
    parse: parsers.durationIn('1s', '1h'),
  }),
  // Exemptions, scope and routing labels (docs/exemptions-and-scope.md).
  exemptionAnnotationPrefix: flag({
    name: 'exemption.annotation-prefix',
    value: 'PREFIX',
    help: 'prefix of the namespace annotations that grant an exemption (<prefix>exempt, owner, reason, expires)',
    doc: 'The annotations are `<prefix>exempt`, `owner`, `reason`, `expires` and `granted`: [exemptions and scope](exemptions-and-scope.md).',
    default: DEFAULT_ANNOTATION_PREFIX,
    parse: annotationPrefix,
  }),
  exemptionMaxDuration: flag({
    name: 'exemption.max-duration',
    value: 'DURATION',
    help: 'an exemption expiring further ahead than this (from its granted date, else from now) is malformed',
    doc: 'From 1h to 3650d (ten years).',
    default: '365d',
    parse: parsers.durationIn('1h', '3650d'),
  }),
  namespacesInclude: flag({
    name: 'namespaces.include',
    value: 'NAMES',
    help: 'comma-separated names or globs (kube-*) in scope; empty means every namespace',
    default: '',
    parse: commaList,
  }),
  namespacesExclude: flag({
    name: 'namespaces.exclude',
    value: 'NAMES',
    help: 'comma-separated names or globs excluded from scope (still exported, marked excluded)',
    default: '',
    parse: commaList,
  }),
  namespacesExcludeSelector: flag({
    name: 'namespaces.exclude-selector',
    value: 'SELECTOR',
    help: 'label selector (k=v,k!=v,k in (a,b),!k); matching namespaces are excluded from scope',
    default: '',
    parse: labelSelector,
  }),
  metricLabelsAllowlist: flag({
    name: 'metric-labels-allowlist',
    value: 'KEYS',
    help: "comma-separated namespace label keys (or *) exported on netpol_namespace_labels; kube-state-metrics' namespaces=[k1,k2] works too",
    default: '',
    parse: labelAllowlist,
  }),
  metricLabelsLimit: flag({
    name: 'metric-labels-limit',
    value: 'N',
    help: 'at most this many allow-listed labels on one netpol_namespace_labels series; the rest (by key order) are left out and counted',
    doc: 'From 1 to 1000. A namespace with thousands of labels and `--metric-labels-allowlist=*` would otherwise make one series of megabytes; `netpol_exporter_namespace_labels_truncated` counts the namespaces cut short.',
    default: '64',
    parse: parsers.positiveIntUpTo(1000),
  }),
  coverageSources: flag({
    name: 'coverage-sources',
    value: 'SOURCES',
    help: `policy sources that count toward netpol_namespace_covered: all, or a comma-separated list of ${SOURCES.join(', ')} (networkpolicy alone is CIS 5.3.2's literal reading)`,
    doc: 'Sources not counted are still shown: [sources](sources.md).',
    default: 'all',
    parse: coverageSources,
  }),
  discoveryInterval: flag({
    name: 'discovery.interval',
    value: 'DURATION',
    help: 'how often to ask the API server which cluster-scoped and CNI policy kinds it serves',
    doc: 'From 1s to 24h.',
    default: '5m',
    parse: parsers.durationIn('1s', '24h'),
  }),
  podIsolation: flag({
    name: 'pod-isolation',
    help: 'watch pod metadata (needs list and watch on pods) and export how many pods of each namespace are isolated',
    doc: '`deploy/components/pod-isolation` grants the access and sets the flag: [pod isolation](sources.md#pod-isolation---pod-isolation).',
    default: 'false',
    parse: parsers.bool,
  }),
  exposure: flag({
    name: 'exposure',
    help: 'export which classes of peers can reach each namespace (netpol_namespace_reachable); false turns it off',
    default: 'true',
    parse: parsers.bool,
  }),
  internetFacing: flag({
    name: 'internet-facing',
    help: 'watch Services, Ingresses and the Gateway API routes the server serves, and export how the internet reaches each namespace (netpol_namespace_internet_facing); false turns it off',
    doc: 'Needs list and watch on services and ingresses (deploy/base grants them) and, for routes, `deploy/components/gateway-api`: [internet-facing](internet-facing.md).',
    default: 'true',
    parse: parsers.bool,
  }),
};

function coverageSources(raw: string, name: string): ReadonlySet<Source> {
  if (raw.trim() === 'all') return new Set(SOURCES);
  const wanted = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const unknown = wanted.filter((s) => !isSource(s));
  if (wanted.length === 0 || unknown.length > 0)
    throw new UsageError(
      `--${name} takes all or a list of ${SOURCES.join(', ')}, not ${JSON.stringify(raw)}`,
    );
  return new Set(wanted as Source[]);
}

export type ServeConfig = FlagValues<typeof serveFlags>;

/** The exemption and scope rules the flags describe, as the core takes them: serve, audit and remediate alike. */
export function namespaceContextOptions(
  config: Pick<
    ServeConfig,
    | 'exemptionAnnotationPrefix'
    | 'exemptionMaxDuration'
    | 'namespacesInclude'
    | 'namespacesExclude'
    | 'namespacesExcludeSelector'
  > &
    Partial<Pick<ServeConfig, 'metricLabelsLimit'>>,
  labelAllowlist: string[] = [],
): NamespaceContextOptions {
  return {
    exemption: {
      prefix: config.exemptionAnnotationPrefix,
      maxDurationSeconds: config.exemptionMaxDuration / 1000,
    },
    scope: {
      include: config.namespacesInclude,
      exclude: config.namespacesExclude,
      excludeSelector: config.namespacesExcludeSelector,
    },
    labelAllowlist,
    ...(config.metricLabelsLimit ? { labelLimit: config.metricLabelsLimit } : {}),
  };
}

export interface ParsedArgs<S extends FlagSpec> {
  values: FlagValues<S>;
  help: boolean;
  positional: string[];
}

/** Flags win over environment variables, which win over defaults. Unknown flags and bad values throw UsageError. */
export function parseFlags<S extends FlagSpec>(
  spec: S,
  argv: string[],
  env: Record<string, string | undefined>,
): FlagValues<S> {
  return parseArgs(spec, argv, env).values;
}

export function parseArgs<S extends FlagSpec>(
  spec: S,
  argv: string[],
  env: Record<string, string | undefined>,
): ParsedArgs<S> {
  const byName = new Map(Object.entries(spec).map(([key, f]) => [f.name, key]));
  const raw = new Map<string, string>();
  const positional: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (/^-[A-Za-z]/.test(arg)) throw unknownShortFlag(arg, argv[i + 1], [...byName.keys()]);
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const key = byName.get(name);
    const definition = key === undefined ? undefined : spec[key];
    if (key === undefined || !definition) {
      const near = nearestFlag(name, [...byName.keys()]);
      throw new UsageError(`unknown flag --${name}${near ? `; did you mean --${near}?` : ''} (see --help)`);
    }
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (definition.value === undefined) value = 'true';
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(`--${name} needs a value`);
      value = next;
      i++;
    }
    raw.set(key, value);
  }
  const values: Record<string, unknown> = {};
  for (const [key, definition] of Object.entries(spec)) {
    const fromEnv = env[definition.env];
    const source = raw.get(key) ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : definition.default);
    const where = raw.has(key)
      ? definition.name
      : fromEnv
        ? `${definition.name} (from ${definition.env})`
        : definition.name;
    values[key] = definition.parse(source, where);
  }
  return { values: values as FlagValues<S>, help, positional };
}

/** kubectl's short flags, typed here by habit, and the flag that means the same here (when a command has it). */
const KUBECTL_SHORT_FLAGS: Record<string, string> = { o: 'output', f: 'manifests', n: 'namespace' };

/** `-o json` or `-ojson`: flags here are spelled out; name the one meant, with the value given. */
function unknownShortFlag(arg: string, next: string | undefined, names: string[]): UsageError {
  const long = KUBECTL_SHORT_FLAGS[arg[1] ?? ''];
  if (!long || !names.includes(long)) return new UsageError(`unknown flag ${arg} (see --help)`);
  const inline = arg.slice(2).replace(/^=/, '');
  const value = inline || (next !== undefined && !next.startsWith('-') ? next : 'VALUE');
  return new UsageError(`unknown flag ${arg}; did you mean --${long}=${value}? (see --help)`);
}

/** The flag a typo meant: the closest name within two edits, else the one name it begins (`--out` for `--output`). */
function nearestFlag(name: string, names: string[]): string | undefined {
  const scored = names.map((n) => ({ n, d: editDistance(name, n) })).sort((a, b) => a.d - b.d);
  if (scored[0] && scored[0].d <= 2 && scored[0].d < (scored[1]?.d ?? Infinity)) return scored[0].n;
  const extended = names.filter((n) => name.length >= 3 && n.startsWith(name));
  return extended.length === 1 ? extended[0] : undefined;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(
        (row[j] ?? 0) + 1,
        (next[j - 1] ?? 0) + 1,
        (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    row = next;
  }
  return row[b.length] ?? 0;
}

/** Help lines wrapped to this width, as a terminal shows them without reflowing. */
const HELP_WIDTH = 110;

/**
 * One entry per flag: the flag in a left column as wide as the longest one (capped, so one long flag does not push
 * every description right; a longer flag puts its description on the next line), the description wrapped beside it.
 */
export function flagsHelp(spec: FlagSpec): string {
  const flags = Object.values(spec).map((f) => ({
    left: `  --${f.name}${f.value ? `=${f.value}` : ''}`,
    text: `${f.help}${f.default !== '' ? ` (default ${f.default})` : ''} [$${f.env}]`,
  }));
  const column = Math.min(Math.max(...flags.map((f) => f.left.length)), 40) + 2;
  return flags
    .map(({ left, text }) => {
      const lines = wrap(text, HELP_WIDTH - column).map((line) => ' '.repeat(column) + line);
      const first = lines[0] ?? '';
      if (left.length + 2 <= column) lines[0] = left.padEnd(column) + first.slice(column);
      else lines.unshift(left);
      return lines.join('\n');
    })
    .join('\n');
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}
