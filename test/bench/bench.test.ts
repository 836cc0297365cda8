// `npm run bench -- --quick` is what CI can afford: it must print the comparison table and write a JSON report a
// script can read. No figure is asserted (these machines are shared and noisy); only that every figure is there.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ROOT } from '../helpers/exporter.ts';
import { runProcess } from '../helpers/run.ts';

function runBench(args: string[]) {
  return runProcess('npm', ['run', '--silent', 'bench', '--', ...args], { cwd: ROOT });
}

describe('npm run bench -- --quick', function () {
  this.timeout(300_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bench-test-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the comparison table and writes a JSON report with every figure', async () => {
    const out = path.join(dir, 'report.json');
    const run = await runBench(['--quick', '--sizes=S,S+services', `--out=${out}`]);
    expect(run.code, run.stderr.slice(-3000)).to.equal(0);
    for (const text of [
      'implementation',
      'netpol-exporter',
      'obvious',
      'list-on-scrape',
      'apply p50/p99 ms',
      'Ratios',
      'Load: 5 concurrent scrapers',
      'Targets (in this run):',
      // The Services variant beside the size it varies, with the ratio of each figure.
      'S+services beside S (the same cluster plus 200 Services, 1 Ingress;',
      'apply p99 (500 events/s)',
      // The names behind other_namespaces, measured in the exposure step.
      'Names behind other_namespaces (reachers) at S',
    ])
      expect(run.stdout).to.contain(text);
    // Every target printed is met or missed with its figure, or says why it was not measured.
    const targets = run.stdout.slice(run.stdout.indexOf('Targets (in this run):')).split('\n').slice(1);
    expect(targets.filter((l) => /^ {2}(met|MISSED|not measured): /.test(l))).to.have.length.greaterThan(1);
    expect(run.stdout).to.match(/S steady RSS \d+ MB < 100 MB/);

    const report = JSON.parse(await readFile(out, 'utf8'));
    expect(report.command).to.equal(`npm run bench -- --quick --sizes=S,S+services --out=${out}`);
    expect(report.sizes.map((s: { size: string }) => s.size)).to.deep.equal(['S', 'S+services']);
    // The children run with production's Node flags (the Dockerfile's and deploy/base's).
    expect(report.nodeFlags.some((f: string) => f.startsWith('--max-semi-space-size='))).to.equal(true);
    // The load step: concurrent scrapers under churn, all answered, the exporter's CPU per scrape measured.
    expect(report.load.scrapers).to.equal(5);
    const [load] = report.load.results;
    expect(load.implementation).to.equal('netpol-exporter');
    expect(load.scrapes).to.be.greaterThan(0);
    expect(load.errors).to.equal(0);
    expect(load.cpuMsPerScrape).to.be.a('number').and.be.greaterThan(0);
    const [size] = report.sizes;
    expect(size.namespaces).to.equal(100);
    expect(size.results.map((r: { implementation: string }) => r.implementation)).to.have.members([
      'netpol-exporter',
      'obvious',
      'list-on-scrape',
    ]);
    for (const r of size.results) {
      for (const key of [
        'readySeconds',
        'rssReadyMb',
        'rssAfterScrapesMb',
        'peakRssMb',
        'rssAfterGcMb',
        'heapAfterGcMb',
        'p50',
        'p99',
        'gzipP50',
        'bytes',
      ])
        expect(r[key], `${r.implementation} ${key}`).to.be.a('number').and.be.greaterThan(0);
    }
    const ours = size.results.find((r: { implementation: string }) => r.implementation === 'netpol-exporter');
    const listing = size.results.find(
      (r: { implementation: string }) => r.implementation === 'list-on-scrape',
    );
    // What a user of the comparison relies on: the exporter asks the API nothing per scrape, list-on-scrape does.
    expect(ours.apiRequestsPerScrape).to.equal(0);
    expect(listing.apiRequestsPerScrape).to.be.greaterThan(0);
    // Every namespace series is there: 104 namespaces (100 seeded and 4 system) in each per-namespace family.
    expect(ours.seriesLines).to.be.greaterThan(104 * 5);
    // Equal samples and warm-up for every implementation.
    expect(
      new Set(size.results.map((r: { scrapes: number; warmup: number }) => `${r.scrapes}+${r.warmup}`)).size,
    ).to.equal(1);
    expect(ours.rssSteadyMb).to.be.a('number').and.be.greaterThan(0);
    expect(ours.freshness.samples).to.be.greaterThan(0);
    expect(ours.freshness.applyP99).to.be.a('number');
    expect(ours.soak.events).to.be.greaterThan(0);
    expect(ours.soak.rssAfterMb).to.be.a('number').and.be.greaterThan(0);

    // S+services: the same cluster with a ClusterIP and a LoadBalancer Service in every namespace and an Ingress
    // per hundred, measured as S is (no baselines: they watch no Services).
    const variant = report.sizes[1];
    expect(variant).to.include({ namespaces: 100, services: 200, ingresses: 1 });
    expect(variant.results.map((r: { implementation: string }) => r.implementation)).to.deep.equal([
      'netpol-exporter',
    ]);
    const [withServices] = variant.results;
    expect(withServices.rssSteadyMb).to.be.a('number').and.be.greaterThan(0);
    expect(withServices.freshness.samples).to.be.greaterThan(0);
    expect(withServices.freshness.applyP99).to.be.a('number');
    // The exporter saw the Services: their namespaces' internet-facing series are on /metrics.
    expect(withServices.seriesLines).to.be.greaterThan(ours.seriesLines);
    const beside = run.stdout.slice(run.stdout.indexOf('S+services beside S'));
    expect(beside).to.match(/RSS steady +MB +\d+ +\d+ +\d+\.\d\dx/);

    // The reachers: a namespace page's names p50/p99, every namespace's names, their bytes.
    const { reachers } = report.exposure;
    expect(reachers.namespaces).to.equal(104);
    for (const key of ['pageP50Ms', 'pageP99Ms', 'allMs', 'pairs', 'bytes'])
      expect(reachers[key], key).to.be.a('number').and.be.greaterThan(0);
  });
});
