// Load: 50 concurrent gzip scrapers for 30 s against the compiled exporter (production flags) watching 10,000
// namespaces while balanced churn continues. The exporter is pinned to one CPU and the load generator (its own
// process, bodies discarded) to the other when taskset is there, so scrapes per second are "on one core".
// Figures: scrapes per second, latency, the exporter's CPU per scrape, and its apply latency under load (API write
// to the start of the first scrape that shows it, probed on a connection of its own).

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { EXPORTER_PERMISSIONS } from '../src/cli/demo.ts';
import { canPin, cpuSeconds, peakRssBytes, rssBytes, startChild } from './process.ts';
import type { Production } from './production-flags.ts';
import { percentile, ScrapeClient } from './scrape.ts';
import { soak } from './soak.ts';

export interface LoadOptions {
  scrapers: number;
  seconds: number;
  namespaces: number;
  policiesPerNamespace: number;
  churnPerSecond: number;
}

export const DEFAULT_LOAD: LoadOptions = {
  scrapers: 50,
  seconds: 30,
  namespaces: 10_000,
  policiesPerNamespace: 5,
  churnPerSecond: 100,
};

export interface LoadTarget {
  /** Shown in the report: netpol-exporter, or netpol-exporter@<revision>. */
  name: string;
  main: string;
}

export interface LoadResult {
  implementation: string;
  pinned: boolean;
  scrapes: number;
  errors: number;
  errorSamples: string[];
  scrapesPerSecond: number;
  scrapeMs: { p50: number; p99: number; max: number };
  bodyBytes: number;
  /** Exporter CPU (user + system) during the load divided by scrapes served. */
  cpuMsPerScrape: number;
  exporterCpuSeconds: number;
  apply: { samples: number; p50: number; p99: number; max: number; missed: number };
  exporterRssMb: number;
  exporterPeakRssMb: number;
  loadAverage: number[];
}

export interface LoadReport extends LoadOptions {
  results: LoadResult[];
}

interface GeneratorOutput {
  scrapes: number;
  errors: number;
  errorSamples: string[];
  elapsedSeconds: number;
  bodyBytes: number;
  p50: number;
  p99: number;
  max: number;
}

function runGenerator(script: string, url: string, o: LoadOptions): Promise<GeneratorOutput> {
  const argv = [script, `${url}/metrics`, String(o.scrapers), String(o.seconds)];
  const pinned = canPin();
  const proc = spawn(
    pinned ? 'taskset' : process.execPath,
    pinned ? ['-c', '1', process.execPath, ...argv] : argv,
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    },
  );
  let out = '';
  let err = '';
  proc.stdout?.on('data', (d) => (out += d));
  proc.stderr?.on('data', (d) => (err += d));
  return new Promise((resolve, reject) =>
    proc.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as GeneratorOutput)
        : reject(new Error(`load generator: ${code}\n${err}`)),
    ),
  );
}

export async function runLoad(
  targets: LoadTarget[],
  generatorScript: string,
  prod: Production,
  options: LoadOptions = DEFAULT_LOAD,
  log = (m: string) => console.error(m),
): Promise<LoadReport> {
  const sim = await SimulatedCluster.start({ historyLimit: 50_000 });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'netpol-load-'));
  const probe = new ScrapeClient(1);
  const results: LoadResult[] = [];
  try {
    const token = 'load-exporter';
    sim.addToken(token, EXPORTER_PERMISSIONS);
    sim.seedScale({ namespaces: options.namespaces, policiesPerNamespace: options.policiesPerNamespace });
    const kubeconfig = path.join(dir, 'kubeconfig');
    await sim.writeKubeconfig(kubeconfig, { token });
    const namespaces = sim
      .list('namespaces')
      .map((n) => n.metadata.name ?? '')
      .filter((n) => n.startsWith('ns-'));
    for (const target of targets) {
      const child = await startChild(
        target.main,
        ['serve', `--kubeconfig=${kubeconfig}`, '--web.listen-address=127.0.0.1:0'],
        { ...prod, cpu: 0 },
      );
      try {
        // Ready: every seeded namespace is in the exposition.
        for (const deadline = performance.now() + 180_000; ; await sleep(250)) {
          const r = await probe.scrape(`${child.url}/metrics`);
          const seen = r.body.toString().split('\nnetpol_namespace_covered{').length - 1;
          if (seen >= options.namespaces) break;
          if (performance.now() > deadline)
            throw new Error(`${target.name}: only ${seen} namespaces after 180 s`);
        }
        log(`load: ${target.name} ready; ${options.scrapers} scrapers for ${options.seconds} s`);
        const controller = new AbortController();
        const churn = soak(sim, {
          events: Number.MAX_SAFE_INTEGER,
          eventsPerSecond: options.churnPerSecond,
          namespaces,
          signal: controller.signal,
          tag: target.name.replace(/[^a-z0-9]/g, ''),
        });
        const cpu0 = cpuSeconds(child.pid);
        const generated = runGenerator(generatorScript, child.url, options);
        // Apply latency under load: a marker namespace every second, probed back to back on its own connection.
        const apply: number[] = [];
        let missed = 0;
        const end = performance.now() + options.seconds * 1000 - 2000;
        for (let i = 0; performance.now() < end; i++) {
          const name = `load-marker-${target.name.replace(/[^a-z0-9]/g, '')}-${i}`;
          const needle = Buffer.from(`netpol_namespace_covered{namespace="${name}"}`);
          const written = performance.now();
          sim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
          let seenAt: number | undefined;
          while (seenAt === undefined && performance.now() - written < 10_000) {
            const r = await probe.scrape(`${child.url}/metrics`);
            if (r.body.includes(needle)) seenAt = r.startedAt;
          }
          if (seenAt === undefined) missed++;
          else apply.push(Math.max(0, seenAt - written));
          sim.delete('namespaces', undefined, name);
          await sleep(1000);
        }
        const g = await generated;
        const cpu = cpuSeconds(child.pid) - cpu0;
        controller.abort();
        const churned = await churn;
        if (churned.failed > churned.events / 10)
          throw new Error(`churn: ${churned.failed} of ${churned.events} writes failed`);
        results.push({
          implementation: target.name,
          pinned: canPin(),
          scrapes: g.scrapes,
          errors: g.errors,
          errorSamples: g.errorSamples,
          scrapesPerSecond: g.scrapes / g.elapsedSeconds,
          scrapeMs: { p50: g.p50, p99: g.p99, max: g.max },
          bodyBytes: g.bodyBytes,
          cpuMsPerScrape: g.scrapes > 0 ? (cpu / g.scrapes) * 1000 : Number.NaN,
          exporterCpuSeconds: cpu,
          apply: {
            samples: apply.length,
            p50: percentile(apply, 50),
            p99: percentile(apply, 99),
            max: apply.length ? Math.max(...apply) : Number.NaN,
            missed,
          },
          exporterRssMb: rssBytes(child.pid) / 1024 / 1024,
          exporterPeakRssMb: peakRssBytes(child.pid) / 1024 / 1024,
          loadAverage: os.loadavg(),
        });
      } catch (err) {
        process.stderr.write(child.output().slice(-3000));
        throw err;
      } finally {
        await child.stop();
      }
    }
    return { ...options, results };
  } finally {
    await probe.close();
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatLoad(r: LoadReport): string {
  const f = (n: number, d = 1) => (Number.isNaN(n) ? '-' : n.toFixed(d));
  const lines = [
    `Load: ${r.scrapers} concurrent scrapers (gzip, own process, bodies discarded), ${r.seconds} s, ${r.namespaces} namespaces x ${r.policiesPerNamespace} policies, balanced churn ${r.churnPerSecond} events/s`,
  ];
  for (const x of r.results)
    lines.push(
      `  ${x.implementation}${x.pinned ? ' (pinned to one CPU)' : ''}: scrapes ${x.scrapes} (${f(x.scrapesPerSecond)}/s), errors ${x.errors}${x.errorSamples.length ? ` (${x.errorSamples.join('; ')})` : ''}; exporter CPU ${f(x.cpuMsPerScrape, 2)} ms per scrape`,
      `    latency p50 ${f(x.scrapeMs.p50)} ms, p99 ${f(x.scrapeMs.p99)} ms, max ${f(x.scrapeMs.max)} ms; body ${(x.bodyBytes / 1024).toFixed(0)} KiB gzip; RSS ${f(x.exporterRssMb, 0)} MB (peak ${f(x.exporterPeakRssMb, 0)})`,
      `    apply latency under load (write to start of first scrape showing it): p50 ${f(x.apply.p50)} ms, p99 ${f(x.apply.p99)} ms, max ${f(x.apply.max)} ms, ${x.apply.samples} samples, ${x.apply.missed} missed (>10 s); load average ${x.loadAverage.map((l) => l.toFixed(2)).join(' ')}`,
    );
  return lines.join('\n');
}
