/**
 * Π^enc, Π^log* and Π^aff-g: completeness (also after encoding), binding to the context
 * (a proof replayed into another session or for another prover fails), the range checks (a
 * prover with an out-of-range witness is caught even when every equation holds, one bound at a
 * time), each equation on its own (a response or statement entering that equation only), unit
 * and identity checks, and tampering — at both levels, the 3072-bit default included.
 */
import { describe, expect, it } from 'vitest';
import { SECP256K1 } from '../../src/math/curve.js';
import { inSymmetricRange } from '../../src/bigint/arith.js';
import { modPow } from '../../src/bigint/node-crypto.js';
import { seededRng } from '../../src/rng.js';
import { type SecurityLevel } from '../../src/paillier/security-level.js';
import { encryptRandom, paillierSecretKey } from '../../src/paillier/paillier.js';
import { type ProofContext } from '../../src/proofs/paillier-context.js';
import { decodeEncProof, encodeEncProof, proveEnc, verifyEnc } from '../../src/proofs/paillier-encryption-range.js';
import { decodeLogStarProof, encodeLogStarProof, proveLogStar, verifyLogStar } from '../../src/proofs/log-star.js';
import { decodeAffGProof, encodeAffGProof, proveAffG, verifyAffG } from '../../src/proofs/affine-group.js';
import { FIXTURE_2048, FIXTURE_3072 } from '../fixtures/paillier-fixtures.js';

const rng = seededRng('integer-proofs');
const ctx: ProofContext = { sessionId: new TextEncoder().encode('presign-session-1'), prover: 2, keyId: new Uint8Array(32).fill(9) };
const otherSession: ProofContext = { ...ctx, sessionId: new TextEncoder().encode('presign-session-2') };
const otherProver: ProofContext = { ...ctx, prover: 3 };

/**
 * Non-units: multiples of a factor of the modulus. Each must be refused without the verifier
 * throwing: a non-unit nonce response would make `encrypt` throw, so the unit checks on N₀'s
 * side fail these tests when removed (on N̂'s side an earlier equation refuses first).
 */
const nonUnits = (factor: bigint) => [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n].map((k) => factor * k);

for (const fx of [FIXTURE_2048, FIXTURE_3072]) {
  const level = fx.level;
  const rp = fx.ringPedersen.params;
  const proverSk = paillierSecretKey(fx.keys[0]!.p, fx.keys[0]!.q, { level });
  const verifierSk = paillierSecretKey(fx.keys[1]!.p, fx.keys[1]!.q, { level });
  const N0 = proverSk.publicKey;
  const p0 = fx.keys[0]!.p; // a factor of N₀
  const pHat = fx.ringPedersen.p; // a factor of N̂
  /** The same level with a wider ℓ and ℓ′ (same name, so the same transcript): a cheating prover's view. */
  const cheatLevel: SecurityLevel = { ...level, ell: level.ell + 300, ellPrime: level.ellPrime + 300 };

  describe(`Π^enc (${level.name})`, () => {
    const k = 0x1234567890abcdefn * 31337n;
    const { ciphertext, nonce } = encryptRandom(N0, k, rng);
    const st = { paillier: N0, ciphertext };
    const proof = proveEnc(level, ctx, rp, st, { k, rho: nonce }, rng);

    it('a proof verifies, also after encoding, and only in its own context', () => {
      expect(verifyEnc(level, ctx, rp, st, proof)).toBe(true);
      expect(verifyEnc(level, ctx, rp, st, decodeEncProof(level, N0, rp, encodeEncProof(N0, rp, proof)))).toBe(true);
      expect(verifyEnc(level, otherSession, rp, st, proof)).toBe(false);
      expect(verifyEnc(level, otherProver, rp, st, proof)).toBe(false);
    });

    it('an out-of-range plaintext is caught by the range check alone', () => {
      const big = 1n << BigInt(level.ell + level.epsilon + 20);
      const enc = encryptRandom(N0, big, rng);
      const cheat = proveEnc(cheatLevel, ctx, rp, { paillier: N0, ciphertext: enc.ciphertext }, { k: big, rho: enc.nonce }, rng);
      expect(verifyEnc(cheatLevel, ctx, rp, { paillier: N0, ciphertext: enc.ciphertext }, cheat)).toBe(true); // every equation holds
      expect(verifyEnc(level, ctx, rp, { paillier: N0, ciphertext: enc.ciphertext }, cheat)).toBe(false);
      expect(() => proveEnc(level, ctx, rp, st, { k: big, rho: nonce }, rng)).toThrow(/range/);
    });

    it('non-units, tampered responses and a different ciphertext fail', () => {
      expect(verifyEnc(level, ctx, rp, st, { ...proof, S: 0n })).toBe(false);
      expect(verifyEnc(level, ctx, rp, st, { ...proof, C: rp.n })).toBe(false);
      expect(verifyEnc(level, ctx, rp, st, { ...proof, A: N0.n })).toBe(false); // shares a factor with N₀
      expect(verifyEnc(level, ctx, rp, st, { ...proof, z1: proof.z1 + 1n })).toBe(false);
      expect(verifyEnc(level, ctx, rp, st, { ...proof, z3: proof.z3 - 1n })).toBe(false);
      expect(verifyEnc(level, ctx, rp, { ...st, ciphertext: (ciphertext * ciphertext) % N0.n2 }, proof)).toBe(false);
      expect(() => decodeEncProof(level, N0, rp, encodeEncProof(N0, rp, proof).subarray(1))).toThrow();
    });

    it('each equation is checked on its own: a response that enters one equation only fails', () => {
      expect(verifyEnc(level, ctx, rp, st, { ...proof, z2: (proof.z2 * 2n) % N0.n })).toBe(false); // the Paillier equation
      expect(verifyEnc(level, ctx, rp, st, { ...proof, z3: proof.z3 + 1n })).toBe(false); // the ring-Pedersen equation
    });

    it('non-units are refused without throwing', () => {
      for (const u of nonUnits(p0)) expect(verifyEnc(level, ctx, rp, st, { ...proof, z2: u })).toBe(false);
      for (const u of nonUnits(pHat)) expect(verifyEnc(level, ctx, rp, st, { ...proof, S: u })).toBe(false);
    });
  });

  describe(`Π^log* (${level.name})`, () => {
    const x = 0xfeedbeefn * 1000003n;
    const base = SECP256K1.mulBase(777n); // e.g. Γ in presigning
    const { ciphertext, nonce } = encryptRandom(N0, x, rng);
    const st = { curve: SECP256K1, paillier: N0, ciphertext, base, X: base.multiply(x) };
    const proof = proveLogStar(level, ctx, rp, st, { x, rho: nonce }, rng);

    it('a proof verifies, also after encoding, and only in its own context', () => {
      expect(verifyLogStar(level, ctx, rp, st, proof)).toBe(true);
      expect(verifyLogStar(level, ctx, rp, st, decodeLogStarProof(level, st, rp, encodeLogStarProof(st, rp, proof)))).toBe(true);
      expect(verifyLogStar(level, otherSession, rp, st, proof)).toBe(false);
      expect(verifyLogStar(level, otherProver, rp, st, proof)).toBe(false);
    });

    it('a mismatched point, an out-of-range exponent, or tampering fail', () => {
      expect(verifyLogStar(level, ctx, rp, { ...st, X: base.multiply(x + 1n) }, proof)).toBe(false);
      expect(verifyLogStar(level, ctx, rp, { ...st, base: SECP256K1.base }, proof)).toBe(false);
      expect(verifyLogStar(level, ctx, rp, st, { ...proof, Y: proof.Y.add(SECP256K1.base) })).toBe(false);
      expect(verifyLogStar(level, ctx, rp, st, { ...proof, D: 0n })).toBe(false);
      const big = (1n << BigInt(level.ell + level.epsilon + 20)) + 5n;
      const enc = encryptRandom(N0, big, rng);
      const bigSt = { ...st, ciphertext: enc.ciphertext, X: base.multiply(big % SECP256K1.order) };
      const cheat = proveLogStar(cheatLevel, ctx, rp, bigSt, { x: big, rho: enc.nonce }, rng);
      expect(verifyLogStar(cheatLevel, ctx, rp, bigSt, cheat)).toBe(true);
      expect(verifyLogStar(level, ctx, rp, bigSt, cheat)).toBe(false);
    });

    it('z1 out of range with every equation holding is refused by the range check alone', () => {
      // The claimed range (ℓ) is bound into the transcript, so the cheater widens ε instead: its
      // mask α, hence z1, leaves ±2^(ℓ+ε) while the statement and the transcript stay the same.
      const wideMask: SecurityLevel = { ...level, epsilon: level.epsilon + 300 };
      const cheat = proveLogStar(wideMask, ctx, rp, st, { x, rho: nonce }, rng);
      expect(verifyLogStar(wideMask, ctx, rp, st, cheat)).toBe(true);
      expect(inSymmetricRange(cheat.z1, 1n << BigInt(level.ell + level.epsilon))).toBe(false);
      expect(verifyLogStar(level, ctx, rp, st, cheat)).toBe(false);
    });

    it('each equation is checked on its own: a response or a statement that enters one equation only fails', () => {
      expect(verifyLogStar(level, ctx, rp, st, { ...proof, z2: (proof.z2 * 2n) % N0.n })).toBe(false); // Paillier
      expect(verifyLogStar(level, ctx, rp, st, { ...proof, z3: proof.z3 + 1n })).toBe(false); // ring-Pedersen
      // the curve equation: the prover run on a false X (it does not check X = x·B)
      const wrongX = { ...st, X: base.multiply(x + 1n) };
      expect(verifyLogStar(level, ctx, rp, wrongX, proveLogStar(level, ctx, rp, wrongX, { x, rho: nonce }, rng))).toBe(false);
    });

    it('identity points and non-units are refused without throwing', () => {
      // (the transcript cannot encode the identity: without the check the verifier would throw)
      expect(verifyLogStar(level, ctx, rp, { ...st, X: SECP256K1.identity }, proof)).toBe(false);
      expect(verifyLogStar(level, ctx, rp, { ...st, base: SECP256K1.identity }, proof)).toBe(false);
      expect(verifyLogStar(level, ctx, rp, st, { ...proof, Y: SECP256K1.identity })).toBe(false);
      for (const u of nonUnits(p0)) expect(verifyLogStar(level, ctx, rp, st, { ...proof, z2: u })).toBe(false);
      for (const u of nonUnits(pHat)) expect(verifyLogStar(level, ctx, rp, st, { ...proof, S: u })).toBe(false);
    });
  });

  describe(`Π^aff-g (${level.name})`, () => {
    // MtA from presigning: the verifier's K = Enc_N₀(k); the prover holds x (its γ) and a mask y.
    const V = verifierSk.publicKey;
    const P = N0;
    const kEnc = encryptRandom(V, 0x5555n * 99991n, rng).ciphertext;
    const x = 0xabcdef0123n;
    const y = -(1n << BigInt(level.ellPrime - 2)) + 12345n;
    const dMask = encryptRandom(V, y, rng);
    // D = K^x · Enc_N₀(y; ρ)
    const D = (modPow(kEnc, x, V.n2) * dMask.ciphertext) % V.n2;
    const yEnc = encryptRandom(P, y, rng);
    const st = { curve: SECP256K1, verifierKey: V, proverKey: P, C: kEnc, D, Y: yEnc.ciphertext, X: SECP256K1.mulBase(x) };
    const wit = { x, y, rho: dMask.nonce, rhoY: yEnc.nonce };
    const proof = proveAffG(level, ctx, rp, st, wit, rng);

    it('a proof verifies, also after encoding, and only in its own context', () => {
      expect(verifyAffG(level, ctx, rp, st, proof)).toBe(true);
      expect(verifyAffG(level, ctx, rp, st, decodeAffGProof(level, st, rp, encodeAffGProof(st, rp, proof)))).toBe(true);
      expect(verifyAffG(level, otherSession, rp, st, proof)).toBe(false);
      expect(verifyAffG(level, otherProver, rp, st, proof)).toBe(false);
    });

    it('a wrong D, Y or X, an out-of-range mask, or tampering fail', () => {
      expect(verifyAffG(level, ctx, rp, { ...st, D: (st.D * kEnc) % V.n2 }, proof)).toBe(false);
      expect(verifyAffG(level, ctx, rp, { ...st, Y: (st.Y * st.Y) % P.n2 }, proof)).toBe(false);
      expect(verifyAffG(level, ctx, rp, { ...st, X: SECP256K1.mulBase(x + 1n) }, proof)).toBe(false);
      expect(verifyAffG(level, ctx, rp, st, { ...proof, z2: proof.z2 + 1n })).toBe(false);
      expect(verifyAffG(level, ctx, rp, st, { ...proof, wY: 0n })).toBe(false);
      expect(verifyAffG(level, ctx, rp, st, { ...proof, T: 0n })).toBe(false);
      // y beyond ±2^(ℓ′+ε): every equation holds at the wider level, the range check refuses it
      const bigY = 1n << BigInt(level.ellPrime + level.epsilon + 20);
      const dm = encryptRandom(V, bigY, rng);
      const ym = encryptRandom(P, bigY, rng);
      const st2 = { ...st, D: (modPow(kEnc, x, V.n2) * dm.ciphertext) % V.n2, Y: ym.ciphertext };
      const cheat = proveAffG(cheatLevel, ctx, rp, st2, { x, y: bigY, rho: dm.nonce, rhoY: ym.nonce }, rng);
      expect(verifyAffG(cheatLevel, ctx, rp, st2, cheat)).toBe(true);
      expect(verifyAffG(level, ctx, rp, st2, cheat)).toBe(false);
    });

    // One cheating proof per bound: each breaks its own range and stays inside the other, so
    // each range check is the only thing that can refuse its proof.
    const zBound = (bits: number) => 1n << BigInt(bits + level.epsilon);
    const inRange = (z: bigint, bits: number) => z >= -zBound(bits) && z <= zBound(bits);

    it('z1 out of range (x too large) with z2 in range is refused by the z1 bound alone', () => {
      const wideX: SecurityLevel = { ...level, ell: level.ell + 300 }; // ℓ′ unchanged: β, hence z2, stay in range
      const bigX = (1n << BigInt(level.ell + level.epsilon + 20)) + 3n;
      const dm = encryptRandom(V, y, rng);
      const st3 = { ...st, D: (modPow(kEnc, bigX, V.n2) * dm.ciphertext) % V.n2, X: SECP256K1.mulBase(bigX % SECP256K1.order) };
      const cheat = proveAffG(wideX, ctx, rp, st3, { x: bigX, y, rho: dm.nonce, rhoY: yEnc.nonce }, rng);
      expect(verifyAffG(wideX, ctx, rp, st3, cheat)).toBe(true); // every equation holds
      expect(inRange(cheat.z1, level.ell)).toBe(false);
      expect(inRange(cheat.z2, level.ellPrime)).toBe(true);
      expect(verifyAffG(level, ctx, rp, st3, cheat)).toBe(false);
    });

    it('z2 out of range (y too large) with z1 in range is refused by the z2 bound alone', () => {
      const wideY: SecurityLevel = { ...level, ellPrime: level.ellPrime + 300 }; // ℓ unchanged: α, hence z1, stay in range
      const bigY = (1n << BigInt(level.ellPrime + level.epsilon + 20)) + 3n;
      const dm = encryptRandom(V, bigY, rng);
      const ym = encryptRandom(P, bigY, rng);
      const st3 = { ...st, D: (modPow(kEnc, x, V.n2) * dm.ciphertext) % V.n2, Y: ym.ciphertext };
      const cheat = proveAffG(wideY, ctx, rp, st3, { x, y: bigY, rho: dm.nonce, rhoY: ym.nonce }, rng);
      expect(verifyAffG(wideY, ctx, rp, st3, cheat)).toBe(true); // every equation holds
      expect(inRange(cheat.z1, level.ell)).toBe(true);
      expect(inRange(cheat.z2, level.ellPrime)).toBe(false);
      expect(verifyAffG(level, ctx, rp, st3, cheat)).toBe(false);
    });

    it('each equation is checked on its own: a response or a statement that enters one equation only fails', () => {
      expect(verifyAffG(level, ctx, rp, st, { ...proof, w: (proof.w * 2n) % V.n })).toBe(false); // D's equation
      expect(verifyAffG(level, ctx, rp, st, { ...proof, wY: (proof.wY * 2n) % P.n })).toBe(false); // Y's equation
      expect(verifyAffG(level, ctx, rp, st, { ...proof, z3: proof.z3 + 1n })).toBe(false); // s^z1·t^z3
      expect(verifyAffG(level, ctx, rp, st, { ...proof, z4: proof.z4 + 1n })).toBe(false); // s^z2·t^z4
      // the curve equation: the prover run on a false X (it does not check X = x·G)
      const wrongX = { ...st, X: SECP256K1.mulBase(x + 1n) };
      expect(verifyAffG(level, ctx, rp, wrongX, proveAffG(level, ctx, rp, wrongX, wit, rng))).toBe(false);
    });

    it('identity points and non-units are refused without throwing', () => {
      // (the transcript cannot encode the identity: without the check the verifier would throw)
      expect(verifyAffG(level, ctx, rp, { ...st, X: SECP256K1.identity }, proof)).toBe(false);
      expect(verifyAffG(level, ctx, rp, st, { ...proof, Bx: SECP256K1.identity })).toBe(false);
      for (const u of nonUnits(verifierSk.p)) expect(verifyAffG(level, ctx, rp, st, { ...proof, w: u })).toBe(false);
      for (const u of nonUnits(p0)) expect(verifyAffG(level, ctx, rp, st, { ...proof, wY: u })).toBe(false);
      for (const u of nonUnits(pHat)) expect(verifyAffG(level, ctx, rp, st, { ...proof, S: u })).toBe(false);
    });
  });
}
