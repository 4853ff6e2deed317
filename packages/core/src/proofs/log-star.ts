/**
 * Π^log* — knowledge of exponent vs Paillier encryption (CGGMP21, eprint 2021/060, Fig. 25 in
 * the revision the project follows): the prover knows x ∈ ±2^ℓ and ρ with
 * C = (1+N₀)^x·ρ^N₀ mod N₀² and X = x·B on the curve, for a public base point B (G, or Γ in
 * presigning), proven against the verifier's ring-Pedersen parameters (N̂, s, t).
 *
 * The statement may name a wider range than ℓ (`rangeBits`): presigning's identification step
 * proves that Sᵢ = χᵢ·Γ for the plaintext χᵢ of a sum of MtA ciphertexts, an integer of about
 * ℓ′ bits. The proof is the same with ℓ replaced; the z₁ range check then bounds the extracted x
 * far below N₀/2, so X = x·B holds for the ciphertext's signed decryption.
 *
 *   prover:   α ← ±2^(ℓ+ε), μ ← ±2^ℓ·N̂, r ← Z*_N₀, γ ← ±2^(ℓ+ε)·N̂
 *             S = s^x·t^μ, A = (1+N₀)^α·r^N₀, Y = α·B, D = s^α·t^γ;  e ∈ ±q
 *             z₁ = α + e·x, z₂ = r·ρ^e mod N₀, z₃ = γ + e·μ
 *   verifier: z₁ ∈ ±2^(ℓ+ε); (1+N₀)^z₁·z₂^N₀ = A·C^e; z₁·B = Y + e·X; s^z₁·t^z₃ = D·S^e
 */
import { bitLength, inSymmetricRange, mod, randomSymmetric, randomUnit } from '../bigint/arith.js';
import { byteLengthOf, readResidue, readSigned, writeResidue, writeSigned } from '../bigint/codec.js';
import { modPow } from '../bigint/node-crypto.js';
import type { SecurityLevel } from '../paillier/security-level.js';
import { Reader, Writer } from '../engine/codec.js';
import type { Rng } from '../rng.js';
import type { Curve, GroupPoint } from '../math/curve.js';
import { type PaillierPublicKey, encrypt } from '../paillier/paillier.js';
import { type RingPedersenParams, ringPedersenCommit } from '../paillier/ring-pedersen.js';
import { type ProofContext, proofTranscript } from './paillier-context.js';
import { isUnit, mulSigned, pow2, responseBytes, signedChallenge } from './integer-challenge.js';

const DOMAIN = 'mpc-wallet/v1/cggmp/proof/log-star';

export interface LogStarStatement {
  curve: Curve;
  paillier: PaillierPublicKey;
  /** C = Enc_N₀(x; ρ). */
  ciphertext: bigint;
  /** The base B and X = x·B. */
  base: GroupPoint;
  X: GroupPoint;
  /** Bits of the plaintext range the prover claims; the level's ℓ when absent. */
  rangeBits?: number;
}

/** The claimed plaintext range in bits, checked to leave the responses far below N₀/2. */
function rangeBitsOf(level: SecurityLevel, st: Pick<LogStarStatement, 'paillier' | 'rangeBits'>): number {
  const bits = st.rangeBits ?? level.ell;
  if (!Number.isInteger(bits) || bits < level.ell || bits + level.epsilon + level.challengeBits + 2 >= bitLength(st.paillier.n) - 1) {
    throw new RangeError('Π^log* range does not fit the Paillier modulus');
  }
  return bits;
}

export interface LogStarWitness {
  x: bigint;
  rho: bigint;
}

export interface LogStarProof {
  S: bigint;
  A: bigint;
  Y: GroupPoint;
  D: bigint;
  z1: bigint;
  z2: bigint;
  z3: bigint;
}

/** e from the transcript over context, statement and commitments (exported for tests that play a cheating prover). */
export function logStarChallenge(level: SecurityLevel, ctx: ProofContext, rp: RingPedersenParams, st: LogStarStatement, p: Pick<LogStarProof, 'S' | 'A' | 'Y' | 'D'>): bigint {
  const t = proofTranscript(DOMAIN, level, ctx)
    .appendBytes('curve', new TextEncoder().encode(st.curve.name))
    .appendBigInt('N0', st.paillier.n)
    .appendBigInt('C', st.ciphertext)
    .appendPoint('B', st.curve, st.base)
    .appendPoint('X', st.curve, st.X)
    .appendU32('range', rangeBitsOf(level, st))
    .appendBigInt('Nhat', rp.n)
    .appendBigInt('s', rp.s)
    .appendBigInt('t', rp.t)
    .appendBigInt('S', p.S)
    .appendBigInt('A', p.A)
    .appendPoint('Y', st.curve, p.Y)
    .appendBigInt('D', p.D);
  return signedChallenge(t, level);
}

export function proveLogStar(level: SecurityLevel, ctx: ProofContext, rp: RingPedersenParams, st: LogStarStatement, w: LogStarWitness, rng: Rng): LogStarProof {
  const bits = rangeBitsOf(level, st);
  if (!inSymmetricRange(w.x, pow2(bits))) throw new RangeError('witness out of range');
  const N0 = st.paillier.n;
  const alpha = randomSymmetric(pow2(bits + level.epsilon), rng);
  const mu = randomSymmetric(pow2(bits) * rp.n, rng);
  const r = randomUnit(N0, rng);
  const gamma = randomSymmetric(pow2(bits + level.epsilon) * rp.n, rng);
  const commitments = {
    S: ringPedersenCommit(rp, w.x, mu),
    A: encrypt(st.paillier, alpha, r),
    Y: mulSigned(st.curve, st.base, alpha),
    D: ringPedersenCommit(rp, alpha, gamma),
  };
  const e = logStarChallenge(level, ctx, rp, st, commitments);
  return { ...commitments, z1: alpha + e * w.x, z2: mod(r * modPow(w.rho, e, N0), N0), z3: gamma + e * mu };
}

export function verifyLogStar(level: SecurityLevel, ctx: ProofContext, rp: RingPedersenParams, st: LogStarStatement, p: LogStarProof): boolean {
  const { n: N0, n2: N02 } = st.paillier;
  let bits: number;
  try {
    bits = rangeBitsOf(level, st);
  } catch {
    return false;
  }
  if (!isUnit(st.ciphertext, N02) || !isUnit(p.A, N02) || !isUnit(p.z2, N0)) return false;
  if (!isUnit(p.S, rp.n) || !isUnit(p.D, rp.n)) return false;
  if (p.Y.is0() || st.X.is0() || st.base.is0()) return false;
  if (!inSymmetricRange(p.z1, pow2(bits + level.epsilon))) return false;
  const e = logStarChallenge(level, ctx, rp, st, p);
  if (encrypt(st.paillier, p.z1, p.z2) !== (p.A * modPow(st.ciphertext, e, N02)) % N02) return false;
  if (!mulSigned(st.curve, st.base, p.z1).equals(p.Y.add(mulSigned(st.curve, st.X, e)))) return false;
  return ringPedersenCommit(rp, p.z1, p.z3) === (p.D * modPow(p.S, e, rp.n)) % rp.n;
}

export function encodeLogStarProof(st: Pick<LogStarStatement, 'curve' | 'paillier'>, rp: RingPedersenParams, p: LogStarProof): Uint8Array {
  const w = new Writer();
  writeResidue(w, p.S, rp.n);
  writeResidue(w, p.A, st.paillier.n2);
  w.point(st.curve, p.Y);
  writeResidue(w, p.D, rp.n);
  writeSigned(w, p.z1);
  writeResidue(w, p.z2, st.paillier.n);
  writeSigned(w, p.z3);
  return w.finish();
}

export function decodeLogStarProof(
  level: SecurityLevel,
  st: Pick<LogStarStatement, 'curve' | 'paillier' | 'rangeBits'>,
  rp: RingPedersenParams,
  bytes: Uint8Array,
): LogStarProof {
  const bits = rangeBitsOf(level, st);
  const r = new Reader(bytes);
  const S = readResidue(r, rp.n);
  const A = readResidue(r, st.paillier.n2);
  const Y = r.point(st.curve);
  const D = readResidue(r, rp.n);
  const z1 = readSigned(r, responseBytes(level, bits + level.epsilon));
  const z2 = readResidue(r, st.paillier.n);
  const z3 = readSigned(r, responseBytes(level, bits + level.epsilon) + byteLengthOf(rp.n));
  r.end();
  return { S, A, Y, D, z1, z2, z3 };
}
