/**
 * The node's sealed record format (DESIGN §4): what the node store keeps in `sealed`.
 *
 *   sealed = 0x01 ‖ salt (32) ‖ nonce (12) ‖ AES-256-GCM ciphertext and tag
 *   data key = HKDF-SHA256(ikm = record master key, salt, info = "mpc-wallet/record/v1", 32 bytes)
 *   associated data = "mpc-wallet/record/v1" ‖ lp(kind) ‖ lp(owner) ‖ u32(nodeId) ‖ lp(version)
 *
 * where lp(s) is the UTF-8 bytes of s after their length as a big-endian u32, so no two distinct
 * (kind, owner, node, version) tuples encode alike. Each record has its own random salt and so
 * its own key: one leaked data key opens one record. The associated data binds a record to its
 * place, so a record copied to another owner, version, kind or node does not open. The record
 * master key comes from the node's sealer: `sealer.deriveKey(RECORD_KEY_LABEL)`.
 */
import { gcm } from '@noble/ciphers/aes.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { concatBytes, utf8 } from '@mpc-wallet/core';
import type { RecordKind } from '../stores/types.js';
import { RECORD_KINDS } from '../stores/validate.js';
import { UnsealError } from './passphrase-sealer.js';

/** The sealer label whose derived key is the record master key. */
export const RECORD_KEY_LABEL = 'node-records';

const FORMAT_VERSION = 1;
const DOMAIN = 'mpc-wallet/record/v1';
const SALT_LENGTH = 32;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
const HEADER_LENGTH = 1 + SALT_LENGTH + NONCE_LENGTH;

/** Where a record belongs; all of it is authenticated, none of it encrypted. */
export interface RecordPlace {
  kind: RecordKind;
  owner: string;
  /** The node that sealed the record. */
  nodeId: number;
  version: string;
}

/** A sealed record that is malformed, altered, or opened for another place. */
export class RecordUnsealError extends UnsealError {
  override name = 'RecordUnsealError';
}

function lengthPrefixed(text: string): Uint8Array {
  const bytes = utf8(text);
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length);
  out.set(bytes, 4);
  return out;
}

function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

/** The canonical associated data of a place; refuses a malformed one. */
export function recordAssociatedData(place: RecordPlace): Uint8Array {
  if (typeof place !== 'object' || place === null) throw new TypeError('a record place must be an object');
  const { kind, owner, nodeId, version } = place;
  if (!RECORD_KINDS.includes(kind)) throw new TypeError(`record kind must be one of ${RECORD_KINDS.join(', ')}`);
  if (typeof owner !== 'string' || owner.length === 0) throw new TypeError('record owner must be a non-empty string');
  if (typeof version !== 'string' || version.length === 0) throw new TypeError('record version must be a non-empty string');
  if (!Number.isSafeInteger(nodeId) || nodeId < 0 || nodeId > 0xffffffff) throw new TypeError('node id must be an integer from 0 to 2^32 - 1');
  return concatBytes(utf8(DOMAIN), lengthPrefixed(kind), lengthPrefixed(owner), u32(nodeId), lengthPrefixed(version));
}

function checkMaster(master: Uint8Array): void {
  if (!(master instanceof Uint8Array) || master.length !== 32) throw new TypeError('the record master key must be 32 bytes');
}

function dataKey(master: Uint8Array, salt: Uint8Array): Uint8Array {
  return hkdf(sha256, master, salt, utf8(DOMAIN), 32);
}

export function sealRecord(master: Uint8Array, place: RecordPlace, plaintext: Uint8Array): Uint8Array {
  checkMaster(master);
  if (!(plaintext instanceof Uint8Array)) throw new TypeError('a record plaintext must be a Uint8Array');
  const ad = recordAssociatedData(place);
  const salt = randomBytes(SALT_LENGTH);
  const nonce = randomBytes(NONCE_LENGTH);
  const ciphertext = gcm(dataKey(master, salt), nonce, ad).encrypt(plaintext);
  return concatBytes(Uint8Array.of(FORMAT_VERSION), salt, nonce, ciphertext);
}

export function openRecord(master: Uint8Array, place: RecordPlace, sealed: Uint8Array): Uint8Array {
  checkMaster(master);
  const ad = recordAssociatedData(place);
  if (!(sealed instanceof Uint8Array) || sealed.length < HEADER_LENGTH + TAG_LENGTH || sealed[0] !== FORMAT_VERSION) {
    throw new RecordUnsealError('malformed sealed record');
  }
  const salt = sealed.subarray(1, 1 + SALT_LENGTH);
  const nonce = sealed.subarray(1 + SALT_LENGTH, HEADER_LENGTH);
  try {
    return gcm(dataKey(master, salt), nonce, ad).decrypt(sealed.subarray(HEADER_LENGTH));
  } catch {
    // The place is not secret, but naming it helps find a misfiled record.
    throw new RecordUnsealError(`sealed record ${place.kind} ${place.owner}/${place.version} does not authenticate (altered, or not sealed for this place)`);
  }
}
