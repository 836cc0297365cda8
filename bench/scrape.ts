// The scrape client: one keep-alive connection, as Prometheus holds one per target, timing each GET to the
// last byte of the body.
import { Agent, request } from 'undici';

const agent = new Agent({ connections: 4, keepAliveTimeout: 60_000 });

export interface Scrape {
  ms: number;
  status: number;
  /** Bytes on the wire (compressed when gzip was asked for). */
  bytes: number;
  body: string;
}

export async function scrape(url: string, options: { gzip?: boolean } = {}): Promise<Scrape> {
  const start = performance.now();
  const res = await request(url, {
    dispatcher: agent,
    headers: { 'accept-encoding': options.gzip ? 'gzip' : 'identity' },
  });
  const raw = Buffer.from(await res.body.arrayBuffer());
  const ms = performance.now() - start;
  const body = options.gzip && res.headers['content-encoding'] === 'gzip' ? '' : raw.toString('utf8');
  return { ms, status: res.statusCode, bytes: raw.length, body };
}

export async function status(url: string): Promise<number> {
  try {
    const res = await request(url, { dispatcher: agent });
    await res.body.dump();
    return res.statusCode;
  } catch {
    return 0;
  }
}

/** Sum of every sample of a family whose labels contain `match` (e.g. `type="added"`), or NaN when none. */
export function sampleValue(body: string, name: string, match = ''): number {
  let total = Number.NaN;
  let at = body.indexOf(`\n${name}`);
  while (at >= 0) {
    const end = body.indexOf('\n', at + 1);
    const line = body.slice(at + 1, end < 0 ? undefined : end);
    const rest = line.slice(name.length);
    if ((rest.startsWith('{') || rest.startsWith(' ')) && line.includes(match)) {
      const value = Number(line.slice(line.lastIndexOf(' ') + 1));
      total = Number.isNaN(total) ? value : total + value;
    }
    at = end < 0 ? -1 : body.indexOf(`\n${name}`, end);
  }
  return total;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export async function closeClient(): Promise<void> {
  await agent.close();
}
