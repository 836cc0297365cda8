// Label selectors and Calico selectors in three-valued logic. Cases follow the documented forms:
// https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors and
// https://docs.tigera.io/calico/latest/reference/resources/networkpolicy#selectors
import { expect } from 'chai';
import { labelSelectorFrom } from '../../../src/core/facts.ts';
import { evaluateCalico, parseCalicoSelector } from '../../../src/core/selectors/calico-selector.ts';
import {
  type LabelLookup,
  lookupIn,
  matchSelector,
  selectorProblem,
  type Tri,
  UNKNOWN_LABEL,
} from '../../../src/core/selectors/label-selector.ts';

const labels = { environment: 'production', tier: 'frontend', partition: 'customerA' };
/** Like `labels`, but `app` is a label whose value cannot be known (a pod label when judging a namespace). */
const partial: LabelLookup = (key) => (key === 'app' ? UNKNOWN_LABEL : lookupIn(labels)(key));

describe('label selectors (matchLabels, matchExpressions)', () => {
  const cases: { title: string; selector: unknown; want: Tri; lookup?: LabelLookup }[] = [
    { title: 'empty selector selects everything', selector: {}, want: true },
    // An expression that cannot be read must not be dropped: the selector without it would select more.
    {
      title: 'an expression without an operator makes the match unknown, not wider',
      selector: { matchLabels: { environment: 'production' }, matchExpressions: [{ key: 'tier' }] },
      want: 'unknown',
    },
    {
      title: 'an expression that is not an object makes the match unknown',
      selector: { matchExpressions: ['tier in (frontend)'] },
      want: 'unknown',
    },
    {
      title: 'but a known false term still decides the AND',
      selector: { matchLabels: { environment: 'qa' }, matchExpressions: [{ key: 'tier' }] },
      want: false,
    },
    { title: 'matchLabels equal', selector: { matchLabels: { environment: 'production' } }, want: true },
    { title: 'matchLabels differ', selector: { matchLabels: { environment: 'qa' } }, want: false },
    { title: 'matchLabels missing key', selector: { matchLabels: { owner: 'x' } }, want: false },
    {
      title: 'environment in (production, qa)',
      selector: { matchExpressions: [{ key: 'environment', operator: 'In', values: ['production', 'qa'] }] },
      want: true,
    },
    {
      title: 'tier notin (frontend, backend)',
      selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['frontend', 'backend'] }] },
      want: false,
    },
    {
      title: 'NotIn is true when the label is absent',
      selector: { matchExpressions: [{ key: 'owner', operator: 'NotIn', values: ['x'] }] },
      want: true,
    },
    {
      title: 'partition (Exists)',
      selector: { matchExpressions: [{ key: 'partition', operator: 'Exists' }] },
      want: true,
    },
    {
      title: '!partition (DoesNotExist)',
      selector: { matchExpressions: [{ key: 'partition', operator: 'DoesNotExist' }] },
      want: false,
    },
    {
      title: 'matchLabels and matchExpressions are ANDed',
      selector: {
        matchLabels: { environment: 'production' },
        matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend'] }],
      },
      want: false,
    },
    {
      title: 'an unknown operator is unknown, not guessed',
      selector: { matchExpressions: [{ key: 'tier', operator: 'Gt', values: ['1'] }] },
      want: 'unknown',
    },
    {
      title: 'In without values (rejected by the API server) is unknown',
      selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: [] }] },
      want: 'unknown',
    },
    {
      title: 'a label whose value cannot be known is unknown',
      selector: { matchLabels: { app: 'web' } },
      want: 'unknown',
      lookup: partial,
    },
    {
      title: 'but a known false term decides the AND',
      selector: { matchLabels: { app: 'web', environment: 'qa' } },
      want: false,
      lookup: partial,
    },
  ];
  for (const c of cases) {
    it(c.title, () => {
      expect(matchSelector(labelSelectorFrom(c.selector), c.lookup ?? lookupIn(labels))).to.equal(c.want);
    });
  }
  it('names an unreadable expression as the problem of its selector', () => {
    const problem = selectorProblem(
      labelSelectorFrom({ matchExpressions: [{ key: 'tier', values: ['a'] }] }),
    );
    expect(problem).to.equal('unknown operator "(unreadable expression)"');
  });
});

describe('Calico selectors', () => {
  const ns = { 'projectcalico.org/name': 'payments', team: 'pay', env: 'prod' };
  const cases: { selector: string; want: Tri; lookup?: LabelLookup }[] = [
    { selector: '', want: true },
    { selector: 'all()', want: true },
    { selector: 'global()', want: false },
    { selector: "team == 'pay'", want: true },
    { selector: 'team == "ops"', want: false },
    { selector: "team != 'ops'", want: true },
    { selector: "missing != 'x'", want: true },
    { selector: "missing == 'x'", want: false },
    { selector: 'has(team)', want: true },
    { selector: '!has(team)', want: false },
    { selector: "env in {'prod', 'staging'}", want: true },
    { selector: "env not in {'prod'}", want: false },
    { selector: "missing not in {'prod'}", want: true },
    { selector: "missing in {'prod'}", want: false },
    { selector: "team contains 'a'", want: true },
    { selector: "team starts with 'pa'", want: true },
    { selector: "team ends with 'x'", want: false },
    { selector: "team == 'pay' && env == 'dev'", want: false },
    { selector: "team == 'pay' || env == 'dev'", want: true },
    { selector: "!(team == 'pay' && env == 'dev')", want: true },
    { selector: "team == 'x' || team == 'y' && env == 'prod'", want: false },
    { selector: "(team == 'x' || team == 'pay') && env == 'prod'", want: true },
    // The default-deny recipe of the Calico docs ("Enable a default deny policy for Kubernetes pods").
    {
      selector:
        'has(projectcalico.org/name) && projectcalico.org/name not in {"kube-system", "calico-system", "tigera-operator"}',
      want: true,
    },
    {
      selector: "app == 'web'",
      want: 'unknown',
      lookup: (k) => (k === 'app' ? UNKNOWN_LABEL : ns[k as 'team']),
    },
    {
      selector: "app == 'web' && team == 'ops'",
      want: false,
      lookup: (k) => (k === 'app' ? UNKNOWN_LABEL : ns[k as 'team']),
    },
    {
      selector: "app == 'web' || team == 'pay'",
      want: true,
      lookup: (k) => (k === 'app' ? UNKNOWN_LABEL : ns[k as 'team']),
    },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.selector)} is ${c.want}`, () => {
      const parsed = parseCalicoSelector(c.selector);
      if (!('expr' in parsed)) throw new Error(parsed.error);
      expect(evaluateCalico(parsed.expr, c.lookup ?? lookupIn(ns))).to.equal(c.want);
    });
  }

  for (const bad of [
    'team == pay',
    "team === 'x'",
    'has(team',
    "team in {'a' 'b'}",
    "team ~ 'x'",
    "'x'",
    'foo()',
    "team == 'unterminated",
  ]) {
    it(`rejects ${JSON.stringify(bad)} with a reason`, () => {
      const parsed = parseCalicoSelector(bad);
      expect(parsed).to.have.property('error').that.is.a('string').and.not.empty;
    });
  }
});
