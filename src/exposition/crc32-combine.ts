// CRC-32 of a concatenation from the CRCs of its parts, without reading the bytes again: zlib's crc32_combine
// arithmetic (crc32.c, zlib 1.2.12 and later), which Node does not expose. A gzip body of cached pieces then costs
// one multiplication per piece instead of a CRC pass over megabytes of text on every scrape.
//
// CRC-32 is the remainder of the message polynomial modulo P (reflected, 0xedb88320). Appending `n` bytes to a
// message multiplies its CRC by x^(8n) mod P, so crc(A + B) = crc(A) * x^(8 len(B)) mod P xor crc(B).

const POLY = 0xedb88320;

/** a * b modulo P, both reflected polynomials (bit 31 is x^0). */
function multiplyModP(a: number, b: number): number {
  if (a === 0) return 0;
  let m = 0x80000000;
  let product = 0;
  let bb = b;
  for (;;) {
    if (a & m) {
      product ^= bb;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    bb = bb & 1 ? (bb >>> 1) ^ POLY : bb >>> 1;
  }
  return product >>> 0;
}

/** X2N[k] = x^(2^k) mod P. */
const X2N: number[] = [0x40000000]; // x^1
for (let k = 1; k < 32; k++) X2N.push(multiplyModP(X2N[k - 1] as number, X2N[k - 1] as number));

/**
 * The operator that shifts a CRC past `length` appended bytes: x^(8 length) mod P. Computing it costs a few dozen
 * multiplications; a piece whose length does not change keeps its operator, so combining costs one.
 */
export function crc32ShiftFor(length: number): number {
  let p = 0x80000000; // x^0
  let k = 3; // 8 bits per byte: start at x^(2^3)
  // Lengths beyond 2^32 bytes are not a body this exporter sends; Math.floor keeps the loop exact below 2^53.
  for (let n = length; n > 0; n = Math.floor(n / 2), k++)
    if (n % 2 === 1) p = multiplyModP(X2N[k & 31] as number, p);
  return p;
}

/** crc32(A + B) from crc32(A), crc32(B) and B's shift operator (crc32ShiftFor(B.length)). */
export function crc32Combine(crcA: number, crcB: number, shiftB: number): number {
  return (multiplyModP(shiftB, crcA >>> 0) ^ crcB) >>> 0;
}
