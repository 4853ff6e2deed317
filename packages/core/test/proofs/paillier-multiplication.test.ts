import { describe, expect, it } from 'vitest';
import { seededRng } from '../../src/rng.js';
import { modPow } from '../../src/bigint/node-crypto.js';
import { randomUnit } from '../../src/bigint/arith.js';
import { decrypt, encryptRandom, paillierSecretKey } from '../../src/paillier/paillier.js';
import { decodeMulProof, encodeMulProof, proveMul, verifyMul } from '../../src/proofs/paillier-multiplication.js';
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
