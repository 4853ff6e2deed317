/**
 * Differential test of the two primitive suites: the native one (OpenSSL) must agree with the
 * noble reference on every operation — same outputs, same refusals — and a handshake may mix them.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HandshakeState, NOISE_NATIVE, NOISE_NOBLE, keyPairFromSecret } from '../../src/noise/index.js';
import { bytesToHex, hexToBytes } from '../../src/bytes.js';
import { seededRng } from '../../src/rng.js';

const hex = bytesToHex;
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });

/** Low-order u-coordinates (and non-canonical encodings of them): both suites must refuse them. */
const LOW_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];

const outcome = (f: () => Uint8Array) => {
  try {
    return hex(f());
  } catch {
    return 'refused';
  }
};

describe('native and noble Noise primitives agree', () => {
  it('X25519: public keys and shared secrets, including public keys with the top bit set', () => {
    fc.assert(
      fc.property(bytes(32, 32), bytes(32, 32), (secret, peer) => {
        expect(hex(NOISE_NATIVE.publicKey(secret))).toBe(hex(NOISE_NOBLE.publicKey(secret)));
        expect(outcome(() => NOISE_NATIVE.dh(secret, peer))).toBe(outcome(() => NOISE_NOBLE.dh(secret, peer)));
      }),
      { numRuns: 100 },
    );
  });

  it('X25519: both refuse every low-order public key', () => {
    const secret = new Uint8Array(32).fill(7);
    for (const u of LOW_ORDER) {
      expect(outcome(() => NOISE_NOBLE.dh(secret, hexToBytes(u))), u).toBe('refused');
      expect(outcome(() => NOISE_NATIVE.dh(secret, hexToBytes(u))), u).toBe('refused');
    }
  });

  it('ChaCha20-Poly1305: same ciphertexts, whole or in parts; both refuse a flipped bit, wrong AD or wrong nonce', () => {
    fc.assert(
      fc.property(bytes(32, 32), bytes(12, 12), bytes(0, 80), bytes(0, 300), fc.nat(), (key, nonce, ad, pt, bit) => {
        const ct = NOISE_NATIVE.encrypt(key, nonce, ad, pt);
        expect(hex(ct)).toBe(hex(NOISE_NOBLE.encrypt(key, nonce, ad, pt)));
        for (const s of [NOISE_NATIVE, NOISE_NOBLE]) {
          const cut = bit % (pt.length + 1);
          expect(hex(s.encrypt(key, nonce, ad, [pt.subarray(0, cut), pt.subarray(cut)])), 'in parts').toBe(hex(ct));
          expect(hex(s.decrypt(key, nonce, ad, ct))).toBe(hex(pt));
          const tampered = ct.slice();
          tampered[(bit >> 3) % ct.length]! ^= 1 << (bit & 7);
          expect(outcome(() => s.decrypt(key, nonce, ad, tampered))).toBe('refused');
          expect(outcome(() => s.decrypt(key, nonce, Uint8Array.of(...ad, 0), ct))).toBe('refused');
          const otherNonce = nonce.slice();
          otherNonce[0]! ^= 1;
          expect(outcome(() => s.decrypt(key, otherNonce, ad, ct))).toBe('refused');
          expect(outcome(() => s.decrypt(key, nonce, ad, ct.subarray(0, 15)))).toBe('refused');
        }
      }),
      { numRuns: 100 },
    );
  });

  it('BLAKE2s and HMAC-BLAKE2s, keys shorter and longer than the 64-byte block', () => {
    fc.assert(
      fc.property(bytes(0, 100), bytes(0, 200), bytes(0, 50), (key, a, b) => {
        expect(hex(NOISE_NATIVE.hash(a, b))).toBe(hex(NOISE_NOBLE.hash(a, b)));
        expect(hex(NOISE_NATIVE.hmac(key, a, b))).toBe(hex(NOISE_NOBLE.hmac(key, a, b)));
      }),
      { numRuns: 100 },
    );
  });

  it('a native initiator and a noble responder complete IK with the same transcript and keys', () => {
    const rngA = seededRng('suite-diff-a');
    const rngB = seededRng('suite-diff-b');
    const i = keyPairFromSecret(rngA(32), NOISE_NATIVE);
    const r = keyPairFromSecret(rngB(32), NOISE_NOBLE);
    const init = new HandshakeState({ pattern: 'IK', initiator: true, s: i, rs: r.publicKey, rng: rngA, crypto: NOISE_NATIVE });
    const resp = new HandshakeState({ pattern: 'IK', initiator: false, s: r, rng: rngB, crypto: NOISE_NOBLE });
    resp.readMessage(init.writeMessage(Uint8Array.of(1, 2, 3)));
    init.readMessage(resp.writeMessage(Uint8Array.of(4)));
    expect(hex(init.handshakeHash)).toBe(hex(resp.handshakeHash));
    const a = init.split();
    const b = resp.split();
    const msg = new Uint8Array(65519).map((_, k) => k & 0xff);
    expect(b.receive.decryptWithAd(new Uint8Array(0), a.send.encryptWithAd(new Uint8Array(0), msg))).toEqual(msg);
    a.send.rekey();
    b.receive.rekey();
    expect(b.receive.decryptWithAd(Uint8Array.of(9), a.send.encryptWithAd(Uint8Array.of(9), msg))).toEqual(msg);
    expect(a.receive.decryptWithAd(new Uint8Array(0), b.send.encryptWithAd(new Uint8Array(0), Uint8Array.of(5)))).toEqual(Uint8Array.of(5));
  });
});
