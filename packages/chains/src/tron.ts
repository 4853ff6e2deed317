/**
 * Tron (`tron`), format `tron`: secp256k1 ECDSA with a 33-byte compressed key. The address is
 * base58check(0x41 ‖ last 20 bytes of keccak256(uncompressed key without 0x04)), the `T…` form.
 *
 * Input: the unsigned transaction object TronWeb's TransactionBuilder returns,
 * `{ "raw_data_hex": "<hex>", "txID"?: "<hex>", "raw_data"?: {…}, "visible"?: bool }`, hex without
 * 0x. Only `raw_data_hex` is read: `txID`, when present, must be sha256 of it
 * (`malformed-transaction` otherwise), `raw_data` (TronWeb's JSON view) and `visible` are ignored;
 * a non-empty `signature` list means it is already signed and is refused. The raw_data protobuf (protocol
 * Transaction.raw) is parsed strictly (protobuf.ts): ref_block_bytes (2 bytes), ref_block_hash (8
 * bytes) and a positive expiration are required; timestamp, fee_limit, ref_block_num and data (the
 * memo) are accepted; auths and scripts are refused. Exactly one contract, of type TransferContract (1)
 * or TriggerSmartContract (31), without permission id, provider or contract name, with the
 * parameter's type_url matching its type; any other contract is `unsupported-transaction`, as is a
 * trigger that sends TRC-10 tokens. Its owner_address must be the signer's (`foreign-input`);
 * every address is 21 bytes with Tron's 0x41 prefix (`wrong-chain` for another prefix).
 *
 * Signed: ECDSA over sha256(raw_data), the txID (the item carries raw_data with hash `sha256`).
 * Output: `signedTransaction` is the hex (no 0x) of the protobuf Transaction { raw_data, signature },
 * the signature being 65 bytes r ‖ s ‖ v with v = 27 + recovery id as TronWeb writes it: what
 * `/wallet/broadcasthex` and TronWeb's `trx.sendHexTransaction` take. `txHash` is the txID in
 * lowercase hex, as Tronscan shows it.
 * Summary: TRX amounts in sun; a TriggerSmartContract's call value as a transfer to the contract and
 * a TRC-20 `transfer(address,uint256)` as a token transfer (asset: the token contract's address);
 * `fee` is fee_limit when set (the most TRX the call may burn for energy); Tron has no chain id.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { createBase58check, hex } from '@scure/base';
import { check } from './errors.js';
import { decodeErc20Transfer, evmAccount } from './evm-values.js';
import { checkSignatureCount, ecdsaItemDigest, ecdsaSignature } from './keys.js';
import { ProtoMessage, protoBytesField, type ProtoSchema } from './protobuf.js';
import type { ChainModule, PreparedTransaction, SignerKey, SigningItem, TransactionSummary, Transfer } from './types.js';

const FORMAT = 'tron';
const MALFORMED = 'malformed-transaction';
const UNSUPPORTED = 'unsupported-transaction';
/** Every Tron address, mainnet and testnets alike, is 0x41 ‖ 20-byte account. */
const ADDRESS_PREFIX = 0x41;
const MAX_INT64 = (1n << 63n) - 1n;
const base58check = createBase58check(sha256);

/** protocol.Transaction.raw, by field number. */
const RAW = { refBlockBytes: 1, refBlockNum: 3, refBlockHash: 4, expiration: 8, auths: 9, data: 10, contract: 11, scripts: 12, timestamp: 14, feeLimit: 18 } as const;
const RAW_SCHEMA: ProtoSchema = { 1: 'scalar', 3: 'varint', 4: 'scalar', 8: 'varint', 9: 'repeated-message', 10: 'scalar', 11: 'repeated-message', 12: 'scalar', 14: 'varint', 18: 'varint' };
/** protocol.Transaction.Contract: type, parameter (google.protobuf.Any), provider, ContractName, Permission_id. */
const CONTRACT_SCHEMA: ProtoSchema = { 1: 'varint', 2: 'message', 3: 'scalar', 4: 'scalar', 5: 'varint' };
const ANY_SCHEMA: ProtoSchema = { 1: 'scalar', 2: 'scalar' };
/** protocol.TransferContract: owner_address, to_address, amount. */
const TRANSFER_SCHEMA: ProtoSchema = { 1: 'scalar', 2: 'scalar', 3: 'varint' };
/** protocol.TriggerSmartContract: owner_address, contract_address, call_value, data, call_token_value, token_id. */
const TRIGGER_SCHEMA: ProtoSchema = { 1: 'scalar', 2: 'scalar', 3: 'varint', 4: 'scalar', 5: 'varint', 6: 'varint' };
const TRANSFER_CONTRACT = 1n;
const TRIGGER_SMART_CONTRACT = 31n;
const TYPE_URL_PREFIX = 'type.googleapis.com/protocol.';
const INPUT_KEYS = ['raw_data_hex', 'txID', 'raw_data', 'visible', 'signature'];

function address(publicKey: Uint8Array, format?: string): string {
  checkFormat(format);
  return base58check.encode(Uint8Array.of(ADDRESS_PREFIX, ...evmAccount(publicKey)));
}

function checkFormat(format: string | undefined): void {
  check(format === undefined || format === FORMAT, 'unsupported-format', `tron has the one format "${FORMAT}", not "${String(format)}"`);
}

function prepareTransaction(input: unknown, signer: SignerKey): PreparedTransaction {
  checkFormat(signer.format);
  const owner = Uint8Array.of(ADDRESS_PREFIX, ...evmAccount(signer.publicKey));
  check(typeof input === 'object' && input !== null && !Array.isArray(input), MALFORMED, 'a Tron transaction is an object { raw_data_hex, txID? } as TronWeb builds it');
  const fields = input as Record<string, unknown>;
  const signatures = fields.signature;
  check(signatures === undefined || (Array.isArray(signatures) && signatures.length === 0), MALFORMED, 'the transaction already carries signatures: give the unsigned one');
  for (const key of Object.keys(fields)) check(INPUT_KEYS.includes(key), MALFORMED, `the transaction has an unexpected "${key}"`);
  check(typeof fields.raw_data_hex === 'string' && /^([0-9a-fA-F]{2})+$/.test(fields.raw_data_hex), MALFORMED, 'raw_data_hex must be non-empty hex (no 0x) with an even number of digits');
  check(fields.raw_data === undefined || (typeof fields.raw_data === 'object' && fields.raw_data !== null), MALFORMED, 'raw_data, when present, must be an object');
  check(fields.visible === undefined || typeof fields.visible === 'boolean', MALFORMED, 'visible, when present, must be a boolean');
  const raw = hex.decode(fields.raw_data_hex.toLowerCase());
  const txID = sha256(raw);
  if (fields.txID !== undefined) {
    check(typeof fields.txID === 'string' && fields.txID.toLowerCase() === hex.encode(txID), MALFORMED, `txID ${String(fields.txID)} is not sha256(raw_data) ${hex.encode(txID)}`);
  }
  const summary = summarize(raw, owner);
  const item: SigningItem = { scheme: 'ecdsa-secp256k1', hash: 'sha256', message: raw };
  return {
    items: [item],
    summary,
    finalize(signatures) {
      checkSignatureCount(signatures, 1);
      const signature = ecdsaSignature(signatures[0]!, ecdsaItemDigest(item), signer.publicKey);
      const rsv = concatBytes(signature.compact, Uint8Array.of(27 + signature.recovery));
      const transaction = concatBytes(protoBytesField(1, raw), protoBytesField(2, rsv));
      return { signedTransaction: hex.encode(transaction), txHash: hex.encode(txID) };
    },
  };
}

/** Parses raw_data and says what it does; throws on anything it does not sign. */
function summarize(rawBytes: Uint8Array, owner: Uint8Array): TransactionSummary {
  const raw = ProtoMessage.decode(rawBytes, 'raw_data', RAW_SCHEMA);
  check(raw.bytes(RAW.refBlockBytes).length === 2, MALFORMED, 'raw_data: ref_block_bytes must be 2 bytes');
  check(raw.bytes(RAW.refBlockHash).length === 8, MALFORMED, 'raw_data: ref_block_hash must be 8 bytes');
  const expiration = int64(raw.uint64(RAW.expiration), 'raw_data expiration');
  check(expiration > 0n, MALFORMED, 'raw_data: expiration is required');
  check(!raw.has(RAW.auths), UNSUPPORTED, 'raw_data: auths are not signed by this module');
  check(!raw.has(RAW.scripts), UNSUPPORTED, 'raw_data: scripts are not signed by this module');
  const feeLimit = int64(raw.uint64(RAW.feeLimit), 'raw_data fee_limit');
  const contracts = raw.repeated(RAW.contract);
  check(contracts.length > 0, MALFORMED, 'raw_data has no contract');
  check(contracts.length === 1, UNSUPPORTED, `raw_data has ${contracts.length} contracts; Tron transactions carry one`);

  const contract = ProtoMessage.decode(contracts[0]!, 'contract', CONTRACT_SCHEMA);
  const type = contract.uint64(1);
  check(type === TRANSFER_CONTRACT || type === TRIGGER_SMART_CONTRACT, UNSUPPORTED, `contract type ${type} is not signed by this module (TransferContract 1 and TriggerSmartContract 31 are)`);
  check(!contract.has(3) && !contract.has(4), UNSUPPORTED, 'contract provider and ContractName are not signed by this module');
  check(!contract.has(5), UNSUPPORTED, 'a Permission_id (multi-signature permission) is not signed by this module');
  const parameter = ProtoMessage.decode(contract.bytes(2), 'contract parameter', ANY_SCHEMA);
  const typeName = type === TRANSFER_CONTRACT ? 'TransferContract' : 'TriggerSmartContract';
  check(parameter.string(1) === TYPE_URL_PREFIX + typeName, MALFORMED, `contract parameter type_url "${parameter.string(1)}" does not match contract type ${typeName}`);

  const transfers: Transfer[] = [];
  const notes: string[] = [`expires at ${isoTime(expiration)}`];
  const from = base58check.encode(owner);
  let fee: string | undefined;
  if (type === TRANSFER_CONTRACT) {
    const transfer = ProtoMessage.decode(parameter.bytes(2), 'TransferContract', TRANSFER_SCHEMA);
    checkOwner(transfer.bytes(1), owner);
    const amount = int64(transfer.uint64(3), 'TransferContract amount');
    check(amount > 0n, MALFORMED, 'TransferContract amount must be positive');
    transfers.push({ to: tronAddress(transfer.bytes(2), 'TransferContract to_address'), amount: amount.toString() });
    notes.push('TRX transfer; the fee is bandwidth, or TRX burned when the account has none left (not stated in the transaction)');
  } else {
    const trigger = ProtoMessage.decode(parameter.bytes(2), 'TriggerSmartContract', TRIGGER_SCHEMA);
    checkOwner(trigger.bytes(1), owner);
    check(!trigger.has(5) && !trigger.has(6), UNSUPPORTED, 'a smart-contract call that sends TRC-10 tokens (call_token_value, token_id) is not signed by this module');
    const contractAddress = tronAddress(trigger.bytes(2), 'TriggerSmartContract contract_address');
    const callValue = int64(trigger.uint64(3), 'TriggerSmartContract call_value');
    if (callValue > 0n) transfers.push({ to: contractAddress, amount: callValue.toString() });
    const data = trigger.bytes(4);
    const token = decodeErc20Transfer(data);
    if (token) {
      transfers.push({ to: base58check.encode(Uint8Array.of(ADDRESS_PREFIX, ...token.recipient)), amount: token.amount.toString(), asset: contractAddress });
      notes.push(`TRC-20 transfer(address,uint256) on token contract ${contractAddress}`);
    } else {
      notes.push(`calls contract ${contractAddress} with ${data.length} bytes of data${data.length >= 4 ? ` (selector 0x${hex.encode(data.subarray(0, 4))})` : ''}`);
    }
  }
  if (raw.has(RAW.feeLimit)) {
    fee = feeLimit.toString();
    notes.push(`fee is the maximum: fee_limit ${feeLimit} sun for energy (bandwidth comes on top when the account has none left)`);
  }
  if (raw.has(RAW.data)) notes.push(`memo: ${memoText(raw.bytes(RAW.data))} (a memo costs an extra fee)`);
  return fee === undefined ? { chain: 'tron', from, transfers, notes } : { chain: 'tron', from, transfers, fee, notes };
}

function checkOwner(ownerAddress: Uint8Array, signer: Uint8Array): void {
  const owner = tronAddress(ownerAddress, 'owner_address');
  check(owner === base58check.encode(signer), 'foreign-input', `owner_address ${owner} is not the signer's address ${base58check.encode(signer)}`);
}

/** A 21-byte address with Tron's prefix, in base58check. */
function tronAddress(bytes: Uint8Array, what: string): string {
  check(bytes.length === 21, MALFORMED, `${what} must be 21 bytes, got ${bytes.length}`);
  check(bytes[0] === ADDRESS_PREFIX, 'wrong-chain', `${what} has prefix 0x${bytes[0]!.toString(16)}, not Tron's 0x41`);
  return base58check.encode(bytes);
}

/** protobuf int64: a varint of 2^63 or more is a negative number, which no field here may be. */
function int64(value: bigint, what: string): bigint {
  check(value <= MAX_INT64, MALFORMED, `${what} is negative`);
  return value;
}

function isoTime(milliseconds: bigint): string {
  const date = new Date(Number(milliseconds));
  return Number.isNaN(date.getTime()) ? `${milliseconds} ms` : date.toISOString();
}

/** The memo as text when it is UTF-8, else as hex. */
function memoText(bytes: Uint8Array): string {
  try {
    return JSON.stringify(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes));
  } catch {
    return `0x${hex.encode(bytes)}`;
  }
}

export const tron: ChainModule = {
  info: { id: 'tron', name: 'Tron', scheme: 'ecdsa-secp256k1', formats: [FORMAT] },
  address,
  prepareTransaction,
};
