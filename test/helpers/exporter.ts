// Starting the exporter for tests: in-process against a simulator (fast, inspectable), or as a real process.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SimulatedCluster } from '@netpol-exporter/kube-sim';
import type { Logger } from 'pino';
import { waitFor } from '../../scripts/prometheus.ts';
import { EXPORTER_PERMISSIONS } from '../../src/cli/demo.ts';
import { parseFlags, serveFlags } from '../../src/cli/flags.ts';
import { loadKubeConfig } from '../../src/cli/kubeconfig.ts';
import { type RunningExporter, startExporter } from '../../src/cli/serve.ts';
import { NamespaceContextRules } from '../../src/core/context/namespace-context.ts';
import { listedNamespaces } from '../../src/core/exposure/other-namespaces.ts';
import type { NamespaceReachability } from '../../src/core/exposure/peer-classes.ts';
import { namespaceReachability } from '../../src/core/exposure/reachability.ts';
import { namespaceFacts, type PolicyFacts, policyFacts } from '../../src/core/facts.ts';
import { classifyInternetFacing, viasOf } from '../../src/core/internet-facing/classify.ts';
import {
  ingressFacts,
  type RouteFacts,
  routeFacts,
  serviceFacts,
} from '../../src/core/internet-facing/facts.ts';
import type { NamespaceInternetFacing } from '../../src/core/internet-facing/internet-facing-state.ts';
import { type NamespaceVerdict, namespaceVerdict } from '../../src/core/verdict.ts';
import { DEFAULT_NAMESPACE_CONTEXT } from '../../src/exporter/exporter.ts';
import { exposureFamilies } from '../../src/exposition/families/exposure.ts';
import { contextFamilies, verdictFamilies } from '../../src/exposition/families/index.ts';
import { internetFacingFamilies } from '../../src/exposition/families/internet-facing.ts';
import { RenderedStore } from '../../src/exposition/rendered-store.ts';
import { createLogger } from '../../src/support/log.ts';
import { seriesWithPrefix } from './exposition.ts';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const NODE = join(ROOT, 'node_modules/.bin/node');
export const MAIN = join(ROOT, 'src/cli/main.ts');

export interface TestExporter extends RunningExporter {
  logs: string[];
  scrape(): Promise<string>;
  dispose(): Promise<void>;
}

/** An exporter in this process, talking HTTPS with a token to the simulator, with short test backoffs. */
export async function exporterFor(
  sim: SimulatedCluster,
  options: { token?: string; args?: string[] } = {},
): Promise<TestExporter> {
  const dir = await mkdtemp(join(tmpdir(), 'netpol-test-'));
  const token = options.token ?? `exporter-${Math.random().toString(36).slice(2)}`;
  if (!options.token) sim.addToken(token, EXPORTER_PERMISSIONS);
  const kubeconfig = join(dir, 'kubeconfig');
  await sim.writeKubeconfig(kubeconfig, { token });
  const logs: string[] = [];
  const log: Logger = createLogger('debug', 'json', { write: (line: string) => logs.push(line) });
  const config = parseFlags(
    serveFlags,
    ['--web.listen-address=127.0.0.1:0', '--watch.stall-timeout=2s', ...(options.args ?? [])],
    {},
  );
  const running = await startExporter(config, loadKubeConfig(kubeconfig, ''), log, {
    backoff: { initialMs: 50, maxMs: 400 },
  });
  return {
    ...running,
    logs,
    scrape: async () => {
      const res = await fetch(`${running.http.url}/metrics`);
      if (res.status !== 200) throw new Error(`scrape: ${res.status}`);
      return res.text();
    },
    dispose: async () => {
      await running.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** What the per-namespace series must be, computed from the simulator's own objects. */
export function truth(sim: SimulatedCluster, options: { routes?: boolean } = {}): Record<string, number> {
  const byNamespace = new Map<string, PolicyFacts[]>();
  for (const obj of sim.list('networkpolicies')) {
    const facts = policyFacts(obj);
    if (!facts) continue;
    byNamespace.set(facts.namespace, [...(byNamespace.get(facts.namespace) ?? []), facts]);
  }
  const store = new RenderedStore<NamespaceVerdict>(verdictFamilies);
  // Exemptions, scope and routing labels as the exporter's defaults evaluate them now.
  const contextRules = new NamespaceContextRules(DEFAULT_NAMESPACE_CONTEXT);
  const contexts = new RenderedStore(contextFamilies);
  // Who can reach each namespace, from scratch over every namespace (NetworkPolicies only, as above).
  const exposure = new RenderedStore<NamespaceReachability>(exposureFamilies);
  const all = sim.list('namespaces').flatMap((obj) => namespaceFacts(obj) ?? []);
  const others = listedNamespaces(all);
  for (const obj of sim.list('namespaces')) {
    const facts = namespaceFacts(obj);
    if (facts) store.set(facts.name, namespaceVerdict(facts, byNamespace.get(facts.name) ?? []));
    if (facts)
      exposure.set(
        facts.name,
        namespaceReachability({
          name: facts.name,
          labels: facts.labels,
          policies: byNamespace.get(facts.name) ?? [],
          tiers: [],
          others,
        }),
      );
    const withAnnotations = namespaceFacts(obj, { keepAnnotation: () => true });
    if (withAnnotations)
      contexts.set(withAnnotations.name, contextRules.contextOf(withAnnotations, Date.now() / 1000));
  }
  // What opens each namespace to the internet, classified in one batch from the simulator's objects (the exporter's
  // token may not list routes: what it cannot read, it does not report, so routes count only when it may).
  const internet = new RenderedStore<NamespaceInternetFacing>(internetFacingFamilies);
  const answer = classifyInternetFacing({
    services: sim.list('services').flatMap((o) => serviceFacts(o) ?? []),
    ingresses: sim.list('ingresses').flatMap((o) => ingressFacts(o) ?? []),
    routes: options.routes ? listRoutes(sim) : [],
    referenceGrants: undefined,
  });
  for (const [name, entryPoints] of answer.byNamespace)
    internet.set(name, { name, vias: viasOf(entryPoints), entryPoints });
  return sorted(
    seriesWithPrefix(store.text() + contexts.text() + exposure.text() + internet.text(), 'netpol_namespace_'),
  );
}

function listRoutes(sim: SimulatedCluster): RouteFacts[] {
  try {
    return sim.list('httproutes').flatMap((o) => routeFacts('HTTPRoute', o) ?? []);
  } catch {
    return []; // not served by this simulator
  }
}

export function sorted(series: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...series].sort(([a], [b]) => a.localeCompare(b)));
}

export async function namespaceSeries(exporter: TestExporter): Promise<Record<string, number>> {
  return sorted(seriesWithPrefix(await exporter.scrape(), 'netpol_namespace_'));
}

/** A real exporter process (the CLI), for signals, exit codes and logs. */
export function spawnExporter(
  args: string[],
  env: Record<string, string> = {},
): ChildProcess & { output: () => string } {
  // The simulator package from its source, as under mocha (.mocharc.json), not from its last build.
  const child = spawn(NODE, ['--conditions=netpol-source', '--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  return Object.assign(child, { output: () => output });
}

/** The host:port a spawned exporter logs (`url=http://...`) once it listens. Starting on a busy core can be slow. */
export function listeningAddress(
  exporter: ChildProcess & { output: () => string },
  timeoutMs = 60_000,
): Promise<string> {
  return waitFor(
    'the exporter to log its URL',
    async () => {
      if (exporter.exitCode !== null) throw new Error(`exporter exited: ${exporter.output()}`);
      return /url=http:\/\/(127\.0\.0\.1:\d+)/.exec(exporter.output())?.[1];
    },
    timeoutMs,
  );
}

/** Kills a spawned exporter that is still running (a test's `after`), and waits until it is gone. */
export async function killSpawned(exporter: ChildProcess | undefined): Promise<void> {
  if (exporter?.pid === undefined || exporter.exitCode !== null || exporter.signalCode !== null) return;
  process.kill(exporter.pid, 'SIGKILL');
  await exitOf(exporter);
}

type Exit = { code: number | null; signal: NodeJS.Signals | null };

/**
 * The child's exit. A child still running after timeoutMs (generous: starting a process at load 20 takes tens of
 * seconds; below the suite's 120 s) is killed, and the wait fails with what it printed instead of a bare test timeout.
 */
export async function exitOf(
  child: ChildProcess & { output?: () => string },
  timeoutMs = 100_000,
): Promise<Exit> {
  if (child.exitCode !== null || child.signalCode !== null)
    return { code: child.exitCode, signal: child.signalCode };
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), timeoutMs);
  });
  const first = await Promise.race([exited, late]).finally(() => clearTimeout(timer));
  if (first !== 'late') return first;
  if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  await exited;
  throw new Error(
    `process ${child.pid} did not exit within ${timeoutMs} ms; its output:\n${child.output?.() ?? ''}`,
  );
}
