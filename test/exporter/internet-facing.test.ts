// The exporter watches what opens each namespace to the internet: netpol_namespace_internet_facing follows
// Services, Ingresses and the Gateway API routes the simulator serves, and /api/v1/namespaces names the objects.
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { expect } from 'chai';
import { EXPORTER_PERMISSIONS } from '../../src/cli/demo.ts';
import type { CoverageReport } from '../../src/report/coverage-report.ts';
import { exporterFor, type TestExporter } from '../helpers/exporter.ts';
import { eventually, seriesWithPrefix } from '../helpers/exposition.ts';

const FAMILY = 'netpol_namespace_internet_facing';
const namespace = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const service = (ns: string, name: string, spec: object, annotations: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: ns, annotations },
  spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec },
});

async function series(exporter: TestExporter): Promise<string[]> {
  return [...seriesWithPrefix(await exporter.scrape(), FAMILY).keys()].sort();
}

describe('exporter: internet-facing namespaces', function () {
  this.timeout(60_000);
  let sim: SimulatedCluster;
  const running: TestExporter[] = [];

  before(async () => {
    sim = await SimulatedCluster.start({
      systemNamespaces: false,
      enabledKinds: ['httproutes.gateway.networking.k8s.io'],
    });
    for (const name of ['shop', 'blog', 'store', 'vault']) sim.create(namespace(name));
    sim.create(service('shop', 'web', { type: 'LoadBalancer' }));
    sim.create(
      service(
        'vault',
        'db',
        { type: 'LoadBalancer' },
        { 'service.beta.kubernetes.io/aws-load-balancer-internal': 'true' },
      ),
    );
    sim.create({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'www', namespace: 'blog' },
      spec: { defaultBackend: { service: { name: 'blog', port: { number: 80 } } } },
    });
    sim.create({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'store', namespace: 'store' },
      spec: {
        parentRefs: [{ name: 'gw', namespace: 'blog' }],
        rules: [{ backendRefs: [{ name: 'store', port: 80 }] }],
      },
    });
  });
  after(async () => {
    for (const e of running) await e.dispose();
    await sim?.stop();
  });

  it('exports one series per way in, follows changes, and names the objects in /api/v1/namespaces', async () => {
    const token = 'with-routes';
    sim.addToken(token, [
      ...EXPORTER_PERMISSIONS,
      { resource: 'httproutes', group: 'gateway.networking.k8s.io', verbs: ['list', 'watch'] },
    ]);
    const exporter = await exporterFor(sim, { token });
    running.push(exporter);
    await eventually(
      async () =>
        expect(await series(exporter)).to.deep.equal([
          `${FAMILY}{namespace="blog",via="ingress"}`,
          `${FAMILY}{namespace="shop",via="load_balancer"}`,
          `${FAMILY}{namespace="store",via="gateway_route"}`,
        ]),
      20_000,
    );
    // The internal load balancer becomes public, the shop one becomes a NodePort: the series follow.
    sim.update(service('vault', 'db', { type: 'LoadBalancer' }));
    sim.update(service('shop', 'web', { type: 'NodePort' }));
    await eventually(async () => {
      const now = await series(exporter);
      expect(now).to.include(`${FAMILY}{namespace="vault",via="load_balancer"}`);
      expect(now).to.include(`${FAMILY}{namespace="shop",via="node_port"}`);
      expect(now).not.to.include(`${FAMILY}{namespace="shop",via="load_balancer"}`);
    }, 20_000);
    sim.delete('ingresses', 'blog', 'www');
    await eventually(
      async () => expect(await series(exporter)).not.to.include(`${FAMILY}{namespace="blog",via="ingress"}`),
      20_000,
    );
    const report = (await (await fetch(`${exporter.http.url}/api/v1/namespaces`)).json()) as CoverageReport;
    const store = report.namespaces.find((n) => n.name === 'store');
    expect(store?.internetFacing?.entryPoints.map((e) => e.object)).to.deep.equal(['HTTPRoute store/store']);
  });

  // The Services watch caches only Services that open their namespace: one that stops opening it must still take
  // its series away, whether the change arrives as a watch event or is found by a relist after a 410.
  it('drops a Service that stops opening its namespace, by event and by relist, and takes one up that starts', async () => {
    sim.create(namespace('depot'));
    sim.create(service('depot', 'front', { type: 'LoadBalancer' }));
    sim.create(service('depot', 'back', { type: 'ClusterIP' }));
    const exporter = await exporterFor(sim);
    running.push(exporter);
    const depot = async () => (await series(exporter)).filter((s) => s.includes('namespace="depot"'));
    await eventually(
      async () => expect(await depot()).to.deep.equal([`${FAMILY}{namespace="depot",via="load_balancer"}`]),
      20_000,
    );
    sim.update(service('depot', 'front', { type: 'ClusterIP' }));
    await eventually(async () => expect(await depot()).to.deep.equal([]), 20_000);
    sim.update(service('depot', 'back', { type: 'NodePort' }));
    await eventually(
      async () => expect(await depot()).to.deep.equal([`${FAMILY}{namespace="depot",via="node_port"}`]),
      20_000,
    );
    // Disconnected, the history forgotten: the relist, not an event, must find that `back` opens nothing now.
    sim.faults.refuseConnections(true);
    sim.faults.closeWatches();
    await eventually(
      async () => expect(await exporter.scrape()).to.contain('watch_up{resource="services"} 0'),
      20_000,
    );
    sim.update(service('depot', 'back', { type: 'ClusterIP' }));
    sim.faults.forgetHistory();
    sim.faults.refuseConnections(false);
    await eventually(async () => {
      expect(await exporter.scrape()).to.contain('watch_up{resource="services"} 1');
      expect(await depot()).to.deep.equal([]);
    }, 20_000);
  });

  it('--internet-facing=false watches none of it and exports nothing', async () => {
    const exporter = await exporterFor(sim, { args: ['--internet-facing=false'] });
    running.push(exporter);
    await eventually(
      async () => expect((await fetch(`${exporter.http.url}/readyz`)).status).to.equal(200),
      20_000,
    );
    expect(await series(exporter)).to.deep.equal([]);
    expect(await exporter.scrape()).not.to.contain('resource="services"');
  });
});

describe('exporter: ReferenceGrants decide cross-namespace route backends', function () {
  this.timeout(120_000);
  let sim: SimulatedCluster;
  const running: TestExporter[] = [];
  const GATEWAY = 'gateway.networking.k8s.io';
  const grant = {
    apiVersion: `${GATEWAY}/v1beta1`,
    kind: 'ReferenceGrant',
    metadata: { name: 'from-store', namespace: 'db' },
    spec: {
      from: [{ group: GATEWAY, kind: 'HTTPRoute', namespace: 'store' }],
      to: [{ group: '', kind: 'Service', name: 'orders' }],
    },
  };

  before(async () => {
    sim = await SimulatedCluster.start({
      systemNamespaces: false,
      enabledKinds: [`httproutes.${GATEWAY}`, `referencegrants.${GATEWAY}`],
    });
    for (const name of ['store', 'db']) sim.create(namespace(name));
    // A route in store that sends part of its traffic to a Service in db: the Gateway refuses that reference
    // unless a ReferenceGrant in db allows it.
    sim.create({
      apiVersion: `${GATEWAY}/v1`,
      kind: 'HTTPRoute',
      metadata: { name: 'store', namespace: 'store' },
      spec: {
        parentRefs: [{ name: 'gw', namespace: 'edge' }],
        rules: [
          {
            backendRefs: [
              { name: 'web', port: 80 },
              { name: 'orders', namespace: 'db', port: 80 },
            ],
          },
        ],
      },
    });
  });
  after(async () => {
    for (const e of running) await e.dispose();
    await sim?.stop();
  });

  const routes = { resource: 'httproutes', group: GATEWAY, verbs: ['list', 'watch'] };
  const grants = { resource: 'referencegrants', group: GATEWAY, verbs: ['list', 'watch'] };

  it('watched: the backend namespace faces the internet only while a grant allows the reference', async () => {
    sim.addToken('grants', [...EXPORTER_PERMISSIONS, routes, grants]);
    const exporter = await exporterFor(sim, { token: 'grants' });
    running.push(exporter);
    await eventually(
      async () => expect((await fetch(`${exporter.http.url}/readyz`)).status).to.equal(200),
      60_000,
    );
    const storeOnly = [`${FAMILY}{namespace="store",via="gateway_route"}`];
    await eventually(async () => expect(await series(exporter)).to.deep.equal(storeOnly), 20_000);
    sim.create(grant);
    await eventually(
      async () =>
        expect(await series(exporter)).to.deep.equal([
          `${FAMILY}{namespace="db",via="gateway_route"}`,
          ...storeOnly,
        ]),
      20_000,
    );
    const report = (await (await fetch(`${exporter.http.url}/api/v1/namespaces`)).json()) as CoverageReport;
    expect(report.namespaces.find((n) => n.name === 'db')?.internetFacing?.entryPoints[0]?.rule).to.equal(
      'HTTPRoute on Gateway edge/gw sends traffic to orders; allowed by a ReferenceGrant in db',
    );
    sim.delete('referencegrants', 'db', 'from-store');
    await eventually(async () => expect(await series(exporter)).to.deep.equal(storeOnly), 20_000);
  });

  it('not permitted: the reference counts, as it may be allowed, and the rule says why', async () => {
    sim.addToken('no-grants', [...EXPORTER_PERMISSIONS, routes]);
    const exporter = await exporterFor(sim, { token: 'no-grants' });
    running.push(exporter);
    await eventually(
      async () =>
        expect(await series(exporter)).to.deep.equal([
          `${FAMILY}{namespace="db",via="gateway_route"}`,
          `${FAMILY}{namespace="store",via="gateway_route"}`,
        ]),
      20_000,
    );
    expect((await fetch(`${exporter.http.url}/readyz`)).status).to.equal(200);
    const report = (await (await fetch(`${exporter.http.url}/api/v1/namespaces`)).json()) as CoverageReport;
    expect(report.namespaces.find((n) => n.name === 'db')?.internetFacing?.entryPoints[0]?.rule).to.contain(
      'ReferenceGrants not known',
    );
  });
});
