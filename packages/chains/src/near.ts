/**
 * NEAR (`near` mainnet, `near-testnet`): Ed25519 keys. The address (format `implicit`) is the key's
 * implicit account id, the lowercase hex of the 32-byte key.
 *
 * Input: `{ "transaction": "<base64>" }`, the borsh-serialized unsigned `Transaction` (V0) as
 * near-api-js gives it (`createTransaction(...).encode()`, `encodeTransaction(tx)`), in standard
 * base64 with padding. Every byte is parsed: signer_id, public_key, nonce, receiver_id, block_hash and
 * each action (CreateAccount, DeployContract, FunctionCall, Transfer, Stake, AddKey, DeleteKey,
 * DeleteAccount); Delegate, the global-contract actions, later action kinds and TransactionV1 are
 * refused as `unsupported-transaction`, trailing bytes as `malformed-transaction`.
 *
 * Whose transaction: public_key must be the signer's Ed25519 key. signer_id must be the key's implicit
 * account or a named account (alice.near): on NEAR a named account holds keys as access keys, and
 * the network accepts the signature only if public_key is one of signer_id's access keys, which
 * cannot be checked offline, so a named signer_id is accepted and said in the notes. Another key's
 * implicit account (64 hex, or an ETH-implicit 0x… account) is refused as `foreign-input`: it
 * belongs to that other key, and signing for it is the mistake of having picked the wrong key.
 *
 * Which network: the transaction names none (its block_hash ties it to its chain, not checkable
 * offline), so a signer or receiver under the other network's registrar (`*.testnet` on mainnet,
 * `*.near` on testnet) is refused as `wrong-chain`.
 *
 * Signed: Ed25519 over sha256(borsh Transaction), as nearcore verifies. Output: `signedTransaction`
 * is base64 of borsh `SignedTransaction` (the transaction, then Signature { key type 0, 64 bytes }),
 * what RPC `send_tx` takes; `txHash` is base58 of sha256(borsh Transaction), the explorers' id.
 * Summary: transfers and function-call deposits in yoctoNEAR; `chainId` is the block hash (base58);
 * no fee (gas is paid at the block's price); keys, contracts, stake and account deletion in notes.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { base58, base64, hex } from '@scure/base';
import { ByteReader } from './byte-reader.js';
import { base64Bytes, ed25519SignerKey, inputFields } from './input.js';
import { ChainInputError, check } from './errors.js';
import { checkSignatureCount, ed25519Signature } from './keys.js';
import type { ChainModule, PreparedTransaction, SignerKey, Transfer } from './types.js';

const FORMAT = 'implicit';

/** nearcore's AccountId: 2–64 chars, dot-separated parts of [a-z0-9] joined by single '-' or '_'. */
const ACCOUNT_ID = /^(?:[a-z\d]+[-_])*[a-z\d]+(?:\.(?:[a-z\d]+[-_])*[a-z\d]+)*$/;
const NEAR_IMPLICIT = /^[0-9a-f]{64}$/;
const ETH_IMPLICIT = /^0x[0-9a-f]{40}$/;

/** Call arguments that are UTF-8 text are shown up to this many characters. */
const SHOWN_ARGS = 500;

type KeyKind = 'ed25519' | 'secp256k1';
interface NearPublicKey {
  readonly kind: KeyKind;
  readonly data: Uint8Array;
}

type AccessKeyPermission =
  | { readonly kind: 'full-access' }
  | { readonly kind: 'function-call'; readonly allowance?: bigint; readonly receiverId: string; readonly methodNames: readonly string[] };

type NearAction =
  | { readonly kind: 'CreateAccount' }
  | { readonly kind: 'DeployContract'; readonly code: Uint8Array }
  | { readonly kind: 'FunctionCall'; readonly methodName: string; readonly args: Uint8Array; readonly gas: bigint; readonly deposit: bigint }
  | { readonly kind: 'Transfer'; readonly deposit: bigint }
  | { readonly kind: 'Stake'; readonly stake: bigint; readonly publicKey: NearPublicKey }
  | { readonly kind: 'AddKey'; readonly publicKey: NearPublicKey; readonly permission: AccessKeyPermission }
  | { readonly kind: 'DeleteKey'; readonly publicKey: NearPublicKey }
  | { readonly kind: 'DeleteAccount'; readonly beneficiaryId: string };

interface NearTransaction {
  readonly signerId: string;
  readonly publicKey: NearPublicKey;
  readonly nonce: bigint;
  readonly receiverId: string;
  readonly blockHash: Uint8Array;
  readonly actions: readonly NearAction[];
}

/** Action enum tags nearcore has that this module does not sign (by name, for the refusal). */
const UNSUPPORTED_ACTIONS: Readonly<Record<number, string>> = { 8: 'Delegate', 9: 'DeployGlobalContract', 10: 'UseGlobalContract' };

/** A strict borsh reader: little-endian integers, u32-prefixed sequences, nothing read past the end. */
class BorshReader extends ByteReader {
  u32(what: string): number {
    return this.view(4, what).getUint32(0, true);
  }

  u64(what: string): bigint {
    return this.view(8, what).getBigUint64(0, true);
  }

  u128(what: string): bigint {
    const v = this.view(16, what);
    return v.getBigUint64(0, true) | (v.getBigUint64(8, true) << 64n);
  }

  bytes(what: string): Uint8Array {
    return this.fixed(this.u32(`the length of ${what}`), what);
  }

  string(what: string): string {
    return utf8(this.bytes(what), what);
  }

  accountId(what: string): string {
    const length = this.u32(`the length of ${what}`);
    check(length >= 2 && length <= 64, 'malformed-transaction', `${what} is ${length} bytes; a NEAR account id is 2 to 64`);
    const id = utf8(this.fixed(length, what), what);
    check(ACCOUNT_ID.test(id), 'malformed-transaction', `${what} ${JSON.stringify(id)} is not a valid NEAR account id`);
    return id;
  }

  /** A Vec's element count; each element takes at least one byte, so a count beyond what is left is refused early. */
  count(what: string): number {
    const n = this.u32(`the length of ${what}`);
    check(n <= this.remaining, 'malformed-transaction', `${what} claims ${n} elements in ${this.remaining} remaining bytes`);
    return n;
  }

  option<T>(what: string, read: () => T): T | undefined {
    const tag = this.u8(what);
    check(tag === 0 || tag === 1, 'malformed-transaction', `${what} has option tag ${tag}`);
    return tag === 1 ? read() : undefined;
  }

}

/** Bytes as text, or undefined when they are not valid UTF-8 (which borsh strings must be). */
function textOf(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function utf8(bytes: Uint8Array, what: string): string {
  const text = textOf(bytes);
  check(text !== undefined, 'malformed-transaction', `${what} is not valid UTF-8`);
  return text;
}

function readPublicKey(r: BorshReader, what: string): NearPublicKey {
  const keyType = r.u8(`the key type of ${what}`);
  if (keyType === 0) return { kind: 'ed25519', data: r.fixed(32, what) };
  if (keyType === 1) return { kind: 'secp256k1', data: r.fixed(64, what) };
  throw new ChainInputError('malformed-transaction', `${what} has unknown key type ${keyType}`);
}

function readPermission(r: BorshReader): AccessKeyPermission {
  const tag = r.u8('the access key permission');
  if (tag === 1) return { kind: 'full-access' };
  check(tag === 0, 'malformed-transaction', `unknown access key permission ${tag}`);
  const allowance = r.option('the function-call allowance', () => r.u128('the function-call allowance'));
  const receiverId = r.accountId('the function-call key receiver');
  const methodNames: string[] = [];
  for (let i = r.count('the method names'); i > 0; i--) methodNames.push(r.string('a method name'));
  return { kind: 'function-call', allowance, receiverId, methodNames };
}

function readAction(r: BorshReader): NearAction {
  const tag = r.u8('an action');
  switch (tag) {
    case 0:
      return { kind: 'CreateAccount' };
    case 1:
      return { kind: 'DeployContract', code: r.bytes('the contract code') };
    case 2:
      return { kind: 'FunctionCall', methodName: r.string('the method name'), args: r.bytes('the call arguments'), gas: r.u64('the gas'), deposit: r.u128('the deposit') };
    case 3:
      return { kind: 'Transfer', deposit: r.u128('the transfer amount') };
    case 4:
      return { kind: 'Stake', stake: r.u128('the stake'), publicKey: readPublicKey(r, 'the validator key') };
    case 5: {
      const publicKey = readPublicKey(r, 'the added key');
      r.u64('the access key nonce');
      return { kind: 'AddKey', publicKey, permission: readPermission(r) };
    }
    case 6:
      return { kind: 'DeleteKey', publicKey: readPublicKey(r, 'the deleted key') };
    case 7:
      return { kind: 'DeleteAccount', beneficiaryId: r.accountId('the beneficiary') };
    default:
      throw new ChainInputError('unsupported-transaction', `the ${UNSUPPORTED_ACTIONS[tag] ?? `kind ${tag}`} action is not signed by this module`);
  }
}

function parseTransaction(bytes: Uint8Array): NearTransaction {
  // nearcore writes TransactionV1 as a 1 byte then the body; a V0 starts with the u32 length of an
  // account id (at most 64), so its second byte is always 0.
  check(!(bytes[0] === 1 && bytes.length > 1 && bytes[1] !== 0), 'unsupported-transaction', 'TransactionV1 (with a priority fee) is not signed by this module');
  const r = new BorshReader(bytes);
  const signerId = r.accountId('signer_id');
  const publicKey = readPublicKey(r, 'public_key');
  const nonce = r.u64('nonce');
  const receiverId = r.accountId('receiver_id');
  const blockHash = r.fixed(32, 'block_hash');
  const actions: NearAction[] = [];
  for (let i = r.count('actions'); i > 0; i--) actions.push(readAction(r));
  r.end();
  return { signerId, publicKey, nonce, receiverId, blockHash, actions };
}

function keyString(key: NearPublicKey): string {
  return `${key.kind}:${base58.encode(key.data)}`;
}

function sameKey(key: NearPublicKey, ed25519: Uint8Array): boolean {
  return key.kind === 'ed25519' && hex.encode(key.data) === hex.encode(ed25519);
}

/** Call arguments as text when they are short printable UTF-8 (JSON usually), else their size. */
function describeArgs(args: Uint8Array): string {
  const text = textOf(args);
  return text !== undefined && text.length <= SHOWN_ARGS ? `args ${JSON.stringify(text)}` : `${args.length} bytes of args`;
}

function describe(tx: NearTransaction, ownKey: Uint8Array): { transfers: Transfer[]; notes: string[] } {
  const transfers: Transfer[] = [];
  const notes: string[] = [`nonce ${tx.nonce}`];
  const to = tx.receiverId;
  for (const a of tx.actions) {
    switch (a.kind) {
      case 'CreateAccount':
        notes.push(`creates account ${to}`);
        break;
      case 'DeployContract':
        notes.push(`DEPLOYS CONTRACT CODE to ${to} (${a.code.length} bytes, sha256 ${hex.encode(sha256(a.code))}): the code then decides what that account does`);
        break;
      case 'FunctionCall':
        notes.push(`calls ${to}.${JSON.stringify(a.methodName)} with ${describeArgs(a.args)}, gas ${a.gas}, deposit ${a.deposit} yoctoNEAR`);
        if (a.deposit > 0n) transfers.push({ to, amount: a.deposit.toString() });
        break;
      case 'Transfer':
        transfers.push({ to, amount: a.deposit.toString() });
        break;
      case 'Stake':
        notes.push(`STAKES ${a.stake} yoctoNEAR of ${to} with validator key ${keyString(a.publicKey)}`);
        break;
      case 'AddKey':
        notes.push(
          a.permission.kind === 'full-access'
            ? `ADDS FULL-ACCESS KEY ${keyString(a.publicKey)} to ${to}: whoever holds it controls the account`
            : `ADDS FUNCTION-CALL KEY ${keyString(a.publicKey)} to ${to}, for ${a.permission.receiverId} methods ${a.permission.methodNames.length ? JSON.stringify(a.permission.methodNames) : '(any)'}, gas allowance ${a.permission.allowance === undefined ? 'unlimited' : `${a.permission.allowance} yoctoNEAR`}`,
        );
        break;
      case 'DeleteKey':
        notes.push(`DELETES KEY ${keyString(a.publicKey)} from ${to}${sameKey(a.publicKey, ownKey) ? ': the signer\'s own key, the cluster loses access to the account' : ''}`);
        break;
      case 'DeleteAccount':
        notes.push(`DELETES ACCOUNT ${to} and sends its whole balance to ${a.beneficiaryId}`);
        break;
    }
  }
  return { transfers, notes };
}

function decodeInput(transaction: unknown): Uint8Array {
  const usage = 'a NEAR transaction is { "transaction": "<base64 borsh Transaction>" }';
  return base64Bytes(inputFields(transaction, ['transaction'], usage).transaction, 'the transaction', usage);
}

function signerKey(publicKey: Uint8Array, format: string | undefined): Uint8Array {
  return ed25519SignerKey('NEAR', FORMAT, publicKey, format);
}

function implicitAccount(publicKey: Uint8Array): string {
  return hex.encode(publicKey);
}

/** The account's top-level account: the part after its last dot (a top-level account is its own). */
function topLevel(accountId: string): string {
  return accountId.slice(accountId.lastIndexOf('.') + 1);
}

function nearModule(id: string, name: string, otherRegistrar: string): ChainModule {
  return {
    info: { id, name, scheme: 'eddsa-ed25519', formats: [FORMAT] },

    address(publicKey: Uint8Array, format?: string): string {
      return implicitAccount(signerKey(publicKey, format));
    },

    prepareTransaction(transaction: unknown, signer: SignerKey): PreparedTransaction {
      const ownKey = signerKey(signer.publicKey, signer.format);
      const own = implicitAccount(ownKey);
      const txBytes = decodeInput(transaction);
      const tx = parseTransaction(txBytes);

      check(sameKey(tx.publicKey, ownKey), 'foreign-input', `the transaction is signed by ${keyString(tx.publicKey)}, not the signer's key`);
      const implicit = NEAR_IMPLICIT.test(tx.signerId) || ETH_IMPLICIT.test(tx.signerId);
      check(!implicit || tx.signerId === own, 'foreign-input', `signer_id ${tx.signerId} is another key's implicit account (the signer's is ${own})`);
      for (const [what, account] of [['signer_id', tx.signerId], ['receiver_id', tx.receiverId]] as const) {
        check(topLevel(account) !== otherRegistrar, 'wrong-chain', `${what} ${account} is a .${otherRegistrar} account, not on ${name}`);
      }

      const hash = sha256(txBytes);
      const { transfers, notes } = describe(tx, ownKey);
      if (tx.signerId !== own) notes.unshift(`signs as named account ${tx.signerId}: the network accepts it only if ${keyString(tx.publicKey)} is one of its access keys`);

      return {
        items: [{ scheme: 'eddsa-ed25519', message: hash }],
        summary: { chain: id, from: tx.signerId, transfers, chainId: base58.encode(tx.blockHash), notes },
        finalize(signatures) {
          checkSignatureCount(signatures, 1);
          const signature = ed25519Signature(signatures[0] as Uint8Array, hash, ownKey);
          const signed = new Uint8Array(txBytes.length + 1 + 64);
          signed.set(txBytes);
          signed[txBytes.length] = 0; // Signature enum: ED25519
          signed.set(signature, txBytes.length + 1);
          return { signedTransaction: base64.encode(signed), txHash: base58.encode(hash) };
        },
      };
    },
  };
}

export const near = nearModule('near', 'NEAR', 'testnet');
export const nearTestnet = nearModule('near-testnet', 'NEAR testnet', 'near');
