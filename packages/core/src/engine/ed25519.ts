/**
 * Ed25519 for identity-key signatures (every signed protocol message, echo and confirmation)
 * through node:crypto, i.e. OpenSSL: about 20× faster than the pure-JS path (DESIGN §11), which
 * matters because every round of every protocol signs once and verifies n−1 times. Signatures are
 * deterministic (RFC 8032), so the output is byte-identical to @noble/curves' ed25519, which the
 * tests keep as the reference. Every party runs this same verifier, so all honest parties accept
 * and reject the same signatures — what blame by evidence relies on.
 *
 * Key objects are cached by the key's byte array: identity keys are never mutated once made.
 * The private KeyObject is held by OpenSSL and freed with the array; JS cannot wipe it earlier.
 */
import { type KeyObject, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';

/** PKCS#8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410). */
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

const privateKeys = new WeakMap<Uint8Array, KeyObject>();
const publicKeys = new WeakMap<Uint8Array, KeyObject | null>();

function privateKeyOf(seed: Uint8Array): KeyObject {
  let key = privateKeys.get(seed);
  if (!key) {
    if (seed.length !== 32) throw new RangeError('an Ed25519 secret key is 32 bytes');
    const der = new Uint8Array(PKCS8_PREFIX.length + 32);
    der.set(PKCS8_PREFIX);
    der.set(seed, PKCS8_PREFIX.length);
    key = createPrivateKey({ key: Buffer.from(der.buffer, der.byteOffset, der.length), format: 'der', type: 'pkcs8' });
    der.fill(0);
    privateKeys.set(seed, key);
  }
  return key;
}

/** null for bytes that are not a public key OpenSSL accepts (a signature under it never verifies). */
function publicKeyOf(bytes: Uint8Array): KeyObject | null {
  let key = publicKeys.get(bytes);
  if (key === undefined) {
    try {
      key = bytes.length === 32 ? createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(bytes).toString('base64url') }, format: 'jwk' }) : null;
    } catch {
      key = null;
    }
    publicKeys.set(bytes, key);
  }
  return key;
}

export function ed25519Sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, privateKeyOf(secretKey)));
}

/** Never throws: malformed signatures and keys are simply not valid. */
export function ed25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  const key = publicKeyOf(publicKey);
  if (!key || signature.length !== 64) return false;
  try {
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

/** The public key of a 32-byte Ed25519 seed. */
export function ed25519PublicKey(secretKey: Uint8Array): Uint8Array {
  const jwk = createPublicKey(privateKeyOf(secretKey)).export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(jwk.x!, 'base64url'));
}
