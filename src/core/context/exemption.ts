// Approved exceptions to CIS 5.3.2, written as annotations on the namespace. Pure: the current time is an
// argument, so tests (and the exporter's expiry timer) decide what "now" is.
//
// An exemption is data, not silence: it needs an owner, a reason and an expiry. A malformed one is not an
// exemption and says why (a bounded set of problems, fit for a label).
import { boundedText } from './bounded-text.ts';

export const DEFAULT_ANNOTATION_PREFIX = 'netpol-exporter.io/';

/** Longest owner and reason kept, in characters: enough for a team, an e-mail address or a ticket sentence. */
const MAX_OWNER_CHARS = 128;
const MAX_REASON_CHARS = 256;

const EXEMPTION_PROBLEMS = [
  /** owner, reason, expires or granted is set but `exempt` is not. */
  'missing_exempt',
  /** `exempt` is neither `true` nor `false`. */
  'bad_exempt_value',
  'missing_owner',
  'missing_reason',
  'missing_expiry',
  'unparsable_expiry',
  'unparsable_granted',
  /** The expiry is not after the grant (the `granted` annotation, else the namespace's creation). */
  'expiry_before_grant',
  /** The expiry lies further ahead than the configured maximum (from `granted`, else from now). */
  'expiry_too_far',
] as const;
export type ExemptionProblem = (typeof EXEMPTION_PROBLEMS)[number];

export interface ExemptionRules {
  /** Annotation prefix, e.g. `netpol-exporter.io/`. */
  prefix: string;
  /** The longest an exemption may run, in seconds. */
  maxDurationSeconds: number;
}

export interface WellFormedExemption {
  owner: string;
  reason: string;
  /** Unix seconds; the exemption holds while now is before it. */
  expiresSeconds: number;
  /** Unix seconds, when the `granted` annotation is set. */
  grantedSeconds?: number;
}

export type ExemptionStatus =
  /** No exemption annotations (or `exempt: "false"`). */
  | { state: 'none' }
  | { state: 'invalid'; problems: ExemptionProblem[]; changesAtSeconds?: number }
  | ({ state: 'valid'; changesAtSeconds: number } & WellFormedExemption)
  | ({ state: 'expired' } & WellFormedExemption);

const ANNOTATION_NAMES = ['exempt', 'owner', 'reason', 'expires', 'granted'] as const;

/** Which namespace annotations the cache must keep for exemptions. */
export function isExemptionAnnotation(prefix: string): (key: string) => boolean {
  const keys = new Set(ANNOTATION_NAMES.map((name) => prefix + name));
  return (key) => keys.has(key);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function isRealDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/**
 * A date (`2026-06-30`) or an RFC 3339 time (`2026-06-30T12:00:00Z`), in Unix seconds; undefined when it is
 * neither. A bare date is a whole day in UTC: `end` gives the end of that day (for expiries: "expires 30 June"
 * still holds on 30 June), `start` its beginning (for grants).
 */
export function parseExemptionTime(raw: string, edge: 'start' | 'end'): number | undefined {
  const text = raw.trim();
  const date = DATE.exec(text);
  if (date) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
    if (!isRealDate(year, month, day)) return undefined;
    return Date.UTC(year, month - 1, day) / 1000 + (edge === 'end' ? 86_400 : 0);
  }
  const time = RFC3339.exec(text);
  if (!time) return undefined;
  const [year, month, day, hour, minute, second] = time.slice(1, 7).map(Number) as number[];
  // Date.parse happily turns 30 February into 2 March: check the fields ourselves.
  if (
    !isRealDate(year ?? 0, month ?? 0, day ?? 0) ||
    (hour ?? 0) > 23 ||
    (minute ?? 0) > 59 ||
    (second ?? 0) > 60
  )
    return undefined;
  const ms = Date.parse(text.replace(' ', 'T'));
  return Number.isNaN(ms) ? undefined : ms / 1000;
}

/**
 * The exemption a namespace's annotations declare, as of `nowSeconds`. `createdSeconds` (the namespace's
 * creation, NaN when unknown) stands in for the grant when no `granted` annotation is set: an exemption cannot
 * have been written before its namespace existed, so an expiry before that was never valid. This depends only
 * on the annotations and the current time, never on what the exporter saw before: an exemption that expired
 * while the exporter was down reads as expired after a restart, not as malformed.
 */
export function evaluateExemption(
  annotations: Readonly<Record<string, string>>,
  createdSeconds: number,
  rules: ExemptionRules,
  nowSeconds: number,
): ExemptionStatus {
  const read = (name: (typeof ANNOTATION_NAMES)[number]) => {
    const value = annotations[rules.prefix + name];
    return value === undefined ? undefined : value.trim();
  };
  const exempt = read('exempt')?.toLowerCase();
  const declared = ANNOTATION_NAMES.some((name) => read(name) !== undefined);
  if (!declared || exempt === 'false') return { state: 'none' };

  const problems: ExemptionProblem[] = [];
  if (exempt === undefined) problems.push('missing_exempt');
  else if (exempt !== 'true') problems.push('bad_exempt_value');
  const owner = read('owner') ?? '';
  const reason = read('reason') ?? '';
  if (owner === '') problems.push('missing_owner');
  if (reason === '') problems.push('missing_reason');

  const rawExpiry = read('expires');
  const expiresSeconds = rawExpiry ? parseExemptionTime(rawExpiry, 'end') : undefined;
  if (!rawExpiry) problems.push('missing_expiry');
  else if (expiresSeconds === undefined) problems.push('unparsable_expiry');

  const rawGranted = read('granted');
  const grantedSeconds = rawGranted ? parseExemptionTime(rawGranted, 'start') : undefined;
  if (rawGranted !== undefined && grantedSeconds === undefined) problems.push('unparsable_granted');

  let changesAtSeconds: number | undefined;
  if (expiresSeconds !== undefined) {
    // An unknown creation time (NaN) is no grant to check against; any other expiry that cannot be shown to come
    // after the grant is not trusted (hence `!(>)`, which a stray NaN fails, rather than `<=`, which it passes).
    const grant = grantedSeconds ?? (Number.isNaN(createdSeconds) ? undefined : createdSeconds);
    if (grant !== undefined && !(expiresSeconds > grant)) problems.push('expiry_before_grant');
    const from = grantedSeconds ?? nowSeconds;
    if (expiresSeconds - from > rules.maxDurationSeconds) {
      problems.push('expiry_too_far');
      // Measured from now, the expiry comes within the maximum as time passes: look again then.
      if (grantedSeconds === undefined) changesAtSeconds = expiresSeconds - rules.maxDurationSeconds;
    }
  }

  if (problems.length > 0 || expiresSeconds === undefined)
    return changesAtSeconds === undefined
      ? { state: 'invalid', problems }
      : { state: 'invalid', problems, changesAtSeconds };
  const exemption: WellFormedExemption = {
    owner: boundedText(owner, MAX_OWNER_CHARS),
    reason: boundedText(reason, MAX_REASON_CHARS),
    expiresSeconds,
    ...(grantedSeconds === undefined ? {} : { grantedSeconds }),
  };
  return nowSeconds < expiresSeconds
    ? { state: 'valid', changesAtSeconds: expiresSeconds, ...exemption }
    : { state: 'expired', ...exemption };
}

/** When the status can next change with no event (an expiry, or a too-far expiry coming within range). */
export function nextChangeSeconds(status: ExemptionStatus): number | undefined {
  return status.state === 'valid' || status.state === 'invalid' ? status.changesAtSeconds : undefined;
}
