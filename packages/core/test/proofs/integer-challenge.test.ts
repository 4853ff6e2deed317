/**
 * The helpers every CGGMP integer proof verifies with: `isUnit` (each of its conditions on its
 * own: the proofs' verifiers rely on it to refuse non-canonical and negative values, which their
 * equations alone would accept or throw on), the signed challenge's range and sign, and
 * `mulSigned` at a multiple of the group order.
 */
import { describe, expect, it } from 'vitest';
import { SECP256K1 } from '../../src/math/curve.js';
import { Transcript } from '../../src/math/transcript.js';
import { SECURITY_LEVEL_TSS_LIB_2048 } from '../../src/paillier/security-level.js';
import { isUnit, mulSigned, signedChallenge } from '../../src/proofs/integer-challenge.js';

describe('isUnit', () => {
  const n = 7n * 11n;

  it('accepts exactly the units in (0, n)', () => {
    expect(isUnit(1n, n)).toBe(true);
    expect(isUnit(n - 1n, n)).toBe(true);
    expect(isUnit(13n, n)).toBe(true);
  });

  it('refuses 0, multiples of a factor, negative and non-canonical representatives, and non-bigints', () => {
    expect(isUnit(0n, n)).toBe(false);
    expect(isUnit(7n, n)).toBe(false);
    expect(isUnit(22n, n)).toBe(false);
    // −1 and n + 1 are units modulo n, as residues; as values they are not canonical
    expect(isUnit(-1n, n)).toBe(false);
    expect(isUnit(n + 1n, n)).toBe(false);
    expect(isUnit(n, n)).toBe(false);
    // (the type excludes them; a caller from JavaScript gets false, not a TypeError from gcd)
    expect(isUnit(13 as unknown as bigint, n)).toBe(false);
    expect(isUnit('13' as unknown as bigint, n)).toBe(false);
  });
});

describe('signedChallenge', () => {
  const level = SECURITY_LEVEL_TSS_LIB_2048;
  const q = 1n << BigInt(level.challengeBits);
  const challenges = Array.from({ length: 64 }, (_, i) => signedChallenge(new Transcript('test/challenge').appendU32('i', i), level));

  it('lies in [−q, q], takes both signs, and spans the range (not only its lower half)', () => {
    for (const e of challenges) expect(e >= -q && e <= q).toBe(true);
    expect(challenges.filter((e) => e < 0n).length).toBeGreaterThan(16);
    expect(challenges.filter((e) => e > 0n).length).toBeGreaterThan(16);
    // with 64 uniform draws, some |e| exceeds q/2 except with probability 2^−64
    expect(challenges.some((e) => e > q / 2n || e < -q / 2n)).toBe(true);
  });
});

describe('mulSigned', () => {
  it('k·P for signed k, and the identity for multiples of the order (which noble refuses to multiply by)', () => {
    const P = SECP256K1.mulBase(5n);
    expect(mulSigned(SECP256K1, P, -1n).equals(P.negate())).toBe(true);
    expect(mulSigned(SECP256K1, P, SECP256K1.order + 2n).equals(P.add(P))).toBe(true);
    expect(mulSigned(SECP256K1, P, 0n).is0()).toBe(true);
    expect(mulSigned(SECP256K1, P, -SECP256K1.order).is0()).toBe(true);
  });
});
