// Property: whatever order namespaces, NetworkPolicies, tier policies, Calico policies and pods arrive, change and
// go in (policies before their namespace, labels moving a namespace in and out of selectors, the state attached
// before or after the first events), the incremental answers equal a from-scratch computation over what is left.
import { expect } from 'chai';
import fc from 'fast-check';
import { CoverageState } from '../../../src/core/coverage-state.ts';
import { ExposureState } from '../../../src/core/exposure/exposure-state.ts';
import { namespaceFacts, policyFacts } from '../../../src/core/facts.ts';
import { type ExtraSource, sourcePolicyFacts } from '../../../src/core/sources/index.ts';
import { reachabilityIn } from '../../helpers/reachability.ts';

type Obj = Record<string, unknown>;
type Labels = Record<string, string>;

const NAMES = ['a', 'b', 'c', 'd'];
const nsName = fc.constantFrom(...NAMES);
const labels = fc.record(
  { team: fc.constantFrom('x', 'y'), env: fc.constantFrom('prod', 'dev') },
  { requiredKeys: [] },
);
const nsSelector = fc.oneof(
  fc.constant({}),
  fc.record({ matchLabels: fc.record({ team: fc.constantFrom('x', 'y') }) }),
  fc.record({ matchLabels: fc.record({ 'kubernetes.io/metadata.name': nsName }) }),
  fc.constant({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }),
  fc.constant({ matchExpressions: [{ key: 'team', operator: 'In', values: ['x', 'y'] }] }),
  fc.constant({ matchExpressions: [{ key: 'env', operator: 'Exists' }] }),
  fc.constant({ matchExpressions: [{ key: 'team', operator: 'Like', values: ['x'] }] }),
);
const podSelector = fc.oneof(
  fc.constant({}),
  fc.record({ matchLabels: fc.record({ app: fc.constantFrom('web', 'db') }) }),
);
const npPeer = fc.oneof(
  fc.record({ podSelector }),
  fc.record({ namespaceSelector: nsSelector }),
  fc.record({ namespaceSelector: nsSelector, podSelector }),
  fc.constantFrom({ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '10.0.0.0/8' } }),
);
const npRule = (field: 'from' | 'to') =>
  fc.oneof(fc.constant({}), fc.record({ [field]: fc.array(npPeer, { maxLength: 2 }) }));
const npSpec = fc.record(
  {
    podSelector,
    policyTypes: fc.subarray(['Ingress', 'Egress']),
    ingress: fc.array(npRule('from'), { maxLength: 2 }),
    egress: fc.array(npRule('to'), { maxLength: 2 }),
  },
  { requiredKeys: ['podSelector'] },
);
const tierPeer = fc.oneof(
  fc.record({ namespaces: nsSelector }),
  fc.record({ pods: fc.record({ namespaceSelector: nsSelector, podSelector }) }),
  fc.constant({ networks: ['0.0.0.0/0', '::/0'] }),
  fc.constant({ networks: ['10.0.0.0/8'] }),
);
const tierRule = (actions: string[], field: 'from' | 'to') =>
  fc.record({
    action: fc.constantFrom(...actions),
    [field]: fc.array(tierPeer, { minLength: 1, maxLength: 2 }),
  });
const subject = fc.oneof(
  fc.record({ namespaces: nsSelector }),
  fc.record({ pods: fc.record({ namespaceSelector: nsSelector, podSelector }) }),
);
const anpSpec = fc.record({
  priority: fc.integer({ min: 1, max: 3 }),
  subject,
  ingress: fc.array(tierRule(['Allow', 'Deny', 'Pass'], 'from'), { maxLength: 2 }),
  egress: fc.array(tierRule(['Allow', 'Deny', 'Pass'], 'to'), { maxLength: 2 }),
});
const banpSpec = fc.record({
  subject,
  ingress: fc.array(tierRule(['Allow', 'Deny'], 'from'), { maxLength: 2 }),
  egress: fc.array(tierRule(['Allow', 'Deny'], 'to'), { maxLength: 2 }),
});
const calicoSpec = fc.record({
  namespaceSelector: fc.constantFrom("team == 'x'", "env == 'prod'", 'all()'),
  types: fc.subarray(['Ingress', 'Egress'], { minLength: 1 }),
});

type Event =
  | { op: 'ns'; name: string; labels: Labels }
  | { op: 'delete-ns'; name: string }
  | { op: 'np'; namespace: string; name: string; spec: Obj }
  | { op: 'delete-np'; namespace: string; name: string }
  | { op: 'source'; kind: string; name: string; spec: Obj }
  | { op: 'delete-source'; kind: string; name: string }
  | { op: 'pod'; namespace: string; name: string; labels: Labels }
  | { op: 'delete-pod'; namespace: string; name: string }
  /** The end of a tick: the state computes what the events so far moved (it coalesces the events of one tick). */
  | { op: 'flush' };

const event: fc.Arbitrary<Event> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ op: 'flush' as const }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('ns' as const), name: nsName, labels }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete-ns' as const), name: nsName }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('np' as const),
      namespace: nsName,
      name: fc.constantFrom('p1', 'p2'),
      spec: npSpec,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('delete-np' as const),
      namespace: nsName,
      name: fc.constantFrom('p1', 'p2'),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.record({
        op: fc.constant('source' as const),
        kind: fc.constant('AdminNetworkPolicy'),
        name: fc.constantFrom('anp1', 'anp2'),
        spec: anpSpec,
      }),
      fc.record({
        op: fc.constant('source' as const),
        kind: fc.constant('BaselineAdminNetworkPolicy'),
        name: fc.constant('default'),
        spec: banpSpec,
      }),
      fc.record({
        op: fc.constant('source' as const),
        kind: fc.constant('GlobalNetworkPolicy'),
        name: fc.constant('gnp'),
        spec: calicoSpec,
      }),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('delete-source' as const),
      kind: fc.constantFrom('AdminNetworkPolicy', 'BaselineAdminNetworkPolicy', 'GlobalNetworkPolicy'),
      name: fc.constantFrom('anp1', 'anp2', 'default', 'gnp'),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('pod' as const),
      namespace: nsName,
      name: fc.constantFrom('p1', 'p2'),
      labels: fc.record({ app: fc.constantFrom('web', 'db') }, { requiredKeys: [] }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('delete-pod' as const),
      namespace: nsName,
      name: fc.constantFrom('p1', 'p2'),
    }),
  },
);

const SOURCE: Record<string, { source: ExtraSource; apiVersion: string }> = {
  AdminNetworkPolicy: { source: 'adminnetworkpolicy', apiVersion: 'policy.networking.k8s.io/v1alpha1' },
  BaselineAdminNetworkPolicy: {
    source: 'baselineadminnetworkpolicy',
    apiVersion: 'policy.networking.k8s.io/v1alpha1',
  },
  GlobalNetworkPolicy: { source: 'calico_globalnetworkpolicy', apiVersion: 'crd.projectcalico.org/v1' },
};

/** Applies events to a CoverageState and keeps the world they leave, as objects, for the from-scratch answer. */
class World {
  readonly objects = new Map<string, Obj>();
  readonly pods = new Map<string, Map<string, Labels>>();

  constructor(
    readonly state: CoverageState,
    private readonly exposure: () => ExposureState | undefined,
  ) {}

  apply(e: Event): void {
    switch (e.op) {
      case 'ns': {
        const obj = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: e.name, labels: e.labels } };
        this.objects.set(`ns/${e.name}`, obj);
        this.state.upsertNamespace(namespaceFacts(obj) as NonNullable<ReturnType<typeof namespaceFacts>>);
        break;
      }
      case 'delete-ns':
        this.objects.delete(`ns/${e.name}`);
        this.state.deleteNamespace(e.name);
        break;
      case 'np': {
        const obj = {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: e.name, namespace: e.namespace },
          spec: e.spec,
        };
        this.objects.set(`np/${e.namespace}/${e.name}`, obj);
        this.state.upsertPolicy(policyFacts(obj) as NonNullable<ReturnType<typeof policyFacts>>);
        break;
      }
      case 'delete-np':
        this.objects.delete(`np/${e.namespace}/${e.name}`);
        this.state.deletePolicy(e.namespace, e.name);
        break;
      case 'source': {
        const { source, apiVersion } = SOURCE[e.kind] as (typeof SOURCE)[string];
        const obj = { apiVersion, kind: e.kind, metadata: { name: e.name }, spec: e.spec };
        this.objects.set(`src/${e.kind}/${e.name}`, obj);
        const facts = sourcePolicyFacts(source, obj);
        if (facts) this.state.upsertSourcePolicy(facts);
        break;
      }
      case 'delete-source': {
        const { source } = SOURCE[e.kind] as (typeof SOURCE)[string];
        this.objects.delete(`src/${e.kind}/${e.name}`);
        this.state.deleteSourcePolicy(source, '', e.name);
        break;
      }
      case 'pod': {
        let inNs = this.pods.get(e.namespace);
        if (!inNs) {
          inNs = new Map();
          this.pods.set(e.namespace, inNs);
        }
        inNs.set(e.name, e.labels);
        this.exposure()?.podsChanged(e.namespace);
        break;
      }
      case 'delete-pod':
        this.pods.get(e.namespace)?.delete(e.name);
        this.exposure()?.podsChanged(e.namespace);
        break;
      case 'flush':
        this.exposure()?.flush();
        break;
    }
  }
}

function check(events: Event[], attachAt: number, withPods: boolean): void {
  const state = new CoverageState();
  let exposure: ExposureState | undefined;
  const world = new World(state, () => exposure);
  const attach = () => {
    exposure = new ExposureState(
      state,
      withPods ? { podsIn: (ns) => world.pods.get(ns)?.values() ?? [] } : {},
    );
  };
  events.forEach((e, i) => {
    if (i === attachAt) attach();
    world.apply(e);
  });
  if (!exposure) attach();
  const objects = [...world.objects.values()];
  const live = NAMES.filter((n) => world.objects.has(`ns/${n}`));
  // What an audit builds once everything is read: answers computed when asked, nothing recorded for later events.
  const fixed = new ExposureState(state, {
    fixed: true,
    ...(withPods ? { podsIn: (ns: string) => world.pods.get(ns)?.values() ?? [] } : {}),
  });
  for (const name of NAMES) {
    const got = exposure?.reachability(name);
    if (!live.includes(name)) {
      expect(got, `${name} is gone`).to.equal(undefined);
      expect(fixed.reachability(name), `${name} is gone (fixed)`).to.equal(undefined);
      continue;
    }
    const want = reachabilityIn(
      objects,
      name,
      withPods ? [...(world.pods.get(name)?.values() ?? [])] : undefined,
    );
    expect(got, `namespace ${name} after ${JSON.stringify(events)}`).to.deep.equal(want);
    expect(
      fixed.reachability(name),
      `namespace ${name}, fixed, after ${JSON.stringify(events)}`,
    ).to.deep.equal(want);
  }
}

describe('exposure state: any event order converges to the from-scratch answer', function () {
  this.timeout(120_000);

  it('without pod knowledge', () => {
    fc.assert(
      fc.property(
        fc.array(event, { minLength: 5, maxLength: 60, size: 'large' }),
        fc.nat(60),
        (events, attachAt) => check(events, attachAt, false),
      ),
      { numRuns: 400 },
    );
  });

  it('with --pod-isolation', () => {
    fc.assert(
      fc.property(
        fc.array(event, { minLength: 5, maxLength: 60, size: 'large' }),
        fc.nat(60),
        (events, attachAt) => check(events, attachAt, true),
      ),
      { numRuns: 300 },
    );
  });

  it('the same events in another order end in the same answers', () => {
    fc.assert(
      fc.property(
        fc
          .array(event, { maxLength: 25 })
          .chain((events) =>
            fc.tuple(
              fc.constant(events),
              fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
            ),
          ),
        ([events, shuffled]) => {
          // Equal final worlds need equal last writes per object: replay the original's last writes after the shuffle.
          const last = new Map<string, Event>();
          const keyOf = (e: Event) =>
            'namespace' in e
              ? `${e.op.replace('delete-', '')}/${e.namespace}/${e.name}`
              : 'name' in e
                ? `${e.op.replace('delete-', '')}/${'kind' in e ? e.kind : ''}/${e.name}`
                : 'flush';
          for (const e of events) last.set(keyOf(e), e);
          check([...events, ...last.values()], 0, false);
          check([...shuffled, ...last.values()], 0, false);
        },
      ),
      { numRuns: 200 },
    );
  });
});
