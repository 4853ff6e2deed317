/**
 * Π^mul*: completeness (also after encoding, and for a negative multiplier), binding to the
 * context and the statement, the range check (an out-of-range x — in particular w + j·q, which
 * keeps X but makes D's plaintext wrap modulo N₀ — is caught by it alone while every equation
 * holds), unit and identity checks, tampering and strict decoding. The setting
 * is presigning's identification step: Ĥ = K^w·ρ^N₀ encrypts k·w for the public W = w·G.
 */
import { describe, expect, it } from 'vitest';
import { mod, randomBelow, randomSymmetric, randomUnit } from '../../src/bigint/arith.js';
import { byteLengthOf, writeResidue, writeSigned } from '../../src/bigint/codec.js';
import { modPow } from '../../src/bigint/node-crypto.js';
import { type SecurityLevel } from '../../src/paillier/security-level.js';
import { DecodeError, Writer } from '../../src/engine/codec.js';
import { seededRng } from '../../src/rng.js';
import { SECP256K1 } from '../../src/math/curve.js';
import { decrypt, decryptSigned, encryptRandom, paillierSecretKey } from '../../src/paillier/paillier.js';
import { ringPedersenCommit } from '../../src/paillier/ring-pedersen.js';
import { mulSigned, pow2, responseBytes } from '../../src/proofs/integer-challenge.js';
import { type ProofContext } from '../../src/proofs/paillier-context.js';
import {
  type MulStarProof,
  type MulStarStatement,
  decodeMulStarProof,
  encodeMulStarProof,
  mulStarChallenge,
  proveMulStar,
  verifyMulStar,
} from '../../src/proofs/multiplication-star.js';
import { FIXTURE_2048 } from '../fixtures/paillier-fixtures.js';

const rng = seededRng('pi-mul-star');
const level = FIXTURE_2048.level;
const rp = FIXTURE_2048.ringPedersen.params;
const sk = paillierSecretKey(FIXTURE_2048.keys[0]!.p, FIXTURE_2048.keys[0]!.q, { level });
const N0 = sk.publicKey;
const curve = SECP256K1;
const q = curve.order;
const ctx: ProofContext = { sessionId: new TextEncoder().encode('presign-session-1'), prover: 2, keyId: new Uint8Array(32).fill(9) };
/** The same level with a wider ℓ (same name, so the same transcript): a cheating prover's view. */
const cheatLevel: SecurityLevel = { ...level, ell: level.ell + 300 };

/** D = C^x·ρ^N₀ mod N₀². */
function scaled(C: bigint, x: bigint, rho: bigint): bigint {
  return (modPow(C, x, N0.n2) * modPow(rho, N0.n, N0.n2)) % N0.n2;
}

describe('Π^mul* (2048-bit level)', () => {
  const k = randomBelow(q, rng);
  const K = encryptRandom(N0, k, rng).ciphertext;
  const w = randomBelow(q, rng);
  const rho = randomUnit(N0.n, rng);
  const st: MulStarStatement = { curve, paillier: N0, C: K, D: scaled(K, w, rho), X: curve.mulBase(w) };
  const proof = proveMulStar(level, ctx, rp, st, { x: w, rho }, rng);

  it('D encrypts k·w; the proof verifies, also after encoding', () => {
    expect(decrypt(sk, st.D)).toBe(k * w);
    expect(verifyMulStar(level, ctx, rp, st, proof)).toBe(true);
    expect(verifyMulStar(level, ctx, rp, st, decodeMulStarProof(level, st, rp, encodeMulStarProof(st, rp, proof)))).toBe(true);
  });

  it('a negative multiplier works too', () => {
    const x = -(randomBelow(pow2(level.ell), rng) + 1n);
    const negSt = { ...st, D: scaled(K, x, rho), X: curve.mulBase(mod(x, q)) };
    expect(decryptSigned(sk, negSt.D)).toBe(k * x);
    const p = proveMulStar(level, ctx, rp, negSt, { x, rho }, rng);
    expect(verifyMulStar(level, ctx, rp, negSt, decodeMulStarProof(level, negSt, rp, encodeMulStarProof(negSt, rp, p)))).toBe(true);
  });

  it('a replayed proof fails for another session, prover, key, level or verifier', () => {
    expect(verifyMulStar(level, { ...ctx, sessionId: new TextEncoder().encode('presign-session-2') }, rp, st, proof)).toBe(false);
    expect(verifyMulStar(level, { ...ctx, prover: 3 }, rp, st, proof)).toBe(false);
    expect(verifyMulStar(level, { ...ctx, keyId: new Uint8Array(32).fill(8) }, rp, st, proof)).toBe(false);
    expect(verifyMulStar({ ...level, name: 'other' }, ctx, rp, st, proof)).toBe(false);
    expect(verifyMulStar(level, ctx, { ...rp, s: rp.t, t: rp.s }, st, proof)).toBe(false);
  });

  it('a wrong D, X or C fails, also when the prover proves it honestly with its witness', () => {
    const plusOne = (st.D * encryptRandom(N0, 1n, rng).ciphertext) % N0.n2; // encrypts k·w + 1
    expect(decrypt(sk, plusOne)).toBe(k * w + 1n);
    const wrongD = { ...st, D: plusOne };
    expect(verifyMulStar(level, ctx, rp, wrongD, proof)).toBe(false);
    expect(verifyMulStar(level, ctx, rp, wrongD, proveMulStar(level, ctx, rp, wrongD, { x: w, rho }, rng))).toBe(false);
    const wrongX = { ...st, X: curve.mulBase(w + 1n) };
    expect(verifyMulStar(level, ctx, rp, wrongX, proof)).toBe(false);
    expect(verifyMulStar(level, ctx, rp, wrongX, proveMulStar(level, ctx, rp, wrongX, { x: w, rho }, rng))).toBe(false);
    const otherC = encryptRandom(N0, k, rng).ciphertext; // same plaintext, other nonce
    expect(verifyMulStar(level, ctx, rp, { ...st, C: otherC }, proof)).toBe(false);
  });

  it('an out-of-range x is caught by the range check alone', () => {
    const big = pow2(level.ell + level.epsilon + 20) + 5n;
    const bigSt = { ...st, D: scaled(K, big, rho), X: curve.mulBase(mod(big, q)) };
    const cheat = proveMulStar(cheatLevel, ctx, rp, bigSt, { x: big, rho }, rng);
    expect(verifyMulStar(cheatLevel, ctx, rp, bigSt, cheat)).toBe(true); // every equation holds
    expect(verifyMulStar(level, ctx, rp, bigSt, cheat)).toBe(false);
    expect(() => proveMulStar(level, ctx, rp, bigSt, { x: big, rho }, rng)).toThrow(RangeError);
    expect(() => proveMulStar(level, ctx, rp, st, { x: pow2(level.ell) + 1n, rho }, rng)).toThrow(/range/);
  });

  it('x = w + j·q keeps X = W but wraps D modulo N₀; the range check alone stops it', () => {
    const wide = w + pow2(2048 - 256 + 16) * q; // k·x ≫ N₀
    const wideSt = { ...st, D: scaled(K, wide, rho) };
    expect(mod(decryptSigned(sk, wideSt.D), q)).not.toBe(mod(k * w, q)); // D no longer says k·w modulo q
    const wideLevel: SecurityLevel = { ...level, ell: 2100 };
    const cheat = proveMulStar(wideLevel, ctx, rp, wideSt, { x: wide, rho }, rng);
    expect(verifyMulStar(wideLevel, ctx, rp, wideSt, cheat)).toBe(true); // every equation holds
    expect(verifyMulStar(level, ctx, rp, wideSt, cheat)).toBe(false);
  });

  it('tampering with any response or commitment fails', () => {
    for (const key of ['z1', 'z2'] as const) {
      expect(verifyMulStar(level, ctx, rp, st, { ...proof, [key]: proof[key] + 1n })).toBe(false);
      expect(verifyMulStar(level, ctx, rp, st, { ...proof, [key]: proof[key] - 1n })).toBe(false);
    }
    expect(verifyMulStar(level, ctx, rp, st, { ...proof, z1: proof.z1 + q })).toBe(false); // same point, other exponent
    expect(verifyMulStar(level, ctx, rp, st, { ...proof, w: (proof.w * 2n) % N0.n })).toBe(false);
    expect(verifyMulStar(level, ctx, rp, st, { ...proof, A: (proof.A * 4n) % N0.n2 })).toBe(false);
    expect(verifyMulStar(level, ctx, rp, st, { ...proof, Bx: proof.Bx.add(curve.base) })).toBe(false);
    expect(verifyMulStar(level, ctx, rp, st, { ...proof, E: (proof.E * 4n) % rp.n })).toBe(false);
    expect(verifyMulStar(level, ctx, rp, st, { ...proof, S: (proof.S * 4n) % rp.n })).toBe(false);
  });

  it('non-units, identity points and out-of-range responses are rejected without throwing', () => {
    const cases: Partial<MulStarProof>[] = [
      { A: 0n },
      { A: N0.n }, // shares a factor with N₀
      { A: N0.n2 },
      { w: 0n },
      { w: N0.n },
      { E: 0n },
      { E: rp.n },
      { S: rp.n + 1n },
      { Bx: curve.identity },
      { z1: pow2(level.ell + level.epsilon) + 1n },
      { z1: -pow2(level.ell + level.epsilon) - 1n },
    ];
    for (const c of cases) expect(verifyMulStar(level, ctx, rp, st, { ...proof, ...c })).toBe(false);
    expect(verifyMulStar(level, ctx, rp, { ...st, C: N0.n }, proof)).toBe(false);
    expect(verifyMulStar(level, ctx, rp, { ...st, C: 0n }, proof)).toBe(false);
    expect(verifyMulStar(level, ctx, rp, { ...st, D: N0.n2 }, proof)).toBe(false);
    expect(verifyMulStar(level, ctx, rp, { ...st, X: curve.identity }, proof)).toBe(false);
    // Non-units of N̂, refused without throwing whatever challenge they lead to.
    const pHat = FIXTURE_2048.ringPedersen.p;
    for (let k = 1n; k <= 10n; k++) expect(verifyMulStar(level, ctx, rp, st, { ...proof, S: pHat * k })).toBe(false);
  });

  it('decoding is strict: truncated, trailing bytes, oversized magnitudes, out-of-range values', () => {
    const bytes = encodeMulStarProof(st, rp, proof);
    expect(() => decodeMulStarProof(level, st, rp, bytes.subarray(0, bytes.length - 1))).toThrow(DecodeError);
    expect(() => decodeMulStarProof(level, st, rp, new Uint8Array([...bytes, 0]))).toThrow(DecodeError);
    const prefix = (): Writer => {
      const out = new Writer();
      writeResidue(out, proof.A, N0.n2);
      out.point(curve, proof.Bx);
      writeResidue(out, proof.E, rp.n);
      writeResidue(out, proof.S, rp.n);
      return out;
    };
    const z1Bytes = responseBytes(level, level.ell + level.epsilon);
    const tooLong = prefix();
    writeSigned(tooLong, pow2(8 * z1Bytes));
    expect(() => decodeMulStarProof(level, st, rp, tooLong.finish())).toThrow(/too long/);
    const tooLong2 = prefix();
    writeSigned(tooLong2, proof.z1);
    writeSigned(tooLong2, pow2(8 * (z1Bytes + byteLengthOf(rp.n))));
    expect(() => decodeMulStarProof(level, st, rp, tooLong2.finish())).toThrow(/too long/);
    const negZero = prefix().u8(1).u32(0);
    expect(() => decodeMulStarProof(level, st, rp, negZero.finish())).toThrow(/negative zero/);
    const badA = bytes.slice();
    badA.fill(0xff, 0, byteLengthOf(N0.n2));
    expect(() => decodeMulStarProof(level, st, rp, badA)).toThrow(/out of range/);
    const badPoint = bytes.slice();
    badPoint.fill(0xff, byteLengthOf(N0.n2), byteLengthOf(N0.n2) + curve.pointLength);
    expect(() => decodeMulStarProof(level, st, rp, badPoint)).toThrow(/invalid point/);
    const badW = bytes.slice();
    badW.fill(0xff, bytes.length - byteLengthOf(N0.n));
    expect(() => decodeMulStarProof(level, st, rp, badW)).toThrow(/out of range/);
  });
});

/** The honest prover with its commitment S open to the caller (z₂ is then left unmasked: the last equation cannot hold). */
function forgeWithS(st: MulStarStatement, x: bigint, rho: bigint, S: bigint): MulStarProof & { e: bigint } {
  const alpha = randomSymmetric(pow2(level.ell + level.epsilon), rng);
  const r = randomUnit(N0.n, rng);
  const gamma = randomSymmetric(pow2(level.ell + level.epsilon) * rp.n, rng);
  const c = { A: scaled(st.C, alpha, r), Bx: mulSigned(curve, curve.base, alpha), E: ringPedersenCommit(rp, alpha, gamma), S };
  const e = mulStarChallenge(level, ctx, rp, st, c);
  return { ...c, z1: alpha + e * x, z2: gamma, w: mod(r * modPow(rho, e, N0.n), N0.n), e };
}

describe('Π^mul* checks one by one (2048-bit level)', () => {
  const k = randomBelow(q, rng);
  const K = encryptRandom(N0, k, rng).ciphertext;
  const w = randomBelow(q, rng);
  const rho = randomUnit(N0.n, rng);
  const st: MulStarStatement = { curve, paillier: N0, C: K, D: scaled(K, w, rho), X: curve.mulBase(w) };
  const proof = proveMulStar(level, ctx, rp, st, { x: w, rho }, rng);
  const p0 = FIXTURE_2048.keys[0]!.p;

  it('non-canonical C and D (+ N₀²) with a proof made for them are refused; negative ones too, without throwing', () => {
    for (const bad of [{ ...st, C: st.C + N0.n2 }, { ...st, D: st.D + N0.n2 }]) {
      expect(verifyMulStar(level, ctx, rp, bad, proveMulStar(level, ctx, rp, bad, { x: w, rho }, rng))).toBe(false);
    }
    for (const bad of [{ ...st, C: st.C - N0.n2 }, { ...st, D: st.D - N0.n2 }]) expect(verifyMulStar(level, ctx, rp, bad, proof)).toBe(false);
  });

  it('C and D sharing a factor with N₀ are refused without throwing (C^z₁ with z₁ < 0, D^e with e < 0 would invert them)', () => {
    const negative = { ...proof, z1: proof.z1 < 0n ? proof.z1 : -proof.z1 };
    for (let j = 1n; j <= 4n; j++) expect(verifyMulStar(level, ctx, rp, { ...st, C: p0 * j }, negative)).toBe(false);
    const badD = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n].map((j) => ({ ...st, D: p0 * j }));
    expect(badD.some((b) => mulStarChallenge(level, ctx, rp, b, proof) < 0n)).toBe(true);
    for (const b of badD) expect(verifyMulStar(level, ctx, rp, b, proof)).toBe(false);
  });

  it('a non-unit S with the Paillier and curve equations right and a negative challenge is refused without throwing', () => {
    const pHat = FIXTURE_2048.ringPedersen.p;
    let cheat: (MulStarProof & { e: bigint }) | undefined;
    for (let j = 1n; !cheat || cheat.e >= 0n; j++) cheat = forgeWithS(st, w, rho, pHat * j);
    expect(scaled(st.C, cheat.z1, cheat.w)).toBe((cheat.A * modPow(st.D, cheat.e, N0.n2)) % N0.n2);
    expect(mulSigned(curve, curve.base, cheat.z1).equals(cheat.Bx.add(mulSigned(curve, st.X, cheat.e)))).toBe(true);
    expect(verifyMulStar(level, ctx, rp, st, cheat)).toBe(false);
  });
});
