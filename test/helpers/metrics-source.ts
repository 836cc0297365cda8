// Stand-ins for the exporter behind the HTTP edge, and reading a source's exposition back as text.
import { type BodyPiece, identityBody } from '../../src/exposition/encoded-body.ts';
import type { MetricsSource } from '../../src/http/server.ts';

/** A source whose exposition is whatever `render` returns at each scrape; always ready. */
export function textSource(render: () => string | Promise<string>): MetricsSource {
  return {
    metricsPieces: async () => [await render()],
    readiness: () => ({ ready: true, reason: 'ok' }),
  };
}

/** The exposition a source serves, as the uncompressed body of a scrape. */
export async function metricsText(source: { metricsPieces(): Promise<BodyPiece[]> }): Promise<string> {
  return Buffer.concat(identityBody(await source.metricsPieces())).toString('utf8');
}
