/**
 * What a key signs for a derivation path and a chain transaction, computed the same way by each
 * signer node (from its own share, chain code and the transaction it received) and by the
 * coordinator (from the key's public record, to refuse early and to check the result). Neither
 * takes a digest or a derived key from anyone: both come out of the key, the path and the
 * transaction.
 */
import { CURVES, type DerivedKey, type EcdsaMessageHash, type GroupPoint, deriveKey, derivationRoot, taprootOutputKey } from '@mpc-wallet/core';
import { ChainInputError, type PreparedMessage, type PreparedTransaction, type SigningItem, chainModule, formatFor } from '@mpc-wallet/chains';
import { curveOf, encodePublicKey } from './schemes.js';
import type { Scheme } from './request.js';

/** The key to sign with: the key itself (tweak 0), or its child along `path` (DerivationError for a bad path). */
export function keyAlong(scheme: Scheme, publicKey: GroupPoint, chainCode: Uint8Array | undefined, path: string | undefined): Pick<DerivedKey, 'publicKey' | 'tweak'> {
  if (path === undefined || path === 'm') return { publicKey, tweak: 0n };
  if (!chainCode) throw new NoChainCode();
  return deriveKey(derivationRoot(curveOf(scheme), publicKey, chainCode), path);
}

/** A key made before key generation agreed a chain code: it signs only as itself. */
export class NoChainCode extends Error {
  override readonly name = 'NoChainCode';
  constructor() {
    super('this key has no chain code (it was made before derivation existed): it signs without a path only');
  }
}

/** A chain transaction or message prepared for a key: the module's parse, and the format used. */
export type KeyTransaction = { format: string } & ({ kind: 'transaction'; prepared: PreparedTransaction } | { kind: 'message'; prepared: PreparedMessage });

/**
 * Parses and checks a chain's unsigned transaction — or, with `message`, a message under one of
 * the chain's signing standards — for the key `point` of `scheme` (throws the module's
 * ChainInputError when it is malformed, foreign or for another chain).
 */
export function prepareForKey(scheme: Scheme, point: GroupPoint, t: { chain: string; format?: string; input: unknown; message?: { standard?: string } }): KeyTransaction {
  const module = chainModule(t.chain);
  const format = formatFor(module.info, scheme, t.format);
  const signer = { publicKey: encodePublicKey(scheme, point), format };
  if (!t.message) return { kind: 'transaction', format, prepared: module.prepareTransaction(t.input, signer) };
  if (!module.prepareMessage) throw new ChainInputError('unsupported-message', `${module.info.name} has no message-signing standard here`);
  return { kind: 'message', format, prepared: module.prepareMessage(t.input, signer, t.message.standard) };
}

/** An address of the key `point` on a chain. */
export function addressForKey(scheme: Scheme, point: GroupPoint, chain: string, format?: string): { address: string; format: string } {
  const module = chainModule(chain);
  const chosen = formatFor(module.info, scheme, format);
  return { address: module.address(encodePublicKey(scheme, point), chosen), format: chosen };
}

/** What a signing item asks of the cluster's protocols, and what its signature verifies under. */
export interface ItemTarget {
  /** Schnorr/EdDSA: the message; ECDSA: the preimage, hashed with `hash` by the signer. */
  message: Uint8Array;
  hash?: EcdsaMessageHash;
  /** BIP340 only: the BIP341 merkle root to tweak the key with (empty: BIP86). */
  taprootMerkleRoot?: Uint8Array;
  /** The encoded key the signature verifies under (a Taproot output key when tweaked). */
  verifyKey: Uint8Array;
}

export function itemTarget(scheme: Scheme, point: GroupPoint, item: SigningItem): ItemTarget {
  if (item.scheme !== scheme) throw new RangeError(`the transaction asks for a ${item.scheme} signature from a ${scheme} key`);
  if (item.scheme === 'ecdsa-secp256k1') return { message: item.message, hash: item.hash, verifyKey: encodePublicKey(scheme, point) };
  if (item.scheme === 'schnorr-bip340' && item.taprootMerkleRoot !== undefined) {
    const root = item.taprootMerkleRoot;
    return { message: item.message, taprootMerkleRoot: root, verifyKey: CURVES.secp256k1.encodePoint(taprootOutputKey(point, root)).subarray(1) };
  }
  return { message: item.message, verifyKey: encodePublicKey(scheme, point) };
}
