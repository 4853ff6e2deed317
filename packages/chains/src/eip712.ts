/**
 * EIP-712 typed structured data, as `eth_signTypedData_v4` takes it:
 * `{ "types": { "EIP712Domain": [...], ... }, "primaryType": "...", "domain": {...}, "message": {...} }`.
 * `typedDataPreimage` returns the bytes whose keccak256 is signed, 0x19 0x01 ‖ domainSeparator ‖
 * hashStruct(message), and the domain's chain id when it has one.
 *
 * Strict, so that the hash a signer computes is the one every wallet and contract computes, and
 * anything two implementations could hash differently is refused (`unsupported-message`):
 * - `types` must define `EIP712Domain`, with only the standard fields (name string, version
 *   string, chainId uint256, verifyingContract address, salt bytes32) in that order, and the
 *   `domain` must give exactly those fields (tools that derive the domain type from the domain's
 *   keys then agree with the types given); the primary type cannot be `EIP712Domain` itself;
 * - type and field names are identifiers, field names unique within a struct, no struct named like
 *   an elementary type; every field type is elementary (bool, address, string, bytes, bytes1–32,
 *   uint8–256 and int8–256 in steps of 8), a defined struct, or an array of those (`T[]`, `T[n]`
 *   with n ≥ 1, nested); recursive structs are allowed and encoded per the spec (the primary type,
 *   then every struct it references, sorted by name);
 * - a struct value is an object with exactly its fields (a missing or an extra field is refused);
 *   integers are safe numbers, decimal strings or 0x-hex, within the type's range; addresses are
 *   0x-hex with a valid EIP-55 checksum when mixed-case; bytes and bytesN are 0x-hex of the right
 *   length; strings are well-formed Unicode; bool is true or false; arrays have the declared length.
 */
import { numberToBytesBE } from '@noble/curves/utils.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { check } from './errors.js';
import { parseAddress, parseHexBytes, parseInteger, wellFormedUtf8 } from './evm-values.js';

const CODE = 'unsupported-message';
const DOMAIN_TYPE = 'EIP712Domain';
/** The standard domain fields, in the order the spec lists them and tools derive them. */
const DOMAIN_FIELDS: readonly (readonly [string, string])[] = [
  ['name', 'string'],
  ['version', 'string'],
  ['chainId', 'uint256'],
  ['verifyingContract', 'address'],
  ['salt', 'bytes32'],
];
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** Names of Solidity elementary types (and their aliases) that a struct may not take. */
const ELEMENTARY_NAME = /^(u?int[0-9]*|bytes[0-9]*|byte|bool|address|string|function|u?fixed[0-9x]*)$/;
/** Bounds recursion on hostile input; real typed data nests a few levels. */
const MAX_DEPTH = 32;
const WORD = 32;

interface Field {
  readonly name: string;
  readonly type: string;
}

export interface TypedDataPreimage {
  /** 0x19 0x01 ‖ domainSeparator ‖ hashStruct(message): 66 bytes, signed as keccak256 of them. */
  readonly preimage: Uint8Array;
  /** The domain's chainId, when the domain has one. */
  readonly chainId?: bigint;
}

export function typedDataPreimage(typedData: unknown): TypedDataPreimage {
  check(isPlainObject(typedData), CODE, 'EIP-712 typed data must be an object { types, primaryType, domain, message }');
  checkKeys(typedData, ['types', 'primaryType', 'domain', 'message'], 'EIP-712 typed data');
  const encoder = new TypedDataEncoder(parseTypes(typedData.types));
  const { primaryType, domain, message } = typedData;
  check(typeof primaryType === 'string' && encoder.isStruct(primaryType), CODE, `primaryType "${String(primaryType)}" is not a type defined in types`);
  check(primaryType !== DOMAIN_TYPE, CODE, `primaryType cannot be ${DOMAIN_TYPE}: sign a message of another type`);
  const domainSeparator = encoder.hashStruct(DOMAIN_TYPE, domain, 'domain', 0);
  const messageHash = encoder.hashStruct(primaryType, message, 'message', 0);
  const preimage = concatBytes(Uint8Array.of(0x19, 0x01), domainSeparator, messageHash);
  // hashStruct has checked the domain against its type, so chainId, when present, is a uint256.
  const domainChainId = isPlainObject(domain) && Object.hasOwn(domain, 'chainId') ? parseInteger(domain.chainId, 'domain.chainId', CODE, 256) : undefined;
  return domainChainId === undefined ? { preimage } : { preimage, chainId: domainChainId };
}

class TypedDataEncoder {
  private readonly typeHashes = new Map<string, Uint8Array>();

  constructor(private readonly types: ReadonlyMap<string, readonly Field[]>) {}

  isStruct(name: string): boolean {
    return this.types.has(name);
  }

  /** keccak256(typeHash ‖ encodeData(value)): the value must have exactly the struct's fields. */
  hashStruct(name: string, value: unknown, what: string, depth: number): Uint8Array {
    check(depth <= MAX_DEPTH, CODE, `${what}: typed data nests deeper than ${MAX_DEPTH}`);
    check(isPlainObject(value), CODE, `${what} must be an object (a ${name})`);
    const fields = this.types.get(name)!;
    checkKeys(value, fields.map((field) => field.name), `${what} (a ${name})`);
    const words = fields.map((field) => this.encodeValue(field.type, value[field.name], `${what}.${field.name}`, depth + 1));
    return keccak_256(concatBytes(this.typeHash(name), ...words));
  }

  /** The 32-byte encoding of one value of a field type (encodeData's per-member rule). */
  private encodeValue(type: string, value: unknown, what: string, depth: number): Uint8Array {
    check(depth <= MAX_DEPTH, CODE, `${what}: typed data nests deeper than ${MAX_DEPTH}`);
    const array = arrayType(type);
    if (array) {
      check(Array.isArray(value), CODE, `${what} must be an array (${type})`);
      check(array.length === undefined || value.length === array.length, CODE, `${what} must have ${array.length} elements, got ${value.length}`);
      const hash = keccak_256.create();
      value.forEach((element, i) => hash.update(this.encodeValue(array.element, element, `${what}[${i}]`, depth + 1)));
      return hash.digest();
    }
    if (this.types.has(type)) return this.hashStruct(type, value, what, depth);
    return encodeElementary(type, value, what);
  }

  private typeHash(name: string): Uint8Array {
    let hash = this.typeHashes.get(name);
    if (!hash) {
      hash = keccak_256(new TextEncoder().encode(this.encodeType(name)));
      this.typeHashes.set(name, hash);
    }
    return hash;
  }

  /** `Name(type name,...)` of the struct, then of every struct it references, sorted by name. */
  private encodeType(primary: string): string {
    const referenced = new Set<string>();
    const visit = (name: string): void => {
      if (referenced.has(name)) return;
      referenced.add(name);
      for (const field of this.types.get(name)!) {
        const base = baseType(field.type);
        if (this.types.has(base)) visit(base);
      }
    };
    visit(primary);
    referenced.delete(primary);
    return [primary, ...[...referenced].sort()]
      .map((name) => `${name}(${this.types.get(name)!.map((field) => `${field.type} ${field.name}`).join(',')})`)
      .join('');
  }
}

function parseTypes(value: unknown): Map<string, Field[]> {
  check(isPlainObject(value), CODE, 'EIP-712 types must be an object of struct name → fields');
  const types = new Map<string, Field[]>();
  for (const [name, fields] of Object.entries(value)) {
    check(IDENTIFIER.test(name) && !ELEMENTARY_NAME.test(name), CODE, `"${name}" is not a valid struct name`);
    check(Array.isArray(fields), CODE, `types.${name} must be an array of { name, type }`);
    const names = new Set<string>();
    types.set(
      name,
      fields.map((field: unknown, i) => {
        const what = `types.${name}[${i}]`;
        check(isPlainObject(field), CODE, `${what} must be an object { name, type }`);
        checkKeys(field, ['name', 'type'], what);
        check(typeof field.name === 'string' && IDENTIFIER.test(field.name), CODE, `${what}.name is not a valid field name`);
        check(!names.has(field.name), CODE, `${what}: field "${field.name}" is defined twice`);
        names.add(field.name);
        check(typeof field.type === 'string', CODE, `${what}.type must be a string`);
        return { name: field.name, type: field.type };
      }),
    );
  }
  for (const [name, fields] of types) {
    for (const field of fields) checkFieldType(field.type, types, `${name}.${field.name}`);
  }
  const domain = types.get(DOMAIN_TYPE);
  check(domain !== undefined, CODE, `types must define ${DOMAIN_TYPE}`);
  let next = 0;
  for (const field of domain) {
    const position = DOMAIN_FIELDS.findIndex(([name]) => name === field.name);
    check(position >= next, CODE, `${DOMAIN_TYPE} may have only ${DOMAIN_FIELDS.map(([name]) => name).join(', ')}, in that order ("${field.name}" is ${position < 0 ? 'not one' : 'out of order'})`);
    const [, standardType] = DOMAIN_FIELDS[position]!;
    check(field.type === standardType, CODE, `${DOMAIN_TYPE}.${field.name} must have type ${standardType}, not ${field.type}`);
    next = position + 1;
  }
  return types;
}

function checkFieldType(type: string, types: ReadonlyMap<string, readonly Field[]>, what: string): void {
  const array = arrayType(type);
  if (array) return checkFieldType(array.element, types, what);
  check(types.has(type) || elementaryKind(type) !== undefined, CODE, `${what} has unknown type "${type}"`);
}

/** `T[]` or `T[n]` (n ≥ 1, no leading zeros), the outermost dimension being the last brackets. */
function arrayType(type: string): { element: string; length: number | undefined } | undefined {
  const match = /^(.+)\[([1-9][0-9]{0,5})?\]$/.exec(type);
  if (!match) return undefined;
  return { element: match[1]!, length: match[2] === undefined ? undefined : Number(match[2]) };
}

function baseType(type: string): string {
  const bracket = type.indexOf('[');
  return bracket < 0 ? type : type.slice(0, bracket);
}

type ElementaryKind =
  | { readonly kind: 'bool' | 'address' | 'string' | 'bytes' }
  | { readonly kind: 'uint' | 'int'; readonly bits: number }
  | { readonly kind: 'fixed-bytes'; readonly size: number };

function elementaryKind(type: string): ElementaryKind | undefined {
  if (type === 'bool' || type === 'address' || type === 'string' || type === 'bytes') return { kind: type };
  const integer = /^(u?int)([1-9][0-9]{0,2})$/.exec(type);
  if (integer) {
    const bits = Number(integer[2]);
    return bits % 8 === 0 && bits <= 256 ? { kind: integer[1] === 'uint' ? 'uint' : 'int', bits } : undefined;
  }
  const fixed = /^bytes([1-9][0-9]?)$/.exec(type);
  if (fixed) {
    const size = Number(fixed[1]);
    return size <= WORD ? { kind: 'fixed-bytes', size } : undefined;
  }
  return undefined;
}

function encodeElementary(type: string, value: unknown, what: string): Uint8Array {
  const kind = elementaryKind(type)!;
  const word = new Uint8Array(WORD);
  switch (kind.kind) {
    case 'bool':
      check(typeof value === 'boolean', CODE, `${what} must be true or false`);
      word[WORD - 1] = value ? 1 : 0;
      return word;
    case 'address':
      word.set(parseAddress(value, what, CODE), WORD - 20);
      return word;
    case 'string':
      check(typeof value === 'string', CODE, `${what} must be a string`);
      return keccak_256(wellFormedUtf8(value, what, CODE));
    case 'bytes':
      return keccak_256(parseHexBytes(value, what, CODE));
    case 'fixed-bytes':
      word.set(parseHexBytes(value, what, CODE, kind.size));
      return word;
    case 'uint':
    case 'int':
      // Two's complement over 256 bits: a negative intN is sign-extended to the whole word.
      return numberToBytesBE(BigInt.asUintN(256, parseInteger(value, what, CODE, kind.bits, kind.kind === 'int')), WORD);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** The object has exactly `keys` as its own keys. */
function checkKeys(value: Record<string, unknown>, keys: readonly string[], what: string): void {
  for (const key of keys) check(Object.hasOwn(value, key), CODE, `${what} lacks "${key}"`);
  for (const key of Object.keys(value)) check(keys.includes(key), CODE, `${what} has an unexpected "${key}"`);
}
