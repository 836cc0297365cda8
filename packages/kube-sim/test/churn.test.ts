// Churn: steady background change, except in the namespaces a caller spares (a demo's walkthrough relies on them).
import { expect } from 'chai';
import { SimulatedCluster } from '../src/index.ts';
import { eventually } from './helpers/poll.ts';

const SPARED = ['walkthrough-remove', 'walkthrough-protect'];

describe('simulator churn', function () {
  this.timeout(120_000);
  let sim: SimulatedCluster;

  before(async () => {
    sim = await SimulatedCluster.start({ tls: false });
  });
  after(async () => {
    await sim.stop();
  });

  it('never creates, changes or deletes a policy in a spared namespace', async () => {
    sim.seedScale({ namespaces: 20, policiesPerNamespace: 2 });
    sim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: SPARED[0] } });
    sim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: SPARED[1] } });
    sim.create({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'only-policy', namespace: SPARED[0] },
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    });
    const before = JSON.stringify(SPARED.map((ns) => sim.list('networkpolicies', ns)));
    const startRv = Number(sim.resourceVersion);
    // 400 changes over 22 namespaces: without sparing, each spared one would see about a dozen.
    sim.startChurn({ eventsPerSecond: 400, seed: 7, spareNamespaces: SPARED });
    await eventually(() => expect(Number(sim.resourceVersion) - startRv).to.be.greaterThan(400), 60_000);
    sim.stopChurn();

    expect(JSON.stringify(SPARED.map((ns) => sim.list('networkpolicies', ns)))).to.equal(before);
    // The rest of the cluster did churn.
    const churned = sim.list('networkpolicies').filter((p) => p.metadata.name?.startsWith('churn-'));
    expect(churned.length).to.be.greaterThan(10);
  });
});
