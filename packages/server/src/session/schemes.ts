/**
 * The three signature schemes the cluster serves, and how each names its curve, encodes its
 * public key (as `mpc-wallet simulate` prints it) and checks a finished signature. Both the nodes
 * and the coordinator check every signature before it is released or returned.
 */
import {
  type CurveName,
  type EcdsaMessageHash,
  type FrostCiphersuite,
  type GroupPoint,
  FROST_ED25519,
  FROST_SECP256K1_TR,
  SECP256K1,
  ecdsaMessageDigest,
  ed25519Verify,
} from '@mpc-wallet/core';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import type { Scheme } from './request.js';

export function curveOf(scheme: Scheme): CurveName {
  return scheme === 'eddsa-ed25519' ? 'ed25519' : 'secp256k1';
}

/** The FROST ciphersuite of a Schnorr/EdDSA scheme; undefined for ECDSA. */
export function frostSuiteOf(scheme: Scheme): FrostCiphersuite | undefined {
  return scheme === 'eddsa-ed25519' ? FROST_ED25519 : scheme === 'schnorr-bip340' ? FROST_SECP256K1_TR : undefined;
}

export function encodePublicKey(scheme: Scheme, publicKey: GroupPoint): Uint8Array {
  const suite = frostSuiteOf(scheme);
  return suite ? suite.encodePublicKey(publicKey) : SECP256K1.encodePoint(publicKey);
}

/** What the signature is over: the message itself (Schnorr/EdDSA), or its ECDSA digest. */
export function signedDigest(scheme: Scheme, input: { message?: Uint8Array; hash?: EcdsaMessageHash; digest?: Uint8Array }): Uint8Array {
  if (scheme !== 'ecdsa-secp256k1') {
    if (!input.message || input.hash || input.digest) throw new RangeError(`${scheme} signs a message, without a hash`);
    return input.message;
  }
  if (input.digest) {
    if (input.message || input.hash || input.digest.length !== 32) throw new RangeError('a raw digest is 32 bytes, alone');
    return input.digest;
  }
  if (!input.message || !input.hash) throw new RangeError('ECDSA needs a message and its hash');
  return ecdsaMessageDigest(input.hash, input.message);
}

/** Whether `signature` (checked by noble, or OpenSSL for Ed25519: not by the code that made it),
 * 64 bytes, r‖s for ECDSA with low s, verifies under `publicKey` (encoded). */
export function verifies(scheme: Scheme, publicKey: Uint8Array, signed: Uint8Array, signature: Uint8Array): boolean {
  try {
    if (scheme === 'eddsa-ed25519') return ed25519Verify(signature, signed, publicKey);
    if (scheme === 'schnorr-bip340') return schnorr.verify(signature, signed, publicKey);
    return secp256k1.verify(signature, signed, publicKey, { prehash: false, lowS: true });
  } catch {
    return false;
  }
}
