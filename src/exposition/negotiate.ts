// Which exposition format a scrape gets, from its Accept header, as client_golang and kube-state-metrics decide it
// (prometheus/common expfmt NegotiateIncludingOpenMetrics, v0.70): clauses by q-value, highest first; the first
// that names `text/plain` (version 0.0.4 or none) or `application/openmetrics-text` (version 1.0.0, 0.0.1 or none,
// which means 0.0.1) wins; anything else, `*/*` included, falls back to the text format. Protobuf is not offered
// (kube-state-metrics does not either). Beyond expfmt, a clause with q=0 is skipped: RFC 9110 makes it a refusal.
// Prometheus 2.x asks `application/openmetrics-text;version=1.0.0,...;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1`.
import type { ExpositionFormat } from './openmetrics.ts';
import { CONTENT_TYPE } from './text.ts';

/** Values of the `escaping` parameter (how names outside the legacy character set are escaped). */
const ESCAPING_SCHEMES = ['allow-utf-8', 'underscores', 'dots', 'values'];

interface AcceptClause {
  type: string;
  subtype: string;
  params: Map<string, string>;
  q: number;
}

function parseAccept(header: string): AcceptClause[] {
  const clauses: AcceptClause[] = [];
  for (const part of header.split(',')) {
    const [range = '', ...rest] = part.split(';').map((s) => s.trim());
    const [type = '', subtype = ''] = range.toLowerCase().split('/');
    if (!type || !subtype) continue;
    const params = new Map<string, string>();
    for (const param of rest) {
      const eq = param.indexOf('=');
      if (eq > 0)
        params.set(
          param.slice(0, eq).trim().toLowerCase(),
          param
            .slice(eq + 1)
            .trim()
            .replace(/^"(.*)"$/, '$1'),
        );
    }
    // An unparsable q reads 0, as Go's ParseFloat error leaves it.
    const q = params.has('q') ? Number(params.get('q')) || 0 : 1;
    clauses.push({ type, subtype, params, q });
  }
  // Highest q first; at equal q a concrete type before a wildcard; otherwise the header's order.
  const wildcards = (c: AcceptClause) => (c.type === '*' ? 2 : 0) + (c.subtype === '*' ? 1 : 0);
  return clauses.sort((a, b) => b.q - a.q || wildcards(a) - wildcards(b));
}

export interface Negotiated {
  format: ExpositionFormat;
  /** The response's Content-Type. */
  contentType: string;
}

export function negotiateFormat(accept: string | undefined): Negotiated {
  let escaping = '';
  for (const clause of parseAccept(accept ?? '')) {
    if (clause.q <= 0) continue;
    // Every name here is in the legacy character set, so each scheme leaves it as it is: echo the one asked for.
    const scheme = clause.params.get('escaping');
    if (scheme && ESCAPING_SCHEMES.includes(scheme)) escaping = `; escaping=${scheme}`;
    const version = clause.params.get('version') ?? '';
    if (clause.type === 'text' && clause.subtype === 'plain' && (version === '0.0.4' || version === ''))
      return { format: 'text', contentType: CONTENT_TYPE + escaping };
    if (
      clause.type === 'application' &&
      clause.subtype === 'openmetrics-text' &&
      (version === '1.0.0' || version === '0.0.1' || version === '')
    )
      return {
        format: 'openmetrics',
        contentType: `application/openmetrics-text; version=${version || '0.0.1'}; charset=utf-8${escaping}`,
      };
  }
  return { format: 'text', contentType: CONTENT_TYPE + escaping };
}
