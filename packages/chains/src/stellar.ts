/**
 * Stellar (`stellar` on the public network, `stellar-testnet`): Ed25519 keys. The address (format
 * `account`) is the StrKey `G…` of the key: base32 (RFC 4648, no padding) of version byte 6<<3, the
 * key, and the CRC16-XModem of both, little-endian.
 *
 * Input: `{ "envelope": "<base64>", "networkPassphrase"?: "<passphrase>" }`, the XDR
 * TransactionEnvelope of type ENVELOPE_TYPE_TX (v1) with no signatures, as @stellar/stellar-sdk gives
 * it (`tx.toEnvelope().toXDR('base64')`), in standard padded base64. A passphrase, when given, must be
 * this network's (`wrong-chain` otherwise): the envelope itself does not name its network, the
 * signature does. v0 and fee-bump envelopes, envelopes already signed, Soroban transactions (ext 1)
 * and operations other than CreateAccount, Payment, PathPaymentStrictReceive, PathPaymentStrictSend,
 * SetOptions, ChangeTrust (pool shares excluded), AccountMerge and ManageData are refused as
 * `unsupported-transaction`. Every byte is parsed (preconditions, all memo kinds, XDR padding must be
 * zero, nothing may trail); the transaction's source and every operation's source, when present, must
 * be the signer's key (plain or muxed), else `foreign-input`.
 *
 * Signed: Ed25519 over the transaction hash, sha256(sha256(passphrase) ‖ ENVELOPE_TYPE_TX ‖
 * Transaction XDR), as stellar-core verifies. Output: `signedTransaction` is base64 of the envelope
 * with one DecoratedSignature (hint: the key's last 4 bytes), what Horizon and RPC take; `txHash` is
 * that hash in hex, the explorers' id. Summary: amounts in stroops, assets as `CODE:ISSUER`, the fee
 * field (stroops for the whole transaction), `chainId` the network passphrase; the memo, time and
 * ledger bounds, and everything SetOptions, ChangeTrust, ManageData and AccountMerge change, in notes.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { base32nopad, base64, hex } from '@scure/base';
import { ByteReader } from './byte-reader.js';
import { base64Bytes, ed25519SignerKey, inputFields } from './input.js';
import { ChainInputError, check } from './errors.js';
import { checkSignatureCount, ed25519Signature } from './keys.js';
import type { ChainModule, PreparedTransaction, SignerKey, Transfer } from './types.js';

const FORMAT = 'account';

/** StrKey version bytes (SEP-23): the base32 of each starts with the letter in the name. */
const STRKEY = { accountG: 6 << 3, muxedM: 12 << 3, preAuthTxT: 19 << 3, hashXX: 23 << 3, signedPayloadP: 15 << 3 } as const;

const ENVELOPE_TYPE_TX_V0 = 0;
const ENVELOPE_TYPE_TX = 2;
const ENVELOPE_TYPE_TX_FEE_BUMP = 5;
const KEY_TYPE_ED25519 = 0;
const KEY_TYPE_MUXED_ED25519 = 0x100;
const ASSET_TYPE_POOL_SHARE = 3;
const MAX_OPERATIONS = 100;

/** OperationType names, by value, for saying which operation is refused. */
const OPERATION_NAMES = [
  'CreateAccount', 'Payment', 'PathPaymentStrictReceive', 'ManageSellOffer', 'CreatePassiveSellOffer', 'SetOptions',
  'ChangeTrust', 'AllowTrust', 'AccountMerge', 'Inflation', 'ManageData', 'BumpSequence', 'ManageBuyOffer',
  'PathPaymentStrictSend', 'CreateClaimableBalance', 'ClaimClaimableBalance', 'BeginSponsoringFutureReserves',
  'EndSponsoringFutureReserves', 'RevokeSponsorship', 'Clawback', 'ClawbackClaimableBalance', 'SetTrustLineFlags',
  'LiquidityPoolDeposit', 'LiquidityPoolWithdraw', 'InvokeHostFunction', 'ExtendFootprintTtl', 'RestoreFootprint',
];

/** A strict XDR reader: big-endian, 4-byte aligned with zero padding, bounded lengths, nothing past the end. */
class XdrReader extends ByteReader {
  constructor(input: Uint8Array) {
    super(input, 'the envelope');
  }

  uint32(what: string): number {
    return this.view(4, what).getUint32(0);
  }

  uint64(what: string): bigint {
    return this.view(8, what).getBigUint64(0);
  }

  int64(what: string): bigint {
    return this.view(8, what).getBigInt64(0);
  }

  /** Variable-length opaque or string of at most `max` bytes, zero-padded to 4. */
  opaque(max: number, what: string): Uint8Array {
    const length = this.uint32(`the length of ${what}`);
    check(length <= max, 'malformed-transaction', `${what} is ${length} bytes; at most ${max}`);
    const out = this.fixed(length, what);
    const padding = this.fixed((4 - (length % 4)) % 4, `the padding of ${what}`);
    check(padding.every((b) => b === 0), 'malformed-transaction', `the padding of ${what} is not zero`);
    return out;
  }

  /** An optional (`T*`): whether the value follows. */
  present(what: string): boolean {
    const flag = this.uint32(what);
    check(flag === 0 || flag === 1, 'malformed-transaction', `${what} has presence flag ${flag}`);
    return flag === 1;
  }

  /** A variable-length array's element count, at most `max`. */
  count(max: number, what: string): number {
    const n = this.uint32(`the length of ${what}`);
    check(n <= max, 'malformed-transaction', `${what} has ${n} elements; at most ${max}`);
    return n;
  }

}

function crc16XModem(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function strKey(version: number, payload: Uint8Array): string {
  const data = new Uint8Array(payload.length + 3);
  data[0] = version;
  data.set(payload, 1);
  const crc = crc16XModem(data.subarray(0, payload.length + 1));
  data[payload.length + 1] = crc & 0xff;
  data[payload.length + 2] = crc >> 8;
  return base32nopad.encode(data);
}

/** Bytes shown as a JSON string when they are UTF-8, else as hex. */
function shown(bytes: Uint8Array): string {
  try {
    return JSON.stringify(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes));
  } catch {
    return `0x${hex.encode(bytes)}`;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return hex.encode(a) === hex.encode(b);
}

interface Account {
  readonly ed25519: Uint8Array;
  /** `G…`, or `M…` for a muxed account. */
  readonly address: string;
}

function readMuxedAccount(r: XdrReader, what: string): Account {
  const type = r.uint32(`the key type of ${what}`);
  if (type === KEY_TYPE_ED25519) {
    const ed25519 = r.fixed(32, what);
    return { ed25519, address: strKey(STRKEY.accountG, ed25519) };
  }
  check(type === KEY_TYPE_MUXED_ED25519, 'malformed-transaction', `${what} has key type ${type}, not an (optionally muxed) Ed25519 account`);
  const id = r.fixed(8, `the muxed id of ${what}`);
  const ed25519 = r.fixed(32, what);
  // The M… StrKey carries the key first, then the id (SEP-23), the reverse of the XDR.
  const payload = new Uint8Array(40);
  payload.set(ed25519);
  payload.set(id, 32);
  return { ed25519, address: strKey(STRKEY.muxedM, payload) };
}

/** An AccountID (PublicKey): always a plain Ed25519 key; returns its G… address. */
function readAccountId(r: XdrReader, what: string): string {
  const type = r.uint32(`the key type of ${what}`);
  check(type === KEY_TYPE_ED25519, 'malformed-transaction', `${what} has key type ${type}, not Ed25519`);
  return strKey(STRKEY.accountG, r.fixed(32, what));
}

/** A SignerKey as its StrKey (G…, T… pre-authorized transaction, X… sha256 hash-x, P… signed payload). */
function readSignerKey(r: XdrReader, what: string): string {
  const type = r.uint32(`the type of ${what}`);
  switch (type) {
    case 0:
      return strKey(STRKEY.accountG, r.fixed(32, what));
    case 1:
      return strKey(STRKEY.preAuthTxT, r.fixed(32, what));
    case 2:
      return strKey(STRKEY.hashXX, r.fixed(32, what));
    case 3: {
      // The P… StrKey's payload is the XDR of { ed25519, payload<64> } itself.
      const start = r.position;
      r.fixed(32, what);
      r.opaque(64, `the payload of ${what}`);
      return strKey(STRKEY.signedPayloadP, r.since(start));
    }
    default:
      throw new ChainInputError('malformed-transaction', `${what} has unknown signer key type ${type}`);
  }
}

/** An asset code: 1–4 (alphanum4) or 5–12 (alphanum12) letters and digits, then zero padding. */
function assetCode(bytes: Uint8Array, minLength: number, what: string): string {
  const zero = bytes.indexOf(0);
  const length = zero === -1 ? bytes.length : zero;
  const code = String.fromCharCode(...bytes.subarray(0, length));
  check(
    length >= minLength && bytes.subarray(length).every((b) => b === 0) && /^[A-Za-z0-9]+$/.test(code),
    'malformed-transaction',
    `${what} has an invalid asset code 0x${hex.encode(bytes)}`,
  );
  return code;
}

/** An Asset of a type already read: undefined for native XLM, else `CODE:ISSUER`. */
function readAssetBody(r: XdrReader, type: number, what: string): string | undefined {
  switch (type) {
    case 0:
      return undefined;
    case 1:
      return `${assetCode(r.fixed(4, what), 1, what)}:${readAccountId(r, `the issuer of ${what}`)}`;
    case 2:
      return `${assetCode(r.fixed(12, what), 5, what)}:${readAccountId(r, `the issuer of ${what}`)}`;
    default:
      throw new ChainInputError('malformed-transaction', `${what} has asset type ${type}`);
  }
}

function readAsset(r: XdrReader, what: string): string | undefined {
  return readAssetBody(r, r.uint32(`the type of ${what}`), what);
}

function assetName(asset: string | undefined): string {
  return asset ?? 'XLM';
}

function transfer(to: string, amount: bigint, asset: string | undefined): Transfer {
  return asset === undefined ? { to, amount: amount.toString() } : { to, amount: amount.toString(), asset };
}

function readAmount(r: XdrReader, what: string, min: 0n | 1n): bigint {
  const amount = r.int64(what);
  check(amount >= min, 'malformed-transaction', `${what} is ${amount}; it must be ${min === 1n ? 'positive' : 'at least 0'}`);
  return amount;
}

function readPath(r: XdrReader): string {
  const assets: string[] = [];
  for (let i = r.count(5, 'the payment path'); i > 0; i--) assets.push(assetName(readAsset(r, 'a path asset')));
  return assets.length ? ` via ${assets.join(' → ')}` : '';
}

/** A uint32 that stellar-core takes only up to 255 (weights, thresholds). */
function readByte(r: XdrReader, what: string): number {
  const value = r.uint32(what);
  check(value <= 255, 'malformed-transaction', `${what} is ${value}; at most 255`);
  return value;
}

interface Description {
  readonly transfers: Transfer[];
  readonly notes: string[];
}

function readSetOptions(r: XdrReader, notes: string[], ownAddress: string): void {
  const changes: string[] = [];
  if (r.present('the inflation destination')) changes.push(`inflation destination ${readAccountId(r, 'the inflation destination')}`);
  if (r.present('clearFlags')) changes.push(`CLEARS FLAGS 0x${r.uint32('clearFlags').toString(16)}`);
  if (r.present('setFlags')) changes.push(`SETS FLAGS 0x${r.uint32('setFlags').toString(16)}`);
  if (r.present('masterWeight')) {
    const weight = readByte(r, 'masterWeight');
    changes.push(`MASTER KEY WEIGHT ${weight}${weight === 0 ? ` (the signer's own key ${ownAddress} can no longer sign)` : ''}`);
  }
  for (const level of ['low', 'medium', 'high']) {
    if (r.present(`the ${level} threshold`)) changes.push(`${level.toUpperCase()} THRESHOLD ${readByte(r, `the ${level} threshold`)}`);
  }
  if (r.present('the home domain')) changes.push(`home domain ${shown(r.opaque(32, 'the home domain'))}`);
  if (r.present('the signer')) {
    const signer = readSignerKey(r, 'the signer');
    const weight = readByte(r, 'the signer weight');
    changes.push(weight === 0 ? `REMOVES SIGNER ${signer}` : `ADDS SIGNER ${signer} WITH WEIGHT ${weight}`);
  }
  notes.push(`SetOptions on ${ownAddress}: ${changes.length ? changes.join('; ') : 'nothing'} (signers, weights and thresholds decide who controls the account)`);
}

function readOperation(r: XdrReader, index: number, ownKey: Uint8Array, ownAddress: string, d: Description): void {
  const what = `operation ${index}`;
  if (r.present(`the source of ${what}`)) {
    const source = readMuxedAccount(r, `the source of ${what}`);
    check(sameBytes(source.ed25519, ownKey), 'foreign-input', `${what} acts for ${source.address}, not the signer's account ${ownAddress}`);
  }
  const type = r.uint32(`the type of ${what}`);
  switch (type) {
    case 0: {
      const to = readAccountId(r, 'the new account');
      const amount = readAmount(r, 'the starting balance', 0n);
      d.transfers.push(transfer(to, amount, undefined));
      d.notes.push(`creates account ${to}`);
      return;
    }
    case 1: {
      const to = readMuxedAccount(r, 'the payment destination').address;
      const asset = readAsset(r, 'the payment asset');
      const amount = readAmount(r, 'the payment amount', 1n);
      d.transfers.push(transfer(to, amount, asset));
      return;
    }
    case 2: {
      const sendAsset = readAsset(r, 'the send asset');
      const sendMax = readAmount(r, 'sendMax', 1n);
      const to = readMuxedAccount(r, 'the payment destination').address;
      const asset = readAsset(r, 'the destination asset');
      const amount = readAmount(r, 'destAmount', 1n);
      d.transfers.push(transfer(to, amount, asset));
      d.notes.push(`path payment to ${to}: pays ${amount} of ${assetName(asset)} spending at most ${sendMax} of ${assetName(sendAsset)}${readPath(r)}`);
      return;
    }
    case 13: {
      const sendAsset = readAsset(r, 'the send asset');
      const sendAmount = readAmount(r, 'sendAmount', 1n);
      const to = readMuxedAccount(r, 'the payment destination').address;
      const asset = readAsset(r, 'the destination asset');
      const destMin = readAmount(r, 'destMin', 1n);
      d.transfers.push(transfer(to, destMin, asset));
      d.notes.push(`path payment to ${to}: spends ${sendAmount} of ${assetName(sendAsset)} for at least ${destMin} of ${assetName(asset)}${readPath(r)}`);
      return;
    }
    case 5:
      readSetOptions(r, d.notes, ownAddress);
      return;
    case 6: {
      const assetType = r.uint32('the trustline asset type');
      check(assetType !== ASSET_TYPE_POOL_SHARE, 'unsupported-transaction', 'a liquidity-pool trustline is not signed by this module');
      const asset = readAssetBody(r, assetType, 'the trustline asset');
      check(asset !== undefined, 'malformed-transaction', 'a trustline to native XLM is invalid');
      const limit = readAmount(r, 'the trustline limit', 0n);
      d.notes.push(limit === 0n ? `removes the trustline to ${asset}` : `trusts ${asset} up to ${limit}`);
      return;
    }
    case 8: {
      const to = readMuxedAccount(r, 'the merge destination').address;
      d.notes.push(`MERGES (DELETES) ACCOUNT ${ownAddress} into ${to}: its whole XLM balance goes there`);
      return;
    }
    case 10: {
      const name = r.opaque(64, 'the data name');
      check(name.length > 0, 'malformed-transaction', 'the data name is empty');
      d.notes.push(r.present('the data value') ? `sets data entry ${shown(name)} to 0x${hex.encode(r.opaque(64, 'the data value'))}` : `deletes data entry ${shown(name)}`);
      return;
    }
    default:
      throw new ChainInputError('unsupported-transaction', `${what} (${OPERATION_NAMES[type] ?? `type ${type}`}) is not signed by this module`);
  }
}

function readTimeBounds(r: XdrReader, notes: string[]): void {
  const min = r.uint64('minTime');
  const max = r.uint64('maxTime');
  notes.push(`valid from unix time ${min} until ${max === 0n ? 'no limit' : max}`);
}

function readPreconditions(r: XdrReader, notes: string[]): void {
  const type = r.uint32('the preconditions type');
  if (type === 0) return;
  if (type === 1) return readTimeBounds(r, notes);
  check(type === 2, 'malformed-transaction', `unknown preconditions type ${type}`);
  if (r.present('the time bounds')) readTimeBounds(r, notes);
  if (r.present('the ledger bounds')) {
    const min = r.uint32('minLedger');
    const max = r.uint32('maxLedger');
    notes.push(`valid from ledger ${min} until ${max === 0 ? 'no limit' : max}`);
  }
  if (r.present('minSeqNum')) notes.push(`requires account sequence at least ${r.int64('minSeqNum')}`);
  const minSeqAge = r.uint64('minSeqAge');
  if (minSeqAge !== 0n) notes.push(`requires the sequence number to be ${minSeqAge} s old`);
  const minSeqLedgerGap = r.uint32('minSeqLedgerGap');
  if (minSeqLedgerGap !== 0) notes.push(`requires ${minSeqLedgerGap} ledgers since the sequence number changed`);
  for (let i = r.count(2, 'the extra signers'); i > 0; i--) notes.push(`also needs a signature from ${readSignerKey(r, 'an extra signer')}`);
}

function readMemo(r: XdrReader, notes: string[]): void {
  const type = r.uint32('the memo type');
  switch (type) {
    case 0:
      return;
    case 1:
      notes.push(`memo text ${shown(r.opaque(28, 'the memo text'))}`);
      return;
    case 2:
      notes.push(`memo id ${r.uint64('the memo id')}`);
      return;
    case 3:
      notes.push(`memo hash ${hex.encode(r.fixed(32, 'the memo hash'))}`);
      return;
    case 4:
      notes.push(`memo return ${hex.encode(r.fixed(32, 'the memo return hash'))}`);
      return;
    default:
      throw new ChainInputError('malformed-transaction', `unknown memo type ${type}`);
  }
}

interface ParsedEnvelope {
  /** The Transaction XDR, as it is hashed and put back into the signed envelope. */
  readonly transaction: Uint8Array;
  readonly fee: number;
  readonly description: Description;
}

function parseEnvelope(bytes: Uint8Array, ownKey: Uint8Array, ownAddress: string): ParsedEnvelope {
  const r = new XdrReader(bytes);
  const envelopeType = r.uint32('the envelope type');
  check(envelopeType !== ENVELOPE_TYPE_TX_V0, 'unsupported-transaction', 'a v0 envelope (ENVELOPE_TYPE_TX_V0) is not signed by this module: rebuild it as a v1 envelope');
  check(envelopeType !== ENVELOPE_TYPE_TX_FEE_BUMP, 'unsupported-transaction', 'a fee-bump envelope is not signed by this module');
  check(envelopeType === ENVELOPE_TYPE_TX, 'malformed-transaction', `unknown envelope type ${envelopeType}`);
  const start = r.position;

  const description: Description = { transfers: [], notes: [] };
  const source = readMuxedAccount(r, 'the transaction source');
  check(sameBytes(source.ed25519, ownKey), 'foreign-input', `the transaction's source is ${source.address}, not the signer's account ${ownAddress}`);
  if (source.address !== ownAddress) description.notes.push(`source is the muxed account ${source.address}`);
  const fee = r.uint32('the fee');
  description.notes.push(`sequence number ${r.int64('the sequence number')}`);
  readPreconditions(r, description.notes);
  readMemo(r, description.notes);
  const operations = r.count(MAX_OPERATIONS, 'the operations');
  check(operations > 0, 'malformed-transaction', 'the transaction has no operations');
  for (let i = 0; i < operations; i++) readOperation(r, i, ownKey, ownAddress, description);
  const ext = r.uint32('the transaction extension');
  check(ext !== 1, 'unsupported-transaction', 'a Soroban transaction (with SorobanTransactionData) is not signed by this module');
  check(ext === 0, 'malformed-transaction', `unknown transaction extension ${ext}`);
  const transaction = r.since(start);

  const signatures = r.uint32('the signature count');
  check(signatures === 0, 'unsupported-transaction', `the envelope already carries ${signatures} signature(s); this module signs only unsigned envelopes`);
  r.end();
  return { transaction, fee, description };
}

function decodeInput(transaction: unknown, passphrase: string): Uint8Array {
  const usage = 'a Stellar transaction is { "envelope": "<base64 XDR TransactionEnvelope>", "networkPassphrase"?: "…" }';
  const { envelope, networkPassphrase } = inputFields(transaction, ['envelope', 'networkPassphrase'], usage);
  check(networkPassphrase === undefined || typeof networkPassphrase === 'string', 'malformed-transaction', 'networkPassphrase must be a string');
  check(networkPassphrase === undefined || networkPassphrase === passphrase, 'wrong-chain', `the network passphrase ${JSON.stringify(networkPassphrase)} is not this network's (${JSON.stringify(passphrase)})`);
  return base64Bytes(envelope, 'the envelope', usage);
}

function signerKey(publicKey: Uint8Array, format: string | undefined): Uint8Array {
  return ed25519SignerKey('Stellar', FORMAT, publicKey, format);
}

function uint32Bytes(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function stellarModule(id: string, name: string, passphrase: string): ChainModule {
  const networkId = sha256(new TextEncoder().encode(passphrase));
  return {
    info: { id, name, scheme: 'eddsa-ed25519', formats: [FORMAT] },

    address(publicKey: Uint8Array, format?: string): string {
      return strKey(STRKEY.accountG, signerKey(publicKey, format));
    },

    prepareTransaction(transaction: unknown, signer: SignerKey): PreparedTransaction {
      const ownKey = signerKey(signer.publicKey, signer.format);
      const ownAddress = strKey(STRKEY.accountG, ownKey);
      const envelope = parseEnvelope(decodeInput(transaction, passphrase), ownKey, ownAddress);
      const hash = sha256(concat(networkId, uint32Bytes(ENVELOPE_TYPE_TX), envelope.transaction));
      const { transfers, notes } = envelope.description;

      return {
        items: [{ scheme: 'eddsa-ed25519', message: hash }],
        summary: { chain: id, from: ownAddress, transfers, fee: envelope.fee.toString(), chainId: passphrase, notes },
        finalize(signatures) {
          checkSignatureCount(signatures, 1);
          const signature = ed25519Signature(signatures[0] as Uint8Array, hash, ownKey);
          const signed = concat(uint32Bytes(ENVELOPE_TYPE_TX), envelope.transaction, uint32Bytes(1), ownKey.subarray(28), uint32Bytes(64), signature);
          return { signedTransaction: base64.encode(signed), txHash: hex.encode(hash) };
        },
      };
    },
  };
}

export const stellar = stellarModule('stellar', 'Stellar', 'Public Global Stellar Network ; September 2015');
export const stellarTestnet = stellarModule('stellar-testnet', 'Stellar testnet', 'Test SDF Network ; September 2015');
