// `audit` says which namespaces face the internet, from manifests (with file:line) and from a (simulated) cluster:
// a public LoadBalancer, an internal one, an Ingress, and an HTTPRoute whose Gateway lives in another namespace.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { expect } from 'chai';
import { auditMain } from '../../src/cli/audit.ts';
import { EXPORTER_PERMISSIONS } from '../../src/cli/demo.ts';
import type { CoverageReport } from '../../src/report/coverage-report.ts';
import { ROOT } from '../helpers/exporter.ts';
import { validate } from '../helpers/json-schema.ts';
import { type Result, runMain } from '../helpers/run.ts';

const schema = JSON.parse(readFileSync(join(ROOT, 'docs/coverage-report.schema.json'), 'utf8'));
const audit = (args: string[]) => runMain(auditMain, args);

function json(result: Result): CoverageReport {
  const report = JSON.parse(result.stdout) as CoverageReport;
  expect(validate(schema, report), 'schema errors').to.deep.equal([]);
  return report;
}

const facing = (report: CoverageReport) =>
  Object.fromEntries(report.namespaces.map((n) => [n.name, n.internetFacing?.vias]));

const MANIFESTS = `apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata:
  name: db
  namespace: vault
  annotations: {service.beta.kubernetes.io/azure-load-balancer-internal: "true"}
spec: {type: LoadBalancer, selector: {app: db}, ports: [{port: 5432}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: www, namespace: blog}
spec:
  rules:
    - http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: blog, port: {number: 80}}}}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: store, namespace: store}
spec:
  parentRefs: [{name: shared-gateway, namespace: infra}]
  rules: [{backendRefs: [{name: store-v1, port: 8080}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: blog}
spec: {podSelector: {}, policyTypes: [Ingress]}
`;

describe('audit: internet-facing namespaces', function () {
  this.timeout(60_000);

  describe('--manifests', () => {
    let dir: string;
    let file: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'netpol-internet-'));
      file = join(dir, 'app.yaml');
      await writeFile(file, MANIFESTS);
    });
    after(() => rm(dir, { recursive: true, force: true }));

    it('names each way in with its object, rule and file:line in JSON, and leaves the internal load balancer out', async () => {
      const report = json(await audit(['--manifests', file, '--output=json']));
      expect(facing(report)).to.deep.equal({
        blog: ['ingress'],
        shop: ['load_balancer'],
        store: ['gateway_route'],
        vault: [],
      });
      const shop = report.namespaces.find((n) => n.name === 'shop');
      expect(shop?.internetFacing?.entryPoints).to.deep.equal([
        {
          via: 'load_balancer',
          object: 'Service shop/web',
          rule: 'type LoadBalancer with no internal annotation and no source ranges',
          location: `${file}:1`,
        },
      ]);
      const store = report.namespaces.find((n) => n.name === 'store');
      expect(store?.internetFacing?.entryPoints[0]?.rule).to.include('infra/shared-gateway');
      expect(store?.internetFacing?.entryPoints[0]?.location).to.equal(`${file}:21`);
    });

    it('the table marks them, lists why, and counts the uncovered ones', async () => {
      const result = await audit(['--manifests', file]);
      const lines = result.stdout.split('\n');
      expect(lines[0]).to.match(/\sINTERNET-FACING\s+LOCATION$/);
      expect(lines.find((l) => l.startsWith('shop '))).to.match(/\sload_balancer\s+\S+app\.yaml:1$/);
      expect(lines.find((l) => l.startsWith('vault '))).to.match(/\s-\s+\S+app\.yaml:6$/);
      expect(result.stdout).to.contain(
        `  shop: internet-facing (load_balancer): Service shop/web: type LoadBalancer with no internal annotation and no source ranges (${file}:1)`,
      );
      expect(result.stdout).to.contain('INTERNET-FACING: 3 namespaces, 2 uncovered: shop, store');
    });

    it('SARIF says how the internet reaches an uncovered namespace, with the file and line', async () => {
      const log = JSON.parse((await audit(['--manifests', file, '--output=sarif'])).stdout);
      const texts: string[] = log.runs[0].results.map((r: { message: { text: string } }) => r.message.text);
      expect(texts).to.include(
        `namespace shop has no network policy: all traffic to and from its pods is allowed; the internet reaches it (load_balancer via Service shop/web (${file}:1)): remediate it first`,
      );
      expect(texts.find((t) => t.startsWith('namespace vault '))).to.not.contain('internet');
    });
  });

  describe('against a cluster', () => {
    let sim: SimulatedCluster;
    let dir: string;
    before(async () => {
      sim = await SimulatedCluster.start({ systemNamespaces: false });
      sim.addToken('exporter', EXPORTER_PERMISSIONS);
      dir = await mkdtemp(join(tmpdir(), 'netpol-internet-'));
      await sim.writeKubeconfig(join(dir, 'kubeconfig'), { token: 'exporter' });
      for (const name of ['shop', 'vault', 'quiet'])
        sim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      sim.create({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: 'shop' },
        spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, nodePort: 30080 }] },
      });
      sim.create({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: 'db',
          namespace: 'vault',
          annotations: { 'networking.gke.io/load-balancer-type': 'Internal' },
        },
        spec: { type: 'LoadBalancer', selector: { app: 'db' }, ports: [{ port: 5432 }] },
      });
    });
    after(async () => {
      await sim?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('lists Services and Ingresses with the exporter RBAC and reports what faces the internet', async () => {
      const result = await audit(['--kubeconfig', join(dir, 'kubeconfig'), '--output=json']);
      expect(result.stderr).to.equal('');
      expect(facing(json(result))).to.deep.equal({ quiet: [], shop: ['node_port'], vault: [] });
    });

    it('without list on services, says so and leaves internet-facing out rather than claiming none', async () => {
      sim.addToken(
        'no-services',
        EXPORTER_PERMISSIONS.filter((p) => p.resource !== 'services'),
      );
      await sim.writeKubeconfig(join(dir, 'no-services'), { token: 'no-services' });
      const result = await audit(['--kubeconfig', join(dir, 'no-services'), '--output=json']);
      expect(result.stderr).to.contain('not permitted to list services');
      const report = json(result);
      expect(report.namespaces.find((n) => n.name === 'shop')?.internetFacing).to.equal(undefined);
    });
  });
});
