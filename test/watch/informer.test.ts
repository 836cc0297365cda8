// One resilient informer against the simulated API server: how it backs off, gives up on hung lists, and says why.
import { KubeConfig } from '@kubernetes/client-node';
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { expect } from 'chai';
import { createLogger } from '../../src/support/log.ts';
import { type InformerOptions, ResilientInformer } from '../../src/watch/informer.ts';
import { KubeApi } from '../../src/watch/kube-api.ts';
import { WatchStatus } from '../../src/watch/watch-status.ts';
import { eventually } from '../helpers/exposition.ts';

interface LogRecord {
  msg: string;
  reason?: string;
  attempt?: number;
  retryInMs?: number;
  cause?: string;
  address?: string;
}

const namespace = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

/** A namespace informer with full (not jittered) backoff delays, so the logged delays are exact. */
function informerFor(sim: SimulatedCluster, options: Partial<InformerOptions<string>> = {}) {
  const kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfig());
  const status = new WatchStatus('namespaces');
  const names = new Set<string>();
  const logs: LogRecord[] = [];
  const log = createLogger('debug', 'json', { write: (l: string) => logs.push(JSON.parse(l)) });
  const informer = new ResilientInformer<string>({
    api: new KubeApi(kc, (verb, _path, code) => status.countRequest(verb, code)),
    status,
    log,
    path: '/api/v1/namespaces',
    pageSize: 100,
    stallTimeoutMs: 10_000,
    facts: (obj) => {
      const name = (obj as { metadata?: { name?: unknown } } | null)?.metadata?.name;
      return typeof name === 'string' ? name : undefined;
    },
    onUpsert: (slim) => names.add(slim.facts),
    onDelete: (slim) => names.delete(slim.facts),
    random: () => 1,
    ...options,
  });
  const failures = () => logs.filter((l) => l.msg.startsWith('watch failed'));
  return { informer, status, names, logs, failures };
}

describe('ResilientInformer', () => {
  let sim: SimulatedCluster;
  let stop: (() => Promise<void>) | undefined;

  beforeEach(async () => {
    // No periodic bookmarks: the only data a watch delivers is what a test creates.
    sim = await SimulatedCluster.start({ bookmarkIntervalMs: 600_000 });
  });
  afterEach(async () => {
    await stop?.();
    stop = undefined;
    await sim.stop();
  });

  it('starts the backoff again once a new watch delivers: a blip after many faults costs the initial delay', async () => {
    const initialMs = 50;
    const maxMs = 2000;
    const w = informerFor(sim, { backoff: { initialMs, maxMs } });
    stop = () => w.informer.stop();
    w.informer.start();
    await eventually(() => expect(w.names.has('default')).to.equal(true), 60_000);

    // Six failed reconnects in a row: the delays grow 50, 100, ... 1600 ms.
    sim.faults.failNext(6, { status: 500 });
    sim.faults.closeWatches();
    await eventually(() => expect(w.failures()).to.have.length(6), 60_000);
    expect(w.failures().map((l) => l.retryInMs)).to.deep.equal([50, 100, 200, 400, 800, 1600]);
    // The server serves again: the first event of the new watch arrives.
    sim.create(namespace('after-faults'));
    await eventually(() => expect(w.names.has('after-faults')).to.equal(true), 60_000);

    // A blip: one failed reconnect. Without a reset it would wait min(2000, 50 * 2^6) ms.
    sim.faults.failNext(1, { status: 500 });
    const blipAt = performance.now();
    sim.faults.closeWatches();
    sim.create(namespace('after-blip'));
    await eventually(() => expect(w.names.has('after-blip')).to.equal(true), 60_000);
    const recoveredMs = performance.now() - blipAt;
    const blip = w.failures()[6];
    expect(blip?.attempt, 'the blip is a first failure').to.equal(1);
    expect(blip?.retryInMs).to.equal(initialMs);
    expect(recoveredMs, 'back well before the grown backoff would have retried').to.be.lessThan(maxMs);
  });

  it('starts the backoff again after a quiet period without failures, even without events', async () => {
    let time = 1_000_000;
    const w = informerFor(sim, {
      backoff: { initialMs: 50, maxMs: 2000, resetAfterMs: 120_000 },
      now: () => time,
    });
    stop = () => w.informer.stop();
    w.informer.start();
    await eventually(() => expect(w.names.has('default')).to.equal(true), 60_000);
    sim.faults.failNext(4, { status: 500 });
    sim.faults.closeWatches();
    await eventually(() => expect(w.failures()).to.have.length(4), 60_000);
    // Connected again, but nothing changes and no bookmark comes: no event proves health, only time.
    await eventually(() => expect(w.status.requests.get('watch 200')).to.be.at.least(2), 60_000);
    expect(w.failures().map((l) => l.attempt)).to.deep.equal([1, 2, 3, 4]);
    time += 120_000;
    sim.faults.failNext(1, { status: 500 });
    sim.faults.closeWatches();
    await eventually(() => expect(w.failures()).to.have.length(5), 60_000);
    expect(w.failures()[4]?.attempt, 'two minutes later a failure is a first one again').to.equal(1);
  });

  it('gives up on a hung list after the list timeout, says so, counts it, and recovers', async () => {
    sim.faults.hangLists(true);
    const w = informerFor(sim, { listTimeoutMs: 300, backoff: { initialMs: 50, maxMs: 400 } });
    stop = () => w.informer.stop();
    w.informer.start();
    await eventually(() => expect(w.status.restarts.get('list_timeout')).to.be.greaterThan(1), 60_000);
    const logged = w.failures()[0];
    expect(logged?.reason).to.equal('list_timeout');
    expect(logged?.msg).to.contain('list /api/v1/namespaces: no complete answer within 300ms');
    expect(logged?.msg).to.contain('--watch.list-timeout');
    expect(w.status.up).to.equal(false);
    expect(w.status.synced).to.equal(false);
    sim.faults.hangLists(false);
    await eventually(() => expect(w.names.has('default')).to.equal(true), 60_000);
    expect(w.status.synced).to.equal(true);
  });

  it('honours Retry-After only up to the backoff maximum: a day, or more than a timer holds, is not waited for', async () => {
    const maxMs = 400;
    const w = informerFor(sim, { backoff: { initialMs: 50, maxMs } });
    stop = () => w.informer.stop();
    w.informer.start();
    await eventually(() => expect(w.names.has('default')).to.equal(true), 60_000);
    // 86,400 s is a day; 3,000,000 s is past Node's 2^31-1 ms timer limit, which would fire at once (a hot loop).
    for (const retryAfterSeconds of [86_400, 3_000_000]) {
      const before = w.failures().length;
      sim.faults.failNext(2, { status: 503, retryAfterSeconds });
      sim.faults.closeWatches();
      sim.create(namespace(`after-${retryAfterSeconds}`));
      await eventually(() => expect(w.names.has(`after-${retryAfterSeconds}`)).to.equal(true), 60_000);
      const logged = w.failures().slice(before);
      expect(logged.map((l) => l.reason)).to.deep.equal(['server_error', 'server_error']);
      for (const l of logged) expect(l.retryInMs, `Retry-After: ${retryAfterSeconds}`).to.be.at.most(maxMs);
    }
  });

  for (const as of ['status', 'event'] as const)
    it(`relists from scratch when a restored API server calls its resourceVersion too large (as ${as === 'status' ? 'a 504' : 'an ERROR event'})`, async () => {
      sim.faults.tooLargeResourceVersionAs(as);
      const w = informerFor(sim, { backoff: { initialMs: 50, maxMs: 400 } });
      stop = () => w.informer.stop();
      w.informer.start();
      await eventually(() => expect(w.names.has('default')).to.equal(true), 60_000);
      const backup = sim.faults.backup();
      sim.create(namespace('lost-in-restore'));
      await eventually(() => expect(w.names.has('lost-in-restore')).to.equal(true), 60_000);
      // etcd restored: the namespace is gone, the resourceVersion went back, and no event says so.
      sim.faults.restoreBackup(backup);
      await eventually(() => expect(w.names.has('lost-in-restore')).to.equal(false), 60_000);
      expect(w.status.restarts.get('resource_version_too_large')).to.be.at.least(1);
      const relisted = w.logs.find((l) => l.msg.startsWith('watch ended, relisting from scratch'));
      expect(relisted?.msg).to.contain('Too large resource version');
      sim.create(namespace('after-restore'));
      await eventually(() => expect(w.names.has('after-restore')).to.equal(true), 60_000);
    });

  it('restarts a watch whose line never ends once past the line limit, says why, and relists', async () => {
    const w = informerFor(sim, { backoff: { initialMs: 50, maxMs: 400 } });
    stop = () => w.informer.stop();
    w.informer.start();
    await eventually(() => expect(w.names.has('default')).to.equal(true), 60_000);
    await eventually(() => expect(sim.openWatches).to.equal(1), 60_000);
    sim.faults.endlessWatchLines(true);
    await eventually(() => expect(w.status.restarts.get('line_too_long')).to.be.at.least(1), 60_000);
    expect(w.logs.map((l) => l.msg).join('\n')).to.contain('a watch line grew past');
    sim.faults.endlessWatchLines(false);
    sim.create(namespace('after-endless'));
    await eventually(() => expect(w.names.has('after-endless')).to.equal(true), 60_000);
  });

  it('takes no object of another kind from a watch: a Pod on the namespaces watch is no namespace', async () => {
    const w = informerFor(sim, { backoff: { initialMs: 50, maxMs: 400 }, kinds: ['Namespace'] });
    stop = () => w.informer.stop();
    w.informer.start();
    await eventually(() => expect(w.names.has('default')).to.equal(true), 60_000);
    await eventually(() => expect(sim.openWatches).to.equal(1), 60_000);
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'intruder', namespace: 'default' } };
    sim.faults.injectWatchEvent('namespaces', { type: 'ADDED', object: pod });
    await eventually(() => expect(w.status.restarts.get('wrong_kind')).to.equal(1), 60_000);
    expect(w.names.has('intruder')).to.equal(false);
    expect(w.logs.map((l) => l.msg).join('\n')).to.contain(
      'ADDED event of kind "Pod" on a watch of Namespace',
    );
    sim.create(namespace('after-intruder'));
    await eventually(() => expect(w.names.has('after-intruder')).to.equal(true), 60_000);
    expect(w.names.has('intruder')).to.equal(false);
  });

  it('logs what a connection failure was caused by: the code and the address', async () => {
    const w = informerFor(sim, { backoff: { initialMs: 50, maxMs: 400 } });
    stop = () => w.informer.stop();
    w.informer.start();
    await eventually(() => expect(w.names.has('default')).to.equal(true), 60_000);
    const { port } = sim;
    await sim.stop();
    // Stopping the server races the watch it reopens: that attempt may be reset (ECONNRESET, or the stream cut) or
    // refused, whichever comes first; the retries after it are refused.
    const refused = () => w.failures().find((l) => l.cause === 'ECONNREFUSED');
    await eventually(() => expect(refused()).to.not.equal(undefined), 60_000);
    for (const logged of w.failures()) expect(logged.reason, logged.msg).to.equal('connection');
    expect(refused()?.msg).to.equal(`watch failed: fetch failed (connect ECONNREFUSED 127.0.0.1:${port})`);
    expect(refused()?.address).to.equal(`127.0.0.1:${port}`);
    expect(w.status.lastError).to.match(/ECONNREFUSED|ECONNRESET/);
  });
  // keep: what does not matter is never handed on as present; what stops mattering is handed on as deleted, whether
  // an event says so or a relist finds it (the cache holds it no longer either way).
  it('hands on only the objects that matter (keep): one that stops mattering is deleted, by event and by relist', async () => {
    const labelled = (name: string, watched: boolean) => ({
      ...namespace(name),
      metadata: { name, labels: { watched: String(watched) } },
    });
    const seen: string[] = [];
    const w = informerFor(sim, {
      facts: (obj) => {
        const m = (obj as { metadata?: { name?: string; labels?: Record<string, string> } }).metadata;
        return m?.name ? `${m.name}:${m.labels?.watched ?? 'false'}` : undefined;
      },
      keep: (facts) => facts.endsWith(':true'),
      onUpsert: (slim) => seen.push(`upsert ${slim.facts}`),
      onDelete: (slim) => seen.push(`delete ${slim.name}`),
    });
    stop = () => w.informer.stop();
    sim.create(labelled('kept', true));
    sim.create(labelled('ignored', false));
    w.informer.start();
    await eventually(() => expect(seen).to.deep.equal(['upsert kept:true']), 60_000);
    sim.update(labelled('kept', false));
    sim.update(labelled('ignored', true));
    await eventually(
      () => expect(seen.slice(1)).to.deep.equal(['delete kept', 'upsert ignored:true']),
      60_000,
    );
    // Disconnected with the history forgotten: the relist finds `ignored` no longer matters.
    sim.faults.refuseConnections(true);
    sim.faults.closeWatches();
    await eventually(() => expect(w.failures().length).to.be.greaterThan(0), 60_000);
    sim.update(labelled('ignored', false));
    sim.faults.forgetHistory();
    sim.faults.refuseConnections(false);
    await eventually(() => expect(seen.slice(3)).to.deep.equal(['delete ignored']), 60_000);
    sim.delete('namespaces', '', 'ignored');
    sim.create(labelled('late', true));
    await eventually(() => expect(seen.slice(4)).to.deep.equal(['upsert late:true']), 60_000);
  });
});
