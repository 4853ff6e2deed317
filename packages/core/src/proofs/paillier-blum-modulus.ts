/**
 * Π^mod: proof that N is a Paillier–Blum modulus, i.e. N = p·q with p ≡ q ≡ 3 (mod 4) and
 * gcd(N, φ(N)) = 1 (CGGMP24, "Paillier-Blum Modulus ZK"). The prover sends w of Jacobi symbol
 * −1; for m challenges y_i ∈ Z*_N it answers a fourth root x_i of (−1)^a_i·w^b_i·y_i and an N-th
 * root z_i of y_i. Each repetition halves a cheater's chance, so m = 128 gives 2⁻¹²⁸.
 *
 * The verifier also checks what the figure leaves implicit and implementations got wrong:
 * N odd, large enough for the level, not prime and not a perfect square; w a unit with
 * Jacobi(w, N) = −1 (skipping it breaks soundness: the missing-Jacobi and missing-gcd Π^mod
 * bugs reported against several libraries, and TSSHOCK); every x_i, z_i in [1, N); a_i, b_i bits. Challenges y_i are
 * derived per repetition from the transcript and are pairwise distinct by construction.
 */
import type { Rng } from '../rng.js';
import { bitLength, crt, gcd, isqrt, jacobi, modInverse, randomUnit } from '../bigint/arith.js';
import { byteLengthOf, readResidue, writeResidue } from '../bigint/codec.js';
import { isProbablePrime, modPow, modPowSecret } from '../bigint/node-crypto.js';
import { type SecurityLevel } from '../paillier/security-level.js';
import { DecodeError, Reader, Writer } from '../engine/codec.js';
import { type ProofContext, challengeBelow, proofTranscript } from './paillier-context.js';

const DOMAIN = 'mpc-wallet/v1/proof/paillier-blum-modulus';

export interface ModRepetition {
  readonly x: bigint;
  readonly a: 0 | 1;
  readonly b: 0 | 1;
  readonly z: bigint;
}

export interface ModProof {
  readonly w: bigint;
  readonly reps: readonly ModRepetition[];
}

/**
 * The m challenges: each y_i is drawn for repetition i (redrawn while it is not a unit or
 * repeats an earlier y_j), so no two repetitions ever answer the same challenge.
 */
export function modChallenges(level: SecurityLevel, ctx: ProofContext, n: bigint, w: bigint): bigint[] {
  const seed = proofTranscript(DOMAIN, level, ctx)
    .appendU32('repetitions', level.repetitions)
    .appendBigInt('N', n)
    .appendBigInt('w', w)
    .digest();
  const seen = new Set<bigint>();
  const ys: bigint[] = [];
  for (let i = 0; i < level.repetitions; i++) {
    for (let attempt = 0; ; attempt++) {
      const y = challengeBelow(seed, 'y', i, attempt, n);
      if (y !== 0n && gcd(y, n) === 1n && !seen.has(y)) {
        seen.add(y);
        ys.push(y);
        break;
      }
    }
  }
  return ys;
}

/** Checks on N alone that every verifier applies before looking at a proof. */
export function isPlausibleBlumModulus(n: bigint, level: SecurityLevel): boolean {
  if (typeof n !== 'bigint' || n <= 3n || (n & 1n) === 0n) return false;
  if (bitLength(n) < level.minPaillierBits) return false;
  const r = isqrt(n);
  if (r * r === n) return false;
  return !isProbablePrime(n);
}

export function proveModulus(level: SecurityLevel, ctx: ProofContext, p: bigint, q: bigint, rng: Rng): ModProof {
  if (p === q || (p & 3n) !== 3n || (q & 3n) !== 3n) throw new RangeError('Π^mod needs distinct Blum primes');
  const n = p * q;
  const phi = (p - 1n) * (q - 1n);
  let w: bigint;
  do w = randomUnit(n, rng);
  while (jacobi(w, n) !== -1);
  const d = modInverse(n, phi);
  const dp = d % (p - 1n);
  const dq = d % (q - 1n);
  // Fourth root of a quadratic residue a mod a Blum prime: a^(((p+1)/4)²), reduced mod p − 1.
  const rootP = ((p + 1n) / 4n) ** 2n % (p - 1n);
  const rootQ = ((q + 1n) / 4n) ** 2n % (q - 1n);
  const pInvQ = modInverse(p, q);
  const wp = jacobi(w, p);
  const wq = jacobi(w, q);
  const reps = modChallenges(level, ctx, n, w).map((y): ModRepetition => {
    const yp = jacobi(y, p);
    const yq = jacobi(y, q);
    // −1 is a non-residue mod both Blum primes and w is a residue mod exactly one, so exactly
    // one (a, b) makes (−1)^a·w^b·y a residue mod both.
    for (const a of [0, 1] as const) {
      for (const b of [0, 1] as const) {
        const sp = (a ? -1 : 1) * (b ? wp : 1) * yp;
        const sq = (a ? -1 : 1) * (b ? wq : 1) * yq;
        if (sp !== 1 || sq !== 1) continue;
        let yPrime = b ? (w * y) % n : y;
        if (a) yPrime = n - yPrime;
        // secret exponents modulo the secret primes: the constant-time road
        const x = crt(modPowSecret(yPrime, rootP, p), p, modPowSecret(yPrime, rootQ, q), q, pInvQ);
        const z = crt(modPowSecret(y, dp, p), p, modPowSecret(y, dq, q), q, pInvQ);
        return { x, a, b, z };
      }
    }
    throw new RangeError('Π^mod: modulus is not a Blum integer');
  });
  return { w, reps };
}

export function verifyModulus(level: SecurityLevel, ctx: ProofContext, n: bigint, proof: ModProof): boolean {
  try {
    if (!isPlausibleBlumModulus(n, level)) return false;
    const { w, reps } = proof;
    if (typeof w !== 'bigint' || w <= 0n || w >= n || gcd(w, n) !== 1n || jacobi(w, n) !== -1) return false;
    if (!Array.isArray(reps) || reps.length !== level.repetitions) return false;
    const ys = modChallenges(level, ctx, n, w);
    for (let i = 0; i < ys.length; i++) {
      const y = ys[i]!;
      const { x, a, b, z } = reps[i]!;
      if ((a !== 0 && a !== 1) || (b !== 0 && b !== 1)) return false;
      if (typeof x !== 'bigint' || typeof z !== 'bigint' || x <= 0n || x >= n || z <= 0n || z >= n) return false;
      let expected = b ? (w * y) % n : y;
      if (a) expected = n - expected;
      const x2 = (x * x) % n;
      if ((x2 * x2) % n !== expected) return false;
      // z^N as z^(N−1)·z keeps the exponent below the modulus, OpenSSL's fastest road.
      if ((modPow(z, n - 1n, n) * z) % n !== y) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** u16 m ‖ w ‖ m × (x ‖ a u8 ‖ b u8 ‖ z), residues at N's byte width. */
export function encodeModProof(n: bigint, proof: ModProof): Uint8Array {
  const w = new Writer().u16(proof.reps.length);
  writeResidue(w, proof.w, n);
  for (const r of proof.reps) {
    writeResidue(w, r.x, n).u8(r.a).u8(r.b);
    writeResidue(w, r.z, n);
  }
  return w.finish();
}

export function decodeModProof(level: SecurityLevel, n: bigint, bytes: Uint8Array): ModProof {
  if (n <= 1n) throw new DecodeError('bad modulus');
  const expected = 2 + byteLengthOf(n) * (1 + 2 * level.repetitions) + 2 * level.repetitions;
  if (bytes.length !== expected) throw new DecodeError('bad Π^mod proof length');
  const r = new Reader(bytes);
  if (r.u16() !== level.repetitions) throw new DecodeError('wrong number of repetitions');
  const w = readResidue(r, n);
  const reps: ModRepetition[] = [];
  for (let i = 0; i < level.repetitions; i++) {
    const x = readResidue(r, n);
    const a = r.u8();
    const b = r.u8();
    if ((a !== 0 && a !== 1) || (b !== 0 && b !== 1)) throw new DecodeError('challenge selector is not a bit');
    const z = readResidue(r, n);
    reps.push({ x, a, b, z });
  }
  r.end();
  return { w, reps };
}
