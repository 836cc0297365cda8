// Pre-rendered exposition text per subject and family, updated when a subject changes; a scrape only
// concatenates. This keeps scrape cost independent of verdict logic and off the event path.
// Subjects sit in buckets of consecutive keys, each caching its text and encoding per family: under churn a change
// re-joins and re-encodes one bucket, not the megabytes of 10,000 namespaces (bench/ measured that on every scrape).
import { type EncodedPiece, encodedPiece } from './encoded-body.ts';
import { type Family, renderHeader, renderSamples } from './family.ts';

/** Subjects per bucket: small enough that a change re-encodes little, large enough that a scrape has few pieces. */
const BUCKET_SIZE = 64;

class Bucket {
  readonly rendered = new Map<string, string[]>();
  private pieces: (EncodedPiece | undefined)[] = [];
  /** Subjects ever placed here: a bucket that has been full takes no new keys, so keys stay in insertion order. */
  placed = 0;

  changed(): void {
    this.pieces = [];
  }

  piece(family: number): EncodedPiece {
    let piece = this.pieces[family];
    if (!piece) {
      let text = '';
      for (const texts of this.rendered.values()) text += texts[family] ?? '';
      piece = encodedPiece(text);
      this.pieces[family] = piece;
    }
    return piece;
  }
}

export class RenderedStore<T> {
  private readonly headers: EncodedPiece[];
  private buckets: Bucket[] = [];
  private readonly bucketOf = new Map<string, Bucket>();

  constructor(private readonly families: Family<T>[]) {
    this.headers = families.map((family) => encodedPiece(renderHeader(family)));
  }

  set(key: string, subject: T): void {
    let bucket = this.bucketOf.get(key);
    if (!bucket) {
      const last = this.buckets.at(-1);
      bucket = last && last.placed < BUCKET_SIZE ? last : new Bucket();
      if (bucket !== last) this.buckets.push(bucket);
      bucket.placed++;
      this.bucketOf.set(key, bucket);
    }
    bucket.rendered.set(
      key,
      this.families.map((family) => renderSamples(family, subject)),
    );
    bucket.changed();
  }

  delete(key: string): void {
    const bucket = this.bucketOf.get(key);
    if (!bucket) return;
    this.bucketOf.delete(key);
    bucket.rendered.delete(key);
    bucket.changed();
    if (bucket.rendered.size === 0 && bucket.placed >= BUCKET_SIZE)
      this.buckets = this.buckets.filter((b) => b !== bucket);
  }

  get size(): number {
    return this.bucketOf.size;
  }

  /**
   * The exposition as encoded pieces, families in declaration order, subjects in insertion order. Unchanged
   * buckets keep their bytes (and gzip, once asked): scrapes between changes encode nothing.
   */
  pieces(): EncodedPiece[] {
    const out: EncodedPiece[] = [];
    this.families.forEach((_, i) => {
      out.push(this.headers[i] as EncodedPiece);
      for (const bucket of this.buckets) out.push(bucket.piece(i));
    });
    return out;
  }

  /** The whole exposition as text (tests, and callers that want a string). */
  text(): string {
    return Buffer.concat(this.pieces().map((p) => p.bytes)).toString('utf8');
  }
}
