// The incremental exposure state: what a label change, a policy change and a pod change recompute, and that the
// answers follow. `recomputations` counts namespaces evaluated: the work an event costs.
import { expect } from 'chai';
import { CoverageState } from '../../../src/core/coverage-state.ts';
import { ExposureState } from '../../../src/core/exposure/exposure-state.ts';
import type { NamespaceReachability } from '../../../src/core/exposure/peer-classes.ts';
import { namespaceFacts, policyFacts } from '../../../src/core/facts.ts';
import { sourcePolicyFacts } from '../../../src/core/sources/index.ts';
import { anp, classes, netpol, ns } from '../../helpers/reachability.ts';

type Obj = Record<string, unknown>;

function cluster(options: ConstructorParameters<typeof ExposureState>[1] = {}) {
  const state = new CoverageState();
  const exposure = new ExposureState(state, options);
  const changed: string[] = [];
  exposure.onChange((name) => changed.push(name));
  return {
    state,
    exposure,
    changed,
    namespace: (name: string, labels: Record<string, string> = {}) =>
      state.upsertNamespace(
        namespaceFacts(ns(name, labels)) as NonNullable<ReturnType<typeof namespaceFacts>>,
      ),
    policy: (obj: Obj) => state.upsertPolicy(policyFacts(obj) as NonNullable<ReturnType<typeof policyFacts>>),
    source: (obj: Obj) => {
      const facts = sourcePolicyFacts('adminnetworkpolicy', obj);
      if (facts) state.upsertSourcePolicy(facts);
    },
    ingress: (name: string) => classes((exposure.reachability(name) as NamespaceReachability).ingress),
    /** Recomputations caused by `fn`. */
    cost: (fn: () => void) => {
      exposure.flush();
      const before = exposure.recomputations;
      fn();
      exposure.flush();
      return exposure.recomputations - before;
    },
  };
}

const fromTeam = (namespace: string, team: string) =>
  netpol(namespace, `from-${team}`, {
    podSelector: {},
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { team } } }] }],
  });

describe('exposure state', () => {
  it("follows a namespace label change into other namespaces' answers", () => {
    const c = cluster();
    c.namespace('app');
    c.policy(fromTeam('app', 'ops'));
    c.namespace('tools', { team: 'dev' });
    expect(c.ingress('app')).to.equal('same=0 other=0 all=0 ip=0 any=0');
    c.namespace('tools', { team: 'ops' });
    expect(c.ingress('app')).to.equal('same=0 other=1 all=0 ip=0 any=0');
    c.state.deleteNamespace('tools');
    expect(c.ingress('app')).to.equal('same=0 other=0 all=0 ip=0 any=0');
    expect(c.exposure.reachability('tools')).to.equal(undefined);
  });

  it('a label change recomputes only the namespaces whose answer it can move', () => {
    const c = cluster();
    for (let i = 0; i < 50; i++) {
      c.namespace(`app-${i}`, { team: 'dev' });
      c.policy(fromTeam(`app-${i}`, 'ops'));
    }
    c.namespace('ops-1', { team: 'ops' });
    c.namespace('ops-2', { team: 'ops' });
    c.namespace('ops-3', { team: 'ops' });
    // A label no selector asks about: the namespace itself only.
    expect(c.cost(() => c.namespace('app-7', { team: 'dev', tier: 'gold' }))).to.equal(1);
    // A third match leaving a selector still matched twice: nobody's "another namespace matches" can change.
    expect(c.cost(() => c.namespace('ops-3', { team: 'dev' }))).to.equal(1);
    // Down to one match: each asker's answer may now depend on whether it is that one.
    expect(c.cost(() => c.namespace('ops-2', { team: 'dev' }))).to.equal(51);
    expect(c.ingress('app-0')).to.equal('same=0 other=1 all=0 ip=0 any=0');
    // The last match goes: every asker loses other_namespaces.
    c.namespace('ops-1', { team: 'dev' });
    expect(c.ingress('app-0')).to.equal('same=0 other=0 all=0 ip=0 any=0');
  });

  it('a NetworkPolicy change recomputes its namespace only', () => {
    const c = cluster();
    for (let i = 0; i < 20; i++) c.namespace(`n-${i}`, { team: 'ops' });
    expect(c.cost(() => c.policy(fromTeam('n-3', 'ops')))).to.equal(1);
    expect(c.ingress('n-3')).to.equal('same=1 other=1 all=0 ip=0 any=0');
  });

  it('a cluster-scoped policy recomputes the namespaces of its subject, before and after', () => {
    const c = cluster();
    for (let i = 0; i < 10; i++) c.namespace(`prod-${i}`, { env: 'prod' });
    for (let i = 0; i < 10; i++) c.namespace(`dev-${i}`, { env: 'dev' });
    const deny = (env: string) =>
      anp('deny', {
        priority: 1,
        subject: { namespaces: { matchLabels: { env } } },
        ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }],
      });
    expect(c.cost(() => c.source(deny('prod')))).to.equal(10);
    expect(c.ingress('prod-0')).to.equal('same=0 other=0 all=0 ip=1 any=1');
    expect(c.ingress('dev-0')).to.equal('same=1 other=1 all=1 ip=1 any=1');
    expect(c.cost(() => c.source(deny('dev')))).to.equal(20);
    expect(c.ingress('prod-0')).to.equal('same=1 other=1 all=1 ip=1 any=1');
  });

  it('an allow-only admin policy moving to another subject recomputes the namespaces it leaves', () => {
    const c = cluster();
    for (const name of ['p1', 'p2']) {
      c.namespace(name, { env: 'prod' });
      c.policy(netpol(name, 'deny', { podSelector: {}, policyTypes: ['Ingress'] }));
    }
    c.namespace('d1', { env: 'dev' });
    c.policy(netpol('d1', 'deny', { podSelector: {}, policyTypes: ['Ingress'] }));
    // Allow rules protect nothing, so coverage moves no verdict: only the exposure state knows whom it touched.
    const allow = (env: string) =>
      anp('allow-all-ns', {
        priority: 1,
        subject: { namespaces: { matchLabels: { env } } },
        ingress: [{ action: 'Allow', from: [{ namespaces: {} }] }],
      });
    c.source(allow('prod'));
    expect(c.ingress('p1')).to.equal('same=1 other=1 all=1 ip=0 any=0');
    expect(c.cost(() => c.source(allow('dev')))).to.equal(3);
    expect(c.ingress('p1')).to.equal('same=0 other=0 all=0 ip=0 any=0');
    expect(c.ingress('d1')).to.equal('same=1 other=1 all=1 ip=0 any=0');
  });

  it("a search that found no allowed namespace is redone when a candidate's other labels change", () => {
    const c = cluster();
    // Admin tier: deny ingress from prod namespaces; the NetworkPolicy allows team ops.
    c.source(
      anp('deny-prod', {
        priority: 1,
        subject: { namespaces: {} },
        ingress: [{ action: 'Deny', from: [{ namespaces: { matchLabels: { env: 'prod' } } }] }],
      }),
    );
    c.namespace('app');
    c.policy(fromTeam('app', 'ops'));
    c.namespace('ops', { team: 'ops', env: 'prod' });
    expect(c.ingress('app')).to.equal('same=0 other=0 all=0 ip=0 any=0');
    // Still matched by team=ops, no longer denied: now a witness.
    c.namespace('ops', { team: 'ops', env: 'dev' });
    expect(c.ingress('app')).to.equal('same=0 other=1 all=0 ip=0 any=0');
    // The witness moves back under the deny: the answer follows it.
    c.namespace('ops', { team: 'ops', env: 'prod' });
    expect(c.ingress('app')).to.equal('same=0 other=0 all=0 ip=0 any=0');
  });

  it('re-renders nothing when a recomputation changes no answer', () => {
    const c = cluster();
    c.namespace('a');
    c.exposure.flush();
    c.changed.length = 0;
    c.namespace('a', { unrelated: 'label' });
    c.exposure.flush();
    expect(c.changed).to.deep.equal([]);
  });

  it('attached to a state already filled (as the audit does), answers at once', () => {
    const state = new CoverageState();
    state.upsertNamespace(namespaceFacts(ns('a')) as NonNullable<ReturnType<typeof namespaceFacts>>);
    state.upsertNamespace(
      namespaceFacts(ns('b', { team: 'ops' })) as NonNullable<ReturnType<typeof namespaceFacts>>,
    );
    state.upsertPolicy(policyFacts(fromTeam('a', 'ops')) as NonNullable<ReturnType<typeof policyFacts>>);
    const exposure = new ExposureState(state);
    expect(classes((exposure.reachability('a') as NamespaceReachability).ingress)).to.equal(
      'same=0 other=1 all=0 ip=0 any=0',
    );
  });

  it('with --pod-isolation, answers for the pods there are', () => {
    const pods = new Map<string, Record<string, string>[]>();
    const c = cluster({ podsIn: (n) => pods.get(n) ?? [] });
    c.namespace('a');
    expect(c.ingress('a')).to.equal('same=0 other=0 all=0 ip=0 any=0');
    pods.set('a', [{ app: 'web' }]);
    c.exposure.podsChanged('a');
    expect(c.ingress('a')).to.equal('same=1 other=1 all=1 ip=1 any=1');
  });

  it('drops selectors no policy asks about any more', () => {
    const c = cluster();
    c.namespace('a');
    c.policy(fromTeam('a', 'ops'));
    c.exposure.flush();
    expect(c.exposure.watchedSelectors).to.equal(1);
    c.state.deletePolicy('a', 'from-ops');
    c.exposure.flush();
    expect(c.exposure.watchedSelectors).to.equal(0);
  });

  it('held while caches sync: computes nothing by itself, everything once on release', async () => {
    const c = cluster({ held: true });
    c.namespace('a');
    c.namespace('b', { team: 'ops' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(c.exposure.recomputations).to.equal(0);
    c.policy(fromTeam('a', 'ops'));
    c.exposure.release();
    expect(c.exposure.recomputations).to.equal(2);
    expect(c.ingress('a')).to.equal('same=0 other=1 all=0 ip=0 any=0');
    // After the release, events are computed at the end of their tick again.
    c.namespace('b', { team: 'dev' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(c.changed.at(-1)).to.equal('a');
  });

  it('computes a namespace once for a burst of events in one tick (a listed page)', async () => {
    const c = cluster();
    c.namespace('a');
    await Promise.resolve();
    const before = c.exposure.recomputations;
    for (let i = 0; i < 100; i++) c.policy(fromTeam('a', `team-${i}`));
    await new Promise((resolve) => setImmediate(resolve));
    expect(c.exposure.recomputations - before).to.equal(1);
    expect(c.changed.at(-1)).to.equal('a');
  });
});
