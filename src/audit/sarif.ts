// `audit --output sarif`: SARIF 2.1.0 for code-scanning dashboards (GitHub code scanning, GitLab, DefectDojo).
// One rule per kind of finding, one result per namespace and finding. In manifests mode each result points at the
// object in the files (the Namespace, or the NetworkPolicy the finding is about); against a cluster there is no file,
// so a result carries only a logical location (the namespace), which GitHub code scanning does not accept: the docs
// say to upload the SARIF of `audit --manifests` there (docs/audit-and-remediation.md).
import { createHash } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PeerClass } from '../core/exposure/peer-classes.ts';
import { isUnknown, type PolicyRef } from '../core/namespace-row.ts';
import type { ReportNamespace, StreamedReport } from '../report/coverage-report.ts';
import { JsonArray, jsonChunks } from '../report/json-chunks.ts';
import { RUNBOOKS } from '../report/runbooks.ts';
import { policyKey } from './inventory.ts';

const SARIF_SCHEMA =
  'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
const PROJECT = 'https://github.com/netpol-exporter/netpol-exporter';

/** What the writer may know besides the report: where each policy is written (manifests mode). */
export interface SarifContext {
  /** `file:line` of each policy, by policyKey(source, namespace, name). */
  policyLocations?: ReadonlyMap<string, string>;
}

type Level = 'error' | 'warning' | 'note';

interface Rule {
  id: string;
  name: string;
  short: string;
  full: string;
  help: string;
  runbook: string;
  level: Level;
  /** GitHub's scale: 0.1-3.9 low, 4.0-6.9 medium, 7.0-8.9 high, 9.0+ critical. */
  securitySeverity: string;
  precision: 'very-high' | 'high' | 'medium';
}

// Error for what fails the audit (exit 1), warning for what weakens a namespace the audit passes. CIS 5.3.2 is
// Medium in the CNAPP controls; reachable from a whole class of peers is worse than the letter of the control.
const RULES = [
  {
    id: 'uncovered',
    name: 'NamespaceUncovered',
    short: 'Namespace without a network policy (CIS 5.3.2)',
    full: 'No network policy protects the namespace: all traffic into and out of its pods is allowed, so one compromised application can reach its neighbours and be reached from anywhere.',
    help: 'Add a NetworkPolicy (`netpol-exporter remediate` writes a default deny to commit), or record an approved exemption with an owner and an expiry date.',
    runbook: 'netpolnamespaceuncovered.md',
    level: 'error',
    securitySeverity: '6.5',
    precision: 'very-high',
  },
  {
    id: 'unknown',
    name: 'NamespaceProtectionUnknown',
    short: 'Namespace whose protection could not be judged',
    full: 'No policy is known to protect the namespace, and some policy that might could not be judged (a field the exporter does not evaluate). It counts as uncovered until someone checks.',
    help: 'Check by hand whether the policies named in the result protect the namespace; add a NetworkPolicy the exporter can judge, or record an approved exemption.',
    runbook: 'netpolnamespaceuncovered.md',
    level: 'error',
    securitySeverity: '5.0',
    precision: 'medium',
  },
  {
    id: 'allow-all',
    name: 'NetworkPolicyAllowsAll',
    short: 'NetworkPolicy that allows all traffic to every pod',
    full: 'The NetworkPolicy selects every pod and allows all traffic for a direction (`ingress: [{}]` or `egress: [{}]`): policies are a union of allows, so no deny beside it holds for that direction.',
    help: 'Narrow its rules to the peers and ports the pods need, or remove it.',
    runbook: 'remediation.md',
    level: 'warning',
    securitySeverity: '6.5',
    precision: 'very-high',
  },
  {
    id: 'dangling',
    name: 'NetworkPolicyDangling',
    short: "NetworkPolicy that selects none of the namespace's pods",
    full: "The NetworkPolicy's podSelector matches none of the workloads of its namespace, so it isolates nothing (often a typo, or labels renamed on the workloads but not in the policy).",
    help: "Fix its podSelector to match the workloads' pod labels, or delete it.",
    runbook: 'netpolnamespacepodsnotisolated.md',
    level: 'warning',
    securitySeverity: '3.0',
    precision: 'high',
  },
  {
    id: 'exposure',
    name: 'NamespaceReachable',
    short: 'Namespace reachable from the peer class --fail-on-exposure names',
    full: 'Pods of the namespace can receive traffic (ingress) from the peer class given to --fail-on-exposure, or whether they can could not be judged (docs/exposure.md).',
    help: 'Narrow the policies that open the namespace (named in the result) to the namespaces and addresses that need it.',
    runbook: 'netpolnamespacereachablefromallnamespaces.md',
    level: 'error',
    securitySeverity: '7.5',
    precision: 'high',
  },
] as const satisfies readonly Rule[];

type RuleId = (typeof RULES)[number]['id'];

interface Finding {
  rule: RuleId;
  ns: ReportNamespace;
  message: string;
  /** The policy the finding is about, when it is about one. */
  policy?: { source: string; kind: string; namespace: string | null; name: string };
  /** Other policies worth showing beside it. */
  related?: readonly PolicyRef[];
}

const refText = (p: { kind: string; namespace: string | null; name: string }) =>
  `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}`;

/** For an uncovered namespace the internet reaches: how, and that it goes first (the control's first batch). */
function internetText(ns: ReportNamespace): string {
  const entries = ns.internetFacing?.entryPoints ?? [];
  if (entries.length === 0) return '';
  const ways = entries.map((e) => `${e.via} via ${e.object}${e.location ? ` (${e.location})` : ''}`);
  return `; the internet reaches it (${ways.join('; ')}): remediate it first`;
}

/** The --fail-on-exposure check's namespaces, as sets: one lookup per namespace, not a scan of the list. */
interface CheckSets {
  failOn: PeerClass;
  reachable: ReadonlySet<string>;
  unknown: ReadonlySet<string>;
}

/** Every finding of one namespace, in rule order. */
function findingsOf(ns: ReportNamespace, check: CheckSets | undefined): Finding[] {
  const out: Finding[] = [];
  const where = `namespace ${ns.name}`;
  if (ns.verdict === 'uncovered' && isUnknown(ns))
    out.push({
      rule: 'unknown',
      ns,
      message: `${where}: no policy is known to protect it, and ${ns.unjudgedPolicies.length} could not be judged: ${ns.unjudgedPolicies.map((p) => `${refText(p)} (${p.reason})`).join('; ')}`,
      related: ns.unjudgedPolicies,
    });
  else if (ns.verdict === 'uncovered')
    out.push({
      rule: 'uncovered',
      ns,
      message: `${where} has no network policy: all traffic to and from its pods is allowed${internetText(ns)}`,
    });
  for (const direction of ['ingress', 'egress'] as const)
    for (const name of ns.allowAll[direction])
      out.push({
        rule: 'allow-all',
        ns,
        message: `NetworkPolicy ${ns.name}/${name} allows all ${direction} to every pod: it protects nothing for ${direction}`,
        policy: { source: 'networkpolicy', kind: 'NetworkPolicy', namespace: ns.name, name },
      });
  for (const name of ns.dangling ?? [])
    out.push({
      rule: 'dangling',
      ns,
      message: `NetworkPolicy ${ns.name}/${name} selects none of the namespace's pods, so it isolates nothing`,
      policy: { source: 'networkpolicy', kind: 'NetworkPolicy', namespace: ns.name, name },
    });
  if (check?.reachable.has(ns.name))
    out.push({
      rule: 'exposure',
      ns,
      message: `${where} is reachable (ingress) from ${check.failOn}, opened by ${(ns.exposure?.ingress.openedBy[check.failOn] ?? []).join(', ')}`,
    });
  else if (check?.unknown.has(ns.name))
    out.push({
      rule: 'exposure',
      ns,
      message: `${where}: whether ${check.failOn} can reach it (ingress) could not be judged`,
    });
  return out;
}

/** `file:line` as the report prints it, as a SARIF physical location; undefined for stdin or no location. */
function physicalLocation(at: string | undefined): Record<string, unknown> | undefined {
  const match = at ? /^(.*):(\d+)$/.exec(at) : null;
  if (!match?.[1] || match[1] === '<stdin>') return undefined;
  const file = match[1];
  // Relative paths (the audit prints them relative to where it ran) stay relative, to the repository root as
  // GitHub expects; absolute ones become file: URIs.
  const artifactLocation = isAbsolute(file)
    ? { uri: pathToFileURL(file).href }
    : { uri: file.split(/[\\/]/).map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
  return { artifactLocation, region: { startLine: Number(match[2]) } };
}

/** Stable across runs and line moves: the rule, the namespace and the policy, not the text of a line. */
function fingerprint(finding: Finding): string {
  const p = finding.policy;
  const identity = [finding.rule, finding.ns.name, p ? `${p.source}/${p.name}` : ''].join('\n');
  return `${createHash('sha256').update(identity).digest('hex').slice(0, 32)}:1`;
}

function result(finding: Finding, context: SarifContext): Record<string, unknown> {
  const ruleIndex = RULES.findIndex((r) => r.id === finding.rule);
  const locate = (p: { source: string; namespace: string | null; name: string }) =>
    context.policyLocations?.get(policyKey(p.source, p.namespace ?? '', p.name));
  const policyAt = finding.policy ? locate(finding.policy) : undefined;
  const physical = physicalLocation(policyAt) ?? physicalLocation(finding.ns.location);
  const logicalLocations = [
    { name: finding.ns.name, fullyQualifiedName: finding.ns.name, kind: 'namespace' },
    ...(finding.policy
      ? [
          {
            name: finding.policy.name,
            fullyQualifiedName: `${finding.ns.name}/${finding.policy.kind}/${finding.policy.name}`,
            kind: 'resource',
          },
        ]
      : []),
  ];
  const related = (finding.related ?? []).flatMap((p, i) => {
    const at = physicalLocation(locate(p));
    return at ? [{ id: i + 1, physicalLocation: at, message: { text: refText(p) } }] : [];
  });
  return {
    ruleId: finding.rule,
    ruleIndex,
    level: RULES[ruleIndex]?.level ?? 'warning',
    message: { text: finding.message },
    locations: [physical ? { physicalLocation: physical, logicalLocations } : { logicalLocations }],
    ...(related.length > 0 ? { relatedLocations: related } : {}),
    partialFingerprints: { primaryLocationLineHash: fingerprint(finding) },
  };
}

function rule(r: Rule): Record<string, unknown> {
  const helpUri = `${RUNBOOKS}${r.runbook}`;
  return {
    id: r.id,
    name: r.name,
    shortDescription: { text: r.short },
    fullDescription: { text: r.full },
    help: { text: `${r.help} Runbook: ${helpUri}`, markdown: `${r.help}\n\n[Runbook](${helpUri})` },
    helpUri,
    defaultConfiguration: { level: r.level },
    properties: {
      tags: ['security', 'kubernetes', 'network-policy', 'CIS-5.3.2'],
      precision: r.precision,
      'security-severity': r.securitySeverity,
    },
  };
}

/** The SARIF log, a result at a time: the results are made as they are written (JSON.stringify's bytes). */
export function* sarifChunks(report: StreamedReport, context: SarifContext = {}): Generator<string> {
  const check = report.exposureCheck;
  const sets = check
    ? { failOn: check.failOn, reachable: new Set(check.reachable), unknown: new Set(check.unknown) }
    : undefined;
  const results = new JsonArray(function* () {
    for (const ns of report.namespaces) for (const f of findingsOf(ns, sets)) yield result(f, context);
  });
  // What the audit could not read is said, not dropped: an incomplete or unknown read is a notification.
  const notifications = report.stateReasons.map((reason) => ({
    level: 'warning',
    message: { text: reason },
  }));
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            version: report.tool.version,
            semanticVersion: report.tool.version,
            informationUri: PROJECT,
            rules: RULES.map(rule),
          },
        },
        invocations: [
          {
            executionSuccessful: true,
            endTimeUtc: report.generatedAt,
            ...(notifications.length > 0 ? { toolExecutionNotifications: notifications } : {}),
          },
        ],
        results,
        properties: { result: report.result, state: report.state },
      },
    ],
  };
  // Opened down to the results: the log, its runs, the run, its results.
  yield* jsonChunks(log, 4);
  yield '\n';
}
