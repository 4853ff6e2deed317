/**
 * Solana (`solana`): Ed25519 keys. The address (format `solana`) is the base58 of the 32-byte key.
 *
 * Input: `{ "message": "<base64>" }`, the serialized transaction message, legacy or v0, as
 * @solana/web3.js gives it (`transaction.serializeMessage()`, `versionedMessage.serialize()`),
 * standard base64 with padding. Every byte is parsed and checked as the runtime sanitizes it: the
 * header, compact-u16 lengths (canonical, at most 3 bytes), distinct static account keys, the recent
 * blockhash, each instruction (program among the static keys and not the fee payer, every account
 * index in range), v0 address-table lookups (non-empty, at most 256 accounts in all), no trailing
 * bytes. Message versions other than legacy and 0 are `unsupported-transaction`.
 *
 * Whose transaction: the signer's key must be the fee payer (account 0), else `foreign-input`; it
 * must be the only required signer, else `unsupported-transaction` (the other signatures cannot be
 * made here). The message names no cluster: its recent blockhash (or durable nonce) ties it to one,
 * which cannot be checked offline, so there is no `wrong-chain` check.
 *
 * Signed: Ed25519 over the message bytes themselves. Output: `signedTransaction` is base64 of the wire
 * transaction (compact-u16 signature count 1, the signature, the message), what `sendTransaction`
 * takes with `encoding: "base64"`; `txHash` is the base58 of the signature, the transaction id.
 * Summary: System Program transfers and account creations in lamports; SPL Token and Token-2022
 * Transfer / TransferChecked (amount in the token's base units, `to` a token account, asset the mint
 * when the instruction names it, else the token program); compute budget, memos and every other
 * program in the notes; `chainId` is the recent blockhash (base58). No `fee`: the message does not
 * state it (5000 lamports per signature plus the priority fee in the notes, at today's rates).
 *
 * Messages: `prepareMessage` signs the Solana off-chain message format (standard `solana-offchain`,
 * header version 0 of the spec in the Agave docs, proposals/off-chain-message-signing): input
 * `{ "applicationDomain": "<base58, 32 bytes>", "message": "<text>", "format"?: 0 | 1 | 2 }`; the
 * signer is the one signer in the preamble. Format 0 is restricted ASCII (0x20–0x7e) and 1 UTF-8, both
 * with preamble and body at most 1232 bytes; 2 is UTF-8 up to 65535 bytes in all. Without `format`,
 * the first that fits the text is used. Output: the base58 signature over preamble ‖ body.
 */
import { base58, base64 } from '@scure/base';
import { ChainInputError, check } from './errors.js';
import { base64Bytes, ed25519SignerKey, inputFields } from './input.js';
import { checkSignatureCount, ed25519Signature } from './keys.js';
import type { ChainModule, PreparedMessage, PreparedTransaction, SignerKey, Transfer } from './types.js';

const FORMAT = 'solana';
const SYSTEM_PROGRAM = '11111111111111111111111111111111';
const COMPUTE_BUDGET_PROGRAM = 'ComputeBudget111111111111111111111111111111';
const TOKEN_PROGRAMS: Readonly<Record<string, string>> = {
  TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA: 'SPL Token',
  TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb: 'Token-2022',
};
const MEMO_PROGRAM = 'MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr';
/** Account indexes are one byte. */
const MAX_ACCOUNTS = 256;
const VERSION_PREFIX = 0x80;

const SYSTEM_INSTRUCTIONS = [
  'CreateAccount', 'Assign', 'Transfer', 'CreateAccountWithSeed', 'AdvanceNonceAccount', 'WithdrawNonceAccount',
  'InitializeNonceAccount', 'AuthorizeNonceAccount', 'Allocate', 'AllocateWithSeed', 'AssignWithSeed', 'TransferWithSeed',
  'UpgradeNonceAccount',
];
/** Token instructions that change who controls an account or its tokens, named in the notes. */
const TOKEN_INSTRUCTIONS: Readonly<Record<number, string>> = {
  4: 'Approve (delegates spending)', 5: 'Revoke', 6: 'SetAuthority', 7: 'MintTo', 8: 'Burn', 9: 'CloseAccount',
  10: 'FreezeAccount', 11: 'ThawAccount', 13: 'ApproveChecked (delegates spending)', 14: 'MintToChecked', 15: 'BurnChecked',
};

/** The off-chain message signing domain, b"\xffsolana offchain". */
const OFFCHAIN_SIGNING_DOMAIN = new Uint8Array([0xff, ...new TextEncoder().encode('solana offchain')]);
/** Preamble and body of formats 0 and 1 fit the smallest IPv6 MTU less headers, for hardware wallets. */
const OFFCHAIN_HARDWARE_LIMIT = 1232;
const OFFCHAIN_LIMIT = 0xffff;
const OFFCHAIN_STANDARD = 'solana-offchain';

interface Instruction {
  readonly programIndex: number;
  readonly accounts: readonly number[];
  readonly data: Uint8Array;
}

interface Lookup {
  readonly table: Uint8Array;
  readonly writable: readonly number[];
  readonly readonly: readonly number[];
}

interface Message {
  readonly version: 'legacy' | 0;
  readonly requiredSignatures: number;
  readonly keys: readonly Uint8Array[];
  readonly blockhash: Uint8Array;
  readonly instructions: readonly Instruction[];
  readonly lookups: readonly Lookup[];
}

class MessageReader {
  private offset = 0;
  constructor(private readonly input: Uint8Array) {}

  fixed(length: number, what: string): Uint8Array {
    check(length <= this.input.length - this.offset, 'malformed-transaction', `the message ends inside ${what}`);
    const out = this.input.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  u8(what: string): number {
    return this.fixed(1, what)[0] as number;
  }

  /** Solana's compact-u16 ("short vec" length): 7 bits a byte, at most 3 bytes, no overlong form. */
  compactU16(what: string): number {
    let value = 0;
    for (let i = 0; i < 3; i++) {
      const byte = this.u8(what);
      check(i === 0 || byte !== 0, 'malformed-transaction', `${what} is a non-canonical compact-u16`);
      check(i < 2 || byte <= 0x03, 'malformed-transaction', `${what} overflows a compact-u16`);
      value |= (byte & 0x7f) << (7 * i);
      if ((byte & 0x80) === 0) break;
    }
    return value;
  }

  /** A compact-u16 count of elements of `size` bytes each, refused early when they cannot fit. */
  count(what: string, size: number): number {
    const n = this.compactU16(`the length of ${what}`);
    check(n * size <= this.input.length - this.offset, 'malformed-transaction', `${what} claims ${n} elements in ${this.input.length - this.offset} remaining bytes`);
    return n;
  }

  u8s(what: string): number[] {
    return [...this.fixed(this.count(what, 1), what)];
  }

  end(): void {
    check(this.offset === this.input.length, 'malformed-transaction', `${this.input.length - this.offset} trailing byte(s) after the message`);
  }
}

function parseMessage(bytes: Uint8Array): Message {
  const r = new MessageReader(bytes);
  let requiredSignatures = r.u8('the header');
  let version: Message['version'] = 'legacy';
  if (requiredSignatures & VERSION_PREFIX) {
    check(requiredSignatures !== 0xff, 'unsupported-transaction', 'this is an off-chain message (it starts with 0xff), not a transaction');
    check(requiredSignatures === VERSION_PREFIX, 'unsupported-transaction', `message version ${requiredSignatures & 0x7f} is not signed by this module (legacy and v0 are)`);
    version = 0;
    requiredSignatures = r.u8('the header');
  }
  const readonlySigned = r.u8('the header');
  const readonlyUnsigned = r.u8('the header');
  const keys = Array.from({ length: r.count('the account keys', 32) }, () => r.fixed(32, 'an account key'));
  const blockhash = r.fixed(32, 'the recent blockhash');
  const instructions = Array.from({ length: r.count('the instructions', 3) }, (): Instruction => ({
    programIndex: r.u8('a program index'),
    accounts: r.u8s('the accounts of an instruction'),
    data: r.fixed(r.compactU16('the data length of an instruction'), 'the data of an instruction'),
  }));
  const lookups =
    version === 0
      ? Array.from({ length: r.count('the address table lookups', 34) }, (): Lookup => ({
          table: r.fixed(32, 'a lookup table address'),
          writable: r.u8s('the writable lookup indexes'),
          readonly: r.u8s('the readonly lookup indexes'),
        }))
      : [];
  r.end();

  // The runtime's sanitize rules: a message breaking them never executes, so refuse to sign it.
  check(requiredSignatures >= 1, 'malformed-transaction', 'the message requires no signature, so it has no fee payer');
  check(requiredSignatures + readonlyUnsigned <= keys.length, 'malformed-transaction', `the header counts ${requiredSignatures} signer and ${readonlyUnsigned} readonly unsigned accounts among ${keys.length} keys`);
  check(readonlySigned < requiredSignatures, 'malformed-transaction', 'the fee payer must be writable (the header makes every signer readonly)');
  check(new Set(keys.map((k) => base58.encode(k))).size === keys.length, 'malformed-transaction', 'an account key appears twice');
  const total = keys.length + lookups.reduce((n, l) => n + l.writable.length + l.readonly.length, 0);
  check(total <= MAX_ACCOUNTS, 'malformed-transaction', `the message loads ${total} accounts; at most ${MAX_ACCOUNTS} can be indexed`);
  for (const l of lookups) {
    check(l.writable.length + l.readonly.length > 0, 'malformed-transaction', `lookup table ${base58.encode(l.table)} loads no account`);
  }
  instructions.forEach((ix, i) => {
    check(ix.programIndex !== 0, 'malformed-transaction', `instruction ${i} calls the fee payer as a program`);
    check(ix.programIndex < keys.length, 'malformed-transaction', `instruction ${i} names program ${ix.programIndex}, not one of the ${keys.length} static keys`);
    for (const a of ix.accounts) check(a < total, 'malformed-transaction', `instruction ${i} uses account ${a} of ${total}`);
  });
  return { version, requiredSignatures, keys, blockhash, instructions, lookups };
}

function u64At(data: Uint8Array, offset: number): bigint {
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getBigUint64(offset, true);
}

function u32At(data: Uint8Array, offset: number): number {
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(offset, true);
}

/** A memo as the memo program requires it, UTF-8 text; anything else by its size. */
function memoText(data: Uint8Array): string {
  try {
    return JSON.stringify(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(data));
  } catch {
    return `of ${data.length} bytes that are not UTF-8 (the memo program fails on them)`;
  }
}

/**
 * The transaction's instructions in words. Programs decode their data leniently (bincode and the
 * token program ignore trailing bytes), so a transfer is read when the data is long enough, as the
 * program would read it.
 */
function describe(m: Message): { transfers: Transfer[]; notes: string[] } {
  // Accounts past the static keys come from the lookup tables: all writable entries, then all readonly.
  const looked = [...m.lookups.flatMap((l) => l.writable.map((i) => [l, i] as const)), ...m.lookups.flatMap((l) => l.readonly.map((i) => [l, i] as const))];
  const account = (index: number | undefined): string => {
    if (index === undefined) return '(missing account)';
    const key = m.keys[index];
    if (key) return base58.encode(key);
    const [l, i] = looked[index - m.keys.length] as readonly [Lookup, number];
    return `entry ${i} of lookup table ${base58.encode(l.table)}`;
  };

  const transfers: Transfer[] = [];
  const notes: string[] = [];
  let unitLimit: number | undefined;
  let unitPrice: bigint | undefined;
  m.instructions.forEach((ix, n) => {
    const program = account(ix.programIndex);
    const d = ix.data;
    const at = (i: number) => account(ix.accounts[i]);
    const token = TOKEN_PROGRAMS[program];
    if (program === SYSTEM_PROGRAM) {
      const tag = d.length >= 4 ? u32At(d, 0) : undefined;
      const name = tag === undefined ? undefined : SYSTEM_INSTRUCTIONS[tag];
      if (tag === 2 && d.length >= 12 && ix.accounts.length >= 2) {
        transfers.push({ to: at(1), amount: u64At(d, 4).toString() });
      } else if (tag === 0 && d.length >= 52 && ix.accounts.length >= 2) {
        transfers.push({ to: at(1), amount: u64At(d, 4).toString() });
        notes.push(`instruction ${n} creates account ${at(1)} with ${u64At(d, 4)} lamports, ${u64At(d, 12)} bytes, owned by program ${base58.encode(d.subarray(20, 52))}`);
      } else if (tag === 4) {
        notes.push(`instruction ${n} advances durable nonce account ${at(0)}: the blockhash is that nonce`);
      } else {
        const owner = tag === 1 || tag === 10 ? ': it changes an account\'s owner program' : '';
        notes.push(`instruction ${n} is System Program ${name ?? `instruction ${tag ?? '(no tag)'}`}${owner} (${d.length} bytes of data)`);
      }
    } else if (token !== undefined) {
      if (d[0] === 3 && d.length >= 9 && ix.accounts.length >= 3) {
        transfers.push({ to: at(1), amount: u64At(d, 1).toString(), asset: program });
        notes.push(`instruction ${n}: ${token} Transfer from token account ${at(0)} to token account ${at(1)} (the mint is not named; the token program is the asset)`);
      } else if (d[0] === 12 && d.length >= 10 && ix.accounts.length >= 4) {
        transfers.push({ to: at(2), amount: u64At(d, 1).toString(), asset: at(1) });
        notes.push(`instruction ${n}: ${token} TransferChecked from token account ${at(0)} to token account ${at(2)}, ${d[9]} decimals`);
      } else {
        notes.push(`instruction ${n} is ${token} ${TOKEN_INSTRUCTIONS[d[0] ?? -1] ?? `instruction ${d[0] ?? '(no data)'}`}`);
      }
    } else if (program === COMPUTE_BUDGET_PROGRAM && d[0] === 2 && d.length === 5) {
      unitLimit = u32At(d, 1);
    } else if (program === COMPUTE_BUDGET_PROGRAM && d[0] === 3 && d.length === 9) {
      unitPrice = u64At(d, 1);
    } else if (program === MEMO_PROGRAM) {
      notes.push(`instruction ${n} memo ${memoText(d)}`);
    } else {
      notes.push(`instruction ${n} calls program ${program} with ${ix.accounts.length} account(s) and ${d.length} byte(s) of data`);
    }
  });
  if (unitLimit !== undefined) notes.push(`compute unit limit ${unitLimit}`);
  if (unitPrice !== undefined) {
    const most = unitLimit === undefined ? '' : `, at most ${(BigInt(unitLimit) * unitPrice + 999_999n) / 1_000_000n} lamports of priority fee`;
    notes.push(`priority fee ${unitPrice} micro-lamports per compute unit${most}`);
  }
  if (m.version === 0) notes.push(`v0 message loading ${looked.length} account(s) from ${m.lookups.length} address lookup table(s)`);
  return { transfers, notes };
}


function decodeInput(transaction: unknown): Uint8Array {
  const usage = 'a Solana transaction is { "message": "<base64 serialized message>" }';
  return base64Bytes(inputFields(transaction, ['message'], usage).message, 'the message', usage);
}

function signerKey(publicKey: Uint8Array, format: string | undefined): Uint8Array {
  return ed25519SignerKey('Solana', FORMAT, publicKey, format);
}

/** Whether every byte is printable ASCII, 0x20–0x7e (the spec's format 0 under header version 0). */
function isRestrictedAscii(bytes: Uint8Array): boolean {
  return bytes.every((b) => b >= 0x20 && b <= 0x7e);
}

/** Preamble ‖ body of a version-0 off-chain message with one signer. */
function offchainMessage(input: unknown, signer: Uint8Array): Uint8Array {
  const usage = 'a Solana off-chain message is { "applicationDomain": "<base58, 32 bytes>", "message": "<text>", "format"?: 0 | 1 | 2 }';
  check(typeof input === 'object' && input !== null && !Array.isArray(input), 'unsupported-message', usage);
  const extra = Object.keys(input).filter((k) => !['applicationDomain', 'message', 'format'].includes(k));
  check(extra.length === 0, 'unsupported-message', `unexpected field(s) ${extra.join(', ')}: ${usage}`);
  const { applicationDomain, message, format } = input as { applicationDomain?: unknown; message?: unknown; format?: unknown };
  check(typeof applicationDomain === 'string' && typeof message === 'string', 'unsupported-message', usage);
  check(format === undefined || format === 0 || format === 1 || format === 2, 'unsupported-message', `format is 0 (restricted ASCII), 1 (UTF-8, 1232 bytes) or 2 (UTF-8, 65535 bytes), not ${JSON.stringify(format)}`);
  let domain: Uint8Array;
  try {
    domain = base58.decode(applicationDomain);
  } catch {
    throw new ChainInputError('unsupported-message', 'applicationDomain is not base58');
  }
  check(domain.length === 32, 'unsupported-message', `applicationDomain is ${domain.length} bytes, not 32`);
  const body = new TextEncoder().encode(message);
  // TextEncoder replaces a lone surrogate with U+FFFD: the bytes would not be the text asked for.
  check(new TextDecoder().decode(body) === message, 'unsupported-message', 'the message is not well-formed Unicode (a lone surrogate)');
  check(body.length > 0, 'unsupported-message', 'the message is empty');
  const length = OFFCHAIN_SIGNING_DOMAIN.length + 1 + 32 + 1 + 1 + 32 + 2 + body.length;
  const fits = [isRestrictedAscii(body) && length <= OFFCHAIN_HARDWARE_LIMIT, length <= OFFCHAIN_HARDWARE_LIMIT, length <= OFFCHAIN_LIMIT];
  const chosen = format ?? fits.indexOf(true);
  check(chosen >= 0, 'unsupported-message', `the message is ${body.length} bytes; at most ${OFFCHAIN_LIMIT} with the preamble`);
  check(fits[chosen], 'unsupported-message', chosen === 0 ? `format 0 takes printable ASCII only, at most ${OFFCHAIN_HARDWARE_LIMIT} bytes with the preamble` : `the message is too long for format ${chosen}`);
  const out = new Uint8Array(length);
  out.set(OFFCHAIN_SIGNING_DOMAIN);
  let at = OFFCHAIN_SIGNING_DOMAIN.length;
  out[at++] = 0; // header version
  out.set(domain, at);
  at += 32;
  out[at++] = chosen;
  out[at++] = 1; // signer count
  out.set(signer, at);
  at += 32;
  out[at++] = body.length & 0xff;
  out[at++] = body.length >> 8;
  out.set(body, at);
  return out;
}

export const solana: ChainModule = {
  info: { id: 'solana', name: 'Solana', scheme: 'eddsa-ed25519', formats: [FORMAT] },

  address(publicKey: Uint8Array, format?: string): string {
    return base58.encode(signerKey(publicKey, format));
  },

  prepareTransaction(transaction: unknown, signer: SignerKey): PreparedTransaction {
    const ownKey = signerKey(signer.publicKey, signer.format);
    const own = base58.encode(ownKey);
    const messageBytes = decodeInput(transaction);
    const m = parseMessage(messageBytes);

    const feePayer = base58.encode(m.keys[0] as Uint8Array);
    check(feePayer === own, 'foreign-input', `the fee payer is ${feePayer}, not the signer's key ${own}`);
    check(m.requiredSignatures === 1, 'unsupported-transaction', `the message needs ${m.requiredSignatures} signatures; only the fee payer's can be made here`);

    const { transfers, notes } = describe(m);
    return {
      items: [{ scheme: 'eddsa-ed25519', message: messageBytes }],
      summary: { chain: 'solana', from: own, transfers, chainId: base58.encode(m.blockhash), notes },
      finalize(signatures) {
        checkSignatureCount(signatures, 1);
        const signature = ed25519Signature(signatures[0] as Uint8Array, messageBytes, ownKey);
        const wire = new Uint8Array(1 + 64 + messageBytes.length);
        wire[0] = 1; // compact-u16 signature count
        wire.set(signature, 1);
        wire.set(messageBytes, 65);
        return { signedTransaction: base64.encode(wire), txHash: base58.encode(signature) };
      },
    };
  },

  prepareMessage(message: unknown, signer: SignerKey, standard?: string): PreparedMessage {
    check(standard === undefined || standard === OFFCHAIN_STANDARD, 'unsupported-message', `Solana signs messages under "${OFFCHAIN_STANDARD}" only (got ${JSON.stringify(standard)})`);
    const ownKey = signerKey(signer.publicKey, signer.format);
    const bytes = offchainMessage(message, ownKey);
    return {
      items: [{ scheme: 'eddsa-ed25519', message: bytes }],
      finalize(signatures) {
        checkSignatureCount(signatures, 1);
        return { signature: base58.encode(ed25519Signature(signatures[0] as Uint8Array, bytes, ownKey)) };
      },
    };
  },
};
