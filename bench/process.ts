// The processes under test: each implementation runs in its own child process, so its memory and CPU figures
// are its own (the simulator, churn and scrape client live in the bench process). RSS and CPU come from /proc,
// which costs the child nothing; a forced GC goes through the inspector protocol, since nothing in the child
// would call global.gc().
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Child {
  proc: ChildProcess;
  url: string;
  /** ms from spawn to the URL being logged. */
  spawnedAt: number;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `node --inspect=127.0.0.1:0 <script> <args>` and waits for its `url=` log line. */
export async function startChild(script: string, args: string[], timeoutMs = 60_000): Promise<Child> {
  const spawnedAt = performance.now();
  const proc = spawn(process.execPath, ['--inspect=127.0.0.1:0', script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let output = '';
  const append = (d: Buffer) => {
    output += d;
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  proc.stdout?.on('data', append);
  proc.stderr?.on('data', append);
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

/** Resident set size in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb * 1024;
}

/** User + system CPU seconds consumed so far (clock ticks of 1/100 s on Linux). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Forces a full GC in the child through its inspector and returns the V8 heap in use afterwards. */
export async function heapAfterGc(child: Child): Promise<number> {
  const match = /ws:\/\/[^\s]+/.exec(child.output());
  if (!match) throw new Error('the child printed no inspector URL');
  const ws = new WebSocket(match[0]);
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error('inspector connection failed'));
  });
  let id = 0;
  const pending = new Map<number, (result: unknown) => void>();
  ws.onmessage = (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  };
  const call = (method: string) =>
    new Promise<unknown>((resolve) => {
      id++;
      pending.set(id, resolve);
      ws.send(JSON.stringify({ id, method }));
    });
  try {
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    const usage = (await call('Runtime.getHeapUsage')) as { usedSize: number };
    return usage.usedSize;
  } finally {
    ws.close();
  }
}
