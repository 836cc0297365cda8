// Scale: 10,000 namespaces / 50,000 NetworkPolicies seeded, then listed through limit=500 pagination over HTTPS.
import { expect } from 'chai';
import { SimulatedCluster } from '../src/index.ts';
import { RawClient } from './helpers/raw.ts';

interface List {
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: { metadata: { name: string; namespace?: string } }[];
}

describe('simulator scale: 10k namespaces / 50k policies', function () {
  this.timeout(120_000);
  let sim: SimulatedCluster;
  let raw: RawClient;

  before(async () => {
    sim = await SimulatedCluster.start({ systemNamespaces: false });
    raw = new RawClient(sim);
  });
  after(async () => {
    await raw.close();
    await sim.stop();
  });

  it('seeds in a couple of seconds and lists every object exactly once with limit=500', async () => {
    let started = performance.now();
    const seeded = sim.seedScale({ namespaces: 10_000, policiesPerNamespace: 5, uncoveredEvery: 0 });
    const seedMs = performance.now() - started;
    expect(seeded.policies).to.equal(50_000);

    async function listAll(path: string): Promise<{ keys: string[]; pages: number; rvs: Set<string> }> {
      const keys: string[] = [];
      const rvs = new Set<string>();
      let cont: string | undefined;
      let pages = 0;
      do {
        const res = await raw.get(`${path}?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
        expect(res.status).to.equal(200);
        const body = res.body as List;
        for (const o of body.items) keys.push(`${o.metadata.namespace ?? ''}/${o.metadata.name}`);
        rvs.add(body.metadata.resourceVersion);
        cont = body.metadata.continue;
        pages++;
      } while (cont);
      return { keys, pages, rvs };
    }

    started = performance.now();
    const policies = await listAll('/apis/networking.k8s.io/v1/networkpolicies');
    const policiesMs = performance.now() - started;
    started = performance.now();
    const namespaces = await listAll('/api/v1/namespaces');
    const namespacesMs = performance.now() - started;

    expect(policies.keys).to.have.length(50_000);
    expect(new Set(policies.keys).size).to.equal(50_000);
    expect(policies.pages).to.equal(100);
    expect(policies.rvs.size).to.equal(1);
    expect(namespaces.keys).to.have.length(10_000);
    expect(namespaces.pages).to.equal(20);
    console.log(
      `      seed ${Math.round(seedMs)} ms; paginated list (limit 500): 50,000 policies in ${Math.round(policiesMs)} ms ` +
        `(${policies.pages} pages), 10,000 namespaces in ${Math.round(namespacesMs)} ms (${namespaces.pages} pages)`,
    );
    expect(seedMs).to.be.below(10_000);
  });
});
