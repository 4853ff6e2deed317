/**
 * The audit log's hash chain and checkpoint encoding (pure: no I/O), shared by the store that
 * appends entries and by the verifier that walks them.
 *
 * An entry's hash is SHA-256 over a domain tag and seven length-prefixed fields:
 *
 *   hash = SHA-256( "mpc-wallet/v1/audit-entry\n"
 *                   ‖ F(seq as decimal) ‖ F(at as ISO 8601 UTC, milliseconds) ‖ F(action)
 *                   ‖ F(actor) ‖ F(subject) ‖ F(canonical JSON of details) ‖ F(prev_hash as hex) )
 *   F(s) = the UTF-8 byte length of s as 4 bytes big-endian ‖ the UTF-8 bytes of s
 *
 * The length prefixes make the encoding injective (no two field lists give the same bytes); the
 * seq and prev_hash in it make a deleted, inserted or reordered row break the chain where it
 * happened. The first entry's prev_hash is 64 zeros.
 *
 * Canonical JSON (the subset of RFC 8785 "JCS" without fractional numbers): no whitespace; object
 * members sorted by key in UTF-16 code-unit order; strings as JSON.stringify writes them; numbers
 * only as safe integers in decimal. Details are restricted to what survives a jsonb round trip
 * unchanged (PostgreSQL normalises numbers and reorders keys, and refuses \u0000 and lone
 * surrogates), so the hash of what is read back equals the hash of what was written.
 *
 * A checkpoint signs "mpc-wallet/v1/audit-checkpoint\n" ‖ seq (8 bytes big-endian) ‖ hash (32
 * bytes) with the coordinator's Ed25519 request key; the domain tag keeps a checkpoint signature
 * from ever being a valid signed session request (which has a tag of its own), and vice versa.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, hexToBytes, utf8 } from '@mpc-wallet/core';
import { StoreError } from './errors.js';
import type { AuditEvent } from './types.js';

export const GENESIS_HASH = '0'.repeat(64);
export const HASH_HEX = /^[0-9a-f]{64}$/;

const ENTRY_DOMAIN = utf8('mpc-wallet/v1/audit-entry\n');
const CHECKPOINT_DOMAIN = utf8('mpc-wallet/v1/audit-checkpoint\n');
/** A surrogate half without its partner: not Unicode, and jsonb refuses it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Nesting deeper than this is no event's detail, only a way to exhaust the stack. */
const MAX_DEPTH = 16;

/** Canonical JSON of `value` (see above); a StoreError for anything outside the allowed subset. */
export function canonicalJson(value: unknown, depth = 0): string {
  if (depth > MAX_DEPTH) throw new StoreError(`audit details nest deeper than ${MAX_DEPTH}`);
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || Object.is(value, -0)) throw new StoreError('audit details hold safe integers only (no fractions, -0, NaN or infinities)');
    return String(value);
  }
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value) || value.includes('\u0000')) throw new StoreError('audit detail strings must be well-formed Unicode without NUL');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v, depth + 1)).join(',')}]`;
  if (typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value) as object | null)) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    // Default sort compares UTF-16 code units, which is what RFC 8785 prescribes.
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${canonicalJson(k, depth + 1)}:${canonicalJson(v, depth + 1)}`).join(',')}}`;
  }
  throw new StoreError('audit details must be plain JSON (objects, arrays, strings, safe integers, booleans, null)');
}

function field(text: string): Uint8Array {
  const bytes = utf8(text);
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, bytes.length);
  return concatBytes(length, bytes);
}

/** The hash (hex) of entry `seq` with these contents, chained to `prevHash`. */
export function entryHash(seq: number, event: AuditEvent, prevHash: string): string {
  const fields = [String(seq), event.at.toISOString(), event.action, event.actor, event.subject, canonicalJson(event.details), prevHash];
  return bytesToHex(sha256(concatBytes(ENTRY_DOMAIN, ...fields.map(field))));
}

/** The bytes a checkpoint's signature covers. */
export function checkpointMessage(seq: number, hash: string): Uint8Array {
  if (!Number.isSafeInteger(seq) || seq < 1 || !HASH_HEX.test(hash)) throw new StoreError('a checkpoint names an entry: seq ≥ 1 and its 64-hex-digit hash');
  const seqBytes = new Uint8Array(8);
  new DataView(seqBytes.buffer).setBigUint64(0, BigInt(seq));
  return concatBytes(CHECKPOINT_DOMAIN, seqBytes, hexToBytes(hash));
}
