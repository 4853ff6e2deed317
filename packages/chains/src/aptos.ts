/**
 * Aptos (`aptos` mainnet, chain id 1; `aptos-testnet`, chain id 2): Ed25519 keys. The address (format
 * `aptos`) is the key's authentication key, sha3-256(public key ‖ 0x00 Ed25519 scheme), written as
 * AIP-40's long form 0x + 64 hex. An account whose key was rotated has another address: such
 * accounts are not signed for.
 *
 * Input: `{ "rawTransaction": "0x<hex>" }`, the BCS `RawTransaction` as @aptos-labs/ts-sdk gives it
 * (`transaction.rawTransaction.bcsToHex().toString()`), lowercase or uppercase hex with the 0x prefix.
 * Every byte is parsed: sender, sequence_number, payload, max_gas_amount, gas_unit_price,
 * expiration_timestamp_secs, chain_id. The payload must be an entry function, either directly
 * (TransactionPayload::EntryFunction) or as the executable of TransactionPayload::Payload V1 without a
 * multisig address (orderless transactions, with a replay-protection nonce); scripts, multisig and
 * empty executables are refused as `unsupported-transaction`. Fee-payer and multi-agent transactions
 * sign another structure (RawTransactionWithData) and are not accepted.
 *
 * Whose transaction: the sender must be the signer's address (`foreign-input`), chain_id the
 * module's (`wrong-chain`).
 *
 * Signed: Ed25519 over sha3-256("APTOS::RawTransaction") ‖ RawTransaction, the SDK's signing message.
 * Output: `signedTransaction` is 0x-hex of BCS `SignedTransaction` (RawTransaction, then
 * TransactionAuthenticator::Ed25519 { public_key, signature }), what the REST API's
 * `POST /transactions` takes as `application/x.aptos.signed_transaction+bcs`; `txHash` is
 * sha3-256(sha3-256("APTOS::Transaction") ‖ 0x00 UserTransaction ‖ SignedTransaction) as 0x-hex, the
 * explorers' version hash.
 * Summary: APT and coin/fungible-asset transfers of the 0x1 framework decoded; any other entry
 * function in the notes; `fee` is the most it can cost, max_gas_amount × gas_unit_price (octas);
 * `chainId` is the numeric chain id.
 */
import { sha3_256 } from '@noble/hashes/sha3.js';
import { hex } from '@scure/base';
import { BcsReader, longAddress, readTypeTag } from './bcs.js';
import { check } from './errors.js';
import { ed25519SignerKey, inputFields } from './input.js';
import { checkSignatureCount, ed25519Signature } from './keys.js';
import type { ChainModule, PreparedTransaction, SignerKey, Transfer } from './types.js';

const FORMAT = 'aptos';
const ED25519_SCHEME = 0x00;
const RAW_TRANSACTION_PREFIX = sha3_256(new TextEncoder().encode('APTOS::RawTransaction'));
const TRANSACTION_PREFIX = sha3_256(new TextEncoder().encode('APTOS::Transaction'));
const USER_TRANSACTION = 0x00;
const AUTHENTICATOR_ED25519 = 0x00;

/** Aptos TypeTag variants other than vector (6) and struct (7); signed integers came with Move 2.3. */
const PRIMITIVE_TYPES: Readonly<Record<number, string>> = {
  0: 'bool', 1: 'u8', 2: 'u64', 3: 'u128', 4: 'address', 5: 'signer', 8: 'u16', 9: 'u32', 10: 'u256',
  11: 'i8', 12: 'i16', 13: 'i32', 14: 'i64', 15: 'i128', 16: 'i256',
};

/** Longer BCS arguments of an unknown call are shown by their size only. */
const SHOWN_ARG_BYTES = 64;

const APT_COIN = '0x1::aptos_coin::AptosCoin';
/** APT's fungible-asset metadata object (AIP-63): a transfer of it moves APT. */
const APT_METADATA = '0xa';

interface EntryFunction {
  /** `0x1::aptos_account::transfer` */
  readonly target: string;
  readonly typeArgs: readonly string[];
  readonly args: readonly Uint8Array[];
}

interface RawTransaction {
  readonly sender: Uint8Array;
  readonly sequenceNumber: bigint;
  readonly entryFunction: EntryFunction;
  readonly replayNonce?: bigint;
  readonly maxGasAmount: bigint;
  readonly gasUnitPrice: bigint;
  readonly expiration: bigint;
  readonly chainId: number;
}

/** AIP-40's display of an address: special addresses 0x0–0xf short, every other the long form. */
function displayAddress(address: Uint8Array): string {
  const special = address.subarray(0, 31).every((b) => b === 0) && (address[31] as number) < 16;
  return special ? `0x${(address[31] as number).toString(16)}` : longAddress(address);
}

function readEntryFunction(r: BcsReader): EntryFunction {
  const address = displayAddress(r.fixed(32, 'the module address'));
  const module = r.identifier('the module name');
  const name = r.identifier('the function name');
  const typeArgs = r.vector('the type arguments', () => readTypeTag(r, 'a type argument', PRIMITIVE_TYPES, displayAddress));
  const args = r.vector('the arguments', () => r.bytes('an argument'));
  return { target: `${address}::${module}::${name}`, typeArgs, args };
}

/** TransactionPayload: EntryFunction (2), or Payload (4) V1 with an entry-function executable and no multisig. */
function readPayload(r: BcsReader): { entryFunction: EntryFunction; replayNonce?: bigint } {
  const variant = r.variant('the payload');
  if (variant === 2) return { entryFunction: readEntryFunction(r) };
  check(variant !== 0, 'unsupported-transaction', 'script payloads are not signed by this module (their bytecode cannot be summarised)');
  check(variant !== 1, 'unsupported-transaction', 'module-bundle payloads are deprecated and not signed');
  check(variant !== 3, 'unsupported-transaction', 'multisig-account payloads are not signed by this module');
  check(variant === 4, 'malformed-transaction', `unknown payload variant ${variant}`);
  check(r.variant('the inner payload') === 0, 'unsupported-transaction', 'only TransactionPayload::Payload V1 is signed');
  const executable = r.variant('the executable');
  check(executable !== 0, 'unsupported-transaction', 'script executables are not signed by this module');
  check(executable !== 2, 'unsupported-transaction', 'empty executables (multisig votes) are not signed by this module');
  check(executable === 1, 'malformed-transaction', `unknown executable variant ${executable}`);
  const entryFunction = readEntryFunction(r);
  check(r.variant('the extra config') === 0, 'unsupported-transaction', 'only TransactionExtraConfig V1 is signed');
  const multisig = r.option('the multisig address', () => r.fixed(32, 'the multisig address'));
  check(multisig === undefined, 'unsupported-transaction', 'multisig-account payloads are not signed by this module');
  const replayNonce = r.option('the replay-protection nonce', () => r.u64('the replay-protection nonce'));
  return { entryFunction, replayNonce };
}

function parseRawTransaction(bytes: Uint8Array): RawTransaction {
  const r = new BcsReader(bytes);
  const sender = r.fixed(32, 'the sender');
  const sequenceNumber = r.u64('the sequence number');
  const { entryFunction, replayNonce } = readPayload(r);
  const maxGasAmount = r.u64('max_gas_amount');
  const gasUnitPrice = r.u64('gas_unit_price');
  const expiration = r.u64('expiration_timestamp_secs');
  const chainId = r.u8('the chain id');
  r.end('the RawTransaction');
  return { sender, sequenceNumber, entryFunction, replayNonce, maxGasAmount, gasUnitPrice, expiration, chainId };
}

/** The arguments of a known function, each checked to be exactly its BCS size. */
function fixedArgs(f: EntryFunction, sizes: readonly number[], signature: string): Uint8Array[] {
  const ok = f.args.length === sizes.length && f.args.every((a, i) => a.length === sizes[i]);
  check(ok, 'malformed-transaction', `${f.target} takes (${signature}); the arguments do not have that shape`);
  return [...f.args];
}

function u64Arg(bytes: Uint8Array): string {
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true).toString();
}

/** The transfer an entry function makes, when it is one of the framework's transfer functions. */
function transferOf(f: EntryFunction): Transfer | undefined {
  switch (f.target) {
    case '0x1::aptos_account::transfer': {
      check(f.typeArgs.length === 0, 'malformed-transaction', `${f.target} takes no type argument`);
      const [to, amount] = fixedArgs(f, [32, 8], 'address, u64') as [Uint8Array, Uint8Array];
      return { to: displayAddress(to), amount: u64Arg(amount) };
    }
    case '0x1::coin::transfer':
    case '0x1::aptos_account::transfer_coins': {
      check(f.typeArgs.length === 1, 'malformed-transaction', `${f.target} takes one type argument (the coin type)`);
      const coin = f.typeArgs[0] as string;
      const [to, amount] = fixedArgs(f, [32, 8], 'address, u64') as [Uint8Array, Uint8Array];
      return { to: displayAddress(to), amount: u64Arg(amount), ...(coin === APT_COIN ? {} : { asset: coin }) };
    }
    case '0x1::primary_fungible_store::transfer':
    case '0x1::aptos_account::transfer_fungible_assets': {
      const typeArgs = f.target === '0x1::primary_fungible_store::transfer' ? 1 : 0;
      check(f.typeArgs.length === typeArgs, 'malformed-transaction', `${f.target} takes ${typeArgs} type argument(s)`);
      const [metadata, to, amount] = fixedArgs(f, [32, 32, 8], 'Object<Metadata>, address, u64') as [Uint8Array, Uint8Array, Uint8Array];
      const asset = displayAddress(metadata);
      return { to: displayAddress(to), amount: u64Arg(amount), ...(asset === APT_METADATA ? {} : { asset }) };
    }
    default:
      return undefined;
  }
}

function describeCall(f: EntryFunction): string {
  const typeArgs = f.typeArgs.length ? `<${f.typeArgs.join(', ')}>` : '';
  const args = f.args.map((a) => (a.length <= SHOWN_ARG_BYTES ? `0x${hex.encode(a)}` : `${a.length} bytes`));
  return `calls ${f.target}${typeArgs}(${args.join(', ')}) (arguments in BCS)`;
}

function decodeInput(transaction: unknown): Uint8Array {
  const usage = 'an Aptos transaction is { "rawTransaction": "0x<hex BCS RawTransaction>" }';
  const encoded = inputFields(transaction, ['rawTransaction'], usage).rawTransaction;
  check(typeof encoded === 'string' && /^0x(?:[0-9a-fA-F]{2})+$/.test(encoded), 'malformed-transaction', usage);
  return hex.decode(encoded.slice(2).toLowerCase());
}

function signerKey(publicKey: Uint8Array, format: string | undefined): Uint8Array {
  return ed25519SignerKey('Aptos', FORMAT, publicKey, format);
}

/** The account address of a single Ed25519 key: its authentication key, sha3-256(key ‖ 0x00). */
function accountAddress(publicKey: Uint8Array): Uint8Array {
  return sha3_256(Uint8Array.of(...publicKey, ED25519_SCHEME));
}

/** BCS `vector<u8>` of a key or signature: its length (one ULEB128 byte, both are under 128) then the bytes. */
function bcsBytes(bytes: Uint8Array): Uint8Array {
  return Uint8Array.of(bytes.length, ...bytes);
}

function aptosModule(id: string, name: string, chainId: number): ChainModule {
  return {
    info: { id, name, scheme: 'eddsa-ed25519', formats: [FORMAT] },

    address(publicKey: Uint8Array, format?: string): string {
      return longAddress(accountAddress(signerKey(publicKey, format)));
    },

    prepareTransaction(transaction: unknown, signer: SignerKey): PreparedTransaction {
      const ownKey = signerKey(signer.publicKey, signer.format);
      const own = longAddress(accountAddress(ownKey));
      const rawBytes = decodeInput(transaction);
      const tx = parseRawTransaction(rawBytes);

      check(longAddress(tx.sender) === own, 'foreign-input', `the sender is ${longAddress(tx.sender)}, not the signer's address ${own}`);
      check(tx.chainId === chainId, 'wrong-chain', `the transaction is for chain id ${tx.chainId}, not ${name} (${chainId})`);

      const transfer = transferOf(tx.entryFunction);
      const notes: string[] = [];
      if (!transfer) notes.push(describeCall(tx.entryFunction));
      notes.push(
        tx.replayNonce === undefined ? `sequence number ${tx.sequenceNumber}` : `orderless, replay-protection nonce ${tx.replayNonce}`,
        `gas: at most ${tx.maxGasAmount} units at ${tx.gasUnitPrice} octas`,
        `expires ${expiryText(tx.expiration)}`,
      );

      const signingMessage = new Uint8Array([...RAW_TRANSACTION_PREFIX, ...rawBytes]);
      return {
        items: [{ scheme: 'eddsa-ed25519', message: signingMessage }],
        summary: {
          chain: id,
          from: own,
          transfers: transfer ? [transfer] : [],
          fee: (tx.maxGasAmount * tx.gasUnitPrice).toString(),
          chainId: String(tx.chainId),
          notes,
        },
        finalize(signatures) {
          checkSignatureCount(signatures, 1);
          const signature = ed25519Signature(signatures[0] as Uint8Array, signingMessage, ownKey);
          const signed = new Uint8Array([...rawBytes, AUTHENTICATOR_ED25519, ...bcsBytes(ownKey), ...bcsBytes(signature)]);
          const txHash = sha3_256(new Uint8Array([...TRANSACTION_PREFIX, USER_TRANSACTION, ...signed]));
          return { signedTransaction: `0x${hex.encode(signed)}`, txHash: `0x${hex.encode(txHash)}` };
        },
      };
    },
  };
}

/** expiration_timestamp_secs as an ISO date, or the number when it is beyond what a Date holds. */
function expiryText(seconds: bigint): string {
  const ms = Number(seconds) * 1000;
  return Number.isSafeInteger(ms) && ms <= 8.64e15 ? `${new Date(ms).toISOString()} (${seconds})` : `at ${seconds} seconds`;
}

export const aptos = aptosModule('aptos', 'Aptos', 1);
export const aptosTestnet = aptosModule('aptos-testnet', 'Aptos testnet', 2);
