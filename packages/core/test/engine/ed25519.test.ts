/** The native identity-key Ed25519 against RFC 8032's vectors and @noble/curves as the reference. */
import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../src/bytes.js';
import { ed25519PublicKey, ed25519Sign, ed25519Verify } from '../../src/engine/ed25519.js';
import { readVector } from '../vectors.js';

interface Rfc8032 {
  tests: { name: string; secret_key: string; public_key: string; message: string; signature: string }[];
}

const rfc = readVector<Rfc8032>('rfc8032', 'ed25519.json');

describe('identity Ed25519 through node:crypto', () => {
  it.skipIf(!rfc)('signs and verifies every RFC 8032 §7.1 vector', () => {
    expect(rfc!.tests.length).toBeGreaterThan(0);
    for (const v of rfc!.tests) {
      const sig = ed25519Sign(hexToBytes(v.message), hexToBytes(v.secret_key));
      expect(bytesToHex(sig), v.name).toBe(v.signature);
      expect(bytesToHex(ed25519PublicKey(hexToBytes(v.secret_key))), v.name).toBe(v.public_key);
      expect(ed25519Verify(sig, hexToBytes(v.message), hexToBytes(v.public_key)), v.name).toBe(true);
    }
  });

  it('is byte-identical to noble when signing, and agrees with noble on honest and altered signatures', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 200 }), fc.nat(63), (seed, message, flip) => {
        const pub = ed25519.getPublicKey(seed);
        const sig = ed25519Sign(message, seed);
        expect(bytesToHex(sig)).toBe(bytesToHex(ed25519.sign(message, seed)));
        expect(ed25519Verify(sig, message, pub)).toBe(true);
        const altered = sig.slice();
        altered[flip]! ^= 1;
        expect(ed25519Verify(altered, message, pub)).toBe(ed25519.verify(altered, message, pub));
        expect(ed25519Verify(altered, message, pub)).toBe(false);
        const other = Uint8Array.from([...message, 0]);
        expect(ed25519Verify(sig, other, pub)).toBe(false);
      }),
      { numRuns: 40 },
    );
  });

  it('refuses, without throwing, signatures and keys of the wrong shape and signatures under another key', () => {
    const seed = new Uint8Array(32).fill(7);
    const pub = ed25519.getPublicKey(seed);
    const msg = new Uint8Array([1, 2, 3]);
    const sig = ed25519Sign(msg, seed);
    expect(ed25519Verify(sig.subarray(0, 63), msg, pub)).toBe(false);
    expect(ed25519Verify(sig, msg, pub.subarray(0, 31))).toBe(false);
    expect(ed25519Verify(sig, msg, new Uint8Array(32).fill(0xff))).toBe(false);
    expect(ed25519Verify(sig, msg, ed25519.getPublicKey(new Uint8Array(32).fill(8)))).toBe(false);
    // S ≥ L (the signature with L added to S) is refused, as RFC 8032 requires and noble does.
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const s = BigInt('0x' + bytesToHex(sig.slice(32).reverse())) + L;
    const big = sig.slice();
    big.set(hexToBytes(s.toString(16).padStart(64, '0')).reverse(), 32);
    expect(ed25519.verify(big, msg, pub)).toBe(false);
    expect(ed25519Verify(big, msg, pub)).toBe(false);
    expect(() => ed25519Sign(msg, new Uint8Array(31))).toThrow(RangeError);
  });
});
