/**
 * The coordinator's view of a key for derivation and chains: its group point, its child along a
 * path, and chain-input failures as API errors. The nodes compute the same themselves
 * (session/chain-signing.ts); the coordinator does so to refuse early and to check results.
 */
import { CURVES, DerivationError, type GroupPoint, hexToBytes } from '@mpc-wallet/core';
import { ChainInputError } from '@mpc-wallet/chains';
import { ApiError } from '../errors.js';
import { NoChainCode, keyAlong } from '../session/chain-signing.js';
import { curveOf } from '../session/schemes.js';
import type { KeyRecord } from '../stores/types.js';

/**
 * The key's group point. A BIP340 key's public key is x-only, so its true Y parity (which BIP32
 * derivation hashes) comes from the public package; without one, the even-Y point stands for it,
 * which is all an underived BIP340 or Taproot key needs.
 */
export function groupPoint(key: KeyRecord): GroupPoint {
  if (key.publicKey === null) throw new ApiError('KEY_NOT_ACTIVE', `key ${key.id} is ${key.status}`);
  const curve = CURVES[curveOf(key.scheme)];
  if (key.publicPackage) return curve.decodePoint(hexToBytes(key.publicPackage.groupKey));
  return curve.decodePoint(hexToBytes(key.scheme === 'schnorr-bip340' ? `02${key.publicKey}` : key.publicKey));
}

/** The key's child along `path` (the key itself without one), or the API error saying why not. */
export function derivedAlong(key: KeyRecord, point: GroupPoint, path: string | undefined): GroupPoint {
  try {
    return keyAlong(key.scheme, point, key.chainCode ? hexToBytes(key.chainCode) : undefined, path).publicKey;
  } catch (e) {
    if (e instanceof NoChainCode) throw new ApiError('NO_CHAIN_CODE', e.message);
    if (e instanceof DerivationError) throw new ApiError('INVALID_DERIVATION_PATH', e.message);
    throw e;
  }
}

/** Runs `fn`, turning a chain module's refusal into CHAIN_INPUT_REFUSED with its code as `reason`. */
export function refusingChainInput<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ChainInputError) throw new ApiError('CHAIN_INPUT_REFUSED', e.message, { reason: e.code });
    if (e instanceof RangeError) throw new ApiError('CHAIN_INPUT_REFUSED', e.message, { reason: 'unsupported-format' });
    throw e;
  }
}
