// The HTTP edge's own numbers: what it refused and why, and whether a changed web config file was refused.
// One instance is shared by the app (which renders it after the exporter's metrics) and the listeners.
import { type ServingStatus, servingFamilies } from '../exposition/families/exporter.ts';
import { renderHeader, renderSamples } from '../exposition/family.ts';
import type { ExpositionFormat } from '../exposition/openmetrics.ts';

export const REFUSAL_REASONS = [
  /** 401: no credentials, or wrong ones. */
  'unauthenticated',
  /** 403: a client certificate missing, untrusted or without an allowed SAN; or a failed TLS handshake. */
  'client_certificate',
  /** 429: beyond the web config's rate_limit. */
  'rate_limited',
  /** 503: too many password checks waiting. */
  'authentication_busy',
  /** 503: more scrapes at once than the in-flight limit. */
  'scrapes_in_flight',
  /** A connection closed at once: its client address already holds its share. */
  'connections_per_client',
  /** A connection closed at once: the server holds its maximum. */
  'connections',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export const RELOAD_REFUSALS = [
  /** The file or a file it names does not load. */
  'invalid',
  /** It would turn off TLS, basic auth or a client-certificate requirement: only a restart may. */
  'lowers_protection',
  /** Switching from HTTP to HTTPS needs a new server. */
  'needs_restart',
] as const;
export type ReloadRefusal = (typeof RELOAD_REFUSALS)[number];

export class ServingStats implements ServingStatus {
  readonly refused = new Map<RefusalReason, number>(REFUSAL_REASONS.map((reason) => [reason, 0]));

  /** `webConfig`: the web config in use, if any, whose refused reloads the metrics show. */
  constructor(readonly webConfig?: { readonly reloadRefusal: ReloadRefusal | undefined }) {}

  count(reason: RefusalReason): void {
    this.refused.set(reason, (this.refused.get(reason) ?? 0) + 1);
  }

  get webConfigReloadRefused(): ReadonlyMap<ReloadRefusal, number> | undefined {
    const refusal = this.webConfig?.reloadRefusal;
    return this.webConfig
      ? new Map(RELOAD_REFUSALS.map((reason) => [reason, reason === refusal ? 1 : 0]))
      : undefined;
  }

  /** Exposition text of the serving families, appended to each scrape. */
  render(format: ExpositionFormat = 'text'): string {
    let out = '';
    for (const family of servingFamilies) out += renderHeader(family, format) + renderSamples(family, this);
    return out;
  }
}
