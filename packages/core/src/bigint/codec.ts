/**
 * Strict wire encodings of big integers on top of `engine/codec.ts`. Residues travel at the
 * fixed byte width of their modulus (and must decode below it); signed values travel as a
 * sign byte and a minimal, bounded magnitude. Each encoding has exactly one form per value,
 * so a decoder that accepts a byte string accepts nothing else for that value.
 */
import { DecodeError, type Reader, type Writer } from '../engine/codec.js';
import { bigIntToBytes, bigIntToMinimalBytes, bitLength, bytesToBigInt } from './arith.js';

export function byteLengthOf(modulus: bigint): number {
  return Math.ceil(bitLength(modulus) / 8);
}

/** A residue 0 ≤ x < modulus at the modulus' byte width. */
export function writeResidue(w: Writer, x: bigint, modulus: bigint): Writer {
  if (x < 0n || x >= modulus) throw new RangeError('residue out of range');
  return w.bytes(bigIntToBytes(x, byteLengthOf(modulus)));
}

export function readResidue(r: Reader, modulus: bigint): bigint {
  const x = bytesToBigInt(r.bytes(byteLengthOf(modulus)));
  if (x >= modulus) throw new DecodeError('residue out of range');
  return x;
}

/** sign u8 (0: ≥ 0, 1: < 0) ‖ u32-length minimal magnitude. */
export function writeSigned(w: Writer, x: bigint): Writer {
  const negative = x < 0n;
  return w.u8(negative ? 1 : 0).varBytes(bigIntToMinimalBytes(negative ? -x : x));
}

/** Rejects negative zero, leading zero bytes and magnitudes longer than maxBytes. */
export function readSigned(r: Reader, maxBytes: number): bigint {
  const sign = r.u8();
  if (sign > 1) throw new DecodeError('bad sign byte');
  const magnitude = r.varBytes(maxBytes);
  if (magnitude.length > 0 && magnitude[0] === 0) throw new DecodeError('non-minimal integer');
  const value = bytesToBigInt(magnitude);
  if (sign === 1 && value === 0n) throw new DecodeError('negative zero');
  return sign === 1 ? -value : value;
}
