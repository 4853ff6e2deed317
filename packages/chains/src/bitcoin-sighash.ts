/**
 * What Bitcoin-family signatures commit to, for SIGHASH_ALL (and BIP341's SIGHASH_DEFAULT) only:
 * the legacy and BIP143 sighash *preimages* (ECDSA items carry the preimage; the signer applies
 * sha256d itself), the BIP341 sighash (via @scure/btc-signer), and the network serialization and
 * txid of the finished transaction. Txids are kept in display order, as @scure/btc-signer keeps
 * them; the wire and the preimages use the reverse (internal) order.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { RawTx, Transaction } from '@scure/btc-signer';
import { RawOutput, VarBytes } from '@scure/btc-signer/script.js';

export const SIGHASH_DEFAULT = 0;
export const SIGHASH_ALL = 1;

export interface TxInput {
  /** The previous transaction's id, 32 bytes in display order. */
  readonly txid: Uint8Array;
  readonly index: number;
  readonly sequence: number;
}

export interface TxOutput {
  readonly amount: bigint;
  readonly script: Uint8Array;
}

export interface UnsignedTransaction {
  readonly version: number;
  readonly lockTime: number;
  readonly inputs: readonly TxInput[];
  readonly outputs: readonly TxOutput[];
}

/** How one input is satisfied: its scriptSig (legacy) and its witness stack (segwit, taproot). */
export interface InputSatisfaction {
  readonly scriptSig: Uint8Array;
  readonly witness: readonly Uint8Array[];
}

export function sha256d(data: Uint8Array): Uint8Array {
  return sha256(sha256(data));
}

function int32le(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setInt32(0, n, true);
  return out;
}

function uint32le(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, true);
  return out;
}

function uint64le(n: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, n, true);
  return out;
}

/** txid (internal byte order) ‖ output index, as the wire and the sighashes carry an outpoint. */
function outpoint(input: TxInput): Uint8Array {
  return concatBytes(input.txid.slice().reverse(), uint32le(input.index));
}

function inputAt(tx: UnsignedTransaction, index: number): TxInput {
  const input = tx.inputs[index];
  if (!input) throw new RangeError(`no input ${index}`);
  return input;
}

/**
 * The BIP143 preimage of input `index` for SIGHASH_ALL: version, hashPrevouts, hashSequence, the
 * outpoint, scriptCode, the spent amount, nSequence, hashOutputs, nLockTime, the sighash type.
 */
export function bip143Preimage(tx: UnsignedTransaction, index: number, scriptCode: Uint8Array, amount: bigint): Uint8Array {
  const input = inputAt(tx, index);
  return concatBytes(
    int32le(tx.version),
    sha256d(concatBytes(...tx.inputs.map(outpoint))),
    sha256d(concatBytes(...tx.inputs.map((i) => uint32le(i.sequence)))),
    outpoint(input),
    VarBytes.encode(scriptCode),
    uint64le(amount),
    uint32le(input.sequence),
    sha256d(concatBytes(...tx.outputs.map((o) => RawOutput.encode(o)))),
    uint32le(tx.lockTime),
    uint32le(SIGHASH_ALL),
  );
}

/**
 * The legacy (pre-segwit) preimage of input `index` for SIGHASH_ALL: the transaction with that
 * input's scriptSig replaced by `scriptCode` and every other scriptSig empty, then the sighash
 * type as 4 bytes. (`scriptCode` has no OP_CODESEPARATOR: it is the signer's P2PKH script.)
 */
export function legacyPreimage(tx: UnsignedTransaction, index: number, scriptCode: Uint8Array): Uint8Array {
  inputAt(tx, index);
  const scriptSigs = tx.inputs.map((_, i) => (i === index ? scriptCode : new Uint8Array(0)));
  return concatBytes(encodeTransaction(tx, scriptSigs.map((scriptSig) => ({ scriptSig, witness: [] }))), uint32le(SIGHASH_ALL));
}

/**
 * The BIP341 key-path sighashes of a transaction's inputs (SIGHASH_DEFAULT or ALL), computed by
 * @scure/btc-signer; `prevouts` are the outputs the inputs spend, in order.
 */
export function bip341Sighasher(tx: UnsignedTransaction, prevouts: readonly TxOutput[]): (index: number, hashType: typeof SIGHASH_DEFAULT | typeof SIGHASH_ALL) => Uint8Array {
  if (prevouts.length !== tx.inputs.length) throw new RangeError('one previous output per input');
  const t = new Transaction({ version: tx.version, lockTime: tx.lockTime, allowUnknownVersion: true, allowUnknownOutputs: true, disableScriptCheck: true });
  for (const input of tx.inputs) t.addInput({ txid: input.txid, index: input.index, sequence: input.sequence });
  for (const output of tx.outputs) t.addOutput({ script: output.script, amount: output.amount });
  const scripts = prevouts.map((p) => p.script);
  const amounts = prevouts.map((p) => p.amount);
  return (index, hashType) => {
    inputAt(tx, index);
    return t.preimageWitnessV1(index, scripts, hashType, amounts);
  };
}

/**
 * The network serialization: with the BIP144 marker and witnesses when `satisfactions` carry any
 * witness, the legacy form otherwise (and always without witnesses when `satisfactions` is absent).
 */
export function encodeTransaction(tx: UnsignedTransaction, satisfactions?: readonly InputSatisfaction[]): Uint8Array {
  const segwit = satisfactions?.some((s) => s.witness.length > 0) ?? false;
  return RawTx.encode({
    version: tx.version,
    lockTime: tx.lockTime,
    segwitFlag: segwit,
    inputs: tx.inputs.map((input, i) => ({ ...input, finalScriptSig: satisfactions?.[i]?.scriptSig ?? new Uint8Array(0) })),
    outputs: tx.outputs.map((o) => ({ amount: o.amount, script: o.script })),
    witnesses: segwit ? (satisfactions ?? []).map((s) => [...s.witness]) : undefined,
  });
}

/** The txid (display-order bytes): sha256d of the serialization without witnesses, reversed. */
export function transactionId(tx: UnsignedTransaction, satisfactions?: readonly InputSatisfaction[]): Uint8Array {
  const legacy = satisfactions?.map((s) => ({ scriptSig: s.scriptSig, witness: [] }));
  return sha256d(encodeTransaction(tx, legacy)).reverse();
}
