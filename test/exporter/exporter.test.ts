// The exporter against the simulated API server, over HTTPS with a token: what a user sees on /metrics.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { expect } from 'chai';
import { EXPORTER_PERMISSIONS } from '../../src/cli/demo.ts';
import { demoCluster } from '../../src/cli/demo-cluster.ts';
import type { CoverageReport } from '../../src/report/coverage-report.ts';
import {
  exitOf,
  exporterFor,
  namespaceSeries,
  spawnExporter,
  type TestExporter,
  truth,
} from '../helpers/exporter.ts';
import { eventually, parseExposition, seriesWithPrefix } from '../helpers/exposition.ts';

const policy = (namespace: string, name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace },
  spec,
});
const namespace = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

async function value(exporter: TestExporter, series: string): Promise<number | undefined> {
  return parseExposition(await exporter.scrape()).get(series);
}

function counter(text: string, name: string, labels: string): number {
  return parseExposition(text).get(`${name}{${labels}}`) ?? 0;
}

describe('exporter against the simulator', function () {
  this.timeout(120_000);
  let sim: SimulatedCluster;
  let exporter: TestExporter;

  before(async () => {
    sim = await SimulatedCluster.start({ namespaceDeletionDelayMs: 100, bookmarkIntervalMs: 500 });
    for (const obj of demoCluster()) sim.create(obj);
    exporter = await exporterFor(sim);
    await eventually(() => expect(exporter.exporter.readiness().ready).to.equal(true), 60_000);
  });
  after(async () => {
    await exporter?.dispose();
    await sim?.stop();
  });

  const converged = (timeoutMs = 60_000) =>
    eventually(async () => expect(await namespaceSeries(exporter)).to.deep.equal(truth(sim)), timeoutMs);

  it('serves the initial state of every namespace', async () => {
    await converged();
    expect(await value(exporter, 'netpol_namespace_covered{namespace="kube-system"}')).to.equal(0);
    expect(await value(exporter, 'netpol_namespace_covered{namespace="payments"}')).to.equal(1);
    expect(
      await value(exporter, 'netpol_namespace_default_deny{namespace="payments",direction="egress"}'),
    ).to.equal(1);
    expect(
      await value(exporter, 'netpol_namespace_default_deny{namespace="frontend",direction="egress"}'),
    ).to.equal(0);
    const ready = await fetch(`${exporter.http.url}/readyz`);
    expect(ready.status).to.equal(200);
  });

  it('shows a policy added, changed and deleted within 1 second each', async () => {
    sim.create(
      policy('legacy-billing', 'lockdown', {
        podSelector: { matchLabels: { app: 'x' } },
        policyTypes: ['Ingress'],
      }),
    );
    await eventually(
      async () =>
        expect(await value(exporter, 'netpol_namespace_covered{namespace="legacy-billing"}')).to.equal(1),
      1000,
    );
    const current = sim.get('networkpolicies', 'legacy-billing', 'lockdown') as {
      spec: Record<string, unknown>;
    };
    sim.update({ ...current, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } });
    await eventually(
      async () =>
        expect(
          await value(
            exporter,
            'netpol_namespace_default_deny{namespace="legacy-billing",direction="egress"}',
          ),
        ).to.equal(1),
      1000,
    );
    sim.delete('networkpolicies', 'legacy-billing', 'lockdown');
    await eventually(
      async () =>
        expect(await value(exporter, 'netpol_namespace_covered{namespace="legacy-billing"}')).to.equal(0),
      1000,
    );
  });

  it('shows a namespace created, then Terminating, then gone', async () => {
    sim.create(namespace('brand-new'));
    await eventually(
      async () =>
        expect(await value(exporter, 'netpol_namespace_covered{namespace="brand-new"}')).to.equal(0),
      60_000,
    );
    sim.delete('namespaces', undefined, 'brand-new');
    await eventually(
      async () =>
        expect(
          await value(exporter, 'netpol_namespace_status_phase{namespace="brand-new",phase="Terminating"}'),
        ).to.equal(1),
      60_000,
    );
    await eventually(
      async () =>
        expect(await value(exporter, 'netpol_namespace_covered{namespace="brand-new"}')).to.equal(undefined),
      60_000,
    );
  });

  it('resumes after its watches are closed, without relisting', async () => {
    const before = await exporter.scrape();
    sim.faults.closeWatches();
    sim.create(policy('sandbox-bob', 'deny', { podSelector: {} }));
    await converged();
    const after = await exporter.scrape();
    const lists = (t: string) =>
      counter(t, 'netpol_exporter_api_requests_total', 'resource="networkpolicies",verb="list",code="200"');
    expect(lists(after)).to.equal(lists(before));
    expect(
      counter(after, 'netpol_exporter_watch_restarts_total', 'resource="networkpolicies",reason="closed"'),
    ).to.be.greaterThan(
      counter(before, 'netpol_exporter_watch_restarts_total', 'resource="networkpolicies",reason="closed"'),
    );
  });

  it('relists after a 410 and reconciles deletions made while it was disconnected', async () => {
    const before = await exporter.scrape();
    sim.faults.refuseConnections(true);
    sim.faults.closeWatches();
    await eventually(async () =>
      expect(await value(exporter, 'netpol_exporter_watch_up{resource="networkpolicies"}')).to.equal(0),
    );
    sim.delete('networkpolicies', 'sandbox-bob', 'deny');
    sim.delete('networkpolicies', 'team-01', 'default-deny-all');
    sim.faults.forgetHistory();
    sim.faults.refuseConnections(false);
    await converged();
    const after = await exporter.scrape();
    expect(await value(exporter, 'netpol_namespace_covered{namespace="sandbox-bob"}')).to.equal(0);
    const lists = (t: string) =>
      counter(t, 'netpol_exporter_api_requests_total', 'resource="networkpolicies",verb="list",code="200"');
    expect(lists(after)).to.be.greaterThan(lists(before));
  });

  it('recovers from bursts of 500 and 429 (honouring Retry-After), counting each reason', async () => {
    sim.faults.failNext(4, { status: 500 });
    sim.faults.closeWatches();
    sim.create(policy('sandbox-alice', 'deny', { podSelector: {} }));
    await converged();
    sim.faults.failNext(3, { status: 429, retryAfterSeconds: 1 });
    sim.faults.closeWatches();
    sim.delete('networkpolicies', 'sandbox-alice', 'deny');
    await converged();
    const text = await exporter.scrape();
    // Summed over every watch: the failures go to whichever requests come next, and the exporter also watches
    // Services and Ingresses (and discovers policy kinds), so which watch counts them is a race.
    const reasons = ['server_error', 'throttled'].map((reason) =>
      [...parseExposition(text)]
        .filter(
          ([key]) =>
            key.startsWith('netpol_exporter_watch_restarts_total{') && key.includes(`reason="${reason}"`),
        )
        .reduce((sum, [, n]) => sum + n, 0),
    );
    expect(reasons[0]).to.be.greaterThan(0);
    expect(reasons[1]).to.be.greaterThan(0);
  });

  it('says its data is stale while the API server refuses connections, then catches up', async () => {
    sim.faults.refuseConnections(true);
    sim.faults.closeWatches();
    await eventually(async () => {
      const text = await exporter.scrape();
      expect(parseExposition(text).get('netpol_exporter_watch_up{resource="namespaces"}')).to.equal(0);
      expect(
        parseExposition(text).get('netpol_exporter_cache_stale_seconds{resource="namespaces"}'),
      ).to.be.greaterThan(0);
    }, 60_000);
    sim.create(namespace('made-while-away'));
    // /metrics keeps answering with the last known values while the API is away.
    expect(await value(exporter, 'netpol_namespace_covered{namespace="payments"}')).to.equal(1);
    sim.faults.refuseConnections(false);
    await converged();
    expect(await value(exporter, 'netpol_exporter_watch_up{resource="namespaces"}')).to.equal(1);
  });

  it('reopens a stalled watch', async () => {
    const before = await exporter.scrape();
    sim.faults.stallWatches(true);
    const reason = 'resource="namespaces",reason="stalled"';
    await eventually(
      async () =>
        expect(
          counter(await exporter.scrape(), 'netpol_exporter_watch_restarts_total', reason),
        ).to.be.greaterThan(counter(before, 'netpol_exporter_watch_restarts_total', reason)),
      60_000,
    );
    sim.faults.stallWatches(false);
    sim.create(namespace('after-stall'));
    await converged();
  });

  it('passes promtool check metrics', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'netpol-promtool-'));
    try {
      const file = join(dir, 'scrape.txt');
      await writeFile(file, await exporter.scrape());
      const result = spawnSync('sh', ['-c', `promtool check metrics < ${file}`], { encoding: 'utf8' });
      expect(result.stdout + result.stderr).to.equal('');
      expect(result.status).to.equal(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('exporter starting without the API server, or without permission', function () {
  this.timeout(120_000);
  let sim: SimulatedCluster;
  before(async () => {
    sim = await SimulatedCluster.start({});
    for (const obj of demoCluster()) sim.create(obj);
  });
  after(async () => sim?.stop());

  it('is alive but not ready while the API server is down, and syncs when it comes back', async () => {
    sim.faults.refuseConnections(true);
    const exporter = await exporterFor(sim);
    try {
      await eventually(async () => {
        const text = await exporter.scrape();
        expect(
          counter(
            text,
            'netpol_exporter_api_requests_total',
            'resource="namespaces",verb="list",code="error"',
          ),
        ).to.be.greaterThan(1);
      });
      const ready = await fetch(`${exporter.http.url}/readyz`);
      expect(ready.status).to.equal(503);
      expect(await ready.text()).to.match(/not ready: namespaces cache not synced/);
      expect((await fetch(`${exporter.http.url}/healthz`)).status).to.equal(200);
      expect(await value(exporter, 'netpol_exporter_cache_synced{resource="namespaces"}')).to.equal(0);
      sim.faults.refuseConnections(false);
      await eventually(
        async () => expect((await fetch(`${exporter.http.url}/readyz`)).status).to.equal(200),
        60_000,
      );
      await eventually(async () => expect(await namespaceSeries(exporter)).to.deep.equal(truth(sim)));
    } finally {
      await exporter.dispose();
    }
  });

  it('logs a clear reason for 403, keeps retrying without a storm, and recovers when permission is granted', async () => {
    sim.addToken('limited', [{ resource: 'namespaces', verbs: ['list', 'watch'] }]);
    const exporter = await exporterFor(sim, { token: 'limited' });
    try {
      await eventually(() =>
        expect(exporter.logs.join('')).to.match(/forbidden.*networkpolicies.*needs list and watch/),
      );
      const ready = await fetch(`${exporter.http.url}/readyz`);
      expect(ready.status).to.equal(503);
      expect(await ready.text()).to.contain('networkpolicies cache not synced');
      // Policies it cannot read are not a verdict: no covered 0 (nor policy counts) for namespaces it cannot judge,
      // and each namespace names the unread source.
      const unjudged = seriesWithPrefix(await exporter.scrape(), 'netpol_namespace_');
      const families = new Set([...unjudged.keys()].map((key) => key.slice(0, key.indexOf('{'))));
      expect(families.has('netpol_namespace_covered')).to.equal(false);
      expect(families.has('netpol_namespace_network_policies')).to.equal(false);
      expect(families.has('netpol_namespace_default_deny')).to.equal(false);
      expect(unjudged.get('netpol_namespace_status_phase{namespace="payments",phase="Active"}')).to.equal(1);
      expect(
        unjudged.get('netpol_namespace_protection_unknown{namespace="payments",source="networkpolicy"}'),
      ).to.equal(1);
      await new Promise((r) => setTimeout(r, 1500)); // the window the request count below is measured over
      const text = await exporter.scrape();
      const denied = counter(
        text,
        'netpol_exporter_api_requests_total',
        'resource="networkpolicies",verb="list",code="403"',
      );
      // Backoff from 50 ms doubling to 400 ms: a handful in 1.5 s, not hundreds.
      expect(denied).to.be.within(2, 15);
      sim.setPermissions('limited', EXPORTER_PERMISSIONS);
      await eventually(
        async () => expect((await fetch(`${exporter.http.url}/readyz`)).status).to.equal(200),
        60_000,
      );
      await eventually(async () => expect(await namespaceSeries(exporter)).to.deep.equal(truth(sim)));
    } finally {
      await exporter.dispose();
    }
  });
});

describe('exporter process', function () {
  this.timeout(120_000);
  let sim: SimulatedCluster;
  let dir: string;
  before(async () => {
    sim = await SimulatedCluster.start({});
    for (const obj of demoCluster()) sim.create(obj);
    dir = await mkdtemp(join(tmpdir(), 'netpol-proc-'));
  });
  after(async () => {
    await sim?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('stops on SIGTERM within 5 seconds with exit code 0, and never logs its token', async () => {
    const token = 'secret-token-that-must-not-leak-123';
    sim.addToken(token, EXPORTER_PERMISSIONS);
    const kubeconfig = join(dir, 'kc');
    await sim.writeKubeconfig(kubeconfig, { token });
    const child = spawnExporter(['--web.listen-address=127.0.0.1:0', '--log.level=debug'], {
      KUBECONFIG: kubeconfig,
    });
    try {
      const url = await eventually(() => {
        const match = /url=(http:\/\/127\.0\.0\.1:\d+)/.exec(child.output());
        if (!match?.[1]) throw new Error(`no url yet: ${child.output()}`);
        return match[1];
        // A process compiling its TypeScript on start takes long on a loaded machine.
      }, 60_000);
      await eventually(async () => expect((await fetch(`${url}/readyz`)).status).to.equal(200), 60_000);
      const started = Date.now();
      child.kill('SIGTERM');
      const exit = await exitOf(child);
      expect(exit.code).to.equal(0);
      expect(Date.now() - started).to.be.below(5000);
      expect(child.output()).to.contain('shutting down');
      expect(child.output()).not.to.contain(token);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('exits 2 with a one-line reason on a bad flag', async () => {
    const child = spawnExporter(['--web.listen-address=nonsense']);
    const exit = await exitOf(child);
    expect(exit.code).to.equal(2);
    expect(child.output()).to.match(
      /^netpol-exporter: --web.listen-address takes host:port or :port, not "nonsense"\n$/,
    );
  });
});

describe('every output says when its data cannot be trusted', function () {
  this.timeout(120_000);
  const covered = (name: string) => [
    namespace(name),
    policy(name, 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
  ];
  const outputs = async (exporter: TestExporter) => {
    const page = await (await fetch(`${exporter.http.url}/`)).text();
    const api = await fetch(`${exporter.http.url}/api/v1/namespaces`);
    const readyz = await fetch(`${exporter.http.url}/readyz`);
    return {
      badge: /id="result">([A-Z]+)</.exec(page)?.[1],
      page,
      apiStatus: api.status,
      report: (await api.json()) as CoverageReport,
      readyz: { status: readyz.status, body: await readyz.text() },
    };
  };

  it('API server unreachable from the start: UNKNOWN, passed false, 503; PASS once synced', async () => {
    const sim = await SimulatedCluster.start({ systemNamespaces: false });
    for (const obj of covered('shop')) sim.create(obj);
    sim.faults.refuseConnections(true);
    const exporter = await exporterFor(sim);
    try {
      await eventually(async () => {
        const out = await outputs(exporter);
        expect(out.report.stateReasons.join()).to.match(/namespaces cache not synced \(last error: /);
      });
      const out = await outputs(exporter);
      expect(out.badge).to.equal('UNKNOWN');
      expect(out.page).not.to.contain('PASS');
      expect(out.page).to.contain('data-state="unknown"');
      expect(out.apiStatus).to.equal(200);
      expect(out.report).to.deep.include({ passed: false, result: 'unknown', state: 'unknown' });
      expect(out.report.source).to.deep.equal({ mode: 'exporter', ready: false });
      expect(out.readyz.status).to.equal(503);

      sim.faults.refuseConnections(false);
      await eventually(async () => expect((await outputs(exporter)).badge).to.equal('PASS'), 60_000);
      const synced = await outputs(exporter);
      expect(synced.report).to.deep.include({
        passed: true,
        result: 'pass',
        state: 'complete',
        stateReasons: [],
      });
      expect(synced.readyz).to.deep.equal({ status: 200, body: 'ok\n' });
    } finally {
      await exporter.dispose();
      await sim.stop();
    }
  });

  it('a watch down longer than its stall timeout: INCOMPLETE everywhere, ready still, until it is back', async () => {
    const sim = await SimulatedCluster.start({ systemNamespaces: false });
    for (const obj of covered('shop')) sim.create(obj);
    const exporter = await exporterFor(sim);
    try {
      await eventually(async () => expect((await outputs(exporter)).badge).to.equal('PASS'), 60_000);
      sim.faults.refuseConnections(true);
      sim.faults.closeWatches();
      // The test exporter's --watch.stall-timeout is 2s.
      await eventually(async () => expect((await outputs(exporter)).badge).to.equal('INCOMPLETE'), 60_000);
      const out = await outputs(exporter);
      expect(out.report).to.deep.include({ passed: false, result: 'incomplete', state: 'incomplete' });
      expect(out.report.stateReasons.join()).to.match(
        /watch has been down for \d+s, longer than --watch.stall-timeout \(2s\)/,
      );
      expect(out.page).to.contain('Data incomplete: the verdicts below may be wrong.');
      expect(out.readyz.status).to.equal(200);
      expect(out.readyz.body).to.match(/^ok, data incomplete: the \w+ watch has been down/);
      sim.faults.refuseConnections(false);
      await eventually(async () => expect((await outputs(exporter)).badge).to.equal('PASS'), 60_000);
    } finally {
      await exporter.dispose();
      await sim.stop();
    }
  });

  it('a counted source RBAC forbids: INCOMPLETE and says which; not counted, it does not matter', async () => {
    const sim = await SimulatedCluster.start({
      systemNamespaces: false,
      enabledKinds: ['globalnetworkpolicies.crd.projectcalico.org'],
    });
    for (const obj of covered('shop')) sim.create(obj);
    sim.create(namespace('bare'));
    const trimmed = EXPORTER_PERMISSIONS.filter((p) => p.group !== 'crd.projectcalico.org');
    sim.addToken('no-calico', trimmed);
    const counting = await exporterFor(sim, { token: 'no-calico' });
    const literal = await exporterFor(sim, {
      token: 'no-calico',
      args: ['--coverage-sources=networkpolicy'],
    });
    try {
      await eventually(async () => expect((await outputs(counting)).badge).to.equal('INCOMPLETE'), 60_000);
      const out = await outputs(counting);
      expect(out.report.stateReasons).to.have.length(1);
      expect(out.report.stateReasons[0]).to.match(
        /^calico_globalnetworkpolicy counts toward coverage but RBAC forbids reading it/,
      );
      expect(out.readyz.body).to.match(/^ok, data incomplete: calico_globalnetworkpolicy/);
      // A GlobalNetworkPolicy it cannot read may protect 'bare': no verdict for it, and the unread source named;
      // 'shop' is covered by what it read.
      const series = parseExposition(await counting.scrape());
      expect(series.get('netpol_namespace_covered{namespace="shop"}')).to.equal(1);
      expect(series.has('netpol_namespace_covered{namespace="bare"}')).to.equal(false);
      expect(
        series.get(
          'netpol_namespace_protection_unknown{namespace="bare",source="calico_globalnetworkpolicy"}',
        ),
      ).to.equal(1);
      expect(out.report.namespaces.find((ns) => ns.name === 'bare')?.unknown).to.deep.equal([
        'calico_globalnetworkpolicy',
      ]);
      await eventually(async () => expect((await outputs(literal)).badge).to.equal('FAIL'), 60_000);
      // Not counted, it does not matter: 'bare' is plainly uncovered.
      expect(await value(literal, 'netpol_namespace_covered{namespace="bare"}')).to.equal(0);
    } finally {
      await Promise.all([counting.dispose(), literal.dispose()]);
      await sim.stop();
    }
  });
});
