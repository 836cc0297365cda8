// Bounded concurrency for expensive endpoints: beyond the limit a request gets an immediate 503 with Retry-After
// (a clear answer Prometheus records as a failed scrape) instead of queueing work the process cannot keep up with.
import type { RequestHandler } from 'express';

export function inFlightLimit(max: number): RequestHandler {
  let inFlight = 0;
  return (_req, res, next) => {
    if (inFlight >= max) {
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
