// Fidelity: @kubernetes/client-node 2.0.1 informers (list + watch) against the simulator, including resume after a
// dropped watch (no relist), relist after 410, and 401/403 surfacing as errors.
import {
  CoreV1Api,
  type Informer,
  KubeConfig,
  ListWatch,
  makeInformer,
  NetworkingV1Api,
  type V1Namespace,
  type V1NetworkPolicy,
  Watch,
} from '@kubernetes/client-node';
import { expect } from 'chai';
import { SimulatedCluster } from '../../src/index.ts';
import { eventually } from '../helpers/poll.ts';
import { RawClient } from '../helpers/raw.ts';

function config(sim: SimulatedCluster, token?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfig(token ? { token } : {}));
  return kc;
}

describe('simulator fidelity: client-node informers', function () {
  this.timeout(120_000);
  let sim: SimulatedCluster;
  const informers: Informer<V1Namespace | V1NetworkPolicy>[] = [];

  async function nsInformer(kc: KubeConfig) {
    const api = kc.makeApiClient(CoreV1Api);
    const informer = makeInformer(kc, '/api/v1/namespaces', () => api.listNamespace());
    informers.push(informer as Informer<V1Namespace | V1NetworkPolicy>);
    const seen = {
      added: [] as string[],
      updated: [] as string[],
      deleted: [] as string[],
      errors: [] as unknown[],
    };
    informer.on('add', (o) => seen.added.push(o.metadata?.name ?? ''));
    informer.on('update', (o) => seen.updated.push(`${o.metadata?.name}:${o.status?.phase}`));
    informer.on('delete', (o) => seen.deleted.push(o.metadata?.name ?? ''));
    informer.on('error', (e) => seen.errors.push(e));
    await informer.start().catch((e: unknown) => seen.errors.push(e));
    return { informer, seen };
  }

  beforeEach(async () => {
    sim = await SimulatedCluster.start({ namespaceDeletionDelayMs: 50 });
  });
  afterEach(async () => {
    for (const i of informers.splice(0)) await i.stop();
    await sim.stop();
  });

  it('lists, then receives live add/update/delete events', async () => {
    const { informer, seen } = await nsInformer(config(sim));
    await eventually(() => expect(informer.list().map((n) => n.metadata?.name)).to.include('kube-system'));
    expect(seen.added).to.have.members(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    await eventually(() => expect(sim.openWatches).to.equal(1));
    sim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'live' } });
    await eventually(() => expect(seen.added).to.include('live'));
    sim.patch('namespaces', undefined, 'live', { metadata: { labels: { a: 'b' } } });
    await eventually(() => expect(informer.get('live')?.metadata?.labels?.a).to.equal('b'));
    sim.delete('namespaces', undefined, 'live');
    await eventually(() => expect(seen.updated).to.include('live:Terminating'));
    await eventually(() => expect(seen.deleted).to.include('live'));
    // List results go through ObjectSerializer (Date), watch events are plain JSON: both shapes arrive intact.
    expect(informer.get('default')?.metadata?.creationTimestamp).to.be.instanceOf(Date);
    expect(seen.errors).to.deep.equal([]);
  });

  it('resumes from its resourceVersion after closeWatches, without relisting', async () => {
    const { informer, seen } = await nsInformer(config(sim));
    await eventually(() => expect(sim.openWatches).to.equal(1));
    sim.resetRequestCounts();
    sim.faults.closeWatches();
    sim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'while-away' } });
    await eventually(() => expect(informer.get('while-away')).to.not.equal(undefined), 60_000);
    const counts = sim.requestCounts();
    expect(counts['list namespaces'] ?? 0).to.equal(0);
    expect(counts['watch namespaces']).to.be.greaterThanOrEqual(1);
    expect(seen.errors).to.deep.equal([]);
  });

  it('relists after a 410 (history forgotten, watch closed)', async () => {
    const { informer } = await nsInformer(config(sim));
    await eventually(() => expect(sim.openWatches).to.equal(1));
    sim.resetRequestCounts();
    sim.faults.forgetHistory();
    sim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'after-compaction' } });
    sim.faults.forgetHistory();
    sim.faults.closeWatches();
    await eventually(() => expect(sim.requestCounts()['list namespaces']).to.equal(1), 60_000);
    await eventually(() => expect(informer.get('after-compaction')).to.not.equal(undefined));
    await eventually(() => expect(sim.openWatches).to.equal(1));
  });

  it('surfaces 401 (bad token) as an error', async () => {
    const { seen } = await nsInformer(config(sim, 'not-a-valid-token'));
    await eventually(() => expect(seen.errors).to.have.length.greaterThan(0));
    expect((seen.errors[0] as { code?: number }).code).to.equal(401);
  });

  it('surfaces 403 (missing permission) with the real message, and works once granted', async () => {
    sim.addToken('ns-only', [{ resource: 'namespaces', verbs: ['list', 'watch'] }], 'exporter');
    const kc = config(sim, 'ns-only');
    const api = kc.makeApiClient(NetworkingV1Api);
    const informer = makeInformer(kc, '/apis/networking.k8s.io/v1/networkpolicies', () =>
      api.listNetworkPolicyForAllNamespaces(),
    );
    informers.push(informer as Informer<V1Namespace | V1NetworkPolicy>);
    const errors: { code?: number; body?: string }[] = [];
    informer.on('error', (e) => errors.push(e as { code?: number; body?: string }));
    await informer.start().catch((e: unknown) => errors.push(e as { code?: number }));
    await eventually(() => expect(errors).to.have.length.greaterThan(0));
    expect(errors[0]?.code).to.equal(403);
    expect(String(errors[0]?.body)).to.contain(
      'networkpolicies.networking.k8s.io is forbidden: User \\"exporter\\" cannot list resource \\"networkpolicies\\" in API group \\"networking.k8s.io\\" at the cluster scope',
    );
    sim.setPermissions('ns-only', [{ resource: '*', verbs: ['list', 'watch'] }]);
    await informer.start();
    await eventually(() => expect(sim.openWatches).to.equal(1));
  });

  it('ListWatch with a field selector and metadata-only responses', async () => {
    const kc = config(sim);
    const api = kc.makeApiClient(CoreV1Api);
    const lw = new ListWatch<V1Namespace>(
      '/api/v1/namespaces',
      new Watch(kc),
      () => api.listNamespace({ fieldSelector: 'metadata.name=kube-system' }),
      false,
      undefined,
      'metadata.name=kube-system',
    );
    informers.push(lw as Informer<V1Namespace | V1NetworkPolicy>);
    await lw.start();
    expect(lw.list().map((n) => n.metadata?.name)).to.deep.equal(['kube-system']);

    const raw = new RawClient(sim);
    try {
      const list = await raw.get('/api/v1/namespaces?limit=2', {
        Accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1',
      });
      const body = list.body as {
        kind: string;
        apiVersion: string;
        metadata: { continue?: string };
        items: object[];
      };
      expect(body.kind).to.equal('PartialObjectMetadataList');
      expect(body.apiVersion).to.equal('meta.k8s.io/v1');
      expect(body.metadata.continue).to.be.a('string');
      expect(Object.keys(body.items[0] ?? {})).to.deep.equal(['kind', 'apiVersion', 'metadata']);

      const w = await raw.watch('/api/v1/namespaces?watch=1&resourceVersion=0', {
        Accept: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1',
      });
      await eventually(() => expect(w.events).to.have.length(4));
      expect(w.events[0]?.object.kind).to.equal('PartialObjectMetadata');
      expect(w.events[0]?.object.spec).to.equal(undefined);
      w.abort();
      await w.ended;

      // Full form: list items carry no kind/apiVersion, watch objects do.
      const full = (await raw.get('/api/v1/namespaces')).body as { kind: string; items: { kind?: string }[] };
      expect(full.kind).to.equal('NamespaceList');
      expect(full.items[0]?.kind).to.equal(undefined);
      const fw = await raw.watch('/api/v1/namespaces?watch=true&resourceVersion=');
      await eventually(() => expect(fw.events).to.have.length(4));
      expect(fw.events[0]?.object).to.include({ kind: 'Namespace', apiVersion: 'v1' });
      fw.abort();
      await fw.ended;
    } finally {
      await raw.close();
    }
  });
});
