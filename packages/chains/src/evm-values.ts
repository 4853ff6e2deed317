/**
 * EVM values as they travel in JSON (viem's and ethers' conventions), shared by the `evm` and
 * `tron` modules and the EIP-712 encoder: the 20-byte account of a secp256k1 key, EIP-55
 * addresses, integers (a safe JS integer, a decimal string or a 0x-hex string), 0x-hex bytes, and
 * the ERC-20 `transfer(address,uint256)` call. Every parser is strict and throws the caller's
 * error code with a message naming the value.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { hex } from '@scure/base';
import { check, type ChainErrorCode } from './errors.js';
import { secp256k1Key } from './keys.js';

/** The ERC-20 (and TRC-20) `transfer(address,uint256)` selector. */
const ERC20_TRANSFER_SELECTOR = 'a9059cbb';
const ABI_WORD = 32;
const ADDRESS_LENGTH = 20;

/** The last 20 bytes of keccak256 of the uncompressed key without its 0x04 prefix (Ethereum and Tron). */
export function evmAccount(publicKey: Uint8Array): Uint8Array {
  const uncompressed = secp256k1.Point.fromBytes(secp256k1Key(publicKey)).toBytes(false);
  return keccak_256(uncompressed.subarray(1)).slice(-ADDRESS_LENGTH);
}

/** EIP-55: the hex address with each letter uppercased where the keccak of the lowercase hex has a nibble ≥ 8. */
export function checksumAddress(account: Uint8Array): string {
  const lower = hex.encode(account);
  const hash = keccak_256(new TextEncoder().encode(lower));
  let out = '0x';
  for (let i = 0; i < lower.length; i++) {
    const nibble = (hash[i >> 1]! >> (i % 2 === 0 ? 4 : 0)) & 0xf;
    out += nibble >= 8 ? lower[i]!.toUpperCase() : lower[i]!;
  }
  return out;
}

/**
 * A 0x-prefixed 20-byte address. Mixed case must be a valid EIP-55 checksum (a typo in a
 * checksummed address is caught); all-lowercase and all-uppercase carry no checksum.
 */
export function parseAddress(value: unknown, what: string, code: ChainErrorCode): Uint8Array {
  check(typeof value === 'string' && /^0x[0-9a-fA-F]{40}$/.test(value), code, `${what} must be a 0x-prefixed 20-byte hex address`);
  const digits = value.slice(2);
  const account = hex.decode(digits.toLowerCase());
  const mixedCase = digits !== digits.toLowerCase() && digits !== digits.toUpperCase();
  check(!mixedCase || checksumAddress(account) === value, code, `${what} ${value} has a wrong EIP-55 checksum`);
  return account;
}

/** 0x-prefixed hex bytes, even length; exactly `length` bytes when given. */
export function parseHexBytes(value: unknown, what: string, code: ChainErrorCode, length?: number): Uint8Array {
  check(typeof value === 'string' && /^0x([0-9a-fA-F]{2})*$/.test(value), code, `${what} must be 0x-prefixed hex with an even number of digits`);
  const bytes = hex.decode(value.slice(2).toLowerCase());
  check(length === undefined || bytes.length === length, code, `${what} must be ${length} bytes, got ${bytes.length}`);
  return bytes;
}

/**
 * An integer that fits `bits` (as uintN, or intN when `signed`): a safe JS integer, a decimal
 * string without leading zeros (a leading `-` when signed), or a 0x-hex string (non-negative).
 */
export function parseInteger(value: unknown, what: string, code: ChainErrorCode, bits: number, signed = false): bigint {
  let parsed: bigint | undefined;
  if (typeof value === 'number') {
    check(Number.isSafeInteger(value), code, `${what} must be a safe integer (use a decimal string for larger values)`);
    parsed = BigInt(value);
  } else if (typeof value === 'string' && /^-?(0|[1-9][0-9]*)$/.test(value) && value !== '-0' && value.length <= 80) {
    parsed = BigInt(value);
  } else if (typeof value === 'string' && /^0x[0-9a-fA-F]{1,64}$/.test(value)) {
    parsed = BigInt(value);
  }
  check(parsed !== undefined, code, `${what} must be an integer: a safe number, a decimal string or a 0x-hex string`);
  const min = signed ? -(1n << BigInt(bits - 1)) : 0n;
  const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  check(parsed >= min && parsed <= max, code, `${what} ${parsed} is out of the ${signed ? 'int' : 'uint'}${bits} range`);
  return parsed;
}

/** UTF-8 of a string without lone surrogates (which encoders would silently replace with U+FFFD). */
export function wellFormedUtf8(value: string, what: string, code: ChainErrorCode): Uint8Array {
  const bytes = new TextEncoder().encode(value);
  check(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes) === value, code, `${what} has a lone UTF-16 surrogate`);
  return bytes;
}

/**
 * The recipient and amount of call data that is exactly `transfer(address,uint256)` with a
 * well-formed address word (12 zero bytes, then 20); undefined for any other data.
 */
export function decodeErc20Transfer(data: Uint8Array): { recipient: Uint8Array; amount: bigint } | undefined {
  if (data.length !== 4 + 2 * ABI_WORD || hex.encode(data.subarray(0, 4)) !== ERC20_TRANSFER_SELECTOR) return undefined;
  const addressWord = data.subarray(4, 4 + ABI_WORD);
  if (addressWord.subarray(0, ABI_WORD - ADDRESS_LENGTH).some((byte) => byte !== 0)) return undefined;
  const amount = BigInt(`0x${hex.encode(data.subarray(4 + ABI_WORD))}`);
  return { recipient: addressWord.slice(ABI_WORD - ADDRESS_LENGTH), amount };
}
