// Writers of the audit's outputs from one CoverageReport (the list of formats is output-formats.ts): the table for
// people and JUnit XML for CI, and the finding lines every writer shares.

import { PEER_CLASSES, WIDEST_FIRST } from '../core/exposure/peer-classes.ts';
import { isUnknown, type PolicyRef } from '../core/namespace-row.ts';
import {
  type ExposureCheck,
  type ReportNamespace,
  reachableFromText,
  resultLine,
  type StreamedReport,
} from '../report/coverage-report.ts';

/** Values from annotations can hold anything: one line, no terminal control characters. */
function printable(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  return value.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
}

const yesNo = (b: boolean) => (b ? 'yes' : 'no');

/** The exemption as one short cell: who and until when, or why it does not count. */
export function exemptionText(ns: ReportNamespace): string {
  const e = ns.exemption;
  if (!e) return '-';
  if (e.state === 'invalid') return `invalid (${e.problems.join(', ')})`;
  const until = e.expires ?? '?';
  return printable(e.state === 'valid' ? `${e.owner} until ${until}` : `expired ${until} (${e.owner})`);
}

const refText = (p: PolicyRef) => `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}`;

/**
 * What the verdict alone does not say, one line each: policies that could not be judged (and why), allow-all
 * NetworkPolicies, and dangling ones.
 */
export function findings(ns: ReportNamespace): string[] {
  const lines = ns.unjudgedPolicies.map((p) => `unknown: ${refText(p)} could not be judged: ${p.reason}`);
  for (const direction of ['ingress', 'egress'] as const)
    for (const name of ns.allowAll[direction])
      lines.push(
        `allow-all: NetworkPolicy ${name} allows all ${direction} to every pod: it protects nothing for ${direction}`,
      );
  for (const name of ns.dangling ?? [])
    lines.push(`dangling: NetworkPolicy ${name} selects none of the namespace's pods`);
  for (const line of openWorldFindings(ns)) lines.push(line);
  for (const direction of ['ingress', 'egress'] as const) {
    const e = ns.exposure?.[direction];
    if (e?.denyUndone)
      lines.push(`deny undone: the default deny for ${direction} is undone by an allow-all policy`);
    if (e?.unknown)
      lines.push(
        `exposure unknown: ${direction} could not be judged for ${e.unknownClasses.length === PEER_CLASSES.length ? 'any class' : e.unknownClasses.join(', ')}`,
      );
  }
  return lines.map(printable);
}

/** What the input, part of a cluster, leaves open here (manifests mode without --whole-cluster). */
function openWorldFindings(ns: ReportNamespace): string[] {
  const open = ns.openWorld;
  if (!open) return [];
  return [
    ...open.possiblePods.map((p) => `open world: pods the input does not declare may run here: ${p}`),
    ...open.danglingUnknown.map(
      (name) =>
        `open world: NetworkPolicy ${name} selects none of the declared workloads but may select those pods: dangling unknown`,
    ),
    ...(open.undeclaredPeers.length > 0
      ? [
          `open world: namespaces the input does not declare may match ${open.undeclaredPeers.join('; ')}: ` +
            'what they could reach or be reached by is unknown',
        ]
      : []),
  ];
}

/** Who can reach the namespace and whom it can reach, widest class first, with what opens each. */
export function exposureFindings(ns: ReportNamespace): string[] {
  const lines: string[] = [];
  for (const [direction, word] of [
    ['ingress', 'from'],
    ['egress', 'to'],
  ] as const) {
    const e = ns.exposure?.[direction];
    if (!e) continue;
    const opened = WIDEST_FIRST.filter((c) => e.reachable.includes(c)).map(
      (c) => `${c} (opened by ${(e.openedBy[c] ?? []).join(', ')})`,
    );
    lines.push(
      `${direction}: reachable ${word} ${opened.length > 0 ? opened.join('; ') : 'nothing'}${e.unknown ? ' (a lower bound)' : ''}`,
    );
  }
  return lines.map(printable);
}

/** Each way the internet reaches the namespace: the object, the rule that decided, and where it is written. */
function internetFindings(ns: ReportNamespace): string[] {
  return (ns.internetFacing?.entryPoints ?? []).map((e) =>
    printable(`internet-facing (${e.via}): ${e.object}: ${e.rule}${e.location ? ` (${e.location})` : ''}`),
  );
}

const sourcesCell = (ns: ReportNamespace) =>
  [...ns.sources, ...ns.unknown.map((s) => `unknown:${s}`)].join(',') || '-';

/**
 * The table, a line at a time, from one pass over the namespaces (each row is made as it is read): what a line needs
 * of its namespace is kept (its cells, its notes), not the namespace.
 */
export function* tableChunks(report: StreamedReport): Generator<string> {
  const header = ['NAMESPACE', 'VERDICT', 'POLICIES', 'DENY-INGRESS', 'DENY-EGRESS', 'SOURCES', 'EXEMPTION'];
  // Every cell a line may have; the optional columns are shown only where some namespace has something to say.
  const rows: string[][] = [];
  const notes: string[] = [];
  let exposure = false;
  let location = false;
  let openWorld = false;
  // Namespaces per kind of line listed below the table, so the counts and the lines agree.
  let exposureUnknown = 0;
  let openWorldNotes = 0;
  // How many namespaces face the internet, and which of them are uncovered (those go first).
  let facing = 0;
  const facingUncovered: string[] = [];
  for (const ns of report.namespaces) {
    exposure ||= ns.exposure !== undefined;
    location ||= ns.location !== undefined;
    openWorld ||= ns.openWorld !== undefined;
    const vias = ns.internetFacing?.vias ?? [];
    if (vias.length > 0) {
      facing++;
      if (ns.verdict === 'uncovered') facingUncovered.push(ns.name);
    }
    const found = findings(ns);
    if (found.some((f) => f.startsWith('exposure unknown:'))) exposureUnknown++;
    if (found.some((f) => f.startsWith('open world:'))) openWorldNotes++;
    for (const f of [...internetFindings(ns), ...found]) notes.push(`  ${printable(ns.name)}: ${f}`);
    rows.push([
      printable(ns.name),
      ns.verdict,
      String(ns.policies),
      yesNo(ns.defaultDeny.ingress),
      yesNo(ns.defaultDeny.egress),
      sourcesCell(ns),
      exemptionText(ns),
      reachableFromText(ns.exposure),
      vias.join(',') || '-',
      printable(ns.location ?? '-'),
    ]);
  }
  // Shown when something faces the internet: a column of dashes says nothing the last line does not.
  const shown = [true, true, true, true, true, true, true, exposure, facing > 0, location];
  for (const [name, show] of [
    ['REACHABLE-FROM', exposure],
    ['INTERNET-FACING', facing > 0],
    // Manifests mode: where each namespace is declared or first referenced, as the JSON and JUnit outputs say.
    ['LOCATION', location],
  ] as const)
    if (show) header.push(name);
  const cellsOf = (row: string[]) => row.filter((_, i) => shown[i]);
  const widths = header.map((h) => h.length);
  for (const row of rows)
    for (const [i, cell] of cellsOf(row).entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  const line = (cells: string[]) =>
    `${cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()}\n`;
  if (rows.length === 0) yield '(no namespaces found)\n';
  else {
    yield line(header);
    for (const row of rows) yield line(cellsOf(row));
  }
  // One blank line before the notes, when there are any.
  for (const [i, note] of notes.entries()) yield `${i === 0 ? '\n' : ''}${note}\n`;
  const s = report.summary;
  const { word, why } = resultLine(report);
  const counts = `${s.covered} covered, ${s.uncovered} uncovered, ${s.exempt} exempt, ${s.excluded} excluded`;
  const flagged =
    `unknown ${s.unknown}; allow-all ingress ${s.allowAll.ingress}, egress ${s.allowAll.egress}; dangling ${s.dangling}; ` +
    `exposure unknown ${exposureUnknown}${openWorld ? `; open world ${openWorldNotes}` : ''}`;
  yield `\n${word}: ${s.namespaces} namespaces: ${counts}; default deny ingress ${s.defaultDeny.ingress}, egress ${s.defaultDeny.egress}; ${flagged}\n`;
  if (why) yield `${word}: ${printable(why)}\n`;
  const check = report.exposureCheck;
  if (check) yield `${exposureLine(check)}\n`;
  if (facing > 0)
    yield `INTERNET-FACING: ${facing} namespace${facing === 1 ? '' : 's'}, ${facingUncovered.length} uncovered${facingUncovered.length > 0 ? `: ${names(facingUncovered)}` : ''}\n`;
}

const names = (list: readonly string[]) => list.map(printable).join(', ');

/** The --fail-on-exposure result in one line: which namespaces fail it, and which could not be judged. */
export function exposureLine(check: ExposureCheck): string {
  const word = check.reachable.length > 0 ? 'FAIL' : check.unknown.length > 0 ? 'UNKNOWN' : 'PASS';
  const parts = [
    `${check.reachable.length} namespace${check.reachable.length === 1 ? '' : 's'} reachable from ${check.failOn} (ingress)${check.reachable.length > 0 ? `: ${names(check.reachable)}` : ''}`,
    ...(check.unknown.length > 0 ? [`could not be judged: ${names(check.unknown)}`] : []),
  ];
  return `EXPOSURE ${word}: ${parts.join('; ')}`;
}

function xml(value: string): string {
  return (
    value
      // XML 1.0 cannot carry most control characters at all, not even escaped.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

function testcase(ns: ReportNamespace): string {
  const open = `    <testcase classname="namespaces" name="${xml(ns.name)}"`;
  const deny = `default deny: ingress ${yesNo(ns.defaultDeny.ingress)}, egress ${yesNo(ns.defaultDeny.egress)}`;
  const where = ns.location ? ` (${ns.location})` : '';
  const notes = findings(ns);
  const out = (text: string) => `<system-out>${xml([text, ...notes].join('\n'))}</system-out>`;
  if (isUnknown(ns))
    return `${open}>
      <error type="unknown" message="${xml(`namespace ${ns.name}: protection could not be judged${where}`)}">${xml(
        `CIS 5.3.2: namespace ${ns.name} has no policy known to protect it${where}, and ${ns.unjudgedPolicies.length} that could not be judged:\n${notes.join('\n')}`,
      )}</error>
    </testcase>`;
  switch (ns.verdict) {
    case 'uncovered':
      return `${open}>
      <failure type="uncovered" message="${xml(`namespace ${ns.name} has no network policy${where}`)}">${xml(
        `CIS 5.3.2: namespace ${ns.name} is not protected by any network policy${where}. ` +
          'Run `netpol-exporter remediate` for a default deny to commit, or record an approved exemption.',
      )}</failure>
    </testcase>`;
    case 'excluded':
      return `${open}>
      <skipped message="excluded by the configured scope"/>
    </testcase>`;
    case 'exempt':
      return `${open}>
      ${out(`exempt: ${exemptionText(ns)}; reason: ${ns.exemption?.reason ?? ''}`)}
    </testcase>`;
    default:
      return `${open}>
      ${out(`${ns.policies} policies (${ns.sources.join(', ')}); ${deny}; protected by ${ns.protectedByPolicies.map(refText).join(', ')}`)}
    </testcase>`;
  }
}

/** The --fail-on-exposure suite's counts: one testcase per namespace, failures and errors from the check. */
function exposureCounts(report: StreamedReport, check: ExposureCheck) {
  const reachable = new Set(check.reachable);
  const unknown = new Set(check.unknown);
  let tests = 0;
  let skipped = 0;
  for (const ns of report.namespaces) {
    tests++;
    if (
      !reachable.has(ns.name) &&
      !unknown.has(ns.name) &&
      (ns.verdict === 'exempt' || ns.verdict === 'excluded' || ns.phase === 'Terminating')
    )
      skipped++;
  }
  return { reachable, unknown, tests, skipped };
}

/** One testcase per namespace for --fail-on-exposure: a failure when reachable from the class, an error when unknown. */
function* exposureSuite(
  report: StreamedReport,
  check: ExposureCheck,
  { reachable, unknown, tests, skipped }: ReturnType<typeof exposureCounts>,
): Generator<string> {
  const counts = `tests="${tests}" failures="${reachable.size}" errors="${unknown.size}" skipped="${skipped}"`;
  yield `  <testsuite name="Exposure: no namespace reachable from ${check.failOn} (ingress)" ${counts} timestamp="${xml(report.generatedAt)}">\n`;
  let first = true;
  for (const ns of report.namespaces) {
    const open = `${first ? '' : '\n'}    <testcase classname="exposure" name="${xml(ns.name)}"`;
    first = false;
    const where = ns.location ? ` (${ns.location})` : '';
    const detail = [...exposureFindings(ns), ...findings(ns)].join('\n');
    if (reachable.has(ns.name))
      yield `${open}>
      <failure type="exposed" message="${xml(`namespace ${ns.name} is reachable from ${check.failOn}${where}`)}">${xml(
        `namespace ${ns.name} can receive traffic from ${check.failOn}${where}, opened by ${(ns.exposure?.ingress.openedBy[check.failOn] ?? []).join(', ')}.\n${detail}`,
      )}</failure>
    </testcase>`;
    else if (unknown.has(ns.name))
      yield `${open}>
      <error type="unknown" message="${xml(`namespace ${ns.name}: whether ${check.failOn} can reach it could not be judged${where}`)}">${xml(detail)}</error>
    </testcase>`;
    else if (ns.verdict === 'exempt' || ns.verdict === 'excluded' || ns.phase === 'Terminating')
      yield `${open}>
      <skipped message="${xml(`${ns.phase === 'Terminating' ? 'Terminating' : ns.verdict}: not checked for exposure`)}"/>
    </testcase>`;
    else
      yield `${open}>
      <system-out>${xml(`reachable from: ${reachableFromText(ns.exposure)}`)}</system-out>
    </testcase>`;
  }
  yield '\n  </testsuite>\n';
}

/** JUnit XML, a testcase at a time. */
export function* junitChunks(report: StreamedReport): Generator<string> {
  const s = report.summary;
  const counts = `tests="${s.namespaces}" failures="${s.uncovered - s.unknown}" errors="${s.unknown}" skipped="${s.excluded}"`;
  const check = report.exposureCheck;
  const extra = check ? exposureCounts(report, check) : undefined;
  const total =
    check && extra
      ? `tests="${s.namespaces + extra.tests}" failures="${s.uncovered - s.unknown + check.reachable.length}" errors="${s.unknown + check.unknown.length}" skipped="${s.excluded + extra.skipped}"`
      : counts;
  yield `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="netpol-exporter audit" ${total}>
  <testsuite name="CIS 5.3.2: all namespaces have network policies" ${counts} timestamp="${xml(report.generatedAt)}">
`;
  let first = true;
  for (const ns of report.namespaces) {
    yield `${first ? '' : '\n'}${testcase(ns)}`;
    first = false;
  }
  yield '\n  </testsuite>\n';
  if (check && extra) yield* exposureSuite(report, check, extra);
  yield '</testsuites>\n';
}
