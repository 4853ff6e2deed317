/**
 * Π^mul — Paillier multiplication (CGGMP21, eprint 2021/060, Fig. 29): for ciphertexts X and Y
 * under one key N, C encrypts dec(X)·dec(Y). The prover knows x, ρ_x with X = (1+N)^x·ρ_x^N
 * and ρ with C = Y^x·ρ^N mod N². A building block of the presigning identification step
 * (Hᵢ encrypts kᵢ·γᵢ); no range claim, so no ring-Pedersen setup.
 *
 *   prover:   α ← Z_N, r, s ← Z*_N;  A = Y^α·r^N, B = (1+N)^α·s^N;  e ∈ ±q
 *             z = α + e·x,  u = r·ρ^e mod N,  v = s·ρ_x^e mod N
 *   verifier: Y^z·u^N = A·C^e mod N²;  (1+N)^z·v^N = B·X^e mod N²
 */
import { mod, randomBelow, randomUnit } from '../bigint/arith.js';
import { byteLengthOf, readResidue, readSigned, writeResidue, writeSigned } from '../bigint/codec.js';
import { modPow, modPowSecret } from '../bigint/node-crypto.js';
import type { SecurityLevel } from '../paillier/security-level.js';
import { Reader, Writer } from '../engine/codec.js';
import type { Rng } from '../rng.js';
import { type PaillierPublicKey, encrypt } from '../paillier/paillier.js';
import { type ProofContext, proofTranscript } from './paillier-context.js';
import { isUnit, signedChallenge } from './integer-challenge.js';

const DOMAIN = 'mpc-wallet/v1/cggmp/proof/mul';

export interface MulStatement {
  paillier: PaillierPublicKey;
  X: bigint;
  Y: bigint;
  C: bigint;
}

export interface MulWitness {
  x: bigint;
  rhoX: bigint;
  rho: bigint;
}

export interface MulProof {
  A: bigint;
  B: bigint;
  z: bigint;
  u: bigint;
  v: bigint;
}

/** e from the transcript over context, statement and commitments (exported for tests that play a cheating prover). */
export function mulChallenge(level: SecurityLevel, ctx: ProofContext, st: MulStatement, A: bigint, B: bigint): bigint {
  const t = proofTranscript(DOMAIN, level, ctx)
    .appendBigInt('N', st.paillier.n)
    .appendBigInt('X', st.X)
    .appendBigInt('Y', st.Y)
    .appendBigInt('C', st.C)
    .appendBigInt('A', A)
    .appendBigInt('B', B);
  return signedChallenge(t, level);
}

export function proveMul(level: SecurityLevel, ctx: ProofContext, st: MulStatement, w: MulWitness, rng: Rng): MulProof {
  const { n, n2 } = st.paillier;
  const alpha = randomBelow(n, rng);
  const r = randomUnit(n, rng);
  const s = randomUnit(n, rng);
  const A = (modPowSecret(st.Y, alpha, n2) * modPow(r, n, n2)) % n2;
  const B = encrypt(st.paillier, alpha, s);
  const e = mulChallenge(level, ctx, st, A, B);
  return { A, B, z: alpha + e * w.x, u: mod(r * modPow(w.rho, e, n), n), v: mod(s * modPow(w.rhoX, e, n), n) };
}

export function verifyMul(level: SecurityLevel, ctx: ProofContext, st: MulStatement, p: MulProof): boolean {
  const { n, n2 } = st.paillier;
  if (![st.X, st.Y, st.C, p.A, p.B].every((c) => isUnit(c, n2)) || !isUnit(p.u, n) || !isUnit(p.v, n)) return false;
  const e = mulChallenge(level, ctx, st, p.A, p.B);
  if ((modPow(st.Y, p.z, n2) * modPow(p.u, n, n2)) % n2 !== (p.A * modPow(st.C, e, n2)) % n2) return false;
  return encrypt(st.paillier, p.z, p.v) === (p.B * modPow(st.X, e, n2)) % n2;
}

export function encodeMulProof(pk: PaillierPublicKey, p: MulProof): Uint8Array {
  const w = new Writer();
  writeResidue(w, p.A, pk.n2);
  writeResidue(w, p.B, pk.n2);
  writeSigned(w, p.z);
  writeResidue(w, p.u, pk.n);
  writeResidue(w, p.v, pk.n);
  return w.finish();
}

export function decodeMulProof(level: SecurityLevel, pk: PaillierPublicKey, bytes: Uint8Array): MulProof {
  const r = new Reader(bytes);
  const A = readResidue(r, pk.n2);
  const B = readResidue(r, pk.n2);
  // z = α + e·x with α < N, |e| ≤ 2^challengeBits and x a residue mod N
  const z = readSigned(r, byteLengthOf(pk.n) + Math.ceil(level.challengeBits / 8) + byteLengthOf(pk.n) + 1);
  const u = readResidue(r, pk.n);
  const v = readResidue(r, pk.n);
  r.end();
  return { A, B, z, u, v };
}
