// Real Prometheus and Alertmanager (Debian packages) as plain child processes on loopback: temporary directories,
// readiness via /-/ready, and stop() that kills exactly the process it started (by PID) and removes its files.
// Shared by `npm run stack` (scripts/stack.ts) and the end-to-end tests (test/helpers/prometheus.ts), so the
// configuration a user sees in the stack is the one the tests prove.
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parse, stringify } from 'yaml';

const host = '127.0.0.1';

export interface Stoppable {
  stop(): Promise<void>;
}

/** A port the kernel just handed out on loopback (tiny race until the child binds it; fine for tests). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** `preferred` when nothing listens on it on loopback, otherwise any free port. */
export async function portOrFree(preferred: number): Promise<number> {
  const server = createServer();
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(preferred, host, () => resolve(true));
  });
  if (!bound) return freePort();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return preferred;
}

/** Whether `command` is an executable file somewhere on PATH. */
export function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Polls `check` until it returns a value other than undefined, or throws after `timeoutMs` with `what`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
  );
}

/** A child process with its output kept for error messages, stopped by its own PID. */
class Child implements Stoppable {
  private output = '';
  readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    private readonly proc: ChildProcess,
    private readonly dir: string,
  ) {
    proc.stdout?.on('data', (b: Buffer) => this.keep(b));
    proc.stderr?.on('data', (b: Buffer) => this.keep(b));
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
  }

  get logs(): string {
    return this.output;
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  private keep(b: Buffer): void {
    // The tail is what explains a failure; cap memory for long runs.
    this.output = (this.output + b.toString()).slice(-20_000);
  }

  async waitReady(url: string): Promise<void> {
    await waitFor(
      `${this.name} ready at ${url}`,
      async () => {
        if (!this.running) throw new Error(`${this.name} exited early:\n${this.output}`);
        const res = await fetch(url);
        await res.arrayBuffer();
        return res.ok ? true : undefined;
      },
      20_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- ${this.name} output ---\n${this.output}`);
    });
  }

  async stop(): Promise<void> {
    const pid = this.proc.pid;
    if (pid !== undefined && this.running) {
      process.kill(pid, 'SIGTERM');
      const killed = setTimeout(() => this.running && process.kill(pid, 'SIGKILL'), 5_000);
      await this.exited;
      clearTimeout(killed);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starts the process and waits for its readiness URL; a process that never gets ready is stopped again. */
async function startReady(
  name: string,
  command: string,
  args: string[],
  dir: string,
  readyUrl: string,
): Promise<Child> {
  const proc = spawn(command, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.once('error', () => {}); // ENOENT surfaces through waitReady as "exited early"
  const child = new Child(name, proc, dir);
  try {
    await child.waitReady(readyUrl);
  } catch (err) {
    await child.stop();
    throw err;
  }
  return child;
}

/** What Prometheus and Alertmanager share as processes: their output, PID, exit, and stop by PID. */
abstract class ServerProcess implements Stoppable {
  protected constructor(protected readonly child: Child) {}

  get logs(): string {
    return this.child.logs;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Settles when the process ends, whoever ended it. */
  get exited(): Promise<void> {
    return this.child.exited;
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Prometheus

export interface PrometheusOptions {
  /** host:port targets of the exporter job (the real exporter, the simulator, or a static server). */
  targets?: string[];
  /** Job name; the rules' convention is `netpol-exporter`. */
  job?: string;
  /** Labels added to every target of `targets` (e.g. `cluster`, as a global view would see them). */
  targetLabels?: Record<string, string>;
  /** More targets of the same job, each group with labels of its own: one exporter per cluster, as a fleet. */
  targetGroups?: { targets: string[]; labels: Record<string, string> }[];
  /** Rules files' contents (YAML text), written into the temporary directory. */
  rules?: string[];
  /** global.external_labels: how a cluster's own Prometheus names its cluster (its series carry no such label). */
  externalLabels?: Record<string, string>;
  /** host:port of an Alertmanager to send alerts to. */
  alertmanager?: string;
  scrapeInterval?: string;
  evaluationInterval?: string;
  /** Listen port on 127.0.0.1; default a free one. */
  port?: number;
}

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PrometheusAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  value: string;
}

export class Prometheus extends ServerProcess {
  private constructor(
    readonly url: string,
    child: Child,
  ) {
    super(child);
  }

  static async start(opts: PrometheusOptions): Promise<Prometheus> {
    const dir = mkdtempSync(join(tmpdir(), 'netpol-prometheus-'));
    const ruleFiles = (opts.rules ?? []).map((text, i) => {
      const file = join(dir, `rules-${i}.yaml`);
      writeFileSync(file, text);
      return file;
    });
    const config = {
      global: {
        scrape_interval: opts.scrapeInterval ?? '1s',
        scrape_timeout: '1s',
        evaluation_interval: opts.evaluationInterval ?? '1s',
        ...(opts.externalLabels ? { external_labels: opts.externalLabels } : {}),
      },
      rule_files: ruleFiles,
      ...(opts.alertmanager
        ? { alerting: { alertmanagers: [{ static_configs: [{ targets: [opts.alertmanager] }] }] } }
        : {}),
      scrape_configs: [
        {
          job_name: opts.job ?? 'netpol-exporter',
          // As in the ServiceMonitor: the exporter's `namespace` label is the audited namespace.
          honor_labels: true,
          static_configs: [
            { targets: opts.targets ?? [], labels: opts.targetLabels ?? {} },
            ...(opts.targetGroups ?? []),
          ].filter((group) => group.targets.length > 0),
        },
      ],
    };
    const configFile = join(dir, 'prometheus.yml');
    writeFileSync(configFile, stringify(config));
    const port = opts.port ?? (await freePort());
    const url = `http://${host}:${port}`;
    const child = await startReady(
      'prometheus',
      'prometheus',
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=${host}:${port}`,
        '--web.enable-lifecycle',
        // The default (1m) would make the first notification wait a minute if Alertmanager was not known yet.
        '--rules.alert.resend-delay=2s',
      ],
      dir,
      `${url}/-/ready`,
    );
    return new Prometheus(url, child);
  }

  private async api<T>(path: string): Promise<T> {
    const res = await fetch(`${this.url}${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${body.error ?? res.status}`);
    return body.data;
  }

  /** Instant query; returns the vector (throws on a PromQL error). */
  async query(promql: string): Promise<Sample[]> {
    const data = await this.api<{ resultType: string; result: Sample[] }>(
      `/api/v1/query?query=${encodeURIComponent(promql)}`,
    );
    return data.resultType === 'vector' ? data.result : [];
  }

  async alerts(): Promise<PrometheusAlert[]> {
    return (await this.api<{ alerts: PrometheusAlert[] }>('/api/v1/alerts')).alerts;
  }

  async targetsUp(): Promise<boolean> {
    const data = await this.api<{ activeTargets: { health: string }[] }>('/api/v1/targets');
    return data.activeTargets.length > 0 && data.activeTargets.every((t) => t.health === 'up');
  }
}

/** The rules text with every alert's `for` replaced, so an end-to-end run need not wait 15 minutes. */
export function withAlertFor(rulesYaml: string, duration: string): string {
  const doc = parse(rulesYaml) as { groups: { rules: { alert?: string; for?: string }[] }[] };
  for (const group of doc.groups) {
    for (const rule of group.rules) if (rule.alert !== undefined) rule.for = duration;
  }
  return stringify(doc);
}

// ---------------------------------------------------------------------------------------------------------------
// Alertmanager

export interface AlertmanagerOptions {
  /** URL every notification is posted to (e.g. a WebhookReceiver); without one, alerts are only shown in its UI. */
  webhookUrl?: string;
  /** Listen port on 127.0.0.1; default a free one. */
  port?: number;
}

export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export class Alertmanager extends ServerProcess {
  private constructor(
    readonly url: string,
    readonly address: string,
    child: Child,
  ) {
    super(child);
  }

  static async start(opts: AlertmanagerOptions = {}): Promise<Alertmanager> {
    const dir = mkdtempSync(join(tmpdir(), 'netpol-alertmanager-'));
    const config = {
      route: {
        receiver: 'default',
        group_by: ['alertname', 'cluster', 'namespace'],
        group_wait: '1s',
        group_interval: '1s',
        repeat_interval: '1h',
      },
      receivers: [
        opts.webhookUrl
          ? { name: 'default', webhook_configs: [{ url: opts.webhookUrl, send_resolved: true }] }
          : { name: 'default' },
      ],
    };
    const configFile = join(dir, 'alertmanager.yml');
    writeFileSync(configFile, stringify(config));
    const port = opts.port ?? (await freePort());
    const address = `${host}:${port}`;
    const child = await startReady(
      'alertmanager',
      'prometheus-alertmanager',
      [
        `--config.file=${configFile}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=${host}:${port}`,
        // Empty: no clustering (the default listens on 0.0.0.0:9094).
        '--cluster.listen-address=',
      ],
      dir,
      `http://${address}/-/ready`,
    );
    return new Alertmanager(`http://${address}`, address, child);
  }

  /** Alerts Alertmanager currently holds as active (resolved ones are left out). */
  async alerts(): Promise<AlertmanagerAlert[]> {
    const res = await fetch(`${this.url}/api/v2/alerts`);
    return (await res.json()) as AlertmanagerAlert[];
  }
}
