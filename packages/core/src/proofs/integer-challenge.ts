/**
 * Shared pieces of the CGGMP integer proofs (Π^enc, Π^log*, Π^aff-g): the Fiat–Shamir
 * challenge e ∈ ±q (q = 2^challengeBits, as in the CGGMP24 security level), the bounds the
 * verifier enforces, and the unit checks that keep degenerate commitments (0, non-units) from
 * satisfying a verification equation trivially.
 */
import { gcd } from '../bigint/arith.js';
import type { SecurityLevel } from '../paillier/security-level.js';
import type { Transcript } from '../math/transcript.js';
import { type Curve, type GroupPoint, mod } from '../math/curve.js';
import { challengeBelow } from './paillier-context.js';

/** e uniform in [−q, q] from the finalised transcript. */
export function signedChallenge(t: Transcript, level: SecurityLevel): bigint {
  const q = 1n << BigInt(level.challengeBits);
  return challengeBelow(t.digest(), 'e', 0, 0, 2n * q + 1n) - q;
}

/** True iff 0 < x < n and gcd(x, n) = 1. */
export function isUnit(x: bigint, n: bigint): boolean {
  return typeof x === 'bigint' && x > 0n && x < n && gcd(x, n) === 1n;
}

/** Byte bound for the signed responses: a mask of `bits` bits plus e·(secret) and a sign. */
export function responseBytes(level: SecurityLevel, bits: number): number {
  return Math.ceil((bits + level.challengeBits + level.ellPrime + 16) / 8);
}

export function pow2(bits: number): bigint {
  return 1n << BigInt(bits);
}

/** k·P for a signed integer k (reduced modulo the group order; constant time). */
export function mulSigned(curve: Curve, P: GroupPoint, k: bigint): GroupPoint {
  const r = mod(k, curve.order);
  return r === 0n ? curve.identity : P.multiply(r);
}
