// Values users write (annotation and label values) end up in label values, alert texts and log lines. A
// namespace annotation may hold up to 256 KiB of anything: bound it so one hostile value cannot bloat every
// scrape, and drop control characters so it cannot forge lines in a log or an alert.

/** Appended to a value that was cut short, so a reader knows it is not the whole value. */
export const TRUNCATION_MARKER = '…';

/**
 * Control characters (newlines included) become spaces; then at most `maxChars` code points are kept (never
 * splitting a surrogate pair), the last of them being the truncation marker. Unicode otherwise passes as is.
 */
export function boundedText(value: string, maxChars: number): string {
  // Lone surrogates cannot be encoded as UTF-8; replace them rather than let the encoder do it silently.
  const clean = value
    .replace(/\p{Cc}/gu, ' ')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  const chars = Array.from(clean);
  if (chars.length <= maxChars) return clean;
  return chars.slice(0, Math.max(0, maxChars - 1)).join('') + TRUNCATION_MARKER;
}
