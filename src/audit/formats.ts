// The audit's three outputs from one CoverageReport: a table for people, JSON for scripts, JUnit XML for CI.
import { isUnknown, type PolicyRef } from '../core/namespace-row.ts';
import { type CoverageReport, type ReportNamespace, resultLine } from '../report/coverage-report.ts';

export type OutputFormat = 'table' | 'json' | 'junit';

export function formatReport(report: CoverageReport, format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  if (format === 'junit') return junit(report);
  return table(report);
}

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
  return lines.map(printable);
}

const sourcesCell = (ns: ReportNamespace) =>
  [...ns.sources, ...ns.unknown.map((s) => `unknown:${s}`)].join(',') || '-';

export function table(report: CoverageReport): string {
  const header = ['NAMESPACE', 'VERDICT', 'POLICIES', 'DENY-INGRESS', 'DENY-EGRESS', 'SOURCES', 'EXEMPTION'];
  const rows = report.namespaces.map((ns) => [
    printable(ns.name),
    ns.verdict,
    String(ns.policies),
    yesNo(ns.defaultDeny.ingress),
    yesNo(ns.defaultDeny.egress),
    sourcesCell(ns),
    exemptionText(ns),
  ]);
  // Manifests mode: where each namespace is declared or first referenced, as the JSON and JUnit outputs say.
  if (report.namespaces.some((ns) => ns.location !== undefined)) {
    header.push('LOCATION');
    for (const [i, ns] of report.namespaces.entries()) rows[i]?.push(printable(ns.location ?? '-'));
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const s = report.summary;
  const { word, why } = resultLine(report);
  const counts = `${s.covered} covered, ${s.uncovered} uncovered, ${s.exempt} exempt, ${s.excluded} excluded`;
  const body = rows.length > 0 ? [line(header), ...rows.map(line)].join('\n') : '(no namespaces found)';
  const notes = report.namespaces.flatMap((ns) => findings(ns).map((f) => `  ${printable(ns.name)}: ${f}`));
  const flagged = `unknown ${s.unknown}; allow-all ingress ${s.allowAll.ingress}, egress ${s.allowAll.egress}; dangling ${s.dangling}`;
  const last = `${word}: ${s.namespaces} namespaces: ${counts}; default deny ingress ${s.defaultDeny.ingress}, egress ${s.defaultDeny.egress}; ${flagged}`;
  return [
    body,
    ...(notes.length > 0 ? ['', ...notes] : []),
    '',
    last,
    ...(why ? [`${word}: ${printable(why)}`] : []),
    '',
  ].join('\n');
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

export function junit(report: CoverageReport): string {
  const s = report.summary;
  const counts = `tests="${s.namespaces}" failures="${s.uncovered - s.unknown}" errors="${s.unknown}" skipped="${s.excluded}"`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="netpol-exporter audit" ${counts}>
  <testsuite name="CIS 5.3.2: all namespaces have network policies" ${counts} timestamp="${xml(report.generatedAt)}">
${report.namespaces.map(testcase).join('\n')}
  </testsuite>
</testsuites>
`;
}
