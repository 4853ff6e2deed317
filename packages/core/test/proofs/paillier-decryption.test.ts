/**
 * Π^dec: completeness (also after encoding, for a realistic δ-sized plaintext and a negative
 * one), binding to the context and the statement, the congruence modulo q, the range check on z₁
 * (a witness beyond 2^B — in particular y + k·N₀, with which the owner of N₀ could prove any
 * residue modulo q — is caught by it alone while every equation holds), the room B must leave
 * in N₀, unit checks, tampering and strict decoding.
 */
import { describe, expect, it } from 'vitest';
import { bitLength, mod, modInverse, randomBelow, randomSymmetric, randomUnit } from '../../src/bigint/arith.js';
import { byteLengthOf, writeResidue, writeSigned } from '../../src/bigint/codec.js';
import { modPow } from '../../src/bigint/node-crypto.js';
import { type SecurityLevel } from '../../src/paillier/security-level.js';
import { DecodeError, Writer } from '../../src/engine/codec.js';
import { seededRng } from '../../src/rng.js';
import { ED25519, SECP256K1 } from '../../src/math/curve.js';
import { decryptSigned, encrypt, encryptRandom, paillierSecretKey } from '../../src/paillier/paillier.js';
import { ringPedersenCommit } from '../../src/paillier/ring-pedersen.js';
import { pow2 } from '../../src/proofs/integer-challenge.js';
import { type ProofContext } from '../../src/proofs/paillier-context.js';
import { type DecProof, type DecStatement, decChallenge, decodeDecProof, encodeDecProof, proveDec, verifyDec } from '../../src/proofs/paillier-decryption.js';
import { FIXTURE_2048 } from '../fixtures/paillier-fixtures.js';

const rng = seededRng('pi-dec');
const level = FIXTURE_2048.level;
const rp = FIXTURE_2048.ringPedersen.params;
const sk = paillierSecretKey(FIXTURE_2048.keys[0]!.p, FIXTURE_2048.keys[0]!.q, { level });
const N0 = sk.publicKey;
const curve = SECP256K1;
const q = curve.order;
const ctx: ProofContext = { sessionId: new TextEncoder().encode('presign-session-1'), prover: 2, keyId: new Uint8Array(32).fill(9) };
const B = 860;

/** A cheating prover: the honest algorithm without the witness checks, its mask α and commitment S open to the caller. */
function challenge(st: DecStatement, p: Pick<DecProof, 'S' | 'T' | 'A' | 'gamma'>): bigint {
  return decChallenge(level, ctx, rp, st, p);
}

function forge(st: DecStatement, y: bigint, rho: bigint, alpha = randomSymmetric(pow2(st.plaintextBits + level.epsilon), rng), S?: bigint): DecProof {
  const bits = st.plaintextBits;
  const mu = randomSymmetric(pow2(bits) * rp.n, rng);
  const nu = randomSymmetric(pow2(bits + level.epsilon) * rp.n, rng);
  const r = randomUnit(N0.n, rng);
  const c = { S: S ?? ringPedersenCommit(rp, y, mu), T: ringPedersenCommit(rp, alpha, nu), A: encrypt(N0, alpha, r), gamma: mod(alpha, q) };
  const e = challenge(st, c);
  return { ...c, z1: alpha + e * y, z2: nu + e * mu, w: mod(r * modPow(rho, e, N0.n), N0.n) };
}

/** The three verification equations, without the range check on z₁. */
function equationsHold(st: DecStatement, p: DecProof): boolean {
  const e = challenge(st, p);
  return (
    encrypt(N0, p.z1, p.w) === (p.A * modPow(st.ciphertext, e, N0.n2)) % N0.n2 &&
    mod(p.z1 - p.gamma - e * st.x, q) === 0n &&
    ringPedersenCommit(rp, p.z1, p.z2) === (p.T * modPow(p.S, e, rp.n)) % rp.n
  );
}

describe('Π^dec (2048-bit level)', () => {
  // δ-like plaintext: a·b + c − d with a, b < q and c, d up to 2^850.
  const y = randomBelow(q, rng) * randomBelow(q, rng) + randomBelow(pow2(850), rng) - randomBelow(pow2(850), rng);
  const { ciphertext, nonce } = encryptRandom(N0, y, rng);
  const st: DecStatement = { curve, paillier: N0, ciphertext, x: mod(y, q), plaintextBits: B };
  const proof = proveDec(level, ctx, rp, st, { y, rho: nonce }, rng);

  it('a proof verifies, also after encoding; y is the signed decryption and x its residue', () => {
    expect(decryptSigned(sk, ciphertext)).toBe(y);
    expect(verifyDec(level, ctx, rp, st, proof)).toBe(true);
    expect(verifyDec(level, ctx, rp, st, decodeDecProof(level, st, rp, encodeDecProof(st, rp, proof)))).toBe(true);
    expect(equationsHold(st, proof)).toBe(true); // the test's equations accept what the verifier accepts
  });

  it('a negative plaintext and a small bound work too', () => {
    const neg = -(randomBelow(q, rng) * randomBelow(q, rng) + 17n);
    const enc = encryptRandom(N0, neg, rng);
    const negSt = { ...st, ciphertext: enc.ciphertext, x: mod(neg, q) };
    expect(decryptSigned(sk, enc.ciphertext)).toBe(neg);
    const p = proveDec(level, ctx, rp, negSt, { y: neg, rho: enc.nonce }, rng);
    expect(verifyDec(level, ctx, rp, negSt, decodeDecProof(level, negSt, rp, encodeDecProof(negSt, rp, p)))).toBe(true);
    const small = 0xdeadbeefn;
    const encSmall = encryptRandom(N0, small, rng);
    const smallSt = { ...st, ciphertext: encSmall.ciphertext, x: small, plaintextBits: 32 };
    expect(verifyDec(level, ctx, rp, smallSt, proveDec(level, ctx, rp, smallSt, { y: small, rho: encSmall.nonce }, rng))).toBe(true);
  });

  it('a replayed proof fails for another session, prover, key, level or verifier', () => {
    expect(verifyDec(level, { ...ctx, sessionId: new TextEncoder().encode('presign-session-2') }, rp, st, proof)).toBe(false);
    expect(verifyDec(level, { ...ctx, prover: 3 }, rp, st, proof)).toBe(false);
    expect(verifyDec(level, { ...ctx, keyId: new Uint8Array(32).fill(8) }, rp, st, proof)).toBe(false);
    expect(verifyDec({ ...level, name: 'other' }, ctx, rp, st, proof)).toBe(false);
    expect(verifyDec(level, ctx, { ...rp, s: rp.t, t: rp.s }, st, proof)).toBe(false);
  });

  it('a wrong statement fails, and the honest prover refuses one', () => {
    expect(verifyDec(level, ctx, rp, { ...st, x: mod(st.x + 1n, q) }, proof)).toBe(false);
    expect(verifyDec(level, ctx, rp, { ...st, ciphertext: encryptRandom(N0, y, rng).ciphertext }, proof)).toBe(false); // same y, other nonce
    expect(verifyDec(level, ctx, rp, { ...st, ciphertext: (ciphertext * (1n + N0.n)) % N0.n2 }, proof)).toBe(false); // y + 1
    expect(verifyDec(level, ctx, rp, { ...st, plaintextBits: B + 1 }, proof)).toBe(false);
    expect(verifyDec(level, ctx, rp, { ...st, curve: ED25519, x: mod(y, ED25519.order) }, proof)).toBe(false);
    expect(() => proveDec(level, ctx, rp, { ...st, x: mod(st.x + 1n, q) }, { y, rho: nonce }, rng)).toThrow(RangeError);
    expect(() => proveDec(level, ctx, rp, { ...st, x: st.x + q }, { y: y + q, rho: nonce }, rng)).toThrow(RangeError);
    expect(() => proveDec(level, ctx, rp, { ...st, plaintextBits: 800 }, { y, rho: nonce }, rng)).toThrow(/range/);
    expect(() => proveDec(level, ctx, rp, { ...st, x: 0n }, { y: pow2(B), rho: nonce }, rng)).toThrow(/range/);
  });

  it('a false x for the true plaintext is refused by the congruence modulo q alone', () => {
    const falseSt = { ...st, x: mod(y + 1n, q) };
    const cheat = forge(falseSt, y, nonce);
    const e = challenge(falseSt, cheat);
    expect(encrypt(N0, cheat.z1, cheat.w)).toBe((cheat.A * modPow(ciphertext, e, N0.n2)) % N0.n2);
    expect(ringPedersenCommit(rp, cheat.z1, cheat.z2)).toBe((cheat.T * modPow(cheat.S, e, rp.n)) % rp.n);
    expect(verifyDec(level, ctx, rp, falseSt, cheat)).toBe(false);
  });

  it('a plaintext consistent with x but beyond 2^B is caught by the range check alone', () => {
    const big = pow2(B + level.epsilon + 20) + 12345n;
    const enc = encryptRandom(N0, big, rng);
    const bigSt = { ...st, ciphertext: enc.ciphertext, x: mod(big, q) };
    expect(decryptSigned(sk, enc.ciphertext)).toBe(big);
    const cheat = forge(bigSt, big, enc.nonce);
    expect(equationsHold(bigSt, cheat)).toBe(true);
    expect(verifyDec(level, ctx, rp, bigSt, cheat)).toBe(false);
    // At a wider ε (same level name, so the same transcript) the same proof is accepted.
    const cheatLevel: SecurityLevel = { ...level, epsilon: level.epsilon + level.challengeBits + 22 };
    expect(verifyDec(cheatLevel, ctx, rp, bigSt, cheat)).toBe(true);
    expect(() => proveDec(level, ctx, rp, bigSt, { y: big, rho: enc.nonce }, rng)).toThrow(/range/);
  });

  it('y + k·N₀ would prove any residue modulo q; the range check alone stops it', () => {
    const small = 0x1234567890n;
    const enc = encryptRandom(N0, small, rng);
    const target = mod(small + 1n, q); // any x the owner of N₀ fancies
    const wrapped = small + mod((target - small) * modInverse(N0.n, q), q) * N0.n; // encrypts to the same plaintext
    const wrongSt = { ...st, ciphertext: enc.ciphertext, x: target };
    expect(mod(wrapped, q)).toBe(target);
    expect(mod(decryptSigned(sk, enc.ciphertext), q)).not.toBe(target);
    const cheat = forge(wrongSt, wrapped, enc.nonce);
    expect(equationsHold(wrongSt, cheat)).toBe(true);
    expect(verifyDec(level, ctx, rp, wrongSt, cheat)).toBe(false);
    expect(() => proveDec(level, ctx, rp, wrongSt, { y: wrapped, rho: enc.nonce }, rng)).toThrow(/range/);
  });

  it('B must leave room in N₀: B + ε + challengeBits + 2 < bitLength(N₀) − 1', () => {
    const bMax = bitLength(N0.n) - level.epsilon - level.challengeBits - 4;
    const edge = { ...st, plaintextBits: bMax };
    const edgeProof = proveDec(level, ctx, rp, edge, { y, rho: nonce }, rng);
    expect(verifyDec(level, ctx, rp, edge, edgeProof)).toBe(true);
    // One more bit of slack (same name, same transcript, wider range) and the statement is refused.
    expect(verifyDec({ ...level, epsilon: level.epsilon + 1 }, ctx, rp, edge, edgeProof)).toBe(false);
    expect(() => proveDec(level, ctx, rp, { ...st, plaintextBits: bMax + 1 }, { y, rho: nonce }, rng)).toThrow(RangeError);
    expect(() => decodeDecProof(level, { ...st, plaintextBits: bMax + 1 }, rp, encodeDecProof(st, rp, proof))).toThrow(RangeError);
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(verifyDec(level, ctx, rp, { ...st, plaintextBits: bad }, proof)).toBe(false);
      expect(() => proveDec(level, ctx, rp, { ...st, plaintextBits: bad }, { y, rho: nonce }, rng)).toThrow(RangeError);
    }
  });

  it('tampering with any response or commitment fails', () => {
    for (const key of ['z1', 'z2'] as const) {
      expect(verifyDec(level, ctx, rp, st, { ...proof, [key]: proof[key] + 1n })).toBe(false);
      expect(verifyDec(level, ctx, rp, st, { ...proof, [key]: proof[key] - 1n })).toBe(false);
    }
    expect(verifyDec(level, ctx, rp, st, { ...proof, w: (proof.w * 2n) % N0.n })).toBe(false);
    expect(verifyDec(level, ctx, rp, st, { ...proof, A: (proof.A * 4n) % N0.n2 })).toBe(false);
    expect(verifyDec(level, ctx, rp, st, { ...proof, S: (proof.S * 4n) % rp.n })).toBe(false);
    expect(verifyDec(level, ctx, rp, st, { ...proof, T: (proof.T * 4n) % rp.n })).toBe(false);
    expect(verifyDec(level, ctx, rp, st, { ...proof, gamma: mod(proof.gamma + 1n, q) })).toBe(false);
    // z₁ shifted by q keeps the congruence but breaks the Paillier and ring-Pedersen equations
    expect(verifyDec(level, ctx, rp, st, { ...proof, z1: proof.z1 + q })).toBe(false);
  });

  it('non-units, out-of-range scalars and out-of-range responses are rejected without throwing', () => {
    const cases: Partial<DecProof>[] = [
      { A: 0n },
      { A: N0.n }, // shares a factor with N₀
      { A: N0.n2 },
      { w: 0n },
      { w: N0.n },
      { S: 0n },
      { S: rp.n },
      { T: rp.n + 1n },
      { gamma: q },
      { gamma: -1n },
      { z1: pow2(B + level.epsilon) + 1n },
      { z1: -pow2(B + level.epsilon) - 1n },
    ];
    for (const c of cases) expect(verifyDec(level, ctx, rp, st, { ...proof, ...c })).toBe(false);
    expect(verifyDec(level, ctx, rp, { ...st, ciphertext: N0.n }, proof)).toBe(false);
    expect(verifyDec(level, ctx, rp, { ...st, ciphertext: 0n }, proof)).toBe(false);
    expect(verifyDec(level, ctx, rp, { ...st, x: q }, proof)).toBe(false);
    expect(verifyDec(level, ctx, rp, { ...st, x: -1n }, proof)).toBe(false);
    // Non-units of N̂, refused without throwing whatever challenge they lead to.
    const pHat = FIXTURE_2048.ringPedersen.p;
    for (let k = 1n; k <= 10n; k++) expect(verifyDec(level, ctx, rp, st, { ...proof, S: pHat * k })).toBe(false);
  });

  it('decoding is strict: truncated, trailing bytes, oversized magnitudes, non-canonical values', () => {
    const bytes = encodeDecProof(st, rp, proof);
    expect(() => decodeDecProof(level, st, rp, bytes.subarray(0, bytes.length - 1))).toThrow(DecodeError);
    expect(() => decodeDecProof(level, st, rp, new Uint8Array([...bytes, 0]))).toThrow(DecodeError);
    const prefix = (): Writer => {
      const w = new Writer();
      writeResidue(w, proof.S, rp.n);
      writeResidue(w, proof.T, rp.n);
      writeResidue(w, proof.A, N0.n2);
      return w;
    };
    // z₁ one bit beyond what B + ε + challengeBits + 2 bits can hold
    const tooLong = prefix().scalar(curve, proof.gamma);
    writeSigned(tooLong, pow2(8 * Math.ceil((B + level.epsilon + level.challengeBits + 2) / 8)));
    expect(() => decodeDecProof(level, st, rp, tooLong.finish())).toThrow(/too long/);
    // z₂ likewise, beyond its bound plus N̂'s width
    const tooLong2 = prefix().scalar(curve, proof.gamma);
    writeSigned(tooLong2, proof.z1);
    writeSigned(tooLong2, pow2(8 * (Math.ceil((B + level.epsilon + level.challengeBits + 2) / 8) + 256)));
    expect(() => decodeDecProof(level, st, rp, tooLong2.finish())).toThrow(/too long/);
    // a bound that fits B decodes
    const fits = prefix().scalar(curve, proof.gamma);
    writeSigned(fits, pow2(8 * Math.ceil((B + level.epsilon + level.challengeBits + 2) / 8) - 1));
    writeSigned(fits, proof.z2);
    writeResidue(fits, proof.w, N0.n);
    expect(decodeDecProof(level, st, rp, fits.finish()).z1).toBe(pow2(8 * Math.ceil((B + level.epsilon + level.challengeBits + 2) / 8) - 1));
    // γ ≥ q
    const badGamma = prefix().bytes(new Uint8Array(curve.scalarLength).fill(0xff));
    writeSigned(badGamma, proof.z1);
    writeSigned(badGamma, proof.z2);
    writeResidue(badGamma, proof.w, N0.n);
    expect(() => decodeDecProof(level, st, rp, badGamma.finish())).toThrow(/scalar/);
    // S ≥ N̂
    const badS = bytes.slice();
    badS.fill(0xff, 0, byteLengthOf(rp.n));
    expect(() => decodeDecProof(level, st, rp, badS)).toThrow(/out of range/);
    // w ≥ N₀ (its fixed-width field is last)
    const badW = bytes.slice();
    badW.fill(0xff, bytes.length - byteLengthOf(N0.n));
    expect(() => decodeDecProof(level, st, rp, badW)).toThrow(/out of range/);
  });
});

describe('Π^dec checks one by one (2048-bit level)', () => {
  const y = randomBelow(pow2(B - 1), rng);
  const { ciphertext, nonce } = encryptRandom(N0, y, rng);
  const st: DecStatement = { curve, paillier: N0, ciphertext, x: mod(y, q), plaintextBits: B };
  const proof = proveDec(level, ctx, rp, st, { y, rho: nonce }, rng);
  const z1Bound = pow2(B + level.epsilon);

  it('z₁ = ±2^(B+ε) is accepted and one past it refused (a prover of y = 0 picks z₁ = α)', () => {
    const zero = encryptRandom(N0, 0n, rng);
    const st0: DecStatement = { ...st, ciphertext: zero.ciphertext, x: 0n };
    for (const z1 of [z1Bound, -z1Bound]) expect(verifyDec(level, ctx, rp, st0, forge(st0, 0n, zero.nonce, z1))).toBe(true);
    for (const z1 of [z1Bound + 1n, -z1Bound - 1n]) {
      const cheat = forge(st0, 0n, zero.nonce, z1);
      expect(cheat.z1).toBe(z1);
      expect(equationsHold(st0, cheat)).toBe(true);
      expect(verifyDec(level, ctx, rp, st0, cheat)).toBe(false);
    }
  });

  it('a statement or proof whose x or γ is not a bigint (a number from hand-built JSON) is refused without throwing', () => {
    expect(verifyDec(level, ctx, rp, { ...st, x: Number(st.x % 1000n) as unknown as bigint }, proof)).toBe(false);
    expect(verifyDec(level, ctx, rp, st, { ...proof, gamma: 7 as unknown as bigint })).toBe(false);
  });

  it('a negative bound B is refused without throwing (the transcript cannot hold it), by the verifier and the decoder', () => {
    const negative = { ...st, plaintextBits: -1 };
    expect(verifyDec(level, ctx, rp, negative, { ...proof, z1: 1n })).toBe(false); // z₁ inside ±2^(ε−1)
    expect(() => decodeDecProof(level, negative, rp, encodeDecProof(st, rp, proof))).toThrow(/plaintext bound/);
  });

  it('a non-canonical ciphertext (C + N₀²) with a proof made for it is refused; C − N₀² too, without throwing', () => {
    const high = { ...st, ciphertext: ciphertext + N0.n2 };
    expect(verifyDec(level, ctx, rp, high, proveDec(level, ctx, rp, high, { y, rho: nonce }, rng))).toBe(false);
    expect(verifyDec(level, ctx, rp, { ...st, ciphertext: ciphertext - N0.n2 }, proof)).toBe(false);
  });

  it('a ciphertext sharing a factor with N₀ is refused without throwing (a negative challenge would invert it)', () => {
    const bad = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n].map((j): DecStatement => ({ ...st, ciphertext: FIXTURE_2048.keys[0]!.p * j }));
    expect(bad.some((b) => challenge(b, proof) < 0n)).toBe(true);
    for (const b of bad) expect(verifyDec(level, ctx, rp, b, proof)).toBe(false);
  });

  it('a non-unit S with the Paillier equation and the congruence right and a negative challenge is refused without throwing', () => {
    const pHat = FIXTURE_2048.ringPedersen.p;
    const alpha = () => randomSymmetric(pow2(B + level.epsilon - 1), rng);
    let cheat = forge(st, y, nonce, alpha(), pHat);
    for (let j = 2n; challenge(st, cheat) >= 0n; j++) cheat = forge(st, y, nonce, alpha(), pHat * j);
    const e = challenge(st, cheat);
    expect(encrypt(N0, cheat.z1, cheat.w)).toBe((cheat.A * modPow(ciphertext, e, N0.n2)) % N0.n2);
    expect(mod(cheat.z1 - cheat.gamma - e * st.x, q)).toBe(0n);
    expect(verifyDec(level, ctx, rp, st, cheat)).toBe(false);
  });
});
