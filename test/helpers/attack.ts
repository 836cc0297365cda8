// Hostile clients in a process of their own, so their CPU is not the server's: the tests measure what a legitimate
// client sees meanwhile. Run by attacker() below; it attacks 127.0.0.1 only, from the given loopback address.
//   slowloris:      N sockets that send a partial request and then a byte now and then, reopened when closed
//   password-flood: N keep-alive connections sending requests with wrong passwords, back to back
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface AttackOptions {
  kind: 'slowloris' | 'password-flood';
  port: number;
  /** Sockets (slowloris) or keep-alive connections (password flood). */
  count: number;
  /** Source addresses on the loopback (127.0.0.1, 127.0.0.2, ...), used in turn: the client addresses the server sees. */
  from: string[];
  /** Slowloris: time between dribbled bytes. */
  gapMs?: number;
}

export interface Attacker {
  /** Resolves once every socket has been opened (or every connection has sent a request) at least once. */
  started: Promise<void>;
  /** Stops the attack and the process; resolves with its counts. */
  stop(): Promise<Record<string, number>>;
}

/** Starts the attack in a child process; the caller must stop() it. */
export function attacker(options: AttackOptions): Attacker {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), JSON.stringify(options)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  let onStarted: () => void = () => {};
  const started = new Promise<void>((resolve, reject) => {
    onStarted = resolve;
    child.once('exit', (code) => reject(new Error(`attacker exited early (${code})`)));
  });
  started.catch(() => {});
  child.stdout?.on('data', (d) => {
    output += d;
    if (output.includes('started\n')) onStarted();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    started,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      const last = output.trim().split('\n').pop() ?? '{}';
      return last.startsWith('{') ? (JSON.parse(last) as Record<string, number>) : {};
    },
  };
}

function slowloris(o: AttackOptions, counts: Record<string, number>, started: () => void): void {
  let opened = 0;
  const open = (i: number) => {
    const localAddress = o.from[i % o.from.length] ?? '127.0.0.1';
    const socket: Socket = connect({ port: o.port, host: '127.0.0.1', localAddress });
    counts.connects = (counts.connects ?? 0) + 1;
    let timer: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      timer = setInterval(() => socket.write('a'), o.gapMs ?? 500);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      counts.closed = (counts.closed ?? 0) + 1;
      // Reopened at once, as an attacker would; a short pause keeps the attacker from spinning on refusals.
      setTimeout(() => open(i), 20);
    });
    if (++opened === o.count) started();
  };
  for (let i = 0; i < o.count; i++) open(i);
}

function passwordFlood(o: AttackOptions, counts: Record<string, number>, started: () => void): void {
  const agent = new http.Agent({
    keepAlive: true,
    maxSockets: o.count,
    localAddress: o.from[0] ?? '127.0.0.1',
  });
  let sent = 0;
  const loop = (n: number) => {
    const password = `wrong-${process.pid}-${n}-${Math.random().toString(36).slice(2)}`;
    const req = http.get(
      {
        host: '127.0.0.1',
        port: o.port,
        path: '/metrics',
        agent,
        headers: { authorization: `Basic ${Buffer.from(`prometheus:${password}`).toString('base64')}` },
      },
      (res) => {
        counts[String(res.statusCode)] = (counts[String(res.statusCode)] ?? 0) + 1;
        res.resume();
        res.on('end', () => loop(n + 1));
      },
    );
    req.on('error', () => {
      counts.errors = (counts.errors ?? 0) + 1;
      setTimeout(() => loop(n + 1), 20);
    });
    if (++sent === o.count) started();
  };
  for (let i = 0; i < o.count; i++) loop(i * 1_000_000);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const options = JSON.parse(process.argv[2] ?? '{}') as AttackOptions;
  const counts: Record<string, number> = {};
  const started = () => process.stdout.write('started\n');
  if (options.kind === 'slowloris') slowloris(options, counts, started);
  else passwordFlood(options, counts, started);
  process.once('SIGTERM', () => {
    process.stdout.write(`${JSON.stringify(counts)}\n`, () => process.exit(0));
  });
}
