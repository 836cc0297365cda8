// OpenMetrics 1.0 text, beside the Prometheus text format 0.0.4 (text.ts). The two differ only in metadata and the
// end: sample lines (names, label escaping, values) read the same in both, so the pre-rendered per-namespace text
// serves either and only a family's HELP/TYPE header and the `# EOF` trailer are rendered per format (as
// kube-state-metrics keeps one header set per format beside one copy of its samples). The header follows
// client_golang's encoder (prometheus/common expfmt/openmetrics_create.go): a counter's family is named without
// `_total` while its samples keep it, untyped is `unknown`, HELP escapes `"` too; and, as the spec asks for a
// family whose name ends in a unit, a `# UNIT` line.

export type ExpositionFormat = 'text' | 'openmetrics';

/** The last line of every OpenMetrics exposition. */
export const OPENMETRICS_EOF = '# EOF\n';

/**
 * Base units (prometheus.io "Metric and label naming") a family name may end in; OpenMetrics wants the unit named
 * in a UNIT line when the name carries one.
 */
const UNITS = ['seconds', 'bytes', 'meters', 'grams', 'volts', 'amperes', 'joules', 'celsius', 'ratio'];

/** OpenMetrics escaped-string: backslash, line feed and double quote (the text format leaves `"` in HELP as is). */
function escapeOpenMetricsHelp(text: string): string {
  return text.replace(/[\\\n"]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** The unit a family name ends in (`_seconds`, `_bytes`, ...), if any. */
function unitOf(familyName: string): string | undefined {
  return UNITS.find((unit) => familyName.endsWith(`_${unit}`) && familyName.length > unit.length + 1);
}

/**
 * A family's metadata in OpenMetrics: TYPE, UNIT, HELP (the spec's order). A counter named `x_total` is family
 * `x`; a counter without `_total` could not be valid OpenMetrics and is `unknown`, as client_golang does.
 */
export function openMetricsHeader(name: string, help: string, type: string): string {
  let family = name;
  let omType = type === 'untyped' ? 'unknown' : type;
  if (type === 'counter') {
    if (name.endsWith('_total')) family = name.slice(0, -'_total'.length);
    else omType = 'unknown';
  }
  const unit = unitOf(family);
  return (
    `# TYPE ${family} ${omType}\n` +
    (unit ? `# UNIT ${family} ${unit}\n` : '') +
    `# HELP ${family} ${escapeOpenMetricsHelp(help)}\n`
  );
}

/**
 * A number as OpenMetrics wants it in `le` and `quantile` label values ("Canonical Numbers"): Go's %g with `.0`
 * when there is neither a point nor an exponent (1.0, 0.001, 1e-05, 100000.0, 1e+06).
 */
export function canonicalNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  const [mantissa = '0', exponentText = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6)
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  const fixed = String(value);
  return fixed.includes('.') ? fixed : `${fixed}.0`;
}
