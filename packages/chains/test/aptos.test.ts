import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ed25519 } from '@noble/curves/ed25519.js';
import { hex } from '@scure/base';
import {
  AccountAddress,
  AccountAuthenticatorEd25519,
  ChainId,
  Deserializer,
  Ed25519PublicKey,
  Ed25519Signature,
  EntryFunction,
  MoveVector,
  MultiSig,
  MultiSigTransactionPayload,
  RawTransaction,
  Script,
  SignedTransaction,
  SimpleTransaction,
  TransactionAuthenticatorEd25519,
  TransactionExecutableEntryFunction,
  TransactionExtraConfigV1,
  TransactionInnerPayloadV1,
  TransactionPayloadEntryFunction,
  TransactionPayloadMultiSig,
  TransactionPayloadScript,
  U64,
  U8,
  generateSignedTransaction,
  generateSigningMessageForTransaction,
  generateUserTransactionHash,
  parseTypeTag,
  type EntryFunctionArgumentTypes,
  type TransactionPayload,
} from '@aptos-labs/ts-sdk';
import { aptos, aptosTestnet } from '../src/aptos.js';
import type { ChainModule, SignerKey } from '../src/types.js';
import { errorCode } from './helpers.js';

interface TestKey {
  readonly secret: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly address: AccountAddress;
}

function newKey(secret = ed25519.utils.randomSecretKey()): TestKey {
  const publicKey = ed25519.getPublicKey(secret);
  return { secret, publicKey, address: new Ed25519PublicKey(publicKey).authKey().derivedAddress() };
}

const ALICE = newKey();
const BOB = newKey();
const signer: SignerKey = { publicKey: ALICE.publicKey };

function entry(target: `${string}::${string}::${string}`, typeArgs: string[], args: EntryFunctionArgumentTypes[]): TransactionPayload {
  const [address, module, name] = target.split('::') as [string, string, string];
  return new TransactionPayloadEntryFunction(EntryFunction.build(`${address}::${module}`, name, typeArgs.map((t) => parseTypeTag(t)), args));
}

const transferApt = (amount: bigint, to = BOB.address) => entry('0x1::aptos_account::transfer', [], [to, new U64(amount)]);

function raw(payload: TransactionPayload, { sender = ALICE.address, chainId = 1, sequence = 5n } = {}): RawTransaction {
  return new RawTransaction(sender, sequence, payload, 2000n, 100n, 1_900_000_000n, new ChainId(chainId));
}

const input = (rawTx: RawTransaction | Uint8Array) => ({ rawTransaction: rawTx instanceof Uint8Array ? `0x${hex.encode(rawTx)}` : rawTx.bcsToHex().toString() });


/** prepare → sign the item as the cluster would → finalize. */
function signThrough(module: ChainModule, rawTx: RawTransaction, key: TestKey = ALICE) {
  const prepared = module.prepareTransaction(input(rawTx), { publicKey: key.publicKey });
  expect(prepared.items).toHaveLength(1);
  const item = prepared.items[0];
  if (item?.scheme !== 'eddsa-ed25519') throw new Error('expected an Ed25519 item');
  const signed = prepared.finalize([ed25519.sign(item.message, key.secret)]);
  return { prepared, item, signed };
}

describe('aptos address', () => {
  it('is the SDK\'s derived address of the key, AIP-40 long form, on both networks', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (secret) => {
        const key = newKey(secret);
        expect(aptos.address(key.publicKey)).toBe(key.address.toStringLong());
        expect(aptosTestnet.address(key.publicKey, 'aptos')).toBe(key.address.toStringLong());
      }),
      { numRuns: 40 },
    );
  });

  it('refuses keys that are not Ed25519 points and other formats', () => {
    expect(errorCode(() => aptos.address(new Uint8Array(33)))).toBe('bad-public-key');
    const notAPoint = hex.decode('0200000000000000000000000000000000000000000000000000000000000000');
    expect(errorCode(() => aptos.address(notAPoint))).toBe('bad-public-key');
    expect(errorCode(() => aptos.address(ALICE.publicKey, 'sui'))).toBe('unsupported-format');
  });
});

describe('aptos transactions through the SDK', () => {
  it('signs an APT transfer the SDK verifies, with the SDK\'s signed bytes and hash', () => {
    const rawTx = raw(transferApt(123_456_789n));
    const { prepared, item, signed } = signThrough(aptos, rawTx);
    const simple = new SimpleTransaction(rawTx);
    expect(hex.encode(item.message)).toBe(hex.encode(generateSigningMessageForTransaction(simple)));

    const parsed = SignedTransaction.deserialize(new Deserializer(hex.decode(signed.signedTransaction.slice(2))));
    expect(parsed.raw_txn.bcsToHex().toString()).toBe(rawTx.bcsToHex().toString());
    const auth = parsed.authenticator;
    if (!(auth instanceof TransactionAuthenticatorEd25519)) throw new Error('expected an Ed25519 authenticator');
    expect(hex.encode(auth.public_key.toUint8Array())).toBe(hex.encode(ALICE.publicKey));
    expect(auth.public_key.verifySignature({ message: generateSigningMessageForTransaction(new SimpleTransaction(parsed.raw_txn)), signature: auth.signature })).toBe(true);

    const senderAuthenticator = new AccountAuthenticatorEd25519(auth.public_key, auth.signature);
    expect(`0x${hex.encode(generateSignedTransaction({ transaction: simple, senderAuthenticator }))}`).toBe(signed.signedTransaction);
    expect(signed.txHash).toBe(generateUserTransactionHash({ transaction: simple, senderAuthenticator }));

    expect(prepared.summary).toEqual({
      chain: 'aptos',
      from: ALICE.address.toStringLong(),
      transfers: [{ to: BOB.address.toStringLong(), amount: '123456789' }],
      fee: '200000',
      chainId: '1',
      notes: ['sequence number 5', 'gas: at most 2000 units at 100 octas', expect.stringContaining('2030-03-17T17:46:40.000Z')],
    });
  });

  it('signs for testnet (chain id 2) and an orderless payload with a replay nonce', () => {
    const inner = new TransactionInnerPayloadV1(
      new TransactionExecutableEntryFunction(EntryFunction.build('0x1::aptos_account', 'transfer', [], [BOB.address, new U64(7n)])),
      new TransactionExtraConfigV1(undefined, 99n),
    );
    const rawTx = raw(inner, { chainId: 2, sequence: 0xffff_ffff_ffff_ffffn });
    const { prepared, signed } = signThrough(aptosTestnet, rawTx);
    const parsed = SignedTransaction.deserialize(new Deserializer(hex.decode(signed.signedTransaction.slice(2))));
    const auth = parsed.authenticator as TransactionAuthenticatorEd25519;
    const senderAuthenticator = new AccountAuthenticatorEd25519(auth.public_key, auth.signature);
    expect(auth.public_key.verifySignature({ message: generateSigningMessageForTransaction(new SimpleTransaction(rawTx)), signature: auth.signature })).toBe(true);
    expect(signed.txHash).toBe(generateUserTransactionHash({ transaction: new SimpleTransaction(rawTx), senderAuthenticator }));
    expect(prepared.summary.transfers).toEqual([{ to: BOB.address.toStringLong(), amount: '7' }]);
    expect(prepared.summary.chainId).toBe('2');
    expect(prepared.summary.notes).toContain('orderless, replay-protection nonce 99');
  });

  it('decodes coin and fungible-asset transfers, with the asset unless it is APT', () => {
    const usdc = '0xf22bede237a07e121b56d91a491eb7bcdfd1f5907926a9e58338f964a01b17fa::asset::USDC';
    const coin = signThrough(aptos, raw(entry('0x1::coin::transfer', [usdc], [BOB.address, new U64(5n)]))).prepared.summary;
    expect(coin.transfers).toEqual([{ to: BOB.address.toStringLong(), amount: '5', asset: usdc }]);
    const aptCoin = aptos.prepareTransaction(input(raw(entry('0x1::aptos_account::transfer_coins', ['0x1::aptos_coin::AptosCoin'], [BOB.address, new U64(6n)]))), signer).summary;
    expect(aptCoin.transfers).toEqual([{ to: BOB.address.toStringLong(), amount: '6' }]);

    const metadata = AccountAddress.from('0x357b0b74bc833e95a115ad22604854d6b0fca151cecd94111770e5d6ffc9dc2b');
    const fa = aptos.prepareTransaction(input(raw(entry('0x1::primary_fungible_store::transfer', ['0x1::fungible_asset::Metadata'], [metadata, BOB.address, new U64(8n)]))), signer).summary;
    expect(fa.transfers).toEqual([{ to: BOB.address.toStringLong(), amount: '8', asset: metadata.toStringLong() }]);
    const aptFa = aptos.prepareTransaction(input(raw(entry('0x1::aptos_account::transfer_fungible_assets', [], [AccountAddress.from('0xa'), BOB.address, new U64(9n)]))), signer).summary;
    expect(aptFa.transfers).toEqual([{ to: BOB.address.toStringLong(), amount: '9' }]);
  });

  it('lists any other entry function, with its type arguments and BCS arguments, and no transfer', () => {
    const payload = entry('0x1::coin::register', ['0x1::aptos_coin::AptosCoin'], []);
    const summary = aptos.prepareTransaction(input(raw(payload)), signer).summary;
    expect(summary.transfers).toEqual([]);
    expect(summary.notes?.[0]).toBe('calls 0x1::coin::register<0x1::aptos_coin::AptosCoin>() (arguments in BCS)');
    const vote = entry('0x1::aptos_governance::vote', [], [BOB.address, new U64(3n), new U8(1)]);
    expect(aptos.prepareTransaction(input(raw(vote)), signer).summary.notes?.[0]).toBe(
      `calls 0x1::aptos_governance::vote(${BOB.address.toStringLong()}, 0x0300000000000000, 0x01) (arguments in BCS)`,
    );
  });
});

describe('aptos refusals', () => {
  const good = raw(transferApt(1n));

  it('refuses another sender as foreign-input and another chain id as wrong-chain', () => {
    expect(errorCode(() => aptos.prepareTransaction(input(raw(transferApt(1n), { sender: BOB.address })), signer))).toBe('foreign-input');
    expect(errorCode(() => aptos.prepareTransaction(input(good), { publicKey: BOB.publicKey }))).toBe('foreign-input');
    expect(errorCode(() => aptos.prepareTransaction(input(raw(transferApt(1n), { chainId: 2 })), signer))).toBe('wrong-chain');
    expect(errorCode(() => aptosTestnet.prepareTransaction(input(good), signer))).toBe('wrong-chain');
    expect(errorCode(() => aptos.prepareTransaction(input(raw(transferApt(1n), { chainId: 4 })), signer))).toBe('wrong-chain');
  });

  it('refuses truncated, trailing, non-canonical and badly encoded input as malformed-transaction', () => {
    const bytes = good.bcsToBytes();
    expect(errorCode(() => aptos.prepareTransaction(input(bytes.subarray(0, bytes.length - 1)), signer))).toBe('malformed-transaction');
    expect(errorCode(() => aptos.prepareTransaction(input(new Uint8Array([...bytes, 0])), signer))).toBe('malformed-transaction');
    expect(() => aptos.prepareTransaction(input(new Uint8Array([...bytes, 0])), signer)).toThrow(/1 trailing byte/);
    expect(errorCode(() => aptos.prepareTransaction(input(new Uint8Array(0)), signer))).toBe('malformed-transaction');
    // The module name's length (32 sender + 8 sequence + 1 payload variant + 32 module address in) re-encoded as an overlong ULEB128.
    const at = 32 + 8 + 1 + 32;
    const nameLength = bytes[at] as number;
    expect(new TextDecoder().decode(bytes.subarray(at + 1, at + 1 + nameLength))).toBe('aptos_account');
    const overlong = new Uint8Array([...bytes.subarray(0, at), nameLength | 0x80, 0x00, ...bytes.subarray(at + 1)]);
    expect(() => aptos.prepareTransaction(input(overlong), signer)).toThrow(/non-canonical ULEB128/);
    expect(errorCode(() => aptos.prepareTransaction(input(overlong), signer))).toBe('malformed-transaction');
    // A module name that is not a Move identifier (a '-' in it).
    const badName = bytes.slice();
    badName[at + 6] = '-'.charCodeAt(0);
    expect(() => aptos.prepareTransaction(input(badName), signer)).toThrow(/"aptos-account" is not a Move identifier/);
    expect(errorCode(() => aptos.prepareTransaction(input(badName), signer))).toBe('malformed-transaction');

    const hexText = good.bcsToHex().toString();
    for (const bad of [undefined, null, 'x', [hexText], { rawTransaction: hexText.slice(2) }, { rawTransaction: `${hexText}0` }, { rawTransaction: `${hexText}zz` }, { rawTransaction: hexText, extra: 1 }, { rawTransaction: 5 }]) {
      expect(errorCode(() => aptos.prepareTransaction(bad, signer))).toBe('malformed-transaction');
    }
    expect(aptos.prepareTransaction({ rawTransaction: hexText.toUpperCase().replace('0X', '0x') }, signer).summary.transfers).toHaveLength(1);
  });

  it('refuses a known transfer function whose arguments have the wrong shape', () => {
    expect(errorCode(() => aptos.prepareTransaction(input(raw(entry('0x1::aptos_account::transfer', [], [BOB.address]))), signer))).toBe('malformed-transaction');
    expect(errorCode(() => aptos.prepareTransaction(input(raw(entry('0x1::aptos_account::transfer', [], [BOB.address, new U8(1)]))), signer))).toBe('malformed-transaction');
    expect(errorCode(() => aptos.prepareTransaction(input(raw(entry('0x1::coin::transfer', [], [BOB.address, new U64(1n)]))), signer))).toBe('malformed-transaction');
  });

  it('refuses scripts, multisig payloads and multisig orderless payloads as unsupported-transaction', () => {
    const script = new TransactionPayloadScript(new Script(new Uint8Array([0xa1, 0x1c, 0xeb, 0x0b]), [], []));
    expect(errorCode(() => aptos.prepareTransaction(input(raw(script)), signer))).toBe('unsupported-transaction');
    const multisig = new TransactionPayloadMultiSig(
      new MultiSig(BOB.address, new MultiSigTransactionPayload(EntryFunction.build('0x1::aptos_account', 'transfer', [], [BOB.address, new U64(1n)]))),
    );
    expect(errorCode(() => aptos.prepareTransaction(input(raw(multisig)), signer))).toBe('unsupported-transaction');
    const orderlessMultisig = new TransactionInnerPayloadV1(
      new TransactionExecutableEntryFunction(EntryFunction.build('0x1::aptos_account', 'transfer', [], [BOB.address, new U64(1n)])),
      new TransactionExtraConfigV1(BOB.address, 1n),
    );
    expect(errorCode(() => aptos.prepareTransaction(input(raw(orderlessMultisig)), signer))).toBe('unsupported-transaction');
  });

  it('refuses a wrong, corrupted or missing signature as bad-signature', () => {
    const prepared = aptos.prepareTransaction(input(good), signer);
    const item = prepared.items[0];
    if (item?.scheme !== 'eddsa-ed25519') throw new Error('expected an Ed25519 item');
    const signature = ed25519.sign(item.message, ALICE.secret);
    const corrupted = signature.slice();
    corrupted[10]! ^= 1;
    expect(errorCode(() => prepared.finalize([corrupted]))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize([ed25519.sign(item.message, BOB.secret)]))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize([signature.subarray(0, 63)]))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize([]))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize([signature, signature]))).toBe('bad-signature');
    expect(prepared.finalize([signature]).signedTransaction).toMatch(/^0x[0-9a-f]+$/);
  });

  it('has the SDK\'s Ed25519Signature wire form in the signed transaction (length-prefixed 64 bytes)', () => {
    const { signed } = signThrough(aptos, good);
    const bytes = hex.decode(signed.signedTransaction.slice(2));
    const tail = bytes.subarray(bytes.length - 65);
    expect(tail[0]).toBe(64);
    expect(new Ed25519Signature(tail.subarray(1)).toUint8Array()).toHaveLength(64);
    expect(MoveVector.U8(ALICE.publicKey).bcsToBytes()).toEqual(bytes.subarray(bytes.length - 65 - 33, bytes.length - 65));
  });
});
