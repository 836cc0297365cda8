// Dashboards and alerts built on prom-client's default metrics must keep working when the exporter renders them
// itself: same family names and types, valid text, honest values, and /proc read at most once per interval.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect } from 'chai';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { ProcessMetrics } from '../../src/exposition/process-metrics.ts';
import { eventually, parseExposition } from '../helpers/exposition.ts';
import { expositionProblems, promtoolCheck } from '../helpers/exposition-check.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const GC_COUNT = 'nodejs_gc_duration_seconds_count';

/** `name type` of every family in the text. */
const families = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('# TYPE '))
    .map((l) => l.slice('# TYPE '.length))
    .sort();

describe('process metrics', () => {
  const metrics: ProcessMetrics[] = [];
  const make = (...args: ConstructorParameters<typeof ProcessMetrics>) => {
    const m = new ProcessMetrics(...args);
    metrics.push(m);
    return m;
  };
  after(() => {
    for (const m of metrics) m.stop();
  });

  it("has prom-client's default families, less the three `_total` gauges promtool rejects", async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ])
      registry.removeSingleMetric(name);
    gc(); // a GC so that both render the histogram's series
    const ours = make();
    gc();
    // GC entries reach each observer asynchronously: wait until both have seen one, whatever the machine's load.
    await eventually(async () => {
      expect(ours.text()).to.contain(GC_COUNT);
      expect(await registry.metrics()).to.contain(GC_COUNT);
    });
    expect(families(ours.text())).to.deep.equal(families(await registry.metrics()));
    registry.clear();
  });

  it('renders text that the strict reader and promtool accept', async () => {
    const m = make();
    gc();
    await eventually(() => expect(m.text()).to.contain(GC_COUNT)); // the GC entry arrives asynchronously
    const text = m.text();
    expect(expositionProblems(text)).to.deep.equal([]);
    const promtool = promtoolCheck(text);
    expect(promtool.ok, promtool.output).to.equal(true);
  });

  it('reports what the process really uses', async () => {
    const m = make();
    gc();
    await eventually(() => expect(m.text()).to.contain(GC_COUNT)); // the GC entry arrives asynchronously
    const series = parseExposition(m.text());
    const memory = process.memoryUsage();
    const rss = series.get('process_resident_memory_bytes') ?? 0;
    expect(rss).to.be.within(memory.rss * 0.5, memory.rss * 1.5);
    expect(series.get('nodejs_heap_size_total_bytes')).to.be.greaterThan(0);
    expect(series.get('process_cpu_seconds_total')).to.be.within(0.001, process.uptime() * 8);
    expect(series.get('process_open_fds')).to.be.greaterThan(2);
    expect(series.get('process_start_time_seconds')).to.be.within(
      Date.now() / 1000 - process.uptime() - 2,
      Date.now() / 1000,
    );
    const gcCount = [...series]
      .filter(([k]) => k.startsWith('nodejs_gc_duration_seconds_count'))
      .reduce((n, [, v]) => n + v, 0);
    expect(gcCount).to.be.at.least(1);
    expect(
      series.get(
        `nodejs_version_info{version="${process.version}",major="${process.versions.node.split('.')[0]}",minor="${process.versions.node.split('.')[1]}",patch="${process.versions.node.split('.')[2]}"}`,
      ),
    ).to.equal(1);
  });

  it('reads /proc/self/fd at most once per interval however often it is scraped', () => {
    let now = 0;
    let reads = 0;
    const m = make({
      procIntervalMs: 1000,
      now: () => now,
      countOpenFds: () => {
        reads++;
        return 7 + reads;
      },
    });
    for (let i = 0; i < 500; i++) {
      now += 1; // 500 scrapes in half a second
      expect(parseExposition(m.text()).get('process_open_fds')).to.equal(8);
    }
    expect(reads).to.equal(1);
    now += 1000;
    expect(parseExposition(m.text()).get('process_open_fds')).to.equal(9);
    expect(reads).to.equal(2);
  });

  it('costs a fraction of what prom-client costs per scrape', async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const m = make();
    // One call per macrotask, as scrapes are: both queue a setImmediate per call to measure event-loop lag.
    const tick = () => new Promise((resolve) => setImmediate(resolve));
    const time = async (fn: () => unknown) => {
      for (let i = 0; i < 50; i++) await Promise.all([fn(), tick()]);
      const t0 = process.cpuUsage();
      for (let i = 0; i < 500; i++) await Promise.all([fn(), tick()]);
      const t = process.cpuUsage(t0);
      return t.user + t.system;
    };
    const theirs = await time(() => registry.metrics());
    const ours = await time(() => m.text());
    registry.clear();
    // Measured here: about an eighth. Asserting half leaves room for a busy machine.
    expect(ours).to.be.lessThan(theirs / 2);
  });
});
