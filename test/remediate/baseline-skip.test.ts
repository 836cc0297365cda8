// One list of namespaces the baseline leaves alone, for the Kyverno ClusterPolicy (deploy/baseline) and for
// `remediate` alike: the ClusterPolicy's exclude blocks are held equal to it, rule by rule.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseAllDocuments } from 'yaml';
import {
  BASELINE_SKIP_LABEL,
  BASELINE_SKIPPED_NAMESPACES,
  baselineSkips,
} from '../../src/remediate/baseline-skip.ts';
import { ROOT } from '../helpers/exporter.ts';

// biome-ignore lint/suspicious/noExplicitAny: rendered YAML walked by shape; every access is asserted
type Obj = Record<string, any>;

describe('the namespaces the baseline skips', () => {
  const rendered = execFileSync('kubectl', ['kustomize', join(ROOT, 'deploy/baseline')], {
    encoding: 'utf8',
  });
  const policy = parseAllDocuments(rendered)
    .map((d) => d.toJS() as Obj)
    .find((o) => o.kind === 'ClusterPolicy');

  it('are, in every rule of the Kyverno ClusterPolicy, exactly the names and the label remediate skips', () => {
    expect(policy?.spec?.rules).to.have.length.greaterThan(0);
    for (const rule of policy?.spec.rules ?? []) {
      const filters = (rule.exclude?.any ?? []).map((f: Obj) => f.resources);
      const names = filters.flatMap((r: Obj) => r.names ?? []);
      const selectors = filters.filter((r: Obj) => r.selector).map((r: Obj) => r.selector);
      expect(names, rule.name).to.deep.equal([...BASELINE_SKIPPED_NAMESPACES]);
      expect(selectors, rule.name).to.deep.equal([
        { matchLabels: { [BASELINE_SKIP_LABEL.key]: BASELINE_SKIP_LABEL.value } },
      ]);
    }
  });

  it('say why each one is skipped, and skip nothing else', () => {
    expect(baselineSkips('kube-system', {})).to.be.a('string');
    expect(baselineSkips('kyverno', {})).to.be.a('string');
    expect(baselineSkips('vpn', { 'netpol-exporter.io/baseline': 'skip' })).to.equal(
      'labelled netpol-exporter.io/baseline=skip',
    );
    expect(baselineSkips('default', {})).to.equal(undefined);
    expect(baselineSkips('shop', { 'netpol-exporter.io/baseline': 'keep' })).to.equal(undefined);
  });
});
