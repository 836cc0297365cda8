// Pre-rendered exposition text per subject and family, updated when a subject changes; a scrape only
// concatenates. This keeps scrape cost independent of verdict logic and off the event path.
import { type EncodedPiece, encodedPiece } from './encoded-body.ts';
import { type Family, renderHeader, renderSamples } from './family.ts';

export class RenderedStore<T> {
  private readonly headers: string[];
  private readonly rendered = new Map<string, string[]>();
  private cached: string | undefined;
  private encoded: EncodedPiece | undefined;

  constructor(private readonly families: Family<T>[]) {
    this.headers = families.map(renderHeader);
  }

  set(key: string, subject: T): void {
    this.rendered.set(
      key,
      this.families.map((family) => renderSamples(family, subject)),
    );
    this.cached = undefined;
    this.encoded = undefined;
  }

  delete(key: string): void {
    if (!this.rendered.delete(key)) return;
    this.cached = undefined;
    this.encoded = undefined;
  }

  get size(): number {
    return this.rendered.size;
  }

  /** The whole exposition, families in declaration order, subjects in insertion order. */
  text(): string {
    if (this.cached !== undefined) return this.cached;
    const parts: string[] = [];
    this.families.forEach((_, i) => {
      parts.push(this.headers[i] ?? '');
      for (const texts of this.rendered.values()) parts.push(texts[i] ?? '');
    });
    this.cached = parts.join('');
    return this.cached;
  }

  /** text() as UTF-8 (and gzip, once asked), kept until the next change: scrapes between changes encode nothing. */
  piece(): EncodedPiece {
    this.encoded ??= encodedPiece(this.text());
    return this.encoded;
  }
}
