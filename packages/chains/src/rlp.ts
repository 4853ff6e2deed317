/**
 * A small, strict RLP codec (Ethereum Yellow Paper, appendix B) for the EVM transactions the `evm`
 * module reads and writes. Items are byte strings or lists of items.
 *
 * Strict because a signer must read a transaction exactly as Ethereum clients do, and they refuse
 * every non-canonical encoding, so `rlpDecode` throws `malformed-transaction` on: a single byte
 * below 0x80 wrapped in a string header, a long-form length under 56 or with leading zero bytes, a
 * length past the end, bytes after the item, and nesting deeper than any transaction needs.
 */
import { concatBytes } from '@noble/hashes/utils.js';
import { check } from './errors.js';

export type RlpItem = Uint8Array | readonly RlpItem[];

const SHORT_STRING = 0x80;
const LONG_STRING = 0xb8;
const SHORT_LIST = 0xc0;
const LONG_LIST = 0xf8;
/** Payloads up to 55 bytes have their length in the header byte; longer ones in 1–8 bytes after it. */
const MAX_SHORT_PAYLOAD = 55;
/** Lists nest at most this deep: a typed transaction nests list → access list → entry → storage keys, 4. */
const MAX_DEPTH = 8;

export function rlpEncode(item: RlpItem): Uint8Array {
  if (item instanceof Uint8Array) {
    if (item.length === 1 && item[0]! < SHORT_STRING) return item.slice();
    return concatBytes(header(SHORT_STRING, item.length), item);
  }
  const payload = concatBytes(...item.map(rlpEncode));
  return concatBytes(header(SHORT_LIST, payload.length), payload);
}

/** Decodes `bytes` as exactly one item; `what` names the input in error messages. */
export function rlpDecode(bytes: Uint8Array, what: string): RlpItem {
  const { item, next } = decodeAt(bytes, 0, bytes.length, what, 0);
  check(next === bytes.length, 'malformed-transaction', `${what}: ${bytes.length - next} byte(s) trail the RLP item`);
  return item;
}

/** The minimal big-endian bytes of a non-negative integer, as RLP encodes scalars (0 is empty). */
export function uintBytes(value: bigint): Uint8Array {
  if (value < 0n) throw new RangeError('RLP integers are non-negative');
  if (value === 0n) return new Uint8Array(0);
  const digits = value.toString(16);
  const padded = digits.length % 2 === 0 ? digits : `0${digits}`;
  return Uint8Array.from(padded.match(/../g)!, (pair) => parseInt(pair, 16));
}

/** An RLP scalar: a byte string of at most `maxBits` bits without leading zero bytes. */
export function rlpUint(item: RlpItem | undefined, maxBits: number, what: string): bigint {
  check(item instanceof Uint8Array, 'malformed-transaction', `${what} must be an RLP string, not a list`);
  check(item[0] !== 0, 'malformed-transaction', `${what} has leading zero bytes (not canonical)`);
  check(item.length * 8 <= maxBits, 'malformed-transaction', `${what} is longer than ${maxBits} bits`);
  let value = 0n;
  for (const byte of item) value = (value << 8n) | BigInt(byte);
  return value;
}

function header(base: number, length: number): Uint8Array {
  if (length <= MAX_SHORT_PAYLOAD) return Uint8Array.of(base + length);
  const lengthBytes = uintBytes(BigInt(length));
  return Uint8Array.of(base + MAX_SHORT_PAYLOAD + lengthBytes.length, ...lengthBytes);
}

function decodeAt(bytes: Uint8Array, offset: number, end: number, what: string, depth: number): { item: RlpItem; next: number } {
  const prefix = bytes[offset];
  check(prefix !== undefined && offset < end, 'malformed-transaction', `${what}: the RLP input ends where an item should start`);
  if (prefix < SHORT_STRING) return { item: bytes.slice(offset, offset + 1), next: offset + 1 };
  const isList = prefix >= SHORT_LIST;
  const shortBase = isList ? SHORT_LIST : SHORT_STRING;
  const longBase = isList ? LONG_LIST : LONG_STRING;
  let start = offset + 1;
  let length: number;
  if (prefix < longBase) {
    length = prefix - shortBase;
  } else {
    const lengthOfLength = prefix - longBase + 1;
    check(start + lengthOfLength <= end, 'malformed-transaction', `${what}: an RLP length runs past the end`);
    check(bytes[start] !== 0, 'malformed-transaction', `${what}: an RLP length has leading zero bytes`);
    length = 0;
    for (let i = 0; i < lengthOfLength; i++) length = length * 256 + bytes[start + i]!;
    check(length > MAX_SHORT_PAYLOAD, 'malformed-transaction', `${what}: an RLP length of ${length} uses the long form`);
    start += lengthOfLength;
  }
  check(length <= end - start, 'malformed-transaction', `${what}: an RLP item of ${length} bytes runs past the end`);
  const next = start + length;
  if (!isList) {
    check(!(length === 1 && bytes[start]! < SHORT_STRING), 'malformed-transaction', `${what}: a byte below 0x80 is encoded as a string (not canonical)`);
    return { item: bytes.slice(start, next), next };
  }
  check(depth < MAX_DEPTH, 'malformed-transaction', `${what}: RLP lists nest deeper than ${MAX_DEPTH}`);
  const items: RlpItem[] = [];
  let position = start;
  while (position < next) {
    const child = decodeAt(bytes, position, next, what, depth + 1);
    items.push(child.item);
    position = child.next;
  }
  return { item: items, next };
}
