/**
 * A strict BCS reader (Binary Canonical Serialization, the encoding of Aptos and Sui transactions)
 * and the Move TypeTag both chains share. Strict as the chains' own Rust decoders are: ULEB128
 * lengths and enum tags must be canonical (no overlong forms) and fit a u32, booleans and option
 * tags are 0 or 1, strings are UTF-8, Move identifiers match Move's grammar, and nothing is read past
 * the end. Every failure is `malformed-transaction`, with what was being read.
 */
import { hex } from '@scure/base';
import { ByteReader } from './byte-reader.js';
import { ChainInputError, check } from './errors.js';

/** Move's identifier grammar: what module, function and struct names may be (anything else would let a name pose as `a::b`). */
const MOVE_IDENTIFIER = /^(?:[A-Za-z][A-Za-z0-9_]*|_[A-Za-z0-9_]+)$/;

/** Deeper type nesting is refused before it can exhaust the stack (Move's own limits are far lower). */
const MAX_TYPE_DEPTH = 16;

export class BcsReader extends ByteReader {
  u16(what: string): number {
    return this.view(2, what).getUint16(0, true);
  }

  u64(what: string): bigint {
    return this.view(8, what).getBigUint64(0, true);
  }

  bool(what: string): boolean {
    const b = this.u8(what);
    check(b === 0 || b === 1, 'malformed-transaction', `${what} is the byte ${b}, not a boolean`);
    return b === 1;
  }

  /** A canonical ULEB128 fitting a u32: lengths and enum variant indexes. */
  uleb128(what: string): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.u8(what);
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) {
        check(shift === 0 || byte !== 0, 'malformed-transaction', `${what} is a non-canonical ULEB128`);
        check(value <= 0xffffffff, 'malformed-transaction', `${what} does not fit a u32`);
        return value;
      }
    }
    throw new ChainInputError('malformed-transaction', `${what} is a ULEB128 longer than 5 bytes`);
  }

  /** An enum's variant index. */
  variant(what: string): number {
    return this.uleb128(`the variant of ${what}`);
  }

  /** A vector's length; each element takes at least one byte, so a count beyond what is left is refused early. */
  count(what: string): number {
    const n = this.uleb128(`the length of ${what}`);
    check(n <= this.remaining, 'malformed-transaction', `${what} claims ${n} elements in ${this.remaining} remaining bytes`);
    return n;
  }

  vector<T>(what: string, read: (index: number) => T): T[] {
    const out: T[] = [];
    for (let i = 0, n = this.count(what); i < n; i++) out.push(read(i));
    return out;
  }

  /** A `vector<u8>`. */
  bytes(what: string): Uint8Array {
    return this.fixed(this.uleb128(`the length of ${what}`), what);
  }

  string(what: string): string {
    const bytes = this.bytes(what);
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
      throw new ChainInputError('malformed-transaction', `${what} is not valid UTF-8`);
    }
  }

  /** A Move identifier (module, function, struct name). */
  identifier(what: string): string {
    const name = this.string(what);
    check(MOVE_IDENTIFIER.test(name), 'malformed-transaction', `${what} ${JSON.stringify(name)} is not a Move identifier`);
    return name;
  }

  option<T>(what: string, read: () => T): T | undefined {
    const tag = this.u8(`the option tag of ${what}`);
    check(tag === 0 || tag === 1, 'malformed-transaction', `${what} has option tag ${tag}`);
    return tag === 1 ? read() : undefined;
  }

}

/** A 32-byte Move address as 0x + 64 lowercase hex. */
export function longAddress(address: Uint8Array): string {
  return `0x${hex.encode(address)}`;
}

/**
 * Reads a Move TypeTag and returns it as Move source writes it (`vector<u8>`,
 * `0x1::coin::Coin<0x1::aptos_coin::AptosCoin>`). `primitives` names the chain's primitive variants
 * (vector is variant 6 and struct 7 on both chains); `address` formats struct addresses.
 */
export function readTypeTag(r: BcsReader, what: string, primitives: Readonly<Record<number, string>>, address: (a: Uint8Array) => string, depth = 0): string {
  check(depth < MAX_TYPE_DEPTH, 'malformed-transaction', `${what} nests types deeper than ${MAX_TYPE_DEPTH}`);
  const tag = r.variant(what);
  if (tag === 6) return `vector<${readTypeTag(r, what, primitives, address, depth + 1)}>`;
  if (tag === 7) {
    const module = `${address(r.fixed(32, `the address of ${what}`))}::${r.identifier(`the module of ${what}`)}::${r.identifier(`the struct name of ${what}`)}`;
    const params = r.vector(`the type parameters of ${what}`, () => readTypeTag(r, what, primitives, address, depth + 1));
    return params.length ? `${module}<${params.join(', ')}>` : module;
  }
  const primitive = primitives[tag];
  check(primitive !== undefined, 'malformed-transaction', `${what} has unknown type tag ${tag}`);
  return primitive;
}
