// The processes under test: each implementation runs compiled, with production's Node flags, in its own child
// process, so its memory and CPU figures are its own (the simulator, churn and probe live in the bench process, the
// load generator in another). RSS, peak RSS and CPU come from /proc, which costs the child nothing. Nothing in the
// child is instrumented while it is measured: its inspector is switched on (SIGUSR1) only for the forced-GC
// figure, taken last.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Machine {
  cpus: number;
  node: string;
  loadAverageAtStart: number[];
  loadAverageAtEnd: number[];
}

/** The machine a run measured on, with its load average at the run's start and now: the figures move with it. */
export function machine(loadAverageAtStart: number[]): Machine {
  return {
    cpus: os.cpus().length,
    node: process.version,
    loadAverageAtStart,
    loadAverageAtEnd: os.loadavg(),
  };
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  url: string;
  /** performance.now() at spawn. */
  spawnedAt: number;
  output(): string;
  stop(): Promise<void>;
}

export interface ChildOptions {
  /** Node flags before the script (production's: bench/production-flags.ts). */
  nodeFlags?: string[];
  /** Pins the child to this CPU (taskset), when taskset is there. */
  cpu?: number;
  /** Added to this process's environment; an undefined value removes the variable. */
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

let tasksetChecked: boolean | undefined;
/** Whether processes can be pinned to a CPU here (taskset from util-linux). */
export function canPin(): boolean {
  tasksetChecked ??= spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  return tasksetChecked;
}

/** Spawns `node [flags] <script> <args>` and waits for its `url=` log line. */
export async function startChild(script: string, args: string[], options: ChildOptions = {}): Promise<Child> {
  const spawnedAt = performance.now();
  // --inspect-port=0: SIGUSR1 later opens the inspector on a free port (it is not open before).
  const argv = [...(options.nodeFlags ?? []), '--inspect-port=0', script, ...args];
  const pinned = options.cpu !== undefined && canPin();
  const env: Record<string, string | undefined> = { ...process.env, NODE_OPTIONS: '', ...options.env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  const proc = spawn(
    pinned ? 'taskset' : process.execPath,
    pinned ? ['-c', String(options.cpu), process.execPath, ...argv] : argv,
    { stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  let output = '';
  const append = (d: Buffer) => {
    output += d;
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  proc.stdout?.on('data', append);
  proc.stderr?.on('data', append);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no url= in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const check = () => {
      const match = /url=(?:")?(http:\/\/[^\s"]+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    proc.stdout?.on('data', check);
    proc.stderr?.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    proc,
    pid: proc.pid ?? 0,
    url,
    spawnedAt,
    output: () => output,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 6000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function statusField(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
  return kb * 1024;
}

/** Resident set size in bytes (VmRSS): everything the process holds in memory, heap and external alike. */
export const rssBytes = (pid: number): number => statusField(pid, 'VmRSS');
/** The highest RSS so far (VmHWM). */
export const peakRssBytes = (pid: number): number => statusField(pid, 'VmHWM');

/** User + system CPU seconds consumed so far (clock ticks of 1/100 s on Linux). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Opens the child's inspector, forces a memory-reducing full GC (what no production process does on its own) and
 * returns the V8 heap in use and the RSS afterwards: the secondary figures, for what is really alive.
 */
export async function afterForcedGc(child: Child): Promise<{ heapBytes: number; rssBytes: number }> {
  const before = child.output().length;
  child.proc.kill('SIGUSR1');
  let ws: string | undefined;
  for (const deadline = performance.now() + 10_000; !ws; await sleep(20)) {
    ws = /ws:\/\/[^\s]+/.exec(child.output().slice(Math.max(0, before - 200)))?.[0];
    if (performance.now() > deadline) throw new Error('the child opened no inspector');
  }
  const socket = new WebSocket(ws);
  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = () => reject(new Error('inspector connection failed'));
  });
  let id = 0;
  const pending = new Map<number, (result: unknown) => void>();
  socket.onmessage = (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  };
  const call = (method: string) =>
    new Promise<unknown>((resolve) => {
      id++;
      pending.set(id, resolve);
      socket.send(JSON.stringify({ id, method }));
    });
  try {
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    const usage = (await call('Runtime.getHeapUsage')) as { usedSize: number };
    return { heapBytes: usage.usedSize, rssBytes: rssBytes(child.pid) };
  } finally {
    socket.close();
  }
}
