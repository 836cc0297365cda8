import { expect } from 'chai';
import { CoverageState } from '../../src/core/coverage-state.ts';
import { namespaceFacts, policyFacts } from '../../src/core/facts.ts';
import { coverageJudged, type NamespaceVerdict, namespaceVerdict } from '../../src/core/verdict.ts';

const ns = (name: string, extra: Record<string, unknown> = {}) => ({
  metadata: { name, creationTimestamp: '2026-01-02T03:04:05Z', ...extra },
  status: { phase: 'Active' },
});
const netpol = (name: string, spec: Record<string, unknown>, namespace = 'team-a') => ({
  metadata: { name, namespace },
  spec,
});

function verdictOf(spec: Record<string, unknown>) {
  const facts = policyFacts(netpol('p', spec));
  if (!facts) throw new Error('no facts');
  const nsFacts = namespaceFacts(ns('team-a'));
  if (!nsFacts) throw new Error('no namespace facts');
  return namespaceVerdict(nsFacts, [facts]);
}

describe('namespace verdicts', () => {
  const cases: { title: string; spec: Record<string, unknown>; ingress: boolean; egress: boolean }[] = [
    {
      title: 'empty podSelector, no policyTypes: default deny ingress only',
      spec: { podSelector: {} },
      ingress: true,
      egress: false,
    },
    {
      title: 'policyTypes Ingress and Egress, no rules: deny both',
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
      ingress: true,
      egress: true,
    },
    {
      title: 'policyTypes Egress only: deny egress only',
      spec: { podSelector: {}, policyTypes: ['Egress'] },
      ingress: false,
      egress: true,
    },
    {
      title: 'ingress: [{}] allows all: not a deny',
      spec: { podSelector: {}, ingress: [{}] },
      ingress: false,
      egress: false,
    },
    {
      title: 'egress rules without policyTypes: egress applies but has rules; ingress denied',
      spec: { podSelector: {}, egress: [{ to: [{ podSelector: {} }] }] },
      ingress: true,
      egress: false,
    },
    {
      title: 'non-empty podSelector is never a namespace default deny',
      spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress', 'Egress'] },
      ingress: false,
      egress: false,
    },
    {
      title: 'matchExpressions make the selector non-empty',
      spec: {
        podSelector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] },
        policyTypes: ['Ingress'],
      },
      ingress: false,
      egress: false,
    },
    {
      title: 'unknown policyTypes are ignored',
      spec: { podSelector: {}, policyTypes: ['Sideways', 'Egress'] },
      ingress: false,
      egress: true,
    },
    {
      title: 'missing spec: ingress default deny as the API defaults it',
      spec: {},
      ingress: true,
      egress: false,
    },
    { title: 'null podSelector counts as empty', spec: { podSelector: null }, ingress: true, egress: false },
    {
      title: 'empty egress list with Egress type is a deny',
      spec: { podSelector: {}, policyTypes: ['Egress'], egress: [] },
      ingress: false,
      egress: true,
    },
  ];
  for (const c of cases) {
    it(c.title, () => {
      const v = verdictOf(c.spec);
      expect(v.covered).to.equal(true);
      expect(v.policies).to.equal(1);
      expect(v.defaultDeny).to.deep.equal({ ingress: c.ingress, egress: c.egress });
    });
  }

  const allowAll: { title: string; spec: Record<string, unknown>; ingress: boolean; egress: boolean }[] = [
    {
      title: 'ingress: [{}] with an empty podSelector allows all ingress',
      spec: { podSelector: {}, ingress: [{}] },
      ingress: true,
      egress: false,
    },
    {
      title: 'egress: [{}] with policyTypes Egress allows all egress',
      spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{}] },
      ingress: false,
      egress: true,
    },
    {
      title: 'a rule with an empty from list and no ports is an allow-all too',
      spec: { podSelector: {}, ingress: [{ from: [], ports: [] }] },
      ingress: true,
      egress: false,
    },
    {
      title: 'egress rules without Egress in policyTypes do not apply: no allow-all',
      spec: { podSelector: {}, policyTypes: ['Ingress'], egress: [{}] },
      ingress: false,
      egress: false,
    },
    {
      title: 'a rule with peers is not an allow-all',
      spec: { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] },
      ingress: false,
      egress: false,
    },
    {
      title: 'a rule with ports is not an allow-all',
      spec: { podSelector: {}, ingress: [{ ports: [{ port: 443 }] }] },
      ingress: false,
      egress: false,
    },
    {
      title: 'an allow-all for some pods only is not a namespace allow-all',
      spec: { podSelector: { matchLabels: { app: 'web' } }, ingress: [{}] },
      ingress: false,
      egress: false,
    },
  ];
  for (const c of allowAll) {
    it(`allow-all: ${c.title}`, () => {
      expect(verdictOf(c.spec).allowAll).to.deep.equal({ ingress: c.ingress, egress: c.egress });
    });
  }

  it('a namespace with no policies is uncovered', () => {
    const nsFacts = namespaceFacts(ns('empty'));
    if (!nsFacts) throw new Error('no facts');
    const v = namespaceVerdict(nsFacts, []);
    expect(v).to.deep.include({
      covered: false,
      policies: 0,
      defaultDeny: { ingress: false, egress: false },
      allowAll: { ingress: false, egress: false },
    });
  });

  it('reads phase and creation time, tolerating their absence', () => {
    expect(namespaceFacts(ns('a'))?.createdSeconds).to.equal(Date.parse('2026-01-02T03:04:05Z') / 1000);
    expect(
      namespaceFacts({ metadata: { name: 'b', creationTimestamp: new Date(5000) } })?.createdSeconds,
    ).to.equal(5);
    const bare = namespaceFacts({ metadata: { name: 'c' } });
    expect(bare?.phase).to.equal('Active');
    expect(Number.isNaN(bare?.createdSeconds)).to.equal(true);
    expect(namespaceFacts({ metadata: { name: 'd' }, status: { phase: 'Terminating' } })?.phase).to.equal(
      'Terminating',
    );
  });

  it('rejects objects without a name, and keeps only the annotations asked for', () => {
    expect(namespaceFacts({})).to.equal(undefined);
    expect(namespaceFacts({ metadata: { name: '' } })).to.equal(undefined);
    expect(policyFacts(null)).to.equal(undefined);
    const facts = namespaceFacts(
      ns('x', {
        annotations: {
          'kubectl.kubernetes.io/last-applied-configuration': 'x'.repeat(10000),
          'keep/me': 'y',
        },
      }),
      { keepAnnotation: (k) => k.startsWith('keep/') },
    );
    expect(facts?.annotations).to.deep.equal({ 'keep/me': 'y' });
  });
});

describe('CoverageState', () => {
  it('recomputes only the namespace an event touches and reports each change', () => {
    const state = new CoverageState();
    const changes: string[] = [];
    state.onChange((name, v) => changes.push(`${name}:${v ? v.policies : 'gone'}`));
    const a = namespaceFacts(ns('a'));
    const b = namespaceFacts(ns('b'));
    if (!a || !b) throw new Error('no facts');
    state.upsertNamespace(a);
    state.upsertNamespace(b);
    state.upsertPolicy({
      ...(policyFacts(netpol('p1', {}, 'a')) as NonNullable<ReturnType<typeof policyFacts>>),
    });
    state.deletePolicy('a', 'p1');
    state.deletePolicy('a', 'never-existed');
    state.deleteNamespace('b');
    expect(changes).to.deep.equal(['a:0', 'b:0', 'a:1', 'a:0', 'b:gone']);
  });

  it('keeps a policy that arrives before its namespace', () => {
    const state = new CoverageState();
    const policy = policyFacts(netpol('early', { podSelector: {} }, 'late-ns'));
    const lateNs = namespaceFacts(ns('late-ns'));
    if (!policy || !lateNs) throw new Error('no facts');
    state.upsertPolicy(policy);
    expect(state.verdict('late-ns')).to.equal(undefined);
    state.upsertNamespace(lateNs);
    expect(state.verdict('late-ns')).to.deep.include({ covered: true, policies: 1 });
    expect(state.verdict('late-ns')?.defaultDeny.ingress).to.equal(true);
  });

  it('a source it could not read makes an uncovered namespace unknown, not uncovered; covered stays covered', () => {
    const state = new CoverageState();
    const changes: string[] = [];
    state.onChange((name) => changes.push(name));
    for (const name of ['a', 'b'])
      state.upsertNamespace(namespaceFacts(ns(name)) as NonNullable<ReturnType<typeof namespaceFacts>>);
    state.upsertPolicy(
      policyFacts(netpol('p', { podSelector: {} }, 'a')) as NonNullable<ReturnType<typeof policyFacts>>,
    );
    changes.length = 0;
    state.setUnread(['calico_globalnetworkpolicy']);
    expect(changes.sort()).to.deep.equal(['a', 'b']);
    expect(state.verdict('a')).to.deep.include({ covered: true, protectionUnknown: [] });
    expect(state.verdict('b')).to.deep.include({
      covered: false,
      protectionUnknown: ['calico_globalnetworkpolicy'],
    });
    expect(coverageJudged(state.verdict('a') as NamespaceVerdict)).to.equal(true);
    expect(coverageJudged(state.verdict('b') as NamespaceVerdict)).to.equal(false);
    changes.length = 0;
    state.setUnread(['calico_globalnetworkpolicy']);
    expect(changes).to.deep.equal([]);
    state.setUnread([]);
    expect(coverageJudged(state.verdict('b') as NamespaceVerdict)).to.equal(true);
    expect(state.verdict('b')?.protectionUnknown).to.deep.equal([]);
  });
});
