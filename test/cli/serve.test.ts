// `serve` wires the HTTP edge: the probe listener beside the main one, and the edge's own metrics in each scrape.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import bcrypt from 'bcryptjs';
import { expect } from 'chai';
import { exporterFor, type TestExporter } from '../helpers/exporter.ts';
import { eventually } from '../helpers/exposition.ts';
import { request } from '../helpers/http-client.ts';

describe('serve', function () {
  this.timeout(60_000);
  let sim: SimulatedCluster;
  let exporter: TestExporter | undefined;
  let dir: string;

  beforeEach(async () => {
    sim = await SimulatedCluster.start();
    dir = await mkdtemp(join(tmpdir(), 'netpol-serve-'));
  });
  afterEach(async () => {
    await exporter?.dispose();
    exporter = undefined;
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('--web.probe-listen-address serves the probes alone, without the authentication of the main listener', async () => {
    const webConfig = join(dir, 'web.yml');
    await writeFile(webConfig, `basic_auth_users:\n  prometheus: ${bcrypt.hashSync('pw', 4)}\n`);
    exporter = await exporterFor(sim, {
      args: ['--web.probe-listen-address=127.0.0.1:0', `--web.config.file=${webConfig}`],
    });
    const probes = exporter.probes?.url ?? '';
    expect(probes).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(probes).not.to.equal(exporter.http.url);
    await eventually(async () => expect((await request(`${probes}/readyz`)).status).to.equal(200), 20_000);
    expect((await request(`${probes}/healthz`)).body).to.equal('ok\n');
    for (const path of ['/metrics', '/', '/api/v1/namespaces'])
      expect((await request(probes + path)).status, path).to.equal(404);
    // The main listener still wants the password, probes included.
    expect((await request(`${exporter.http.url}/healthz`)).status).to.equal(401);
    const scrape = await request(`${exporter.http.url}/metrics`, { auth: 'prometheus:pw' });
    expect(scrape.body).to.contain('netpol_exporter_http_refused_total{reason="unauthenticated"} 1\n');
    expect(scrape.body).to.contain(
      'netpol_exporter_web_config_reload_refused{reason="lowers_protection"} 0\n',
    );
    expect(exporter.logs.join('')).to.contain(`"probeUrl":"${probes}"`);
  });

  it('without --web.probe-listen-address there is one listener, and no reload series without a web config', async () => {
    exporter = await exporterFor(sim);
    expect(exporter.probes).to.equal(undefined);
    const body = await eventually(async () => {
      const text = await exporter?.scrape();
      expect(text).to.contain('netpol_exporter_http_refused_total{reason="connections_per_client"} 0\n');
      return text ?? '';
    });
    expect(body).to.contain('# TYPE netpol_exporter_web_config_reload_refused gauge\n');
    expect(body).not.to.match(/^netpol_exporter_web_config_reload_refused\{/m);
  });
});
