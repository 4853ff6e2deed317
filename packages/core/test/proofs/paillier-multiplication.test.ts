import { describe, expect, it } from 'vitest';
import { seededRng } from '../../src/rng.js';
import { modPow } from '../../src/bigint/node-crypto.js';
import { randomUnit } from '../../src/bigint/arith.js';
import { byteLengthOf, writeResidue, writeSigned } from '../../src/bigint/codec.js';
import { DecodeError, Writer } from '../../src/engine/codec.js';
import { pow2 } from '../../src/proofs/integer-challenge.js';
import { decrypt, encryptRandom, paillierSecretKey } from '../../src/paillier/paillier.js';
import {
  type MulProof,
  type MulStatement,
  decodeMulProof,
  encodeMulProof,
  mulChallenge,
  proveMul,
  verifyMul,
} from '../../src/proofs/paillier-multiplication.js';
import { FIXTURE_2048 } from '../fixtures/paillier-fixtures.js';

const rng = seededRng('mul');
const level = FIXTURE_2048.level;
const sk = paillierSecretKey(FIXTURE_2048.keys[0]!.p, FIXTURE_2048.keys[0]!.q, { level });
const pk = sk.publicKey;
const ctx = { sessionId: new TextEncoder().encode('mul-session'), prover: 1, keyId: new Uint8Array(0) };

describe('Π^mul', () => {
  const x = 0x1234567n;
  const y = 0xabcdefn;
  const X = encryptRandom(pk, x, rng);
  const Y = encryptRandom(pk, y, rng).ciphertext;
  const rho = randomUnit(pk.n, rng);
  const C = (modPow(Y, x, pk.n2) * modPow(rho, pk.n, pk.n2)) % pk.n2;
  const st = { paillier: pk, X: X.ciphertext, Y, C };
  const proof = proveMul(level, ctx, st, { x, rhoX: X.nonce, rho }, rng);

  it('C encrypts x·y; the proof verifies, also after encoding, only in its context', () => {
    expect(decrypt(sk, C)).toBe(x * y);
    expect(verifyMul(level, ctx, st, proof)).toBe(true);
    expect(verifyMul(level, ctx, st, decodeMulProof(level, pk, encodeMulProof(pk, proof)))).toBe(true);
    expect(verifyMul(level, { ...ctx, prover: 2 }, st, proof)).toBe(false);
    expect(verifyMul(level, { ...ctx, sessionId: new TextEncoder().encode('other') }, st, proof)).toBe(false);
  });

  it('a product of another plaintext, or tampering, fails', () => {
    const wrong = (C * encryptRandom(pk, 1n, rng).ciphertext) % pk.n2; // encrypts x·y + 1
    expect(verifyMul(level, ctx, { ...st, C: wrong }, proof)).toBe(false);
    const cheat = proveMul(level, ctx, { ...st, C: wrong }, { x, rhoX: X.nonce, rho }, rng);
    expect(verifyMul(level, ctx, { ...st, C: wrong }, cheat)).toBe(false);
    expect(verifyMul(level, ctx, st, { ...proof, z: proof.z + 1n })).toBe(false);
    expect(verifyMul(level, ctx, st, { ...proof, u: 0n })).toBe(false);
    expect(verifyMul(level, ctx, st, { ...proof, A: pk.n })).toBe(false);
    expect(() => decodeMulProof(level, pk, encodeMulProof(pk, proof).subarray(2))).toThrow();
  });

  it('each equation is checked on its own, and non-units are refused without throwing', () => {
    expect(verifyMul(level, ctx, st, { ...proof, u: (proof.u * 2n) % pk.n })).toBe(false); // C's equation only
    expect(verifyMul(level, ctx, st, { ...proof, v: (proof.v * 2n) % pk.n })).toBe(false); // X's equation only
    const p = FIXTURE_2048.keys[0]!.p;
    for (const u of [p, 2n * p, pk.n - p]) expect(verifyMul(level, ctx, st, { ...proof, v: u })).toBe(false);
  });
});

describe('Π^mul checks one by one', () => {
  const x = 0x7654321n;
  const y = 0xfedcban;
  const X = encryptRandom(pk, x, rng);
  const Y = encryptRandom(pk, y, rng).ciphertext;
  const rho = randomUnit(pk.n, rng);
  const C = (modPow(Y, x, pk.n2) * modPow(rho, pk.n, pk.n2)) % pk.n2;
  const st: MulStatement = { paillier: pk, X: X.ciphertext, Y, C };
  const wit = { x, rhoX: X.nonce, rho };
  const proof = proveMul(level, ctx, st, wit, rng);
  const p = FIXTURE_2048.keys[0]!.p;

  it('non-canonical X, Y and C (+ N²) with a proof made for them are refused; negative ones too, without throwing', () => {
    for (const key of ['X', 'Y', 'C'] as const) {
      const high = { ...st, [key]: st[key] + pk.n2 };
      expect(verifyMul(level, ctx, high, proveMul(level, ctx, high, wit, rng))).toBe(false);
      expect(verifyMul(level, ctx, { ...st, [key]: st[key] - pk.n2 }, proof)).toBe(false);
    }
  });

  it('Y and C sharing a factor with N are refused without throwing (Y^z with z < 0, C^e with e < 0 would invert them)', () => {
    for (let j = 1n; j <= 4n; j++) expect(verifyMul(level, ctx, { ...st, Y: p * j }, { ...proof, z: -proof.z })).toBe(false);
    const badC = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n].map((j) => ({ ...st, C: p * j }));
    expect(badC.some((b) => mulChallenge(level, ctx, b, proof.A, proof.B) < 0n)).toBe(true);
    for (const b of badC) expect(verifyMul(level, ctx, b, proof)).toBe(false);
  });

  it('a non-unit X with the first equation right and a negative challenge is refused without throwing', () => {
    const forgeNegative = (): { bad: MulStatement; cheat: MulProof; e: bigint } => {
      for (let j = 1n; ; j++) {
        const bad = { ...st, X: p * j };
        const cheat = proveMul(level, ctx, bad, wit, rng);
        const e = mulChallenge(level, ctx, bad, cheat.A, cheat.B);
        if (e < 0n) return { bad, cheat, e };
      }
    };
    const { bad, cheat, e } = forgeNegative();
    expect((modPow(Y, cheat.z, pk.n2) * modPow(cheat.u, pk.n, pk.n2)) % pk.n2).toBe((cheat.A * modPow(C, e, pk.n2)) % pk.n2);
    expect(verifyMul(level, ctx, bad, cheat)).toBe(false);
  });

  it('decoding: z up to its byte bound, one byte more refused, and no trailing bytes', () => {
    const zBytes = 2 * byteLengthOf(pk.n) + Math.ceil(level.challengeBits / 8) + 1;
    const encoded = (z: bigint): Uint8Array => {
      const w = new Writer();
      writeResidue(w, proof.A, pk.n2);
      writeResidue(w, proof.B, pk.n2);
      writeSigned(w, z);
      writeResidue(w, proof.u, pk.n);
      writeResidue(w, proof.v, pk.n);
      return w.finish();
    };
    expect(decodeMulProof(level, pk, encoded(-(pow2(8 * zBytes) - 1n))).z).toBe(-(pow2(8 * zBytes) - 1n));
    expect(() => decodeMulProof(level, pk, encoded(pow2(8 * zBytes)))).toThrow(/too long/);
    expect(() => decodeMulProof(level, pk, new Uint8Array([...encodeMulProof(pk, proof), 0]))).toThrow(DecodeError);
  });
});
