// A metric family declared as data next to the function that fills it (the kube-state-metrics way).
import { type ExpositionFormat, familyHeader, type Labels, sampleLine } from './text.ts';

export interface Sample {
  labels: Labels;
  value: number;
}

export interface Family<T> {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  /** The label names its samples carry (docs/metrics.md lists them; a test holds samples to them). */
  labels: readonly string[];
  /** More than HELP says, for docs/metrics.md: label values, when series are absent. */
  doc?: string;
  samples(subject: T): Sample[];
}

export function renderHeader(family: Family<unknown>, format: ExpositionFormat = 'text'): string {
  return familyHeader(family.name, family.help, family.type, format);
}

export function renderSamples<T>(family: Family<T>, subject: T): string {
  let out = '';
  for (const sample of family.samples(subject)) out += sampleLine(family.name, sample.labels, sample.value);
  return out;
}
