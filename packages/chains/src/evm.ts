/**
 * EVM chains, one module per chain id (EIP-155): `ethereum` 1, `ethereum-sepolia` 11155111, `bsc`
 * 56, `polygon` 137, `arbitrum` 42161, `optimism` 10, `base` 8453, `avalanche` 43114. One address
 * format, `evm`: secp256k1 ECDSA with a 33-byte compressed key; the address is the EIP-55
 * checksummed hex of the last 20 bytes of keccak256(uncompressed key without 0x04).
 *
 * Input, either form:
 * - `{ "serialized": "0x…", "from"?: "0x…" }`: the unsigned serialization as viem's
 *   `serializeTransaction` and ethers' `unsignedSerialized` give it: EIP-1559 (0x02 ‖ rlp of 9
 *   fields), EIP-2930 (0x01 ‖ rlp of 8 fields), or legacy EIP-155 (rlp [nonce, gasPrice, gas, to,
 *   value, data, chainId, 0, 0]). RLP is decoded strictly (rlp.ts); integers must be canonical.
 * - the fields, in viem's TransactionSerializable shape: `type` (`eip1559`, `eip2930`, `legacy`;
 *   inferred as viem does when absent), `chainId`, `nonce`, `gas` (required), `maxFeePerGas`
 *   (+ optional `maxPriorityFeePerGas`, 0 when absent) or `gasPrice`, `to` (absent or null:
 *   contract creation), `value`, `data`, `accessList` ([{ address, storageKeys }]), `from`?.
 *   Integers are safe JS numbers, decimal strings or 0x-hex strings; bytes are 0x-hex.
 * Refused: another chain id (`wrong-chain`); legacy without a chain id, blob (type 3), set-code
 * (type 4) and unknown types, blob or authorization fields (`unsupported-transaction`); `from`
 * other than the signer's address (`foreign-input`); a priority fee above the fee cap, an
 * already-signed serialization, unknown keys, bad encodings (`malformed-transaction`).
 *
 * Signed: ECDSA over keccak256 of the unsigned serialization, which this module encodes itself
 * from the parsed fields (the item carries it with hash `keccak256`). Output: `signedTransaction`
 * is the 0x-hex signed serialization (typed: yParity, r, s; legacy: v = chainId·2 + 35 + recovery),
 * what `eth_sendRawTransaction` takes; `txHash` is its keccak256, 0x-hex.
 * Summary: the value sent (to the recipient, or to the new contract's address), an ERC-20
 * `transfer(address,uint256)` call as a token transfer (asset: the token contract); `fee` the
 * maximum, gas × maxFeePerGas (or gasPrice); chain id in decimal.
 *
 * Messages (`prepareMessage`): `eip191` (default; personal_sign of `{ "text": "…" }` as UTF-8 or
 * `{ "hex": "0x…" }` bytes) and `eip712` (eip712.ts; a domain chainId other than this chain's is
 * `wrong-chain`). The signature is 65 bytes r ‖ s ‖ v (v 27 or 28) as 0x-hex.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { hex } from '@scure/base';
import { typedDataPreimage } from './eip712.js';
import { ChainInputError, check } from './errors.js';
import { checksumAddress, decodeErc20Transfer, evmAccount, parseAddress, parseHexBytes, parseInteger, wellFormedUtf8 } from './evm-values.js';
import { checkSignatureCount, ecdsaItemDigest, ecdsaSignature, secp256k1Key, type EcdsaSignature } from './keys.js';
import { rlpDecode, rlpEncode, rlpUint, uintBytes, type RlpItem } from './rlp.js';
import type { ChainModule, PreparedMessage, PreparedTransaction, SignerKey, SigningItem, TransactionSummary, Transfer } from './types.js';

const FORMAT = 'evm';
const MALFORMED = 'malformed-transaction';

interface EvmChain {
  readonly id: string;
  readonly name: string;
  readonly chainId: bigint;
  /** OP Stack chains charge an L1 data fee on top of gas × price; Arbitrum's is inside the gas used. */
  readonly l1DataFee?: boolean;
}

const EVM_CHAINS: readonly EvmChain[] = [
  { id: 'ethereum', name: 'Ethereum', chainId: 1n },
  { id: 'ethereum-sepolia', name: 'Ethereum Sepolia', chainId: 11155111n },
  { id: 'bsc', name: 'BNB Smart Chain', chainId: 56n },
  { id: 'polygon', name: 'Polygon', chainId: 137n },
  { id: 'arbitrum', name: 'Arbitrum One', chainId: 42161n },
  { id: 'optimism', name: 'OP Mainnet', chainId: 10n, l1DataFee: true },
  { id: 'base', name: 'Base', chainId: 8453n, l1DataFee: true },
  { id: 'avalanche', name: 'Avalanche C-Chain', chainId: 43114n },
];

type TransactionType = 'legacy' | 'eip2930' | 'eip1559';

/** EIP-2718 type bytes of the typed transactions this module signs. */
const TYPE_BYTES = { eip2930: 0x01, eip1559: 0x02 } as const;
const BLOB_TYPE = 0x03;
const SET_CODE_TYPE = 0x04;
/** The first byte of an RLP list: a serialization starting at or above it is a legacy transaction. */
const RLP_LIST = 0xc0;

/** EIP-2681 caps the nonce at 2^64 − 1; clients hold the gas limit in a uint64 too. */
const NONCE_BITS = 64;
const GAS_BITS = 64;
const UINT256 = 256;

interface AccessListEntry {
  readonly address: Uint8Array;
  readonly storageKeys: readonly Uint8Array[];
}

interface EvmTransaction {
  readonly type: TransactionType;
  readonly chainId: bigint;
  readonly nonce: bigint;
  /** maxPriorityFeePerGas (EIP-1559); 0 and unused for the others. */
  readonly maxPriorityFeePerGas: bigint;
  /** maxFeePerGas (EIP-1559) or gasPrice: what each unit of gas costs at most. */
  readonly feeCap: bigint;
  readonly gas: bigint;
  /** Undefined: contract creation. */
  readonly to: Uint8Array | undefined;
  readonly value: bigint;
  readonly data: Uint8Array;
  readonly accessList: readonly AccessListEntry[];
}

const FIELD_KEYS = ['type', 'chainId', 'nonce', 'to', 'value', 'gas', 'maxFeePerGas', 'maxPriorityFeePerGas', 'gasPrice', 'data', 'accessList', 'from'];
/** viem's fields of blob (EIP-4844) and set-code (EIP-7702) transactions. */
const UNSUPPORTED_KEYS = ['authorizationList', 'blobs', 'blobVersionedHashes', 'maxFeePerBlobGas', 'sidecars', 'kzg'];

export const EVM_MODULES: readonly ChainModule[] = EVM_CHAINS.map(evmModule);

function evmModule(chain: EvmChain): ChainModule {
  return {
    info: { id: chain.id, name: chain.name, scheme: 'ecdsa-secp256k1', formats: [FORMAT] },
    address(publicKey, format) {
      checkFormat(format);
      return checksumAddress(evmAccount(publicKey));
    },
    prepareTransaction: (transaction, signer) => prepareTransaction(chain, transaction, signer),
    prepareMessage: (message, signer, standard) => prepareMessage(chain, message, signer, standard),
  };
}

function checkFormat(format: string | undefined): void {
  check(format === undefined || format === FORMAT, 'unsupported-format', `EVM chains have the one format "${FORMAT}", not "${String(format)}"`);
}

function prepareTransaction(chain: EvmChain, input: unknown, signer: SignerKey): PreparedTransaction {
  checkFormat(signer.format);
  const account = evmAccount(signer.publicKey);
  const from = checksumAddress(account);
  check(isObject(input), MALFORMED, 'an EVM transaction is an object: { serialized } or the transaction fields');
  const tx = Object.hasOwn(input, 'serialized') ? decodeSerialized(input) : parseFields(input);
  // Clients reject such a transaction (EIP-1559: the tip cannot exceed the fee cap).
  check(tx.maxPriorityFeePerGas <= tx.feeCap, MALFORMED, `maxPriorityFeePerGas ${tx.maxPriorityFeePerGas} exceeds maxFeePerGas ${tx.feeCap}`);
  check(tx.chainId === chain.chainId, 'wrong-chain', `the transaction is for chain id ${tx.chainId}, not ${chain.name}'s ${chain.chainId}`);
  if (Object.hasOwn(input, 'from')) {
    const claimed = parseAddress(input.from, 'from', MALFORMED);
    check(hex.encode(claimed) === hex.encode(account), 'foreign-input', `from ${checksumAddress(claimed)} is not the signer's address ${from}`);
  }
  const item: SigningItem = { scheme: 'ecdsa-secp256k1', hash: 'keccak256', message: serialize(tx) };
  return {
    items: [item],
    summary: summarize(chain, tx, account),
    finalize(signatures) {
      checkSignatureCount(signatures, 1);
      const signature = ecdsaSignature(signatures[0]!, ecdsaItemDigest(item), signer.publicKey);
      const signed = serialize(tx, signature);
      return { signedTransaction: `0x${hex.encode(signed)}`, txHash: `0x${hex.encode(keccak_256(signed))}` };
    },
  };
}

/** The unsigned serialization, or the signed one when `signature` is given. */
function serialize(tx: EvmTransaction, signature?: EcdsaSignature): Uint8Array {
  const to = tx.to ?? new Uint8Array(0);
  const accessList: RlpItem[] = tx.accessList.map((entry) => [entry.address, [...entry.storageKeys]]);
  const common = [uintBytes(tx.gas), to, uintBytes(tx.value), tx.data];
  if (tx.type === 'legacy') {
    // EIP-155: the unsigned form ends with chainId, 0, 0; the signed one with v, r, s.
    const tail = signature
      ? [uintBytes(tx.chainId * 2n + 35n + BigInt(signature.recovery)), uintBytes(signature.r), uintBytes(signature.s)]
      : [uintBytes(tx.chainId), new Uint8Array(0), new Uint8Array(0)];
    return rlpEncode([uintBytes(tx.nonce), uintBytes(tx.feeCap), ...common, ...tail]);
  }
  const fees = tx.type === 'eip1559' ? [uintBytes(tx.maxPriorityFeePerGas), uintBytes(tx.feeCap)] : [uintBytes(tx.feeCap)];
  const fields: RlpItem[] = [uintBytes(tx.chainId), uintBytes(tx.nonce), ...fees, ...common, accessList];
  if (signature) fields.push(uintBytes(BigInt(signature.recovery)), uintBytes(signature.r), uintBytes(signature.s));
  return concatBytes(Uint8Array.of(TYPE_BYTES[tx.type]), rlpEncode(fields));
}

function decodeSerialized(input: Record<string, unknown>): EvmTransaction {
  checkKeys(input, ['serialized', 'from'], 'the { serialized } input');
  const bytes = parseHexBytes(input.serialized, 'serialized', MALFORMED);
  const first = bytes[0];
  check(first !== undefined, MALFORMED, 'serialized is empty');
  if (first >= RLP_LIST) return decodeLegacy(rlpDecode(bytes, 'the legacy transaction'));
  check(first !== BLOB_TYPE, 'unsupported-transaction', 'blob transactions (EIP-4844, type 3) are not signed by this module');
  check(first !== SET_CODE_TYPE, 'unsupported-transaction', 'set-code transactions (EIP-7702, type 4) are not signed by this module');
  check(first === TYPE_BYTES.eip1559 || first === TYPE_BYTES.eip2930, first < 0x80 ? 'unsupported-transaction' : MALFORMED, `serialized starts with 0x${first.toString(16).padStart(2, '0')}, not a transaction type this module signs (0x01, 0x02) nor a legacy RLP list`);
  const type = first === TYPE_BYTES.eip1559 ? 'eip1559' : 'eip2930';
  const fields = rlpDecode(bytes.subarray(1), `the ${type} transaction`);
  const expected = type === 'eip1559' ? 9 : 8;
  check(Array.isArray(fields), MALFORMED, `the ${type} transaction payload must be an RLP list`);
  check(fields.length !== expected + 3, MALFORMED, 'the transaction is already signed (it has yParity, r, s): give the unsigned serialization');
  check(fields.length === expected, MALFORMED, `an unsigned ${type} transaction has ${expected} fields, got ${fields.length}`);
  const feeFields = type === 'eip1559' ? 2 : 1;
  const common = decodeCommon(fields.slice(2 + feeFields, 6 + feeFields));
  return {
    type,
    chainId: rlpUint(fields[0], UINT256, 'chainId'),
    nonce: rlpUint(fields[1], NONCE_BITS, 'nonce'),
    maxPriorityFeePerGas: type === 'eip1559' ? rlpUint(fields[2], UINT256, 'maxPriorityFeePerGas') : 0n,
    feeCap: rlpUint(fields[1 + feeFields], UINT256, type === 'eip1559' ? 'maxFeePerGas' : 'gasPrice'),
    ...common,
    accessList: decodeAccessList(fields[expected - 1]),
  };
}

function decodeLegacy(fields: RlpItem): EvmTransaction {
  check(Array.isArray(fields), MALFORMED, 'a legacy transaction must be an RLP list');
  check(fields.length !== 6, 'unsupported-transaction', 'a legacy transaction without an EIP-155 chain id can be replayed on any chain: refused');
  check(fields.length === 9, MALFORMED, `an unsigned EIP-155 legacy transaction has 9 fields, got ${fields.length}`);
  const [r, s] = [fields[7], fields[8]];
  check(r instanceof Uint8Array && r.length === 0 && s instanceof Uint8Array && s.length === 0, MALFORMED, 'the legacy transaction is already signed (or its last two fields are not 0): give the unsigned EIP-155 serialization');
  return {
    type: 'legacy',
    nonce: rlpUint(fields[0], NONCE_BITS, 'nonce'),
    feeCap: rlpUint(fields[1], UINT256, 'gasPrice'),
    maxPriorityFeePerGas: 0n,
    ...decodeCommon(fields.slice(2, 6)),
    chainId: rlpUint(fields[6], UINT256, 'chainId'),
    accessList: [],
  };
}

/** gas, to, value, data: the four fields every type has in this order. */
function decodeCommon(fields: readonly RlpItem[]): Pick<EvmTransaction, 'gas' | 'to' | 'value' | 'data'> {
  const [gas, to, value, data] = fields;
  check(to instanceof Uint8Array && (to.length === 0 || to.length === 20), MALFORMED, 'to must be empty (contract creation) or 20 bytes');
  check(data instanceof Uint8Array, MALFORMED, 'data must be an RLP string');
  return { gas: rlpUint(gas, GAS_BITS, 'gas'), to: to.length === 0 ? undefined : to, value: rlpUint(value, UINT256, 'value'), data };
}

function decodeAccessList(item: RlpItem | undefined): AccessListEntry[] {
  check(Array.isArray(item), MALFORMED, 'accessList must be an RLP list');
  return item.map((entry: RlpItem, i) => {
    check(Array.isArray(entry) && entry.length === 2, MALFORMED, `accessList[${i}] must be a list [address, storageKeys]`);
    const [address, keys] = entry;
    check(address instanceof Uint8Array && address.length === 20, MALFORMED, `accessList[${i}] address must be 20 bytes`);
    check(Array.isArray(keys), MALFORMED, `accessList[${i}] storage keys must be a list`);
    const storageKeys = keys.map((key: RlpItem, j) => {
      check(key instanceof Uint8Array && key.length === 32, MALFORMED, `accessList[${i}] storage key ${j} must be 32 bytes`);
      return key;
    });
    return { address, storageKeys };
  });
}

/** viem's TransactionSerializable fields, typed as viem infers them when `type` is absent. */
function parseFields(input: Record<string, unknown>): EvmTransaction {
  for (const key of UNSUPPORTED_KEYS) check(!Object.hasOwn(input, key), 'unsupported-transaction', `"${key}" belongs to blob or set-code transactions, which this module does not sign`);
  checkKeys(input, FIELD_KEYS, 'the transaction fields');
  const has = (key: string): boolean => Object.hasOwn(input, key) && input[key] !== undefined;
  let type: TransactionType;
  if (has('type')) {
    check(input.type !== 'eip4844' && input.type !== 'eip7702', 'unsupported-transaction', `${String(input.type)} transactions are not signed by this module`);
    check(input.type === 'eip1559' || input.type === 'eip2930' || input.type === 'legacy', MALFORMED, `type must be "eip1559", "eip2930" or "legacy", not ${JSON.stringify(input.type)}`);
    type = input.type;
  } else if (has('maxFeePerGas') || has('maxPriorityFeePerGas')) type = 'eip1559';
  else if (has('gasPrice')) type = has('accessList') ? 'eip2930' : 'legacy';
  else throw new ChainInputError(MALFORMED, 'the transaction has no type and neither maxFeePerGas nor gasPrice');

  const integer = (key: string, bits: number): bigint => parseInteger(input[key], key, MALFORMED, bits);
  const required = (key: string, bits: number): bigint => {
    check(has(key), MALFORMED, `${key} is required`);
    return integer(key, bits);
  };
  const optional = (key: string): bigint => (has(key) ? integer(key, UINT256) : 0n);
  if (type === 'eip1559') check(!has('gasPrice'), MALFORMED, 'an eip1559 transaction has maxFeePerGas, not gasPrice');
  else check(!has('maxFeePerGas') && !has('maxPriorityFeePerGas'), MALFORMED, `a ${type} transaction has gasPrice, not maxFeePerGas`);
  check(type !== 'legacy' || !has('accessList'), MALFORMED, 'a legacy transaction has no access list');

  const feeCap = required(type === 'eip1559' ? 'maxFeePerGas' : 'gasPrice', UINT256);
  return {
    type,
    chainId: required('chainId', UINT256),
    nonce: required('nonce', NONCE_BITS),
    maxPriorityFeePerGas: type === 'eip1559' ? optional('maxPriorityFeePerGas') : 0n,
    feeCap,
    gas: required('gas', GAS_BITS),
    to: input.to === undefined || input.to === null ? undefined : parseAddress(input.to, 'to', MALFORMED),
    value: optional('value'),
    data: has('data') ? parseHexBytes(input.data, 'data', MALFORMED) : new Uint8Array(0),
    accessList: has('accessList') ? parseAccessList(input.accessList) : [],
  };
}

function parseAccessList(value: unknown): AccessListEntry[] {
  check(Array.isArray(value), MALFORMED, 'accessList must be an array of { address, storageKeys }');
  return value.map((entry: unknown, i) => {
    check(isObject(entry), MALFORMED, `accessList[${i}] must be an object { address, storageKeys }`);
    checkKeys(entry, ['address', 'storageKeys'], `accessList[${i}]`);
    check(Array.isArray(entry.storageKeys), MALFORMED, `accessList[${i}].storageKeys must be an array`);
    return {
      address: parseAddress(entry.address, `accessList[${i}].address`, MALFORMED),
      storageKeys: entry.storageKeys.map((key: unknown, j) => parseHexBytes(key, `accessList[${i}].storageKeys[${j}]`, MALFORMED, 32)),
    };
  });
}

function summarize(chain: EvmChain, tx: EvmTransaction, account: Uint8Array): TransactionSummary {
  const transfers: Transfer[] = [];
  const notes: string[] = [];
  // A creation sends its value to the new contract, at keccak256(rlp([sender, nonce]))[12:].
  const recipient = checksumAddress(tx.to ?? keccak_256(rlpEncode([account, uintBytes(tx.nonce)])).slice(-20));
  if (tx.value > 0n) transfers.push({ to: recipient, amount: tx.value.toString() });
  if (tx.to === undefined) {
    notes.push(`creates a contract at ${recipient} with ${tx.data.length} bytes of init code`);
  } else if (tx.data.length > 0) {
    const token = decodeErc20Transfer(tx.data);
    if (token) {
      transfers.push({ to: checksumAddress(token.recipient), amount: token.amount.toString(), asset: recipient });
      notes.push(`ERC-20 transfer(address,uint256) on token contract ${recipient}`);
    } else {
      notes.push(`calls contract ${recipient} with ${tx.data.length} bytes of data (selector 0x${hex.encode(tx.data.subarray(0, 4))})`);
    }
  }
  const price = tx.type === 'eip1559' ? `max fee per gas ${tx.feeCap} wei (priority fee ${tx.maxPriorityFeePerGas} wei)` : `gas price ${tx.feeCap} wei`;
  notes.push(`${tx.type} transaction, nonce ${tx.nonce}`);
  notes.push(
    `fee is the maximum: gas limit ${tx.gas} × ${price}; the chain charges the gas used` +
      (chain.l1DataFee ? `, and ${chain.name} adds an L1 data fee on top` : ''),
  );
  if (tx.accessList.length > 0) {
    const keys = tx.accessList.reduce((sum, entry) => sum + entry.storageKeys.length, 0);
    notes.push(`access list: ${tx.accessList.length} address(es), ${keys} storage key(s)`);
  }
  return { chain: chain.id, from: checksumAddress(account), transfers, fee: (tx.gas * tx.feeCap).toString(), chainId: chain.chainId.toString(), notes };
}

const PERSONAL_MESSAGE_PREFIX = '\x19Ethereum Signed Message:\n';

function prepareMessage(chain: EvmChain, message: unknown, signer: SignerKey, standard = 'eip191'): PreparedMessage {
  checkFormat(signer.format);
  secp256k1Key(signer.publicKey);
  let preimage: Uint8Array;
  if (standard === 'eip191') {
    preimage = personalMessagePreimage(message);
  } else if (standard === 'eip712') {
    const typed = typedDataPreimage(message);
    check(typed.chainId === undefined || typed.chainId === chain.chainId, 'wrong-chain', `the EIP-712 domain is for chain id ${typed.chainId}, not ${chain.name}'s ${chain.chainId}`);
    preimage = typed.preimage;
  } else {
    throw new ChainInputError('unsupported-message', `EVM message standards are "eip191" and "eip712", not "${String(standard)}"`);
  }
  const item: SigningItem = { scheme: 'ecdsa-secp256k1', hash: 'keccak256', message: preimage };
  return {
    items: [item],
    finalize(signatures) {
      checkSignatureCount(signatures, 1);
      const signature = ecdsaSignature(signatures[0]!, ecdsaItemDigest(item), signer.publicKey);
      return { signature: `0x${hex.encode(signature.compact)}${(27 + signature.recovery).toString(16)}` };
    },
  };
}

/** EIP-191 version 0x45 (personal_sign): "\x19Ethereum Signed Message:\n" ‖ decimal length ‖ message. */
function personalMessagePreimage(message: unknown): Uint8Array {
  check(isObject(message) && Object.keys(message).length === 1, 'unsupported-message', 'an eip191 message is { "text": "…" } or { "hex": "0x…" }');
  let bytes: Uint8Array;
  if (Object.hasOwn(message, 'text')) {
    check(typeof message.text === 'string', 'unsupported-message', 'text must be a string');
    bytes = wellFormedUtf8(message.text, 'text', 'unsupported-message');
  } else {
    check(Object.hasOwn(message, 'hex'), 'unsupported-message', 'an eip191 message is { "text": "…" } or { "hex": "0x…" }');
    bytes = parseHexBytes(message.hex, 'hex', 'unsupported-message');
  }
  return concatBytes(new TextEncoder().encode(`${PERSONAL_MESSAGE_PREFIX}${bytes.length}`), bytes);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkKeys(value: Record<string, unknown>, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(value)) check(allowed.includes(key), MALFORMED, `${what} has an unexpected "${key}"`);
}
