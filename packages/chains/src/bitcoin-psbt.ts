/**
 * Bitcoin-family transactions: a PSBT in, the sighashes to sign out, the signed transaction back.
 *
 * Input: a string, the base64 (standard alphabet, padded) of a version 0 PSBT (BIP174), as
 * Bitcoin Core (`walletcreatefundedpsbt`), bitcoinjs-lib (`toBase64()`) and @scure/btc-signer
 * (`toPSBT()`) produce it. Version 2 PSBTs (BIP370) are refused as `unsupported-transaction`.
 *
 * Every input must spend the signer's own output in the chosen format, and say so verifiably:
 * - the spent output comes from `nonWitnessUtxo` (the previous transaction, whose txid must be the
 *   input's) or else from `witnessUtxo`; if both are given they must agree;
 * - `p2pkh` inputs need `nonWitnessUtxo` (a legacy signature does not commit to the amount);
 * - `p2wpkh` inputs need it too when there are several inputs: BIP143 commits each signature to its
 *   own input's amount only, so lied-about amounts across two signing requests could combine into a
 *   valid transaction paying an unapproved fee (CVE-2020-14199). BIP341 commits to every amount, so
 *   `p2tr` inputs need only `witnessUtxo`;
 * - its script must be the signer's (`foreign-input` otherwise); taproot metadata, when given, must
 *   commit to that script (`tapInternalKey` tweaks to its output key: `malformed-transaction`);
 * - its sighash type must be ALL (or, for `p2tr`, DEFAULT); NONE, SINGLE and ANYONECANPAY are refused;
 * - it must carry no signature or final script (`unsupported-transaction`; `foreign-input` for a
 *   signature by another key), nor any field a single-key spend does not use (tapscript leaves or
 *   merkle root, MuSig2, silent payments, hash preimages, …: `unsupported-transaction`; a redeem or
 *   witness script contradicts the spent script: `malformed-transaction`).
 * Unknown and proprietary PSBT fields are dropped (they do not enter the transaction). A transaction
 * that would weigh over the standard 400,000 units once signed is refused (nothing relays it).
 *
 * Which network: a PSBT names none. Scripts and amounts are the same bytes on every chain of the
 * family, and the spent outpoints tie the transaction to one chain (signatures commit to them, so
 * it cannot be replayed elsewhere) without being checkable offline. What can betray the network is
 * BIP32 metadata: an extended key version (tpub/upub/vpub… vs xpub/ypub/zpub…) or a BIP44/49/84/86
 * path with coin type 1' (every test network) or 0' (Bitcoin). A test-network marker given to a
 * main chain, or a Bitcoin-mainnet marker given to `bitcoin-testnet`, is refused as `wrong-chain`.
 * Without such metadata another network's PSBT is not detectable (its outputs are shown as this
 * chain's addresses).
 *
 * Outputs must pay to an address of the chain (P2PKH, P2SH, and where the chain has segwit P2WPKH,
 * P2WSH, P2TR, P2A) or be OP_RETURN; other scripts are refused as `unsupported-transaction`.
 *
 * Items, one per input in order: `p2wpkh` an ECDSA item whose message is the BIP143 preimage,
 * `p2pkh` the legacy preimage (both hashed by the signer with sha256d); `p2tr` a BIP340 item whose
 * message is the BIP341 sighash, with `taprootMerkleRoot` empty (BIP86: the cluster signs with the
 * tweaked key). Output: `signedTransaction` is the network serialization in hex (with witnesses
 * when there are any), `txHash` the txid in display order (what explorers show).
 *
 * Summary: `from` is the signer's address; `transfers` the outputs to other scripts, in the chain's
 * smallest unit; outputs back to the signer's own address are change, left out of `transfers` and
 * said in `notes`, as are OP_RETURN outputs and a non-zero lock time (and whether it is enforced);
 * `fee` is the sum of the spent amounts minus the sum of the outputs.
 */
import { equalBytes } from '@noble/curves/utils.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { base64, hex } from '@scure/base';
import { Address, OutScript, Script, Transaction } from '@scure/btc-signer';
import { RawPSBTV0, RawPSBTV2 } from '@scure/btc-signer/psbt.js';
import type { TransactionInput, TransactionOutput } from '@scure/btc-signer/psbt.js';
import { ChainInputError, check } from './errors.js';
import { checkSignatureCount, ecdsaItemDigest, ecdsaSignature, schnorrSignature } from './keys.js';
import type { BitcoinChain, SignerOutput } from './bitcoin-networks.js';
import {
  SIGHASH_ALL,
  SIGHASH_DEFAULT,
  bip143Preimage,
  bip341Sighasher,
  encodeTransaction,
  legacyPreimage,
  transactionId,
  type InputSatisfaction,
  type TxInput,
  type TxOutput,
  type UnsignedTransaction,
} from './bitcoin-sighash.js';
import type { PreparedTransaction, SigningItem, Transfer } from './types.js';

type RawPsbt = ReturnType<typeof RawPSBTV0.decode>;
/** A decoded output script, as Address().encode takes it. */
type AddressDescriptor = Parameters<ReturnType<typeof Address>['encode']>[0];

/** Input fields read here; any other field present makes the input refused. */
const INPUT_FIELDS_READ: ReadonlySet<string> = new Set([
  'txid',
  'index',
  'sequence',
  'nonWitnessUtxo',
  'witnessUtxo',
  'sighashType',
  'bip32Derivation',
  'tapBip32Derivation',
  'tapInternalKey',
]);
const SIGNATURE_FIELDS: ReadonlySet<string> = new Set(['partialSig', 'tapKeySig', 'tapScriptSig', 'finalScriptSig', 'finalScriptWitness']);

const OP_RETURN = 0x6a;
const FINAL_SEQUENCE = 0xffffffff;
const MAX_STANDARD_WEIGHT = 400_000;
/**
 * The most weight signing adds to an input: a scriptSig push of a DER signature with its sighash
 * byte (≤ 72) and the key (33), at 4 units a byte; a witness of count, signature and key; a witness
 * of count and a BIP340 signature with its optional sighash byte.
 */
const SIGNATURE_WEIGHT = { p2pkh: 4 * (1 + 72 + 1 + 33), p2wpkh: 1 + 1 + 72 + 1 + 33, p2tr: 1 + 1 + 65 } as const;
const SEGWIT_MARKER_WEIGHT = 2;
const ADDRESS_TYPES: ReadonlySet<string> = new Set(['pkh', 'sh', 'wpkh', 'wsh', 'tr', 'p2a']);
const WITNESS_TYPES: ReadonlySet<string> = new Set(['wpkh', 'wsh', 'tr', 'p2a']);

const HARDENED = 0x80000000;
const STANDARD_PURPOSES: ReadonlySet<number> = new Set([44, 49, 84, 86].map((p) => HARDENED + p));
/** SLIP-132 extended public key versions of the test networks (tpub, upub, vpub, Upub, Vpub). */
const TEST_XPUB_VERSIONS: ReadonlySet<number> = new Set([0x043587cf, 0x044a5262, 0x045f1cf6, 0x024289ef, 0x02575483]);
/** … and of Bitcoin mainnet (xpub, ypub, zpub, Ypub, Zpub). */
const MAIN_XPUB_VERSIONS: ReadonlySet<number> = new Set([0x0488b21e, 0x049d7cb2, 0x04b24746, 0x0295b43f, 0x02aa7ed3]);

type Network = 'a test network' | 'Bitcoin mainnet';

/** One input, checked: what it spends and how it is signed and satisfied. */
interface PreparedInput {
  readonly outpoint: TxInput;
  readonly spent: TxOutput;
  readonly hashType: typeof SIGHASH_DEFAULT | typeof SIGHASH_ALL;
}

export function preparePsbt(chain: BitcoinChain, own: SignerOutput, transaction: unknown): PreparedTransaction {
  const { raw, tx } = decodePsbt(transaction);
  checkNetworkMarkers(chain, raw, tx);
  check(chain.txVersions.includes(tx.version), 'unsupported-transaction', `transaction version ${tx.version} is not signed on ${chain.name} (versions: ${chain.txVersions.join(', ')})`);
  check(tx.inputsLength > 0 && tx.outputsLength > 0, 'malformed-transaction', 'the transaction needs at least one input and one output');

  const outpoints = new Set<string>();
  const inputs = Array.from({ length: tx.inputsLength }, (_, i): PreparedInput => {
    const input = prepareInput(chain, own, i, tx.getInput(i), tx.inputsLength);
    const outpoint = `${hex.encode(input.outpoint.txid)}:${input.outpoint.index}`;
    check(!outpoints.has(outpoint), 'malformed-transaction', `input ${i} spends ${outpoint} a second time`);
    outpoints.add(outpoint);
    return input;
  });
  const unsigned: UnsignedTransaction = {
    version: tx.version,
    lockTime: tx.lockTime,
    inputs: inputs.map((input) => input.outpoint),
    outputs: Array.from({ length: tx.outputsLength }, (_, i) => {
      const { amount, script } = tx.getOutput(i);
      check(amount !== undefined && script !== undefined, 'malformed-transaction', `output ${i} has no amount or script`);
      return { amount, script };
    }),
  };
  // Standardness caps a transaction at 400,000 weight units (Dogecoin: 100,000 bytes, the same for
  // it); beyond that nothing relays it, and the legacy preimages (one transaction-sized preimage per
  // input) would grow quadratically. Counted with the largest signatures the inputs will carry.
  const signedWeight = 4 * encodeTransaction(unsigned).length + (own.format === 'p2pkh' ? 0 : SEGWIT_MARKER_WEIGHT) + inputs.length * SIGNATURE_WEIGHT[own.format];
  check(signedWeight <= MAX_STANDARD_WEIGHT, 'unsupported-transaction', `the signed transaction would weigh up to ${signedWeight} units, over the standard ${MAX_STANDARD_WEIGHT}`);
  const signing = signInputs(own, unsigned, inputs);
  const items = signing.map((s) => s.item);

  const totalIn = inputs.reduce((sum, input) => sum + input.spent.amount, 0n);
  const totalOut = unsigned.outputs.reduce((sum, o) => sum + o.amount, 0n);
  check(totalOut <= totalIn, 'malformed-transaction', `the outputs (${totalOut}) spend more than the inputs (${totalIn})`);
  const { transfers, notes } = describeOutputs(chain, own, unsigned);
  if (unsigned.lockTime !== 0) {
    const lockTime = `lock time ${unsigned.lockTime} (${unsigned.lockTime < 500_000_000 ? 'block height' : 'unix time'})`;
    // Consensus ignores nLockTime when every input's nSequence is final.
    const enforced = unsigned.inputs.some((input) => input.sequence !== FINAL_SEQUENCE);
    notes.push(enforced ? `${lockTime}: not valid in a block before it` : `${lockTime}, not enforced: every input's sequence is final`);
  }

  return {
    items,
    summary: { chain: chain.id, from: own.address, transfers, fee: (totalIn - totalOut).toString(), notes },
    finalize(signatures) {
      checkSignatureCount(signatures, items.length);
      const satisfactions = signing.map((s, i) => s.satisfy(signatures[i] ?? new Uint8Array(0)));
      return {
        signedTransaction: hex.encode(encodeTransaction(unsigned, satisfactions)),
        txHash: hex.encode(transactionId(unsigned, satisfactions)),
      };
    },
  };
}

function decodePsbt(transaction: unknown): { raw: RawPsbt; tx: Transaction } {
  check(typeof transaction === 'string', 'malformed-transaction', 'the transaction is a PSBT in base64 (a string)');
  let bytes: Uint8Array;
  try {
    bytes = base64.decode(transaction);
  } catch {
    throw new ChainInputError('malformed-transaction', 'the PSBT is not base64 (standard alphabet, with padding, no whitespace)');
  }
  let raw: RawPsbt;
  try {
    raw = RawPSBTV0.decode(bytes);
  } catch (e) {
    if (decodesAsV2(bytes)) throw new ChainInputError('unsupported-transaction', 'PSBT version 2 (BIP370) is not signed: give a version 0 PSBT (BIP174)');
    throw new ChainInputError('malformed-transaction', `the PSBT does not decode: ${errorText(e)}`);
  }
  const unsigned = raw.global.unsignedTx;
  check(unsigned !== undefined, 'malformed-transaction', 'the PSBT has no unsigned transaction');
  // The output maps run to the end of the bytes, so anything after the last one reads as more maps.
  check(raw.outputs.length === unsigned.outputs.length, 'malformed-transaction', `the PSBT has ${raw.outputs.length} output maps for ${unsigned.outputs.length} outputs (trailing bytes?)`);
  check(unsigned.inputs.every((input: { readonly finalScriptSig: Uint8Array }) => input.finalScriptSig.length === 0), 'malformed-transaction', 'the unsigned transaction has a non-empty scriptSig (BIP174 forbids it)');
  try {
    return { raw, tx: Transaction.fromPSBT(bytes, { allowUnknownVersion: true }) };
  } catch (e) {
    throw new ChainInputError('malformed-transaction', `the PSBT is inconsistent: ${errorText(e)}`);
  }
}

function decodesAsV2(bytes: Uint8Array): boolean {
  try {
    RawPSBTV2.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function prepareInput(chain: BitcoinChain, own: SignerOutput, i: number, input: TransactionInput, inputCount: number): PreparedInput {
  for (const [field, value] of Object.entries(input)) {
    if (value === undefined || INPUT_FIELDS_READ.has(field) || (Array.isArray(value) && value.length === 0)) continue;
    if (SIGNATURE_FIELDS.has(field)) {
      check(!(input.partialSig ?? []).some(([key]) => !equalBytes(key, own.publicKey)), 'foreign-input', `input ${i} carries a signature by another key`);
      throw new ChainInputError('unsupported-transaction', `input ${i} is already signed or finalized (${field}): give the unsigned PSBT`);
    }
    throw new ChainInputError('unsupported-transaction', `input ${i} carries ${field}, which a ${own.format} key spend does not use: this module does not sign it`);
  }
  const { txid, index, sequence } = input;
  check(txid !== undefined && index !== undefined && sequence !== undefined, 'malformed-transaction', `input ${i} has no outpoint`);
  const outpoint = { txid, index, sequence };

  const spent = spentOutput(own, i, input, inputCount);
  check(equalBytes(spent.script, own.script), 'foreign-input', `input ${i} spends ${scriptName(chain, spent.script)}, not the signer's ${own.address}`);
  return { outpoint, spent, hashType: signedHashType(own, i, input.sighashType) };
}

/** The sighash type input `i` is signed with: ALL, or for taproot DEFAULT too (its default when absent). */
function signedHashType(own: SignerOutput, i: number, declared: number | undefined): PreparedInput['hashType'] {
  if (declared === undefined) return own.format === 'p2tr' ? SIGHASH_DEFAULT : SIGHASH_ALL;
  if (declared === SIGHASH_ALL || (declared === SIGHASH_DEFAULT && own.format === 'p2tr')) return declared;
  const signed = own.format === 'p2tr' ? 'DEFAULT (0x00) and ALL (0x01) are' : 'ALL (0x01) is';
  throw new ChainInputError('unsupported-transaction', `input ${i} asks for sighash type 0x${declared.toString(16).padStart(2, '0')}; only ${signed} signed`);
}

/**
 * The output input `i` spends: from its previous transaction when given, else from witnessUtxo.
 * @scure/btc-signer has checked on parsing (validateInput) that nonWitnessUtxo hashes to the
 * input's txid, has output `index`, and agrees with witnessUtxo when both are given; the tests
 * hold it to that.
 */
function spentOutput(own: SignerOutput, i: number, input: TransactionInput, inputCount: number): TxOutput {
  const { nonWitnessUtxo, witnessUtxo, index } = input;
  if (nonWitnessUtxo) {
    const spent = index === undefined ? undefined : nonWitnessUtxo.outputs[index];
    check(spent !== undefined, 'malformed-transaction', `input ${i} spends an output its previous transaction does not have`);
    return spent;
  }
  check(witnessUtxo !== undefined, 'malformed-transaction', `input ${i} gives neither the output it spends (witnessUtxo) nor its previous transaction (nonWitnessUtxo)`);
  check(own.format !== 'p2pkh', 'malformed-transaction', `input ${i} spends a legacy output: it needs nonWitnessUtxo, since a legacy signature does not commit to the amount`);
  check(
    own.format !== 'p2wpkh' || inputCount === 1,
    'malformed-transaction',
    `input ${i} needs nonWitnessUtxo: with several P2WPKH inputs each signature commits to its own amount only, so the fee cannot be vouched for from witnessUtxo`,
  );
  return witnessUtxo;
}

/** How one input is signed: the item for the cluster, and how its signature becomes the input's satisfaction. */
interface InputSigning {
  readonly item: SigningItem;
  satisfy(signature: Uint8Array): InputSatisfaction;
}

function signInputs(own: SignerOutput, unsigned: UnsignedTransaction, inputs: readonly PreparedInput[]): InputSigning[] {
  const empty = new Uint8Array(0);
  if (own.format === 'p2tr') {
    const sighash = bip341Sighasher(unsigned, inputs.map((input) => input.spent));
    return inputs.map(({ hashType }, i) => {
      const message = sighash(i, hashType);
      return {
        item: { scheme: 'schnorr-bip340', message, taprootMerkleRoot: new Uint8Array(0) },
        satisfy(signature) {
          const sig = schnorrSignature(signature, message, own.outputKey);
          // BIP341: a DEFAULT signature is the bare 64 bytes; any other type appends its byte.
          return { scriptSig: empty, witness: [hashType === SIGHASH_DEFAULT ? sig : concatBytes(sig, Uint8Array.of(hashType))] };
        },
      };
    });
  }
  return inputs.map(({ spent }, i) => {
    const item = {
      scheme: 'ecdsa-secp256k1',
      hash: 'sha256d',
      message: own.format === 'p2wpkh' ? bip143Preimage(unsigned, i, own.scriptCode, spent.amount) : legacyPreimage(unsigned, i, own.scriptCode),
    } as const;
    return {
      item,
      satisfy(signature) {
        const { der } = ecdsaSignature(signature, ecdsaItemDigest(item), own.publicKey);
        const sig = concatBytes(der, Uint8Array.of(SIGHASH_ALL));
        return own.format === 'p2wpkh' ? { scriptSig: empty, witness: [sig, own.publicKey] } : { scriptSig: Script.encode([sig, own.publicKey]), witness: [] };
      },
    };
  });
}

function describeOutputs(chain: BitcoinChain, own: SignerOutput, unsigned: UnsignedTransaction): { transfers: Transfer[]; notes: string[] } {
  const transfers: Transfer[] = [];
  const notes: string[] = [];
  unsigned.outputs.forEach(({ amount, script }, i) => {
    if (equalBytes(script, own.script)) {
      notes.push(`output ${i}: ${amount} back to the signer's own ${own.address} (change, not listed in transfers)`);
    } else if (script[0] === OP_RETURN) {
      notes.push(`output ${i}: OP_RETURN data carrier, script ${hex.encode(script)}${amount > 0n ? `, burning ${amount}` : ''}`);
    } else {
      transfers.push({ to: outputAddress(chain, i, script), amount: amount.toString() });
    }
  });
  return { transfers, notes };
}

/** The chain's address an output pays to; refuses scripts that have none. */
function outputAddress(chain: BitcoinChain, i: number, script: Uint8Array): string {
  const decoded = decodeOutputScript(script);
  check(decoded !== undefined, 'unsupported-transaction', `output ${i} pays to a script with no address (${hex.encode(script)}): only payments to addresses and OP_RETURN are signed`);
  check(chain.segwit || !WITNESS_TYPES.has(decoded.type), 'unsupported-transaction', `output ${i} pays to a witness program, which ${chain.name} does not have: anyone could spend it`);
  return Address(chain.network).encode(decoded);
}

/**
 * A standard output script as @scure/btc-signer decodes it, if it has an address and is spelled
 * exactly as its type encodes (a script with a non-minimal push is not the witness program or
 * P2PKH it decodes as, and must not be shown as that address).
 */
function decodeOutputScript(script: Uint8Array): AddressDescriptor | undefined {
  let decoded;
  try {
    decoded = OutScript.decode(script);
  } catch {
    return undefined;
  }
  return ADDRESS_TYPES.has(decoded.type) && equalBytes(OutScript.encode(decoded), script) ? (decoded as AddressDescriptor) : undefined;
}

function scriptName(chain: BitcoinChain, script: Uint8Array): string {
  const decoded = decodeOutputScript(script);
  const canEncode = decoded !== undefined && (chain.segwit || !WITNESS_TYPES.has(decoded.type));
  return canEncode ? Address(chain.network).encode(decoded) : `script ${hex.encode(script)}`;
}

/** Refuses BIP32 metadata (extended key versions, BIP44/49/84/86 coin types) of the other kind of network. */
function checkNetworkMarkers(chain: BitcoinChain, raw: RawPsbt, tx: Transaction): void {
  const markers: { where: string; network: Network | undefined }[] = [];
  for (const [xpub, derivation] of raw.global.xpub ?? []) {
    const network = TEST_XPUB_VERSIONS.has(xpub.version) ? 'a test network' : MAIN_XPUB_VERSIONS.has(xpub.version) ? 'Bitcoin mainnet' : undefined;
    markers.push({ where: 'a global extended key', network }, { where: 'a global key path', network: pathNetwork(derivation.path) });
  }
  const keyPaths = (where: string, map: TransactionInput | TransactionOutput) => {
    for (const [, derivation] of map.bip32Derivation ?? []) markers.push({ where, network: pathNetwork(derivation.path) });
    for (const [, { der }] of map.tapBip32Derivation ?? []) markers.push({ where, network: pathNetwork(der.path) });
  };
  for (let i = 0; i < tx.inputsLength; i++) keyPaths(`input ${i}'s key path`, tx.getInput(i));
  for (let i = 0; i < tx.outputsLength; i++) keyPaths(`output ${i}'s key path`, tx.getOutput(i));

  const foreign: Network = chain.testnet ? 'Bitcoin mainnet' : 'a test network';
  for (const { where, network } of markers) {
    check(network !== foreign, 'wrong-chain', `the PSBT is for ${foreign}, not ${chain.name}: ${where} says so`);
  }
}

function pathNetwork(path: readonly number[]): Network | undefined {
  const [purpose, coinType] = path;
  if (purpose === undefined || !STANDARD_PURPOSES.has(purpose)) return undefined;
  if (coinType === HARDENED + 1) return 'a test network';
  if (coinType === HARDENED) return 'Bitcoin mainnet';
  return undefined;
}
