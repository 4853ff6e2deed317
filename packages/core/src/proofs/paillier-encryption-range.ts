/**
 * Π^enc — Paillier encryption in range (CGGMP21, eprint 2021/060, Fig. 14 in the revision the
 * project follows): the prover knows k ∈ ±2^ℓ and ρ with K = (1+N₀)^k·ρ^N₀ mod N₀², proven
 * against the verifier's ring-Pedersen parameters (N̂, s, t).
 *
 *   prover:   α ← ±2^(ℓ+ε), μ ← ±2^ℓ·N̂, r ← Z*_N₀, γ ← ±2^(ℓ+ε)·N̂
 *             S = s^k·t^μ, A = (1+N₀)^α·r^N₀, C = s^α·t^γ;  e = H(...) ∈ ±q
 *             z₁ = α + e·k, z₂ = r·ρ^e mod N₀, z₃ = γ + e·μ
 *   verifier: z₁ ∈ ±2^(ℓ+ε); (1+N₀)^z₁·z₂^N₀ = A·K^e mod N₀²; s^z₁·t^z₃ = C·S^e mod N̂
 *
 * Every element is checked to be a unit of its ring before use, and the challenge binds the
 * context, both moduli, the ring-Pedersen parameters, the statement and all commitments.
 */
import { mod, randomSymmetric, randomUnit, inSymmetricRange } from '../bigint/arith.js';
import { byteLengthOf, readResidue, readSigned, writeResidue, writeSigned } from '../bigint/codec.js';
import { modPow } from '../bigint/node-crypto.js';
import type { SecurityLevel } from '../paillier/security-level.js';
import { Reader, Writer } from '../engine/codec.js';
import type { Rng } from '../rng.js';
import { type PaillierPublicKey, encrypt } from '../paillier/paillier.js';
import { type RingPedersenParams, ringPedersenCommit } from '../paillier/ring-pedersen.js';
import { type ProofContext, proofTranscript } from './paillier-context.js';
import { isUnit, pow2, responseBytes, signedChallenge } from './integer-challenge.js';

const DOMAIN = 'mpc-wallet/v1/cggmp/proof/enc';

export interface EncStatement {
  /** The prover's Paillier key N₀. */
  paillier: PaillierPublicKey;
  /** K = Enc_N₀(k; ρ). */
  ciphertext: bigint;
}

export interface EncWitness {
  k: bigint;
  rho: bigint;
}

export interface EncProof {
  S: bigint;
  A: bigint;
  C: bigint;
  z1: bigint;
  z2: bigint;
  z3: bigint;
}

/** e from the transcript over context, statement and commitments (exported for tests that play a cheating prover). */
export function encChallenge(level: SecurityLevel, ctx: ProofContext, rp: RingPedersenParams, st: EncStatement, S: bigint, A: bigint, C: bigint): bigint {
  const t = proofTranscript(DOMAIN, level, ctx)
    .appendBigInt('N0', st.paillier.n)
    .appendBigInt('K', st.ciphertext)
    .appendBigInt('Nhat', rp.n)
    .appendBigInt('s', rp.s)
    .appendBigInt('t', rp.t)
    .appendBigInt('S', S)
    .appendBigInt('A', A)
    .appendBigInt('C', C);
  return signedChallenge(t, level);
}

export function proveEnc(level: SecurityLevel, ctx: ProofContext, rp: RingPedersenParams, st: EncStatement, w: EncWitness, rng: Rng): EncProof {
  const N0 = st.paillier.n;
  if (!inSymmetricRange(w.k, pow2(level.ell))) throw new RangeError('witness out of range');
  const alpha = randomSymmetric(pow2(level.ell + level.epsilon), rng);
  const mu = randomSymmetric(pow2(level.ell) * rp.n, rng);
  const r = randomUnit(N0, rng);
  const gamma = randomSymmetric(pow2(level.ell + level.epsilon) * rp.n, rng);
  const S = ringPedersenCommit(rp, w.k, mu);
  const A = encrypt(st.paillier, alpha, r);
  const C = ringPedersenCommit(rp, alpha, gamma);
  const e = encChallenge(level, ctx, rp, st, S, A, C);
  return {
    S,
    A,
    C,
    z1: alpha + e * w.k,
    z2: mod(r * modPow(w.rho, e, N0), N0),
    z3: gamma + e * mu,
  };
}

export function verifyEnc(level: SecurityLevel, ctx: ProofContext, rp: RingPedersenParams, st: EncStatement, p: EncProof): boolean {
  const { n: N0, n2: N02 } = st.paillier;
  if (!isUnit(st.ciphertext, N02) || !isUnit(p.A, N02) || !isUnit(p.z2, N0)) return false;
  if (!isUnit(p.S, rp.n) || !isUnit(p.C, rp.n)) return false;
  if (!inSymmetricRange(p.z1, pow2(level.ell + level.epsilon))) return false;
  const e = encChallenge(level, ctx, rp, st, p.S, p.A, p.C);
  const lhs1 = encrypt(st.paillier, p.z1, p.z2);
  const rhs1 = (p.A * modPow(st.ciphertext, e, N02)) % N02;
  if (lhs1 !== rhs1) return false;
  return ringPedersenCommit(rp, p.z1, p.z3) === (p.C * modPow(p.S, e, rp.n)) % rp.n;
}

export function encodeEncProof(N0: PaillierPublicKey, rp: RingPedersenParams, p: EncProof): Uint8Array {
  const w = new Writer();
  writeResidue(w, p.S, rp.n);
  writeResidue(w, p.A, N0.n2);
  writeResidue(w, p.C, rp.n);
  writeSigned(w, p.z1);
  writeResidue(w, p.z2, N0.n);
  writeSigned(w, p.z3);
  return w.finish();
}

export function decodeEncProof(level: SecurityLevel, N0: PaillierPublicKey, rp: RingPedersenParams, bytes: Uint8Array): EncProof {
  const r = new Reader(bytes);
  const S = readResidue(r, rp.n);
  const A = readResidue(r, N0.n2);
  const C = readResidue(r, rp.n);
  const z1 = readSigned(r, responseBytes(level, level.ell + level.epsilon));
  const z2 = readResidue(r, N0.n);
  const z3 = readSigned(r, responseBytes(level, level.ell + level.epsilon) + byteLengthOf(rp.n));
  r.end();
  return { S, A, C, z1, z2, z3 };
}
