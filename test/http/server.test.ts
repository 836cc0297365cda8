// Hostile HTTP clients: unknown paths, other methods, huge headers, malformed requests, slowloris, scrape floods.
// Every answer is a clear status code, and the server keeps serving afterwards.
import { connect } from 'node:net';
import { expect } from 'chai';
import { createApp, type Listening, listen } from '../../src/http/server.ts';
import { ServingStats } from '../../src/http/serving-stats.ts';
import { createLogger } from '../../src/support/log.ts';
import { eventually } from '../helpers/exposition.ts';
import { request } from '../helpers/http-client.ts';
import { textSource } from '../helpers/metrics-source.ts';

/** Sends raw bytes and collects whatever comes back until the server closes (or the deadline). */
function raw(
  url: string,
  chunks: string[],
  o: { gapMs?: number; deadlineMs?: number } = {},
): Promise<{ response: string; closedAfterMs: number }> {
  const { port } = new URL(url);
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let response = '';
    let i = 0;
    let timer: NodeJS.Timeout | undefined;
    const next = () => {
      if (socket.destroyed || i >= chunks.length) return;
      socket.write(chunks[i++] ?? '');
      timer = setTimeout(next, o.gapMs ?? 0);
    };
    socket.on('connect', next);
    socket.on('data', (d) => {
      response += d;
    });
    const deadline = setTimeout(() => socket.destroy(), o.deadlineMs ?? 10_000);
    socket.on('close', () => {
      clearTimeout(timer);
      clearTimeout(deadline);
      resolve({ response, closedAfterMs: Date.now() - started });
    });
    socket.on('error', () => {});
  });
}

describe('HTTP hardening', () => {
  let server: Listening;
  let release: () => void = () => {};
  let slow = false;
  /** Slow scrapes that reached the source, i.e. were admitted. */
  let entered = 0;
  const source = textSource(() =>
    slow
      ? new Promise<string>((resolve) => {
          entered++;
          const previous = release;
          release = () => {
            previous();
            resolve('slow_metric 1\n');
          };
        })
      : '# HELP m x\n# TYPE m gauge\nm 1\n',
  );
  const stats = new ServingStats();

  before(async () => {
    const log = createLogger('error', 'json', { write: () => true });
    server = await listen(
      createApp(source, {
        telemetryPath: '/metrics',
        log,
        version: '9.9.9-test',
        maxScrapesInFlight: 4,
        stats,
      }),
      '127.0.0.1',
      0,
      { headersTimeoutMs: 1000, stats },
    );
  });
  after(() => server.close());
  afterEach(async () => {
    // Whatever a test did, the server still answers.
    slow = false;
    release();
    expect((await request(`${server.url}/healthz`)).status).to.equal(200);
  });

  it('answers unknown paths with 404 and other methods with 405 and an Allow header', async () => {
    for (const path of ['/nope', '/metrics/x', '/../etc/passwd', '/%00', `/${'a'.repeat(4000)}`]) {
      expect((await request(server.url + path)).status, path.slice(0, 20)).to.equal(404);
    }
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE']) {
      const res = await request(`${server.url}/metrics`, { method });
      expect(res.status, method).to.equal(405);
      expect(res.headers.allow).to.equal('GET, HEAD');
    }
    expect((await request(`${server.url}/metrics`, { method: 'HEAD' })).status).to.equal(200);
  });

  it('routes exactly, as the Go exporters do: another case or a trailing slash is 404', async () => {
    for (const path of [
      '/METRICS',
      '/Metrics',
      '/metrics/',
      '/HEALTHZ',
      '/healthz/',
      '/readyz/',
      '/api/v1/namespaces/',
    ]) {
      const res = await request(server.url + path);
      expect(res.status, path).to.equal(404);
      expect(res.body, path).to.equal('not found\n');
    }
    for (const path of ['/metrics', '/healthz', '/readyz', '/api/v1/namespaces', '/', '/metrics?x=1'])
      expect((await request(server.url + path)).status, path).to.equal(200);
  });

  it('shows the version the caller gave on the status page and in its JSON', async () => {
    const res = await request(`${server.url}/api/v1/namespaces`);
    expect((JSON.parse(res.body) as { tool: { version: string } }).tool.version).to.equal('9.9.9-test');
    expect((await request(`${server.url}/`)).body).to.contain('netpol-exporter 9.9.9-test');
  });

  it('gzips the status page for a client that asks, and only then; a body under 1 KB goes as it is', async () => {
    const plain = await request(`${server.url}/`);
    expect(plain.headers['content-encoding']).to.equal(undefined);
    expect(plain.headers.vary).to.match(/Accept-Encoding/i);
    const zipped = await fetch(`${server.url}/`, { headers: { 'accept-encoding': 'gzip' } });
    expect(zipped.headers.get('content-encoding')).to.equal('gzip');
    expect(Number(zipped.headers.get('content-length'))).to.be.lessThan(plain.body.length / 2);
    // fetch inflates it: the same page (its clock aside).
    // Both forms the page writes its time in: the datetime attribute and the text (a second may pass between).
    const clockless = (t: string) => t.replace(/\d{4}-\d\d-\d\d[T ][\d:.]+(Z| UTC)/g, 'T');
    expect(clockless(await zipped.text())).to.equal(clockless(plain.body));
    // This source's JSON (no namespaces) is a few hundred bytes: not worth a gzip member.
    const json = await fetch(`${server.url}/api/v1/namespaces`, { headers: { 'accept-encoding': 'gzip' } });
    expect(json.headers.get('content-encoding')).to.equal(null);
    expect((await json.json()) as object).to.have.property('tool');
  });

  it('answers huge request headers with 431', async () => {
    const res = await request(`${server.url}/metrics`, { headers: { 'x-big': 'a'.repeat(64 * 1024) } });
    expect(res.status).to.equal(431);
  });

  it('answers a malformed request with 400 and closes', async () => {
    const { response } = await raw(server.url, ['GARBAGE\r\n\r\n']);
    expect(response).to.match(/^HTTP\/1\.1 400/);
  });

  it('drops a slowloris client that dribbles its headers, within the headers timeout', async () => {
    // One byte every 100 ms: never a complete header block, never idle long enough for an idle timeout.
    const chunks = [...'GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ', ...'a'.repeat(200)];
    const { response, closedAfterMs } = await raw(server.url, chunks, { gapMs: 100, deadlineMs: 8000 });
    expect(closedAfterMs).to.be.lessThan(4000);
    expect(response).to.match(/^HTTP\/1\.1 408/);
  });

  it('bounds concurrent scrapes: beyond the limit a scrape gets 503 with Retry-After at once', async () => {
    slow = true;
    entered = 0;
    const held = Array.from({ length: 4 }, () => request(`${server.url}/metrics`));
    await eventually(() => expect(entered, 'the four admitted').to.equal(4));
    const refused = await request(`${server.url}/metrics`);
    expect(refused.status).to.equal(503);
    expect(refused.headers['retry-after']).to.equal('1');
    // Probes are not scrapes: they still answer while scrapes are saturated.
    expect((await request(`${server.url}/healthz`)).status).to.equal(200);
    release();
    for (const res of await Promise.all(held)) expect(res.status).to.equal(200);
    slow = false;
    const after = await request(`${server.url}/metrics`);
    expect(after.status).to.equal(200);
    // The refusal is counted where the operator looks: in the scrape itself, after the source's metrics.
    expect(after.body).to.match(/^m 1\n# HELP netpol_exporter_http_refused_total /m);
    expect(after.body).to.contain('netpol_exporter_http_refused_total{reason="scrapes_in_flight"} 1\n');
  });

  it('a client that goes away mid-scrape frees its slot', async () => {
    slow = true;
    for (let i = 0; i < 8; i++) {
      await request(`${server.url}/metrics`, { timeoutMs: 50 }).catch(() => undefined);
    }
    // Eight abandoned scrapes are still computing, yet a new one is admitted (it waits; it is not refused).
    const outcome = await request(`${server.url}/metrics`, { timeoutMs: 300 }).then(
      (res) => res.status,
      () => 'admitted and waiting',
    );
    expect(outcome).to.equal('admitted and waiting');
    release();
    slow = false;
    expect((await request(`${server.url}/metrics`)).status).to.equal(200);
  });

  it('sends security headers on HTML responses and on errors', async () => {
    for (const path of ['/', '/nope']) {
      const res = await request(server.url + path);
      expect(res.headers['content-security-policy'], path).to.contain("default-src 'none'");
      expect(res.headers['x-content-type-options']).to.equal('nosniff');
      expect(res.headers['x-frame-options']).to.equal('DENY');
      expect(res.headers['referrer-policy']).to.equal('no-referrer');
      expect(res.headers['x-powered-by']).to.equal(undefined);
    }
  });
});

describe('paths that do not decode', () => {
  const UNDECODABLE = ['/namespaces/%ff', '/namespaces/%c0%ae%c0%ae', '/namespaces/%', '/namespaces/a%2'];

  async function serve(
    level: 'debug' | 'info',
  ): Promise<{ url: string; lines: string[]; close: () => Promise<void> }> {
    const lines: string[] = [];
    const log = createLogger(level, 'json', { write: (line: string) => lines.push(line) });
    const source = textSource(() => 'm 1\n');
    const app = createApp(source, { telemetryPath: '/metrics', log, version: 'test' });
    const running = await listen(app, '127.0.0.1', 0);
    return { url: running.url, lines, close: running.close };
  }

  it('answer 400, every time, and write nothing to the log at the default level', async () => {
    const s = await serve('info');
    try {
      for (let i = 0; i < 50; i++)
        for (const path of UNDECODABLE) {
          const res = await request(s.url + path);
          expect(res.status, path).to.equal(400);
          expect(res.body).to.equal('bad request\n');
        }
      expect(s.lines).to.deep.equal([]);
      // The server is none the worse for it.
      expect((await request(`${s.url}/namespaces/kube-system`)).status).to.equal(404);
      expect((await request(`${s.url}/healthz`)).status).to.equal(200);
    } finally {
      await s.close();
    }
  });

  it('at debug level: one short line each, no error level and no stack trace', async () => {
    const s = await serve('debug');
    try {
      for (const path of UNDECODABLE) expect((await request(s.url + path)).status, path).to.equal(400);
      expect(s.lines).to.have.length(UNDECODABLE.length);
      for (const line of s.lines) {
        const record = JSON.parse(line) as Record<string, unknown>;
        expect(record.level).to.equal('debug');
        expect(line).not.to.contain('stack');
        expect(line.length).to.be.below(400);
      }
    } finally {
      await s.close();
    }
  });
});
