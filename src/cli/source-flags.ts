// Where a one-shot command (audit, remediate) reads namespaces and policies from: a live cluster with the same
// connection flags as `serve`, or manifests with `--manifests PATH` (repeatable, comma-separated, `-` for stdin).
import { ConnectionError, type Inventory, inventoryFromManifests } from '../audit/inventory.ts';
import { InputError, type ReadProgress, readManifests } from '../audit/manifests.ts';
import { NamespaceContextRules } from '../core/context/namespace-context.ts';
import type { CoverageState } from '../core/coverage-state.ts';
import type { RowContext } from '../core/namespace-row.ts';
import { type FlagValues, flag, namespaceContextOptions, parsers, serveFlags, UsageError } from './flags.ts';

export const sourceFlags = {
  manifests: flag({
    name: 'manifests',
    value: 'PATH',
    help: 'audit YAML files or folders (recursively) instead of a cluster; repeatable or comma-separated; - reads stdin',
    default: '',
    parse: parsers.string,
  }),
  namespace: flag({
    name: 'namespace',
    value: 'NAME',
    help: 'with --manifests: the namespace of namespaced objects that name none, as kubectl apply -n; -n for short',
    doc: 'Empty means `default`, as for `kubectl apply`. An object naming another namespace is refused, as `kubectl apply -n` refuses it.',
    default: '',
    parse: (raw: string, name: string) => {
      if (raw !== '' && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(raw))
        throw new UsageError(
          `--${name} takes a namespace name (an RFC 1123 label), not ${JSON.stringify(raw)}`,
        );
      return raw;
    },
  }),
  wholeCluster: flag({
    name: 'whole-cluster',
    help: 'with --manifests: the input is the whole cluster (a dump of every namespace and workload); namespaces and pods it does not declare do not exist',
    doc:
      'Without it the manifests are taken as part of a cluster (a repository): a namespace the input does not declare ' +
      'may exist with any labels, and a custom resource or unknown kind may make pods beside the workloads, so what a ' +
      'policy could admit or select there is unknown, never "none" or dangling. Give it for a dump such as ' +
      '`kubectl get namespaces,networkpolicies,deployments,statefulsets,daemonsets,pods -A -o yaml` ' +
      '([audit](audit-and-remediation.md#an-open-world-or-the-whole-cluster)).',
    default: 'false',
    parse: parsers.bool,
  }),
  kubeconfig: serveFlags.kubeconfig,
  context: serveFlags.context,
  pageSize: serveFlags.pageSize,
  // The same exemption and scope rules as the exporter, so CI and the running exporter agree.
  exemptionAnnotationPrefix: serveFlags.exemptionAnnotationPrefix,
  exemptionMaxDuration: serveFlags.exemptionMaxDuration,
  namespacesInclude: serveFlags.namespacesInclude,
  namespacesExclude: serveFlags.namespacesExclude,
  namespacesExcludeSelector: serveFlags.namespacesExcludeSelector,
  coverageSources: serveFlags.coverageSources,
};

export type SourceConfig = FlagValues<typeof sourceFlags>;

/**
 * The flag parser keeps the last value of a flag; `--manifests` may be given several times, so its occurrences are
 * joined into one comma-separated value first.
 */
export function joinRepeated(argv: string[], name: string): string[] {
  const values: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === `--${name}`) {
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(`--${name} needs a value`);
      values.push(next);
      i++;
    } else if (arg.startsWith(`--${name}=`)) values.push(arg.slice(name.length + 3));
    else rest.push(arg);
  }
  return values.length > 0 ? [...rest, `--${name}=${values.join(',')}`] : rest;
}

/** kubectl's short `-n NAME` (and `-nNAME`) is `--namespace NAME` here too. */
export function expandShortNamespace(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '-n') {
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError('-n needs a value');
      out.push(`--namespace=${next}`);
      i++;
    } else if (/^-n[^-]/.test(arg)) out.push(`--namespace=${arg.slice(2).replace(/^=/, '')}`);
    else out.push(arg);
  }
  return out;
}

/** A one-shot command's argv as the flag parser takes it: `-n` expanded, repeated `--manifests` joined. */
export function sourceArgs(argv: string[]): string[] {
  return joinRepeated(expandShortNamespace(argv), 'manifests');
}

export function manifestPaths(config: SourceConfig): string[] {
  return config.manifests
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/** Manifests when `--manifests` is given, else the cluster. InputError/ConnectionError mean exit code 2. */
export async function loadInventory(
  config: SourceConfig,
  readStdin?: () => Promise<string>,
  options: {
    pods?: boolean;
    controllers?: boolean;
    progress?: (progress: ReadProgress) => void;
    /** Keep every Service read from manifests (remediation keeps their ports open); default true. */
    services?: boolean;
  } = {},
): Promise<Inventory> {
  const paths = manifestPaths(config);
  if (paths.length > 0) {
    if (paths.filter((p) => p === '-').length > 1)
      throw new UsageError('--manifests - can be given only once');
    const readWarnings: string[] = [];
    const inventory = inventoryFromManifests(
      await readManifests(paths, readStdin, readWarnings, options.progress),
      paths,
      {
        coverageSources: config.coverageSources,
        namespace: config.namespace,
        wholeCluster: config.wholeCluster,
        services: options.services,
      },
    );
    inventory.warnings.unshift(...readWarnings);
    return inventory;
  }
  if (config.namespace)
    throw new UsageError(
      '--namespace places manifests that name no namespace and needs --manifests; to audit some namespaces of a cluster use --namespaces.include',
    );
  if (config.wholeCluster)
    throw new UsageError(
      '--whole-cluster says the manifests are a whole cluster and needs --manifests (a live cluster is always whole)',
    );
  // Loaded on demand: manifests mode never needs the Kubernetes client.
  const { loadKubeConfig } = await import('./kubeconfig.ts');
  const { inventoryFromCluster } = await import('../audit/cluster-inventory.ts');
  const kc = loadKubeConfig(config.kubeconfig, config.context);
  return inventoryFromCluster(kc, config.pageSize, {
    coverageSources: config.coverageSources,
    ...(options.pods ? { pods: true } : {}),
    ...(options.controllers ? { controllers: true } : {}),
  });
}

/**
 * A progress line for a terminal (rewritten in place, at most five times a second, cleared at the end): reading a
 * monorepo's manifests takes seconds, and silence looks like a hang.
 */
export function progressLine(write: (text: string) => void, now: () => number = Date.now) {
  let last = 0;
  return (p: ReadProgress) => {
    if (p.done) {
      write('\r\x1b[K');
      return;
    }
    const t = now();
    if (t - last < 200) return;
    last = t;
    const n = (x: number) => x.toLocaleString('en-US');
    write(
      `\r\x1b[Kreading manifests: ${n(p.files)} files, ${n(p.objects)} objects, ${n(p.namespaces)} namespaces`,
    );
  };
}

/** Each namespace's exemption and scope as of `now`, by the exporter's own rules. */
export function contextLookup(
  config: SourceConfig,
  state: CoverageState,
  now: Date,
): (name: string) => RowContext | undefined {
  const rules = new NamespaceContextRules(namespaceContextOptions(config));
  return (name) => {
    const facts = state.namespaceFacts(name);
    return facts ? rules.contextOf(facts, now.getTime() / 1000) : undefined;
  };
}

/** Input and connection problems are the user's to fix: one line on stderr and exit code 2, never a stack. */
export function isInputProblem(err: unknown): err is Error {
  return err instanceof InputError || err instanceof ConnectionError || err instanceof UsageError;
}
