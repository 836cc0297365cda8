// The audit's output formats, one row each: the name `--output` takes, what `--help` and docs/flags.md say of it,
// and its writer. The type, the flag and the docs derive from this list: a new format is one row and its writer.
import type { CoverageReport } from '../report/coverage-report.ts';
import { type SarifContext, sarif } from './sarif.ts';
import { junit, table } from './writers.ts';

interface OutputFormatRow {
  name: string;
  /** A few words for --help and docs/flags.md. */
  help: string;
  /** The context says what the report does not carry (where each policy is written); most writers ignore it. */
  write: (report: CoverageReport, context: FormatContext) => string;
}

/** What the audit knows besides the report, for the writers that use it. */
export type FormatContext = SarifContext;

export const OUTPUT_FORMATS = [
  { name: 'table', help: 'for people', write: table },
  {
    name: 'json',
    help: 'for scripts, schema docs/coverage-report.schema.json',
    write: (report) => `${JSON.stringify(report, null, 2)}\n`,
  },
  { name: 'junit', help: 'JUnit XML for CI', write: junit },
  { name: 'sarif', help: 'SARIF 2.1.0 for code scanning', write: sarif },
] as const satisfies readonly OutputFormatRow[];

export type OutputFormat = (typeof OUTPUT_FORMATS)[number]['name'];

export const OUTPUT_FORMAT_NAMES: OutputFormat[] = OUTPUT_FORMATS.map((format) => format.name);

/** `table (for people), json (...), ... or sarif (...)`, for the flag's help. */
export function outputFormatsHelp(): string {
  const described = OUTPUT_FORMATS.map((format) => `${format.name} (${format.help})`);
  return `${described.slice(0, -1).join(', ')} or ${described.at(-1)}`;
}

export function formatReport(
  report: CoverageReport,
  format: OutputFormat,
  context: FormatContext = {},
): string {
  const row: OutputFormatRow | undefined = OUTPUT_FORMATS.find((f) => f.name === format);
  if (!row) throw new Error(`unknown output format ${JSON.stringify(format)}`);
  return row.write(report, context);
}
