// The scrape clients: keep-alive connections, as Prometheus holds one per target, timing each GET from its start
// to the last byte of the body. A probe has a connection of its own, so it never queues behind other scrapes.
import { Agent, request } from 'undici';

export interface Scrape {
  /** performance.now() when the request was sent. */
  startedAt: number;
  ms: number;
  status: number;
  /** Bytes on the wire (compressed when gzip was asked for). */
  bytes: number;
  /** The body as received (still gzip when gzip was asked for and given). */
  body: Buffer;
}

export class ScrapeClient {
  private readonly agent: Agent;

  constructor(connections = 1) {
    this.agent = new Agent({ connections, pipelining: 1, keepAliveTimeout: 60_000 });
  }

  async scrape(url: string, options: { gzip?: boolean } = {}): Promise<Scrape> {
    const startedAt = performance.now();
    const res = await request(url, {
      dispatcher: this.agent,
      headers: { 'accept-encoding': options.gzip ? 'gzip' : 'identity' },
    });
    // Timed to the last byte received; joining the chunks is the client's work, after that.
    const chunks: Buffer[] = [];
    for await (const chunk of res.body) chunks.push(chunk as Buffer);
    const ms = performance.now() - startedAt;
    const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    return { startedAt, ms, status: res.statusCode, bytes: body.length, body };
  }

  async status(url: string): Promise<number> {
    try {
      const res = await request(url, { dispatcher: this.agent });
      await res.body.dump();
      return res.statusCode;
    } catch {
      return 0;
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/** Sum of every sample of a family whose labels contain `match` (e.g. `type="added"`), or NaN when none. */
export function sampleValue(body: string | Buffer, name: string, match = ''): number {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  let total = Number.NaN;
  let at = text.indexOf(`\n${name}`);
  while (at >= 0) {
    const end = text.indexOf('\n', at + 1);
    const line = text.slice(at + 1, end < 0 ? undefined : end);
    const rest = line.slice(name.length);
    if ((rest.startsWith('{') || rest.startsWith(' ')) && line.includes(match)) {
      const value = Number(line.slice(line.lastIndexOf(' ') + 1));
      total = Number.isNaN(total) ? value : total + value;
    }
    at = end < 0 ? -1 : text.indexOf(`\n${name}`, end);
  }
  return total;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}
