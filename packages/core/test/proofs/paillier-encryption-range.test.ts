/**
 * Π^enc, the checks that integer-proofs.test.ts does not isolate (issue 13, one test per
 * verifier or decoder check): the exact bound of z₁, non-canonical and non-unit statements, a
 * non-unit S with every other equation right, and the decoder's byte bounds. A cheating prover
 * here is the honest algorithm with its choices exposed (k = 0 makes z₁ = α, which it picks).
 */
import { describe, expect, it } from 'vitest';
import { mod, randomSymmetric, randomUnit } from '../../src/bigint/arith.js';
import { byteLengthOf, writeResidue, writeSigned } from '../../src/bigint/codec.js';
import { modPow } from '../../src/bigint/node-crypto.js';
import { DecodeError, Writer } from '../../src/engine/codec.js';
import { seededRng } from '../../src/rng.js';
import { encrypt, encryptRandom, paillierSecretKey } from '../../src/paillier/paillier.js';
import { ringPedersenCommit } from '../../src/paillier/ring-pedersen.js';
import { pow2, responseBytes } from '../../src/proofs/integer-challenge.js';
import { type ProofContext } from '../../src/proofs/paillier-context.js';
import {
  type EncProof,
  type EncStatement,
  decodeEncProof,
  encChallenge,
  encodeEncProof,
  proveEnc,
  verifyEnc,
} from '../../src/proofs/paillier-encryption-range.js';
import { FIXTURE_2048 } from '../fixtures/paillier-fixtures.js';

const rng = seededRng('pi-enc-checks');
const level = FIXTURE_2048.level;
const rp = FIXTURE_2048.ringPedersen.params;
const pHat = FIXTURE_2048.ringPedersen.p;
const sk = paillierSecretKey(FIXTURE_2048.keys[0]!.p, FIXTURE_2048.keys[0]!.q, { level });
const N0 = sk.publicKey;
const ctx: ProofContext = { sessionId: new TextEncoder().encode('presign-session-1'), prover: 2, keyId: new Uint8Array(32).fill(9) };
const z1Bound = pow2(level.ell + level.epsilon);

/** The honest prover with its mask α and its commitment S open to the caller. */
function forge(st: EncStatement, k: bigint, rho: bigint, alpha: bigint, S?: bigint): EncProof & { e: bigint } {
  const mu = randomSymmetric(pow2(level.ell) * rp.n, rng);
  const gamma = randomSymmetric(pow2(level.ell + level.epsilon) * rp.n, rng);
  const r = randomUnit(N0.n, rng);
  const c = { S: S ?? ringPedersenCommit(rp, k, mu), A: encrypt(N0, alpha, r), C: ringPedersenCommit(rp, alpha, gamma) };
  const e = encChallenge(level, ctx, rp, st, c.S, c.A, c.C);
  return { ...c, z1: alpha + e * k, z2: mod(r * modPow(rho, e, N0.n), N0.n), z3: gamma + e * mu, e };
}

describe('Π^enc checks one by one (2048-bit level)', () => {
  const k = 0x1234567890abcdefn;
  const { ciphertext, nonce } = encryptRandom(N0, k, rng);
  const st: EncStatement = { paillier: N0, ciphertext };
  const proof = proveEnc(level, ctx, rp, st, { k, rho: nonce }, rng);

  it('z₁ = ±2^(ℓ+ε) is accepted and one past it refused (a prover of k = 0 picks z₁ = α)', () => {
    const zero = encryptRandom(N0, 0n, rng);
    const st0: EncStatement = { paillier: N0, ciphertext: zero.ciphertext };
    const wider = { ...level, epsilon: level.epsilon + 1 }; // same transcript: every equation holds
    for (const z1 of [z1Bound, -z1Bound]) expect(verifyEnc(level, ctx, rp, st0, forge(st0, 0n, zero.nonce, z1))).toBe(true);
    for (const z1 of [z1Bound + 1n, -z1Bound - 1n]) {
      const cheat = forge(st0, 0n, zero.nonce, z1);
      expect(cheat.z1).toBe(z1);
      expect(verifyEnc(wider, ctx, rp, st0, cheat)).toBe(true);
      expect(verifyEnc(level, ctx, rp, st0, cheat)).toBe(false);
    }
  });

  it('a non-canonical ciphertext (K + N₀², the same residue) with a proof made for it is refused; K − N₀² too, without throwing', () => {
    const high = { ...st, ciphertext: ciphertext + N0.n2 };
    expect(verifyEnc(level, ctx, rp, high, proveEnc(level, ctx, rp, high, { k, rho: nonce }, rng))).toBe(false);
    // (a negative value cannot enter the transcript: without the check the verifier throws)
    expect(verifyEnc(level, ctx, rp, { ...st, ciphertext: ciphertext - N0.n2 }, proof)).toBe(false);
  });

  it('a ciphertext sharing a factor with N₀ is refused without throwing (a negative challenge would invert it)', () => {
    const bad = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n].map((j): EncStatement => ({ paillier: N0, ciphertext: FIXTURE_2048.keys[0]!.p * j }));
    expect(bad.some((b) => encChallenge(level, ctx, rp, b, proof.S, proof.A, proof.C) < 0n)).toBe(true);
    for (const b of bad) expect(verifyEnc(level, ctx, rp, b, proof)).toBe(false);
  });

  it('a non-unit S with the Paillier equation right and a negative challenge is refused without throwing', () => {
    let cheat: (EncProof & { e: bigint }) | undefined;
    for (let j = 1n; !cheat || cheat.e >= 0n; j++) cheat = forge(st, k, nonce, randomSymmetric(z1Bound / 2n, rng), pHat * j);
    expect(encrypt(N0, cheat.z1, cheat.z2)).toBe((cheat.A * modPow(ciphertext, cheat.e, N0.n2)) % N0.n2);
    expect(verifyEnc(level, ctx, rp, st, cheat)).toBe(false);
  });

  it('decoding: z₁ and z₃ up to their byte bounds, one byte more refused, and no trailing bytes', () => {
    const z1Bytes = responseBytes(level, level.ell + level.epsilon);
    const z3Bytes = z1Bytes + byteLengthOf(rp.n);
    const encoded = (z1: bigint, z3: bigint): Uint8Array => {
      const w = new Writer();
      writeResidue(w, proof.S, rp.n);
      writeResidue(w, proof.A, N0.n2);
      writeResidue(w, proof.C, rp.n);
      writeSigned(w, z1);
      writeResidue(w, proof.z2, N0.n);
      writeSigned(w, z3);
      return w.finish();
    };
    const longest = (bytes: number) => pow2(8 * bytes) - 1n;
    expect(decodeEncProof(level, N0, rp, encoded(-longest(z1Bytes), longest(z3Bytes))).z1).toBe(-longest(z1Bytes));
    expect(() => decodeEncProof(level, N0, rp, encoded(pow2(8 * z1Bytes), proof.z3))).toThrow(/too long/);
    expect(() => decodeEncProof(level, N0, rp, encoded(proof.z1, -pow2(8 * z3Bytes)))).toThrow(/too long/);
    expect(() => decodeEncProof(level, N0, rp, new Uint8Array([...encodeEncProof(N0, rp, proof), 0]))).toThrow(DecodeError);
  });
});
