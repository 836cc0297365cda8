// Prometheus text exposition format 0.0.4: escaping and sample lines. Sample lines serve OpenMetrics unchanged;
// headers differ (openmetrics.ts).
import { type ExpositionFormat, openMetricsHeader } from './openmetrics.ts';

export type { ExpositionFormat };

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Label values escape backslash, double quote and line feed; anything else (unicode included) passes as is. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** HELP text escapes backslash and line feed. */
export function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

export type Labels = ReadonlyArray<readonly [string, string]>;

export function sampleLine(name: string, labels: Labels, value: number): string {
  const rendered = labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',');
  return `${name}${rendered ? `{${rendered}}` : ''} ${formatValue(value)}\n`;
}

export function familyHeader(
  name: string,
  help: string,
  type: string,
  format: ExpositionFormat = 'text',
): string {
  if (format === 'openmetrics') return openMetricsHeader(name, help, type);
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
}
