import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gcd, randomUnit } from '../../src/bigint/arith.js';
import { generateSafePrime, isProbablePrime } from '../../src/bigint/node-crypto.js';
import { utf8 } from '../../src/bytes.js';
import { proveModulus, verifyModulus } from '../../src/proofs/paillier-blum-modulus.js';
import { type SecurityLevel, SECURITY_LEVEL_128, SECURITY_LEVEL_TSS_LIB_2048 } from '../../src/paillier/security-level.js';
import { seededRng } from '../../src/rng.js';
import {
  addCiphertexts,
  decrypt,
  decryptPlain,
  decryptSigned,
  encrypt,
  encryptRandom,
  encryptWithSecret,
  generatePaillierSecretKey,
  isValidCiphertext,
  paillierPublicKey,
  paillierSecretKey,
  scalarMulCiphertext,
} from '../../src/paillier/paillier.js';
import { FIXTURE_2048, FIXTURE_3072, NON_BLUM } from '../fixtures/paillier-fixtures.js';

const fx = FIXTURE_2048;
const sk = paillierSecretKey(fx.keys[0]!.p, fx.keys[0]!.q, { requireSafe: true, level: fx.level });
const pk = sk.publicKey;
const n = pk.n;
const plaintext = fc.bigInt({ min: 0n, max: n - 1n });
const rng = seededRng('paillier-tests');
const nonce = () => randomUnit(n, rng);

describe('Paillier (2048-bit fixture key)', () => {
  it('the fixture keys are of safe primes at the levels’ sizes', () => {
    for (const f of [FIXTURE_2048, FIXTURE_3072]) {
      for (const { p, q } of f.keys) {
        const key = paillierSecretKey(p, q, { requireSafe: true, level: f.level });
        expect(key.publicKey.n.toString(2).length).toBeGreaterThanOrEqual(f.level.minPaillierBits);
      }
    }
  });

  it('decrypt(encrypt(m)) = m, and CRT decryption equals plain decryption', () => {
    fc.assert(
      fc.property(plaintext, (m) => {
        const c = encrypt(pk, m, nonce());
        expect(decrypt(sk, c)).toBe(m);
        expect(decryptPlain(sk, c)).toBe(m);
      }),
      { numRuns: 10 },
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: pk.n2 - 1n }), (c) => {
        fc.pre(gcd(c, n) === 1n);
        expect(decrypt(sk, c)).toBe(decryptPlain(sk, c));
      }),
      { numRuns: 10 },
    );
  });

  it('the owner’s CRT encryption gives the same ciphertext', () => {
    fc.assert(
      fc.property(plaintext, (m) => {
        const rho = nonce();
        expect(encryptWithSecret(sk, m, rho)).toBe(encrypt(pk, m, rho));
      }),
      { numRuns: 5 },
    );
  });

  it('is additively homomorphic, including negative scalars and signed plaintexts', () => {
    fc.assert(
      fc.property(plaintext, plaintext, fc.bigInt({ min: -(1n << 300n), max: 1n << 300n }), (a, b, k) => {
        const ca = encrypt(pk, a, nonce());
        const cb = encrypt(pk, b, nonce());
        expect(decrypt(sk, addCiphertexts(pk, ca, cb))).toBe((a + b) % n);
        expect(decrypt(sk, scalarMulCiphertext(pk, ca, k))).toBe((((a * k) % n) + n) % n);
      }),
      { numRuns: 5 },
    );
    const { ciphertext } = encryptRandom(pk, -12345n, rng);
    expect(decryptSigned(sk, ciphertext)).toBe(-12345n);
  });

  it('rejects malformed ciphertexts: 0, ≥ N², sharing a factor with N', () => {
    const good = encrypt(pk, 5n, nonce());
    for (const bad of [0n, -1n, pk.n2, pk.n2 + 1n, fx.keys[0]!.p, n, 3n * n]) {
      expect(isValidCiphertext(pk, bad)).toBe(false);
      expect(() => decrypt(sk, bad)).toThrow(/invalid Paillier ciphertext/);
      expect(() => addCiphertexts(pk, good, bad)).toThrow(RangeError);
      expect(() => scalarMulCiphertext(pk, bad, 2n)).toThrow(RangeError);
    }
    expect(isValidCiphertext(pk, good)).toBe(true);
  });

  it('rejects bad nonces and bad keys, without secrets in the message', () => {
    expect(() => encrypt(pk, 1n, 0n)).toThrow(/invalid Paillier nonce/);
    expect(() => encrypt(pk, 1n, n)).toThrow(/invalid Paillier nonce/);
    expect(() => encrypt(pk, 1n, fx.keys[0]!.q)).toThrow(/invalid Paillier nonce/);
    expect(() => paillierPublicKey(n + 1n)).toThrow(/invalid Paillier modulus/);
    expect(() => paillierPublicKey(n, SECURITY_LEVEL_128)).toThrow(/too small/);
    const { p, q } = fx.keys[0]!;
    expect(() => paillierSecretKey(p, p)).toThrow(/distinct/);
    expect(() => paillierSecretKey(NON_BLUM.p, NON_BLUM.q)).toThrow(/Blum/);
    // ≡ 3 (mod 4) yet composite (3 times a prime ≡ 1 mod 4); a Blum prime that is not safe (19 = 2·9 + 1)
    expect(() => paillierSecretKey(p, 3n * NON_BLUM.p)).toThrow(/not prime/);
    expect(() => paillierSecretKey(p, 19n, { requireSafe: true })).toThrow(/not a safe prime/);
    expect(paillierSecretKey(p, 19n).q).toBe(19n); // the same prime passes when safety is not required
    try {
      paillierSecretKey(p, q * 3n);
    } catch (e) {
      expect(String(e)).not.toContain(p.toString(16));
      expect(String(e)).not.toContain(p.toString());
    }
  });
});

describe('fresh safe primes (the one test that generates them)', () => {
  it('512-bit safe primes from OpenSSL make a working Paillier key with a valid Π^mod', async () => {
    // A test-only level with 1024-bit moduli: the generation path is the production one.
    const level: SecurityLevel = { ...SECURITY_LEVEL_TSS_LIB_2048, name: 'test/1024', paillierBits: 1024, minPaillierBits: 1023 };
    const key = await generatePaillierSecretKey(level);
    for (const x of [key.p, key.q]) {
      expect(x.toString(2).length).toBe(512);
      expect(isProbablePrime(x) && isProbablePrime((x - 1n) / 2n)).toBe(true);
    }
    const c = encrypt(key.publicKey, 42n, randomUnit(key.publicKey.n, rng));
    expect(decrypt(key, c)).toBe(42n);
    const ctx = { sessionId: utf8('fresh'), prover: 1, keyId: new Uint8Array(0) };
    expect(verifyModulus(level, ctx, key.publicKey.n, proveModulus(level, ctx, key.p, key.q, rng))).toBe(true);
    await expect(generateSafePrime(8)).rejects.toThrow(RangeError);
  });

  it('levels name their sizes', () => {
    expect(SECURITY_LEVEL_TSS_LIB_2048.paillierBits).toBe(2048);
    expect(SECURITY_LEVEL_128.paillierBits).toBe(3072);
    expect(SECURITY_LEVEL_128.repetitions).toBe(128);
  });
});
