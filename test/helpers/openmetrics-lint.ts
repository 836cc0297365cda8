// A strict reader of OpenMetrics 1.0 text, written from the specification (its ABNF and the rules beside it): no
// OpenMetrics linter is installed here (promtool reads the text format only). It returns every problem found,
// each naming its line; an empty list means the exposition is valid as far as these rules go.

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = ['counter', 'gauge', 'histogram', 'gaugehistogram', 'stateset', 'info', 'summary', 'unknown'];
// realnumber, or [SIGN] inf/infinity, or nan (case-insensitive).
const NUMBER = /^(?:[+-]?(?:\d+(?:\.\d*)?(?:e[+-]?\d+)?|\d*\.\d+(?:e[+-]?\d+)?)|[+-]?inf(?:inity)?|nan)$/i;
/** Sample name suffixes each type allows (the empty suffix is the family name itself). */
const SUFFIXES: Record<string, string[]> = {
  counter: ['_total', '_created'],
  gauge: [''],
  stateset: [''],
  unknown: [''],
  info: ['_info'],
  histogram: ['_bucket', '_count', '_sum', '_created'],
  gaugehistogram: ['_bucket', '_gcount', '_gsum'],
  summary: ['', '_count', '_sum', '_created'],
};

interface Family {
  name: string;
  type: string;
  seen: Set<string>;
  sampled: boolean;
  /** Label sets (without le/quantile) whose samples are done: one coming back is interleaving. */
  finished: Set<string>;
  current: string | undefined;
  buckets: Map<string, { le: number; value: number }[]>;
  counts: Map<string, number>;
}

/** Go's %g with `.0` added: the rendering the spec asks for in `le` and `quantile` label values. */
function canonical(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  const [mantissa = '', exp = '0'] = value.toExponential().split('e');
  const e = Number(exp);
  if (e < -4 || e >= 6) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  const fixed = String(value);
  return fixed.includes('.') ? fixed : `${fixed}.0`;
}

/** An escaped-string: only \n, \" and \\ escapes; no raw line feed, quote or lone backslash. Returns its value. */
function unescapeString(text: string): string | undefined {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '"' || c === '\n') return undefined;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = text[++i];
    if (next === 'n') out += '\n';
    else if (next === '"' || next === '\\') out += next;
    else return undefined; // the spec allows BS normal-char but says SHOULD NOT: strict here
  }
  return out;
}

/** Parses `{a="x",b="y"}` at the start of `text`: the labels and the rest, or a problem. */
function parseLabels(text: string): { labels: [string, string][]; rest: string } | string {
  const labels: [string, string][] = [];
  let i = 1;
  if (text[i] === '}') return { labels, rest: text.slice(2) };
  for (;;) {
    const eq = text.indexOf('=', i);
    if (eq < 0) return 'label without "="';
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name)) return `bad label name ${JSON.stringify(name)}`;
    if (text[eq + 1] !== '"') return `label ${name}: value not quoted`;
    let j = eq + 2;
    while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
    if (j >= text.length) return `label ${name}: unterminated value`;
    const value = unescapeString(text.slice(eq + 2, j));
    if (value === undefined) return `label ${name}: bad escaping`;
    if (labels.some(([n]) => n === name)) return `label ${name} twice`;
    labels.push([name, value]);
    if (text[j + 1] === '}') return { labels, rest: text.slice(j + 2) };
    if (text[j + 1] !== ',') return `label ${name}: expected "," or "}"`;
    i = j + 2;
  }
}

export function lintOpenMetrics(body: string): string[] {
  const problems: string[] = [];
  if (body.startsWith('\ufeff')) problems.push('starts with a byte order mark');
  if (body.includes('\r')) problems.push('contains a carriage return');
  if (!body.endsWith('# EOF\n') && !body.endsWith('# EOF')) problems.push('does not end with "# EOF"');
  const lines = body.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const families = new Map<string, Family>();
  let family: Family | undefined;
  const problem = (n: number, what: string) => problems.push(`line ${n + 1}: ${what}: ${lines[n]}`);

  const finishFamily = () => {
    if (!family) return;
    for (const [set, buckets] of family.buckets) {
      if (!buckets.some((b) => b.le === Number.POSITIVE_INFINITY))
        problems.push(`${family.name}{${set}}: no +Inf bucket`);
      for (let i = 1; i < buckets.length; i++)
        if ((buckets[i] as { value: number }).value < (buckets[i - 1] as { value: number }).value)
          problems.push(`${family.name}{${set}}: buckets not cumulative`);
      const inf = buckets.find((b) => b.le === Number.POSITIVE_INFINITY);
      const count = family.counts.get(set);
      if (inf && count !== undefined && inf.value !== count)
        problems.push(`${family.name}{${set}}: _count ${count} is not the +Inf bucket ${inf.value}`);
    }
  };
  const startFamily = (name: string, n: number): Family => {
    finishFamily();
    if (families.has(name)) problem(n, `family ${name} appears again (interleaved or duplicated)`);
    family = {
      name,
      type: 'unknown',
      seen: new Set(),
      sampled: false,
      finished: new Set(),
      current: undefined,
      buckets: new Map(),
      counts: new Map(),
    };
    families.set(name, family);
    return family;
  };

  for (let n = 0; n < lines.length; n++) {
    const line = lines[n] as string;
    if (line === '# EOF') {
      if (n !== lines.length - 1) problem(n, '"# EOF" before the end');
      continue;
    }
    if (line.startsWith('#')) {
      const m = /^# (TYPE|HELP|UNIT) ([^ ]+) ?(.*)$/.exec(line);
      if (!m) {
        problem(n, 'a line starting with "#" that is no TYPE, HELP, UNIT or EOF');
        continue;
      }
      const [, kind = '', name = '', value = ''] = m;
      if (!METRIC_NAME.test(name)) problem(n, 'bad metric name');
      const f = family && family.name === name && !family.sampled ? family : startFamily(name, n);
      if (f.seen.has(kind)) problem(n, `second ${kind} for ${name}`);
      f.seen.add(kind);
      if (kind === 'TYPE') {
        if (!TYPES.includes(value)) problem(n, `unknown type ${JSON.stringify(value)}`);
        f.type = value;
      } else if (kind === 'HELP') {
        if (unescapeString(value) === undefined) problem(n, 'HELP not escaped (\\\\, \\n, \\" only)');
      } else if (value !== '') {
        if (!/^[a-zA-Z0-9_:]*$/.test(value)) problem(n, 'bad unit');
        if (!name.endsWith(`_${value}`)) problem(n, `unit ${value} is not the suffix of ${name}`);
      }
      continue;
    }
    // A sample: metricname [labels] SP number [SP timestamp] [exemplar]
    const nameEnd = line.search(/[{ ]/);
    const name = nameEnd < 0 ? line : line.slice(0, nameEnd);
    if (!METRIC_NAME.test(name)) {
      problem(n, 'bad sample name');
      continue;
    }
    let rest = line.slice(name.length);
    let labels: [string, string][] = [];
    if (rest.startsWith('{')) {
      const parsed = parseLabels(rest);
      if (typeof parsed === 'string') {
        problem(n, parsed);
        continue;
      }
      labels = parsed.labels;
      rest = parsed.rest;
    }
    const [value = '', timestamp, ...more] = rest.startsWith(' ') ? rest.slice(1).split(' ') : [];
    if (!NUMBER.test(value)) problem(n, `bad value ${JSON.stringify(value)}`);
    if (timestamp !== undefined && (!NUMBER.test(timestamp) || /[a-z]/i.test(timestamp.replace(/e/i, ''))))
      problem(n, 'bad timestamp');
    if (more.length > 0) problem(n, 'unexpected text after the timestamp (exemplars are not expected here)');

    // Which family it belongs to: the current one if its type allows the suffix, else a new untyped family.
    const belongs = (f: Family | undefined) =>
      f !== undefined && (SUFFIXES[f.type] ?? []).some((suffix) => name === f.name + suffix);
    if (!belongs(family)) {
      if (family && !family.sampled && family.seen.size > 0)
        problem(n, `sample ${name} does not belong to family ${family.name} of type ${family.type}`);
      const earlier = [...families.values()].find((g) => g !== family && belongs(g));
      if (earlier) problem(n, `family ${earlier.name} appears again (interleaved)`);
      startFamily(name, n);
    }
    const f = family as Family;
    f.sampled = true;
    const suffix = name.slice(f.name.length);
    const number = Number(
      value.replace(/^\+?inf(inity)?$/i, 'Infinity').replace(/^-inf(inity)?$/i, '-Infinity'),
    );
    const special =
      f.type === 'histogram' || f.type === 'gaugehistogram' ? 'le' : f.type === 'summary' ? 'quantile' : '';
    const own = labels.filter(([k]) => k !== special || suffix !== (special === 'le' ? '_bucket' : ''));
    const set = own
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .sort()
      .join(',');
    if (f.current !== set) {
      if (f.finished.has(set)) problem(n, `metric {${set}} of ${f.name} interleaved with another`);
      if (f.current !== undefined) f.finished.add(f.current);
      f.current = set;
    }
    if (f.type === 'counter' && suffix === '_total' && (Number.isNaN(number) || number < 0))
      problem(n, 'a counter total must be a non-negative number');
    if (special === 'le' && suffix === '_bucket') {
      const le = labels.find(([k]) => k === 'le')?.[1];
      if (le === undefined) problem(n, 'bucket without le');
      else {
        const bound = Number(le.replace(/^\+Inf$/, 'Infinity'));
        if (Number.isNaN(bound) || canonical(bound) !== le)
          problem(n, `le="${le}" is not a canonical number`);
        if (!Number.isInteger(number) || number < 0)
          problem(n, 'bucket values must be non-negative integers');
        const list = f.buckets.get(set) ?? [];
        list.push({ le: bound, value: number });
        f.buckets.set(set, list);
      }
    }
    if (special === 'le' && suffix === '_count') {
      if (!Number.isInteger(number) || number < 0) problem(n, '_count must be a non-negative integer');
      f.counts.set(set, number);
    }
    if (f.type === 'histogram' && labels.some(([k]) => k === 'le') && suffix !== '_bucket')
      problem(n, 'le outside a bucket');
  }
  finishFamily();

  // No family name may be a sample name another family could produce ("foo_created" beside counter "foo").
  for (const [name, f] of families)
    for (const [other, g] of families)
      if (
        other !== name &&
        (SUFFIXES[g.type] ?? []).some((suffix) => suffix !== '' && other + suffix === name)
      )
        problems.push(`family ${name} (${f.type}) clashes with the samples of ${other} (${g.type})`);
  return problems;
}
