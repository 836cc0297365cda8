// A light load generator in a process of its own: N keep-alive connections scraping /metrics (gzip) back to back
// for S seconds, bodies discarded unread, so that none of its work is charged to the exporter or slows the bench.
//   node load-generator.js URL CONNECTIONS SECONDS   ->  one JSON line on stdout
import { Agent, request } from 'undici';

const [url = '', connections = '50', seconds = '30'] = process.argv.slice(2);
const n = Number(connections);
const agent = new Agent({ connections: n, pipelining: 1, keepAliveTimeout: 60_000 });
const latencies: number[] = [];
const errorSamples: string[] = [];
let errors = 0;
let bytes = 0;

const end = performance.now() + Number(seconds) * 1000;
const started = performance.now();
await Promise.all(
  Array.from({ length: n }, async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        const res = await request(url, { dispatcher: agent, headers: { 'accept-encoding': 'gzip' } });
        let size = 0;
        for await (const chunk of res.body) size += (chunk as Buffer).length;
        latencies.push(performance.now() - t0);
        bytes = size;
        if (res.statusCode !== 200) {
          errors++;
          if (errorSamples.length < 5) errorSamples.push(`status ${res.statusCode}`);
        }
      } catch (err) {
        errors++;
        if (errorSamples.length < 5) errorSamples.push((err as Error).message);
      }
    }
  }),
);
const elapsedSeconds = (performance.now() - started) / 1000;
await agent.close();
latencies.sort((a, b) => a - b);
const at = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)];
process.stdout.write(
  `${JSON.stringify({
    scrapes: latencies.length,
    errors,
    errorSamples,
    elapsedSeconds,
    bodyBytes: bytes,
    p50: at(50),
    p99: at(99),
    max: latencies.at(-1),
  })}\n`,
);
