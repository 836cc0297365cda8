// The exporter's label-selector parser (the scope flags) against the simulated API server's, written separately on
// purpose after apimachinery: fed the same texts, both must reject, or both accept the same requirements and select
// the same label sets. A disagreement means one of them reads a selector unlike the real server.

import { labelsMatch, parseLabelRequirements } from '@netpol-exporter/kube-sim/label-selector';
import { expect } from 'chai';
import fc from 'fast-check';
import { parseLabelSelector, selectorMatches } from '../../../src/core/selectors/selector-syntax.ts';

type Labels = Record<string, string>;

/** Requirements in one spelling (`k in (a,b)`, `k notin (a)`, `k`, `!k`), sorted: what both parsers mean. */
type Reading =
  | { accepted: false; why: string }
  | { accepted: true; meaning: string[]; matches: (l: Labels) => boolean };

const spell = (key: string, operator: string, values: readonly string[]) =>
  operator === 'exists'
    ? key
    : operator === '!'
      ? `!${key}`
      : `${key} ${operator} (${[...new Set(values)].sort().join(',')})`;

function exporterReading(text: string): Reading {
  try {
    const requirements = parseLabelSelector(text);
    return {
      accepted: true,
      meaning: requirements
        .map((r) => spell(r.key, r.operator === 'doesnotexist' ? '!' : r.operator, r.values))
        .sort(),
      matches: (labels) => selectorMatches(requirements, labels),
    };
  } catch (err) {
    return { accepted: false, why: (err as Error).message };
  }
}

function simulatorReading(text: string): Reading {
  try {
    const requirements = parseLabelRequirements(text);
    const operator = { '=': 'in', '==': 'in', '!=': 'notin' } as Record<string, string>;
    return {
      accepted: true,
      meaning: requirements.map((r) => spell(r.key, operator[r.operator] ?? r.operator, r.values)).sort(),
      matches: (labels) => labelsMatch(requirements, labels),
    };
  } catch (err) {
    expect(
      (err as { code?: number }).code,
      `the simulator rejects ${JSON.stringify(text)} with a 400`,
    ).to.equal(400);
    return { accepted: false, why: (err as Error).message };
  }
}

/** Label sets that tell requirements apart: each key absent, empty, at each named value, at another value, and
 * one either side of a number (for gt and lt). */
function probes(meaning: string[]): Labels[] {
  const out: Labels[] = [{}];
  for (const requirement of meaning) {
    const m = /^!?([^ ]+)(?: \w+ \((.*)\))?$/.exec(requirement);
    const key = m?.[1] ?? '';
    const named = m?.[2]?.split(',') ?? [];
    const around = named.filter((v) => /^\d+$/.test(v)).flatMap((v) => [BigInt(v) - 1n, BigInt(v) + 1n]);
    for (const value of ['', 'other', ...named, ...around.map(String)]) out.push({ [key]: value });
  }
  return out;
}

/** Empty when both read `text` alike; else what differs. */
function disagreement(text: string): string {
  const ours = exporterReading(text);
  const theirs = simulatorReading(text);
  const shown = JSON.stringify(text);
  if (!ours.accepted && !theirs.accepted) return '';
  if (!ours.accepted) return `${shown}: the exporter rejects it (${ours.why}), the simulator accepts it`;
  if (!theirs.accepted) return `${shown}: the exporter accepts it, the simulator rejects it (${theirs.why})`;
  if (JSON.stringify(ours.meaning) !== JSON.stringify(theirs.meaning))
    return `${shown}: the exporter reads ${JSON.stringify(ours.meaning)}, the simulator ${JSON.stringify(theirs.meaning)}`;
  for (const labels of probes(ours.meaning))
    if (ours.matches(labels) !== theirs.matches(labels))
      return `${shown}: on ${JSON.stringify(labels)} the exporter says ${ours.matches(labels)}, the simulator ${theirs.matches(labels)}`;
  return '';
}

describe('label selector texts: the exporter and the simulated API server read them alike', () => {
  const agreed = [
    // accepted
    '',
    '   ',
    'app=web',
    'app==web',
    'app!=web',
    'app = web',
    'app= web',
    'app =web',
    'app=',
    'app!=',
    'app=,tier=',
    'app in (web,db)',
    'app in ( web , db )',
    'app notin (web)',
    'app in ()',
    'app in (,)',
    'app in (web,)',
    'app in (,web)',
    'app in (web,,db)',
    'app in (web),tier',
    'app in (web) , !tier',
    'app',
    '!app',
    '! app',
    'app,!tier',
    'app=a,app=b',
    'example.com/app=web',
    'app.kubernetes.io/name in (web)',
    'app_name=my_value',
    '1a=2b',
    'a..b=c',
    'in',
    'notin',
    'in=in',
    'notin!=notin',
    'in in (in, notin)',
    'app=\tweb,\ntier',
    `${'k'.repeat(63)}=${'v'.repeat(63)}`,
    `${'p'.repeat(253)}/${'k'.repeat(63)}`,
    'a.b-c.d/e_f.g-h',
    '0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)',
    // `(` is a token of its own: no space is needed before it.
    'x in(a)',
    'x notin(a)',
    'x in(a),y notin(b)',
    // gt and lt: the value is a whole number, compared as one.
    'x>1',
    'x<1',
    'x > 1',
    'x>0,x<10',
    'x>007',
    'x>9223372036854775807',
    'x<0',
    // Empty values in a set: a comma with nothing on one side stands for the empty value.
    'x in (a,,,)',
    'x in (,,,)',
    'x in (,,a)',
    'x notin (a,,b,,c)',
    // Only space, tab, CR and LF separate tokens.
    '\r\napp\t',
    'x\tin\n(a,\rb)',
    // rejected
    ',',
    'app,',
    ',app',
    'app,,tier',
    '!',
    '!!app',
    '!app=web',
    '=web',
    'app=web=x',
    'app==web==x',
    'app===web',
    'app=!web',
    'app = = web',
    'app=web tier',
    'app web',
    'app ! = web',
    'app in web',
    'app in',
    'app notin',
    'app in (web',
    'app in (web db)',
    'app in ((web))',
    'app in (web)x',
    'app in (web) (db)',
    'app=(web)',
    'app IN (web)',
    'app||tier',
    '-app',
    'app-',
    '.app',
    '/app',
    'app/',
    'app=-web',
    'app=web-',
    'app=we b',
    'app=wéb',
    'äpp',
    'app=😀',
    ')',
    '(',
    'app)',
    'x>',
    'x<a',
    'x>1.5',
    'x>-1',
    'x>+1',
    'x>9223372036854775808',
    'x>=1',
    'x=>1',
    'x>>1',
    'x<>1',
    'x>(1)',
    'x in (1) > 2',
    '>1',
    // Two (or four, ...) commas straight before `)`: API servers before Kubernetes 1.35 reject it.
    'x in (a,,)',
    'x in (,,)',
    'x in (a,,,,)',
    // A key: an optional lowercase DNS-subdomain prefix (at most 253 characters) and `/`, then a name of at most 63.
    'Example.com/app',
    'example..com/app',
    'example.com./app',
    '-example.com/app',
    'a_b/c',
    'a/b/c',
    'a/',
    'k'.repeat(64),
    `${'p'.repeat(254)}/k`,
    `p/${'k'.repeat(64)}`,
    // A value: at most 63 characters.
    `k=${'v'.repeat(64)}`,
    `k in (a,${'v'.repeat(64)})`,
    // Other whitespace is part of the word it touches, and no key or value may hold it.
    '\u00a0',
    'app=web\u00a0',
    'app\f',
    'app\vin (web)',
    'x in (a\u2003)',
    '\u200bapp',
  ];
  for (const text of agreed) {
    it(`both read ${JSON.stringify(text)} alike`, () => {
      expect(disagreement(text)).to.equal('');
    });
  }

  it('agree on random selectors built from keys, values, operators and stray symbols', () => {
    const key = fc.constantFrom(
      'app',
      'tier',
      'example.com/app',
      'a.b-c_d',
      'in',
      'notin',
      'A',
      '-x',
      'x/',
      'Ex.com/a',
      'a/b/c',
      'k'.repeat(64),
    );
    const value = fc.constantFrom(
      'web',
      'db',
      '',
      'in',
      'a_b',
      '1',
      '007',
      '-1',
      'x-',
      '(',
      ',',
      'v'.repeat(64),
    );
    // Separators the real server splits on, and look-alikes it does not.
    const gap = fc.constantFrom('', ' ', '\t', '\n', '\f', '\u00a0');
    const requirement = fc.oneof(
      fc
        .tuple(key, fc.constantFrom('=', '==', '!=', ' = ', ' != ', '>', ' < '), value)
        .map(([k, op, v]) => `${k}${op}${v}`),
      fc
        .tuple(key, gap, fc.constantFrom('in', 'notin'), gap, fc.array(value, { maxLength: 3 }))
        .map(([k, g1, op, g2, vs]) => `${k}${g1 || ' '}${op}${g2}(${vs.join(',')})`),
      key,
      key.map((k) => `!${k}`),
    );
    const noise = fc.constantFrom('', ' ', ',', ',,', '!', '=', '>', '<', '(', ')', 'in', ' , ', '\f');
    const selector = fc
      .array(fc.tuple(requirement, noise), { minLength: 1, maxLength: 4 })
      .map((parts) => parts.map(([r, n]) => r + n).join(','));
    fc.assert(
      fc.property(selector, (text) => {
        expect(disagreement(text)).to.equal('');
      }),
      { numRuns: 3000, seed: 13 },
    );
  });
});

describe('label selector errors say what is wrong and where', () => {
  // What the operator reads after `--namespaces.exclude-selector: `.
  const cases: [string, string][] = [
    ['app in (web', `label selector "app in (web": expected ',' or ')' at character 12, found the end`],
    ['app=web tier', `label selector "app=web tier": expected ',' or the end at character 9, found "tier"`],
    [
      'app web',
      'expected an operator (=, ==, !=, in, notin, > or <) after "app" at character 5, found "web"',
    ],
    ['Example.com/app', '"Example.com/app" is not a label key: its prefix must be a lowercase DNS subdomain'],
    ['a/b/c', `"a/b/c" is not a label key: it has more than one '/'`],
    [`${'k'.repeat(64)}`, 'its name is 64 characters long, more than 63'],
    [`${'p'.repeat(254)}/k`, 'its prefix is 254 characters long, more than 253'],
    [`k=${'v'.repeat(64)}`, 'is not a label value: it is 64 characters long, more than 63'],
    ['x>a', '"x>a" compares with a whole number, not "a"'],
    ['x in (a,,)', "2 commas in a row before ')' at character 10"],
    // Invisible characters are shown as escapes, or the message would quote what looks like a valid key.
    ['app\u00a0', '"app\\u{a0}" is not a label key'],
    ['app=\0', 'a NUL character at character 5'],
  ];
  for (const [text, message] of cases) {
    it(`${JSON.stringify(text)}: ${message}`, () => {
      expect(() => parseLabelSelector(text)).to.throw(message);
    });
  }

  it('compares gt and lt as whole numbers, false when the label is absent or not a number', () => {
    const matches = (text: string, labels: Labels) => selectorMatches(parseLabelSelector(text), labels);
    expect(matches('x>9', { x: '10' })).to.equal(true);
    expect(matches('x>9', { x: '9' })).to.equal(false);
    expect(matches('x<10', { x: '9' })).to.equal(true);
    expect(matches('x<10', { x: '010' })).to.equal(false);
    expect(matches('x>9', { x: 'ten' })).to.equal(false);
    expect(matches('x<9', {})).to.equal(false);
    expect(matches('x>9', { x: '9223372036854775808' })).to.equal(false);
  });
});
