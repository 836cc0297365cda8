// Bounds on what one client can take from the server. Every refusal is immediate and clear (a status code, or a
// connection closed at once) rather than work queued that the process cannot keep up with.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { RequestHandler } from 'express';

/** Bounded concurrency for expensive endpoints: beyond the limit a request gets 503 with Retry-After at once. */
export function inFlightLimit(max: number, onRefused: () => void = () => {}): RequestHandler {
  let inFlight = 0;
  return (_req, res, next) => {
    if (inFlight >= max) {
      onRefused();
      res.set('Retry-After', '1').status(503).type('text/plain').send('too many requests in flight\n');
      return;
    }
    inFlight++;
    // 'close' fires once whether the response finished or the client went away.
    res.once('close', () => {
      inFlight--;
    });
    next();
  };
}

/** One key per client: its IP address, IPv4-mapped IPv6 written as plain IPv4. */
export function clientAddress(socket: Pick<Socket, 'remoteAddress'>): string {
  const address = socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

export interface ConnectionLimits {
  /** Open connections in all; beyond it Node closes new ones at once. */
  maxConnections: number;
  /** Open connections per client address; beyond it a new connection from that address is closed at once. */
  maxConnectionsPerClient: number;
}

export type ConnectionRefusal = 'connections' | 'connections_per_client';

/**
 * Caps connections in all and per client address. A client that opens (and dribbles on) more sockets than its share
 * holds only its share: slots stay free for Prometheus, the kubelet and everyone else.
 */
export function limitConnections(
  server: Server,
  limits: ConnectionLimits,
  onRefused: (reason: ConnectionRefusal) => void = () => {},
): void {
  server.maxConnections = limits.maxConnections;
  server.on('drop', () => onRefused('connections'));
  const open = new Map<string, number>();
  // For HTTPS this sees the TCP socket before the TLS handshake, so a refused client costs no handshake.
  server.on('connection', (socket: Socket) => {
    const client = clientAddress(socket);
    const count = open.get(client) ?? 0;
    if (count >= limits.maxConnectionsPerClient) {
      onRefused('connections_per_client');
      socket.destroy();
      return;
    }
    open.set(client, count + 1);
    socket.once('close', () => {
      const left = (open.get(client) ?? 1) - 1;
      if (left > 0) open.set(client, left);
      else open.delete(client);
    });
  });
}

/**
 * exporter-toolkit's `rate_limit` (Go's golang.org/x/time/rate): a bucket of `burst` tokens, full at start, that
 * gains one token every `intervalMs`; each request takes one, and a request that finds none is refused. Like the Go
 * limiter, a burst of 0 refuses every request.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly intervalMs: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) / this.intervalMs);
    this.last = now;
  }

  /** Takes a token; false when there is none. */
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Whole seconds until the next token (at least 1), for Retry-After. */
  retryAfterSeconds(): number {
    this.refill();
    return Math.max(1, Math.ceil(((1 - this.tokens) * this.intervalMs) / 1000));
  }
}
