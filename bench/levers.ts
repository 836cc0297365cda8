// `npm run bench -- --levers [--reference=REV] [--out=FILE]`: each memory and CPU lever measured before and after
// in one run, on the same machine under the same load:
// - exposition (in this process, at L: 10,000 namespaces through the exporter's three rendered stores), the
//   earlier revision's modules against this tree's: memory held by text and deflate pieces, chunks and CPU per
//   scrape (CRC over the body, writev of thousands of chunks), and the process metrics against prom-client's;
// - the young generation and other Node flags, bundling, glibc's malloc settings, and the earlier revision: the
//   whole exporter at L with each, RSS as found and CPU per scrape;
// - client-node's module graph: RSS and heap after importing it each way there is (child processes).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { Agent, request } from 'undici';
import { bundleExporter } from '../scripts/bundle.ts';
import { DEFAULT_ANNOTATION_PREFIX } from '../src/core/context/exemption.ts';
import { NamespaceContextRules } from '../src/core/context/namespace-context.ts';
import { EMPTY_SCOPE } from '../src/core/context/namespace-scope.ts';
import { CoverageState } from '../src/core/coverage-state.ts';
import { namespaceFacts, policyFacts } from '../src/core/facts.ts';
import { ProcessMetrics } from '../src/exposition/process-metrics.ts';
import { cpuSeconds, machine, peakRssBytes, rssBytes, startChild } from './process.ts';
import { production } from './production-flags.ts';
import { buildReference, buildThisTree, REFERENCE_REVISION } from './reference.ts';
import { percentile, ScrapeClient } from './scrape.ts';
import { coverageOf } from './sizes.ts';
import { loadAvg } from './table.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const MB = 1024 * 1024;
const log = (message: string) => process.stderr.write(`[levers] ${message}\n`);
const f = (n: number, d = 1) => (Number.isNaN(n) ? '-' : n.toFixed(d));

// --- exposition, in process ---------------------------------------------------------------------------------------

interface Piece {
  bytes: Buffer;
  deflated(): Promise<Buffer>;
}
type BodyPiece = Piece | string;
interface Store {
  set(key: string, subject: unknown): void;
  pieces(): Piece[];
}
interface Exposition {
  RenderedStore: new (families: unknown[]) => Store;
  gzipBody(pieces: BodyPiece[]): Promise<Buffer[]>;
  identityBody(pieces: BodyPiece[]): Buffer[];
  families: unknown[][];
}

async function exposition(dist: string): Promise<Exposition> {
  const load = (file: string) => import(pathToFileURL(path.join(dist, 'exposition', file)).href);
  // The exemption and scope families: families/index.ts's contextFamilies since the layout moved them there,
  // families/namespace-context.js before (the reference revision).
  const layout = existsSync(path.join(dist, 'exposition', 'families', 'index.js'))
    ? { file: 'families/index.js', name: 'contextFamilies' }
    : { file: 'families/namespace-context.js', name: 'namespaceContextFamilies' };
  const [store, body, ns, protection, context] = await Promise.all([
    load('rendered-store.js'),
    load('encoded-body.js'),
    load('families/namespace.js'),
    load('families/protection.js'),
    load(layout.file),
  ]);
  return {
    RenderedStore: store.RenderedStore,
    gzipBody: body.gzipBody,
    identityBody: body.identityBody,
    families: [ns.namespaceFamilies, protection.protectionFamilies, context[layout.name]],
  };
}

/** The exporter's subjects at L: verdicts and contexts made by the core from the simulator's objects. */
async function subjects(namespaces: number) {
  const sim = await SimulatedCluster.start();
  try {
    sim.seedScale({ namespaces, policiesPerNamespace: 5, uncoveredEvery: 0 });
    const { state } = coverageOf(sim, { CoverageState, namespaceFacts, policyFacts });
    // The exporter's defaults: the standard exemption prefix, nothing excluded, no labels.
    const rules = new NamespaceContextRules({
      exemption: { prefix: DEFAULT_ANNOTATION_PREFIX, maxDurationSeconds: 365 * 86_400 },
      scope: EMPTY_SCOPE,
      labelAllowlist: [],
    });
    const verdicts = [...state.allVerdicts()];
    const now = Date.now() / 1000;
    const contexts = verdicts.map((v) => rules.contextOf(state.namespaceFacts(v.name) ?? ({} as never), now));
    return { verdicts, contexts };
  } finally {
    await sim.stop();
  }
}

const held = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external };
};

async function cpuPerCall(n: number, fn: (i: number) => unknown): Promise<number> {
  for (let i = 0; i < Math.min(20, n); i++) await fn(i);
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    await fn(i);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / n / 1000;
}

/** CPU per request of serving `chunks()` the way src/http/server.ts does (cork, a write per chunk), client included. */
async function httpCpuPerScrape(chunks: () => Promise<Buffer[]> | Buffer[], n: number): Promise<number> {
  const server = createServer(async (_req, res) => {
    const list = await chunks();
    res.setHeader('Content-Length', String(list.reduce((sum, c) => sum + c.length, 0)));
    res.cork();
    for (const c of list) res.write(c);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const agent = new Agent({ connections: 1 });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  try {
    return await cpuPerCall(n, async () => {
      const res = await request(url, { dispatcher: agent });
      for await (const _ of res.body);
    });
  } finally {
    await agent.close();
    await new Promise((resolve) => server.close(resolve));
  }
}

export interface ExpositionLever {
  revision: string;
  pieces: number;
  textMb: number;
  heapHeldMb: number;
  externalHeldMb: number;
  deflateKb: number;
  deflateBuffersMb: number;
  gzipChunks: number;
  identityChunks: number;
  gzipCpuMs: number;
  gzipChangedCpuMs: number;
  identityCpuMs: number;
  httpGzipCpuMs: number;
  httpIdentityCpuMs: number;
}

async function measureExposition(name: string, dist: string, data: Awaited<ReturnType<typeof subjects>>) {
  const x = await exposition(dist);
  const before = held();
  const stores = x.families.map((families) => new x.RenderedStore(families));
  const [ns, protection, context] = stores as [Store, Store, Store];
  for (const v of data.verdicts) {
    ns.set(v.name, v);
    protection.set(v.name, v);
  }
  for (const c of data.contexts) context.set(c.name, c);
  const tail = 'netpol_exporter_watch_up{resource="namespaces"} 1\n';
  const pieces = (): BodyPiece[] => [...stores.flatMap((s) => s.pieces()), tail];
  x.identityBody(pieces());
  const gz = await x.gzipBody(pieces());
  const after = held();
  const encoded = stores.flatMap((s) => s.pieces());
  const deflated = await Promise.all(encoded.map((p) => p.deflated()));
  const buffers = new Set(deflated.map((d) => d.buffer));
  const textBytes = encoded.reduce((n, p) => n + p.bytes.length, 0);
  let k = 0;
  const result: ExpositionLever = {
    revision: name,
    pieces: encoded.length,
    textMb: textBytes / MB,
    heapHeldMb: (after.heap - before.heap) / MB,
    externalHeldMb: (after.external - before.external) / MB,
    deflateKb: deflated.reduce((n, d) => n + d.length, 0) / 1024,
    deflateBuffersMb: [...buffers].reduce((n, b) => n + b.byteLength, 0) / MB,
    gzipChunks: gz.length,
    identityChunks: x.identityBody(pieces()).length,
    gzipCpuMs: await cpuPerCall(300, () => x.gzipBody(pieces())),
    identityCpuMs: await cpuPerCall(300, () => x.identityBody(pieces())),
    // One namespace changes between scrapes (500 events/s against a scrape every few ms).
    gzipChangedCpuMs: await cpuPerCall(300, () => {
      const v = data.verdicts[k++ % data.verdicts.length] as { name: string; policies: number };
      ns.set(v.name, { ...v, policies: v.policies + (k % 2) });
      return x.gzipBody(pieces());
    }),
    httpGzipCpuMs: await httpCpuPerScrape(() => x.gzipBody(pieces()), 300),
    httpIdentityCpuMs: await httpCpuPerScrape(() => x.identityBody(pieces()), 100),
  };
  return result;
}

async function processMetricsLever() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const ours = new ProcessMetrics();
  try {
    return {
      promClientMs: await cpuPerCall(1000, () => registry.metrics()),
      processMetricsMs: await cpuPerCall(1000, () => ours.text()),
    };
  } finally {
    ours.stop();
    registry.clear();
  }
}

// --- Node flags, the whole exporter at L ------------------------------------------------------------------------------

export interface FlagsLever {
  label: string;
  flags: string[];
  readySeconds: number;
  rssReadyMb: number;
  rssSteadyMb: number;
  peakMb: number;
  gzipP50: number;
  cpuMsPerGzipScrape: number;
}

async function measureFlags(
  label: string,
  main: string,
  flags: string[],
  kubeconfig: string,
  steadySeconds: number,
  env: Record<string, string | undefined> = {},
): Promise<FlagsLever> {
  const client = new ScrapeClient(1);
  const child = await startChild(
    main,
    ['serve', `--kubeconfig=${kubeconfig}`, '--web.listen-address=127.0.0.1:0'],
    { nodeFlags: flags, env },
  );
  try {
    for (
      const deadline = performance.now() + 180_000;
      (await client.status(`${child.url}/readyz`)) !== 200;
      await sleep(5)
    )
      if (performance.now() > deadline) throw new Error(`${label}: not ready`);
    const readyAt = performance.now();
    const readySeconds = (readyAt - child.spawnedAt) / 1000;
    const rssReadyMb = rssBytes(child.pid) / MB;
    for (let i = 0; i < 10; i++) await client.scrape(`${child.url}/metrics`, { gzip: true });
    const cpu0 = cpuSeconds(child.pid);
    const times: number[] = [];
    for (let i = 0; i < 300; i++)
      times.push((await client.scrape(`${child.url}/metrics`, { gzip: true })).ms);
    const cpuMsPerGzipScrape = ((cpuSeconds(child.pid) - cpu0) / 300) * 1000;
    while (performance.now() < readyAt + steadySeconds * 1000) {
      await client.scrape(`${child.url}/metrics`, { gzip: true });
      await sleep(1000);
    }
    return {
      label,
      flags,
      readySeconds,
      rssReadyMb,
      rssSteadyMb: rssBytes(child.pid) / MB,
      peakMb: peakRssBytes(child.pid) / MB,
      gzipP50: percentile(times, 50),
      cpuMsPerGzipScrape,
    };
  } finally {
    await child.stop();
    await client.close();
  }
}

// --- client-node's module graph -------------------------------------------------------------------------------------

export interface ModuleGraphLever {
  label: string;
  rssMb: number;
  heapMb: number;
  note: string;
}

async function measureModuleGraph(
  root: string,
  build: string,
  flags: string[],
  env: Record<string, string>,
): Promise<ModuleGraphLever[]> {
  const dir = path.join(root, 'bench', 'results', 'module-graph');
  await mkdir(dir, { recursive: true });
  // Bundled as the image's bundle is (scripts/bundle.ts), each into a folder of its own.
  const bundle = async (entry: string, name: string) =>
    pathToFileURL(await bundleExporter(entry, path.join(dir, name))).href;
  const used = path.join(dir, 'client-node-used.mjs');
  await writeFile(
    used,
    "import { KubeConfig, ListWatch, RequestContext, HttpMethod } from '@kubernetes/client-node';\nglobalThis.keep = [KubeConfig, ListWatch, RequestContext, HttpMethod];\n",
  );
  // What `serve` loads (src/cli/main.ts imports these two on demand), referenced so that a bundler keeps them.
  const serveEntry = path.join(dir, 'serve-graph.mjs');
  const rel = (file: string) =>
    `./${path
      .relative(dir, path.join(build, 'src', 'cli', file))
      .split(path.sep)
      .join('/')}`;
  await writeFile(
    serveEntry,
    `import { startExporter } from '${rel('serve.js')}';\nimport { loadKubeConfig } from '${rel('kubeconfig.js')}';\nglobalThis.keep = [startExporter, loadKubeConfig];\n`,
  );
  const bundledUsed = await bundle(used, 'client-node-used.bundle');
  const bundledServe = await bundle(serveEntry, 'serve-graph.bundle');
  const variants: [string, string[], string][] = [
    ['plain node', [], 'nothing imported'],
    [
      "import '@kubernetes/client-node' (today)",
      ['@kubernetes/client-node'],
      'index.js: every API class and model',
    ],
    [
      'deep imports: dist/config.js, cache.js, gen/http/http.js',
      [
        '@kubernetes/client-node/dist/config.js',
        '@kubernetes/client-node/dist/cache.js',
        '@kubernetes/client-node/dist/gen/http/http.js',
      ],
      'no saving: config.js imports ./gen/index.js, which re-exports every model',
    ],
    [
      'esbuild bundle of KubeConfig, ListWatch, RequestContext, HttpMethod',
      [bundledUsed],
      'tree-shaken: unreferenced API classes and models left out',
    ],
    [
      "the exporter's serve graph (dist/, not bundled)",
      [pathToFileURL(serveEntry).href],
      'client-node, undici, express, pino, prom-client, yaml, ...',
    ],
    [
      "the exporter's serve graph bundled (scripts/bundle.ts, as the image ships it)",
      [bundledServe],
      'the same code, tree-shaken',
    ],
  ];
  const out: ModuleGraphLever[] = [];
  for (const [label, modules, note] of variants) {
    const script = `${modules.map((m) => `await import(${JSON.stringify(m)});`).join('\n')}
gc(); gc(); await new Promise((r) => setTimeout(r, 1000)); gc();
const m = process.memoryUsage();
process.stdout.write(JSON.stringify({ rss: m.rss, heap: m.heapUsed }));
process.exit(0);`;
    const file = path.join(dir, `variant-${out.length}.mjs`);
    await writeFile(file, script);
    const r = spawnSync(process.execPath, [...flags, '--expose-gc', file], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '', ...env },
    });
    if (r.status !== 0) throw new Error(`${label}: ${r.stderr}`);
    const m = JSON.parse(r.stdout) as { rss: number; heap: number };
    out.push({ label, rssMb: m.rss / MB, heapMb: m.heap / MB, note });
  }
  return out;
}

// --- the run ------------------------------------------------------------------------------------------------------

const withSemiSpace = (flags: string[], mb: number | undefined) => [
  ...flags.filter((fl) => !fl.startsWith('--max-semi-space-size')),
  ...(mb === undefined ? [] : [`--max-semi-space-size=${mb}`]),
];

export async function runLevers(argv: string[], root: string): Promise<void> {
  const get = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const out = path.resolve(get('out') ?? path.join(root, 'bench', 'results', 'levers.json'));
  const steadySeconds = Number(get('steady-seconds') ?? 30);
  const prod = production(root);
  const { nodeFlags } = prod;
  const loadAverageAtStart = os.loadavg();
  const { build, compiled, main } = await buildThisTree(root);
  const reference = buildReference(root, get('reference') ?? REFERENCE_REVISION);
  if ('skipped' in reference) throw new Error(`reference ${reference.revision}: ${reference.skipped}`);

  log('exposition at L, in process');
  const data = await subjects(10_000);
  const expositionBefore = await measureExposition(
    reference.revision,
    path.join(reference.dir, 'dist'),
    data,
  );
  const expositionAfter = await measureExposition('this tree', path.join(build, 'src'), data);
  const processMetrics = await processMetricsLever();

  log('Node flags: the compiled exporter at L');
  const sim = await SimulatedCluster.start();
  const flags: FlagsLever[] = [];
  try {
    sim.seedScale({ namespaces: 10_000, policiesPerNamespace: 5, uncoveredEvery: 0 });
    const kubeconfig = path.join(root, 'bench', 'results', 'levers-kubeconfig');
    await sim.writeKubeconfig(kubeconfig);
    const oldSpace = nodeFlags.filter((fl) => fl.startsWith('--max-old-space-size'));
    type Run = [string, string, string[], Record<string, string | undefined>?];
    const run = (
      label: string,
      script: string,
      fl: string[],
      env?: Record<string, string | undefined>,
    ): Run => [label, script, fl, env];
    const glibcDefaults = {
      MALLOC_ARENA_MAX: undefined,
      MALLOC_MMAP_THRESHOLD_: undefined,
      MALLOC_TRIM_THRESHOLD_: undefined,
    };
    const runs: Run[] = [
      run(
        `${reference.revision}, its flags and environment (${oldSpace.join(' ')})`,
        reference.main,
        oldSpace,
        glibcDefaults,
      ),
      run(`${reference.revision}, this tree's production flags`, reference.main, nodeFlags),
      run('this tree as production runs it (bundled, production flags)', main, nodeFlags),
      run('this tree compiled, not bundled (dist/), production flags', compiled, nodeFlags),
      run('bundled, V8 default young generation', main, withSemiSpace(nodeFlags, undefined)),
      ...[1, 8, 16].map((mb) =>
        run(`bundled, --max-semi-space-size=${mb}`, main, withSemiSpace(nodeFlags, mb)),
      ),
      run(
        'bundled, without --memory-saver-mode',
        main,
        nodeFlags.filter((fl) => fl !== '--memory-saver-mode'),
      ),
      run('bundled, + --optimize-for-size', main, [...nodeFlags, '--optimize-for-size']),
      // The image sets MALLOC_ARENA_MAX=2 and fixed mmap/trim thresholds; glibc's defaults are up to eight arenas
      // per core and thresholds that rise after the first large free.
      run("bundled, glibc's default malloc arenas", main, nodeFlags, { MALLOC_ARENA_MAX: undefined }),
      run("bundled, glibc's default (rising) mmap and trim thresholds", main, nodeFlags, {
        MALLOC_MMAP_THRESHOLD_: undefined,
        MALLOC_TRIM_THRESHOLD_: undefined,
      }),
    ];
    for (const [label, script, fl, env] of runs) {
      log(`  ${label}`);
      flags.push(await measureFlags(label, script, fl, kubeconfig, steadySeconds, { ...prod.env, ...env }));
    }
  } finally {
    await sim.stop();
  }

  log("client-node's module graph");
  const moduleGraph = await measureModuleGraph(root, build, nodeFlags, prod.env);

  const report = {
    command: `npm run bench -- ${argv.join(' ')}`,
    startedAt: new Date().toISOString(),
    machine: machine(loadAverageAtStart),
    nodeFlags,
    exposition: [expositionBefore, expositionAfter],
    processMetrics,
    flags,
    moduleGraph,
  };
  const b = expositionBefore;
  const a = expositionAfter;
  const row = (label: string, before: string, after: string) =>
    `  ${label.padEnd(58)} ${before.padStart(14)} ${after.padStart(14)}`;
  const lines = [
    `Levers, one run: ${report.machine.cpus} CPUs, Node ${report.machine.node}, load average ${loadAvg(report.machine.loadAverageAtStart)} at start, ${loadAvg(report.machine.loadAverageAtEnd)} at end`,
    '',
    `Exposition at L (10,000 namespaces, the exporter's three rendered stores, ${a.pieces} pieces, ${f(a.textMb)} MB of text):`,
    row('', b.revision, a.revision),
    row('heap held by the stores (rope strings), MB', f(b.heapHeldMb), f(a.heapHeldMb)),
    row('external memory held (text bytes and deflate pieces), MB', f(b.externalHeldMb), f(a.externalHeldMb)),
    row('deflate: buffers held for the gzip pieces, MB', f(b.deflateBuffersMb), f(a.deflateBuffersMb)),
    row('deflate: bytes of gzip in them, KB', f(b.deflateKb, 0), f(a.deflateKb, 0)),
    row(
      'chunks per gzip / identity body',
      `${b.gzipChunks} / ${b.identityChunks}`,
      `${a.gzipChunks} / ${a.identityChunks}`,
    ),
    row('CPU per gzip body, nothing changed (CRC over the body), ms', f(b.gzipCpuMs, 3), f(a.gzipCpuMs, 3)),
    row('CPU per gzip body, one namespace changed, ms', f(b.gzipChangedCpuMs, 3), f(a.gzipChangedCpuMs, 3)),
    row('CPU per identity body, ms', f(b.identityCpuMs, 3), f(a.identityCpuMs, 3)),
    row(
      'CPU per gzip scrape over HTTP (writev; server + client), ms',
      f(b.httpGzipCpuMs, 3),
      f(a.httpGzipCpuMs, 3),
    ),
    row(
      'CPU per identity scrape over HTTP (server + client), ms',
      f(b.httpIdentityCpuMs, 3),
      f(a.httpIdentityCpuMs, 3),
    ),
    row(
      'CPU per process/Node.js metrics render, ms',
      `${f(processMetrics.promClientMs, 3)} prom-client`,
      f(processMetrics.processMetricsMs, 3),
    ),
    '',
    `Node flags, the compiled exporter at L (RSS as found; steady = ${steadySeconds} s after ready, a gzip scrape a second):`,
    `  ${'run'.padEnd(62)} ${'ready s'.padStart(8)} ${'RSS ready'.padStart(10)} ${'steady'.padStart(7)} ${'peak'.padStart(6)} ${'gzip p50'.padStart(9)} ${'CPU ms/gzip scrape'.padStart(19)}`,
    ...flags.map(
      (x) =>
        `  ${x.label.padEnd(62)} ${f(x.readySeconds, 1).padStart(8)} ${f(x.rssReadyMb, 0).padStart(10)} ${f(x.rssSteadyMb, 0).padStart(7)} ${f(x.peakMb, 0).padStart(6)} ${f(x.gzipP50, 2).padStart(9)} ${f(x.cpuMsPerGzipScrape, 2).padStart(19)}`,
    ),
    '',
    `client-node's module graph (RSS and live heap after import and a full GC, ${nodeFlags.join(' ')}):`,
    ...moduleGraph.map(
      (m) =>
        `  ${m.label.padEnd(72)} RSS ${f(m.rssMb, 0).padStart(4)} MB, heap ${f(m.heapMb, 0).padStart(3)} MB  (${m.note})`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\nwrote ${path.relative(process.cwd(), out)}\n`);
}
