/**
 * Π^mul* — multiplication Paillier vs group (CGGMP21, eprint 2021/060, Fig. "Mul*"): for
 * ciphertexts C, D under the Paillier key N₀ and a point X, the prover knows x ∈ ±2^ℓ and ρ
 * with D = C^x·ρ^N₀ mod N₀² and X = x·G, proven against the verifier's ring-Pedersen parameters
 * (N̂, s, t). The prover need not know C's plaintext: in the presigning identification step it
 * shows that Ĥᵢ = Kᵢ^wᵢ·ρ^N encrypts kᵢ·wᵢ for its public Wᵢ = wᵢ·G.
 *
 *   prover:   α ← ±2^(ℓ+ε), r ← Z*_N₀, γ ← ±2^(ℓ+ε)·N̂, m ← ±2^ℓ·N̂
 *             A = C^α·r^N₀ mod N₀², Bx = α·G, E = s^α·t^γ, S = s^x·t^m mod N̂;
 *             e ∈ ±2^challengeBits
 *             z₁ = α + e·x, z₂ = γ + e·m, w = r·ρ^e mod N₀
 *   verifier: z₁ ∈ ±2^(ℓ+ε); C^z₁·w^N₀ = A·D^e mod N₀²; z₁·G = Bx + e·X; s^z₁·t^z₂ = E·S^e mod N̂
 *
 * The range check on z₁ matters beyond hygiene: X fixes x only modulo q, and x + j·q passes every
 * equation. The check bounds the extracted x by 2^(ℓ+ε+1), so when C's plaintext c is bounded too
 * (Kᵢ comes with Π^enc) the product c·x stays below N₀/2, D's signed decryption is c·x and its
 * residue modulo q is c·(x mod q).
 *
 * Every element is checked to be a unit of its ring (and every point not the identity) before
 * use, and the challenge binds the context, the curve, both moduli, the ring-Pedersen
 * parameters, the statement and all commitments.
 */
import { inSymmetricRange, mod, randomSymmetric, randomUnit } from '../bigint/arith.js';
import { byteLengthOf, readResidue, readSigned, writeResidue, writeSigned } from '../bigint/codec.js';
import { modPow, modPowSecret } from '../bigint/node-crypto.js';
import type { SecurityLevel } from '../paillier/security-level.js';
import { Reader, Writer } from '../engine/codec.js';
import type { Rng } from '../rng.js';
import type { Curve, GroupPoint } from '../math/curve.js';
import type { PaillierPublicKey } from '../paillier/paillier.js';
import { type RingPedersenParams, ringPedersenCommit } from '../paillier/ring-pedersen.js';
import { type ProofContext, proofTranscript } from './paillier-context.js';
import { isUnit, mulSigned, pow2, responseBytes, signedChallenge } from './integer-challenge.js';

const DOMAIN = 'mpc-wallet/v1/cggmp/proof/mul-star';

export interface MulStarStatement {
  curve: Curve;
  paillier: PaillierPublicKey;
  C: bigint;
  /** D = C^x·ρ^N₀ mod N₀². */
  D: bigint;
  /** X = x·G. */
  X: GroupPoint;
}

export interface MulStarWitness {
  x: bigint;
  rho: bigint;
}

export interface MulStarProof {
  A: bigint;
  Bx: GroupPoint;
  E: bigint;
  S: bigint;
  z1: bigint;
  z2: bigint;
  w: bigint;
}

type Commitments = Pick<MulStarProof, 'A' | 'Bx' | 'E' | 'S'>;

/** e from the transcript over context, statement and commitments (exported for tests that play a cheating prover). */
export function mulStarChallenge(level: SecurityLevel, ctx: ProofContext, rp: RingPedersenParams, st: MulStarStatement, c: Commitments): bigint {
  const t = proofTranscript(DOMAIN, level, ctx)
    .appendBytes('curve', new TextEncoder().encode(st.curve.name))
    .appendBigInt('N0', st.paillier.n)
    .appendBigInt('C', st.C)
    .appendBigInt('D', st.D)
    .appendPoint('X', st.curve, st.X)
    .appendBigInt('Nhat', rp.n)
    .appendBigInt('s', rp.s)
    .appendBigInt('t', rp.t)
    .appendBigInt('A', c.A)
    .appendPoint('Bx', st.curve, c.Bx)
    .appendBigInt('E', c.E)
    .appendBigInt('S', c.S);
  return signedChallenge(t, level);
}

/** C^x·ρ^N mod N² for signed x (C is a unit, so a negative x inverts it). */
function scale(pk: PaillierPublicKey, C: bigint, x: bigint, rho: bigint): bigint {
  return (modPowSecret(C, x, pk.n2) * modPow(rho, pk.n, pk.n2)) % pk.n2;
}

export function proveMulStar(level: SecurityLevel, ctx: ProofContext, rp: RingPedersenParams, st: MulStarStatement, w: MulStarWitness, rng: Rng): MulStarProof {
  if (!inSymmetricRange(w.x, pow2(level.ell))) throw new RangeError('witness out of range');
  const N0 = st.paillier.n;
  const alpha = randomSymmetric(pow2(level.ell + level.epsilon), rng);
  const r = randomUnit(N0, rng);
  const gamma = randomSymmetric(pow2(level.ell + level.epsilon) * rp.n, rng);
  const m = randomSymmetric(pow2(level.ell) * rp.n, rng);
  const c: Commitments = {
    A: scale(st.paillier, st.C, alpha, r),
    Bx: mulSigned(st.curve, st.curve.base, alpha),
    E: ringPedersenCommit(rp, alpha, gamma),
    S: ringPedersenCommit(rp, w.x, m),
  };
  const e = mulStarChallenge(level, ctx, rp, st, c);
  return { ...c, z1: alpha + e * w.x, z2: gamma + e * m, w: mod(r * modPow(w.rho, e, N0), N0) };
}

export function verifyMulStar(level: SecurityLevel, ctx: ProofContext, rp: RingPedersenParams, st: MulStarStatement, p: MulStarProof): boolean {
  const { n: N0, n2: N02 } = st.paillier;
  if (![st.C, st.D, p.A].every((x) => isUnit(x, N02)) || !isUnit(p.w, N0)) return false;
  if (!isUnit(p.E, rp.n) || !isUnit(p.S, rp.n)) return false;
  if (st.X.is0() || p.Bx.is0()) return false;
  if (!inSymmetricRange(p.z1, pow2(level.ell + level.epsilon))) return false;
  const e = mulStarChallenge(level, ctx, rp, st, p);
  if (scale(st.paillier, st.C, p.z1, p.w) !== (p.A * modPow(st.D, e, N02)) % N02) return false;
  if (!mulSigned(st.curve, st.curve.base, p.z1).equals(p.Bx.add(mulSigned(st.curve, st.X, e)))) return false;
  return ringPedersenCommit(rp, p.z1, p.z2) === (p.E * modPow(p.S, e, rp.n)) % rp.n;
}

export function encodeMulStarProof(st: Pick<MulStarStatement, 'curve' | 'paillier'>, rp: RingPedersenParams, p: MulStarProof): Uint8Array {
  const w = new Writer();
  writeResidue(w, p.A, st.paillier.n2);
  w.point(st.curve, p.Bx);
  writeResidue(w, p.E, rp.n);
  writeResidue(w, p.S, rp.n);
  writeSigned(w, p.z1);
  writeSigned(w, p.z2);
  writeResidue(w, p.w, st.paillier.n);
  return w.finish();
}

export function decodeMulStarProof(level: SecurityLevel, st: Pick<MulStarStatement, 'curve' | 'paillier'>, rp: RingPedersenParams, bytes: Uint8Array): MulStarProof {
  const r = new Reader(bytes);
  const A = readResidue(r, st.paillier.n2);
  const Bx = r.point(st.curve);
  const E = readResidue(r, rp.n);
  const S = readResidue(r, rp.n);
  const z1 = readSigned(r, responseBytes(level, level.ell + level.epsilon));
  const z2 = readSigned(r, responseBytes(level, level.ell + level.epsilon) + byteLengthOf(rp.n));
  const w = readResidue(r, st.paillier.n);
  r.end();
  return { A, Bx, E, S, z1, z2, w };
}
