// The audit's output formats, one row each: the name `--output` takes, what `--help` and docs/flags.md say of it,
// and its writer. The type, the flag and the docs derive from this list: a new format is one row and its writer.
// A writer hands its output over in pieces, written as they come (the report of a monorepo is tens of megabytes);
// `write` joins them.
import type { ReportNamespace, StreamedReport } from '../report/coverage-report.ts';
import { JsonArray, jsonChunks } from '../report/json-chunks.ts';
import { type SarifContext, sarifChunks } from './sarif.ts';
import { junitChunks, tableChunks } from './writers.ts';

type Writer = (report: StreamedReport, context: FormatContext) => Iterable<string>;

interface OutputFormatRow {
  name: string;
  /** A few words for --help and docs/flags.md. */
  help: string;
  /** The context says what the report does not carry (where each policy is written); most writers ignore it. */
  chunks: Writer;
  /** The whole output as one string. */
  write: (report: StreamedReport, context?: FormatContext) => string;
}

/** What the audit knows besides the report, for the writers that use it. */
export type FormatContext = SarifContext & {
  /**
   * The namespaces as the JSON carries them, when that is more than the report's rows (`audit --names`: the names
   * behind other_namespaces, made as they are written and dropped once written).
   */
  jsonNamespaces?: Iterable<ReportNamespace>;
};

/** A row of the list: its writer's pieces, and the same joined. */
const outputFormat = <const Name extends string>(name: Name, help: string, chunks: Writer) => ({
  name,
  help,
  chunks,
  write: (report: StreamedReport, context: FormatContext = {}) => [...chunks(report, context)].join(''),
});

/** The report as JSON.stringify(report, null, 2) writes it, one namespace at a time. */
function* jsonReport(report: StreamedReport, context: FormatContext): Generator<string> {
  const namespaces = context.jsonNamespaces ?? report.namespaces;
  yield* jsonChunks({ ...report, namespaces: new JsonArray(() => namespaces) });
  yield '\n';
}

export const OUTPUT_FORMATS = [
  outputFormat('table', 'for people', tableChunks),
  outputFormat('json', 'for scripts, schema docs/coverage-report.schema.json', jsonReport),
  outputFormat('junit', 'JUnit XML for CI', junitChunks),
  outputFormat('sarif', 'SARIF 2.1.0 for code scanning', sarifChunks),
] as const satisfies readonly OutputFormatRow[];

export type OutputFormat = (typeof OUTPUT_FORMATS)[number]['name'];

export const OUTPUT_FORMAT_NAMES: OutputFormat[] = OUTPUT_FORMATS.map((format) => format.name);

/** `table (for people), json (...), ... or sarif (...)`, for the flag's help. */
export function outputFormatsHelp(): string {
  const described = OUTPUT_FORMATS.map((format) => `${format.name} (${format.help})`);
  return `${described.slice(0, -1).join(', ')} or ${described.at(-1)}`;
}

/** The report in the format, in pieces to write as they come. */
export function reportChunks(
  report: StreamedReport,
  name: OutputFormat,
  context: FormatContext = {},
): Iterable<string> {
  const row: OutputFormatRow | undefined = OUTPUT_FORMATS.find((f) => f.name === name);
  if (!row) throw new Error(`unknown output format ${JSON.stringify(name)}`);
  return row.chunks(report, context);
}

export function formatReport(
  report: StreamedReport,
  name: OutputFormat,
  context: FormatContext = {},
): string {
  return [...reportChunks(report, name, context)].join('');
}
