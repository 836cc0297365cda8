// `netpol-exporter remediate`: for each uncovered namespace, the NetworkPolicy YAML that closes the gap, ready to
// commit to a GitOps repository, in the order the control advises. It never applies anything.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parsePriorityLabels, type RankedNamespace, rankNamespaces } from '../remediate/order.ts';
import { type RemediationOptions, remediationPolicies } from '../remediate/policies.ts';
import { rowsFrom } from '../report/coverage-report.ts';
import { type CommandIo, EXIT } from './audit.ts';
import { flag, flagsHelp, parseArgs, parsers, UsageError } from './flags.ts';
import { contextLookup, isInputProblem, joinRepeated, loadInventory, sourceFlags } from './source-flags.ts';

function labelMap(raw: string, name: string): Record<string, string> {
  const parsed = parsePriorityLabels(raw);
  if (typeof parsed === 'string') throw new UsageError(`--${name}: ${parsed}`);
  return Object.fromEntries(parsed.map((l) => [l.key, l.value]));
}

export const remediateFlags = {
  ...sourceFlags,
  outDir: flag({
    name: 'out-dir',
    value: 'DIR',
    help: 'write one file per namespace (NAMESPACE.yaml) into DIR instead of stdout',
    default: '',
    parse: parsers.string,
  }),
  allowDns: flag({
    name: 'allow-dns',
    help: 'add an egress allow to the cluster DNS (UDP and TCP 53); --allow-dns=false leaves it out',
    default: 'true',
    parse: parsers.bool,
  }),
  dnsNamespace: flag({
    name: 'dns.namespace',
    value: 'NAME',
    help: 'namespace of the cluster DNS pods',
    default: 'kube-system',
    parse: parsers.nonEmpty,
  }),
  dnsPodLabels: flag({
    name: 'dns.pod-labels',
    value: 'K=V,...',
    help: 'labels of the cluster DNS pods',
    default: 'k8s-app=kube-dns',
    parse: labelMap,
  }),
  priorityLabels: flag({
    name: 'priority-labels',
    value: 'K=V,...',
    help: 'namespace labels that go first, in this order (internet-facing, then production)',
    default: 'internet-facing=true,environment=production',
    parse: (raw: string, name: string) => {
      const parsed = parsePriorityLabels(raw);
      if (typeof parsed === 'string') throw new UsageError(`--${name}: ${parsed}`);
      return parsed;
    },
  }),
};

export const DEFAULT_DENY_WARNING =
  'warning: a default deny blocks all traffic to and from the namespace that no other NetworkPolicy allows, ' +
  'legitimate traffic included. Review each file, add the allows your applications need, and roll out in ' +
  'batches in the order given (internet-facing and production first); then re-run audit.\n';

/** Namespace names become file names: only what Kubernetes itself accepts as a namespace name (RFC 1123 label). */
const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function remediateUsage(): string {
  return `Usage: netpol-exporter remediate [flags]

Writes, for each uncovered namespace, NetworkPolicy YAML that closes the gap: a default deny for ingress and egress,
plus an egress allow to the cluster DNS. Never applies anything: review the output, commit it, let GitOps apply it.
Reads the cluster of the kubeconfig, or manifests with --manifests (as audit does).

Flags (each has the environment variable shown):
${flagsHelp(remediateFlags)}
  --help                               show this help
`;
}

function fileHeader(ns: RankedNamespace, position: number, total: number): string {
  const why = ns.reason ? `priority label ${ns.reason}` : 'no priority label';
  return `# netpol-exporter remediate: namespace ${ns.name}, ${position} of ${total} in rollout order (${why}).
# Default deny blocks every connection no other NetworkPolicy allows: add your applications' allows before applying.
`;
}

export async function remediateMain(
  argv: string[],
  env: Record<string, string | undefined>,
  io: CommandIo = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  },
): Promise<number> {
  try {
    const { values, help, positional } = parseArgs(remediateFlags, joinRepeated(argv, 'manifests'), env);
    if (help) {
      io.stdout(remediateUsage());
      return EXIT.passed;
    }
    if (positional.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positional[0])}`);
    const inventory = await loadInventory(values, io.readStdin);
    for (const warning of inventory.warnings) io.stderr(`netpol-exporter: warning: ${warning}\n`);
    const options: RemediationOptions = {
      allowDns: values.allowDns,
      dnsNamespace: values.dnsNamespace,
      dnsPodLabels: values.dnsPodLabels,
    };
    // Terminating namespaces are on their way out: a policy for them would be refused by the API server anyway.
    const contextOf = contextLookup(values, inventory.state, io.now?.() ?? new Date());
    const uncovered = rowsFrom(inventory.state, contextOf).filter(
      (row) => row.verdict === 'uncovered' && row.phase !== 'Terminating',
    );
    const named = uncovered.filter((row) => {
      if (NAMESPACE_NAME.test(row.name)) return true;
      io.stderr(
        `netpol-exporter: warning: ${JSON.stringify(row.name)} is not a valid namespace name; skipped\n`,
      );
      return false;
    });
    const ranked = rankNamespaces(
      named.map((row) => ({
        name: row.name,
        labels: inventory.state.namespaceFacts(row.name)?.labels ?? {},
      })),
      values.priorityLabels,
    );
    if (ranked.length === 0) {
      io.stderr('netpol-exporter: every namespace is covered; nothing to remediate\n');
      return EXIT.passed;
    }
    io.stderr(`netpol-exporter: ${DEFAULT_DENY_WARNING}`);
    if (values.outDir) await mkdir(values.outDir, { recursive: true });
    for (const [i, ns] of ranked.entries()) {
      const docs = remediationPolicies(ns.name, options).map((p) => stringify(p));
      const text = fileHeader(ns, i + 1, ranked.length) + docs.join('---\n');
      if (values.outDir) {
        const file = join(values.outDir, `${ns.name}.yaml`);
        await writeFile(file, text);
        io.stderr(`${i + 1}. ${ns.name}${ns.reason ? ` (${ns.reason})` : ''}: ${file}\n`);
      } else {
        io.stdout(`${i === 0 ? '' : '---\n'}${text}`);
      }
    }
    return EXIT.passed;
  } catch (err) {
    if (!isInputProblem(err)) throw err;
    io.stderr(`netpol-exporter remediate: ${err.message}\n`);
    return EXIT.usage;
  }
}
