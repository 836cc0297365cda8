// A namespace's context: the allow-listed routing labels stay a bounded series whatever the namespace carries.
import { expect } from 'chai';
import { DEFAULT_LABEL_LIMIT, NamespaceContextRules } from '../../../src/core/context/namespace-context.ts';
import { EMPTY_SCOPE } from '../../../src/core/context/namespace-scope.ts';
import { contextFamilies } from '../../../src/exposition/families/index.ts';
import { RenderedStore } from '../../../src/exposition/rendered-store.ts';

const rules = (labelAllowlist: string[], labelLimit?: number) =>
  new NamespaceContextRules({
    exemption: { prefix: 'netpol-exporter.io/', maxDurationSeconds: 365 * 86_400 },
    scope: EMPTY_SCOPE,
    labelAllowlist,
    ...(labelLimit ? { labelLimit } : {}),
  });

const many = Object.fromEntries(
  Array.from({ length: 10_000 }, (_, i) => [`label-${String(i).padStart(5, '0')}`, 'v'.repeat(63)]),
);
const ns = { name: 'crowded', phase: 'Active', createdSeconds: 1, labels: many, annotations: {} };

describe('namespace context', () => {
  it('caps the labels of one series at the limit, keeps the first keys in order, and counts what it left out', () => {
    const context = rules(['*']).contextOf(ns, 0);
    expect(context.labels).to.have.length(DEFAULT_LABEL_LIMIT);
    expect(context.labels?.[0]?.[0]).to.equal('label-00000');
    expect(context.labelsDropped).to.equal(10_000 - DEFAULT_LABEL_LIMIT);
    const store = new RenderedStore(contextFamilies);
    store.set(ns.name, context);
    const series = store
      .text()
      .split('\n')
      .find((line) => line.startsWith('netpol_namespace_labels{'));
    // 10,000 labels would be one 1.5 MB line; the cap keeps it to a few kilobytes.
    expect(series?.length).to.be.below(8_000);
  });

  it('honours a configured limit, and drops nothing under it', () => {
    expect(rules(['*'], 3).contextOf(ns, 0).labels).to.have.length(3);
    const few = rules(['team', 'env']).contextOf(
      { ...ns, labels: { team: 'a', env: 'prod', other: 'x' } },
      0,
    );
    expect(few.labels).to.deep.equal([
      ['env', 'prod'],
      ['team', 'a'],
    ]);
    expect(few.labelsDropped).to.equal(0);
  });
});
