// A /metrics body assembled from pieces encoded once. At 10,000 namespaces the per-namespace text is megabytes:
// turning it into UTF-8 and gzip on every scrape cost tens of milliseconds (bench/). A rendered store's piece keeps
// its bytes and, once asked, its raw deflate and CRC-32 until it changes; only the small per-scrape tail is encoded
// each time. Deflate pieces are sync-flushed (byte-aligned, not final), so concatenated they are one deflate stream:
// the body is a single ordinary gzip member (header, pieces, final block, CRC-32 and length), as any client expects.
//
// Consecutive cached pieces (a run) are joined into one buffer per encoding and kept until one of them changes, so
// a scrape writes a handful of chunks, not thousands, and combines CRCs (crc32-combine.ts) instead of reading the
// whole body. Once joined, each piece's bytes become a view into the joined buffer: the text is held once.
import { constants, crc32, deflateRaw, deflateRawSync } from 'node:zlib';
import { crc32Combine, crc32ShiftFor } from './crc32-combine.ts';

const SYNC = { finishFlush: constants.Z_SYNC_FLUSH };
// ID1 ID2, deflate, no flags, mtime 0, no extra flags, OS unknown.
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
const FINAL_BLOCK = deflateRawSync(Buffer.alloc(0));
const EMPTY = Buffer.alloc(0);
/** Deflates at once on the thread pool: enough to keep its four threads busy, few enough zlib states alive. */
const DEFLATE_CONCURRENCY = 4;

export interface EncodedPiece {
  /** The UTF-8 text. Its content never changes; its memory may move into a joined buffer. */
  readonly bytes: Buffer;
  /** Raw deflate of `bytes`, sync-flushed; computed off the event loop on first use and kept. */
  deflated(): Promise<Buffer>;
}

/** Memory of its own, exactly `length` bytes: a slice of a larger buffer would keep all of that alive. */
function exactCopy(source: Buffer): Buffer {
  if (source.byteOffset === 0 && source.buffer.byteLength === source.length) return source;
  const copy = Buffer.allocUnsafeSlow(source.length);
  source.copy(copy);
  return copy;
}

class Piece implements EncodedPiece {
  private deflate: Promise<Buffer> | undefined;
  private crcValue = -1;
  private shiftValue = -1;

  constructor(public bytes: Buffer) {}

  deflated(): Promise<Buffer> {
    this.deflate ??= new Promise<Buffer>((resolve, reject) =>
      // zlib hands back a view of its 16 KB output buffer: a 75-byte piece would keep 16,384 bytes alive.
      deflateRaw(this.bytes, SYNC, (err, out) => (err ? reject(err) : resolve(exactCopy(out)))),
    ).catch((err: unknown) => {
      this.deflate = undefined; // a failure is not kept: the next scrape tries again
      throw err;
    });
    return this.deflate;
  }

  /** Points the kept deflate at the same bytes inside a joined buffer. */
  moveDeflated(view: Buffer): void {
    this.deflate = Promise.resolve(view);
  }

  get crc(): number {
    // zlib.crc32 of an empty buffer is 0 (and once optimised it returned 0 for crc32(empty, crc) too, Node 24.9).
    if (this.crcValue < 0) this.crcValue = this.bytes.length === 0 ? 0 : crc32(this.bytes);
    return this.crcValue;
  }

  get shift(): number {
    if (this.shiftValue < 0) this.shiftValue = crc32ShiftFor(this.bytes.length);
    return this.shiftValue;
  }
}

/** A piece of text (or bytes) encoded once; bytes are copied into memory of their own. */
export function encodedPiece(content: string | Buffer): EncodedPiece {
  if (typeof content !== 'string') return new Piece(exactCopy(content));
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(content, 'utf8'));
  bytes.write(content, 'utf8');
  return new Piece(bytes);
}

/** A piece already encoded, or text rendered for this scrape only. */
export type BodyPiece = EncodedPiece | string;

/** What a run of pieces looked like when its joined buffer was made. */
interface Joined<T> {
  pieces: readonly EncodedPiece[];
  result: T;
}

interface GzipRun {
  deflated: Buffer;
  crc: number;
  length: number;
  shift: number;
}

// Keyed by a run's first piece (a store's first family header, which lives as long as the store).
const identityRuns = new WeakMap<EncodedPiece, Joined<Buffer>>();
const gzipRuns = new WeakMap<EncodedPiece, Joined<Promise<GzipRun>>>();

function samePieces(a: readonly EncodedPiece[], b: readonly EncodedPiece[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Splits the body into single strings and maximal runs of encoded pieces, in order. */
function* segments(pieces: readonly BodyPiece[]): Generator<string | EncodedPiece[]> {
  let run: EncodedPiece[] = [];
  for (const piece of pieces) {
    if (typeof piece !== 'string') {
      run.push(piece);
      continue;
    }
    if (run.length > 0) yield run;
    run = [];
    yield piece;
  }
  if (run.length > 0) yield run;
}

function joinIdentity(run: EncodedPiece[]): Buffer {
  if (run.length === 1) return (run[0] as EncodedPiece).bytes;
  const first = run[0] as EncodedPiece;
  const cached = identityRuns.get(first);
  if (cached && samePieces(cached.pieces, run)) return cached.result;
  let total = 0;
  for (const piece of run) total += piece.bytes.length;
  const joined = Buffer.allocUnsafeSlow(total);
  let at = 0;
  for (const piece of run) {
    const length = piece.bytes.length;
    piece.bytes.copy(joined, at);
    if (piece instanceof Piece) piece.bytes = joined.subarray(at, at + length);
    at += length;
  }
  identityRuns.set(first, { pieces: run, result: joined });
  return joined;
}

export function identityBody(pieces: BodyPiece[]): Buffer[] {
  const out: Buffer[] = [];
  for (const segment of segments(pieces)) {
    if (typeof segment === 'string') {
      if (segment !== '') out.push(Buffer.from(segment, 'utf8'));
    } else out.push(joinIdentity(segment));
  }
  return out;
}

async function deflateAll(run: EncodedPiece[]): Promise<Buffer[]> {
  const out: Buffer[] = new Array(run.length);
  let next = 0;
  const worker = async () => {
    while (next < run.length) {
      const i = next++;
      const piece = run[i] as EncodedPiece;
      // An empty piece adds nothing to the stream: no zlib state for it.
      out[i] = piece.bytes.length === 0 ? EMPTY : await piece.deflated();
    }
  };
  await Promise.all(Array.from({ length: Math.min(DEFLATE_CONCURRENCY, run.length) }, worker));
  return out;
}

async function buildGzipRun(run: EncodedPiece[]): Promise<GzipRun> {
  const deflated = await deflateAll(run);
  let total = 0;
  for (const d of deflated) total += d.length;
  const joined = Buffer.allocUnsafeSlow(total);
  let at = 0;
  let crc = 0;
  let length = 0;
  run.forEach((piece, i) => {
    const d = deflated[i] as Buffer;
    d.copy(joined, at);
    if (piece instanceof Piece) {
      if (d.length > 0) piece.moveDeflated(joined.subarray(at, at + d.length));
      if (piece.bytes.length > 0) {
        crc = crc32Combine(crc, piece.crc, piece.shift);
        length += piece.bytes.length;
      }
    } else if (piece.bytes.length > 0) {
      // Not one of ours: read its bytes.
      crc = crc32Combine(crc, crc32(piece.bytes), crc32ShiftFor(piece.bytes.length));
      length += piece.bytes.length;
    }
    at += d.length;
  });
  return { deflated: joined, crc, length, shift: crc32ShiftFor(length) };
}

function gzipRun(run: EncodedPiece[]): Promise<GzipRun> {
  const first = run[0] as EncodedPiece;
  const cached = gzipRuns.get(first);
  if (cached && samePieces(cached.pieces, run)) return cached.result;
  // Concurrent scrapes of the same pieces share one build.
  const result = buildGzipRun(run);
  gzipRuns.set(first, { pieces: run, result });
  result.catch(() => {
    if (gzipRuns.get(first)?.result === result) gzipRuns.delete(first); // the next scrape tries again
  });
  return result;
}

export async function gzipBody(pieces: BodyPiece[]): Promise<Buffer[]> {
  const out: Buffer[] = [GZIP_HEADER];
  let crc = 0;
  let length = 0;
  for (const segment of segments(pieces)) {
    if (typeof segment === 'string') {
      const bytes = Buffer.from(segment, 'utf8');
      // Empty pieces are skipped: once optimised, zlib.crc32(empty, crc) returns 0 instead of crc (seen on Node 24.9).
      if (bytes.length === 0) continue;
      crc = crc32(bytes, crc);
      length += bytes.length;
      out.push(deflateRawSync(bytes, SYNC));
      continue;
    }
    const run = await gzipRun(segment);
    if (run.length === 0) continue;
    crc = crc32Combine(crc, run.crc, run.shift);
    length += run.length;
    out.push(run.deflated);
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(length % 2 ** 32, 4);
  out.push(FINAL_BLOCK, trailer);
  return out;
}
