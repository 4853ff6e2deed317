/**
 * A small, strict proto3 reader and writer for the few messages the chain modules read and write:
 * `cosmos` (SignDoc, TxBody, AuthInfo, the bank/staking/distribution messages; it writes SignDoc
 * and TxRaw) and `tron` (raw_data and its contracts; it writes Transaction). Only what those messages use: varint fields (uint64, enum, bool) and length-delimited
 * fields (bytes, string, embedded message).
 *
 * Strict because a signer must read a message exactly as the chain does, so anything that two
 * decoders could read differently is refused as `malformed-transaction`: a field number the
 * message's schema does not list, a wire type other than the schema's, a non-repeated field given
 * twice (proto3 would take the last, or merge messages), fields out of ascending order (the Cosmos
 * SDK's canonical encoding, ADR-027), an explicitly encoded default scalar (0, empty string or
 * bytes: canonical encoders omit them), a non-minimal or over-64-bit varint, a length past the end.
 */
import { check } from './errors.js';

/**
 * How a field is encoded: `varint` (uint64, enum, bool), `scalar` (bytes, string: never empty when
 * present), `message` (an embedded message: may be empty), and their repeated forms.
 */
export type ProtoFieldKind = 'varint' | 'scalar' | 'message' | 'repeated-scalar' | 'repeated-message';

/** A message's schema: field number → kind. Fields not listed are refused. */
export type ProtoSchema = Readonly<Record<number, ProtoFieldKind>>;

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const MAX_UINT64 = (1n << 64n) - 1n;
/** Protobuf's largest field number. */
const MAX_FIELD_NUMBER = 2 ** 29 - 1;

/** The decoded fields of one message; absent scalars read as their proto3 defaults. */
export class ProtoMessage {
  private constructor(
    private readonly what: string,
    private readonly values: ReadonlyMap<number, readonly (bigint | Uint8Array)[]>,
  ) {}

  /** Decodes `bytes` as a message of `schema`; `what` names it in error messages. */
  static decode(bytes: Uint8Array, what: string, schema: ProtoSchema): ProtoMessage {
    const values = new Map<number, (bigint | Uint8Array)[]>();
    let offset = 0;
    let previous = 0;
    const varint = (): bigint => {
      const { value, next } = readVarint(bytes, offset, what);
      offset = next;
      return value;
    };
    while (offset < bytes.length) {
      const tag = varint();
      const number = Number(tag >> 3n);
      const wire = Number(tag & 7n);
      check(number >= 1 && number <= MAX_FIELD_NUMBER, 'malformed-transaction', `${what}: field number ${number} is out of range`);
      const kind = Object.hasOwn(schema, number) ? schema[number] : undefined;
      check(kind !== undefined, 'malformed-transaction', `${what}: unknown field ${number}`);
      const repeated = kind === 'repeated-scalar' || kind === 'repeated-message';
      check(number > previous || (number === previous && repeated), 'malformed-transaction', `${what}: field ${number} ${number === previous ? 'is given twice' : 'is out of canonical order'}`);
      previous = number;
      let value: bigint | Uint8Array;
      if (kind === 'varint') {
        check(wire === WIRE_VARINT, 'malformed-transaction', `${what}: field ${number} must be a varint (wire type 0), got wire type ${wire}`);
        value = varint();
        check(value !== 0n, 'malformed-transaction', `${what}: field ${number} encodes the default 0, which canonical encoding omits`);
      } else {
        check(wire === WIRE_LENGTH_DELIMITED, 'malformed-transaction', `${what}: field ${number} must be length-delimited (wire type 2), got wire type ${wire}`);
        const length = varint();
        check(length <= BigInt(bytes.length - offset), 'malformed-transaction', `${what}: field ${number} runs past the end`);
        value = bytes.subarray(offset, offset + Number(length));
        offset += Number(length);
        check(kind !== 'scalar' || value.length > 0, 'malformed-transaction', `${what}: field ${number} encodes an empty default, which canonical encoding omits`);
      }
      const list = values.get(number);
      if (list) list.push(value);
      else values.set(number, [value]);
    }
    return new ProtoMessage(what, values);
  }

  /** Whether the field is present. */
  has(number: number): boolean {
    return this.values.has(number);
  }

  /** A varint field; 0 when absent. */
  uint64(number: number): bigint {
    const value = this.values.get(number)?.[0] ?? 0n;
    check(typeof value === 'bigint', 'malformed-transaction', `${this.what}: field ${number} is not a varint`);
    return value;
  }

  /** A bytes or message field; empty when absent. */
  bytes(number: number): Uint8Array {
    const value = this.values.get(number)?.[0] ?? new Uint8Array(0);
    check(value instanceof Uint8Array, 'malformed-transaction', `${this.what}: field ${number} is not length-delimited`);
    return value;
  }

  /** A string field (UTF-8, checked); '' when absent. */
  string(number: number): string {
    return utf8(this.bytes(number), `${this.what} field ${number}`);
  }

  /** A repeated length-delimited field, in order; empty when absent. */
  repeated(number: number): Uint8Array[] {
    return (this.values.get(number) ?? []).map((value) => {
      check(value instanceof Uint8Array, 'malformed-transaction', `${this.what}: field ${number} is not length-delimited`);
      return value;
    });
  }
}

/** A length-delimited field (bytes, string or embedded message), tag included. */
export function protoBytesField(number: number, value: Uint8Array): Uint8Array {
  const tag = encodeVarint((BigInt(number) << 3n) | BigInt(WIRE_LENGTH_DELIMITED));
  const length = encodeVarint(BigInt(value.length));
  const out = new Uint8Array(tag.length + length.length + value.length);
  out.set(tag, 0);
  out.set(length, tag.length);
  out.set(value, tag.length + length.length);
  return out;
}

/** A varint field (uint64), tag included. */
export function protoVarintField(number: number, value: bigint): Uint8Array {
  const tag = encodeVarint((BigInt(number) << 3n) | BigInt(WIRE_VARINT));
  const encoded = encodeVarint(value);
  const out = new Uint8Array(tag.length + encoded.length);
  out.set(tag, 0);
  out.set(encoded, tag.length);
  return out;
}

function encodeVarint(value: bigint): Uint8Array {
  if (value < 0n || value > MAX_UINT64) throw new RangeError(`varint ${value} is out of the uint64 range`);
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80n) {
    out.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  out.push(Number(rest));
  return Uint8Array.from(out);
}

/** A minimal varint of at most 64 bits. */
function readVarint(bytes: Uint8Array, offset: number, what: string): { value: bigint; next: number } {
  let value = 0n;
  for (let i = 0; i < 10; i++) {
    const byte = bytes[offset + i];
    check(byte !== undefined, 'malformed-transaction', `${what}: a varint runs past the end`);
    value |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if ((byte & 0x80) === 0) {
      // A last byte of 0 after others is a padded (non-minimal) encoding of a shorter varint.
      check(i === 0 || byte !== 0, 'malformed-transaction', `${what}: a varint is not minimally encoded`);
      check(value <= MAX_UINT64, 'malformed-transaction', `${what}: a varint exceeds 64 bits`);
      return { value, next: offset + i + 1 };
    }
  }
  check(false, 'malformed-transaction', `${what}: a varint is longer than 10 bytes`);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function utf8(bytes: Uint8Array, what: string): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    check(false, 'malformed-transaction', `${what} is not valid UTF-8`);
  }
}
