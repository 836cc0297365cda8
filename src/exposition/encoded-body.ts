// A /metrics body assembled from pieces encoded once. At 10,000 namespaces the per-namespace text is megabytes:
// turning it into UTF-8 and gzip on every scrape cost tens of milliseconds (bench/). A rendered store's piece keeps
// its bytes and, once asked, its raw deflate and CRC-32 until it changes; only the small per-scrape tail is encoded
// each time. Deflate pieces are sync-flushed (byte-aligned, not final), so concatenated they are one deflate stream:
// the body is a single ordinary gzip member (header, pieces, final block, CRC-32 and length), as any client expects.
//
// Consecutive cached pieces are deflated into joined groups, one buffer per group kept until one of its pieces
// changes: a gzip scrape writes a few dozen chunks, not thousands, and combines CRCs (crc32-combine.ts) instead of
// reading the whole body. A piece's deflate lives in its group's buffer only: it is held once.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { constants, crc32, deflateRawSync } from 'node:zlib';
import { crc32Combine, crc32ShiftFor } from './crc32-combine.ts';

// Sync-flushed, and zlib's output gathered in 1 KB chunks: a bucket deflates to a few hundred bytes, and each call
// would otherwise allocate (and drop) a 16 KB output buffer.
const SYNC = { finishFlush: constants.Z_SYNC_FLUSH, chunkSize: 1024 };
// ID1 ID2, deflate, no flags, mtime 0, no extra flags, OS unknown.
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
const FINAL_BLOCK = deflateRawSync(Buffer.alloc(0));
/** A body that needs many pieces deflated (the first gzip scrape) lets other work in this often. */
const DEFLATE_SLICE_MS = 2;
/**
 * Consecutive sample pieces deflated into one buffer. A change re-joins its group only (about 11 KB of gzip at
 * 10,000 namespaces), and a scrape writes one chunk per group and per family header: about 50 for the 2,054
 * pieces there.
 */
const GROUP = 64;

export interface EncodedPiece {
  /** The UTF-8 text. */
  readonly bytes: Buffer;
  /**
   * A family's header, which differs by format: gzip deflates it apart from the sample pieces around it, so the
   * joined runs of samples are the same, and stay cached, whichever format a scrape asks for.
   */
  readonly header?: boolean;
  /** Raw deflate of `bytes`, sync-flushed; computed on first use and kept. */
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
  /** Where the raw deflate is kept: a buffer of its own, or a range of a run's joined buffer. */
  private deflateIn: Buffer | undefined;
  private deflateAt = 0;
  private deflateLength = 0;
  private crcValue = -1;
  private shiftValue = -1;

  constructor(
    readonly bytes: Buffer,
    readonly header = false,
  ) {}

  get hasDeflate(): boolean {
    return this.deflateIn !== undefined;
  }

  /**
   * Deflates on the event loop: a bucket's few kilobytes take tens of microseconds, and a thread-pool round trip
   * per piece cost three times that in CPU (bench/levers.ts). zlib hands back a view of its 16 KB output buffer,
   * which a 75-byte piece would keep alive: the result is copied to its exact size.
   */
  deflateNow(): void {
    if (this.deflateIn) return;
    const out = exactCopy(deflateRawSync(this.bytes, SYNC));
    this.deflateIn = out;
    this.deflateAt = 0;
    this.deflateLength = out.length;
  }

  deflated(): Promise<Buffer> {
    try {
      this.deflateNow();
      const kept = this.deflateIn as Buffer;
      return Promise.resolve(kept.subarray(this.deflateAt, this.deflateAt + this.deflateLength));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Copies the kept deflate into `target` at `at`, then keeps it there (the old buffer can go): its length. */
  moveDeflateInto(target: Buffer, at: number): number {
    this.deflateNow();
    const length = this.deflateLength;
    (this.deflateIn as Buffer).copy(target, at, this.deflateAt, this.deflateAt + length);
    this.deflateIn = target;
    this.deflateAt = at;
    return length;
  }

  get deflatedLength(): number {
    this.deflateNow();
    return this.deflateLength;
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
export function encodedPiece(content: string | Buffer, options: { header?: boolean } = {}): EncodedPiece {
  const header = options.header ?? false;
  if (typeof content !== 'string') return new Piece(exactCopy(content), header);
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(content, 'utf8'));
  bytes.write(content, 'utf8');
  return new Piece(bytes, header);
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

// Keyed by a group's first piece; an entry goes when that piece does.
const gzipRuns = new WeakMap<EncodedPiece, Joined<Promise<GzipRun>>>();

/** Whether pieces[from, to) are exactly the pieces a joined buffer was made of. */
function samePieces(
  joined: readonly EncodedPiece[],
  pieces: readonly BodyPiece[],
  from: number,
  to: number,
): boolean {
  if (joined.length !== to - from) return false;
  for (let i = from; i < to; i++) if (joined[i - from] !== pieces[i]) return false;
  return true;
}

const isHeader = (piece: BodyPiece | undefined): boolean =>
  typeof piece === 'object' && piece.header === true;

/** The end of the run of encoded pieces that starts at `from`: a header is a run of its own. */
function runEnd(pieces: readonly BodyPiece[], from: number): number {
  if (isHeader(pieces[from])) return from + 1;
  let to = from;
  while (to < pieces.length && typeof pieces[to] !== 'string' && !isHeader(pieces[to])) to++;
  return to;
}

/**
 * The pieces' bytes as they are. Not joined like gzip: identity is for people and tests (Prometheus asks for gzip),
 * and under churn re-joining megabytes of text per scrape made more garbage than the writes it saved.
 */
export function identityBody(pieces: BodyPiece[]): Buffer[] {
  const out: Buffer[] = [];
  for (const piece of pieces) {
    const bytes = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece.bytes;
    if (bytes.length > 0) out.push(bytes);
  }
  return out;
}

async function buildGzipRun(run: EncodedPiece[]): Promise<GzipRun> {
  // Deflate what is missing, letting other work in every few milliseconds.
  let slice = performance.now();
  const foreign = new Map<EncodedPiece, Buffer>();
  for (const piece of run) {
    if (piece.bytes.length === 0) continue;
    if (!(piece instanceof Piece)) foreign.set(piece, await piece.deflated());
    else if (!piece.hasDeflate) {
      piece.deflateNow();
      if (performance.now() - slice > DEFLATE_SLICE_MS) {
        await nextTurn();
        slice = performance.now();
      }
    }
  }
  let total = 0;
  for (const piece of run)
    if (piece.bytes.length > 0)
      total += piece instanceof Piece ? piece.deflatedLength : (foreign.get(piece) as Buffer).length;
  const joined = Buffer.allocUnsafeSlow(total);
  let at = 0;
  let crc = 0;
  let length = 0;
  for (const piece of run) {
    // An empty piece adds nothing to the stream.
    if (piece.bytes.length === 0) continue;
    if (piece instanceof Piece) {
      at += piece.moveDeflateInto(joined, at);
      crc = crc32Combine(crc, piece.crc, piece.shift);
    } else {
      const d = foreign.get(piece) as Buffer;
      at += d.copy(joined, at);
      crc = crc32Combine(crc, crc32(piece.bytes), crc32ShiftFor(piece.bytes.length));
    }
    length += piece.bytes.length;
  }
  return { deflated: joined, crc, length, shift: crc32ShiftFor(length) };
}

function gzipRun(pieces: readonly BodyPiece[], from: number, to: number): Promise<GzipRun> {
  const first = pieces[from] as EncodedPiece;
  const cached = gzipRuns.get(first);
  if (cached && samePieces(cached.pieces, pieces, from, to)) return cached.result;
  // Concurrent scrapes of the same pieces share one build.
  const run = pieces.slice(from, to) as EncodedPiece[];
  const result = buildGzipRun(run);
  gzipRuns.set(first, { pieces: run, result });
  result.catch(() => {
    if (gzipRuns.get(first)?.result === result) gzipRuns.delete(first); // the next scrape tries again
  });
  return result;
}

/**
 * Text as deflate "stored" blocks (type 00, at most 65,535 bytes each): valid deflate at no zlib cost. The tail a
 * scrape renders is a few kilobytes; compressing it cost a zlib state (and its external memory) per scrape.
 */
function storedBlocks(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafe(bytes.length + Math.ceil(bytes.length / 65_535) * 5);
  let at = 0;
  for (let from = 0; from < bytes.length; from += 65_535) {
    const length = Math.min(65_535, bytes.length - from);
    out[at] = 0; // BFINAL 0, BTYPE 00, then padding to the byte boundary (the stream is byte-aligned here)
    out.writeUInt16LE(length, at + 1);
    out.writeUInt16LE(~length & 0xffff, at + 3);
    bytes.copy(out, at + 5, from, from + length);
    at += 5 + length;
  }
  return out;
}

/** Per-scrape text larger than this is still compressed. */
const STORED_MAX = 16 * 1024;

export async function gzipBody(pieces: BodyPiece[]): Promise<Buffer[]> {
  const out: Buffer[] = [GZIP_HEADER];
  let crc = 0;
  let length = 0;
  for (let i = 0; i < pieces.length; ) {
    const piece = pieces[i] as BodyPiece;
    if (typeof piece === 'string') {
      i++;
      const bytes = Buffer.from(piece, 'utf8');
      // Empty pieces are skipped: once optimised, zlib.crc32(empty, crc) returns 0 instead of crc (seen on Node 24.9).
      if (bytes.length === 0) continue;
      crc = crc32(bytes, crc);
      length += bytes.length;
      out.push(bytes.length <= STORED_MAX ? storedBlocks(bytes) : deflateRawSync(bytes, SYNC));
      continue;
    }
    const to = runEnd(pieces, i);
    for (let group = i; group < to; group += GROUP) {
      const run = await gzipRun(pieces, group, Math.min(to, group + GROUP));
      if (run.length === 0) continue;
      crc = crc32Combine(crc, run.crc, run.shift);
      length += run.length;
      out.push(run.deflated);
    }
    i = to;
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(length % 2 ** 32, 4);
  out.push(FINAL_BLOCK, trailer);
  return out;
}
