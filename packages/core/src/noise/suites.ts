/**
 * The primitives of Noise_*_25519_ChaChaPoly_BLAKE2s as a value, so one handshake code runs on
 * either implementation:
 *
 * - `NOISE_NATIVE` (the default): X25519, ChaCha20-Poly1305, BLAKE2s and HMAC-BLAKE2s from
 *   OpenSSL through `node:crypto` — CPU work only, no I/O (DESIGN §3);
 * - `NOISE_NOBLE`: the same from @noble/curves, @noble/ciphers and @noble/hashes — the reference
 *   the native suite is tested against (official vectors and a differential test).
 *
 * Both reject a Diffie-Hellman result of all zeros (a low-order public key), which Noise permits.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { blake2s } from '@noble/hashes/blake2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { concatBytes } from '../bytes.js';

export interface NoiseCrypto {
  readonly name: string;
  /** X25519 public key of a 32-byte secret. */
  publicKey(secretKey: Uint8Array): Uint8Array;
  /** X25519(secret, public); throws on an all-zero result. */
  dh(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /**
   * ChaCha20-Poly1305 with a 12-byte nonce; ciphertext ‖ 16-byte tag. A plaintext given in
   * parts is their concatenation (the native suite then never copies it into one array).
   */
  encrypt(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array | readonly Uint8Array[]): Uint8Array;
  /** Throws when the tag does not verify. */
  decrypt(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array;
  /** BLAKE2s-256 of the concatenated parts. */
  hash(...parts: Uint8Array[]): Uint8Array;
  /** HMAC-BLAKE2s-256 (RFC 2104, 64-byte block). */
  hmac(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array;
}

export const NOISE_NOBLE: NoiseCrypto = {
  name: 'noble',
  publicKey: (secretKey) => x25519.getPublicKey(secretKey),
  // noble throws on a low-order public key (all-zero shared secret).
  dh: (secretKey, publicKey) => x25519.getSharedSecret(secretKey, publicKey),
  encrypt: (key, nonce, ad, plaintext) => chacha20poly1305(key, nonce, ad).encrypt(plaintext instanceof Uint8Array ? plaintext : concatBytes(...plaintext)),
  decrypt: (key, nonce, ad, ciphertext) => chacha20poly1305(key, nonce, ad).decrypt(ciphertext),
  hash: (...parts) => blake2s(parts.length === 1 ? parts[0]! : concatBytes(...parts)),
  hmac: (key, ...parts) => hmac(blake2s, key, parts.length === 1 ? parts[0]! : concatBytes(...parts)),
};

/**
 * Raw X25519 keys enter OpenSSL as JWKs (RFC 8037): measured here some 20× faster than the
 * PKCS#8/SPKI DER road, whose decoder search costs about a millisecond per key.
 */
const b64url = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64url');

/**
 * A static key takes part in every handshake of its node; importing it into OpenSSL once per
 * secret array (not per handshake) is most of the native DH's cost. Keyed by the array object,
 * so a key pair that is dropped takes its KeyObject with it. (A secret array must therefore not be
 * overwritten with another key and reused; key pairs here never are.)
 */
const privateKeys = new WeakMap<Uint8Array, KeyObject>();

function privateKey(secretKey: Uint8Array): KeyObject {
  let key = privateKeys.get(secretKey);
  if (!key) {
    if (secretKey.length !== 32) throw new Error('X25519 secret key must be 32 bytes');
    // Node requires `x` to be a string but derives the public key from `d` alone. Residue: the
    // base64url copy of the secret is a JS string, which cannot be wiped (nor can noble's copies).
    key = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64url(secretKey), x: '' }, format: 'jwk' });
    privateKeys.set(secretKey, key);
  }
  return key;
}

const u8 = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.length);

export const NOISE_NATIVE: NoiseCrypto = {
  name: 'native',
  publicKey: (secretKey) => u8(Buffer.from(createPublicKey(privateKey(secretKey)).export({ format: 'jwk' }).x!, 'base64url')),
  dh(secretKey, publicKey) {
    if (publicKey.length !== 32) throw new Error('X25519 public key must be 32 bytes');
    const peer = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64url(publicKey) }, format: 'jwk' });
    // OpenSSL fails the derivation when the result is all zeros (a low-order public key).
    return u8(diffieHellman({ privateKey: privateKey(secretKey), publicKey: peer }));
  },
  encrypt(key, nonce, ad, plaintext) {
    const parts = plaintext instanceof Uint8Array ? [plaintext] : plaintext;
    const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    c.setAAD(ad, { plaintextLength: parts.reduce((n, p) => n + p.length, 0) });
    const out = parts.map((p) => c.update(p));
    c.final();
    out.push(c.getAuthTag());
    return u8(Buffer.concat(out));
  },
  decrypt(key, nonce, ad, ciphertext) {
    if (ciphertext.length < 16) throw new Error('ciphertext shorter than its tag');
    const split = ciphertext.length - 16;
    const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    d.setAAD(ad, { plaintextLength: split });
    d.setAuthTag(ciphertext.subarray(split));
    const body = d.update(ciphertext.subarray(0, split));
    d.final(); // throws when the tag does not verify; `body` is then discarded
    return u8(body);
  },
  hash(...parts) {
    const h = createHash('blake2s256');
    for (const p of parts) h.update(p);
    return u8(h.digest());
  },
  hmac(key, ...parts) {
    // OpenSSL's HMAC over BLAKE2s uses its 64-byte block, as RFC 2104 and Noise §4.3 ask.
    const h = createHmac('blake2s256', key);
    for (const p of parts) h.update(p);
    return u8(h.digest());
  },
};
