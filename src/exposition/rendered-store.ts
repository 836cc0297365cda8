// Pre-rendered exposition text per subject and family, updated when a subject changes; a scrape only
// concatenates. This keeps scrape cost independent of verdict logic and off the event path.
// Subjects sit in buckets of consecutive keys, each keeping its text per family as one flat UTF-8 buffer (and, once
// asked, its gzip): under churn a change re-renders one subject and re-encodes one bucket, not the megabytes of
// 10,000 namespaces (bench/ measured that on every scrape). Nothing else is kept per subject: strings built with
// `+=` and template literals are ropes that cost several times their length (about 30 MB for 6.4 MB of text at
// 10,000 namespaces), so a subject's text lives only inside its bucket's buffer, found by offsets.
// A change marks the bucket; the next scrape (or text()) renders it, so a burst of events costs one rendering.
// Sample lines read the same in the text format and OpenMetrics: only the families' headers are kept per format.
import { type EncodedPiece, encodedPiece } from './encoded-body.ts';
import { type Family, renderHeader, renderSamples } from './family.ts';
import type { ExpositionFormat } from './openmetrics.ts';

/** Subjects per bucket: small enough that a change re-encodes little, large enough that a scrape has few pieces. */
const BUCKET_SIZE = 64;

/** An entry whose text is in the bucket's buffers already. */
const RENDERED = Symbol('rendered');

interface Entry<T> {
  /** The subject as last set, until the bucket renders it. */
  pending: T | typeof RENDERED;
  /** Its position in the bucket's last rendering (-1 before the first). */
  slot: number;
}

class Bucket<T> {
  readonly entries = new Map<string, Entry<T>>();
  /** One piece per family, from the last rendering. */
  private pieces: EncodedPiece[] = [];
  /** ends[slot * families + family]: where that entry's text ends in pieces[family].bytes. */
  private ends = new Uint32Array(0);
  private dirty = false;
  /** Subjects ever placed here: a bucket that has been full takes no new keys, so keys stay in insertion order. */
  placed = 0;

  set(key: string, subject: T): void {
    const entry = this.entries.get(key);
    if (entry) entry.pending = subject;
    else this.entries.set(key, { pending: subject, slot: -1 });
    this.dirty = true;
  }

  delete(key: string): void {
    if (this.entries.delete(key)) this.dirty = true;
  }

  rendered(families: Family<T>[]): EncodedPiece[] {
    if (this.dirty) this.render(families);
    return this.pieces;
  }

  /** Renders changed entries, copies the others' bytes from the last rendering: one exact-size buffer per family. */
  private render(families: Family<T>[]): void {
    const width = families.length;
    const parts: (string | Buffer)[][] = families.map(() => []);
    const lengths = new Array<number>(width).fill(0);
    const ends = new Uint32Array(this.entries.size * width);
    let slot = 0;
    for (const entry of this.entries.values()) {
      for (let f = 0; f < width; f++) {
        let part: string | Buffer;
        let length: number;
        if (entry.pending !== RENDERED) {
          part = renderSamples(families[f] as Family<T>, entry.pending);
          length = Buffer.byteLength(part, 'utf8');
        } else {
          const end = this.ends[entry.slot * width + f] as number;
          const start = entry.slot === 0 ? 0 : (this.ends[(entry.slot - 1) * width + f] as number);
          part = (this.pieces[f] as EncodedPiece).bytes.subarray(start, end);
          length = end - start;
        }
        if (length > 0) (parts[f] as (string | Buffer)[]).push(part);
        lengths[f] = (lengths[f] as number) + length;
        ends[slot * width + f] = lengths[f] as number;
      }
      entry.pending = RENDERED;
      entry.slot = slot++;
    }
    this.pieces = parts.map((list, f) => encodedPiece(join(list, lengths[f] as number)));
    this.ends = ends;
    this.dirty = false;
  }
}

/** Strings and byte ranges written into one buffer of exactly `length` bytes. */
function join(parts: (string | Buffer)[], length: number): Buffer {
  const out = Buffer.allocUnsafeSlow(length);
  let at = 0;
  for (const part of parts) at += typeof part === 'string' ? out.write(part, at, 'utf8') : part.copy(out, at);
  return out;
}

export class RenderedStore<T> {
  private readonly headers: Record<ExpositionFormat, EncodedPiece[]>;
  private buckets: Bucket<T>[] = [];
  private readonly bucketOf = new Map<string, Bucket<T>>();

  constructor(private readonly families: Family<T>[]) {
    const headers = (format: ExpositionFormat) =>
      families.map((family) => encodedPiece(renderHeader(family, format), { header: true }));
    this.headers = { text: headers('text'), openmetrics: headers('openmetrics') };
  }

  /** The subject is rendered at the next scrape, not kept after that: do not change it once set. */
  set(key: string, subject: T): void {
    let bucket = this.bucketOf.get(key);
    if (!bucket) {
      const last = this.buckets.at(-1);
      bucket = last && last.placed < BUCKET_SIZE ? last : new Bucket<T>();
      if (bucket !== last) this.buckets.push(bucket);
      bucket.placed++;
      this.bucketOf.set(key, bucket);
    }
    bucket.set(key, subject);
  }

  /** A state's change callback: (key, subject) sets it, (key, undefined) deletes it. */
  readonly follow = (key: string, subject: T | undefined): void => {
    if (subject) this.set(key, subject);
    else this.delete(key);
  };

  delete(key: string): void {
    const bucket = this.bucketOf.get(key);
    if (!bucket) return;
    this.bucketOf.delete(key);
    bucket.delete(key);
    if (bucket.entries.size === 0 && bucket.placed >= BUCKET_SIZE)
      this.buckets = this.buckets.filter((b) => b !== bucket);
  }

  get size(): number {
    return this.bucketOf.size;
  }

  /**
   * The exposition as encoded pieces, families in declaration order, subjects in insertion order. Unchanged
   * buckets keep their pieces (bytes, gzip once asked): scrapes between changes encode nothing, in either format.
   */
  pieces(format: ExpositionFormat = 'text'): EncodedPiece[] {
    const rendered = this.buckets.map((bucket) => bucket.rendered(this.families));
    const headers = this.headers[format];
    const out: EncodedPiece[] = [];
    this.families.forEach((_, f) => {
      out.push(headers[f] as EncodedPiece);
      for (const pieces of rendered) out.push(pieces[f] as EncodedPiece);
    });
    return out;
  }

  /** The whole exposition as text (tests, and callers that want a string). */
  text(): string {
    return Buffer.concat(this.pieces().map((p) => p.bytes)).toString('utf8');
  }
}
