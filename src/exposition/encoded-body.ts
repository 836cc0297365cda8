// A /metrics body assembled from pieces encoded once. At 10,000 namespaces the per-namespace text is megabytes:
// turning it into UTF-8 and gzip on every scrape cost tens of milliseconds (bench/). A rendered store's piece keeps
// its bytes and, once asked, its raw deflate until it changes; only the small per-scrape tail is encoded each time.
// Deflate pieces are sync-flushed (byte-aligned, not final), so concatenated they are one deflate stream: the body
// is a single ordinary gzip member (header, pieces, final block, CRC-32 and length), as any client expects.
import { promisify } from 'node:util';
import { constants, crc32, deflateRaw, deflateRawSync } from 'node:zlib';

const deflateRawAsync = promisify(deflateRaw);
const SYNC = { finishFlush: constants.Z_SYNC_FLUSH };
// ID1 ID2, deflate, no flags, mtime 0, no extra flags, OS unknown.
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
const FINAL_BLOCK = deflateRawSync(Buffer.alloc(0));

export interface EncodedPiece {
  readonly bytes: Buffer;
  /** Raw deflate of `bytes`, sync-flushed; computed off the event loop on first use and kept. */
  deflated(): Promise<Buffer>;
}

export function encodedPiece(text: string): EncodedPiece {
  const bytes = Buffer.from(text, 'utf8');
  let deflated: Promise<Buffer> | undefined;
  return {
    bytes,
    deflated: () => {
      deflated ??= deflateRawAsync(bytes, SYNC).catch((err: unknown) => {
        deflated = undefined; // a failure is not kept: the next scrape tries again
        throw err;
      });
      return deflated;
    },
  };
}

/** A piece already encoded, or text rendered for this scrape only. */
export type BodyPiece = EncodedPiece | string;

const bytesOf = (piece: BodyPiece): Buffer =>
  typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece.bytes;

export function identityBody(pieces: BodyPiece[]): Buffer[] {
  return pieces.map(bytesOf);
}

export async function gzipBody(pieces: BodyPiece[]): Promise<Buffer[]> {
  const out: Buffer[] = [GZIP_HEADER];
  let crc = 0;
  let length = 0;
  for (const piece of pieces) {
    const bytes = bytesOf(piece);
    // Empty pieces are skipped: once optimised, zlib.crc32(empty, crc) returns 0 instead of crc (seen on Node 24.9).
    if (bytes.length === 0) continue;
    crc = crc32(bytes, crc);
    length += bytes.length;
    out.push(typeof piece === 'string' ? deflateRawSync(bytes, SYNC) : await piece.deflated());
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(length % 2 ** 32, 4);
  out.push(FINAL_BLOCK, trailer);
  return out;
}
