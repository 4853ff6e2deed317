/**
 * Cosmos Hub (`cosmos`, chain id `cosmoshub-4`): secp256k1 ECDSA with 33-byte compressed keys. The
 * address is bech32(hrp, ripemd160(sha256(key))). Formats: `cosmos` (default, the Hub's `cosmos1…`)
 * and `bech32:<hrp>` for any other Cosmos SDK chain's prefix (`bech32:osmo` gives `osmo1…`; the hrp
 * must be lowercase printable ASCII, 1–51 characters so the address fits BIP173's 90). Transactions
 * are signed for the Hub only: a signer in another prefix is refused as `wrong-chain`.
 *
 * Input: the SIGN_MODE_DIRECT SignDoc as cosmjs builds it (`makeSignDoc`), with bytes in standard
 * padded base64 and the account number as a decimal string:
 * `{ "bodyBytes": "<base64 TxBody>", "authInfoBytes": "<base64 AuthInfo>", "chainId": "cosmoshub-4", "accountNumber": "42" }`.
 * Both byte fields are parsed strictly (protobuf.ts): TxBody (messages, memo, timeout_height;
 * extension options, `unordered` and timeout_timestamp refused), AuthInfo (exactly one signer_info
 * with a `/cosmos.crypto.secp256k1.PubKey` that is the signer's key, SIGN_MODE_DIRECT, its
 * sequence; the fee's coins and gas limit; a fee payer other than the signer refused, a granter
 * noted; the deprecated tip refused). Messages decoded: MsgSend, MsgDelegate, MsgUndelegate,
 * MsgBeginRedelegate, MsgWithdrawDelegatorReward; each must name the signer as its sender or
 * delegator (`foreign-input`), every address must be the Hub's (`wrong-chain`). Any other message
 * type is refused as `unsupported-transaction`: this module signs only what it can show.
 *
 * Signed: ECDSA over sha256 of the SignDoc's protobuf bytes, which this module encodes itself
 * (fields 1–4, canonical); the item carries those bytes with hash `sha256`. Output:
 * `signedTransaction` is base64 of the protobuf TxRaw (body_bytes, auth_info_bytes, the one
 * 64-byte r‖s low-S signature), what `/cosmos/tx/v1beta1/txs` broadcasts; `txHash` is the uppercase
 * hex sha256 of the TxRaw, as explorers show it.
 * Summary: MsgSend coins as transfers (in their base denom; `asset` is the denom unless `uatom`);
 * `fee` in uatom when the fee is only uatom; staking, memo, sequence, gas, timeouts in notes.
 */
import { ripemd160 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { base64, bech32, hex } from '@scure/base';
import { check } from './errors.js';
import { checkSignatureCount, ecdsaItemDigest, ecdsaSignature, secp256k1Key } from './keys.js';
import { ProtoMessage, protoBytesField, protoVarintField } from './protobuf.js';
import type { ChainModule, PreparedTransaction, SignerKey, SigningItem, Transfer } from './types.js';

const CHAIN_ID = 'cosmoshub-4';
const HUB_PREFIX = 'cosmos';
const VALIDATOR_PREFIX = 'cosmosvaloper';
const NATIVE_DENOM = 'uatom';
const FORMAT_HUB = 'cosmos';
const FORMAT_ANY_PREFIX = 'bech32:';
/** BIP173 caps an address at 90 characters: hrp + '1' + 32 data characters (20 bytes) + 6 checksum. */
const MAX_HRP_LENGTH = 90 - 1 - 32 - 6;
const SIGN_MODE_DIRECT = 1n;
const SECP256K1_PUBKEY_TYPE = '/cosmos.crypto.secp256k1.PubKey';
const MAX_UINT64 = (1n << 64n) - 1n;
/** The Cosmos SDK's coin denom and amount (a non-negative sdk.Int, at most 256 bits). */
const DENOM = /^[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$/;
const POSITIVE_AMOUNT = /^[1-9][0-9]{0,77}$/;
const INPUT_KEYS = ['bodyBytes', 'authInfoBytes', 'chainId', 'accountNumber'] as const;

/** The bech32 hrp a format names; `unsupported-format` for anything else. */
function formatPrefix(format: string | undefined): string {
  if (format === undefined || format === FORMAT_HUB) return HUB_PREFIX;
  check(typeof format === 'string' && format.startsWith(FORMAT_ANY_PREFIX), 'unsupported-format', `cosmos has the formats "${FORMAT_HUB}" and "${FORMAT_ANY_PREFIX}<hrp>", not "${String(format)}"`);
  const hrp = format.slice(FORMAT_ANY_PREFIX.length);
  // BIP173: hrp characters are ASCII 33–126; addresses are written in lowercase.
  check(/^[\x21-\x40\x5b-\x7e]+$/.test(hrp) && hrp.length <= MAX_HRP_LENGTH, 'unsupported-format', `"${hrp}" is not a bech32 prefix (1–${MAX_HRP_LENGTH} lowercase printable ASCII characters)`);
  return hrp;
}

function accountHash(publicKey: Uint8Array): Uint8Array {
  return ripemd160(sha256(secp256k1Key(publicKey)));
}

/** An address in a message: canonical lowercase bech32 under `prefix` (else `wrong-chain`). */
function decodeAddress(address: string, prefix: string, what: string): Uint8Array {
  let decoded;
  try {
    decoded = bech32.decode(address as `${string}1${string}`);
  } catch {
    check(false, 'malformed-transaction', `${what} "${address}" is not a bech32 address`);
  }
  check(decoded.prefix === prefix, 'wrong-chain', `${what} "${address}" is not a Cosmos Hub address (prefix "${decoded.prefix}", expected "${prefix}")`);
  check(bech32.encode(decoded.prefix, decoded.words) === address, 'malformed-transaction', `${what} "${address}" is not in canonical lowercase bech32`);
  let bytes;
  try {
    bytes = bech32.fromWords(decoded.words);
  } catch {
    check(false, 'malformed-transaction', `${what} "${address}" has padding bits set`);
  }
  // 20 bytes for keys, 32 for module and interchain accounts.
  check(bytes.length === 20 || bytes.length === 32, 'malformed-transaction', `${what} "${address}" holds ${bytes.length} bytes, not 20 or 32`);
  return bytes;
}

interface Coin {
  readonly denom: string;
  readonly amount: string;
}

function decodeCoin(bytes: Uint8Array, what: string): Coin {
  const coin = ProtoMessage.decode(bytes, what, { 1: 'scalar', 2: 'scalar' });
  const denom = coin.string(1);
  const amount = coin.string(2);
  check(DENOM.test(denom), 'malformed-transaction', `${what}: "${denom}" is not a coin denom`);
  check(POSITIVE_AMOUNT.test(amount), 'malformed-transaction', `${what}: amount "${amount}" is not a positive integer`);
  return { denom, amount };
}

/** A list of coins as sdk.Coins requires it: sorted by denom, each denom once. */
function decodeCoins(list: readonly Uint8Array[], what: string): Coin[] {
  const coins = list.map((bytes) => decodeCoin(bytes, what));
  coins.forEach((coin, i) => {
    const previous = coins[i - 1];
    check(previous === undefined || previous.denom < coin.denom, 'malformed-transaction', `${what}: coins must be sorted by denom, each once ("${previous?.denom}" then "${coin.denom}")`);
  });
  return coins;
}

function coinText(coin: Coin): string {
  return `${coin.amount}${coin.denom}`;
}

function transferOf(to: string, coin: Coin): Transfer {
  return coin.denom === NATIVE_DENOM ? { to, amount: coin.amount } : { to, amount: coin.amount, asset: coin.denom };
}

/** What one message does, as far as the signer is concerned. */
interface DecodedMessage {
  /** The address the message acts for (sender, delegator): it must be the signer's. */
  readonly actor: string;
  readonly transfers: readonly Transfer[];
  readonly note?: string;
}

/** The message types this module signs, by type URL; every other one is refused. */
const MESSAGE_DECODERS: ReadonlyMap<string, (value: Uint8Array) => DecodedMessage> = new Map([
  [
    '/cosmos.bank.v1beta1.MsgSend',
    (value: Uint8Array): DecodedMessage => {
      const msg = ProtoMessage.decode(value, 'MsgSend', { 1: 'scalar', 2: 'scalar', 3: 'repeated-message' });
      const to = msg.string(2);
      decodeAddress(to, HUB_PREFIX, 'MsgSend to_address');
      const coins = decodeCoins(msg.repeated(3), 'MsgSend amount');
      check(coins.length > 0, 'malformed-transaction', 'MsgSend sends no coins');
      return { actor: msg.string(1), transfers: coins.map((coin) => transferOf(to, coin)) };
    },
  ],
  ['/cosmos.staking.v1beta1.MsgDelegate', (value: Uint8Array) => stakingMessage(value, 'MsgDelegate', 'delegates')],
  ['/cosmos.staking.v1beta1.MsgUndelegate', (value: Uint8Array) => stakingMessage(value, 'MsgUndelegate', 'undelegates (unbonds)')],
  [
    '/cosmos.staking.v1beta1.MsgBeginRedelegate',
    (value: Uint8Array): DecodedMessage => {
      const msg = ProtoMessage.decode(value, 'MsgBeginRedelegate', { 1: 'scalar', 2: 'scalar', 3: 'scalar', 4: 'message' });
      const source = validatorAddress(msg.string(2), 'MsgBeginRedelegate validator_src_address');
      const destination = validatorAddress(msg.string(3), 'MsgBeginRedelegate validator_dst_address');
      check(msg.has(4), 'malformed-transaction', 'MsgBeginRedelegate has no amount');
      const coin = decodeCoin(msg.bytes(4), 'MsgBeginRedelegate amount');
      return { actor: msg.string(1), transfers: [], note: `redelegates ${coinText(coin)} from validator ${source} to validator ${destination}` };
    },
  ],
  [
    '/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward',
    (value: Uint8Array): DecodedMessage => {
      const msg = ProtoMessage.decode(value, 'MsgWithdrawDelegatorReward', { 1: 'scalar', 2: 'scalar' });
      const validator = validatorAddress(msg.string(2), 'MsgWithdrawDelegatorReward validator_address');
      return { actor: msg.string(1), transfers: [], note: `withdraws staking rewards from validator ${validator}` };
    },
  ],
]);

/** MsgDelegate and MsgUndelegate share their fields: delegator, validator, amount. */
function stakingMessage(value: Uint8Array, name: string, verb: string): DecodedMessage {
  const msg = ProtoMessage.decode(value, name, { 1: 'scalar', 2: 'scalar', 3: 'message' });
  const validator = validatorAddress(msg.string(2), `${name} validator_address`);
  check(msg.has(3), 'malformed-transaction', `${name} has no amount`);
  const coin = decodeCoin(msg.bytes(3), `${name} amount`);
  return { actor: msg.string(1), transfers: [], note: `${verb} ${coinText(coin)} ${name === 'MsgDelegate' ? 'to' : 'from'} validator ${validator}` };
}

function validatorAddress(address: string, what: string): string {
  decodeAddress(address, VALIDATOR_PREFIX, what);
  return address;
}

/** Standard padded base64 exactly as cosmjs's toBase64 writes it (re-encoding must give it back). */
function base64Field(value: unknown, what: string): Uint8Array {
  check(typeof value === 'string', 'malformed-transaction', `${what} must be a base64 string`);
  let bytes;
  try {
    bytes = base64.decode(value);
  } catch {
    check(false, 'malformed-transaction', `${what} is not standard padded base64`);
  }
  check(base64.encode(bytes) === value, 'malformed-transaction', `${what} is not canonical base64`);
  return bytes;
}

interface SignDocInput {
  readonly bodyBytes: Uint8Array;
  readonly authInfoBytes: Uint8Array;
  readonly chainId: string;
  readonly accountNumber: bigint;
}

function signDocInput(transaction: unknown): SignDocInput {
  check(typeof transaction === 'object' && transaction !== null && !Array.isArray(transaction), 'malformed-transaction', 'the transaction must be a SignDoc object { bodyBytes, authInfoBytes, chainId, accountNumber }');
  const input = transaction as Record<string, unknown>;
  for (const key of Object.keys(input)) check((INPUT_KEYS as readonly string[]).includes(key), 'malformed-transaction', `unknown SignDoc field "${key}"`);
  const { chainId, accountNumber } = input;
  check(typeof chainId === 'string', 'malformed-transaction', 'chainId must be a string');
  check(chainId === CHAIN_ID, 'wrong-chain', `the SignDoc is for chain "${chainId}", not ${CHAIN_ID}`);
  check(typeof accountNumber === 'string' && /^(0|[1-9][0-9]{0,19})$/.test(accountNumber) && BigInt(accountNumber) <= MAX_UINT64, 'malformed-transaction', 'accountNumber must be a uint64 as a decimal string');
  return { bodyBytes: base64Field(input.bodyBytes, 'bodyBytes'), authInfoBytes: base64Field(input.authInfoBytes, 'authInfoBytes'), chainId, accountNumber: BigInt(accountNumber) };
}

/** The SignDoc's protobuf encoding as the SDK and cosmjs write it: fields in order, defaults omitted. */
function encodeSignDoc(doc: SignDocInput): Uint8Array {
  const parts = [protoBytesField(1, doc.bodyBytes), protoBytesField(2, doc.authInfoBytes), protoBytesField(3, new TextEncoder().encode(doc.chainId))];
  if (doc.accountNumber !== 0n) parts.push(protoVarintField(4, doc.accountNumber));
  return concatBytes(...parts);
}

/** An Any: its type URL and value. */
function decodeAny(bytes: Uint8Array, what: string): { typeUrl: string; value: Uint8Array } {
  const any = ProtoMessage.decode(bytes, what, { 1: 'scalar', 2: 'scalar' });
  return { typeUrl: any.string(1), value: any.bytes(2) };
}

interface ParsedBody {
  readonly messages: readonly DecodedMessage[];
  readonly typeUrls: readonly string[];
  readonly memo: string;
  readonly timeoutHeight: bigint;
}

function parseTxBody(bytes: Uint8Array): ParsedBody {
  const body = ProtoMessage.decode(bytes, 'TxBody', { 1: 'repeated-message', 2: 'scalar', 3: 'varint', 4: 'varint', 5: 'message', 1023: 'repeated-message', 2047: 'repeated-message' });
  check(!body.has(4), 'unsupported-transaction', 'unordered transactions (TxBody.unordered) are not signed: they have no sequence to stop a replay');
  check(!body.has(5), 'unsupported-transaction', 'TxBody.timeout_timestamp is not signed by this module');
  check(!body.has(1023) && !body.has(2047), 'unsupported-transaction', 'TxBody extension options are not signed by this module');
  const anys = body.repeated(1).map((bytes, i) => decodeAny(bytes, `TxBody message ${i}`));
  check(anys.length > 0, 'malformed-transaction', 'the TxBody has no messages');
  const messages = anys.map(({ typeUrl, value }) => {
    const decode = MESSAGE_DECODERS.get(typeUrl);
    check(decode !== undefined, 'unsupported-transaction', `message type ${typeUrl} is not signed by this module (supported: ${[...MESSAGE_DECODERS.keys()].join(', ')})`);
    return decode(value);
  });
  return { messages, typeUrls: anys.map((any) => any.typeUrl), memo: body.string(2), timeoutHeight: body.uint64(3) };
}

interface ParsedAuthInfo {
  readonly sequence: bigint;
  readonly fee: readonly Coin[];
  readonly gasLimit: bigint;
  readonly granter: string;
}

function parseAuthInfo(bytes: Uint8Array, publicKey: Uint8Array, signer: string): ParsedAuthInfo {
  const authInfo = ProtoMessage.decode(bytes, 'AuthInfo', { 1: 'repeated-message', 2: 'message', 3: 'message' });
  check(!authInfo.has(3), 'unsupported-transaction', 'AuthInfo.tip (deprecated) is not signed by this module');
  const signerInfos = authInfo.repeated(1);
  check(signerInfos.length === 1 && signerInfos[0] !== undefined, 'foreign-input', `the transaction has ${signerInfos.length} signer infos; only a transaction signed by the signer alone is signed`);
  const signerInfo = ProtoMessage.decode(signerInfos[0], 'SignerInfo', { 1: 'message', 2: 'message', 3: 'varint' });

  check(signerInfo.has(1), 'foreign-input', 'the signer info names no public key, so it cannot be shown to be the signer\'s');
  const pubkeyAny = decodeAny(signerInfo.bytes(1), 'SignerInfo public_key');
  check(pubkeyAny.typeUrl === SECP256K1_PUBKEY_TYPE, 'foreign-input', `the signer info's key is a ${pubkeyAny.typeUrl}, not the signer's ${SECP256K1_PUBKEY_TYPE}`);
  const key = ProtoMessage.decode(pubkeyAny.value, 'PubKey', { 1: 'scalar' }).bytes(1);
  check(hex.encode(key) === hex.encode(publicKey), 'foreign-input', 'the signer info\'s public key is not the signer\'s');

  const modeInfo = ProtoMessage.decode(signerInfo.bytes(2), 'ModeInfo', { 1: 'message', 2: 'message' });
  check(!modeInfo.has(2), 'unsupported-transaction', 'multisig mode info is not signed by this module');
  check(modeInfo.has(1), 'malformed-transaction', 'the signer info has no sign mode');
  const mode = ProtoMessage.decode(modeInfo.bytes(1), 'ModeInfo.Single', { 1: 'varint' }).uint64(1);
  check(mode === SIGN_MODE_DIRECT, 'unsupported-transaction', `sign mode ${mode} is not signed by this module (only SIGN_MODE_DIRECT, 1)`);

  check(authInfo.has(2), 'malformed-transaction', 'the AuthInfo has no fee');
  const fee = ProtoMessage.decode(authInfo.bytes(2), 'Fee', { 1: 'repeated-message', 2: 'varint', 3: 'scalar', 4: 'scalar' });
  const payer = fee.string(3);
  if (payer !== '') {
    decodeAddress(payer, HUB_PREFIX, 'Fee payer');
    // A payer other than the signer must sign too, and this transaction has the signer's signature only.
    check(payer === signer, 'foreign-input', `the fee payer ${payer} is not the signer`);
  }
  const granter = fee.string(4);
  if (granter !== '') decodeAddress(granter, HUB_PREFIX, 'Fee granter');
  return { sequence: signerInfo.uint64(3), fee: decodeCoins(fee.repeated(1), 'Fee amount'), gasLimit: fee.uint64(2), granter };
}

function prepareTransaction(transaction: unknown, signerKey: SignerKey): PreparedTransaction {
  const prefix = formatPrefix(signerKey.format);
  check(prefix === HUB_PREFIX, 'wrong-chain', `transactions are signed for the Cosmos Hub (${CHAIN_ID}, prefix "${HUB_PREFIX}") only, not for prefix "${prefix}"`);
  const publicKey = secp256k1Key(signerKey.publicKey);
  const signer = cosmos.address(publicKey);
  const doc = signDocInput(transaction);
  const body = parseTxBody(doc.bodyBytes);
  const authInfo = parseAuthInfo(doc.authInfoBytes, publicKey, signer);

  body.messages.forEach((message, i) => {
    const actorBytes = decodeAddress(message.actor, HUB_PREFIX, `message ${i} (${body.typeUrls[i]}) sender`);
    check(hex.encode(actorBytes) === hex.encode(accountHash(publicKey)), 'foreign-input', `message ${i} (${body.typeUrls[i]}) acts for ${message.actor}, not the signer ${signer}`);
  });

  const notes = [`messages: ${body.typeUrls.join(', ')}`];
  for (const message of body.messages) if (message.note) notes.push(message.note);
  if (body.memo !== '') notes.push(`memo: ${JSON.stringify(body.memo)}`);
  notes.push(`account number ${doc.accountNumber}, sequence ${authInfo.sequence}`);
  notes.push(`fee ${authInfo.fee.length > 0 ? authInfo.fee.map(coinText).join(', ') : 'none'}, gas limit ${authInfo.gasLimit}`);
  if (authInfo.granter !== '') notes.push(`the fee is paid from a fee grant by ${authInfo.granter}`);
  if (body.timeoutHeight !== 0n) notes.push(`valid until block height ${body.timeoutHeight}`);

  const onlyNativeFee = authInfo.fee.every((coin) => coin.denom === NATIVE_DENOM);
  const fee = onlyNativeFee ? (authInfo.fee[0]?.amount ?? '0') : undefined;
  const signBytes = encodeSignDoc(doc);
  const item: SigningItem = { scheme: 'ecdsa-secp256k1', hash: 'sha256', message: signBytes };

  return {
    items: [item],
    summary: {
      chain: cosmos.info.id,
      from: signer,
      transfers: body.messages.flatMap((message) => message.transfers),
      ...(fee !== undefined ? { fee } : {}),
      chainId: doc.chainId,
      notes,
    },
    finalize(signatures) {
      checkSignatureCount(signatures, 1);
      const signature = ecdsaSignature(signatures[0] as Uint8Array, ecdsaItemDigest(item), publicKey);
      const txRaw = concatBytes(protoBytesField(1, doc.bodyBytes), protoBytesField(2, doc.authInfoBytes), protoBytesField(3, signature.compact));
      return { signedTransaction: base64.encode(txRaw), txHash: hex.encode(sha256(txRaw)).toUpperCase() };
    },
  };
}

export const cosmos: ChainModule = {
  info: { id: 'cosmos', name: 'Cosmos Hub', scheme: 'ecdsa-secp256k1', formats: [FORMAT_HUB, `${FORMAT_ANY_PREFIX}<hrp>`] },
  address(publicKey, format) {
    const prefix = formatPrefix(format);
    return bech32.encode(prefix, bech32.toWords(accountHash(publicKey)));
  },
  prepareTransaction,
};
