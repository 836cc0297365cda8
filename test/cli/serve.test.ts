// `serve` wires the HTTP edge: the probe listener beside the main one, and the edge's own metrics in each scrape;
// the process keeps serving through a SIGHUP, which re-reads the web config.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import bcrypt from 'bcryptjs';
import { expect } from 'chai';
import {
  exitOf,
  exporterFor,
  killSpawned,
  listeningAddress,
  spawnExporter,
  type TestExporter,
} from '../helpers/exporter.ts';
import { eventually } from '../helpers/exposition.ts';
import { request } from '../helpers/http-client.ts';

describe('serve', () => {
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
    await eventually(async () => expect((await request(`${probes}/readyz`)).status).to.equal(200), 60_000);
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

describe('serve: SIGHUP', () => {
  let sim: SimulatedCluster;
  let dir: string;
  let kubeconfig: string;
  let webConfig: string;
  let child: ReturnType<typeof spawnExporter> | undefined;

  beforeEach(async () => {
    sim = await SimulatedCluster.start();
    dir = await mkdtemp(join(tmpdir(), 'netpol-hup-'));
    kubeconfig = join(dir, 'kubeconfig');
    await sim.writeKubeconfig(kubeconfig);
    webConfig = join(dir, 'web.yml');
    await writeFile(webConfig, `basic_auth_users:\n  prometheus: ${bcrypt.hashSync('pw', 4)}\n`);
  });
  afterEach(async () => {
    await killSpawned(child);
    child = undefined;
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function start(): Promise<string> {
    child = spawnExporter([
      '--web.listen-address=127.0.0.1:0',
      `--web.config.file=${webConfig}`,
      `--kubeconfig=${kubeconfig}`,
    ]);
    return `http://${await listeningAddress(child)}`;
  }

  /** Adds a user to the web config and sends SIGHUP; resolves once that user gets in. */
  async function addUserAndHangUp(url: string, user: string): Promise<void> {
    await writeFile(
      webConfig,
      `basic_auth_users:\n  prometheus: ${bcrypt.hashSync('pw', 4)}\n  ${user}: ${bcrypt.hashSync('new', 4)}\n`,
    );
    process.kill(child?.pid ?? 0, 'SIGHUP');
    await eventually(async () => {
      expect(child?.exitCode, child?.output()).to.equal(null);
      expect((await request(`${url}/healthz`, { auth: `${user}:new` })).status).to.equal(200);
    }, 60_000);
  }

  it('keeps serving and re-reads the web config', async () => {
    const url = await start();
    await addUserAndHangUp(url, 'grafana');
    expect(child?.output()).to.contain('re-reading the web config');
    expect(child?.output()).to.contain('web config reloaded');
    expect((await request(`${url}/metrics`, { auth: 'prometheus:pw' })).status).to.equal(200);
    // Still a process that SIGTERM stops cleanly.
    process.kill(child?.pid ?? 0, 'SIGTERM');
    expect(await exitOf(child as NonNullable<typeof child>)).to.deep.equal({ code: 0, signal: null });
  });

  it('a terminal that hung up (its log output gone) does not end it either', async () => {
    const url = await start();
    // The reader of the exporter's stdout and stderr goes away, as a closed terminal does: every log line now fails.
    child?.stdout?.destroy();
    child?.stderr?.destroy();
    await addUserAndHangUp(url, 'grafana');
    await addUserAndHangUp(url, 'alertmanager');
    expect((await request(`${url}/metrics`, { auth: 'prometheus:pw' })).status).to.equal(200);
  });
});
