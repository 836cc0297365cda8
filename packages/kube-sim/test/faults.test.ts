// Protocol details and faults on demand, observed with a raw HTTP client (exact codes, headers, bodies, lines).
import { expect } from 'chai';
import { fetch } from 'undici';
import { SimulatedCluster } from '../src/index.ts';
import { eventually } from './helpers/poll.ts';
import { RawClient } from './helpers/raw.ts';

const NS = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

describe('simulator protocol and faults', function () {
  this.timeout(120_000);
  let sim: SimulatedCluster;
  let raw: RawClient;

  beforeEach(async () => {
    sim = await SimulatedCluster.start({ bookmarkIntervalMs: 100, watchTimeoutSeconds: 2, historyLimit: 50 });
    raw = new RawClient(sim);
  });
  afterEach(async () => {
    await raw.close();
    await sim.stop();
  });

  it('serves discovery for every enabled group/version, and hides disabled kinds', async () => {
    expect((await raw.get('/version')).body).to.include({ major: '1', minor: '32' });
    expect((await raw.get('/api')).body).to.deep.include({ kind: 'APIVersions', versions: ['v1'] });
    const groups = (await raw.get('/apis')).body as { groups: { name: string }[] };
    expect(groups.groups.map((g) => g.name)).to.deep.equal(['networking.k8s.io']);
    const v1 = (await raw.get('/api/v1')).body as { resources: { name: string; namespaced: boolean }[] };
    expect(v1.resources.map((r) => `${r.name}:${r.namespaced}`)).to.deep.equal([
      'namespaces:false',
      'pods:true',
      'services:true',
    ]);
    expect((await raw.get('/apis/policy.networking.k8s.io/v1alpha1')).status).to.equal(404);

    const wide = await SimulatedCluster.start({
      tls: false,
      enabledKinds: [
        'adminnetworkpolicies.policy.networking.k8s.io',
        'clusternetworkpolicies.policy.networking.k8s.io',
        'ciliumnetworkpolicies.cilium.io',
      ],
    });
    const plain = new RawClient(wide);
    try {
      expect(wide.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      const g = (await plain.get('/apis/policy.networking.k8s.io')).body as {
        versions: { version: string }[];
      };
      expect(g.versions.map((v) => v.version)).to.deep.equal(['v1alpha1', 'v1alpha2']);
      const created = await plain.request(
        'POST',
        '/apis/cilium.io/v2/namespaces/default/ciliumnetworkpolicies',
        {
          apiVersion: 'cilium.io/v2',
          kind: 'CiliumNetworkPolicy',
          metadata: { name: 'c' },
          spec: { endpointSelector: {} },
        },
      );
      expect(created.status).to.equal(201);
      expect(wide.list('ciliumnetworkpolicies.cilium.io')).to.have.length(1);
    } finally {
      await plain.close();
      await wide.stop();
    }
  });

  it('answers 401 without or with a bad token and 403 with the real message; grant and revoke at run time', async () => {
    const anon = new RawClient(sim, null);
    const bad = new RawClient(sim, 'nope');
    sim.addToken(
      'viewer',
      [{ resource: 'networkpolicies', group: 'networking.k8s.io', verbs: ['get'] }],
      'x',
    );
    const viewer = new RawClient(sim, 'viewer');
    try {
      for (const c of [anon, bad]) {
        const r = await c.get('/api/v1/namespaces');
        expect(r.status).to.equal(401);
        expect(r.body).to.deep.equal({
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'Unauthorized',
          reason: 'Unauthorized',
          code: 401,
        });
      }
      let r = await viewer.get('/api/v1/namespaces');
      expect(r.status).to.equal(403);
      expect((r.body as { message: string }).message).to.equal(
        'namespaces is forbidden: User "x" cannot list resource "namespaces" in API group "" at the cluster scope',
      );
      r = await viewer.get('/apis/networking.k8s.io/v1/namespaces/default/networkpolicies');
      expect((r.body as { message: string }).message).to.equal(
        'networkpolicies.networking.k8s.io is forbidden: User "x" cannot list resource "networkpolicies" in API group "networking.k8s.io" in the namespace "default"',
      );
      sim.setPermissions('viewer', [{ resource: 'namespaces', verbs: ['*'] }]);
      expect((await viewer.get('/api/v1/namespaces')).status).to.equal(200);
      sim.setPermissions('viewer', []);
      expect((await viewer.get('/api/v1/namespaces')).status).to.equal(403);
    } finally {
      await Promise.all([anon.close(), bad.close(), viewer.close()]);
    }
  });

  it('sends BOOKMARKs when asked, and ends the watch cleanly at timeoutSeconds / the server default', async () => {
    const w = await raw.watch('/api/v1/namespaces?watch=true&resourceVersion=0&allowWatchBookmarks=true');
    await eventually(() =>
      expect(w.events.filter((e) => e.type === 'BOOKMARK')).to.have.length.greaterThan(1),
    );
    const bm = w.events.find((e) => e.type === 'BOOKMARK');
    expect(bm?.object).to.deep.equal({
      kind: 'Namespace',
      apiVersion: 'v1',
      metadata: { resourceVersion: sim.resourceVersion },
    });
    expect(await w.ended).to.equal('end'); // server default of 2 s in this suite
    const t = await raw.watch('/api/v1/namespaces?watch=true&resourceVersion=0&timeoutSeconds=1');
    expect(await t.ended).to.equal('end');
    expect(t.events.filter((e) => e.type === 'BOOKMARK')).to.deep.equal([]);
  });

  it('replays history newer than the RV, and sends ERROR 410 for one older than the window', async () => {
    const rv = Number(sim.resourceVersion);
    sim.create(NS('a'));
    sim.create(NS('b'));
    sim.delete('namespaces', undefined, 'a');
    const w = await raw.watch(`/api/v1/namespaces?watch=true&resourceVersion=${rv}`);
    await eventually(() =>
      expect(w.events.map((e) => `${e.type} ${e.object.metadata?.name}`)).to.deep.equal([
        'ADDED a',
        'ADDED b',
        'MODIFIED a',
      ]),
    );
    w.abort();
    await w.ended;
    for (let i = 0; i < 80; i++) sim.create(NS(`fill-${i}`)); // past the 50-event history limit
    const old = await raw.watch(`/api/v1/namespaces?watch=true&resourceVersion=${rv}`);
    expect(await old.ended).to.equal('end');
    expect(old.events).to.have.length(1);
    expect(old.events[0]?.type).to.equal('ERROR');
    expect(old.events[0]?.object).to.deep.include({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'Expired',
      code: 410,
    });
    expect(old.events[0]?.object.message).to.match(
      new RegExp(`^too old resource version: ${rv} \\(\\d+\\)$`),
    );
  });

  it('faults.closeWatches ends open watches cleanly', async () => {
    const w = await raw.watch('/api/v1/namespaces?watch=true&resourceVersion=0');
    await eventually(() => expect(sim.openWatches).to.equal(1));
    sim.faults.closeWatches();
    expect(await w.ended).to.equal('end');
    expect(sim.openWatches).to.equal(0);
  });

  it('faults.failNext fails exactly the next N requests with 500 or 429 + Retry-After', async () => {
    sim.faults.failNext(2, { status: 500 });
    const a = await raw.get('/api/v1/namespaces');
    const b = await raw.get('/api/v1/namespaces');
    const c = await raw.get('/api/v1/namespaces');
    expect([a.status, b.status, c.status]).to.deep.equal([500, 500, 200]);
    expect(a.body).to.deep.include({ kind: 'Status', reason: 'InternalError', code: 500 });
    sim.faults.failNext(1, { status: 429, retryAfterSeconds: 7 });
    const d = await raw.get('/api/v1/namespaces');
    expect(d.status).to.equal(429);
    expect(d.headers.get('retry-after')).to.equal('7');
    expect(d.body).to.deep.include({ reason: 'TooManyRequests', details: { retryAfterSeconds: 7 } });
    expect(sim.requestCounts()['list namespaces']).to.equal(4);
  });

  it('faults.setLatency delays every response', async () => {
    sim.faults.setLatency(300);
    const started = performance.now();
    expect((await raw.get('/version')).status).to.equal(200);
    expect(performance.now() - started).to.be.greaterThanOrEqual(290);
    sim.faults.setLatency(0);
  });

  it('faults.stallWatches keeps watches open but silent, then delivers what was held back', async () => {
    const w = await raw.watch('/api/v1/namespaces?watch=true&resourceVersion=0&allowWatchBookmarks=true');
    await eventually(() => expect(w.events.some((e) => e.type === 'BOOKMARK')).to.equal(true));
    sim.faults.stallWatches(true);
    const bytes = w.bytes;
    sim.create(NS('held'));
    // A negative check needs a window: 5 bookmark intervals with nothing on the wire.
    await new Promise((r) => setTimeout(r, 500));
    expect(w.bytes).to.equal(bytes);
    expect(sim.openWatches).to.equal(1);
    sim.faults.stallWatches(false);
    await eventually(() =>
      expect(w.events.some((e) => e.type === 'ADDED' && e.object.metadata?.name === 'held')).to.equal(true),
    );
    w.abort();
    await w.ended;
  });

  it('faults.forgetHistory makes resumes from an older RV get 410', async () => {
    const rv = sim.resourceVersion;
    sim.faults.forgetHistory();
    const w = await raw.watch(`/api/v1/namespaces?watch=true&resourceVersion=${rv}`);
    expect(await w.ended).to.equal('end');
    expect(w.events[0]?.object.code).to.equal(410);
  });

  it('faults.failNext answers 503 with any Retry-After a server might send', async () => {
    sim.faults.failNext(1, { status: 503, retryAfterSeconds: 86_400 });
    const a = await raw.get('/api/v1/namespaces');
    expect(a.status).to.equal(503);
    expect(a.headers.get('retry-after')).to.equal('86400');
    expect(a.body).to.deep.include({ reason: 'ServiceUnavailable', code: 503 });
    expect((await raw.get('/api/v1/namespaces')).status).to.equal(200);
  });

  it('faults.restoreBackup takes objects and resourceVersion back; a newer RV is "too large" as a 504 or an ERROR event', async () => {
    const backup = sim.faults.backup();
    const before = Number(sim.resourceVersion);
    sim.create(NS('after-backup'));
    sim.create(NS('also-after'));
    const held = sim.resourceVersion;
    const w = await raw.watch('/api/v1/namespaces?watch=true&resourceVersion=0');
    sim.faults.restoreBackup(backup);
    expect(await w.ended, 'open watches end, as the API server restarts').to.equal('end');
    expect(sim.resourceVersion).to.equal(String(before));
    const list = (await raw.get('/api/v1/namespaces')).body as { items: { metadata: { name: string } }[] };
    expect(list.items.map((i) => i.metadata.name)).to.not.include('after-backup');

    const refused = await raw.get(`/api/v1/namespaces?watch=true&resourceVersion=${held}`);
    expect(refused.status).to.equal(504);
    expect(refused.headers.get('retry-after')).to.equal('1');
    expect(refused.body).to.deep.include({
      kind: 'Status',
      reason: 'Timeout',
      code: 504,
      message: `Timeout: Too large resource version: ${held}, current: ${before}`,
    });
    expect(refused.body).to.have.nested.property('details.causes[0].reason', 'ResourceVersionTooLarge');

    sim.faults.tooLargeResourceVersionAs('event');
    const asEvent = await raw.watch(`/api/v1/namespaces?watch=true&resourceVersion=${held}`);
    expect(asEvent.status).to.equal(200);
    expect(await asEvent.ended).to.equal('end');
    expect(asEvent.events.map((e) => [e.type, e.object.code])).to.deep.equal([['ERROR', 504]]);
    // From the restored revision on, a watch works as before.
    const fresh = await raw.watch(`/api/v1/namespaces?watch=true&resourceVersion=${before}`);
    sim.create(NS('after-restore'));
    await eventually(() =>
      expect(fresh.events.map((e) => e.object.metadata?.name)).to.include('after-restore'),
    );
    fresh.abort();
    await fresh.ended;
  });

  it('faults.endlessWatchLines sends a line that never ends, open and new watches alike, until turned off', async () => {
    const open = await raw.watch('/api/v1/namespaces?watch=true&resourceVersion=0');
    let fresh: Awaited<ReturnType<RawClient['watch']>> | undefined;
    try {
      await eventually(() => expect(open.events).to.have.length.above(0));
      sim.faults.endlessWatchLines(true);
      fresh = await raw.watch('/api/v1/namespaces?watch=true&resourceVersion=0');
      const watches = [open, fresh];
      await eventually(() => {
        for (const w of watches) expect(w.bytes).to.be.above(512 * 1024);
      });
      expect(fresh.events, 'no line ever completes').to.deep.equal([]);
    } finally {
      // An unfinished response would hold the client's close open.
      sim.faults.endlessWatchLines(false);
      open.abort();
      fresh?.abort();
      await Promise.all([open.ended, fresh?.ended]);
    }
  });

  it('faults.injectWatchEvent sends any event into the watches of one resource only', async () => {
    const namespaces = await raw.watch('/api/v1/namespaces?watch=true&resourceVersion=0');
    const pods = await raw.watch('/api/v1/pods?watch=true&resourceVersion=0');
    await eventually(() => expect(sim.openWatches).to.equal(2));
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'intruder', namespace: 'default' } };
    sim.faults.injectWatchEvent('namespaces', { type: 'ADDED', object: pod });
    await eventually(() => expect(namespaces.events.at(-1)?.object.kind).to.equal('Pod'));
    expect(pods.events).to.deep.equal([]);
    namespaces.abort();
    pods.abort();
    await Promise.all([namespaces.ended, pods.ended]);
  });

  it('faults.refuseConnections resets connections until turned off', async () => {
    const w = await raw.watch('/api/v1/namespaces?watch=true&resourceVersion=0');
    await eventually(() => expect(sim.openWatches).to.equal(1));
    sim.faults.refuseConnections(true);
    expect(await w.ended).to.equal('error');
    const fresh = new RawClient(sim);
    try {
      let failed = false;
      await fresh.get('/version').catch(() => {
        failed = true;
      });
      expect(failed).to.equal(true);
      sim.faults.refuseConnections(false);
      expect((await fresh.get('/version')).status).to.equal(200);
    } finally {
      await fresh.close();
    }
  });

  it('restart drops every connection, refuses while down, and comes back on the same port with all state', async () => {
    sim.create(NS('survivor'));
    const port = sim.port;
    const w = await raw.watch('/api/v1/namespaces?watch=true&resourceVersion=0');
    await eventually(() => expect(sim.openWatches).to.equal(1));
    // The probe below must land while the port is closed: a window wide enough for a busy machine.
    const restarting = sim.restart({ downMs: 3000 });
    expect(['end', 'error']).to.include(await w.ended);
    const refused = await fetch(`${sim.url}/healthz`).then(
      () => 'connected',
      (e: Error & { cause?: { code?: string } }) => e.cause?.code,
    );
    expect(refused).to.equal('ECONNREFUSED');
    await restarting;
    expect(sim.port).to.equal(port);
    const r = await raw.get('/api/v1/namespaces/survivor');
    expect(r.status).to.equal(200);
  });

  it('counts requests by verb and resource', async () => {
    sim.resetRequestCounts();
    await raw.get('/api/v1/namespaces');
    await raw.get('/api/v1/namespaces/default');
    await raw.request('POST', '/apis/networking.k8s.io/v1/namespaces/default/networkpolicies', {
      metadata: { name: 'p' },
      spec: { podSelector: {} },
    });
    await raw.request(
      'PATCH',
      '/apis/networking.k8s.io/v1/namespaces/default/networkpolicies/p',
      { metadata: { labels: { a: 'b' } } },
      {
        'Content-Type': 'application/merge-patch+json',
      },
    );
    await raw.request('DELETE', '/apis/networking.k8s.io/v1/namespaces/default/networkpolicies/p');
    const w = await raw.watch('/apis/networking.k8s.io/v1/networkpolicies?watch=true');
    w.abort();
    await w.ended;
    expect(sim.requestCounts()).to.deep.equal({
      'create networkpolicies': 1,
      'delete networkpolicies': 1,
      'get namespaces': 1,
      'list namespaces': 1,
      'patch networkpolicies': 1,
      'watch networkpolicies': 1,
    });
  });

  it('HTTP writes give real errors: 404 namespace, 409 conflict, 403 terminating', async () => {
    const post = (ns: string, name: string) =>
      raw.request('POST', `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`, {
        metadata: { name },
        spec: { podSelector: {} },
      });
    expect((await post('ghost', 'p')).body).to.deep.include({
      code: 404,
      message: 'namespaces "ghost" not found',
    });
    const created = (await post('default', 'p')).body as { metadata: { resourceVersion: string } };
    await raw.request(
      'PATCH',
      '/apis/networking.k8s.io/v1/namespaces/default/networkpolicies/p',
      { metadata: { labels: { v: '2' } } },
      {
        'Content-Type': 'application/strategic-merge-patch+json',
      },
    );
    const stale = await raw.request(
      'PUT',
      '/apis/networking.k8s.io/v1/namespaces/default/networkpolicies/p',
      {
        metadata: { name: 'p', resourceVersion: created.metadata.resourceVersion },
        spec: { podSelector: {} },
      },
    );
    expect(stale.status).to.equal(409);
    expect(stale.body).to.deep.include({ reason: 'Conflict' });
    sim.create(NS('ending'));
    expect((await raw.request('DELETE', '/api/v1/namespaces/ending')).body).to.deep.include({
      status: { phase: 'Terminating' },
    });
    const forbidden = await post('ending', 'late');
    expect(forbidden.status).to.equal(403);
  });

  it('loads scenarios: implicit namespaces only when the scenario says so, with a clear error otherwise', async () => {
    const fixtures = new URL('./fixtures/', import.meta.url).pathname;
    const r = await sim.loadManifests(`${fixtures}cluster.yaml`);
    expect(r.namespacesCreated).to.deep.equal(['implicit-ns']);
    expect(sim.get('networkpolicies', 'payments', 'default-deny-all')?.spec?.policyTypes).to.deep.equal([
      'Ingress',
      'Egress',
    ]);
    let message = '';
    await sim.loadManifests(`${fixtures}missing-namespace.yaml`).catch((e: Error) => {
      message = e.message;
    });
    expect(message).to.contain('is in namespace "nowhere", which does not exist');
  });

  it('churns at the requested rate: policies created, changed, deleted', async () => {
    sim.seedScale({ namespaces: 20, policiesPerNamespace: 3 });
    const before = Number(sim.resourceVersion);
    sim.startChurn({ eventsPerSecond: 50, seed: 42 });
    await eventually(() => expect(Number(sim.resourceVersion) - before).to.be.greaterThan(20), 60_000);
    sim.stopChurn();
    const after = sim.resourceVersion;
    const policies = sim.list('networkpolicies');
    expect(policies.some((p) => p.metadata.name?.startsWith('churn-'))).to.equal(true);
    expect(policies.some((p) => p.metadata.labels?.['netpol-simulator/rev'])).to.equal(true);
    // A negative check needs a window: stopped churn changes nothing for 100 ms (10 events at the rate above).
    await new Promise((r) => setTimeout(r, 100));
    expect(sim.resourceVersion).to.equal(after);
  });
});
