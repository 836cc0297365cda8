// JSON written in pieces: the audit's report of 24,000 namespaces is 50 MB of JSON (hundreds with the names behind
// other_namespaces), which as one string costs its size twice over (the string, then the bytes written) and, past
// 512 MB, is more than Node can hold as one string at all. The pieces joined are exactly what
// JSON.stringify(value, null, 2) writes, byte for byte.

/**
 * An array whose items are made as they are written, one at a time, and dropped once written. JSON.stringify sees
 * an ordinary array (toJSON), so the value means the same whichever way it is written.
 */
export class JsonArray<T> {
  constructor(private readonly items: () => Iterable<T>) {}

  [Symbol.iterator](): Iterator<T> {
    return this.items()[Symbol.iterator]();
  }

  toJSON(): T[] {
    return [...this];
  }
}

/** Objects and arrays whose members are written one by one (no toJSON of their own to respect). */
function walkable(value: unknown): value is Record<string, unknown> | unknown[] {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value);
  return (
    (proto === Object.prototype || proto === null) &&
    typeof (value as { toJSON?: unknown }).toJSON !== 'function'
  );
}

/** What JSON.stringify writes before and after a value it finds `levels` arrays deep. */
const wrappers: { before: string; after: string }[] = [];
function wrapper(levels: number): { before: string; after: string } {
  let known = wrappers[levels];
  if (!known) {
    let before = '';
    let after = '';
    for (let i = 0; i < levels; i++) {
      before += `${'  '.repeat(i)}[\n`;
      after = `\n${'  '.repeat(i)}]${after}`;
    }
    known = { before: before + '  '.repeat(levels), after };
    wrappers[levels] = known;
  }
  return known;
}

/**
 * JSON.stringify(value, null, 2), starting at `indent` (two spaces a level): the value written inside as many arrays,
 * and cut out, is exactly that (cheaper than indenting each line of the text afterwards).
 */
function whole(value: unknown, indent: string): string | undefined {
  if (indent === '') return JSON.stringify(value, null, 2) as string | undefined;
  const levels = indent.length / 2;
  let wrapped: unknown = value;
  for (let i = 0; i < levels; i++) wrapped = [wrapped];
  const text = JSON.stringify(wrapped, null, 2);
  const { before, after } = wrapper(levels);
  const inner = text.slice(before.length, text.length - after.length);
  // In an array, what JSON leaves out (undefined, a function, what a toJSON makes undefined) is null.
  return inner === 'null' && value !== null && JSON.stringify(value) === undefined ? undefined : inner;
}

/**
 * JSON.stringify(value, null, 2) in pieces: objects and arrays are opened `depth` levels deep (a JsonArray at any of
 * those levels, whatever its items), and what lies deeper is written whole, one piece per member.
 */
export function* jsonChunks(value: unknown, depth = 2, indent = ''): Generator<string> {
  const lazy = value instanceof JsonArray;
  if (depth <= 0 || !(lazy || walkable(value))) {
    yield whole(value, indent) ?? 'null';
    return;
  }
  const inner = `${indent}  `;
  if (lazy || Array.isArray(value)) {
    let first = true;
    for (const item of value as Iterable<unknown>) {
      yield first ? `[\n${inner}` : `,\n${inner}`;
      first = false;
      // As JSON.stringify writes them: what JSON cannot hold is null in an array.
      if (item instanceof JsonArray || walkable(item)) yield* jsonChunks(item, depth - 1, inner);
      else yield whole(item, inner) ?? 'null';
    }
    yield first ? '[]' : `\n${indent}]`;
    return;
  }
  let first = true;
  for (const [key, member] of Object.entries(value)) {
    const deeper = member instanceof JsonArray || walkable(member);
    const text = deeper ? undefined : whole(member, inner);
    // Undefined, functions and symbols: JSON.stringify leaves the key out.
    if (!deeper && text === undefined) continue;
    yield `${first ? '{\n' : ',\n'}${inner}${JSON.stringify(key)}: `;
    first = false;
    if (deeper) yield* jsonChunks(member, depth - 1, inner);
    else yield text as string;
  }
  yield first ? '{}' : `\n${indent}}`;
}

/** The pieces gathered into chunks of about `size` characters: fewer, larger writes. */
export function* inChunks(pieces: Iterable<string>, size = 1 << 16): Generator<string> {
  let chunk = '';
  for (const piece of pieces) {
    chunk += piece;
    if (chunk.length >= size) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}
