/**
 * Non-hardened derivation over a threshold key (DESIGN §4, §9): a child key is the parent plus a
 * public tweak t, so every party derives its own share of the child as sᵢ + t (Lagrange
 * coefficients over any signing set sum to one) and no new key generation is needed.
 *
 * - secp256k1: BIP32 public derivation (CKDpub). The tweak of a path is the sum of its steps'
 *   I_L; chain code and xpub are BIP32's, so wallets and explorers derive the same addresses.
 * - Ed25519: no standard non-hardened scheme exists for plain Ed25519 keys (SLIP-10 is hardened
 *   only), so we use the soft derivation of BIP32-Ed25519 (Khovratovich–Law, as Cardano wallets
 *   use it), which is additive: Z = HMAC-SHA512(c, 0x02 ‖ A ‖ LE32(i)), child A + 8·LE(Z[0..28])·B,
 *   child chain code = HMAC-SHA512(c, 0x03 ‖ A ‖ LE32(i))[32..64]. The tweak is below 2^230, so
 *   it never wraps the group order.
 *
 * Hardened steps are refused here: a hardened child needs the parent's secret, which no party
 * holds (DESIGN §9: a hardened child is a separate, deterministic key generation).
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { createBase58check } from '@scure/base';
import { concatBytes, u32be } from '../../bytes.js';
import { CURVES, type CurveName, type GroupPoint, mod } from '../../math/curve.js';
import type { KeyShare, PublicKeyPackage } from '../key-share.js';

export const HARDENED_OFFSET = 0x80000000;
/** BIP32 stores the depth in one byte. */
export const MAX_DERIVATION_DEPTH = 255;
export const CHAIN_CODE_LENGTH = 32;

export class DerivationError extends Error {
  override readonly name = 'DerivationError';
}

/**
 * Parses `m`, `m/0/1`, … into child indices. Only non-hardened steps (0 ≤ i < 2^31) in plain
 * decimal: a hardened step (`0'`, `0h`), a leading zero or an empty step is refused with a message
 * that says which.
 */
export function parseDerivationPath(path: string): number[] {
  if (typeof path !== 'string') throw new DerivationError('a derivation path is a string such as m/0/1');
  const [root, ...steps] = path.split('/');
  if (root !== 'm') throw new DerivationError(`a derivation path starts with "m" (got "${path.slice(0, 16)}")`);
  if (steps.length > MAX_DERIVATION_DEPTH) throw new DerivationError(`a derivation path has at most ${MAX_DERIVATION_DEPTH} steps`);
  return steps.map((step, i) => {
    if (/^[0-9]+['hH]$/.test(step)) throw new DerivationError(`step ${i + 1} ("${step}") is hardened: a threshold key derives non-hardened children only`);
    if (!/^(0|[1-9][0-9]{0,9})$/.test(step)) throw new DerivationError(`step ${i + 1} ("${step.slice(0, 16)}") is not a child index`);
    const index = Number(step);
    if (index >= HARDENED_OFFSET) throw new DerivationError(`step ${i + 1} (${index}) is not below 2^31`);
    return index;
  });
}

export function formatDerivationPath(indices: readonly number[]): string {
  return ['m', ...indices.map(String)].join('/');
}

/** A key reached from a root by non-hardened steps, and what sharing it needs. */
export interface DerivedKey {
  readonly curve: CurveName;
  readonly publicKey: GroupPoint;
  readonly chainCode: Uint8Array;
  /** Child secret = root secret + tweak (mod the group order); every share moves by it. */
  readonly tweak: bigint;
  readonly depth: number;
  /** BIP32: the first four bytes of HASH160 of the parent key (0 for the root). */
  readonly parentFingerprint: number;
  /** The last step's index (0 for the root). */
  readonly childIndex: number;
}

/** The root of a derivation: a key generation's group key and the chain code agreed with it. */
export function derivationRoot(curve: CurveName, publicKey: GroupPoint, chainCode: Uint8Array): DerivedKey {
  checkChainCode(chainCode);
  if (publicKey.equals(CURVES[curve].identity)) throw new DerivationError('the root key is the identity');
  return { curve, publicKey, chainCode: chainCode.slice(), tweak: 0n, depth: 0, parentFingerprint: 0, childIndex: 0 };
}

/** Derives along `path` (indices or a string) from `from`; the tweak accumulates. */
export function deriveKey(from: DerivedKey, path: readonly number[] | string): DerivedKey {
  const indices = typeof path === 'string' ? parseDerivationPath(path) : path;
  if (from.depth + indices.length > MAX_DERIVATION_DEPTH) throw new DerivationError(`a derived key has depth at most ${MAX_DERIVATION_DEPTH}`);
  let key = from;
  for (const index of indices) {
    if (!Number.isInteger(index) || index < 0 || index >= HARDENED_OFFSET) throw new DerivationError(`child index ${String(index)} is not a non-hardened index`);
    key = key.curve === 'secp256k1' ? secp256k1Child(key, index) : ed25519Child(key, index);
  }
  return key;
}

/** BIP32 CKDpub; a step whose I_L ≥ n or whose child is the identity is invalid (BIP32: use the next index). */
function secp256k1Child(parent: DerivedKey, index: number): DerivedKey {
  const curve = CURVES.secp256k1;
  const parentKey = curve.encodePoint(parent.publicKey);
  const I = hmac(sha512, parent.chainCode, concatBytes(parentKey, u32be(index)));
  const IL = curve.bytesToNumber(I.subarray(0, 32));
  if (IL >= curve.order) throw new DerivationError(`child ${index} is invalid (BIP32: I_L ≥ n); use the next index`);
  const publicKey = parent.publicKey.add(curve.mulBasePublic(IL));
  if (publicKey.equals(curve.identity)) throw new DerivationError(`child ${index} is invalid (BIP32: the identity); use the next index`);
  return {
    curve: 'secp256k1',
    publicKey,
    chainCode: I.slice(32),
    tweak: mod(parent.tweak + IL, curve.order),
    depth: parent.depth + 1,
    parentFingerprint: fingerprint(parentKey),
    childIndex: index,
  };
}

/** BIP32-Ed25519 soft derivation; the fingerprint slot holds the same HASH160 prefix of the parent key. */
function ed25519Child(parent: DerivedKey, index: number): DerivedKey {
  const curve = CURVES.ed25519;
  const A = curve.encodePoint(parent.publicKey);
  const i = u32le(index);
  const Z = hmac(sha512, parent.chainCode, concatBytes(Uint8Array.of(0x02), A, i));
  const tweak = 8n * curve.bytesToNumber(Z.subarray(0, 28));
  const publicKey = parent.publicKey.add(curve.mulBasePublic(tweak));
  if (publicKey.equals(curve.identity)) throw new DerivationError(`child ${index} is the identity; use the next index`);
  const chainCode = hmac(sha512, parent.chainCode, concatBytes(Uint8Array.of(0x03), A, i)).slice(32);
  return {
    curve: 'ed25519',
    publicKey,
    chainCode,
    tweak: mod(parent.tweak + tweak, curve.order),
    depth: parent.depth + 1,
    parentFingerprint: fingerprint(A),
    childIndex: index,
  };
}

/**
 * The public package of the derived key: the group key and every verification share moved by
 * tweak·G. Checks that the derivation starts at this package's key.
 */
export function derivePublicPackage<P extends PublicKeyPackage>(pkg: P, key: Pick<DerivedKey, 'curve' | 'publicKey' | 'tweak'>): P {
  if (pkg.curve !== key.curve) throw new DerivationError(`a ${key.curve} derivation does not apply to a ${pkg.curve} key`);
  const shift = CURVES[pkg.curve].mulBasePublic(key.tweak);
  if (!pkg.publicKey.add(shift).equals(key.publicKey)) throw new DerivationError("the derivation does not start at this share's key");
  if (key.tweak === 0n) return pkg;
  const verificationShares = new Map([...pkg.verificationShares].map(([id, Y]) => [id, Y.add(shift)] as const));
  return { ...pkg, publicKey: key.publicKey, verificationShares };
}

/**
 * The share of the derived key: secret + tweak, and the public package moved by tweak·G. The
 * result interpolates to the child key.
 */
export function deriveKeyShare(share: KeyShare, key: Pick<DerivedKey, 'curve' | 'publicKey' | 'tweak'>): KeyShare {
  const moved = derivePublicPackage(share, key);
  return moved === share ? share : { ...moved, secretShare: mod(share.secretShare + key.tweak, CURVES[share.curve].order) };
}

const XPUB_VERSIONS = { mainnet: 0x0488b21e, testnet: 0x043587cf } as const;
export type XpubNetwork = keyof typeof XPUB_VERSIONS;
const base58check = createBase58check(sha256);

/** BIP32 serialisation of a secp256k1 derived key as an extended public key (xpub / tpub). */
export function encodeXpub(key: DerivedKey, network: XpubNetwork = 'mainnet'): string {
  if (key.curve !== 'secp256k1') throw new DerivationError('an xpub is a secp256k1 key');
  const out = new Uint8Array(78);
  const view = new DataView(out.buffer);
  view.setUint32(0, XPUB_VERSIONS[network]);
  out[4] = key.depth;
  view.setUint32(5, key.parentFingerprint);
  view.setUint32(9, key.childIndex);
  out.set(key.chainCode, 13);
  out.set(CURVES.secp256k1.encodePoint(key.publicKey), 45);
  return base58check.encode(out);
}

/** Strict xpub / tpub decoding (BIP32 rules: version, a valid compressed key, root fields zero at depth 0). */
export function decodeXpub(xpub: string): DerivedKey & { network: XpubNetwork } {
  let bytes: Uint8Array;
  try {
    bytes = base58check.decode(xpub);
  } catch {
    throw new DerivationError('the extended key is not valid base58check');
  }
  if (bytes.length !== 78) throw new DerivationError('an extended key is 78 bytes');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(0);
  const network = (Object.keys(XPUB_VERSIONS) as XpubNetwork[]).find((n) => XPUB_VERSIONS[n] === version);
  if (!network) throw new DerivationError('not an extended public key (xpub or tpub)');
  const depth = bytes[4]!;
  const parentFingerprint = view.getUint32(5);
  const childIndex = view.getUint32(9);
  if (depth === 0 && (parentFingerprint !== 0 || childIndex !== 0)) throw new DerivationError('a root key has a zero fingerprint and index');
  let publicKey: GroupPoint;
  try {
    publicKey = CURVES.secp256k1.decodePoint(bytes.subarray(45, 78));
  } catch {
    throw new DerivationError('the extended key holds no valid compressed secp256k1 point');
  }
  return { curve: 'secp256k1', publicKey, chainCode: bytes.slice(13, 45), tweak: 0n, depth, parentFingerprint, childIndex, network };
}

function fingerprint(key: Uint8Array): number {
  const h = ripemd160(sha256(key));
  return new DataView(h.buffer, h.byteOffset, 4).getUint32(0);
}

function u32le(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, true);
  return out;
}

function checkChainCode(chainCode: Uint8Array): void {
  if (!(chainCode instanceof Uint8Array) || chainCode.length !== CHAIN_CODE_LENGTH) throw new DerivationError(`a chain code is ${CHAIN_CODE_LENGTH} bytes`);
}
