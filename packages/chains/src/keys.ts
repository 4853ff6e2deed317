/**
 * Public keys and signatures as the chain modules take them: strict decoding (a key that is not a
 * curve point is refused with `bad-public-key`) and the checks every `finalize` makes before a
 * signature is attached (it verifies; ECDSA is normalised to low S and given its recovery id).
 */
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { ecdsaMessageDigest } from '@mpc-wallet/core';
import { check } from './errors.js';
import type { EcdsaHash } from './types.js';

/** A 33-byte compressed secp256k1 key that is a curve point; returns it unchanged. */
export function secp256k1Key(publicKey: Uint8Array): Uint8Array {
  check(publicKey instanceof Uint8Array && publicKey.length === 33, 'bad-public-key', `a secp256k1 key is 33 bytes compressed (got ${lengthOf(publicKey)})`);
  try {
    secp256k1.Point.fromBytes(publicKey);
  } catch {
    check(false, 'bad-public-key', 'the secp256k1 key is not a point on the curve');
  }
  return publicKey;
}

/**
 * The 32-byte x-only form (BIP340) of a secp256k1 key given compressed (33 bytes) or x-only (32
 * bytes); either must be a curve point.
 */
export function xOnlyKey(publicKey: Uint8Array): Uint8Array {
  check(publicKey instanceof Uint8Array && (publicKey.length === 32 || publicKey.length === 33), 'bad-public-key', `an x-only key is 32 bytes, or 33 compressed (got ${lengthOf(publicKey)})`);
  const compressed = publicKey.length === 33 ? publicKey : Uint8Array.of(2, ...publicKey);
  try {
    secp256k1.Point.fromBytes(compressed);
  } catch {
    check(false, 'bad-public-key', 'the key is not a point on secp256k1');
  }
  return compressed.slice(1);
}

/** A 32-byte Ed25519 key that decodes to a curve point; returns it unchanged. */
export function ed25519Key(publicKey: Uint8Array): Uint8Array {
  check(publicKey instanceof Uint8Array && publicKey.length === 32, 'bad-public-key', `an Ed25519 key is 32 bytes (got ${lengthOf(publicKey)})`);
  try {
    ed25519.Point.fromBytes(publicKey);
  } catch {
    check(false, 'bad-public-key', 'the Ed25519 key is not a point on the curve');
  }
  return publicKey;
}

/** A verified ECDSA signature, low S, with the recovery id (0 or 1) that gives back the key. */
export interface EcdsaSignature {
  readonly r: bigint;
  readonly s: bigint;
  readonly recovery: 0 | 1;
  /** r ‖ s, 64 bytes, low S. */
  readonly compact: Uint8Array;
  /** The DER encoding (Bitcoin's), low S, without a sighash byte. */
  readonly der: Uint8Array;
}

/**
 * Checks a 64-byte r‖s ECDSA signature over a 32-byte digest against a compressed key and returns
 * it normalised to low S (BIP62, EIP-2) with its recovery id.
 */
export function ecdsaSignature(signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): EcdsaSignature {
  check(signature instanceof Uint8Array && signature.length === 64, 'bad-signature', `an ECDSA signature is 64 bytes r‖s (got ${lengthOf(signature)})`);
  let sig;
  try {
    sig = secp256k1.Signature.fromBytes(signature, 'compact');
  } catch {
    check(false, 'bad-signature', 'the ECDSA signature has r or s out of range');
  }
  check(secp256k1.verify(signature, digest, publicKey, { prehash: false, lowS: false }), 'bad-signature', 'the ECDSA signature does not verify against the signer\'s key');
  const n = secp256k1.Point.CURVE().n;
  const s = sig.hasHighS() ? n - sig.s : sig.s;
  const low = new secp256k1.Signature(sig.r, s);
  const expected = secp256k1.Point.fromBytes(publicKey);
  for (const recovery of [0, 1] as const) {
    let recovered;
    try {
      recovered = low.addRecoveryBit(recovery).recoverPublicKey(digest);
    } catch {
      continue;
    }
    if (recovered.equals(expected)) return { r: sig.r, s, recovery, compact: low.toBytes('compact'), der: low.toBytes('der') };
  }
  // r ≥ n − p … never for a verifying signature with a curve of cofactor 1, but refuse rather than guess.
  throw new Error('no recovery id recovers the key of a verifying signature');
}

/** Checks a 64-byte BIP340 signature over `message` against an x-only key; returns it. */
export function schnorrSignature(signature: Uint8Array, message: Uint8Array, xOnly: Uint8Array): Uint8Array {
  check(signature instanceof Uint8Array && signature.length === 64, 'bad-signature', `a BIP340 signature is 64 bytes (got ${lengthOf(signature)})`);
  check(schnorr.verify(signature, message, xOnly), 'bad-signature', 'the BIP340 signature does not verify against the signer\'s key');
  return signature;
}

/** Checks a 64-byte Ed25519 signature (RFC 8032, strict) over `message`; returns it. */
export function ed25519Signature(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): Uint8Array {
  check(signature instanceof Uint8Array && signature.length === 64, 'bad-signature', `an Ed25519 signature is 64 bytes (got ${lengthOf(signature)})`);
  check(ed25519.verify(signature, message, publicKey, { zip215: false }), 'bad-signature', 'the Ed25519 signature does not verify against the signer\'s key');
  return signature;
}

/** Refuses a signature list that does not match the items one to one. */
export function checkSignatureCount(signatures: readonly Uint8Array[], items: number): void {
  check(Array.isArray(signatures) && signatures.length === items, 'bad-signature', `expected ${items} signature(s), got ${Array.isArray(signatures) ? signatures.length : 'none'}`);
}

function lengthOf(x: unknown): string {
  return x instanceof Uint8Array ? `${x.length} bytes` : typeof x;
}

/** The 32-byte digest an ECDSA item's signature is over: its named hash of its preimage. */
export function ecdsaItemDigest(item: { readonly hash: EcdsaHash; readonly message: Uint8Array }): Uint8Array {
  return ecdsaMessageDigest(item.hash, item.message);
}
