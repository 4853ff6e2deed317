import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readResidue, readSigned, writeResidue, writeSigned } from '../../src/bigint/codec.js';
import { DecodeError, Reader, Writer } from '../../src/engine/codec.js';

describe('big-integer codecs', () => {
  it('signed integers round-trip and have one encoding each', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 4000n), max: 1n << 4000n }), (x) => {
        const bytes = writeSigned(new Writer(), x).finish();
        const r = new Reader(bytes);
        expect(readSigned(r, 600)).toBe(x);
        r.end();
      }),
    );
  });

  it('rejects negative zero, leading zeros, bad sign bytes and oversized magnitudes', () => {
    const read = (b: number[], max = 8) => readSigned(new Reader(Uint8Array.from(b)), max);
    expect(() => read([1, 0, 0, 0, 0])).toThrow(DecodeError);
    expect(() => read([0, 0, 0, 0, 2, 0, 5])).toThrow(/non-minimal/);
    expect(() => read([2, 0, 0, 0, 1, 5])).toThrow(/sign/);
    expect(() => read([0, 0, 0, 0, 9, 1, 1, 1, 1, 1, 1, 1, 1, 1])).toThrow(/too long/);
    expect(read([1, 0, 0, 0, 1, 5])).toBe(-5n);
  });

  it('residues travel at the modulus width and must be below it', () => {
    const m = 1000n;
    expect(writeResidue(new Writer(), 999n, m).finish()).toEqual(Uint8Array.of(0x03, 0xe7));
    expect(() => writeResidue(new Writer(), 1000n, m)).toThrow(RangeError);
    expect(() => readResidue(new Reader(Uint8Array.of(0x03, 0xe8)), m)).toThrow(/out of range/);
    expect(() => readResidue(new Reader(Uint8Array.of(0x03)), m)).toThrow(/truncated/);
  });
});
