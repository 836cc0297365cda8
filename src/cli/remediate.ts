// `netpol-exporter remediate`: for each uncovered namespace, the NetworkPolicy YAML that closes the gap, ready to
// commit to a GitOps repository, in the order the control advises. It never applies anything, it leaves the
// namespaces the bundled baseline skips alone unless asked, and it says what each file takes away before writing.
import { join } from 'node:path';
import { stringify } from 'yaml';
import { nothingToCheck } from '../audit/inventory.ts';
import { InputError } from '../audit/manifests.ts';
import type { Workload } from '../audit/workloads.ts';
import { objectText, viasOf } from '../core/internet-facing/classify.ts';
import { baselineSkips } from '../remediate/baseline-skip.ts';
import { entryPointAllows } from '../remediate/entry-points.ts';
import { type AffectedWorkload, remediationImpact, type WorkloadLoss } from '../remediate/impact.ts';
import { parsePriorityLabels, type RankedNamespace, rankNamespaces } from '../remediate/order.ts';
import {
  REMEDIATION_MODES,
  type RemediationMode,
  type RemediationOptions,
  remediationPolicies,
} from '../remediate/policies.ts';
import { rowsFrom } from '../report/coverage-report.ts';
import { type CommandIo, EXIT } from './audit.ts';
import { flag, flagsHelp, parseArgs, parsers, UsageError } from './flags.ts';
import { checkOutDir, makeOutDir, writeOutFile } from './out-dir.ts';
import { contextLookup, isInputProblem, loadInventory, sourceArgs, sourceFlags } from './source-flags.ts';

function labelMap(raw: string, name: string): Record<string, string> {
  const parsed = parsePriorityLabels(raw);
  if (typeof parsed === 'string') throw new UsageError(`--${name}: ${parsed}`);
  // An empty selector would select every pod of the DNS namespace, and allow all their egress.
  if (parsed.length === 0) throw new UsageError(`--${name} must name at least one label`);
  return Object.fromEntries(parsed.map((l) => [l.key, l.value]));
}

/** Namespace names become file names: only what Kubernetes itself accepts as a namespace name (RFC 1123 label). */
const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export const remediateFlags = {
  ...sourceFlags,
  outDir: flag({
    name: 'out-dir',
    value: 'DIR',
    help: 'write one file per namespace (NAMESPACE.yaml) into DIR instead of stdout',
    default: '',
    parse: parsers.string,
  }),
  mode: flag({
    name: 'mode',
    value: 'MODE',
    help: "deny-all (nothing in or out but DNS) or same-namespace (only the namespace's own pods, in and out, and DNS: a first step)",
    doc: 'What each mode writes and takes away: [remediate](audit-and-remediation.md#netpol-exporter-remediate).',
    default: 'deny-all',
    parse: parsers.oneOf<RemediationMode>(...REMEDIATION_MODES),
  }),
  includeSystem: flag({
    name: 'include-system',
    help: 'also write policies for the namespaces the bundled Kyverno baseline skips (kube-system, kube-public, kube-node-lease, kyverno, and those labelled netpol-exporter.io/baseline=skip)',
    default: 'false',
    parse: parsers.bool,
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
    help: 'namespace of the cluster DNS pods; empty: where the input shows pods with --dns.pod-labels, else kube-system',
    default: '',
    parse: parsers.string,
  }),
  dnsPodLabels: flag({
    name: 'dns.pod-labels',
    value: 'K=V,...',
    help: 'labels of the cluster DNS pods',
    default: 'k8s-app=kube-dns',
    parse: labelMap,
  }),
  podIsolation: flag({
    name: 'pod-isolation',
    help: "with a cluster: list its pods' metadata (needs list on pods) to say which workloads lose traffic and where the DNS runs",
    default: 'false',
    parse: parsers.bool,
  }),
  ingressControllerNamespaces: flag({
    name: 'ingress-controller-namespaces',
    value: 'NS,...',
    help: 'where the Ingress controllers and Gateways run: backends of Ingresses and routes then accept traffic from these namespaces only (default: from the proxy pods found from the input, else from anywhere)',
    doc:
      "Without it, remediate finds each Ingress's and route's controller from the input (IngressClass, " +
      'GatewayClass, Gateway, and the Service that selects the proxy pods by the labels the controller puts on ' +
      'them): the backends accept traffic from those pods only, and the pods keep egress to every pod. Where ' +
      'nothing identifies the controller, the backends keep their traffic from anywhere on the ports they serve, ' +
      'and the pods behind public Services keep egress to every pod (one of them may be the controller). With it, ' +
      'the backends accept traffic from these namespaces only and these namespaces keep their egress to every pod. ' +
      'See [internet-facing](internet-facing.md#remediate).',
    default: '',
    parse: (raw: string, name: string) => {
      const list = raw
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n !== '');
      const bad = list.find((n) => !NAMESPACE_NAME.test(n));
      if (bad !== undefined)
        throw new UsageError(`--${name} takes namespace names, not ${JSON.stringify(bad)}`);
      return list;
    },
  }),
  ingressControllerDetection: flag({
    name: 'ingress-controller-detection',
    help: "find where each Ingress's and route's controller forwards from (IngressClasses, GatewayClasses, Gateways, and the Services that select the proxies; with a cluster, needs list on them); false: their backends accept traffic from anywhere unless --ingress-controller-namespaces",
    doc: 'Which controllers are recognised and how: [internet-facing](internet-facing.md#where-the-controllers-run).',
    default: 'true',
    parse: parsers.bool,
  }),
  priorityLabels: flag({
    name: 'priority-labels',
    value: 'K=V,...',
    help: 'namespace labels that go next, in this order, after the namespaces the cluster says face the internet',
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

export const SAME_NAMESPACE_WARNING =
  'warning: allow-same-namespace blocks all traffic between the namespace and everything outside it (other ' +
  'namespaces, the internet) but DNS, legitimate traffic included. Review each file, add the allows your ' +
  'applications need, and roll out in batches in the order given; then re-run audit, and move to --mode=deny-all.\n';

export function remediateUsage(): string {
  return `Usage: netpol-exporter remediate [flags]

Writes, for each uncovered namespace, NetworkPolicy YAML that closes the gap: a default deny for ingress and egress
(or, with --mode=same-namespace, an allow from the namespace's own pods only), plus an egress allow to the cluster
DNS, and, in the namespace that serves DNS, the allows every other namespace needs to resolve names. Skips the
namespaces the bundled Kyverno baseline skips unless --include-system. Lists what each file takes away from which
workload before writing anything. Never applies anything: review the output, commit it, let GitOps apply it.
Reads the cluster of the kubeconfig, or manifests with --manifests (as audit does). Exits 0 when it has written
them (or nothing is uncovered), 2 on usage, input or connection errors and on an --out-dir it cannot create or
write; never 1, which audit uses for "uncovered namespaces found".

Flags (each has the environment variable shown):
${flagsHelp(remediateFlags)}
  --help                               show this help
`;
}

/** Why the namespace is where it is in the order, as the listing and the file header say it. */
const rankWhy = (ns: RankedNamespace) =>
  ns.internetFacing ? `internet-facing: ${ns.internetFacing}` : ns.reason;

function fileHeader(ns: RankedNamespace, position: number, total: number, changes: string[]): string {
  const why = ns.internetFacing
    ? `internet-facing: ${ns.internetFacing}`
    : ns.reason
      ? `priority label ${ns.reason}`
      : 'no priority label';
  return `# netpol-exporter remediate: namespace ${ns.name}, ${position} of ${total} in rollout order (${why}).
# It blocks every connection no NetworkPolicy allows: add your applications' allows before applying.
${changes.map((line) => `# ${line}`).join('\n')}
`;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Where the cluster DNS runs: the flag, else the namespaces where the input shows its pods, else kube-system. */
function dnsNamespaces(
  flagValue: string,
  labels: Record<string, string>,
  workloads: Map<string, Workload[]> | undefined,
): { namespaces: string[]; found: boolean } {
  if (flagValue) return { namespaces: [flagValue], found: false };
  const found = [...(workloads ?? [])]
    .filter(([, list]) => list.some((w) => Object.entries(labels).every(([k, v]) => w.labels[k] === v)))
    .map(([namespace]) => namespace)
    .sort(byName);
  return found.length > 0
    ? { namespaces: found, found: true }
    : { namespaces: ['kube-system'], found: false };
}

/** One line per workload that loses something: its pods of one owner with the same loss are counted together. */
function lossLines(losses: WorkloadLoss[]): string[] {
  const lines = new Map<string, number>();
  for (const { workload, loses } of losses) {
    const where = workload.location ? ` (${workload.location})` : '';
    const what = [loses.ingress, loses.egress].filter((t) => t !== undefined).join(', and ');
    const key = `${workload.kind} ${workload.name}${where}\u0000${what}`;
    lines.set(key, (lines.get(key) ?? 0) + workload.pods);
  }
  return [...lines].map(([key, pods]) => {
    const [who, what] = key.split('\u0000');
    const count = pods > 1 ? ` [${pods} pods]` : '';
    return `${who}${count} loses ${what}`;
  });
}

/** What a file takes away, as the listing and the file's header say it. */
function impactLines(workloads: readonly AffectedWorkload[] | undefined, losses: WorkloadLoss[]): string[] {
  if (workloads === undefined) return ['Which workloads lose traffic is unknown (no pods were listed).'];
  if (workloads.length === 0)
    return ['No workload of this namespace is in the input: nothing known loses traffic.'];
  if (losses.length === 0) return [`None of its ${workloads.length} workloads loses traffic it has today.`];
  return lossLines(losses);
}

/** The namespaces left alone, grouped by why: one line that says so and how to include them. */
function skippedLine(skipped: Map<string, string[]>): string {
  const groups = [...skipped].map(([why, names]) => `${names.join(', ')} (${why})`).join('; ');
  return (
    `netpol-exporter: skipped ${groups}, as the bundled Kyverno baseline does: a default deny there can break ` +
    'the cluster (in kube-system, the DNS of every namespace); the audit still counts them uncovered; ' +
    '--include-system writes them too\n'
  );
}

export async function remediateMain(
  argv: string[],
  env: Record<string, string | undefined>,
  io: CommandIo = {
    stdout: (text) => {
      process.stdout.write(text);
    },
    stderr: (text) => process.stderr.write(text),
  },
): Promise<number> {
  try {
    const { values, help, positional } = parseArgs(remediateFlags, sourceArgs(argv), env);
    if (help) {
      io.stdout(remediateUsage());
      return EXIT.passed;
    }
    if (positional.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positional[0])}`);
    if (values.dnsNamespace && !NAMESPACE_NAME.test(values.dnsNamespace))
      throw new UsageError(
        `--dns.namespace takes a namespace name, not ${JSON.stringify(values.dnsNamespace)}`,
      );
    // Before reading a cluster: a folder it could never write is the first thing to know.
    if (values.outDir) await checkOutDir(values.outDir);
    const detect = values.ingressControllerDetection && values.ingressControllerNamespaces.length === 0;
    const inventory = await loadInventory(values, io.readStdin, {
      pods: values.podIsolation,
      controllers: detect,
    });
    for (const warning of inventory.warnings) io.stderr(`netpol-exporter: warning: ${warning}\n`);
    const nothing = nothingToCheck(inventory);
    if (nothing) throw new InputError(nothing);
    const dns = dnsNamespaces(values.dnsNamespace, values.dnsPodLabels, inventory.workloads);
    const dnsLabels = Object.entries(values.dnsPodLabels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    if (dns.found)
      io.stderr(
        `netpol-exporter: the cluster DNS (pods ${dnsLabels}) runs in ${dns.namespaces.join(', ')}, as the input shows\n`,
      );
    const options: RemediationOptions = {
      mode: values.mode,
      allowDns: values.allowDns,
      dnsNamespaces: dns.namespaces,
      dnsPodLabels: values.dnsPodLabels,
    };
    // Terminating namespaces are on their way out: a policy for them would be refused by the API server anyway.
    const contextOf = contextLookup(values, inventory.state, io.now?.() ?? new Date());
    const uncovered = rowsFrom(inventory.state, contextOf).filter(
      (row) => row.verdict === 'uncovered' && row.phase !== 'Terminating',
    );
    const labelsOf = (name: string) => inventory.state.namespaceFacts(name)?.labels ?? {};
    const skipped = new Map<string, string[]>();
    const named = uncovered.filter((row) => {
      if (!NAMESPACE_NAME.test(row.name)) {
        io.stderr(
          `netpol-exporter: warning: ${JSON.stringify(row.name)} is not a valid namespace name; skipped\n`,
        );
        return false;
      }
      const why = values.includeSystem ? undefined : baselineSkips(row.name, labelsOf(row.name));
      if (why) skipped.set(why, [...(skipped.get(why) ?? []), row.name]);
      return why === undefined;
    });
    if (skipped.size > 0) io.stderr(skippedLine(skipped));
    const internet = inventory.internetFacing;
    const entriesOf = (name: string) => internet?.answer.byNamespace.get(name) ?? [];
    const internetWhy = (name: string) => {
      const entries = entriesOf(name);
      if (entries.length === 0) return undefined;
      const objects = [...new Set(entries.map((e) => objectText(e.object)))];
      return `${viasOf(entries).join(', ')} (${objects.join(', ')})`;
    };
    const ranked = rankNamespaces(
      named.map((row) => ({
        name: row.name,
        labels: labelsOf(row.name),
        internetFacing: internetWhy(row.name),
      })),
      values.priorityLabels,
    );
    // Found from the input: only an Ingress or route whose controller is not known leaves every public Service's
    // pods possibly its proxy.
    const controllersFound = detect ? internet?.controllers : undefined;
    const controllersForward = [...(internet?.answer.byNamespace.values() ?? [])].some((list) =>
      list.some(
        (e) =>
          (e.via === 'ingress' || e.via === 'gateway_route') &&
          (controllersFound === undefined ||
            controllersFound.byObject.get(objectText(e.object))?.kind === 'unknown'),
      ),
    );
    const controllerNamespaces =
      values.ingressControllerNamespaces.length > 0 ? values.ingressControllerNamespaces : undefined;
    if (ranked.length === 0) {
      io.stderr(
        skipped.size > 0
          ? 'netpol-exporter: nothing else to remediate\n'
          : 'netpol-exporter: every namespace is covered; nothing to remediate\n',
      );
      return EXIT.passed;
    }
    const system = ranked.filter((ns) => baselineSkips(ns.name, labelsOf(ns.name)) !== undefined);
    if (system.length > 0)
      io.stderr(
        `netpol-exporter: warning: --include-system: ${system.map((ns) => ns.name).join(', ')} get policies too; ` +
          "beyond DNS they can block the cluster's own components (metrics-server, admission webhooks, CNI and " +
          'CSI pods that are not host-network): review those files before applying\n',
      );
    io.stderr(
      `netpol-exporter: ${values.mode === 'same-namespace' ? SAME_NAMESPACE_WARNING : DEFAULT_DENY_WARNING}`,
    );
    const known =
      inventory.workloads === undefined
        ? 'unknown: read the cluster with --pod-isolation to list them'
        : inventory.origin.mode === 'manifests'
          ? 'from the manifests'
          : "from the cluster's pods";
    io.stderr(
      `netpol-exporter: what each file takes away, before anything is written (workloads ${known}):\n`,
    );
    const plans = ranked.map((ns, i) => {
      const entry = entryPointAllows(ns.name, entriesOf(ns.name), {
        services: internet?.services ?? new Map(),
        controllerNamespaces,
        controllersForward,
        controllers: controllersFound,
      });
      const policies = [...remediationPolicies(ns.name, options), ...entry.policies];
      const workloads: AffectedWorkload[] | undefined =
        inventory.workloads?.get(ns.name) ?? (inventory.workloads ? [] : undefined);
      const losses = workloads
        ? remediationImpact(inventory.state.policiesIn(ns.name), policies, workloads)
        : [];
      const changes = [
        `Writes ${policies.map((p) => p.metadata.name).join(', ')}.`,
        ...entry.lines,
        ...impactLines(workloads, losses),
      ];
      const file = values.outDir ? join(values.outDir, `${ns.name}.yaml`) : undefined;
      const why = rankWhy(ns);
      io.stderr(`${i + 1}. ${ns.name}${why ? ` (${why})` : ''}${file ? `: ${file}` : ''}\n`);
      for (const line of changes) io.stderr(`   ${line}\n`);
      const text =
        fileHeader(ns, i + 1, ranked.length, changes) + policies.map((p) => stringify(p)).join('---\n');
      return { file, text };
    });
    if (values.outDir) await makeOutDir(values.outDir);
    for (const [i, { file, text }] of plans.entries()) {
      if (file) await writeOutFile(values.outDir, file, text);
      else io.stdout(`${i === 0 ? '' : '---\n'}${text}`);
    }
    return EXIT.passed;
  } catch (err) {
    if (!isInputProblem(err)) throw err;
    io.stderr(`netpol-exporter remediate: ${err.message}\n`);
    return EXIT.usage;
  }
}
