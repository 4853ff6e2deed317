/**
 * Π^fac: proof that a modulus N₀ = p·q has no small factor — both p and q exceed 2^ℓ, so
 * neither is below ≈ √N₀/2^(ℓ+ε) — CGGMP24 "No Small Factor ZK", over the verifier's
 * ring-Pedersen parameters (N̂, s, t). A modulus with small factors lets its owner read the
 * MtA ciphertexts others encrypt under it and extract their key shares (the 2023 BitForge
 * GG18/GG20 attack); Π^mod alone does not exclude it.
 *
 * The prover commits P = s^p·t^μ, Q = s^q·t^ν, A = s^α·t^x, B = s^β·t^y, T = Q^α·t^r, gets
 * e ∈ ±2^challengeBits and answers z₁ = α + e·p, z₂ = β + e·q, w₁ = x + e·μ, w₂ = y + e·ν,
 * v = r − e·ν·p. The verifier checks
 *   s^z₁·t^w₁ = A·P^e,  s^z₂·t^w₂ = B·Q^e,  Q^z₁·t^v = T·R^e with R = s^N₀,
 * and the range checks, all of which it must make before any exponentiation:
 *   z₁, z₂ ∈ ±2^(ℓ+ε)·√N₀ — the check that actually bounds the factors (leaving it out lets a
 *     prover with a tiny factor pass);
 *   w₁, w₂ ∈ ±2^(ℓ+ε+1)·N̂ and v ∈ ±2^(ℓ+ε+1)·N₀·N̂ — what an honest prover produces; they bound
 *     the verifier's work against oversized exponents;
 *   N₀ odd, at least the level's modulus size and ≥ 4ℓ bits — the statement's premise: below
 *     2^(2(ℓ+ε)) the z bound exceeds N₀ itself and admits any factors, and a small modulus lets
 *     MtA plaintexts wrap and leak the peers' shares. LFDT-Lockness' patched paillier-zk (the
 *     cggmp24 v0.7.0-alpha.2 release that fixes CVE-2025-66016 / GHSA-m95p-425x-x889, an
 *     advisory that names only "a missing check in the ZK proof") has this "range check for
 *     N_i"; its earlier releases did not;
 *   every commitment a unit mod N̂, and (N̂, s, t) well formed.
 * √N₀ is ⌊√N₀⌋ on both sides so prover and verifier use the same bound.
 *
 * The challenge range only sets the soundness error (2^−challengeBits): a factor extracted from
 * two accepting transcripts is (z₁ − z₁′)/(e − e′), bounded by the z range whatever e's range.
 * LFDT-Lockness' paillier-zk draws e from ±2^ℓ instead; both are sound at κ = 128.
 */
import type { Rng } from '../rng.js';
import { bitLength, gcd, isqrt, inSymmetricRange, randomSymmetric } from '../bigint/arith.js';
import { byteLengthOf, readResidue, readSigned, writeResidue, writeSigned } from '../bigint/codec.js';
import { modPow, modPowSecret } from '../bigint/node-crypto.js';
import { type SecurityLevel } from '../paillier/security-level.js';
import { DecodeError, Reader, Writer } from '../engine/codec.js';
import { type RingPedersenParams, isWellFormedRingPedersen, ringPedersenCommit } from '../paillier/ring-pedersen.js';
import { type ProofContext, challengeBelow, proofTranscript } from './paillier-context.js';

const DOMAIN = 'mpc-wallet/v1/proof/no-small-factor';

export interface FacCommitment {
  readonly P: bigint;
  readonly Q: bigint;
  readonly A: bigint;
  readonly B: bigint;
  readonly T: bigint;
}

export interface FacProof {
  readonly commitment: FacCommitment;
  readonly z1: bigint;
  readonly z2: bigint;
  readonly w1: bigint;
  readonly w2: bigint;
  readonly v: bigint;
}

interface FacBounds {
  /** α, β sampling range and z₁, z₂ acceptance range: 2^(ℓ+ε)·√N₀. */
  readonly z: bigint;
  /** μ, ν: 2^ℓ·N̂. */
  readonly mu: bigint;
  /** x, y: 2^(ℓ+ε)·N̂; w₁, w₂ accepted within twice that. */
  readonly x: bigint;
  /** r: 2^(ℓ+ε)·N₀·N̂; v accepted within twice that. */
  readonly r: bigint;
}

function bounds(level: SecurityLevel, n0: bigint, aux: RingPedersenParams): FacBounds {
  const le = 1n << BigInt(level.ell + level.epsilon);
  return {
    z: le * isqrt(n0),
    mu: (1n << BigInt(level.ell)) * aux.n,
    x: le * aux.n,
    r: le * n0 * aux.n,
  };
}

/** e ∈ [−q, q] with q = 2^challengeBits, from the transcript over statement and commitment. */
export function facChallenge(level: SecurityLevel, ctx: ProofContext, n0: bigint, aux: RingPedersenParams, c: FacCommitment): bigint {
  const seed = proofTranscript(DOMAIN, level, ctx)
    .appendBigInt('N0', n0)
    .appendBigInt('Nhat', aux.n)
    .appendBigInt('s', aux.s)
    .appendBigInt('t', aux.t)
    .appendBigInt('P', c.P)
    .appendBigInt('Q', c.Q)
    .appendBigInt('A', c.A)
    .appendBigInt('B', c.B)
    .appendBigInt('T', c.T)
    .digest();
  const q = 1n << BigInt(level.challengeBits);
  return challengeBelow(seed, 'e', 0, 0, 2n * q + 1n) - q;
}

/** Proves that N₀ = p·q has no small factor, against the verifier's parameters `aux`. */
export function proveNoSmallFactor(
  level: SecurityLevel,
  ctx: ProofContext,
  p: bigint,
  q: bigint,
  aux: RingPedersenParams,
  rng: Rng,
): FacProof {
  if (p <= 1n || q <= 1n) throw new RangeError('Π^fac needs the factors of N₀');
  const n0 = p * q;
  const b = bounds(level, n0, aux);
  const alpha = randomSymmetric(b.z, rng);
  const beta = randomSymmetric(b.z, rng);
  const mu = randomSymmetric(b.mu, rng);
  const nu = randomSymmetric(b.mu, rng);
  const r = randomSymmetric(b.r, rng);
  const x = randomSymmetric(b.x, rng);
  const y = randomSymmetric(b.x, rng);
  const Q = ringPedersenCommit(aux, q, nu);
  const commitment: FacCommitment = {
    P: ringPedersenCommit(aux, p, mu),
    Q,
    A: ringPedersenCommit(aux, alpha, x),
    B: ringPedersenCommit(aux, beta, y),
    T: (modPowSecret(Q, alpha, aux.n) * modPowSecret(aux.t, r, aux.n)) % aux.n,
  };
  const e = facChallenge(level, ctx, n0, aux, commitment);
  return {
    commitment,
    z1: alpha + e * p,
    z2: beta + e * q,
    w1: x + e * mu,
    w2: y + e * nu,
    v: r - e * nu * p,
  };
}

export function verifyNoSmallFactor(level: SecurityLevel, ctx: ProofContext, n0: bigint, aux: RingPedersenParams, proof: FacProof): boolean {
  try {
    if (!isWellFormedRingPedersen(aux, level)) return false;
    if (typeof n0 !== 'bigint' || n0 <= 1n || (n0 & 1n) === 0n) return false;
    const n0Bits = bitLength(n0);
    if (n0Bits < level.minPaillierBits || n0Bits < 4 * level.ell) return false;
    const { commitment: c, z1, z2, w1, w2, v } = proof;
    for (const u of [c.P, c.Q, c.A, c.B, c.T]) {
      if (typeof u !== 'bigint' || u <= 0n || u >= aux.n || gcd(u, aux.n) !== 1n) return false;
    }
    for (const u of [z1, z2, w1, w2, v]) if (typeof u !== 'bigint') return false;
    const b = bounds(level, n0, aux);
    if (!inSymmetricRange(z1, b.z) || !inSymmetricRange(z2, b.z)) return false;
    if (!inSymmetricRange(w1, 2n * b.x) || !inSymmetricRange(w2, 2n * b.x) || !inSymmetricRange(v, 2n * b.r)) return false;
    const e = facChallenge(level, ctx, n0, aux, c);
    const N = aux.n;
    if (ringPedersenCommit(aux, z1, w1) !== (c.A * modPow(c.P, e, N)) % N) return false;
    if (ringPedersenCommit(aux, z2, w2) !== (c.B * modPow(c.Q, e, N)) % N) return false;
    const R = modPow(aux.s, n0, N);
    const lhs = (modPow(c.Q, z1, N) * modPow(aux.t, v, N)) % N;
    return lhs === (c.T * modPow(R, e, N)) % N;
  } catch {
    return false;
  }
}

/** P ‖ Q ‖ A ‖ B ‖ T at N̂'s byte width, then z₁, z₂, w₁, w₂, v as bounded signed integers. */
export function encodeFacProof(aux: RingPedersenParams, proof: FacProof): Uint8Array {
  const w = new Writer();
  const c = proof.commitment;
  for (const u of [c.P, c.Q, c.A, c.B, c.T]) writeResidue(w, u, aux.n);
  for (const u of [proof.z1, proof.z2, proof.w1, proof.w2, proof.v]) writeSigned(w, u);
  return w.finish();
}

export function decodeFacProof(level: SecurityLevel, n0: bigint, aux: RingPedersenParams, bytes: Uint8Array): FacProof {
  if (n0 <= 1n || aux.n <= 1n) throw new DecodeError('bad modulus');
  const b = bounds(level, n0, aux);
  const r = new Reader(bytes);
  const [P, Q, A, B, T] = Array.from({ length: 5 }, () => readResidue(r, aux.n)) as [bigint, bigint, bigint, bigint, bigint];
  const z1 = readSigned(r, byteLengthOf(b.z));
  const z2 = readSigned(r, byteLengthOf(b.z));
  const w1 = readSigned(r, byteLengthOf(2n * b.x));
  const w2 = readSigned(r, byteLengthOf(2n * b.x));
  const v = readSigned(r, byteLengthOf(2n * b.r));
  r.end();
  return { commitment: { P, Q, A, B, T }, z1, z2, w1, w2, v };
}
