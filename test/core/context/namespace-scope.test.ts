import { expect } from 'chai';
import { EMPTY_SCOPE, globMatcher, NamespaceScope } from '../../../src/core/context/namespace-scope.ts';
import { parseLabelSelector, selectorMatches } from '../../../src/core/selectors/selector-syntax.ts';

describe('namespace scope', () => {
  it('excludes nothing by default, kube-system included (CIS applies to it)', () => {
    const scope = new NamespaceScope(EMPTY_SCOPE);
    expect(scope.isExcluded('kube-system', {})).to.equal(false);
    expect(scope.isExcluded('payments', { team: 'pay' })).to.equal(false);
  });

  it('matches exact names and globs', () => {
    expect(globMatcher('kube-*')('kube-system')).to.equal(true);
    expect(globMatcher('kube-*')('my-kube-system')).to.equal(false);
    expect(globMatcher('team-?')('team-a')).to.equal(true);
    expect(globMatcher('team-?')('team-ab')).to.equal(false);
    expect(globMatcher('a.b')('axb')).to.equal(false);
    expect(globMatcher('default')('default')).to.equal(true);
  });

  it('excludes what is not included, what is excluded by name, and what the selector matches', () => {
    const scope = new NamespaceScope({
      include: ['team-*', 'default'],
      exclude: ['team-sandbox'],
      excludeSelector: parseLabelSelector('lifecycle=ephemeral'),
    });
    expect(scope.isExcluded('team-pay', {})).to.equal(false);
    expect(scope.isExcluded('default', {})).to.equal(false);
    expect(scope.isExcluded('kube-system', {})).to.equal(true);
    expect(scope.isExcluded('team-sandbox', {})).to.equal(true);
    expect(scope.isExcluded('team-ci', { lifecycle: 'ephemeral' })).to.equal(true);
  });

  it('parses label selectors in Kubernetes syntax and matches with Kubernetes semantics', () => {
    const selector = parseLabelSelector('env in (dev, test),team!=core,!legacy,managed, tier==web');
    expect(selector).to.deep.equal([
      { key: 'env', operator: 'in', values: ['dev', 'test'] },
      { key: 'team', operator: 'notin', values: ['core'] },
      { key: 'legacy', operator: 'doesnotexist', values: [] },
      { key: 'managed', operator: 'exists', values: [] },
      { key: 'tier', operator: 'in', values: ['web'] },
    ]);
    const ok = { env: 'dev', managed: '', tier: 'web' };
    expect(selectorMatches(selector, ok)).to.equal(true);
    expect(selectorMatches(selector, { ...ok, team: 'core' })).to.equal(false);
    expect(selectorMatches(selector, { ...ok, legacy: 'yes' })).to.equal(false);
    expect(selectorMatches(selector, { ...ok, env: 'prod' })).to.equal(false);
    expect(selectorMatches(parseLabelSelector('x notin (a)'), {})).to.equal(true);
    expect(parseLabelSelector('app.kubernetes.io/part-of=netpol')).to.deep.equal([
      { key: 'app.kubernetes.io/part-of', operator: 'in', values: ['netpol'] },
    ]);
    expect(parseLabelSelector('')).to.deep.equal([]);
  });

  it('rejects malformed selectors with a message naming the part', () => {
    for (const bad of ['env in dev', 'a=b=c', '=x', 'k in (a b)', 'k=v,,'])
      expect(() => parseLabelSelector(bad), bad).to.throw(/label/);
  });
});
