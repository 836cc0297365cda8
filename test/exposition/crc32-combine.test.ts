// The gzip trailer of every /metrics body rests on this arithmetic: combined CRCs must equal zlib's CRC of the
// concatenated bytes, for any split, or gunzip (and Prometheus) rejects the body.
import { crc32 } from 'node:zlib';
import { expect } from 'chai';
import fc from 'fast-check';
import { crc32Combine, crc32ShiftFor } from '../../src/exposition/crc32-combine.ts';

describe('CRC-32 combine', () => {
  it('equals the CRC of the concatenation, for any two parts', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (a, b) => {
        const whole = crc32(Buffer.concat([a, b]));
        const combined = crc32Combine(
          a.length ? crc32(a) : 0,
          b.length ? crc32(b) : 0,
          crc32ShiftFor(b.length),
        );
        expect(combined).to.equal(whole);
      }),
      { numRuns: 500 },
    );
  });

  it('folds many pieces, as a body of thousands of pieces does', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 50 }), (parts) => {
        let crc = 0;
        for (const part of parts)
          crc = crc32Combine(crc, part.length ? crc32(part) : 0, crc32ShiftFor(part.length));
        expect(crc).to.equal(crc32(Buffer.concat(parts)));
      }),
      { numRuns: 200 },
    );
  });

  it('holds for parts of megabytes', () => {
    const a = Buffer.alloc(3_000_001, 'netpol_namespace_covered{namespace="a"} 1\n');
    const b = Buffer.alloc(6_200_003, 'netpol_namespace_default_deny{namespace="b",direction="egress"} 0\n');
    expect(crc32Combine(crc32(a), crc32(b), crc32ShiftFor(b.length))).to.equal(crc32(Buffer.concat([a, b])));
  });
});
