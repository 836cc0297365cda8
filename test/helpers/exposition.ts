// Reading exposition text back, for assertions: series (name plus labels, as written) to value.
export function parseExposition(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    series.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return series;
}

/** Only the series of families whose name starts with the prefix. */
export function seriesWithPrefix(text: string, prefix: string): Map<string, number> {
  return new Map([...parseExposition(text)].filter(([key]) => key.startsWith(prefix)));
}

/**
 * Polls until check() returns without throwing, or throws its last error after the deadline. The deadline is generous
 * (a wait for a condition costs nothing when it holds) and below the suite's 120 s, so a hang fails with its own error.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs = 60_000,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}
