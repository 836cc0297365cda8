// What exposure (netpol_namespace_reachable) costs, beside the bench's other figures: ready time with and without
// it, RSS, scrape latency with the new families, exporter CPU per 1,000 events under churn that moves namespace labels
// in and out of the selectors policies use, and, in process, how many namespaces each kind of event recomputes.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { type Child, cpuSeconds, rssBytes, startChild } from './process.ts';
import { formatReachers, measureReachers, type ReachersResult } from './reachers.ts';
import { percentile, ScrapeClient, sampleValue } from './scrape.ts';

/** One keep-alive connection for the step's scrapes, as Prometheus holds one per target. */
let client = new ScrapeClient();
const scrape = (url: string, options: { gzip?: boolean } = {}) => client.scrape(url, options);
const status = (url: string) => client.status(url);

import { coverageOf, type Size } from './sizes.ts';

export interface ExposureBenchOptions {
  size: Size;
  quick: boolean;
  exporterMain: string;
  /** The compiled tree the children run: the in-process step loads the same core, not tsx's transform of it. */
  buildDir: string;
  kubeconfig: (sim: SimulatedCluster) => Promise<string>;
}

interface Variant {
  /** The median of readySamples. */
  readySeconds: number;
  /** Ready times of each start, the variants started alternately (this machine is shared and noisy). */
  readySamples: number[];
  rssAfterSyncMb: number;
  scrapeP50: number;
  scrapeP99: number;
  gzipP50: number;
  bytes: number;
  seriesLines: number;
  churn: { events: number; cpuSeconds: number; perThousand: number };
}

export interface ExposureResult {
  size: string;
  namespaces: number;
  policies: number;
  /** Share of policies with a namespaceSelector peer. */
  namespaceSelectorShare: number;
  withExposure: Variant;
  withoutExposure: Variant;
  churnSeconds: number;
  churnPerSecond: number;
  /** In process: namespaces recomputed per event, and µs per event, by kind of event. */
  perEvent: { event: string; events: number; recomputedPerEvent: number; microsPerEvent: number }[];
  /** In process: building every namespace's answer from a filled state. */
  coreSyncMs: number;
  /** In process, on the seeded cluster: the names behind other_namespaces (bench/reachers.ts). */
  reachers: ReachersResult;
}

const log = (message: string) => process.stderr.write(`[bench] exposure: ${message}\n`);
const mb = (bytes: number) => bytes / 1024 / 1024;

async function ready(child: Child): Promise<number> {
  const deadline = performance.now() + 180_000;
  while (performance.now() < deadline) {
    if ((await status(`${child.url}/readyz`)) === 200) return (performance.now() - child.spawnedAt) / 1000;
    await sleep(5);
  }
  throw new Error(`not ready:\n${child.output().slice(-2000)}`);
}

async function scrapes(url: string, count: number) {
  const plain: number[] = [];
  const gz: number[] = [];
  let body = '';
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const r = await scrape(`${url}/metrics`);
    plain.push(r.ms);
    body = r.body.toString('utf8');
    bytes = r.bytes;
  }
  for (let i = 0; i < count; i++) gz.push((await scrape(`${url}/metrics`, { gzip: true })).ms);
  return {
    scrapeP50: percentile(plain, 50),
    scrapeP99: percentile(plain, 99),
    gzipP50: percentile(gz, 50),
    bytes,
    seriesLines: (body.match(/^netpol_namespace_/gm) ?? []).length,
  };
}

async function events(url: string): Promise<number> {
  const body = (await scrape(`${url}/metrics`)).body;
  return ['added', 'modified', 'deleted']
    .map((t) => sampleValue(body, 'netpol_exporter_events_total', `type="${t}"`) || 0)
    .reduce((a, b) => a + b, 0);
}

/**
 * Churn that keeps the cluster's size: namespaces change team (moving in and out of the team selectors a sixth of
 * the policies use), policies with team selectors come, change and go, and a few namespaces come and go.
 */
async function labelChurn(sim: SimulatedCluster, namespaces: string[], perSecond: number, seconds: number) {
  const live: { namespace: string; name: string }[] = [];
  const liveNamespaces: string[] = [];
  let counter = 0;
  const pick = <T>(list: T[]): T => list[Math.floor(Math.random() * list.length)] as T;
  const team = () => `team-${Math.floor(Math.random() * 25)}`;
  const step = () => {
    counter++;
    const r = Math.random();
    if (counter % 50 === 0) {
      const name = `churn-ns-${counter}`;
      sim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { team: team() } } });
      liveNamespaces.push(name);
      if (liveNamespaces.length > 20) sim.delete('namespaces', undefined, liveNamespaces.shift() ?? '');
    } else if (r < 0.4) {
      sim.patch('namespaces', undefined, pick(namespaces), { metadata: { labels: { team: team() } } });
    } else if (r < 0.65 || live.length === 0) {
      const namespace = pick(namespaces);
      const name = `churn-${counter}`;
      sim.create({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name, namespace },
        spec: {
          podSelector: {},
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: team() } } }] }],
        },
      });
      live.push({ namespace, name });
      if (live.length > 1000) {
        const oldest = live.shift();
        if (oldest) sim.delete('networkpolicies', oldest.namespace, oldest.name);
      }
    } else if (r < 0.85) {
      const oldest = live.shift();
      if (oldest) sim.delete('networkpolicies', oldest.namespace, oldest.name);
    } else {
      const target = pick(live);
      sim.patch('networkpolicies', target.namespace, target.name, {
        spec: { ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: team() } } }] }] },
      });
    }
  };
  const start = performance.now();
  let done = 0;
  const total = Math.floor(perSecond * seconds);
  while (done < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * perSecond));
    while (done < due) {
      try {
        step();
      } catch {
        // A namespace still terminating: skip, it is churn.
      }
      done++;
    }
    await sleep(10);
  }
  for (const p of live) sim.delete('networkpolicies', p.namespace, p.name);
  for (const n of liveNamespaces) sim.delete('namespaces', undefined, n);
}

type Core = {
  CoverageState: typeof import('../src/core/coverage-state.ts').CoverageState;
  ExposureState: typeof import('../src/core/exposure/exposure-state.ts').ExposureState;
  namespaceFacts: typeof import('../src/core/facts.ts').namespaceFacts;
  policyFacts: typeof import('../src/core/facts.ts').policyFacts;
  sourcePolicyFacts: typeof import('../src/core/sources/index.ts').sourcePolicyFacts;
  reachersOf: typeof import('../src/core/exposure/reachers.ts').reachersOf;
};

async function compiledCore(buildDir: string): Promise<Core> {
  const load = (file: string) => import(pathToFileURL(path.join(buildDir, 'src', 'core', file)).href);
  const [coverage, exposure, facts, sources, reachers] = await Promise.all([
    load('coverage-state.js'),
    load('exposure/exposure-state.js'),
    load('facts.js'),
    load('sources/index.js'),
    load('exposure/reachers.js'),
  ]);
  return { ...coverage, ...exposure, ...facts, ...sources, ...reachers } as Core;
}

/**
 * In process, on the seeded objects: build the answers, name who reaches each namespace (one page at a time, then
 * all), then count recomputations per kind of event, each event in its own tick (flushed), as churn arrives.
 */
async function inProcess(
  sim: SimulatedCluster,
  buildDir: string,
  quick: boolean,
): Promise<Pick<ExposureResult, 'perEvent' | 'coreSyncMs' | 'reachers'>> {
  const { CoverageState, ExposureState, namespaceFacts, policyFacts, sourcePolicyFacts, reachersOf } =
    await compiledCore(buildDir);
  const { state, namespaces } = coverageOf(sim, { CoverageState, namespaceFacts, policyFacts });
  const t0 = performance.now();
  const exposure = new ExposureState(state);
  const coreSyncMs = performance.now() - t0;
  log(`in process: answers built in ${coreSyncMs.toFixed(0)} ms; the names behind other_namespaces`);
  const reachers = measureReachers(reachersOf, exposure, quick ? 10 : 50);
  const seeded = namespaces.filter((n) => n.name.startsWith('ns-'));
  const measure = (event: string, count: number, apply: (i: number) => void) => {
    const r0 = exposure.recomputations;
    const t = performance.now();
    for (let i = 0; i < count; i++) {
      apply(i);
      exposure.flush();
    }
    const ms = performance.now() - t;
    return {
      event,
      events: count,
      recomputedPerEvent: (exposure.recomputations - r0) / count,
      microsPerEvent: (ms * 1000) / count,
    };
  };
  const at = (i: number) => seeded[(i * 7919) % seeded.length] as (typeof seeded)[number];
  const relabel = (i: number) => {
    const ns = at(i);
    state.upsertNamespace({ ...ns, labels: { ...ns.labels, team: `team-${(i * 13) % 25}` } });
  };
  const createPolicy = (tag: string) => (i: number) => {
    const facts = policyFacts({
      metadata: { name: `bench-${tag}-${i}`, namespace: at(i).name },
      spec: {
        podSelector: {},
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: `team-${i % 25}` } } }] }],
      },
    });
    if (facts) state.upsertPolicy(facts);
  };
  const perEvent = [
    measure('namespace label change (team moves)', 2000, relabel),
    measure('namespace label no selector asks about', 2000, (i) => {
      const ns = at(i);
      state.upsertNamespace({ ...ns, labels: { ...ns.labels, owner: `o-${i}` } });
    }),
    measure('NetworkPolicy with a team selector (create)', 2000, createPolicy('a')),
    measure('namespace created and deleted', 1000, (i) => {
      const facts = namespaceFacts({
        metadata: { name: `bench-ns-${i}`, labels: { team: `team-${i % 25}` } },
      });
      if (!facts) return;
      state.upsertNamespace(facts);
      state.deleteNamespace(facts.name);
    }),
    // The kinds of change that can touch every namespace, on purpose: a cluster-wide admin policy, and the one
    // namespace that thousands of policies name (kube-system, in every namespace's DNS egress rule) going away.
    measure('AdminNetworkPolicy for every namespace (create)', 1, () => {
      const facts = sourcePolicyFacts('adminnetworkpolicy', {
        metadata: { name: 'bench-deny' },
        spec: {
          priority: 10,
          subject: { namespaces: {} },
          ingress: [{ action: 'Deny', from: [{ namespaces: { matchLabels: { env: 'dev' } } }] }],
        },
      });
      if (facts) state.upsertSourcePolicy(facts);
    }),
    measure('namespace label change, under that AdminNetworkPolicy', 1000, relabel),
    measure('NetworkPolicy create, under that AdminNetworkPolicy', 1000, createPolicy('b')),
    measure('kube-system deleted (named by every DNS egress rule)', 1, () =>
      state.deleteNamespace('kube-system'),
    ),
  ];
  return { perEvent, coreSyncMs, reachers };
}

async function variant(
  o: ExposureBenchOptions,
  kubeconfig: string,
  args: string[],
  count: number,
): Promise<{ child: Child } & Omit<Variant, 'churn' | 'readySamples'>> {
  const child = await startChild(o.exporterMain, [
    'serve',
    `--kubeconfig=${kubeconfig}`,
    '--web.listen-address=127.0.0.1:0',
    ...args,
  ]);
  const readySeconds = await ready(child);
  const rssAfterSyncMb = mb(rssBytes(child.proc.pid ?? 0));
  const s = await scrapes(child.url, count);
  return { child, readySeconds, rssAfterSyncMb, ...s };
}

export async function benchExposure(o: ExposureBenchOptions): Promise<ExposureResult> {
  const sim = await SimulatedCluster.start({ namespaceDeletionDelayMs: 100 });
  const children: Child[] = [];
  try {
    const seeded = sim.seedScale({
      namespaces: o.size.namespaces,
      policiesPerNamespace: o.size.policiesPerNamespace,
      uncoveredEvery: 0,
    });
    const policies = sim.list('networkpolicies');
    const withSelector = policies.filter((p) =>
      JSON.stringify(p.spec ?? {}).includes('namespaceSelector'),
    ).length;
    log(
      `${o.size.name}: ${seeded.namespaces} namespaces, ${seeded.policies} policies (${withSelector} with a namespaceSelector peer)`,
    );
    const core = await inProcess(sim, o.buildDir, o.quick);
    const kubeconfig = await o.kubeconfig(sim);
    const count = o.quick ? 20 : 200;
    // Ready time, the variants started alternately, one at a time: neither competes with the other for the two
    // cores, and a load spike on the shared machine hits both. The last pair stays up for scrapes and churn.
    const rounds = o.quick ? 1 : 3;
    const samples: Record<'off' | 'on', number[]> = { off: [], on: [] };
    for (let round = 1; round < rounds; round++)
      for (const [key, args] of [
        ['off', ['--exposure=false']],
        ['on', []],
      ] as const) {
        const child = await startChild(o.exporterMain, [
          'serve',
          `--kubeconfig=${kubeconfig}`,
          '--web.listen-address=127.0.0.1:0',
          ...args,
        ]);
        samples[key].push(await ready(child));
        await child.stop();
      }
    const without = await variant(o, kubeconfig, ['--exposure=false'], count);
    children.push(without.child);
    samples.off.push(without.readySeconds);
    log(`without: ready in ${samples.off.map((x) => x.toFixed(2)).join(', ')} s`);
    const withIt = await variant(o, kubeconfig, [], count);
    children.push(withIt.child);
    samples.on.push(withIt.readySeconds);
    log(`with: ready in ${samples.on.map((x) => x.toFixed(2)).join(', ')} s; churn`);
    // Both under the same churn, so each sees the same events.
    const churnSeconds = o.quick ? 2 : 20;
    const churnPerSecond = o.quick ? 100 : 500;
    const before = await Promise.all(
      children.map(async (c) => ({ e: await events(c.url), cpu: cpuSeconds(c.proc.pid ?? 0) })),
    );
    await labelChurn(
      sim,
      sim
        .list('namespaces')
        .map((n) => n.metadata.name ?? '')
        .filter((n) => n.startsWith('ns-')),
      churnPerSecond,
      churnSeconds,
    );
    await sleep(o.quick ? 500 : 3000); // let both drain what they were sent
    const churn = await Promise.all(
      children.map(async (c, i) => {
        const e = (await events(c.url)) - (before[i]?.e ?? 0);
        const cpu = cpuSeconds(c.proc.pid ?? 0) - (before[i]?.cpu ?? 0);
        return { events: e, cpuSeconds: cpu, perThousand: e > 0 ? (cpu / e) * 1000 : Number.NaN };
      }),
    );
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    const strip = ({ child: _child, ...rest }: typeof without, readySamples: number[]) => ({
      ...rest,
      readySeconds: median(readySamples),
      readySamples,
    });
    return {
      size: o.size.name,
      namespaces: seeded.namespaces,
      policies: seeded.policies,
      namespaceSelectorShare: withSelector / Math.max(1, policies.length),
      withoutExposure: { ...strip(without, samples.off), churn: churn[0] as Variant['churn'] },
      withExposure: { ...strip(withIt, samples.on), churn: churn[1] as Variant['churn'] },
      churnSeconds,
      churnPerSecond,
      ...core,
    };
  } finally {
    await client.close();
    client = new ScrapeClient();
    for (const c of children) await c.stop();
    await sim.stop();
  }
}

export function formatExposure(r: ExposureResult): string {
  const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');
  const row = (name: string, v: Variant) =>
    `| ${name} | ${f(v.readySeconds, 2)} (${v.readySamples.map((x) => f(x, 1)).join(', ')}) | ${f(v.rssAfterSyncMb, 0)} | ${f(v.scrapeP50, 2)} | ${f(v.scrapeP99, 2)} | ${f(v.gzipP50, 2)} | ${f(v.bytes / 1024, 0)} | ${v.seriesLines} | ${f(v.churn.perThousand, 3)} (${v.churn.events} events) |`;
  const lines = [
    `Exposure at ${r.size} (${r.namespaces} namespaces, ${r.policies} policies, ${f(r.namespaceSelectorShare * 100, 0)}% with a namespaceSelector peer; churn ${r.churnPerSecond}/s for ${r.churnSeconds} s, 40% namespace label changes)`,
    '',
    '| exporter | ready s median (each start) | RSS MB | scrape p50 ms | p99 ms | gzip p50 ms | body KB | netpol_namespace_ lines | CPU s / 1,000 events |',
    '|---|---|---|---|---|---|---|---|---|',
    row('--exposure=false', r.withoutExposure),
    row('with exposure', r.withExposure),
    '',
    `In process: every namespace's answer built in ${f(r.coreSyncMs, 0)} ms; per event:`,
    '',
    '| event | namespaces recomputed per event | µs per event |',
    '|---|---|---|',
    ...r.perEvent.map((e) => `| ${e.event} | ${f(e.recomputedPerEvent, 2)} | ${f(e.microsPerEvent, 0)} |`),
    '',
    formatReachers(r.reachers, `${r.size} (in process, the seeded cluster)`),
    '',
    `Targets: ready under 10 s ${r.withExposure.readySeconds < 10 ? 'met' : 'MISSED'} (median ${f(r.withExposure.readySeconds, 2)} s, ${f(r.withoutExposure.readySeconds, 2)} s without); p50 scrape under 10 ms: gzip (what Prometheus asks for) ${r.withExposure.gzipP50 < 10 ? 'met' : 'MISSED'} (${f(r.withExposure.gzipP50, 2)} ms), identity ${r.withExposure.scrapeP50 < 10 ? 'met' : 'MISSED'} (${f(r.withExposure.scrapeP50, 2)} ms, ${f(r.withExposure.bytes / 1048576, 1)} MB).`,
  ];
  return `${lines.join('\n')}\n`;
}
