// Satisfiability of label selectors over every label set (a namespace or pod created by anyone, now or later).
import { expect } from 'chai';
import type { LabelSelector } from '../../../src/core/facts.ts';
import { coversEvery, labelSpace, MAX_POINTS, satisfiable } from '../../../src/core/selectors/label-space.ts';

const sel = (
  matchLabels: Record<string, string>,
  ...exprs: [string, string, string[]?][]
): LabelSelector => ({
  matchLabels,
  matchExpressions: exprs.map(([key, operator, values = []]) => ({ key, operator, values })),
});
const NAME = 'kubernetes.io/metadata.name';

describe('label space: satisfiability of selectors', () => {
  it('a selector with contradictory requirements matches no label set', () => {
    expect(satisfiable(sel({ app: 'web' }, ['app', 'In', ['db']]))).to.equal(false);
    expect(satisfiable(sel({}, ['app', 'Exists'], ['app', 'DoesNotExist']))).to.equal(false);
    expect(satisfiable(sel({}, ['app', 'In', ['a']], ['app', 'NotIn', ['a']]))).to.equal(false);
    expect(satisfiable(sel({ app: 'web' }, ['app', 'In', ['web', 'db']]))).to.equal(true);
    expect(satisfiable(sel({}, ['app', 'NotIn', ['a', 'b']]))).to.equal(true);
    expect(satisfiable(sel({}, ['app', 'Like', ['a']]))).to.equal('unknown');
  });

  it('selectors cover every label set when each set matches one of them', () => {
    expect(coversEvery([sel({})])).to.equal(true);
    expect(coversEvery([sel({}, ['team', 'Exists']), sel({}, ['team', 'DoesNotExist'])])).to.equal(true);
    expect(coversEvery([sel({}, ['team', 'Exists'])])).to.equal(false);
    expect(coversEvery([sel({}, ['team', 'In', ['a']]), sel({}, ['team', 'NotIn', ['a']])])).to.equal(true);
    expect(coversEvery([sel({}, ['team', 'In', ['a']]), sel({}, ['team', 'NotIn', ['a', 'b']])])).to.equal(
      false,
    );
    expect(coversEvery([])).to.equal(false);
  });

  it('namespaces always carry their name, and "every other namespace" leaves the own name out', () => {
    const notOwn = sel({}, [NAME, 'NotIn', ['a']]);
    expect(coversEvery([notOwn], { namespaceOtherThan: 'a' })).to.equal(true);
    expect(coversEvery([notOwn], { namespaceOtherThan: 'b' })).to.equal(false);
    expect(coversEvery([sel({}, [NAME, 'Exists'])], { namespaceOtherThan: 'a' })).to.equal(true);
    expect(coversEvery([sel({}, [NAME, 'Exists'])])).to.equal(false);
  });

  it('too many label sets to walk: unknown, never a guess', () => {
    const wide = Array.from({ length: 13 }, (_, i) => sel({}, [`k${i}`, 'NotIn', ['v']]));
    expect(labelSpace(wide)).to.equal(undefined);
    expect(3 ** 13).to.be.greaterThan(MAX_POINTS);
    expect(coversEvery(wide)).to.equal('unknown');
    // Unless a cheap answer holds: no selector matches a label set without their keys.
    expect(coversEvery(Array.from({ length: 13 }, (_, i) => sel({ [`k${i}`]: 'v' })))).to.equal(false);
  });
});
