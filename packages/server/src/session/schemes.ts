/**
 * The three signature schemes the cluster serves, and how each names its curve, encodes its
 * public key (as `mpc-wallet simulate` prints it) and checks a finished signature. Both the nodes
 * and the coordinator check every signature before it is released or returned.
 */
import {
  CURVES,
  type CurveName,
  type KeyShare,
  type PublicKeyPackage,
  bytesToHex,
  checkPublicPackage,
  hexToBytes,
  type EcdsaMessageHash,
  type FrostCiphersuite,
  type GroupPoint,
  FROST_ED25519,
  FROST_SECP256K1_TR,
  SECP256K1,
  ecdsaMessageDigest,
  ed25519Verify,
  concatBytes,
  utf8,
} from '@mpc-wallet/core';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Scheme } from './request.js';
import type { PublicPackage } from '../stores/types.js';

/**
 * The chain code of a key generation (non-hardened derivation, DESIGN §9): each party computes it
 * from the run's session id and the group key it ended with, so all agree without a message, and
 * nobody outside the run can compute it from the public key alone.
 */
export function keygenChainCode(session: Uint8Array, scheme: Scheme, publicKey: GroupPoint): Uint8Array {
  return sha256(concatBytes(utf8('mpc-wallet/v1/keygen-chain-code'), session, CURVES[curveOf(scheme)].encodePoint(publicKey)));
}

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

/** A key version's public package as a node reports it (the coordinator checks signature shares against it). */
export function reportPublicPackage(share: KeyShare): PublicPackage {
  const curve = CURVES[share.curve];
  return { groupKey: bytesToHex(curve.encodePoint(share.publicKey)), verifyingShares: share.parties.map((p) => bytesToHex(curve.encodePoint(share.verificationShares.get(p)!))) };
}

/**
 * A reported package, decoded strictly and checked: the shares lie on one polynomial of the key's
 * threshold whose value at zero is the group key, and the group key is `publicKey` (as encoded for
 * the scheme). Undefined for anything else.
 */
export function openPublicPackage(key: { scheme: Scheme; threshold: number; parties: readonly number[]; publicKey: string }, reported: unknown): PublicKeyPackage | undefined {
  const r = reported as Partial<PublicPackage> | null;
  const curveName = curveOf(key.scheme);
  const curve = CURVES[curveName];
  const hex = new RegExp(`^[0-9a-f]{${2 * curve.pointLength}}$`);
  if (typeof r?.groupKey !== 'string' || !hex.test(r.groupKey) || !Array.isArray(r.verifyingShares) || r.verifyingShares.length !== key.parties.length) return undefined;
  if (!r.verifyingShares.every((y) => typeof y === 'string' && hex.test(y))) return undefined;
  try {
    const publicKey = curve.decodePoint(hexToBytes(r.groupKey));
    const verificationShares = new Map(key.parties.map((p, i) => [p, curve.decodePoint(hexToBytes(r.verifyingShares![i]!))] as const));
    const pkg: PublicKeyPackage = { curve: curveName, threshold: key.threshold, parties: [...key.parties], publicKey, verificationShares };
    checkPublicPackage(pkg);
    return bytesToHex(encodePublicKey(key.scheme, publicKey)) === key.publicKey ? pkg : undefined;
  } catch {
    return undefined;
  }
}
