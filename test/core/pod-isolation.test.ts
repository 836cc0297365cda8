// Pod isolation per namespace (docs/semantics: "Pod isolation"), and that an event recounts its namespace only.
import { expect } from 'chai';
import { policyFacts } from '../../src/core/facts.ts';
import { type PodIsolation, PodIsolationState, podFacts } from '../../src/core/pod-isolation.ts';

const pod = (namespace: string, name: string, labels: Record<string, string> = {}) => {
  const f = podFacts({ metadata: { namespace, name, labels } });
  if (!f) throw new Error('no facts');
  return f;
};
const netpol = (namespace: string, spec: Record<string, unknown>) => {
  const f = policyFacts({ metadata: { namespace, name: 'p' }, spec });
  if (!f) throw new Error('no facts');
  return f;
};

describe('pod isolation', () => {
  const pods: Record<string, string>[] = [
    { app: 'web', tier: 'frontend' },
    { app: 'db', tier: 'backend' },
    { app: 'batch' },
  ];
  const cases: {
    title: string;
    spec: Record<string, unknown>;
    ingress: number;
    egress: number;
    /** The policy (named p) matches no pod at all. */
    dangling?: boolean;
  }[] = [
    {
      title: 'podSelector {} and no policyTypes: every pod, ingress only',
      spec: { podSelector: {} },
      ingress: 3,
      egress: 0,
    },
    {
      title: 'egress rules without policyTypes: both directions',
      spec: { podSelector: {}, egress: [{}] },
      ingress: 3,
      egress: 3,
    },
    {
      title: 'policyTypes Egress: egress only',
      spec: { podSelector: {}, policyTypes: ['Egress'] },
      ingress: 0,
      egress: 3,
    },
    {
      title: 'matchLabels app: web',
      spec: { podSelector: { matchLabels: { app: 'web' } } },
      ingress: 1,
      egress: 0,
    },
    {
      title: 'matchExpressions tier In (frontend, backend)',
      spec: {
        podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend', 'backend'] }] },
      },
      ingress: 2,
      egress: 0,
    },
    {
      title: 'matchExpressions tier DoesNotExist',
      spec: { podSelector: { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] } },
      ingress: 1,
      egress: 0,
    },
    {
      title: 'a policy that selects no pod isolates none, and is dangling',
      spec: { podSelector: { matchLabels: { app: 'nothing' } }, policyTypes: ['Ingress', 'Egress'] },
      ingress: 0,
      egress: 0,
      dangling: true,
    },
    {
      title: 'an unknown operator selects no pod (not guessed), and is not called dangling either',
      spec: { podSelector: { matchExpressions: [{ key: 'tier', operator: 'Gt', values: ['1'] }] } },
      ingress: 0,
      egress: 0,
    },
  ];
  for (const c of cases) {
    it(c.title, () => {
      const state = new PodIsolationState(() => [netpol('team', c.spec)]);
      let last: PodIsolation | undefined;
      state.onChange((_ns, counts) => {
        last = counts;
      });
      for (const [i, labels] of pods.entries()) state.upsertPod(pod('team', `p${i}`, labels));
      expect(last).to.deep.equal({
        namespace: 'team',
        pods: 3,
        isolated: { ingress: c.ingress, egress: c.egress },
        dangling: c.dangling ? ['p'] : [],
      });
      expect(state.counts('team')).to.deep.equal(last);
    });
  }

  it('a pod event recounts only its namespace; the last pod gone removes the figures', () => {
    const state = new PodIsolationState(() => []);
    const touched: string[] = [];
    const figures = new Map<string, PodIsolation | undefined>();
    state.onChange((ns, counts) => {
      touched.push(ns);
      figures.set(ns, counts);
    });
    state.upsertPod(pod('a', 'x'));
    state.upsertPod(pod('b', 'y'));
    state.deletePod('a', 'x');
    state.deletePod('a', 'never-existed');
    expect(touched).to.deep.equal(['a', 'b', 'a']);
    expect(figures.get('a')).to.equal(undefined);
    expect(figures.get('b')?.pods).to.equal(1);
  });

  it('a policy for the wrong direction still selects pods: not dangling', () => {
    const egressOnly = netpol('team', {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Egress'],
    });
    const typo = { ...netpol('team', { podSelector: { matchLabels: { app: 'wbe' } } }), name: 'typo' };
    const state = new PodIsolationState(() => [typo, egressOnly]);
    state.upsertPod(pod('team', 'web-1', { app: 'web' }));
    expect(state.counts('team')).to.deep.include({ dangling: ['typo'], isolated: { ingress: 0, egress: 1 } });
    state.deletePod('team', 'web-1');
    expect(state.counts('team')).to.equal(undefined);
  });

  it('keeps only identity and labels of a pod', () => {
    const facts = podFacts({
      metadata: { namespace: 'a', name: 'x', labels: { app: 'web' }, annotations: { big: 'x'.repeat(1000) } },
      spec: { containers: [{ name: 'c' }] },
    });
    expect(facts).to.deep.equal({ namespace: 'a', name: 'x', labels: { app: 'web' } });
  });
});
