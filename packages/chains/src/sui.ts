/**
 * Sui (`sui`): Ed25519 keys. The address (format `sui`) is blake2b-256(0x00 Ed25519 flag ‖ public key)
 * as 0x + 64 hex.
 *
 * Input: `{ "transactionData": "<base64>" }`, the BCS `TransactionData` as @mysten/sui builds it
 * (`toBase64(await tx.build())` with sender, gas payment, price and budget set), standard base64
 * with padding. Every byte is parsed: TransactionData V1 { kind, sender, gas_data, expiration }; the
 * kind must be a ProgrammableTransaction, whose inputs (Pure, ImmOrOwnedObject, SharedObject,
 * Receiving) and commands (MoveCall with its TypeTags, TransferObjects, SplitCoins, MergeCoins,
 * Publish, MakeMoveVec, Upgrade) are all read, each argument checked to name an existing input or an
 * earlier command. System transaction kinds, funds-withdrawal inputs and ValidDuring expirations are
 * refused as `unsupported-transaction`; trailing bytes as `malformed-transaction`.
 *
 * Whose transaction: the sender and the gas owner must both be the signer's address
 * (`foreign-input`; a sponsored transaction needs the sponsor's signature too, which this module does
 * not make). TransactionData names no network (its object references tie it to one), so there is no
 * `wrong-chain` check; the same address exists on every Sui network.
 *
 * Signed: Ed25519 over blake2b-256(intent [0, 0, 0] ‖ TransactionData), as Sui verifies.
 * Output: `signedTransaction` is the JSON text `{"transactionBytes":"<base64>","signatures":["<base64>"]}`,
 * the two parameters of `sui_executeTransactionBlock` (the signature serialized as Sui does: flag
 * 0x00 ‖ signature ‖ public key); `txHash` is the transaction digest,
 * base58(blake2b-256("TransactionData::" ‖ TransactionData)), as the explorers show it.
 * Summary: SUI split from the gas coin and transferred to a literal address is a transfer (MIST);
 * everything else (Move calls, other object transfers, publishes) is in the notes; `fee` is the gas
 * budget, the most the transaction can cost.
 */
import { blake2b } from '@noble/hashes/blake2.js';
import { base58, base64, hex } from '@scure/base';
import { BcsReader, longAddress, readTypeTag } from './bcs.js';
import { ChainInputError, check } from './errors.js';
import { base64Bytes, ed25519SignerKey, inputFields } from './input.js';
import { checkSignatureCount, ed25519Signature } from './keys.js';
import type { ChainModule, PreparedTransaction, SignerKey, Transfer } from './types.js';

const FORMAT = 'sui';
const ED25519_FLAG = 0x00;
/** IntentScope TransactionData, IntentVersion V0, AppId Sui. */
const TRANSACTION_INTENT = [0, 0, 0];
const DIGEST_PREFIX = new TextEncoder().encode('TransactionData::');

/** Sui TypeTag variants other than vector (6) and struct (7). */
const PRIMITIVE_TYPES: Readonly<Record<number, string>> = { 0: 'bool', 1: 'u8', 2: 'u64', 3: 'u128', 4: 'address', 5: 'signer', 8: 'u16', 9: 'u32', 10: 'u256' };

interface ObjectRef {
  readonly id: string;
  readonly version: bigint;
}

type CallArg =
  | { readonly kind: 'pure'; readonly bytes: Uint8Array }
  | { readonly kind: 'owned' | 'receiving'; readonly ref: ObjectRef }
  | { readonly kind: 'shared'; readonly id: string; readonly mutable: boolean };

type Argument =
  | { readonly kind: 'gas' }
  | { readonly kind: 'input'; readonly index: number }
  | { readonly kind: 'result'; readonly command: number }
  | { readonly kind: 'nested'; readonly command: number; readonly result: number };

type Command =
  | { readonly kind: 'MoveCall'; readonly target: string; readonly typeArgs: readonly string[]; readonly args: readonly Argument[] }
  | { readonly kind: 'TransferObjects'; readonly objects: readonly Argument[]; readonly recipient: Argument }
  | { readonly kind: 'SplitCoins'; readonly coin: Argument; readonly amounts: readonly Argument[] }
  | { readonly kind: 'MergeCoins'; readonly destination: Argument; readonly sources: readonly Argument[] }
  | { readonly kind: 'Publish'; readonly modules: number; readonly dependencies: number }
  | { readonly kind: 'MakeMoveVec'; readonly type?: string; readonly elements: readonly Argument[] }
  | { readonly kind: 'Upgrade'; readonly modules: number; readonly packageId: string };

interface TransactionData {
  readonly inputs: readonly CallArg[];
  readonly commands: readonly Command[];
  readonly sender: string;
  readonly gasPayment: readonly ObjectRef[];
  readonly gasOwner: string;
  readonly gasPrice: bigint;
  readonly gasBudget: bigint;
  readonly expirationEpoch?: bigint;
}

const address = (r: BcsReader, what: string) => longAddress(r.fixed(32, what));

function readObjectRef(r: BcsReader, what: string): ObjectRef {
  const id = address(r, `the id of ${what}`);
  const version = r.u64(`the version of ${what}`);
  check(r.uleb128(`the digest length of ${what}`) === 32, 'malformed-transaction', `the digest of ${what} is not 32 bytes`);
  r.fixed(32, `the digest of ${what}`);
  return { id, version };
}

function readCallArg(r: BcsReader): CallArg {
  const variant = r.variant('an input');
  if (variant === 0) return { kind: 'pure', bytes: r.bytes('a pure input') };
  check(variant !== 2, 'unsupported-transaction', 'funds-withdrawal inputs are not signed by this module');
  check(variant === 1, 'malformed-transaction', `unknown input variant ${variant}`);
  const objectVariant = r.variant('an object input');
  if (objectVariant === 0) return { kind: 'owned', ref: readObjectRef(r, 'an owned object input') };
  if (objectVariant === 1) {
    const id = address(r, 'a shared object id');
    r.u64('the initial shared version of a shared object');
    return { kind: 'shared', id, mutable: r.bool('the mutability of a shared object') };
  }
  check(objectVariant === 2, 'malformed-transaction', `unknown object input variant ${objectVariant}`);
  return { kind: 'receiving', ref: readObjectRef(r, 'a receiving object input') };
}

/** Reads an Argument of command `command`, which may name an input or an earlier command only. */
function readArgument(r: BcsReader, inputs: number, command: number): Argument {
  const variant = r.variant('an argument');
  switch (variant) {
    case 0:
      return { kind: 'gas' };
    case 1: {
      const index = r.u16('an input index');
      check(index < inputs, 'malformed-transaction', `command ${command} uses input ${index} of ${inputs}`);
      return { kind: 'input', index };
    }
    case 2:
    case 3: {
      const earlier = r.u16('a result index');
      check(earlier < command, 'malformed-transaction', `command ${command} uses the result of command ${earlier}, which does not come before it`);
      return variant === 2 ? { kind: 'result', command: earlier } : { kind: 'nested', command: earlier, result: r.u16('a nested result index') };
    }
    default:
      throw new ChainInputError('malformed-transaction', `unknown argument variant ${variant}`);
  }
}

function readCommand(r: BcsReader, inputs: number, index: number): Command {
  const args = (what: string) => r.vector(what, () => readArgument(r, inputs, index));
  const arg = () => readArgument(r, inputs, index);
  const variant = r.variant('a command');
  switch (variant) {
    case 0: {
      const target = `${address(r, 'the package of a Move call')}::${r.identifier('the module of a Move call')}::${r.identifier('the function of a Move call')}`;
      const typeArgs = r.vector('the type arguments', () => readTypeTag(r, 'a type argument', PRIMITIVE_TYPES, longAddress));
      return { kind: 'MoveCall', target, typeArgs, args: args('the arguments of a Move call') };
    }
    case 1:
      return { kind: 'TransferObjects', objects: args('the transferred objects'), recipient: arg() };
    case 2:
      return { kind: 'SplitCoins', coin: arg(), amounts: args('the split amounts') };
    case 3:
      return { kind: 'MergeCoins', destination: arg(), sources: args('the merged coins') };
    case 4: {
      const modules = r.vector('the published modules', () => r.bytes('a module')).length;
      return { kind: 'Publish', modules, dependencies: r.vector('the dependencies', () => address(r, 'a dependency')).length };
    }
    case 5: {
      const type = r.option('the vector type', () => readTypeTag(r, 'the vector type', PRIMITIVE_TYPES, longAddress));
      return { kind: 'MakeMoveVec', type, elements: args('the vector elements') };
    }
    case 6: {
      const modules = r.vector('the upgraded modules', () => r.bytes('a module')).length;
      r.vector('the dependencies', () => address(r, 'a dependency'));
      const packageId = address(r, 'the upgraded package');
      arg();
      return { kind: 'Upgrade', modules, packageId };
    }
    default:
      throw new ChainInputError('malformed-transaction', `unknown command variant ${variant}`);
  }
}

function parseTransactionData(bytes: Uint8Array): TransactionData {
  const r = new BcsReader(bytes);
  const version = r.variant('TransactionData');
  check(version === 0, 'unsupported-transaction', `TransactionData version ${version + 1} is not signed by this module (only V1)`);
  const kind = r.variant('the transaction kind');
  check(kind === 0, 'unsupported-transaction', `transaction kind ${kind} is a system transaction, not a programmable transaction`);
  const inputs = r.vector('the inputs', () => readCallArg(r));
  const commands = r.vector('the commands', (i) => readCommand(r, inputs.length, i));
  const sender = address(r, 'the sender');
  const gasPayment = r.vector('the gas payment', () => readObjectRef(r, 'a gas payment object'));
  const gasOwner = address(r, 'the gas owner');
  const gasPrice = r.u64('the gas price');
  const gasBudget = r.u64('the gas budget');
  const expiration = r.variant('the expiration');
  check(expiration !== 2, 'unsupported-transaction', 'ValidDuring expirations are not signed by this module');
  check(expiration === 0 || expiration === 1, 'malformed-transaction', `unknown expiration variant ${expiration}`);
  const expirationEpoch = expiration === 1 ? r.u64('the expiration epoch') : undefined;
  r.end('the TransactionData');
  return { inputs, commands, sender, gasPayment, gasOwner, gasPrice, gasBudget, expirationEpoch };
}

/** The transaction's commands in words: SUI transfers, and notes for the rest, in command order. */
function describe(tx: TransactionData): { transfers: Transfer[]; notes: string[] } {
  const pure = (a: Argument): Uint8Array | undefined => {
    const input = a.kind === 'input' ? tx.inputs[a.index] : undefined;
    return input?.kind === 'pure' ? input.bytes : undefined;
  };
  const u64 = (a: Argument): bigint | undefined => {
    const b = pure(a);
    return b?.length === 8 ? new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true) : undefined;
  };
  const recipientOf = (a: Argument): string | undefined => {
    const b = pure(a);
    return b?.length === 32 ? longAddress(b) : undefined;
  };
  /** The SUI amount of a coin split off the gas coin by an earlier SplitCoins with a literal u64, and which split result it is. */
  const gasSplit = (a: Argument): { key: string; amount: bigint } | undefined => {
    if (a.kind !== 'nested' && a.kind !== 'result') return undefined;
    const command = tx.commands[a.command];
    if (command?.kind !== 'SplitCoins' || command.coin.kind !== 'gas') return undefined;
    const result = a.kind === 'nested' ? a.result : command.amounts.length === 1 ? 0 : undefined;
    const amountArg = result === undefined ? undefined : command.amounts[result];
    const amount = amountArg && u64(amountArg);
    return amount === undefined ? undefined : { key: `${a.command}:${result}`, amount };
  };
  const describeArg = (a: Argument): string => {
    if (a.kind === 'gas') return 'the gas coin';
    if (a.kind === 'result') return `the result of command ${a.command}`;
    if (a.kind === 'nested') return `result ${a.result} of command ${a.command}`;
    const input = tx.inputs[a.index] as CallArg;
    if (input.kind === 'pure') return `pure 0x${hex.encode(input.bytes)}`;
    if (input.kind === 'shared') return `shared object ${input.id}${input.mutable ? ' (mutable)' : ''}`;
    return `${input.kind === 'owned' ? 'object' : 'receiving object'} ${input.ref.id} v${input.ref.version}`;
  };
  const list = (args: readonly Argument[]) => args.map(describeArg).join(', ');

  // Split results that a TransferObjects sends to a literal address are shown as transfers; a split
  // all of whose coins are shown so needs no note of its own.
  const transferred = new Set<string>();
  for (const c of tx.commands) {
    if (c.kind !== 'TransferObjects' || recipientOf(c.recipient) === undefined) continue;
    for (const object of c.objects) {
      const split = gasSplit(object);
      if (split) transferred.add(split.key);
    }
  }

  const transfers: Transfer[] = [];
  const notes: string[] = [];
  tx.commands.forEach((c, i) => {
    switch (c.kind) {
      case 'TransferObjects': {
        const recipient = recipientOf(c.recipient);
        for (const object of c.objects) {
          const split = recipient === undefined ? undefined : gasSplit(object);
          if (recipient !== undefined && split) transfers.push({ to: recipient, amount: split.amount.toString() });
          else notes.push(`command ${i} TRANSFERS ${describeArg(object)}${object.kind === 'gas' ? ' (all the SUI of the gas payment left after the fee)' : ''} to ${recipient ?? describeArg(c.recipient)}`);
        }
        break;
      }
      case 'MoveCall':
        notes.push(`command ${i} calls ${c.target}${c.typeArgs.length ? `<${c.typeArgs.join(', ')}>` : ''}(${list(c.args)})`);
        break;
      case 'SplitCoins':
        if (!c.amounts.every((_, j) => transferred.has(`${i}:${j}`))) {
          notes.push(`command ${i} splits (${c.amounts.map((a) => u64(a)?.toString() ?? describeArg(a)).join(', ')}) from ${describeArg(c.coin)}`);
        }
        break;
      case 'MergeCoins':
        notes.push(`command ${i} merges ${list(c.sources)} into ${describeArg(c.destination)}`);
        break;
      case 'Publish':
        notes.push(`command ${i} PUBLISHES a Move package of ${c.modules} module(s)`);
        break;
      case 'Upgrade':
        notes.push(`command ${i} UPGRADES package ${c.packageId} with ${c.modules} module(s)`);
        break;
      case 'MakeMoveVec':
        notes.push(`command ${i} makes a vector${c.type ? `<${c.type}>` : ''} of (${list(c.elements)})`);
        break;
    }
  });

  notes.push(`gas: budget ${tx.gasBudget} MIST at ${tx.gasPrice} MIST per unit, paid from ${tx.gasPayment.map((o) => `${o.id} v${o.version}`).join(', ') || 'no coin object'}`);
  if (tx.expirationEpoch !== undefined) notes.push(`expires after epoch ${tx.expirationEpoch}`);
  return { transfers, notes };
}

function decodeInput(transaction: unknown): Uint8Array {
  const usage = 'a Sui transaction is { "transactionData": "<base64 BCS TransactionData>" }';
  return base64Bytes(inputFields(transaction, ['transactionData'], usage).transactionData, 'transactionData', usage);
}

function signerKey(publicKey: Uint8Array, format: string | undefined): Uint8Array {
  return ed25519SignerKey('Sui', FORMAT, publicKey, format);
}

function suiAddress(publicKey: Uint8Array): string {
  return longAddress(blake2b(Uint8Array.of(ED25519_FLAG, ...publicKey), { dkLen: 32 }));
}

export const sui: ChainModule = {
  info: { id: 'sui', name: 'Sui', scheme: 'eddsa-ed25519', formats: [FORMAT] },

  address(publicKey: Uint8Array, format?: string): string {
    return suiAddress(signerKey(publicKey, format));
  },

  prepareTransaction(transaction: unknown, signer: SignerKey): PreparedTransaction {
    const ownKey = signerKey(signer.publicKey, signer.format);
    const own = suiAddress(ownKey);
    const txBytes = decodeInput(transaction);
    const tx = parseTransactionData(txBytes);

    check(tx.sender === own, 'foreign-input', `the sender is ${tx.sender}, not the signer's address ${own}`);
    check(tx.gasOwner === own, 'foreign-input', `the gas is paid by ${tx.gasOwner}, not the signer's address ${own} (sponsored transactions are not signed)`);

    const digestToSign = blake2b(new Uint8Array([...TRANSACTION_INTENT, ...txBytes]), { dkLen: 32 });
    const { transfers, notes } = describe(tx);
    return {
      items: [{ scheme: 'eddsa-ed25519', message: digestToSign }],
      summary: { chain: 'sui', from: own, transfers, fee: tx.gasBudget.toString(), notes },
      finalize(signatures) {
        checkSignatureCount(signatures, 1);
        const signature = ed25519Signature(signatures[0] as Uint8Array, digestToSign, ownKey);
        const serialized = new Uint8Array([ED25519_FLAG, ...signature, ...ownKey]);
        return {
          signedTransaction: JSON.stringify({ transactionBytes: base64.encode(txBytes), signatures: [base64.encode(serialized)] }),
          txHash: base58.encode(blake2b(new Uint8Array([...DIGEST_PREFIX, ...txBytes]), { dkLen: 32 })),
        };
      },
    };
  },
};
