// What the real API server does to an object before anyone can read it, over HTTP as a client sees it: the
// Namespace name label it always sets, NetworkPolicy policyTypes validation, the BaselineAdminNetworkPolicy
// singleton, and the NetworkPolicy versions it does not serve.
import { expect } from 'chai';
import { SimulatedCluster } from '../src/index.ts';
import { RawClient } from './helpers/raw.ts';

const NP_PATH = (ns: string) => `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`;
const BANP_PATH = '/apis/policy.networking.k8s.io/v1alpha1/baselineadminnetworkpolicies';

describe('simulator admission: defaulting and refusals of the real API server', function () {
  this.timeout(120_000);
  let sim: SimulatedCluster;
  let raw: RawClient;

  before(async () => {
    sim = await SimulatedCluster.start({
      systemNamespaces: false,
      enabledKinds: ['baselineadminnetworkpolicies.policy.networking.k8s.io'],
    });
    raw = new RawClient(sim);
    sim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } });
  });
  after(async () => {
    await raw.close();
    await sim.stop();
  });

  it('sets kubernetes.io/metadata.name to the name on every Namespace, whatever the manifest or a patch says', async () => {
    const created = await raw.request('POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'other', team: 'a' } },
    });
    expect(created.status).to.equal(201);
    expect((created.body as { metadata: { labels: object } }).metadata.labels).to.deep.equal({
      'kubernetes.io/metadata.name': 'team-a',
      team: 'a',
    });
    const patched = await raw.request(
      'PATCH',
      '/api/v1/namespaces/team-a',
      { metadata: { labels: { 'kubernetes.io/metadata.name': 'other' } } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    expect(patched.status).to.equal(200);
    expect(sim.get('namespaces', undefined, 'team-a')?.metadata.labels).to.deep.equal({
      'kubernetes.io/metadata.name': 'team-a',
      team: 'a',
    });
  });

  it('refuses a NetworkPolicy with a policyTypes value other than Ingress or Egress (422, the server words)', async () => {
    const res = await raw.request('POST', NP_PATH('app'), {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'typo' },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'egress'] },
    });
    expect(res.status).to.equal(422);
    expect(res.body).to.deep.include({
      reason: 'Invalid',
      message:
        'NetworkPolicy.networking.k8s.io "typo" is invalid: spec.policyTypes[1]: Unsupported value: "egress": supported values: "Ingress", "Egress"',
    });
    const three = await raw.request('POST', NP_PATH('app'), {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'three' },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress', 'Ingress'] },
    });
    expect(three.status).to.equal(422);
    expect((three.body as { message: string }).message).to.contain(
      'may not specify more than two policyTypes',
    );
    expect(sim.list('networkpolicies', 'app')).to.deep.equal([]);
    // An update cannot sneak one in either.
    sim.create({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'fine', namespace: 'app' },
      spec: { podSelector: {}, policyTypes: ['Egress'] },
    });
    const patched = await raw.request(
      'PATCH',
      `${NP_PATH('app')}/fine`,
      { spec: { policyTypes: ['All'] } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    expect(patched.status).to.equal(422);
    expect(sim.get('networkpolicies', 'app', 'fine')?.spec?.policyTypes).to.deep.equal(['Egress']);
  });

  it('serves NetworkPolicy only as networking.k8s.io/v1: v1beta1 and extensions/v1beta1 are not found', async () => {
    for (const path of [
      '/apis/networking.k8s.io/v1beta1/namespaces/app/networkpolicies',
      '/apis/extensions/v1beta1/namespaces/app/networkpolicies',
    ]) {
      const res = await raw.request('POST', path, {
        kind: 'NetworkPolicy',
        metadata: { name: 'old' },
        spec: { podSelector: {} },
      });
      expect(res.status, path).to.equal(404);
    }
  });

  it('admits only the BaselineAdminNetworkPolicy named default (the CRD rule, in the server words)', async () => {
    const spec = {
      subject: { namespaces: {} },
      ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }],
    };
    const other = await raw.request('POST', BANP_PATH, {
      apiVersion: 'policy.networking.k8s.io/v1alpha1',
      kind: 'BaselineAdminNetworkPolicy',
      metadata: { name: 'baseline' },
      spec,
    });
    expect(other.status).to.equal(422);
    expect((other.body as { message: string }).message).to.equal(
      'BaselineAdminNetworkPolicy.policy.networking.k8s.io "baseline" is invalid: <nil>: Invalid value: "object": Only one baseline admin network policy with metadata.name="default" can be created in the cluster',
    );
    const singleton = await raw.request('POST', BANP_PATH, {
      apiVersion: 'policy.networking.k8s.io/v1alpha1',
      kind: 'BaselineAdminNetworkPolicy',
      metadata: { name: 'default' },
      spec,
    });
    expect(singleton.status).to.equal(201);
    expect(sim.list('baselineadminnetworkpolicies').map((p) => p.metadata.name)).to.deep.equal(['default']);
  });
});
