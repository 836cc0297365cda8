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
  this.timeout(180_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bench-test-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the comparison table and writes a JSON report with every figure', async () => {
    const out = path.join(dir, 'report.json');
    const run = await runBench(['--quick', `--out=${out}`]);
    expect(run.code, run.stderr.slice(-3000)).to.equal(0);
    for (const text of [
      'implementation',
      'netpol-exporter',
      'obvious',
      'list-on-scrape',
      'fresh p99 ms',
      'Ratios',
      'Load: 5 concurrent scrapers',
    ])
      expect(run.stdout).to.contain(text);

    const report = JSON.parse(await readFile(out, 'utf8'));
    expect(report.command).to.equal(`npm run bench -- --quick --out=${out}`);
    expect(report.sizes.map((s: { size: string }) => s.size)).to.deep.equal(['S']);
    // The load step: concurrent scrapers under churn, all answered.
    expect(report.load.scrapers).to.equal(5);
    expect(report.load.scrapes).to.be.greaterThan(0);
    expect(report.load.errors).to.equal(0);
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
        'rssAfterSyncMb',
        'heapAfterSyncMb',
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
    expect(ours.freshness.samples).to.be.greaterThan(0);
    expect(ours.soak.events).to.be.greaterThan(0);
    expect(ours.soak.heapAfterMb).to.be.a('number').and.be.greaterThan(0);
  });
});
