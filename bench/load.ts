// Load: 50 concurrent scrapers for 30 s against an exporter watching 10,000 namespaces while churn continues.
// Figures: scrapes and errors, scrape latency, and freshness (API write to the first scrape that shows it) measured
// during the load, which is where an event-handling stall would show.
//   node_modules/.bin/node --import tsx bench/load.ts [--scrapers=50] [--seconds=30] [--namespaces=10000]
// `runLoad()` is exported for bench/run.ts.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { Agent, request } from 'undici';
import { EXPORTER_PERMISSIONS } from '../src/cli/demo.ts';
import { cpuSeconds, rssBytes } from './process.ts';
import { percentile } from './scrape.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface LoadOptions {
  scrapers: number;
  seconds: number;
  namespaces: number;
  policiesPerNamespace: number;
  churnPerSecond: number;
}

export interface LoadResult extends LoadOptions {
  scrapes: number;
  errors: number;
  errorSamples: string[];
  scrapesPerSecond: number;
  scrapeMs: { p50: number; p99: number; max: number };
  bodyBytes: number;
  freshnessMs: { samples: number; p50: number; p99: number; max: number; missed: number };
  exporterRssMb: number;
  exporterCpuSeconds: number;
}

export const DEFAULT_LOAD: LoadOptions = {
  scrapers: 50,
  seconds: 30,
  namespaces: 10_000,
  policiesPerNamespace: 5,
  churnPerSecond: 100,
};

export async function runLoad(
  options: LoadOptions = DEFAULT_LOAD,
  log = (m: string) => console.error(m),
): Promise<LoadResult> {
  const sim = await SimulatedCluster.start({ historyLimit: 50_000 });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'netpol-load-'));
  const token = 'load-exporter';
  sim.addToken(token, EXPORTER_PERMISSIONS);
  sim.seedScale({ namespaces: options.namespaces, policiesPerNamespace: options.policiesPerNamespace });
  const kubeconfig = path.join(dir, 'kubeconfig');
  await sim.writeKubeconfig(kubeconfig, { token });
  // The exporter in its own process, so the scrapers' and the simulator's work is not charged to it.
  const child = spawn(
    path.join(ROOT, 'node_modules/.bin/node'),
    ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), '--web.listen-address=127.0.0.1:0'],
    {
      env: { ...process.env, KUBECONFIG: kubeconfig },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const agent = new Agent({ connections: options.scrapers, keepAliveTimeout: 60_000 });
  try {
    let url = '';
    for (const deadline = Date.now() + 60_000; !url; await sleep(100)) {
      url = /url=(?:")?(http:\/\/[^\s"]+)/.exec(output)?.[1] ?? '';
      if (Date.now() > deadline) throw new Error(`exporter did not start:\n${output}`);
    }
    const get = async (accept = 'gzip') => {
      const res = await request(`${url}/metrics`, {
        dispatcher: agent,
        headers: { 'accept-encoding': accept },
      });
      const body = Buffer.from(await res.body.arrayBuffer());
      return { status: res.statusCode, body };
    };
    // Ready: every seeded namespace is in the exposition.
    for (const deadline = Date.now() + 120_000; ; await sleep(250)) {
      const { body } = await get('identity');
      const seen = body.toString().split('\nnetpol_namespace_covered{').length - 1;
      if (seen >= options.namespaces) break;
      if (Date.now() > deadline) throw new Error(`only ${seen} namespaces after 120 s`);
    }
    log(
      `load: exporter ready with ${options.namespaces} namespaces; ${options.scrapers} scrapers for ${options.seconds} s`,
    );
    sim.startChurn({ eventsPerSecond: options.churnPerSecond, seed: 42 });
    const cpu0 = cpuSeconds(child.pid ?? 0);

    const latencies: number[] = [];
    const errorSamples: string[] = [];
    let errors = 0;
    let bodyBytes = 0;
    const end = Date.now() + options.seconds * 1000;
    const scraper = async () => {
      while (Date.now() < end) {
        const started = performance.now();
        try {
          const { status, body } = await get();
          latencies.push(performance.now() - started);
          bodyBytes = body.length;
          if (status !== 200) {
            errors++;
            if (errorSamples.length < 5) errorSamples.push(`status ${status}`);
          }
        } catch (err) {
          errors++;
          if (errorSamples.length < 5) errorSamples.push((err as Error).message);
        }
      }
    };
    // Freshness under load: a marker namespace is created every second; the time until a scrape shows it.
    const freshness: number[] = [];
    let missed = 0;
    const marker = async () => {
      for (let i = 0; Date.now() < end - 2000; i++) {
        const name = `load-marker-${i}`;
        const created = performance.now();
        sim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
        let seen = false;
        while (!seen && performance.now() - created < 10_000) {
          const { body } = await get('identity');
          seen = body.toString().includes(`netpol_namespace_covered{namespace="${name}"}`);
          if (!seen) await sleep(20);
        }
        if (seen) freshness.push(performance.now() - created);
        else missed++;
        await sleep(1000);
      }
    };
    const started = performance.now();
    await Promise.all([...Array.from({ length: options.scrapers }, scraper), marker()]);
    const elapsed = (performance.now() - started) / 1000;
    sim.stopChurn();
    const result: LoadResult = {
      ...options,
      scrapes: latencies.length,
      errors,
      errorSamples,
      scrapesPerSecond: latencies.length / elapsed,
      scrapeMs: {
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: Math.max(...latencies),
      },
      bodyBytes,
      freshnessMs: {
        samples: freshness.length,
        p50: percentile(freshness, 50),
        p99: percentile(freshness, 99),
        max: Math.max(...freshness),
        missed,
      },
      exporterRssMb: rssBytes(child.pid ?? 0) / 1e6,
      exporterCpuSeconds: cpuSeconds(child.pid ?? 0) - cpu0,
    };
    return result;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await agent.close();
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatLoad(r: LoadResult): string {
  const f = (n: number) => n.toFixed(1);
  return [
    `Load: ${r.scrapers} concurrent scrapers (gzip), ${r.seconds} s, ${r.namespaces} namespaces x ${r.policiesPerNamespace} policies, churn ${r.churnPerSecond} events/s`,
    `  scrapes ${r.scrapes} (${f(r.scrapesPerSecond)}/s), errors ${r.errors}${r.errorSamples.length ? ` (${r.errorSamples.join('; ')})` : ''}`,
    `  scrape latency p50 ${f(r.scrapeMs.p50)} ms, p99 ${f(r.scrapeMs.p99)} ms, max ${f(r.scrapeMs.max)} ms; body ${(r.bodyBytes / 1024).toFixed(0)} KiB gzip`,
    `  freshness under load (API write to first scrape showing it): p50 ${f(r.freshnessMs.p50)} ms, p99 ${f(r.freshnessMs.p99)} ms, max ${f(r.freshnessMs.max)} ms, ${r.freshnessMs.samples} samples, ${r.freshnessMs.missed} missed (>10 s)`,
    `  exporter RSS ${f(r.exporterRssMb)} MB, CPU ${f(r.exporterCpuSeconds)} s during the load`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const options: LoadOptions = {
    ...DEFAULT_LOAD,
    ...(arg('scrapers') ? { scrapers: Number(arg('scrapers')) } : {}),
    ...(arg('seconds') ? { seconds: Number(arg('seconds')) } : {}),
    ...(arg('namespaces') ? { namespaces: Number(arg('namespaces')) } : {}),
  };
  const result = await runLoad(options);
  console.log(formatLoad(result));
  process.exitCode = result.errors === 0 && result.freshnessMs.missed === 0 ? 0 : 1;
}
