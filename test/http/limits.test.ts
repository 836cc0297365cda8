// What one client can take from the server: its share of connections, and no more. The slowloris here is the
// hostile probe's: 1,100 sockets that dribble their headers and are reopened as soon as they are closed.
import { expect } from 'chai';
import { TokenBucket } from '../../src/http/limits.ts';
import { createApp, createProbeApp, type Listening, listen } from '../../src/http/server.ts';
import { ServingStats } from '../../src/http/serving-stats.ts';
import { createLogger } from '../../src/support/log.ts';
import { type Attacker, attacker } from '../helpers/attack.ts';
import { eventually } from '../helpers/exposition.ts';
import { request } from '../helpers/http-client.ts';
import { textSource } from '../helpers/metrics-source.ts';

const log = createLogger('error', 'json', { write: () => true });
const source = textSource(() => '# HELP m x\n# TYPE m gauge\nm 1\n');

/** Milliseconds each of `count` requests took, one after the other; every answer must be 200. */
async function timed(count: number, url: string): Promise<number[]> {
  const took: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const res = await request(url, { timeoutMs: 10_000 });
    took.push(performance.now() - started);
    expect(res.status, url).to.equal(200);
  }
  return took;
}

function summary(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return `n=${ms.length} p50=${at(0.5)}ms p90=${at(0.9)}ms max=${Math.round(sorted.at(-1) ?? 0)}ms`;
}

/** Counts connection attempts the server saw, accepted or dropped at its cap. */
function attempts(listening: Listening): () => number {
  let seen = 0;
  listening.server.on('connection', () => seen++);
  listening.server.on('drop', () => seen++);
  return () => seen;
}

describe('connection limits', function () {
  this.timeout(120_000);
  let servers: Listening[] = [];
  let attack: Attacker | undefined;

  afterEach(async () => {
    await attack?.stop();
    attack = undefined;
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });

  it('a token bucket gives its burst at once, then one request per interval; a burst of 0 refuses all', () => {
    let now = 0;
    const bucket = new TokenBucket(1000, 3, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).to.deep.equal([
      true,
      true,
      true,
      false,
    ]);
    expect(bucket.retryAfterSeconds()).to.equal(1);
    now += 999;
    expect(bucket.take()).to.equal(false);
    now += 1;
    expect(bucket.take()).to.equal(true);
    now += 60_000; // never more than the burst saved up
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).to.deep.equal([
      true,
      true,
      true,
      false,
    ]);
    expect(new TokenBucket(1000, 0, () => now).take()).to.equal(false);
  });

  it('a slowloris of 1,100 sockets from one address holds only its share: scrapes and probes keep answering', async () => {
    const stats = new ServingStats();
    const main = await listen(
      createApp(source, { telemetryPath: '/metrics', log, version: 'test', stats }),
      '127.0.0.1',
      0,
      { headersTimeoutMs: 3000, stats },
    );
    servers.push(main);
    const seen = attempts(main);
    attack = attacker({
      kind: 'slowloris',
      port: Number(new URL(main.url).port),
      count: 1100,
      from: ['127.0.0.2'],
    });
    await attack.started;
    // Every socket has reached the server once: before the per-client bound, they held all 1,024 slots by now.
    await eventually(() => expect(seen()).to.be.at.least(1100), 60_000, 50);

    const scrapes = await timed(30, `${main.url}/metrics`);
    const probes = [...(await timed(10, `${main.url}/healthz`)), ...(await timed(10, `${main.url}/readyz`))];
    console.log(`      scrape latency during the slowloris: ${summary(scrapes)}; probes: ${summary(probes)}`);
    expect(Math.max(...scrapes, ...probes)).to.be.below(5000);

    const scrape = await request(`${main.url}/metrics`);
    const refused = /netpol_exporter_http_refused_total\{reason="connections_per_client"\} (\d+)/.exec(
      scrape.body,
    );
    expect(Number(refused?.[1])).to.be.above(1000);
    const counts = await attack.stop();
    attack = undefined;
    // Every socket connected at least once; how many it reopened by now depends on how busy the machine is.
    expect(counts.connects).to.be.at.least(1100);
  });

  it('the probe listener answers while a slowloris from many addresses fills the main listener', async () => {
    const main = await listen(
      createApp(source, { telemetryPath: '/metrics', log, version: 'test' }),
      '127.0.0.1',
      0,
      { headersTimeoutMs: 3000 },
    );
    const probes = await listen(createProbeApp(source, { log }), '127.0.0.1', 0, {
      maxConnections: 64,
      maxConnectionsPerClient: 8,
    });
    servers.push(main, probes);
    let dropped = 0;
    main.server.on('drop', () => dropped++);
    const from = Array.from({ length: 20 }, (_, i) => `127.0.0.${i + 2}`);
    attack = attacker({ kind: 'slowloris', port: Number(new URL(main.url).port), count: 1100, from });
    await attack.started;
    // 55 sockets per address, within each one's share: together they hold all 1,024 slots of the main listener.
    await eventually(() => expect(dropped).to.be.at.least(10), 60_000, 50);

    const answered = [
      ...(await timed(20, `${probes.url}/healthz`)),
      ...(await timed(20, `${probes.url}/readyz`)),
    ];
    console.log(`      probe latency while the main listener is full: ${summary(answered)}`);
    expect(Math.max(...answered)).to.be.below(5000);
    // Only the probes are there.
    expect((await request(`${probes.url}/metrics`)).status).to.equal(404);
    expect((await request(`${probes.url}/`)).status).to.equal(404);
  });
});
