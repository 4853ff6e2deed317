/**
 * Π^aff-g — Paillier affine operation with group commitment in range (CGGMP21, eprint 2021/060,
 * Fig. 15 in the revision the project follows). Statement: C, D under the verifier's Paillier
 * key N₀, Y under the prover's key N₁, X on the curve. The prover knows x ∈ ±2^ℓ, y ∈ ±2^ℓ′ and
 * nonces ρ, ρ_y with
 *     D = C^x·(1+N₀)^y·ρ^N₀ mod N₀²,   Y = (1+N₁)^y·ρ_y^N₁ mod N₁²,   X = x·G.
 * This is the proof that makes each multiplicative-to-additive share conversion in presigning
 * honest (the one whose absence or weakness enabled the GG18/GG20 attacks).
 *
 *   prover:   α ← ±2^(ℓ+ε), β ← ±2^(ℓ′+ε), r ← Z*_N₀, r_y ← Z*_N₁,
 *             γ ← ±2^(ℓ+ε)·N̂, m ← ±2^ℓ·N̂, δ ← ±2^(ℓ′+ε)·N̂, μ ← ±2^ℓ′·N̂
 *             A = C^α·(1+N₀)^β·r^N₀, Bx = α·G, By = (1+N₁)^β·r_y^N₁,
 *             E = s^α·t^γ, S = s^x·t^m, F = s^β·t^δ, T = s^y·t^μ;  e ∈ ±q
 *             z₁ = α+e·x, z₂ = β+e·y, z₃ = γ+e·m, z₄ = δ+e·μ, w = r·ρ^e mod N₀, w_y = r_y·ρ_y^e mod N₁
 *   verifier: z₁ ∈ ±2^(ℓ+ε), z₂ ∈ ±2^(ℓ′+ε);
 *             C^z₁·(1+N₀)^z₂·w^N₀ = A·D^e mod N₀²;  z₁·G = Bx + e·X;
 *             (1+N₁)^z₂·w_y^N₁ = By·Y^e mod N₁²;  s^z₁·t^z₃ = E·S^e;  s^z₂·t^z₄ = F·T^e mod N̂
 * (The masks for y use ℓ′ where the paper's figure reuses ℓ; larger masks only hide better.)
 */
import { inSymmetricRange, mod, randomSymmetric, randomUnit } from '../bigint/arith.js';
import { byteLengthOf, readResidue, readSigned, writeResidue, writeSigned } from '../bigint/codec.js';
import { modPow, modPowSecret } from '../bigint/node-crypto.js';
import type { SecurityLevel } from '../paillier/security-level.js';
import { Reader, Writer } from '../engine/codec.js';
import type { Rng } from '../rng.js';
import type { Curve, GroupPoint } from '../math/curve.js';
import { type PaillierPublicKey, encrypt } from '../paillier/paillier.js';
import { type RingPedersenParams, ringPedersenCommit } from '../paillier/ring-pedersen.js';
import { type ProofContext, proofTranscript } from './paillier-context.js';
import { isUnit, mulSigned, pow2, responseBytes, signedChallenge } from './integer-challenge.js';

const DOMAIN = 'mpc-wallet/v1/cggmp/proof/aff-g';

export interface AffGStatement {
  curve: Curve;
  /** The verifier's Paillier key N₀ (C and D are under it). */
  verifierKey: PaillierPublicKey;
  /** The prover's Paillier key N₁ (Y is under it). */
  proverKey: PaillierPublicKey;
  C: bigint;
  D: bigint;
  Y: bigint;
  X: GroupPoint;
}

export interface AffGWitness {
  x: bigint;
  y: bigint;
  rho: bigint;
  rhoY: bigint;
}

export interface AffGProof {
  A: bigint;
  Bx: GroupPoint;
  By: bigint;
  E: bigint;
  S: bigint;
  F: bigint;
  T: bigint;
  z1: bigint;
  z2: bigint;
  z3: bigint;
  z4: bigint;
  w: bigint;
  wY: bigint;
}

type Commitments = Pick<AffGProof, 'A' | 'Bx' | 'By' | 'E' | 'S' | 'F' | 'T'>;

/** e from the transcript over context, statement and commitments (exported for tests that play a cheating prover). */
export function affGChallenge(level: SecurityLevel, ctx: ProofContext, rp: RingPedersenParams, st: AffGStatement, c: Commitments): bigint {
  const t = proofTranscript(DOMAIN, level, ctx)
    .appendBytes('curve', new TextEncoder().encode(st.curve.name))
    .appendBigInt('N0', st.verifierKey.n)
    .appendBigInt('N1', st.proverKey.n)
    .appendBigInt('C', st.C)
    .appendBigInt('D', st.D)
    .appendBigInt('Y', st.Y)
    .appendPoint('X', st.curve, st.X)
    .appendBigInt('Nhat', rp.n)
    .appendBigInt('s', rp.s)
    .appendBigInt('t', rp.t)
    .appendBigInt('A', c.A)
    .appendPoint('Bx', st.curve, c.Bx)
    .appendBigInt('By', c.By)
    .appendBigInt('E', c.E)
    .appendBigInt('S', c.S)
    .appendBigInt('F', c.F)
    .appendBigInt('T', c.T);
  return signedChallenge(t, level);
}

/** C^x·(1+N)^y·ρ^N mod N² for signed x, y (x is the prover's secret α: the constant-time road). */
function affine(pk: PaillierPublicKey, C: bigint, x: bigint, y: bigint, rho: bigint): bigint {
  return (modPowSecret(C, x, pk.n2) * encrypt(pk, y, rho)) % pk.n2;
}

export function proveAffG(level: SecurityLevel, ctx: ProofContext, rp: RingPedersenParams, st: AffGStatement, wit: AffGWitness, rng: Rng): AffGProof {
  if (!inSymmetricRange(wit.x, pow2(level.ell)) || !inSymmetricRange(wit.y, pow2(level.ellPrime))) throw new RangeError('witness out of range');
  const N0 = st.verifierKey.n;
  const N1 = st.proverKey.n;
  const alpha = randomSymmetric(pow2(level.ell + level.epsilon), rng);
  const beta = randomSymmetric(pow2(level.ellPrime + level.epsilon), rng);
  const r = randomUnit(N0, rng);
  const rY = randomUnit(N1, rng);
  const gamma = randomSymmetric(pow2(level.ell + level.epsilon) * rp.n, rng);
  const m = randomSymmetric(pow2(level.ell) * rp.n, rng);
  const delta = randomSymmetric(pow2(level.ellPrime + level.epsilon) * rp.n, rng);
  const mu = randomSymmetric(pow2(level.ellPrime) * rp.n, rng);
  const c: Commitments = {
    A: affine(st.verifierKey, st.C, alpha, beta, r),
    Bx: mulSigned(st.curve, st.curve.base, alpha),
    By: encrypt(st.proverKey, beta, rY),
    E: ringPedersenCommit(rp, alpha, gamma),
    S: ringPedersenCommit(rp, wit.x, m),
    F: ringPedersenCommit(rp, beta, delta),
    T: ringPedersenCommit(rp, wit.y, mu),
  };
  const e = affGChallenge(level, ctx, rp, st, c);
  return {
    ...c,
    z1: alpha + e * wit.x,
    z2: beta + e * wit.y,
    z3: gamma + e * m,
    z4: delta + e * mu,
    w: mod(r * modPow(wit.rho, e, N0), N0),
    wY: mod(rY * modPow(wit.rhoY, e, N1), N1),
  };
}

export function verifyAffG(level: SecurityLevel, ctx: ProofContext, rp: RingPedersenParams, st: AffGStatement, p: AffGProof): boolean {
  const { n: N0, n2: N02 } = st.verifierKey;
  const { n: N1, n2: N12 } = st.proverKey;
  if (![st.C, st.D, p.A].every((x) => isUnit(x, N02)) || !isUnit(p.w, N0)) return false;
  if (![st.Y, p.By].every((x) => isUnit(x, N12)) || !isUnit(p.wY, N1)) return false;
  if (![p.E, p.S, p.F, p.T].every((x) => isUnit(x, rp.n))) return false;
  if (st.X.is0() || p.Bx.is0()) return false;
  if (!inSymmetricRange(p.z1, pow2(level.ell + level.epsilon)) || !inSymmetricRange(p.z2, pow2(level.ellPrime + level.epsilon))) return false;
  const e = affGChallenge(level, ctx, rp, st, p);
  if (affine(st.verifierKey, st.C, p.z1, p.z2, p.w) !== (p.A * modPow(st.D, e, N02)) % N02) return false;
  if (!mulSigned(st.curve, st.curve.base, p.z1).equals(p.Bx.add(mulSigned(st.curve, st.X, e)))) return false;
  if (encrypt(st.proverKey, p.z2, p.wY) !== (p.By * modPow(st.Y, e, N12)) % N12) return false;
  if (ringPedersenCommit(rp, p.z1, p.z3) !== (p.E * modPow(p.S, e, rp.n)) % rp.n) return false;
  return ringPedersenCommit(rp, p.z2, p.z4) === (p.F * modPow(p.T, e, rp.n)) % rp.n;
}

export function encodeAffGProof(st: Pick<AffGStatement, 'curve' | 'verifierKey' | 'proverKey'>, rp: RingPedersenParams, p: AffGProof): Uint8Array {
  const w = new Writer();
  writeResidue(w, p.A, st.verifierKey.n2);
  w.point(st.curve, p.Bx);
  writeResidue(w, p.By, st.proverKey.n2);
  for (const x of [p.E, p.S, p.F, p.T]) writeResidue(w, x, rp.n);
  for (const z of [p.z1, p.z2, p.z3, p.z4]) writeSigned(w, z);
  writeResidue(w, p.w, st.verifierKey.n);
  writeResidue(w, p.wY, st.proverKey.n);
  return w.finish();
}

export function decodeAffGProof(level: SecurityLevel, st: Pick<AffGStatement, 'curve' | 'verifierKey' | 'proverKey'>, rp: RingPedersenParams, bytes: Uint8Array): AffGProof {
  const r = new Reader(bytes);
  const A = readResidue(r, st.verifierKey.n2);
  const Bx = r.point(st.curve);
  const By = readResidue(r, st.proverKey.n2);
  const [E, S, F, T] = [0, 1, 2, 3].map(() => readResidue(r, rp.n)) as [bigint, bigint, bigint, bigint];
  const small = responseBytes(level, level.ellPrime + level.epsilon);
  const z1 = readSigned(r, small);
  const z2 = readSigned(r, small);
  const z3 = readSigned(r, small + byteLengthOf(rp.n));
  const z4 = readSigned(r, small + byteLengthOf(rp.n));
  const w = readResidue(r, st.verifierKey.n);
  const wY = readResidue(r, st.proverKey.n);
  r.end();
  return { A, Bx, By, E, S, F, T, z1, z2, z3, z4, w, wY };
}
