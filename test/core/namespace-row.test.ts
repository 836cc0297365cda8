// One namespace as every report shows it: which policies are behind its verdict, which could not be judged and why,
// its allow-all and dangling NetworkPolicies, and the summary counts.
import { expect } from 'chai';
import { CoverageState } from '../../src/core/coverage-state.ts';
import { namespaceFacts, policyFacts } from '../../src/core/facts.ts';
import { isUnknown, namespaceRow, summarize } from '../../src/core/namespace-row.ts';
import { type ExtraSource, sourcePolicyFacts } from '../../src/core/sources/index.ts';

function state(): CoverageState {
  const s = new CoverageState();
  for (const [name, labels] of Object.entries({
    shop: { tier: 'restricted' },
    vault: { tier: 'restricted' },
    open: {},
    payroll: { env: 'prod' },
  })) {
    const facts = namespaceFacts({ metadata: { name, labels } });
    if (facts) s.upsertNamespace(facts);
  }
  const netpol = (namespace: string, name: string, spec: Record<string, unknown>) => {
    const facts = policyFacts({ metadata: { namespace, name }, spec });
    if (facts) s.upsertPolicy(facts);
  };
  const other = (source: ExtraSource, obj: Record<string, unknown>) => {
    const facts = sourcePolicyFacts(source, obj);
    if (facts) s.upsertSourcePolicy(facts);
  };
  netpol('shop', 'allow-all-in', { podSelector: {}, ingress: [{}] });
  netpol('shop', 'api', { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Ingress', 'Egress'] });
  other('calico_globalnetworkpolicy', {
    metadata: { name: 'restricted-tier' },
    spec: { namespaceSelector: "tier == 'restricted'", types: ['Ingress', 'Egress'] },
  });
  other('calico_globalnetworkpolicy', {
    metadata: { name: 'api-accounts' },
    spec: { namespaceSelector: "env == 'prod'", serviceAccountSelector: "role == 'api'" },
  });
  return s;
}

const rowOf = (s: CoverageState, name: string, dangling?: string[]) => {
  const verdict = s.verdict(name);
  if (!verdict) throw new Error(`no verdict for ${name}`);
  return namespaceRow(verdict, undefined, {
    networkPolicies: s.policiesIn(name),
    sourcePolicies: s.sourcePoliciesFor(name),
    ...(dangling ? { dangling } : {}),
  });
};

describe('namespace rows: the policies behind a verdict', () => {
  it('names every NetworkPolicy and every other-source policy that protects the namespace, with what it selects', () => {
    const row = rowOf(state(), 'shop', ['api']);
    expect(row.verdict).to.equal('covered');
    expect(row.protectedByPolicies).to.deep.equal([
      {
        source: 'networkpolicy',
        kind: 'NetworkPolicy',
        namespace: 'shop',
        name: 'allow-all-in',
        selects: 'podSelector: {} (every pod); policyTypes: Ingress; 1 ingress rule',
      },
      {
        source: 'networkpolicy',
        kind: 'NetworkPolicy',
        namespace: 'shop',
        name: 'api',
        selects: 'podSelector: app=api; policyTypes: Ingress, Egress; 0 ingress rules, 0 egress rules',
      },
      {
        source: 'calico_globalnetworkpolicy',
        kind: 'GlobalNetworkPolicy',
        namespace: null,
        name: 'restricted-tier',
        selects: "namespaceSelector: tier == 'restricted'; selector: all()",
      },
    ]);
    expect(row.allowAll).to.deep.equal({ ingress: ['allow-all-in'], egress: [] });
    expect(row.dangling).to.deep.equal(['api']);
    expect(row.unjudgedPolicies).to.deep.equal([]);
  });

  it('a namespace protected only from outside names the outside policy', () => {
    const row = rowOf(state(), 'vault');
    expect(row).to.deep.include({ verdict: 'covered', policies: 0, sources: ['calico_globalnetworkpolicy'] });
    expect(row.protectedByPolicies.map((p) => `${p.kind}/${p.name}`)).to.deep.equal([
      'GlobalNetworkPolicy/restricted-tier',
    ]);
    expect(row.dangling, 'pods not known').to.equal(null);
  });

  it('a policy that cannot be judged is listed with why, and the namespace is unknown, not covered', () => {
    const row = rowOf(state(), 'payroll');
    expect(row.verdict).to.equal('uncovered');
    expect(row.unknown).to.deep.equal(['calico_globalnetworkpolicy']);
    expect(isUnknown(row)).to.equal(true);
    expect(row.protectedByPolicies).to.deep.equal([]);
    expect(row.unjudgedPolicies).to.have.length(1);
    expect(row.unjudgedPolicies[0]).to.deep.include({
      source: 'calico_globalnetworkpolicy',
      kind: 'GlobalNetworkPolicy',
      name: 'api-accounts',
    });
    expect(row.unjudgedPolicies[0]?.reason).to.match(/serviceAccountSelector .* is not evaluated/);
  });

  it('names the default denies per direction, and an allow-all beside one', () => {
    const s = state();
    for (const [name, spec] of [
      ['deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }],
      ['deny-in', { podSelector: {} }],
    ] as const) {
      const facts = policyFacts({ metadata: { namespace: 'shop', name }, spec });
      if (facts) s.upsertPolicy(facts);
    }
    const row = rowOf(s, 'shop');
    expect(row.defaultDeny).to.deep.equal({ ingress: true, egress: true });
    expect(row.defaultDenyPolicies).to.deep.equal({ ingress: ['deny-all', 'deny-in'], egress: ['deny-all'] });
    expect(row.allowAll.ingress, 'the deny is undone by it').to.deep.equal(['allow-all-in']);
  });

  it('summarises unknown, allow-all and dangling namespaces', () => {
    const s = state();
    const rows = ['open', 'payroll', 'shop', 'vault'].map((name) =>
      rowOf(s, name, name === 'shop' ? ['api'] : []),
    );
    expect(summarize(rows)).to.deep.equal({
      namespaces: 4,
      covered: 2,
      uncovered: 2,
      exempt: 0,
      excluded: 0,
      defaultDeny: { ingress: 0, egress: 0 },
      unknown: 1,
      allowAll: { ingress: 1, egress: 0 },
      dangling: 1,
    });
    expect(isUnknown(rows[0] as never), 'open: uncovered for certain').to.equal(false);
  });
});
