/**
 * XRP Ledger mainnet (`xrp`): secp256k1 ECDSA with 33-byte compressed keys. The address (format
 * `classic`) is base58 in the Ripple alphabet of 0x00 ‖ ripemd160(sha256(key)) ‖ a 4-byte
 * double-SHA-256 checksum (`r…`).
 *
 * Input: `{ "txBlob": "<hex>" }`, the canonical binary serialization of the unsigned transaction as
 * xrpl.js `encode(tx)` writes it (the transaction JSON with SigningPubKey set and no TxnSignature),
 * in hex, all uppercase (as xrpl.js writes it) or all lowercase. The blob is parsed by its field
 * headers (type code, field code; 1–3 bytes), every value by its type's length rule (fixed widths,
 * VL prefixes, Amount 8/48/33 bytes, PathSet hops, nested STObject/STArray with their end markers),
 * fields in strictly increasing canonical order, nothing after the last field; a type this module
 * has no rule for is refused.
 *
 * What is signed: transaction types Payment, TrustSet, OfferCreate, AccountSet, SetRegularKey and
 * SignerListSet (the last two hand signing power over the account to another key, which the notes
 * say first), each with only the fields that type has here; any other type or field is refused as
 * `unsupported-transaction`, as are multisigning (Signers, an empty SigningPubKey) and Delegate.
 * Account and SigningPubKey must be the signer's (`foreign-input`); a TxnSignature already present
 * is `malformed-transaction`; a NetworkID is `wrong-chain` (mainnet, network 0, must not carry one).
 *
 * Signed: ECDSA over SHA-512Half(0x53545800 ‖ blob) (prefix "STX\0"; the item carries that preimage
 * with hash `sha512half`). Output: `signedTransaction` is the signed blob in uppercase hex, with
 * TxnSignature (DER, low S) inserted at its canonical place, what rippled's `submit` takes;
 * `txHash` is SHA-512Half(0x54584E00 ‖ signed blob) ("TXN\0") in uppercase hex, the explorers' id.
 * Summary: a Payment's destination and amount (XRP in drops; an issued currency's value as its
 * decimal with `asset` "CUR.rIssuer"; an MPT's amount with `asset` its issuance id in hex); the fee
 * in drops; tags, memos, flags, paths, limits and every other field in notes.
 */
import { ripemd160 } from '@noble/hashes/legacy.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { base58xrp, hex } from '@scure/base';
import { check } from './errors.js';
import { checkSignatureCount, ecdsaItemDigest, ecdsaSignature, secp256k1Key } from './keys.js';
import type { ChainModule, PreparedTransaction, SignerKey, SigningItem, Transfer } from './types.js';

const FORMAT = 'classic';
/** "STX\0": the prefix of a single-signature signing preimage. */
const SIGNING_PREFIX = Uint8Array.of(0x53, 0x54, 0x58, 0x00);
/** "TXN\0": the prefix of a signed transaction's id. */
const TRANSACTION_ID_PREFIX = Uint8Array.of(0x54, 0x58, 0x4e, 0x00);
const ACCOUNT_ID_VERSION = 0x00;
/** rippled's limit on STObject/STArray nesting. */
const MAX_DEPTH = 10;
/** 100 billion XRP, all there is, in drops. */
const MAX_DROPS = 10n ** 17n;

/** The serialized type codes (ripple-binary-codec's definitions.json, TYPES). */
const ST = {
  UInt16: 1, UInt32: 2, UInt64: 3, Hash128: 4, Hash256: 5, Amount: 6, Blob: 7, AccountID: 8, Number: 9, Int32: 10, Int64: 11,
  STObject: 14, STArray: 15, UInt8: 16, Hash160: 17, PathSet: 18, Vector256: 19, Hash192: 21, Hash384: 22, Hash512: 23, Issue: 24, XChainBridge: 25, Currency: 26,
} as const;

const FIXED_WIDTHS: ReadonlyMap<number, number> = new Map([
  [ST.UInt16, 2], [ST.UInt32, 4], [ST.UInt64, 8], [ST.Hash128, 16], [ST.Hash256, 32], [ST.Number, 12], [ST.Int32, 4], [ST.Int64, 8],
  [ST.UInt8, 1], [ST.Hash160, 20], [ST.Hash192, 24], [ST.Hash384, 48], [ST.Hash512, 64], [ST.Currency, 20],
]);

/** Types that exist but appear only in transaction types this module does not sign. */
const UNSUPPORTED_TYPES: ReadonlyMap<number, string> = new Map([[ST.Issue, 'Issue'], [ST.XChainBridge, 'XChainBridge']]);

/** The fields this module knows, by name: [type code, field code] (definitions.json, FIELDS). */
const FIELDS = {
  TransactionType: [ST.UInt16, 2], SignerWeight: [ST.UInt16, 3],
  NetworkID: [ST.UInt32, 1], Flags: [ST.UInt32, 2], SourceTag: [ST.UInt32, 3], Sequence: [ST.UInt32, 4], Expiration: [ST.UInt32, 10],
  TransferRate: [ST.UInt32, 11], WalletSize: [ST.UInt32, 12], DestinationTag: [ST.UInt32, 14], QualityIn: [ST.UInt32, 20], QualityOut: [ST.UInt32, 21],
  OfferSequence: [ST.UInt32, 25], LastLedgerSequence: [ST.UInt32, 27], SetFlag: [ST.UInt32, 33], ClearFlag: [ST.UInt32, 34],
  SignerQuorum: [ST.UInt32, 35], TicketSequence: [ST.UInt32, 41],
  EmailHash: [ST.Hash128, 1],
  WalletLocator: [ST.Hash256, 7], AccountTxnID: [ST.Hash256, 9], InvoiceID: [ST.Hash256, 17], DomainID: [ST.Hash256, 34],
  Amount: [ST.Amount, 1], LimitAmount: [ST.Amount, 3], TakerPays: [ST.Amount, 4], TakerGets: [ST.Amount, 5], Fee: [ST.Amount, 8],
  SendMax: [ST.Amount, 9], DeliverMin: [ST.Amount, 10],
  MessageKey: [ST.Blob, 2], SigningPubKey: [ST.Blob, 3], TxnSignature: [ST.Blob, 4], Domain: [ST.Blob, 7],
  MemoType: [ST.Blob, 12], MemoData: [ST.Blob, 13], MemoFormat: [ST.Blob, 14],
  Account: [ST.AccountID, 1], Destination: [ST.AccountID, 3], RegularKey: [ST.AccountID, 8], NFTokenMinter: [ST.AccountID, 9], Delegate: [ST.AccountID, 12],
  Memo: [ST.STObject, 10], SignerEntry: [ST.STObject, 11],
  Signers: [ST.STArray, 3], SignerEntries: [ST.STArray, 4], Memos: [ST.STArray, 9],
  TickSize: [ST.UInt8, 16],
  Paths: [ST.PathSet, 1],
  CredentialIDs: [ST.Vector256, 5],
} as const satisfies Record<string, readonly [number, number]>;

type FieldName = keyof typeof FIELDS;

const ordinalOf = (type: number, nth: number): number => (type << 16) | nth;
const fieldOrdinal = (name: FieldName): number => ordinalOf(FIELDS[name][0], FIELDS[name][1]);
const FIELD_NAMES: ReadonlyMap<number, FieldName> = new Map(Object.entries(FIELDS).map(([name, [type, nth]]) => [ordinalOf(type, nth), name as FieldName]));

/** One serialized field: where it is in the blob, its value bytes (a VL field's contents), and nested fields. */
interface StField {
  readonly type: number;
  readonly nth: number;
  readonly ordinal: number;
  /** Offset of the field header in the blob. */
  readonly start: number;
  readonly value: Uint8Array;
  /** An STObject's fields; an STArray's element objects. */
  readonly fields: readonly StField[];
}

/** A bounds-checked cursor over the blob. */
class BlobReader {
  offset = 0;
  constructor(readonly blob: Uint8Array) {}

  get done(): boolean {
    return this.offset === this.blob.length;
  }

  take(length: number, what: string): Uint8Array {
    check(this.offset + length <= this.blob.length, 'malformed-transaction', `${what} runs past the end of the blob`);
    const out = this.blob.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  byte(what: string): number {
    return this.take(1, what)[0] as number;
  }

  /** A field header: type and field codes under 16 share one byte; larger ones follow it, type first. */
  header(): { type: number; nth: number } {
    const first = this.byte('a field header');
    let type = first >> 4;
    let nth = first & 0x0f;
    if (type === 0) {
      type = this.byte('a field header');
      check(type >= 16, 'malformed-transaction', `field header at ${this.offset - 2}: type code ${type} belongs in the first byte (non-canonical header)`);
    }
    if (nth === 0) {
      nth = this.byte('a field header');
      check(nth >= 16, 'malformed-transaction', `field header: field code ${nth} belongs in the first byte (non-canonical header)`);
    }
    return { type, nth };
  }

  /** A VL length prefix: 1 byte up to 192, 2 bytes up to 12480, 3 bytes up to 918744. */
  vlLength(what: string): number {
    const b1 = this.byte(what);
    if (b1 <= 192) return b1;
    if (b1 <= 240) return 193 + (b1 - 193) * 256 + this.byte(what);
    check(b1 <= 254, 'malformed-transaction', `${what}: invalid length prefix byte ${b1}`);
    return 12481 + (b1 - 241) * 65536 + this.byte(what) * 256 + this.byte(what);
  }
}

/**
 * The fields of an object: the whole blob at the top (`terminated` false), up to and without the
 * object end marker (0xE1) inside an STObject.
 */
function readObject(reader: BlobReader, depth: number, terminated: boolean): StField[] {
  check(depth <= MAX_DEPTH, 'malformed-transaction', `objects nest deeper than ${MAX_DEPTH}`);
  const fields: StField[] = [];
  let previous = -1;
  while (terminated || !reader.done) {
    const start = reader.offset;
    const { type, nth } = reader.header();
    if (type === ST.STObject && nth === 1) {
      check(terminated, 'malformed-transaction', `an object end marker at ${start} outside an object`);
      return fields;
    }
    check(!(type === ST.STArray && nth === 1), 'malformed-transaction', `an array end marker at ${start} outside an array`);
    const ordinal = ordinalOf(type, nth);
    const name = FIELD_NAMES.get(ordinal) ?? `field (type ${type}, code ${nth})`;
    check(ordinal > previous, 'malformed-transaction', `${name} at ${start} ${ordinal === previous ? 'is given twice' : 'is out of canonical field order'}`);
    previous = ordinal;
    fields.push({ type, nth, ordinal, start, ...readValue(reader, type, name, depth) });
  }
  return fields;
}

/** An STArray's element objects, up to and without the array end marker (0xF1). */
function readArray(reader: BlobReader, depth: number, what: string): StField[] {
  const elements: StField[] = [];
  for (;;) {
    const start = reader.offset;
    const { type, nth } = reader.header();
    if (type === ST.STArray && nth === 1) return elements;
    check(type === ST.STObject && nth !== 1, 'malformed-transaction', `${what}: an array element at ${start} is not an object`);
    const fields = readObject(reader, depth + 1, true);
    elements.push({ type, nth, ordinal: ordinalOf(type, nth), start, value: reader.blob.subarray(start, reader.offset), fields });
  }
}

function readValue(reader: BlobReader, type: number, what: string, depth: number): { value: Uint8Array; fields: readonly StField[] } {
  const width = FIXED_WIDTHS.get(type);
  if (width !== undefined) return { value: reader.take(width, what), fields: [] };
  const start = reader.offset;
  switch (type) {
    case ST.Amount: {
      const first = reader.blob[reader.offset];
      check(first !== undefined, 'malformed-transaction', `${what} runs past the end of the blob`);
      // Bit 63 set: an issued amount (value, currency, issuer); else bit 61 set: an MPT amount; else drops.
      const length = first & 0x80 ? 48 : first & 0x20 ? 33 : 8;
      return { value: reader.take(length, what), fields: [] };
    }
    case ST.Blob:
      return { value: reader.take(reader.vlLength(what), what), fields: [] };
    case ST.AccountID: {
      const value = reader.take(reader.vlLength(what), what);
      check(value.length === 20, 'malformed-transaction', `${what} is ${value.length} bytes, not a 20-byte account`);
      return { value, fields: [] };
    }
    case ST.Vector256: {
      const value = reader.take(reader.vlLength(what), what);
      check(value.length % 32 === 0, 'malformed-transaction', `${what} is ${value.length} bytes, not a list of 32-byte hashes`);
      return { value, fields: [] };
    }
    case ST.PathSet:
      skipPathSet(reader, what);
      return { value: reader.blob.subarray(start, reader.offset), fields: [] };
    case ST.STObject: {
      const fields = readObject(reader, depth + 1, true);
      return { value: reader.blob.subarray(start, reader.offset), fields };
    }
    case ST.STArray: {
      const fields = readArray(reader, depth + 1, what);
      return { value: reader.blob.subarray(start, reader.offset), fields };
    }
  }
  const unsupported = UNSUPPORTED_TYPES.get(type);
  check(unsupported === undefined, 'unsupported-transaction', `${what} is of type ${unsupported}, which no transaction type signed here has`);
  check(false, 'malformed-transaction', `${what} has the unknown type code ${type}`);
}

const PATH_BOUNDARY = 0xff;
const PATH_END = 0x00;
const HOP_ACCOUNT = 0x01;
const HOP_CURRENCY = 0x10;
const HOP_ISSUER = 0x20;

/** Paths of hops (a type byte, then 20 bytes each for account, currency, issuer), 0xFF between paths, 0x00 at the end. */
function skipPathSet(reader: BlobReader, what: string): void {
  let hops = 0;
  for (;;) {
    const kind = reader.byte(what);
    if (kind === PATH_END || kind === PATH_BOUNDARY) {
      check(hops > 0, 'malformed-transaction', `${what} has an empty path`);
      if (kind === PATH_END) return;
      hops = 0;
      continue;
    }
    check((kind & ~(HOP_ACCOUNT | HOP_CURRENCY | HOP_ISSUER)) === 0, 'malformed-transaction', `${what} has a path step of unknown kind 0x${kind.toString(16)}`);
    for (const bit of [HOP_ACCOUNT, HOP_CURRENCY, HOP_ISSUER]) if (kind & bit) reader.take(20, what);
    hops++;
  }
}

/** The complete parse of a blob: its top-level fields, canonical, nothing after the last. */
function parseBlob(blob: Uint8Array): StField[] {
  const reader = new BlobReader(blob);
  const fields = readObject(reader, 0, false);
  check(fields.length > 0, 'malformed-transaction', 'the blob is empty');
  return fields;
}

/** Fields by name; anything not in `allowed` is refused. */
function namedFields(fields: readonly StField[], where: string, allowed: readonly FieldName[]): Map<FieldName, StField> {
  const named = new Map<FieldName, StField>();
  for (const field of fields) {
    const name = FIELD_NAMES.get(field.ordinal);
    check(name !== undefined && allowed.includes(name), 'unsupported-transaction', `${where}: ${name ?? `the field of type ${field.type}, code ${field.nth}`} is not a field this module signs there`);
    named.set(name, field);
  }
  return named;
}

function uint(bytes: Uint8Array): bigint {
  return bytes.reduce((value, byte) => (value << 8n) | BigInt(byte), 0n);
}

function accountIdOf(publicKey: Uint8Array): Uint8Array {
  return ripemd160(sha256(publicKey));
}

function classicAddress(accountId: Uint8Array): string {
  const payload = concatBytes(Uint8Array.of(ACCOUNT_ID_VERSION), accountId);
  const checksum = sha256(sha256(payload)).subarray(0, 4);
  return base58xrp.encode(concatBytes(payload, checksum));
}

/** The XRP Ledger's SHA-512Half: the first 32 bytes of SHA-512. */
function sha512Half(input: Uint8Array): Uint8Array {
  return sha512(input).subarray(0, 32);
}

interface XrpAmount {
  /** Drops for XRP; the decimal value for an issued currency; the integer amount for an MPT. */
  readonly amount: string;
  /** Absent for XRP. */
  readonly asset?: string;
}

/** An Amount field, positive or zero (a negative amount is refused). */
function decodeAmount(bytes: Uint8Array, what: string): XrpAmount {
  const first = bytes[0] as number;
  const positive = (first & 0x40) !== 0;
  if (bytes.length === 8) {
    const drops = uint(bytes) & ((1n << 62n) - 1n);
    check(positive, 'malformed-transaction', `${what} is a negative XRP amount`);
    check(drops <= MAX_DROPS, 'malformed-transaction', `${what} exceeds the XRP supply`);
    return { amount: drops.toString() };
  }
  if (bytes.length === 33) {
    check(first === 0x60, 'malformed-transaction', `${what}: an MPT amount's leading byte must be 0x60 (positive MPT), got 0x${first.toString(16)}`);
    const amount = uint(bytes.subarray(1, 9));
    check(amount < 1n << 63n, 'malformed-transaction', `${what}: an MPT amount exceeds 63 bits`);
    return { amount: amount.toString(), asset: hex.encode(bytes.subarray(9)).toUpperCase() };
  }
  const value = uint(bytes.subarray(0, 8));
  const asset = `${currencyCode(bytes.subarray(8, 28), what)}.${classicAddress(bytes.subarray(28, 48))}`;
  if (value === 1n << 63n) return { amount: '0', asset };
  check(positive, 'malformed-transaction', `${what} is a negative issued amount`);
  const mantissa = value & ((1n << 54n) - 1n);
  const exponent = Number((value >> 54n) & 0xffn) - 97;
  // Canonical non-zero issued amounts: a 16-digit mantissa and an exponent in [-96, 80].
  check(mantissa >= 10n ** 15n && mantissa < 10n ** 16n && exponent >= -96 && exponent <= 80, 'malformed-transaction', `${what} is not a canonical issued amount`);
  return { amount: decimal(mantissa, exponent), asset };
}

/** mantissa × 10^exponent, exactly, without trailing zeros after the point. */
function decimal(mantissa: bigint, exponent: number): string {
  if (exponent >= 0) return (mantissa * 10n ** BigInt(exponent)).toString();
  const digits = mantissa.toString().padStart(-exponent + 1, '0');
  const point = digits.length + exponent;
  const fraction = digits.slice(point).replace(/0+$/, '');
  return fraction === '' ? digits.slice(0, point) : `${digits.slice(0, point)}.${fraction}`;
}

/** A currency code: three characters in the standard layout (12 zero bytes, ASCII, 5 zero bytes), else 40 hex digits. */
function currencyCode(bytes: Uint8Array, what: string): string {
  check(bytes.some((byte) => byte !== 0), 'malformed-transaction', `${what}: an issued amount cannot be in XRP`);
  const standard = bytes.subarray(0, 12).every((byte) => byte === 0) && bytes.subarray(15).every((byte) => byte === 0);
  if (!standard) return hex.encode(bytes).toUpperCase();
  const code = String.fromCharCode(...bytes.subarray(12, 15));
  check(/^[A-Za-z0-9?!@#$%^&*<>(){}[\]|]{3}$/.test(code) && code !== 'XRP', 'malformed-transaction', `${what}: "${code}" is not a valid currency code`);
  return code;
}

function amountText({ amount, asset }: XrpAmount): string {
  return asset === undefined ? `${amount} drops` : `${amount} ${asset}`;
}

/** A field shown as it is, for the notes. */
function fieldText(field: StField): string {
  switch (field.type) {
    case ST.UInt8:
    case ST.UInt16:
    case ST.UInt32:
      return uint(field.value).toString();
    case ST.Amount:
      return amountText(decodeAmount(field.value, FIELD_NAMES.get(field.ordinal) ?? 'an amount'));
    case ST.AccountID:
      return classicAddress(field.value);
    case ST.Blob:
      return blobText(field.value);
    case ST.Vector256:
      return `${field.value.length / 32} id(s): ${hex.encode(field.value).toUpperCase()}`;
    default:
      return hex.encode(field.value).toUpperCase();
  }
}

/** Blob bytes shown as text when they are printable UTF-8, else as hex. */
function blobText(bytes: Uint8Array): string {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    if (/^[\P{C}\n\t]*$/u.test(text)) return JSON.stringify(text);
  } catch {
    // Not UTF-8: shown as hex below.
  }
  return `0x${hex.encode(bytes).toUpperCase()}`;
}

const COMMON_FIELDS: readonly FieldName[] = ['TransactionType', 'Flags', 'SourceTag', 'Sequence', 'LastLedgerSequence', 'TicketSequence', 'AccountTxnID', 'Fee', 'SigningPubKey', 'Account', 'Memos'];
/** Shown in the summary's own fields or checked: not repeated in the notes. */
const SUMMARIZED_FIELDS: readonly FieldName[] = ['TransactionType', 'Fee', 'SigningPubKey', 'Account', 'Memos', 'Amount', 'Destination', 'SignerEntries', 'SignerQuorum', 'RegularKey', 'LimitAmount', 'TakerPays', 'TakerGets'];

const TF_PARTIAL_PAYMENT = 0x0002_0000;
const ASF_DISABLE_MASTER = 4;

interface TypeRule {
  readonly name: string;
  readonly fields: readonly FieldName[];
  /** The transfers the type makes and what approvers must read first. */
  readonly describe: (fields: ReadonlyMap<FieldName, StField>) => { transfers: Transfer[]; notes: string[] };
}

const TRANSACTION_TYPES: ReadonlyMap<number, TypeRule> = new Map<number, TypeRule>([
  [0, {
    name: 'Payment',
    fields: ['Amount', 'Destination', 'DestinationTag', 'SendMax', 'DeliverMin', 'Paths', 'InvoiceID', 'CredentialIDs', 'DomainID'],
    describe(fields) {
      const amountField = fields.get('Amount');
      const destination = fields.get('Destination');
      check(amountField !== undefined && destination !== undefined, 'malformed-transaction', 'a Payment needs Amount and Destination');
      const amount = decodeAmount(amountField.value, 'Amount');
      const notes: string[] = [];
      const flags = Number(uint(fields.get('Flags')?.value ?? new Uint8Array(0)));
      if (flags & TF_PARTIAL_PAYMENT) notes.push('PARTIAL PAYMENT (tfPartialPayment): the destination may receive less than Amount');
      return { transfers: [{ to: classicAddress(destination.value), ...amount }], notes };
    },
  }],
  [20, {
    name: 'TrustSet',
    fields: ['LimitAmount', 'QualityIn', 'QualityOut'],
    describe(fields) {
      const limit = fields.get('LimitAmount');
      check(limit !== undefined, 'malformed-transaction', 'a TrustSet needs LimitAmount');
      const { amount, asset } = decodeAmount(limit.value, 'LimitAmount');
      check(asset !== undefined && limit.value.length === 48, 'malformed-transaction', 'LimitAmount must be an issued currency');
      return { transfers: [], notes: [`trust line: holds up to ${amount} of ${asset}`] };
    },
  }],
  [7, {
    name: 'OfferCreate',
    fields: ['TakerPays', 'TakerGets', 'Expiration', 'OfferSequence', 'DomainID'],
    describe(fields) {
      const pays = fields.get('TakerPays');
      const gets = fields.get('TakerGets');
      check(pays !== undefined && gets !== undefined, 'malformed-transaction', 'an OfferCreate needs TakerPays and TakerGets');
      return { transfers: [], notes: [`offer: gives up to ${amountText(decodeAmount(gets.value, 'TakerGets'))} for ${amountText(decodeAmount(pays.value, 'TakerPays'))}`] };
    },
  }],
  [3, {
    name: 'AccountSet',
    fields: ['ClearFlag', 'SetFlag', 'Domain', 'EmailHash', 'MessageKey', 'TransferRate', 'TickSize', 'NFTokenMinter', 'WalletLocator', 'WalletSize'],
    describe(fields) {
      const setFlag = fields.get('SetFlag');
      const disablesMaster = setFlag !== undefined && uint(setFlag.value) === BigInt(ASF_DISABLE_MASTER);
      return { transfers: [], notes: disablesMaster ? ['DISABLES THE MASTER KEY (asfDisableMaster): afterwards only the regular key or signer list can sign for this account'] : [] };
    },
  }],
  [5, {
    name: 'SetRegularKey',
    fields: ['RegularKey'],
    describe(fields) {
      const key = fields.get('RegularKey');
      return { transfers: [], notes: [key ? `HANDS OVER THE ACCOUNT: sets the regular key to ${classicAddress(key.value)}, which can then sign any transaction for this account` : 'removes the regular key'] };
    },
  }],
  [12, {
    name: 'SignerListSet',
    fields: ['SignerQuorum', 'SignerEntries'],
    describe(fields) {
      const quorum = fields.get('SignerQuorum');
      check(quorum !== undefined, 'malformed-transaction', 'a SignerListSet needs SignerQuorum');
      const entries = (fields.get('SignerEntries')?.fields ?? []).map((element) => {
        check(element.ordinal === fieldOrdinal('SignerEntry'), 'malformed-transaction', 'SignerEntries holds an element that is not a SignerEntry');
        const entry = namedFields(element.fields, 'SignerEntry', ['Account', 'SignerWeight', 'WalletLocator']);
        const account = entry.get('Account');
        const weight = entry.get('SignerWeight');
        check(account !== undefined && weight !== undefined, 'malformed-transaction', 'a SignerEntry needs Account and SignerWeight');
        return `${classicAddress(account.value)} (weight ${uint(weight.value)})`;
      });
      const note = uint(quorum.value) === 0n
        ? 'deletes the signer list'
        : `HANDS OVER THE ACCOUNT: sets a signer list that can sign any transaction for this account, quorum ${uint(quorum.value)}: ${entries.join(', ')}`;
      return { transfers: [], notes: [note] };
    },
  }],
]);

/** Each Memo of Memos, as text. */
function memoNotes(memos: StField | undefined): string[] {
  return (memos?.fields ?? []).map((element) => {
    check(element.ordinal === fieldOrdinal('Memo'), 'malformed-transaction', 'Memos holds an element that is not a Memo');
    const memo = namedFields(element.fields, 'Memo', ['MemoType', 'MemoData', 'MemoFormat']);
    const parts = (['MemoType', 'MemoFormat', 'MemoData'] as const).flatMap((name) => {
      const field = memo.get(name);
      return field ? [`${name} ${blobText(field.value)}`] : [];
    });
    return `memo: ${parts.join(', ')}`;
  });
}

function decodeHexInput(transaction: unknown): Uint8Array {
  check(typeof transaction === 'object' && transaction !== null && !Array.isArray(transaction), 'malformed-transaction', 'the transaction must be { "txBlob": "<hex>" }');
  const keys = Object.keys(transaction);
  check(keys.length === 1 && keys[0] === 'txBlob', 'malformed-transaction', `the transaction must have exactly the field txBlob (got ${keys.join(', ') || 'none'})`);
  const { txBlob } = transaction as { txBlob: unknown };
  check(typeof txBlob === 'string' && /^(?:[0-9a-f]{2})+$|^(?:[0-9A-F]{2})+$/.test(txBlob), 'malformed-transaction', 'txBlob must be a non-empty hex string of whole bytes, in one case');
  return hex.decode(txBlob.toLowerCase());
}

function prepareTransaction(transaction: unknown, signer: SignerKey): PreparedTransaction {
  const signerAddress = xrp.address(signer.publicKey, signer.format);
  const publicKey = signer.publicKey;
  const blob = decodeHexInput(transaction);
  const top = parseBlob(blob);
  const present = (name: FieldName): boolean => top.some((field) => field.ordinal === fieldOrdinal(name));

  check(!present('TxnSignature'), 'malformed-transaction', 'the blob already has a TxnSignature: the input is the unsigned transaction');
  check(!present('Signers'), 'unsupported-transaction', 'multisigned transactions (Signers) are not signed by this module');
  check(!present('Delegate'), 'unsupported-transaction', 'delegated transactions (Delegate) are not signed by this module');
  check(!present('NetworkID'), 'wrong-chain', 'the transaction has a NetworkID: mainnet transactions carry none');

  const typeField = top.find((field) => field.ordinal === fieldOrdinal('TransactionType'));
  check(typeField !== undefined, 'malformed-transaction', 'the blob has no TransactionType');
  const typeCode = Number(uint(typeField.value));
  const rule = TRANSACTION_TYPES.get(typeCode);
  check(rule !== undefined, 'unsupported-transaction', `transaction type ${typeCode} is not signed by this module (supported: ${[...TRANSACTION_TYPES.values()].map((r) => r.name).join(', ')})`);
  const fields = namedFields(top, rule.name, [...COMMON_FIELDS, ...rule.fields]);

  const account = fields.get('Account');
  const fee = fields.get('Fee');
  const signingKey = fields.get('SigningPubKey');
  check(account !== undefined && fee !== undefined && fields.has('Sequence') && signingKey !== undefined, 'malformed-transaction', 'the transaction needs Account, Fee, Sequence and SigningPubKey');
  check(signingKey.value.length > 0, 'unsupported-transaction', 'an empty SigningPubKey marks a multisigned transaction, which this module does not sign');
  check(hex.encode(signingKey.value) === hex.encode(publicKey), 'foreign-input', 'SigningPubKey is not the signer\'s key');
  check(classicAddress(account.value) === signerAddress, 'foreign-input', `the Account ${classicAddress(account.value)} is not the signer's ${signerAddress}`);
  const feeAmount = decodeAmount(fee.value, 'Fee');
  check(feeAmount.asset === undefined, 'malformed-transaction', 'the Fee must be in XRP');

  const { transfers, notes } = rule.describe(fields);
  notes.unshift(`transaction type ${rule.name}`);
  for (const [name, field] of fields) {
    if (SUMMARIZED_FIELDS.includes(name)) continue;
    notes.push(`${name}: ${name === 'Flags' ? `0x${hex.encode(field.value).toUpperCase()}` : fieldText(field)}`);
  }
  notes.push(...memoNotes(fields.get('Memos')));

  const item: SigningItem = { scheme: 'ecdsa-secp256k1', hash: 'sha512half', message: concatBytes(SIGNING_PREFIX, blob) };
  return {
    items: [item],
    summary: { chain: xrp.info.id, from: signerAddress, transfers, fee: feeAmount.amount, notes },
    finalize(signatures) {
      checkSignatureCount(signatures, 1);
      const { der } = ecdsaSignature(signatures[0] as Uint8Array, ecdsaItemDigest(item), publicKey);
      const signatureOrdinal = fieldOrdinal('TxnSignature');
      const at = top.find((field) => field.ordinal > signatureOrdinal)?.start ?? blob.length;
      // Header 0x74 (Blob, field 4); a DER signature is at most 72 bytes, so its VL prefix is one byte.
      const signed = concatBytes(blob.subarray(0, at), Uint8Array.of(0x74, der.length), der, blob.subarray(at));
      return { signedTransaction: hex.encode(signed).toUpperCase(), txHash: hex.encode(sha512Half(concatBytes(TRANSACTION_ID_PREFIX, signed))).toUpperCase() };
    },
  };
}

export const xrp: ChainModule = {
  info: { id: 'xrp', name: 'XRP Ledger', scheme: 'ecdsa-secp256k1', formats: [FORMAT] },
  address(publicKey, format) {
    check(format === undefined || format === FORMAT, 'unsupported-format', `xrp has the format "${FORMAT}", not "${String(format)}"`);
    return classicAddress(accountIdOf(secp256k1Key(publicKey)));
  },
  prepareTransaction,
};
