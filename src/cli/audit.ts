// `netpol-exporter audit`: the control's own check ("namespaces without network policies; expected: the empty
// list") as a command for CI, against a live cluster or manifests. Exit 0 when nothing in scope is uncovered,
// 1 when something is, 2 on usage, input or connection errors.
import { once } from 'node:events';
import { type Inventory, nothingToCheck } from '../audit/inventory.ts';
import { InputError } from '../audit/manifests.ts';
import { mayMatchUndeclared, podMakerText } from '../audit/open-world.ts';
import { OUTPUT_FORMAT_NAMES, outputFormatsHelp, reportChunks } from '../audit/output-formats.ts';
import { policySelection } from '../audit/workloads.ts';
import { ExposureState } from '../core/exposure/exposure-state.ts';
import { type NamespaceReachability, PEER_CLASSES, type PeerClass } from '../core/exposure/peer-classes.ts';
import { reachersOf } from '../core/exposure/reachers.ts';
import { type LabelSelector, selectorKey } from '../core/facts.ts';
import { selectorText, type Tri } from '../core/selectors/label-selector.ts';
import {
  internetFacingOf,
  lazyRows,
  type NamespaceInternetFacing,
  type NamespaceOpenWorld,
  type ReportNamespace,
  streamedReport,
  withOtherNamespaces,
} from '../report/coverage-report.ts';
import { inChunks } from '../report/json-chunks.ts';
import { buildInfo } from '../support/build-info.ts';
import { flag, flagsHelp, parseArgs, parsers, UsageError } from './flags.ts';
import {
  contextLookup,
  isInputProblem,
  loadInventory,
  progressLine,
  sourceArgs,
  sourceFlags,
} from './source-flags.ts';

export const auditFlags = {
  ...sourceFlags,
  output: flag({
    name: 'output',
    value: 'FORMAT',
    help: outputFormatsHelp(),
    default: 'table',
    parse: parsers.oneOf(...OUTPUT_FORMAT_NAMES),
  }),
  names: flag({
    name: 'names',
    help: 'also list, per namespace and direction, the namespaces behind other_namespaces (JSON: exposure.*.otherNamespaces)',
    doc:
      'Up to 200 names per list, each with the policy that opens the way, and the namespaces that could not be judged ' +
      '([exposure.md](exposure.md#the-names-behind-other_namespaces)). Off by default: for every namespace they cost ' +
      'seconds at 10,000 namespaces; at 24,000 they add 20-30 s and make the JSON about 540 MB (written as it is ' +
      'made, a namespace at a time).',
    default: 'false',
    parse: parsers.bool,
  }),
  failOnExposure: flag({
    name: 'fail-on-exposure',
    value: 'CLASS',
    help: 'also exit 1 when a namespace in scope is reachable (ingress) from this peer class, e.g. all_namespaces',
    doc:
      'One of `same_namespace`, `other_namespaces`, `all_namespaces`, `ip_blocks`, `anywhere` ([exposure.md](exposure.md)). ' +
      'Fails on every namespace whose `netpol_namespace_reachable{direction="ingress",peer=CLASS}` would be 1, and on ' +
      'those for which that could not be judged; exempt, excluded and Terminating namespaces are skipped. ' +
      'Every output names them (JSON: `exposureCheck`).',
    default: '',
    parse: (raw: string, name: string): PeerClass | undefined =>
      raw === '' ? undefined : parsers.oneOf<PeerClass>(...PEER_CLASSES)(raw, name),
  }),
};

export const EXIT = { passed: 0, failed: 1, usage: 2 } as const;

export function auditUsage(): string {
  return `Usage: netpol-exporter audit [flags]

Lists every namespace with its verdict (CIS 5.3.2) and who can reach it, and exits 0 when none is uncovered,
1 when some are (or, with --fail-on-exposure, are reachable from that class), 2 on usage, input or connection errors. Reads the cluster of the kubeconfig, or manifests with --manifests
(e.g. \`kubectl kustomize overlays/prod | netpol-exporter audit --manifests -\`).

Flags (each has the environment variable shown):
${flagsHelp(auditFlags)}
  --help                               show this help
`;
}

export interface CommandIo {
  /** A promise when the writer should wait before writing more (a pipe that is full). */
  stdout: (text: string) => void | Promise<void>;
  stderr: (text: string) => void;
  readStdin?: () => Promise<string>;
  now?: () => Date;
  /** stderr is a terminal: a progress line while manifests are read. */
  stderrIsTerminal?: boolean;
}

const processIo: CommandIo = {
  // The report of a monorepo is tens of megabytes: written a chunk at a time, each when the pipe has taken the last
  // (a pipe's writes are asynchronous, and Node would otherwise hold all that is not taken yet).
  stdout: (text) =>
    process.stdout.write(text) ? undefined : once(process.stdout, 'drain').then(() => undefined),
  stderr: (text) => process.stderr.write(text),
  stderrIsTerminal: process.stderr.isTTY === true,
};

/**
 * A namespace's NetworkPolicies that select none of its workloads' pods, when its pods are known (a namespace with no
 * workload in the input runs its pods elsewhere, and one where the input holds objects that may make pods it does
 * not declare may run more: not judged, as the warnings say).
 */
function danglingPolicies(inventory: Inventory, namespace: string): readonly string[] | undefined {
  const workloads = inventory.workloads?.get(namespace);
  if (!workloads || workloads.length === 0 || inventory.openWorld?.possiblePods.has(namespace))
    return undefined;
  return [...inventory.state.policiesIn(namespace)]
    .filter((policy) => policySelection(policy, workloads).dangling)
    .map((policy) => policy.name)
    .sort();
}

/** A namespace's reachability, and the selectors a namespace the input does not declare may match (sorted). */
interface Reach {
  reachability: NamespaceReachability | undefined;
  undeclared: string[];
}

/**
 * Who can reach each namespace, from what the audit read, computed when asked. Pods come from the workloads where
 * they are known: a cluster's listed pods (a namespace without any has none), or the manifests' workloads (a
 * namespace with none in the input runs its pods elsewhere, and one with objects that may make more pods runs those
 * too: its pods are not known). In an open world, a namespace the input does not declare may match a selector: each
 * answer comes with the selectors that made it unknown for that reason. An answer is kept only for the namespace
 * last asked about (its row asks twice), or for all of them with `keep` (read again for a second pass).
 */
function reachOf(
  inventory: Inventory,
  keep: boolean,
): { exposure: ExposureState; reach: (name: string) => Reach } {
  const workloads = inventory.workloads;
  const open = inventory.openWorld;
  const fromCluster = inventory.origin.mode === 'cluster';
  const answers = new Map<string, Tri>();
  const undeclared = new Map<string, Set<string>>();
  const exposure = new ExposureState(inventory.state, {
    // Everything is read before the first question: nothing is kept for later events.
    fixed: true,
    ...(workloads
      ? {
          podsIn: (namespace: string) => {
            if (open?.possiblePods.has(namespace)) return undefined;
            const list = workloads.get(namespace) ?? [];
            return list.length > 0 || fromCluster ? list.map((w) => w.labels) : undefined;
          },
        }
      : {}),
    ...(open
      ? {
          undeclared: (selector: LabelSelector | undefined, asker: string) => {
            // Thousands of namespaces ask about the same few selectors (a DNS rule's kube-system).
            const key = selector ? selectorKey(selector) : '';
            let may = answers.get(key);
            if (may === undefined) {
              may = mayMatchUndeclared(selector, open.declared);
              answers.set(key, may);
            }
            if (may !== false) {
              const set = undeclared.get(asker) ?? new Set<string>();
              set.add(selector ? selectorText(selector) || '{} (every namespace)' : 'any namespace');
              undeclared.set(asker, set);
            }
            return may;
          },
        }
      : {}),
  });
  const kept = new Map<string, Reach>();
  let last: { name: string; reach: Reach } | undefined;
  const reach = (name: string): Reach => {
    if (last?.name === name) return last.reach;
    let answer = kept.get(name);
    if (!answer) {
      const reachability = exposure.reachability(name);
      const asked = undeclared.get(name);
      undeclared.delete(name);
      answer = { reachability, undeclared: asked ? [...asked].sort() : [] };
      if (keep) kept.set(name, answer);
    }
    last = { name, reach: answer };
    return answer;
  };
  return { exposure, reach };
}

/** Per namespace, what opens it to the internet (none is an answer too); undefined when not read. */
function internetFacingLookup(
  inventory: Inventory,
): ((name: string) => NamespaceInternetFacing | undefined) | undefined {
  const read = inventory.internetFacing;
  if (!read) return undefined;
  return (name) => {
    const entries = read.answer.byNamespace.get(name);
    // A kind it could not read may open this namespace: "none" would be a claim it cannot make.
    if (!entries && read.unread.length > 0) return undefined;
    return internetFacingOf(entries ?? [], read.locations);
  };
}

/** What the open world leaves unknown in a namespace, when anything does. */
function openWorldOf(
  inventory: Inventory,
  undeclared: readonly string[],
  row: ReportNamespace,
): NamespaceOpenWorld | undefined {
  const open = inventory.openWorld;
  if (!open) return undefined;
  const possiblePods = (open.possiblePods.get(row.name) ?? []).map(podMakerText);
  const workloads = inventory.workloads?.get(row.name) ?? [];
  const danglingUnknown =
    possiblePods.length > 0 && workloads.length > 0
      ? [...inventory.state.policiesIn(row.name)]
          .filter((policy) => policySelection(policy, workloads).dangling)
          .map((policy) => policy.name)
          .sort()
      : [];
  const exposureUnknown = row.exposure?.ingress.unknown || row.exposure?.egress.unknown;
  const undeclaredPeers = exposureUnknown ? [...undeclared] : [];
  if (possiblePods.length === 0 && undeclaredPeers.length === 0) return undefined;
  return { possiblePods, danglingUnknown, undeclaredPeers };
}

export async function auditMain(
  argv: string[],
  env: Record<string, string | undefined>,
  io: CommandIo = processIo,
): Promise<number> {
  try {
    const { values, help, positional } = parseArgs(auditFlags, sourceArgs(argv), env);
    if (help) {
      io.stdout(auditUsage());
      return EXIT.passed;
    }
    if (positional.length > 0)
      throw new UsageError(`unexpected argument ${JSON.stringify(positional[0])} (use --manifests PATH)`);
    const inventory = await loadInventory(values, io.readStdin, {
      ...(io.stderrIsTerminal ? { progress: progressLine(io.stderr) } : {}),
      // What opens a namespace to the internet is kept, not every Service read (remediation's).
      services: false,
    });
    for (const warning of inventory.warnings) io.stderr(`netpol-exporter: warning: ${warning}\n`);
    // Nothing checked is never a pass.
    const nothing = nothingToCheck(inventory);
    if (nothing) throw new InputError(nothing);
    const now = io.now?.() ?? new Date();
    // --fail-on-exposure reads every namespace's reachability for the check, before the rows are written: those
    // answers are kept for the rows. Without it, the summary needs none, and each is computed as its row is written.
    const failOn = values.failOnExposure;
    const { exposure, reach } = reachOf(inventory, failOn !== undefined);
    const internetFacing = internetFacingLookup(inventory);
    // The names behind other_namespaces go into the JSON only, each namespace's as it is written: at 24,000
    // namespaces all of them at once would be hundreds of megabytes.
    const reachers = values.names ? reachersOf(exposure) : undefined;
    // Rows are made as they are needed, once for the summary and again as they are written, and never held all at
    // once: at 24,000 namespaces they are tens of megabytes.
    const contextOf = contextLookup(values, inventory.state, now);
    const dangling = (name: string) => danglingPolicies(inventory, name);
    const rows = lazyRows(inventory.state, contextOf, {
      dangling,
      exposure: (name) => reach(name).reachability,
      ...(internetFacing ? { internetFacing } : {}),
      openWorld: (row) => openWorldOf(inventory, reach(row.name).undeclared, row),
    });
    const report = streamedReport({
      rows,
      summaryRows: failOn ? rows : lazyRows(inventory.state, contextOf, { dangling }),
      source: inventory.origin,
      version: buildInfo.version,
      now,
      locations: inventory.locations,
      failOn,
    });
    const { policyLocations } = inventory;
    const chunks = reportChunks(report, values.output, {
      ...(policyLocations ? { policyLocations } : {}),
      ...(reachers
        ? {
            jsonNamespaces: (function* () {
              for (const row of report.namespaces) yield withOtherNamespaces(row, reachers(row.name));
            })(),
          }
        : {}),
    });
    for (const chunk of inChunks(chunks)) await io.stdout(chunk);
    return report.passed && (report.exposureCheck?.passed ?? true) ? EXIT.passed : EXIT.failed;
  } catch (err) {
    if (!isInputProblem(err)) throw err;
    io.stderr(`netpol-exporter audit: ${err.message}\n`);
    return EXIT.usage;
  }
}
