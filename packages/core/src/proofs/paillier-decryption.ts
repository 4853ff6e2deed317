/**
 * Π^dec — Paillier decryption modulo q (CGGMP21, eprint 2021/060, Fig. "Dec"): for a ciphertext
 * C under the Paillier key N₀ and a public scalar x ∈ [0, q) (q the curve order), the prover
 * knows an integer y with |y| < 2^B and ρ with C = (1+N₀)^y·ρ^N₀ mod N₀² and y ≡ x (mod q),
 * proven against the verifier's ring-Pedersen parameters (N̂, s, t). The bound B
 * (`plaintextBits`) is part of the statement: in the presigning identification step the owner
 * of N₀ shows what its decrypted δᵢ (products of scalars plus ℓ′-bit MtA masks, some 850 bits)
 * is modulo q.
 *
 *   prover:   α ← ±2^(B+ε), μ ← ±2^B·N̂, ν ← ±2^(B+ε)·N̂, r ← Z*_N₀
 *             S = s^y·t^μ, T = s^α·t^ν mod N̂, A = (1+N₀)^α·r^N₀ mod N₀², γ = α mod q;
 *             e ∈ ±2^challengeBits
 *             z₁ = α + e·y, z₂ = ν + e·μ, w = r·ρ^e mod N₀
 *   verifier: z₁ ∈ ±2^(B+ε); (1+N₀)^z₁·w^N₀ = A·C^e mod N₀²; z₁ ≡ γ + e·x (mod q);
 *             s^z₁·t^z₂ = T·S^e mod N̂
 *
 * The range check on z₁ is not in the paper's figure, and it is needed: a plaintext is only
 * defined modulo N₀, so without it y + k·N₀ is as good a witness as y for every equation, and
 * the owner of N₀ (who can recover ρ for any ciphertext) could prove any x for a ciphertext of y
 * by choosing k modulo q. With it, the y extracted from two accepting transcripts has
 * |y| ≤ 2^(B+ε+1), far below N₀/2, so y is the signed decryption of C (`decryptSigned`) and
 * "y mod q" is that decryption's residue. The statement is refused (RangeError from the prover
 * and the decoder, false from the verifier) unless B + ε + challengeBits + 2 < bitLength(N₀) − 1,
 * which keeps every honest response α + e·y below N₀/2, and the extracted y with challengeBits
 * bits to spare.
 *
 * Every element is checked to be a unit of its ring before use, and the challenge binds the
 * context, the curve, both moduli, the ring-Pedersen parameters, the statement (with B) and all
 * commitments.
 */
import { bitLength, inSymmetricRange, mod, randomSymmetric, randomUnit } from '../bigint/arith.js';
import { byteLengthOf, readResidue, readSigned, writeResidue, writeSigned } from '../bigint/codec.js';
import { modPow } from '../bigint/node-crypto.js';
import type { SecurityLevel } from '../paillier/security-level.js';
import { Reader, Writer } from '../engine/codec.js';
import type { Rng } from '../rng.js';
import type { Curve } from '../math/curve.js';
import { type PaillierPublicKey, encrypt } from '../paillier/paillier.js';
import { type RingPedersenParams, ringPedersenCommit } from '../paillier/ring-pedersen.js';
import { type ProofContext, proofTranscript } from './paillier-context.js';
import { isUnit, pow2, signedChallenge } from './integer-challenge.js';

const DOMAIN = 'mpc-wallet/v1/cggmp/proof/dec';

export interface DecStatement {
  /** Its order is the q of "modulo q". */
  curve: Curve;
  paillier: PaillierPublicKey;
  /** C = Enc_N₀(y; ρ). */
  ciphertext: bigint;
  /** x = y mod q, in [0, q). */
  x: bigint;
  /** B: the prover claims |y| < 2^B. */
  plaintextBits: number;
}

export interface DecWitness {
  y: bigint;
  rho: bigint;
}

export interface DecProof {
  S: bigint;
  T: bigint;
  A: bigint;
  gamma: bigint;
  z1: bigint;
  z2: bigint;
  w: bigint;
}

/** B a non-negative integer with B + ε + challengeBits + 2 < bitLength(N₀) − 1 (see the header). */
function boundFits(level: SecurityLevel, st: Pick<DecStatement, 'paillier' | 'plaintextBits'>): boolean {
  const B = st.plaintextBits;
  return Number.isSafeInteger(B) && B >= 0 && B + level.epsilon + level.challengeBits + 2 < bitLength(st.paillier.n) - 1;
}

/** Byte bound of |z₁| ≤ 2^(B+ε) + 2^(challengeBits+B) (and of |z₂|/N̂, likewise). */
function maskedBytes(level: SecurityLevel, B: number): number {
  return Math.ceil((B + level.epsilon + level.challengeBits + 2) / 8);
}

function isScalar(curve: Curve, x: bigint): boolean {
  return typeof x === 'bigint' && x >= 0n && x < curve.order;
}

/** e from the transcript over context, statement and commitments (exported for tests that play a cheating prover). */
export function decChallenge(level: SecurityLevel, ctx: ProofContext, rp: RingPedersenParams, st: DecStatement, p: Pick<DecProof, 'S' | 'T' | 'A' | 'gamma'>): bigint {
  const t = proofTranscript(DOMAIN, level, ctx)
    .appendBytes('curve', new TextEncoder().encode(st.curve.name))
    .appendBigInt('N0', st.paillier.n)
    .appendBigInt('C', st.ciphertext)
    .appendScalar('x', st.curve, st.x)
    .appendU32('B', st.plaintextBits)
    .appendBigInt('Nhat', rp.n)
    .appendBigInt('s', rp.s)
    .appendBigInt('t', rp.t)
    .appendBigInt('S', p.S)
    .appendBigInt('T', p.T)
    .appendBigInt('A', p.A)
    .appendScalar('gamma', st.curve, p.gamma);
  return signedChallenge(t, level);
}

export function proveDec(level: SecurityLevel, ctx: ProofContext, rp: RingPedersenParams, st: DecStatement, w: DecWitness, rng: Rng): DecProof {
  if (!boundFits(level, st)) throw new RangeError('plaintext bound does not fit the Paillier modulus');
  if (!isScalar(st.curve, st.x)) throw new RangeError('x is not a scalar');
  const B = st.plaintextBits;
  if (!inSymmetricRange(w.y, pow2(B) - 1n)) throw new RangeError('witness out of range');
  if (mod(w.y, st.curve.order) !== st.x) throw new RangeError('witness is not x modulo q');
  const N0 = st.paillier.n;
  const alpha = randomSymmetric(pow2(B + level.epsilon), rng);
  const mu = randomSymmetric(pow2(B) * rp.n, rng);
  const nu = randomSymmetric(pow2(B + level.epsilon) * rp.n, rng);
  const r = randomUnit(N0, rng);
  const commitments = {
    S: ringPedersenCommit(rp, w.y, mu),
    T: ringPedersenCommit(rp, alpha, nu),
    A: encrypt(st.paillier, alpha, r),
    gamma: mod(alpha, st.curve.order),
  };
  const e = decChallenge(level, ctx, rp, st, commitments);
  return { ...commitments, z1: alpha + e * w.y, z2: nu + e * mu, w: mod(r * modPow(w.rho, e, N0), N0) };
}

export function verifyDec(level: SecurityLevel, ctx: ProofContext, rp: RingPedersenParams, st: DecStatement, p: DecProof): boolean {
  const { n: N0, n2: N02 } = st.paillier;
  if (!boundFits(level, st)) return false;
  if (!isUnit(st.ciphertext, N02) || !isUnit(p.A, N02) || !isUnit(p.w, N0)) return false;
  if (!isUnit(p.S, rp.n) || !isUnit(p.T, rp.n)) return false;
  if (!isScalar(st.curve, st.x) || !isScalar(st.curve, p.gamma)) return false;
  if (!inSymmetricRange(p.z1, pow2(st.plaintextBits + level.epsilon))) return false;
  const e = decChallenge(level, ctx, rp, st, p);
  if (encrypt(st.paillier, p.z1, p.w) !== (p.A * modPow(st.ciphertext, e, N02)) % N02) return false;
  if (mod(p.z1 - p.gamma - e * st.x, st.curve.order) !== 0n) return false;
  return ringPedersenCommit(rp, p.z1, p.z2) === (p.T * modPow(p.S, e, rp.n)) % rp.n;
}

export function encodeDecProof(st: Pick<DecStatement, 'curve' | 'paillier'>, rp: RingPedersenParams, p: DecProof): Uint8Array {
  const w = new Writer();
  writeResidue(w, p.S, rp.n);
  writeResidue(w, p.T, rp.n);
  writeResidue(w, p.A, st.paillier.n2);
  w.scalar(st.curve, p.gamma);
  writeSigned(w, p.z1);
  writeSigned(w, p.z2);
  writeResidue(w, p.w, st.paillier.n);
  return w.finish();
}

/** The response bounds follow from B, so the statement's B must be valid (RangeError otherwise). */
export function decodeDecProof(level: SecurityLevel, st: Pick<DecStatement, 'curve' | 'paillier' | 'plaintextBits'>, rp: RingPedersenParams, bytes: Uint8Array): DecProof {
  if (!boundFits(level, st)) throw new RangeError('plaintext bound does not fit the Paillier modulus');
  const r = new Reader(bytes);
  const S = readResidue(r, rp.n);
  const T = readResidue(r, rp.n);
  const A = readResidue(r, st.paillier.n2);
  const gamma = r.scalar(st.curve);
  const z1 = readSigned(r, maskedBytes(level, st.plaintextBits));
  const z2 = readSigned(r, maskedBytes(level, st.plaintextBits) + byteLengthOf(rp.n));
  const w = readResidue(r, st.paillier.n);
  r.end();
  return { S, T, A, gamma, z1, z2, w };
}
