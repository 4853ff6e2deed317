/**
 * FROST ciphersuites as values (RFC 9591 §6): the group, the hash functions H1–H5 and the
 * challenge. Three suites:
 *   - FROST(Ed25519, SHA-512)    — RFC 9591 §6.1, signatures are RFC 8032 Ed25519 signatures;
 *   - FROST(secp256k1, SHA-256)  — RFC 9591 §6.5, 65-byte (R compressed ‖ z) signatures;
 *   - FROST(secp256k1, SHA-256, TR) — the BIP340/Taproot variant with context
 *     "FROST-secp256k1-SHA256-TR-v1" as in the Zcash Foundation's frost-secp256k1-tr: challenge
 *     is BIP340's tagged hash over x-only R and key; keys and nonces are normalised to even Y.
 */
import { hash_to_field } from '@noble/curves/abstract/hash-to-curve.js';
import { bytesToNumberBE, bytesToNumberLE } from '@noble/curves/utils.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8 } from '../../bytes.js';
import { ED25519, type Curve, type GroupPoint, SECP256K1, mod } from '../../math/curve.js';
import { ed25519Verify } from '../../engine/ed25519.js';

export type FrostSuiteName = 'ed25519' | 'secp256k1' | 'secp256k1-tr';

export interface FrostCiphersuite {
  readonly name: FrostSuiteName;
  readonly contextString: string;
  readonly curve: Curve;
  /** Binding factor: H1(rho_input). */
  H1(m: Uint8Array): bigint;
  /** Challenge hash H2. */
  H2(m: Uint8Array): bigint;
  /** Nonce derivation H3(random ‖ secret). */
  H3(m: Uint8Array): bigint;
  /** Message hash H4. */
  H4(m: Uint8Array): Uint8Array;
  /** Commitment-list hash H5. */
  H5(m: Uint8Array): Uint8Array;
  /** Encoding of the group key inside the binding-factor input. */
  encodeKey(p: GroupPoint): Uint8Array;
  /** c = H2(enc(R) ‖ enc(PK) ‖ msg) with this suite's encodings. */
  challenge(R: GroupPoint, publicKey: GroupPoint, message: Uint8Array): bigint;
  /** Signature bytes from (R, z). */
  encodeSignature(R: GroupPoint, z: bigint): Uint8Array;
  /** Public key bytes as a verifier of this scheme expects them. */
  encodePublicKey(p: GroupPoint): Uint8Array;
  /** Whether keys and nonces are normalised to even Y (BIP340). */
  readonly evenY: boolean;
  /**
   * A native verifier of this suite's signatures, where one exists (Ed25519: OpenSSL through
   * node:crypto, several times faster than the curve arithmetic): for a canonical (R, z) and key
   * it accepts exactly when z·G = R + c·PK.
   */
  readonly verify?: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;
}

function prefixed(hash: (m: Uint8Array) => Uint8Array, ctx: string, tag: string) {
  const prefix = utf8(ctx + tag);
  return (m: Uint8Array) => hash(concatBytes(prefix, m));
}

function makeEd25519(): FrostCiphersuite {
  const ctx = 'FROST-ED25519-SHA512-v1';
  const L = ED25519.order;
  const toScalar = (h: Uint8Array) => mod(bytesToNumberLE(h), L);
  const H2 = (m: Uint8Array) => toScalar(sha512(m));
  return {
    name: 'ed25519',
    contextString: ctx,
    curve: ED25519,
    H1: (m) => toScalar(prefixed(sha512, ctx, 'rho')(m)),
    H2,
    H3: (m) => toScalar(prefixed(sha512, ctx, 'nonce')(m)),
    H4: prefixed(sha512, ctx, 'msg'),
    H5: prefixed(sha512, ctx, 'com'),
    encodeKey: (p) => ED25519.encodePoint(p),
    challenge: (R, PK, msg) => H2(concatBytes(ED25519.encodePoint(R), ED25519.encodePoint(PK), msg)),
    encodeSignature: (R, z) => concatBytes(ED25519.encodePoint(R), ED25519.encodeScalar(z)),
    encodePublicKey: (p) => ED25519.encodePoint(p),
    evenY: false,
    // RFC 8032 verification is [s]B = R + [k]A with k = SHA-512(R ‖ A ‖ M), i.e. this suite's H2.
    verify: (publicKey, message, signature) => ed25519Verify(signature, message, publicKey),
  };
}

function secpHashToScalar(ctx: string, tag: string) {
  const DST = utf8(ctx + tag);
  const opts = { DST, p: SECP256K1.order, m: 1, k: 128, expand: 'xmd' as const, hash: sha256 };
  return (m: Uint8Array) => hash_to_field(m, 1, opts)[0]![0]!;
}

function taggedHash(tag: string, ...parts: Uint8Array[]): Uint8Array {
  const t = sha256(utf8(tag));
  return sha256(concatBytes(t, t, ...parts));
}

/** x-coordinate of a point as 32 big-endian bytes. */
export function xOnly(p: GroupPoint): Uint8Array {
  return SECP256K1.encodePoint(p).subarray(1);
}

export function hasEvenY(p: GroupPoint): boolean {
  return (p.toAffine().y & 1n) === 0n;
}

function makeSecp256k1(taproot: boolean): FrostCiphersuite {
  const ctx = taproot ? 'FROST-secp256k1-SHA256-TR-v1' : 'FROST-secp256k1-SHA256-v1';
  const H2 = taproot
    ? (m: Uint8Array) => mod(bytesToNumberBE(taggedHash('BIP0340/challenge', m)), SECP256K1.order)
    : secpHashToScalar(ctx, 'chal');
  return {
    name: taproot ? 'secp256k1-tr' : 'secp256k1',
    contextString: ctx,
    curve: SECP256K1,
    H1: secpHashToScalar(ctx, 'rho'),
    H2,
    H3: secpHashToScalar(ctx, 'nonce'),
    H4: prefixed(sha256, ctx, 'msg'),
    H5: prefixed(sha256, ctx, 'com'),
    encodeKey: (p) => SECP256K1.encodePoint(p),
    challenge: taproot
      ? (R, PK, msg) => H2(concatBytes(xOnly(R), xOnly(PK), msg))
      : (R, PK, msg) => H2(concatBytes(SECP256K1.encodePoint(R), SECP256K1.encodePoint(PK), msg)),
    encodeSignature: taproot
      ? (R, z) => concatBytes(xOnly(R), SECP256K1.encodeScalar(z))
      : (R, z) => concatBytes(SECP256K1.encodePoint(R), SECP256K1.encodeScalar(z)),
    encodePublicKey: taproot ? xOnly : (p) => SECP256K1.encodePoint(p),
    evenY: taproot,
  };
}

export const FROST_ED25519: FrostCiphersuite = Object.freeze(makeEd25519());
export const FROST_SECP256K1: FrostCiphersuite = Object.freeze(makeSecp256k1(false));
export const FROST_SECP256K1_TR: FrostCiphersuite = Object.freeze(makeSecp256k1(true));

export const FROST_SUITES: Record<FrostSuiteName, FrostCiphersuite> = {
  ed25519: FROST_ED25519,
  secp256k1: FROST_SECP256K1,
  'secp256k1-tr': FROST_SECP256K1_TR,
};

/** BIP341 TapTweak scalar for an internal key and an optional script-tree merkle root. */
export function tapTweak(internalKey: GroupPoint, merkleRoot: Uint8Array): bigint {
  if (merkleRoot.length !== 0 && merkleRoot.length !== 32) throw new RangeError('a Taproot merkle root is empty or 32 bytes');
  const t = bytesToNumberBE(taggedHash('TapTweak', xOnly(internalKey), merkleRoot));
  if (t >= SECP256K1.order) throw new RangeError('TapTweak out of range');
  return t;
}
