import { expect } from 'chai';
import { KindRegistry } from '../src/kinds.ts';
import { seedScale } from '../src/scenarios.ts';
import { StatusError } from '../src/status.ts';
import { Store, type StoreEvent } from '../src/store.ts';

function newStore(historyLimit = 100): Store {
  return new Store(new KindRegistry(), { historyLimit, namespaceDeletionDelayMs: 10 });
}

function statusError(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  throw new Error('expected an StatusError');
}

describe('simulator store', () => {
  let store: Store;
  const ns = () => store.namespaces;
  const np = () => store.kinds.resolve('networkpolicies');
  const policy = (name: string, namespace: string, labels: Record<string, string> = {}) => ({
    metadata: { name, namespace, labels },
    spec: { podSelector: {} },
  });

  beforeEach(() => {
    store = newStore();
  });
  afterEach(() => store.close());

  it('fills metadata as the real server: uid, RV, RFC 3339 seconds, generation, phase, name label', () => {
    const created = store.create(ns(), { metadata: { name: 'a' } }, undefined);
    expect(created.metadata.uid).to.match(/^[0-9a-f-]{36}$/);
    expect(created.metadata.resourceVersion).to.equal('1');
    expect(created.metadata.creationTimestamp).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(created.status).to.deep.equal({ phase: 'Active' });
    expect(created.metadata.labels).to.deep.equal({ 'kubernetes.io/metadata.name': 'a' });
    expect(created.metadata.generation).to.equal(undefined);
    const p = store.create(np(), policy('p', 'a'), 'a');
    expect(p.metadata.generation).to.equal(1);
    expect(p.spec?.policyTypes).to.deep.equal(['Ingress']);
    expect(p.apiVersion).to.equal('networking.k8s.io/v1');
  });

  it('bumps generation only on spec change, and a no-op update changes nothing', () => {
    store.create(ns(), { metadata: { name: 'a' } }, undefined);
    const p = store.create(np(), policy('p', 'a'), 'a');
    const relabelled = store.patch(np(), 'a', 'p', 'merge', { metadata: { labels: { x: '1' } } });
    expect(relabelled.metadata.generation).to.equal(1);
    const respec = store.patch(np(), 'a', 'p', 'merge', {
      spec: { podSelector: { matchLabels: { app: 'x' } } },
    });
    expect(respec.metadata.generation).to.equal(2);
    const same = store.patch(np(), 'a', 'p', 'strategic', { metadata: { labels: { x: '1' } } });
    expect(same.metadata.resourceVersion).to.equal(respec.metadata.resourceVersion);
    expect(same.metadata.uid).to.equal(p.metadata.uid);
  });

  it('gives the real Status errors', () => {
    store.create(ns(), { metadata: { name: 'a' } }, undefined);
    store.create(np(), policy('p', 'a'), 'a');
    const notFound = statusError(() => store.get(np(), 'a', 'zz'));
    expect(notFound.status).to.deep.include({ code: 404, reason: 'NotFound' });
    expect(notFound.message).to.equal('networkpolicies.networking.k8s.io "zz" not found');
    expect(statusError(() => store.create(np(), policy('p', 'a'), 'a')).status).to.deep.include({
      code: 409,
      reason: 'AlreadyExists',
    });
    const stale = statusError(() =>
      store.update(np(), { ...policy('p', 'a'), metadata: { name: 'p', resourceVersion: '1' } }, 'a', 'p'),
    );
    expect(stale.status).to.deep.include({ code: 409, reason: 'Conflict' });
    const invalid = statusError(() => store.create(np(), policy('Bad_Name', 'a'), 'a'));
    expect(invalid.status).to.deep.include({ code: 422, reason: 'Invalid' });
    expect(invalid.message).to.contain(
      'metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain',
    );
    expect(statusError(() => store.create(ns(), { metadata: {} }, undefined)).message).to.contain(
      'metadata.name: Required value: name or generateName is required',
    );
    expect(statusError(() => store.create(ns(), { metadata: { name: 'a.b' } }, undefined)).code).to.equal(
      422,
    );
    const noNs = statusError(() => store.create(np(), policy('p', 'nope'), 'nope'));
    expect(noNs.status).to.deep.include({ code: 404, message: 'namespaces "nope" not found' });
  });

  it('deletes a namespace as the controller does: Terminating, then contents, then itself', async () => {
    store.create(ns(), { metadata: { name: 'a' } }, undefined);
    store.create(np(), policy('p', 'a'), 'a');
    const events: StoreEvent[] = [];
    store.subscribe((e) => events.push(e));
    const terminating = store.delete(ns(), undefined, 'a');
    expect(terminating.status).to.deep.equal({ phase: 'Terminating' });
    expect(terminating.metadata.deletionTimestamp).to.be.a('string');
    const forbidden = statusError(() => store.create(np(), policy('q', 'a'), 'a'));
    expect(forbidden.status).to.deep.include({ code: 403, reason: 'Forbidden' });
    expect(forbidden.message).to.contain('because it is being terminated');
    const deadline = Date.now() + 60_000; // a wait for the events, generous for a busy machine
    while (events.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(events.map((e) => `${e.type} ${e.kind.resource}`)).to.deep.equal([
      'MODIFIED namespaces',
      'DELETED networkpolicies',
      'DELETED namespaces',
    ]);
    expect(events.map((e) => e.rv)).to.deep.equal([...events.map((e) => e.rv)].sort((x, y) => x - y));
  });

  it('paginates with limit/continue in key order, with remainingItemCount and a stable list RV', () => {
    seedScale(store, { namespaces: 30, policiesPerNamespace: 3, uncoveredEvery: 0 });
    const all = store.list(np());
    expect(all.items).to.have.length(90);
    const seen: string[] = [];
    let cont: string | undefined;
    let pages = 0;
    const rv = store.list(np(), { limit: 1 }).resourceVersion;
    do {
      const page = store.list(np(), { limit: 7, continue: cont });
      expect(page.resourceVersion).to.equal(rv);
      seen.push(...page.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`));
      if (page.continue) expect(page.remainingItemCount).to.equal(90 - seen.length);
      cont = page.continue;
      pages++;
    } while (cont);
    expect(pages).to.equal(13);
    expect(seen).to.deep.equal(all.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`));
    expect(seen).to.deep.equal([...seen].sort());
    expect(() => store.list(np(), { continue: 'garbage' })).to.throw(StatusError);
  });

  it('paginates per namespace and with selectors (no remainingItemCount when filtered)', () => {
    seedScale(store, { namespaces: 3, policiesPerNamespace: 6, uncoveredEvery: 0 });
    const first = store.list(np(), { namespace: 'ns-1', limit: 4 });
    expect(first.items.every((o) => o.metadata.namespace === 'ns-1')).to.equal(true);
    const second = store.list(np(), { namespace: 'ns-1', limit: 4, continue: first.continue });
    expect(first.items.length + second.items.length).to.equal(6);
    expect(second.continue).to.equal(undefined);
    const filtered = store.list(store.namespaces, { labelSelector: 'env in (prod,dev)', limit: 1 });
    expect(filtered.remainingItemCount).to.equal(undefined);
    expect(store.list(store.namespaces, { fieldSelector: 'metadata.name=ns-2' }).items).to.have.length(1);
  });

  it('seeds two Services per namespace and an Ingress every Nth, selecting the seeded pods', () => {
    const r = seedScale(store, {
      namespaces: 20,
      policiesPerNamespace: 1,
      podsPerNamespace: 3,
      servicesPerNamespace: 2,
      ingressEvery: 5,
      uncoveredEvery: 0,
    });
    expect(r).to.include({ namespaces: 20, services: 40, ingresses: 4 });
    const services = store.list(store.kinds.resolve('services')).items;
    const pods = store.list(store.kinds.resolve('pods')).items;
    expect(services).to.have.length(40);
    const spec = (o: { spec?: unknown }) => o.spec as Record<string, unknown>;
    for (const namespace of store.list(ns()).items.map((n) => n.metadata.name)) {
      if (!namespace?.startsWith('ns-')) continue;
      const mine = services.filter((s) => s.metadata.namespace === namespace);
      expect(mine.map((s) => spec(s).type).sort(), namespace).to.deep.equal(['ClusterIP', 'LoadBalancer']);
      for (const s of mine) {
        // Each selects a pod of its namespace, and sends to a target port of its own.
        const selector = spec(s).selector as Record<string, string>;
        const selected = pods.filter(
          (p) =>
            p.metadata.namespace === namespace &&
            Object.entries(selector).every(([k, v]) => p.metadata.labels?.[k] === v),
        );
        expect(selected, `${namespace}/${s.metadata.name}`).to.not.be.empty;
        const [port] = spec(s).ports as { port: number; targetPort: number }[];
        expect(port?.targetPort).to.be.a('number').and.not.equal(port?.port);
      }
    }
    // Cluster IPs are distinct; every fourth load balancer is internal.
    expect(new Set(services.map((s) => spec(s).clusterIP)).size).to.equal(40);
    const balancers = services.filter((s) => spec(s).type === 'LoadBalancer');
    expect(balancers.filter((s) => s.metadata.annotations)).to.have.length(5);
    // Each Ingress routes to its namespace's ClusterIP Service by a port name that Service has.
    const ingresses = store.list(store.kinds.resolve('ingresses')).items;
    expect(ingresses.map((o) => o.metadata.namespace)).to.deep.equal(['ns-00', 'ns-05', 'ns-10', 'ns-15']);
    for (const ing of ingresses) {
      const backend = JSON.stringify(spec(ing).rules);
      expect(backend).to.contain('"service":{"name":"api","port":{"name":"http"}}');
    }
    expect(() => seedScale(newStore(), { namespaces: 1, policiesPerNamespace: 0, ingressEvery: 1 })).to.throw(
      /ingressEvery needs servicesPerNamespace/,
    );
  });

  it('keeps a bounded history and answers too-old resourceVersions with 410 Expired', () => {
    store = newStore(10);
    for (let i = 0; i < 40; i++) store.create(ns(), { metadata: { name: `n${i}` } }, undefined);
    expect(store.eventsSince(ns(), 35).map((e) => e.rv)).to.deep.equal([36, 37, 38, 39, 40]);
    const gone = statusError(() => store.eventsSince(ns(), 1));
    expect(gone.status).to.deep.include({ code: 410, reason: 'Expired' });
    expect(gone.message).to.match(/^too old resource version: 1 \(\d+\)$/);
    store.forgetHistory();
    expect(statusError(() => store.eventsSince(ns(), 40)).code).to.equal(410);
    expect(store.eventsSince(ns(), store.resourceVersion)).to.deep.equal([]);
  });

  it('seeds 10k namespaces / 50k policies in well under the budget without history', () => {
    // CPU time, not wall time: on a busy machine the wall clock measures the other processes too.
    const started = process.cpuUsage();
    const r = seedScale(store, { namespaces: 10_000, policiesPerNamespace: 5, uncoveredEvery: 0 });
    const used = process.cpuUsage(started);
    const ms = (used.user + used.system) / 1000;
    expect(r.policies).to.equal(50_000);
    expect(store.count(np())).to.equal(50_000);
    expect(ms).to.be.below(5000);
    expect(store.eventsSince(np(), store.resourceVersion)).to.deep.equal([]);
  });
});
