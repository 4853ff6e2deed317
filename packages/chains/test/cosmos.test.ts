import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { DirectSecp256k1Wallet, Registry, decodeTxRaw, encodePubkey, makeAuthInfoBytes, makeSignBytes, makeSignDoc } from '@cosmjs/proto-signing';
import type { EncodeObject } from '@cosmjs/proto-signing';
import { encodeSecp256k1Pubkey, pubkeyToAddress, rawSecp256k1PubkeyToRawAddress } from '@cosmjs/amino';
import { Secp256k1, Secp256k1Signature, sha256 } from '@cosmjs/crypto';
import { fromBase64, toBase64, toBech32, toHex } from '@cosmjs/encoding';
import { MsgSend } from 'cosmjs-types/cosmos/bank/v1beta1/tx';
import { MsgBeginRedelegate, MsgDelegate, MsgUndelegate } from 'cosmjs-types/cosmos/staking/v1beta1/tx';
import { MsgWithdrawDelegatorReward } from 'cosmjs-types/cosmos/distribution/v1beta1/tx';
import { MsgVote } from 'cosmjs-types/cosmos/gov/v1beta1/tx';
import { AuthInfo, TxBody, TxRaw } from 'cosmjs-types/cosmos/tx/v1beta1/tx';
import { SignMode } from 'cosmjs-types/cosmos/tx/signing/v1beta1/signing';
import { cosmos } from '../src/cosmos.js';
import { ecdsaItemDigest } from '../src/keys.js';
import type { PreparedTransaction, SigningItem } from '../src/types.js';
import { errorCode } from './helpers.js';

const registry = new Registry([
  ['/cosmos.bank.v1beta1.MsgSend', MsgSend],
  ['/cosmos.staking.v1beta1.MsgDelegate', MsgDelegate],
  ['/cosmos.staking.v1beta1.MsgUndelegate', MsgUndelegate],
  ['/cosmos.staking.v1beta1.MsgBeginRedelegate', MsgBeginRedelegate],
  ['/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward', MsgWithdrawDelegatorReward],
  ['/cosmos.gov.v1beta1.MsgVote', MsgVote],
]);

const VALIDATOR = 'cosmosvaloper1sjllsnramtg3ewxqwwrwjxfgc4n4ef9u2lcnj0';
const VALIDATOR_2 = 'cosmosvaloper156gqf9837u7d4c4678yt3rl4ls9c5vuursrrzf';

interface Account {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly address: string;
}

function account(seed: number): Account {
  const secretKey = secp256k1.utils.randomSecretKey(Uint8Array.from({ length: 48 }, (_, i) => (seed * 29 + i * 11) & 0xff));
  const publicKey = secp256k1.getPublicKey(secretKey, true);
  return { secretKey, publicKey, address: pubkeyToAddress(encodeSecp256k1Pubkey(publicKey), 'cosmos') };
}

const alice = account(1);
const bob = account(2);

interface Built {
  readonly input: { bodyBytes: string; authInfoBytes: string; chainId: string; accountNumber: string };
  readonly signDoc: ReturnType<typeof makeSignDoc>;
}

interface BuildOptions {
  readonly messages?: readonly EncodeObject[];
  readonly memo?: string;
  readonly timeoutHeight?: bigint;
  readonly signer?: Account;
  readonly signerInfos?: readonly Account[];
  readonly fee?: readonly { denom: string; amount: string }[];
  readonly granter?: string;
  readonly payer?: string;
  readonly signMode?: SignMode;
  readonly chainId?: string;
  readonly accountNumber?: number;
}

function send(from: string, to: string, amount: { denom: string; amount: string }[] = [{ denom: 'uatom', amount: '1500000' }]): EncodeObject {
  return { typeUrl: '/cosmos.bank.v1beta1.MsgSend', value: { fromAddress: from, toAddress: to, amount } };
}

/** An unsigned transaction as cosmjs builds it (SigningStargateClient.signDirect does the same steps). */
function build(options: BuildOptions = {}): Built {
  const signer = options.signer ?? alice;
  const bodyBytes = registry.encodeTxBody({ messages: [...(options.messages ?? [send(signer.address, bob.address)])], memo: options.memo ?? '', timeoutHeight: options.timeoutHeight });
  const authInfoBytes = makeAuthInfoBytes(
    (options.signerInfos ?? [signer]).map((s) => ({ pubkey: encodePubkey(encodeSecp256k1Pubkey(s.publicKey)), sequence: 3 })),
    [...(options.fee ?? [{ denom: 'uatom', amount: '5000' }])],
    200_000,
    options.granter,
    options.payer,
    options.signMode,
  );
  const chainId = options.chainId ?? 'cosmoshub-4';
  const accountNumber = options.accountNumber ?? 12_345;
  const signDoc = makeSignDoc(bodyBytes, authInfoBytes, chainId, accountNumber);
  return { signDoc, input: { bodyBytes: toBase64(bodyBytes), authInfoBytes: toBase64(authInfoBytes), chainId, accountNumber: String(accountNumber) } };
}

function prepare(input: unknown, signer: Account = alice, format?: string): PreparedTransaction {
  return cosmos.prepareTransaction(input, { publicKey: signer.publicKey, ...(format ? { format } : {}) });
}

function sign(item: SigningItem, secretKey: Uint8Array): Uint8Array {
  if (item.scheme !== 'ecdsa-secp256k1') throw new Error('expected an ECDSA item');
  return secp256k1.sign(ecdsaItemDigest(item), secretKey, { prehash: false });
}


/** The input with a byte field replaced. */
function withBytes(input: Built['input'], field: 'bodyBytes' | 'authInfoBytes', bytes: Uint8Array): Built['input'] {
  return { ...input, [field]: toBase64(bytes) };
}

describe('cosmos addresses', () => {
  it('equal cosmjs DirectSecp256k1Wallet and pubkeyToAddress, in cosmos and in other prefixes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 48, maxLength: 48 }), fc.constantFrom('osmo', 'juno', 'celestia', 'a', 'x1y'), async (seed, hrp) => {
        const secretKey = secp256k1.utils.randomSecretKey(seed);
        const publicKey = secp256k1.getPublicKey(secretKey, true);
        const [hub] = await (await DirectSecp256k1Wallet.fromKey(secretKey)).getAccounts();
        expect(cosmos.address(publicKey)).toBe(hub?.address);
        expect(cosmos.address(publicKey, 'cosmos')).toBe(pubkeyToAddress(encodeSecp256k1Pubkey(publicKey), 'cosmos'));
        const [other] = await (await DirectSecp256k1Wallet.fromKey(secretKey, hrp)).getAccounts();
        expect(cosmos.address(publicKey, `bech32:${hrp}`)).toBe(other?.address);
        expect(cosmos.address(publicKey, `bech32:${hrp}`)).toBe(toBech32(hrp, rawSecp256k1PubkeyToRawAddress(publicKey)));
      }),
      { numRuns: 25 },
    );
  });

  it('refuse formats that are not a valid bech32 prefix, and bad keys', () => {
    for (const format of ['osmo', 'bech32:', 'bech32:OSMO', 'bech32:os mo', `bech32:${'a'.repeat(52)}`, 'bech32:é']) {
      expect(errorCode(() => cosmos.address(alice.publicKey, format)), format).toBe('unsupported-format');
    }
    expect(cosmos.address(alice.publicKey, `bech32:${'a'.repeat(51)}`)).toHaveLength(90);
    expect(errorCode(() => cosmos.address(secp256k1.getPublicKey(alice.secretKey, false)))).toBe('bad-public-key');
    expect(errorCode(() => cosmos.address(new Uint8Array(33)))).toBe('bad-public-key');
  });
});

describe('cosmos transactions', () => {
  it('sign the SignDoc bytes cosmjs signs, into a TxRaw cosmjs decodes and verifies', async () => {
    const { input, signDoc } = build({ memo: 'invoice 7' });
    const prepared = prepare(input);
    const item = prepared.items[0] as SigningItem & { scheme: 'ecdsa-secp256k1' };
    expect(prepared.items).toHaveLength(1);
    expect(item.hash).toBe('sha256');
    expect(toHex(item.message)).toBe(toHex(makeSignBytes(signDoc)));

    // cosmjs's own signDirect with the same key signs the same digest, deterministically the same signature.
    const wallet = await DirectSecp256k1Wallet.fromKey(alice.secretKey);
    const theirs = fromBase64((await wallet.signDirect(alice.address, signDoc)).signature.signature);
    const ours = sign(item, alice.secretKey);
    expect(toHex(ours)).toBe(toHex(theirs));
    expect(await Secp256k1.verifySignature(Secp256k1Signature.fromFixedLength(theirs), ecdsaItemDigest(item), alice.publicKey)).toBe(true);

    const signed = prepared.finalize([ours]);
    const txRaw = fromBase64(signed.signedTransaction);
    expect(toHex(txRaw)).toBe(toHex(TxRaw.encode({ bodyBytes: signDoc.bodyBytes, authInfoBytes: signDoc.authInfoBytes, signatures: [theirs] }).finish()));
    expect(signed.txHash).toBe(toHex(sha256(txRaw)).toUpperCase());
    const decoded = decodeTxRaw(txRaw);
    expect(decoded.body.memo).toBe('invoice 7');
    expect(decoded.body.messages[0]?.typeUrl).toBe('/cosmos.bank.v1beta1.MsgSend');
    expect(decoded.signatures).toHaveLength(1);
    const signature = decoded.signatures[0] as Uint8Array;
    expect(await Secp256k1.verifySignature(Secp256k1Signature.fromFixedLength(signature), sha256(makeSignBytes(signDoc)), alice.publicKey)).toBe(true);

    expect(prepared.summary).toEqual({
      chain: 'cosmos',
      from: alice.address,
      transfers: [{ to: bob.address, amount: '1500000' }],
      fee: '5000',
      chainId: 'cosmoshub-4',
      notes: ['messages: /cosmos.bank.v1beta1.MsgSend', 'memo: "invoice 7"', 'account number 12345, sequence 3', 'fee 5000uatom, gas limit 200000'],
    });
  });

  it('normalise a high-S signature to low S (the SDK refuses high S)', async () => {
    const { input, signDoc } = build();
    const prepared = prepare(input);
    const low = sign(prepared.items[0] as SigningItem, alice.secretKey);
    const { r, s } = secp256k1.Signature.fromBytes(low, 'compact');
    const high = new secp256k1.Signature(r, secp256k1.Point.CURVE().n - s).toBytes('compact');
    const signed = prepared.finalize([high]);
    expect(signed).toEqual(prepared.finalize([low]));
    const signature = decodeTxRaw(fromBase64(signed.signedTransaction)).signatures[0] as Uint8Array;
    expect(await Secp256k1.verifySignature(Secp256k1Signature.fromFixedLength(signature), sha256(makeSignBytes(signDoc)), alice.publicKey)).toBe(true);
  });

  it('show tokens, several messages, staking, timeouts, fee grants, and account number 0 as cosmjs encodes it', () => {
    const ibc = 'ibc/27394FB092D2ECCD56123C74F36E4C1F926001CEADA9CA97EA622B25F41E5EB2';
    const { input, signDoc } = build({
      messages: [
        send(alice.address, bob.address, [{ denom: ibc, amount: '7' }, { denom: 'uatom', amount: '10' }]),
        { typeUrl: '/cosmos.staking.v1beta1.MsgDelegate', value: { delegatorAddress: alice.address, validatorAddress: VALIDATOR, amount: { denom: 'uatom', amount: '1000000' } } },
        { typeUrl: '/cosmos.staking.v1beta1.MsgUndelegate', value: { delegatorAddress: alice.address, validatorAddress: VALIDATOR, amount: { denom: 'uatom', amount: '5' } } },
        { typeUrl: '/cosmos.staking.v1beta1.MsgBeginRedelegate', value: { delegatorAddress: alice.address, validatorSrcAddress: VALIDATOR, validatorDstAddress: VALIDATOR_2, amount: { denom: 'uatom', amount: '6' } } },
        { typeUrl: '/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward', value: { delegatorAddress: alice.address, validatorAddress: VALIDATOR } },
      ],
      timeoutHeight: 25_000_000n,
      granter: bob.address,
      fee: [],
      accountNumber: 0,
    });
    const prepared = prepare(input);
    expect(toHex(prepared.items[0]?.message ?? new Uint8Array())).toBe(toHex(makeSignBytes(signDoc)));
    expect(prepared.summary.transfers).toEqual([
      { to: bob.address, amount: '7', asset: ibc },
      { to: bob.address, amount: '10' },
    ]);
    expect(prepared.summary.fee).toBe('0');
    expect(prepared.summary.notes).toEqual([
      'messages: /cosmos.bank.v1beta1.MsgSend, /cosmos.staking.v1beta1.MsgDelegate, /cosmos.staking.v1beta1.MsgUndelegate, /cosmos.staking.v1beta1.MsgBeginRedelegate, /cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward',
      `delegates 1000000uatom to validator ${VALIDATOR}`,
      `undelegates (unbonds) 5uatom from validator ${VALIDATOR}`,
      `redelegates 6uatom from validator ${VALIDATOR} to validator ${VALIDATOR_2}`,
      `withdraws staking rewards from validator ${VALIDATOR}`,
      'account number 0, sequence 3',
      'fee none, gas limit 200000',
      `the fee is paid from a fee grant by ${bob.address}`,
      'valid until block height 25000000',
    ]);
    const signed = prepared.finalize([sign(prepared.items[0] as SigningItem, alice.secretKey)]);
    expect(decodeTxRaw(fromBase64(signed.signedTransaction)).body.messages).toHaveLength(5);
  });

  it('leave the fee out of the summary when it is not only uatom, and accept the signer as fee payer', () => {
    const { summary } = prepare(build({ fee: [{ denom: 'uosmo', amount: '9' }], payer: alice.address }).input);
    expect(summary.fee).toBeUndefined();
    expect(summary.notes).toContain('fee 9uosmo, gas limit 200000');
  });
});

describe('cosmos refusals', () => {
  it('refuse another chain id, another prefix and a signer in another prefix (wrong-chain)', () => {
    expect(errorCode(() => prepare(build({ chainId: 'theta-testnet-001' }).input))).toBe('wrong-chain');
    expect(errorCode(() => prepare(build({ chainId: 'osmosis-1' }).input))).toBe('wrong-chain');
    expect(errorCode(() => prepare(build().input, alice, 'bech32:osmo'))).toBe('wrong-chain');
    expect(errorCode(() => prepare(build({ messages: [send(alice.address, toBech32('osmo', rawSecp256k1PubkeyToRawAddress(bob.publicKey)))] }).input))).toBe('wrong-chain');
    const osmoAlice = toBech32('osmo', rawSecp256k1PubkeyToRawAddress(alice.publicKey));
    expect(errorCode(() => prepare(build({ messages: [send(osmoAlice, bob.address)] }).input))).toBe('wrong-chain');
    expect(prepare(build().input, alice, 'bech32:cosmos').summary.from).toBe(alice.address);
  });

  it('refuse what another account sends or signs (foreign-input)', () => {
    expect(errorCode(() => prepare(build({ signer: bob }).input))).toBe('foreign-input');
    expect(errorCode(() => prepare(build({ messages: [send(bob.address, alice.address)] }).input))).toBe('foreign-input');
    expect(errorCode(() => prepare(build({ signerInfos: [bob] }).input))).toBe('foreign-input');
    expect(errorCode(() => prepare(build({ signerInfos: [alice, bob] }).input))).toBe('foreign-input');
    expect(errorCode(() => prepare(build({ signerInfos: [] }).input))).toBe('foreign-input');
    expect(errorCode(() => prepare(build({ payer: bob.address }).input))).toBe('foreign-input');
    const delegateForBob = { typeUrl: '/cosmos.staking.v1beta1.MsgDelegate', value: { delegatorAddress: bob.address, validatorAddress: VALIDATOR, amount: { denom: 'uatom', amount: '1' } } };
    expect(errorCode(() => prepare(build({ messages: [send(alice.address, bob.address), delegateForBob] }).input))).toBe('foreign-input');

    // A signer info whose key is not a secp256k1 PubKey, and one without a key.
    const { input } = build();
    const authInfo = AuthInfo.decode(fromBase64(input.authInfoBytes));
    const info = authInfo.signerInfos[0];
    if (!info?.publicKey) throw new Error('expected a signer info with a key');
    const ethKey = { ...authInfo, signerInfos: [{ ...info, publicKey: { ...info.publicKey, typeUrl: '/ethermint.crypto.v1.ethsecp256k1.PubKey' } }] };
    expect(errorCode(() => prepare(withBytes(input, 'authInfoBytes', AuthInfo.encode(ethKey).finish())))).toBe('foreign-input');
    const noKey = { ...authInfo, signerInfos: [{ ...info, publicKey: undefined }] };
    expect(errorCode(() => prepare(withBytes(input, 'authInfoBytes', AuthInfo.encode(noKey).finish())))).toBe('foreign-input');
  });

  it('refuse other message types, sign modes, extension options and unordered transactions (unsupported-transaction)', () => {
    const vote = { typeUrl: '/cosmos.gov.v1beta1.MsgVote', value: { proposalId: 1n, voter: alice.address, option: 1 } };
    expect(errorCode(() => prepare(build({ messages: [vote] }).input))).toBe('unsupported-transaction');
    expect(errorCode(() => prepare(build({ signMode: SignMode.SIGN_MODE_LEGACY_AMINO_JSON }).input))).toBe('unsupported-transaction');
    expect(errorCode(() => prepare(build({ signMode: SignMode.SIGN_MODE_TEXTUAL }).input))).toBe('unsupported-transaction');

    const { input } = build();
    const body = TxBody.decode(fromBase64(input.bodyBytes));
    const extension = { typeUrl: '/cosmos.evm.vm.v1.ExtensionOptionsEthereumTx', value: new Uint8Array([1]) };
    expect(errorCode(() => prepare(withBytes(input, 'bodyBytes', TxBody.encode({ ...body, extensionOptions: [extension] }).finish())))).toBe('unsupported-transaction');
    expect(errorCode(() => prepare(withBytes(input, 'bodyBytes', TxBody.encode({ ...body, nonCriticalExtensionOptions: [extension] }).finish())))).toBe('unsupported-transaction');
    expect(errorCode(() => prepare(withBytes(input, 'bodyBytes', TxBody.encode({ ...body, unordered: true }).finish())))).toBe('unsupported-transaction');
    expect(errorCode(() => prepare(withBytes(input, 'bodyBytes', TxBody.encode({ ...body, timeoutTimestamp: { seconds: 1n, nanos: 0 } }).finish())))).toBe('unsupported-transaction');

    const authInfo = AuthInfo.decode(fromBase64(input.authInfoBytes));
    const multi = { ...authInfo, signerInfos: authInfo.signerInfos.map((info) => ({ ...info, modeInfo: { multi: { bitarray: { extraBitsStored: 0, elems: new Uint8Array([1]) }, modeInfos: [] } } })) };
    expect(errorCode(() => prepare(withBytes(input, 'authInfoBytes', AuthInfo.encode(multi).finish())))).toBe('unsupported-transaction');
    const tip = { ...authInfo, tip: { amount: [{ denom: 'uatom', amount: '1' }], tipper: alice.address } };
    expect(errorCode(() => prepare(withBytes(input, 'authInfoBytes', AuthInfo.encode(tip).finish())))).toBe('unsupported-transaction');
  });

  it('refuse truncated, trailing, non-canonical and garbage encodings (malformed-transaction)', () => {
    const { input } = build({ memo: 'm' });
    expect(input.authInfoBytes).toMatch(/A==$/);
    const body = fromBase64(input.bodyBytes);
    const authInfo = fromBase64(input.authInfoBytes);
    const malformed = (changed: unknown, why: string): void => expect(errorCode(() => prepare(changed)), why).toBe('malformed-transaction');
    malformed(withBytes(input, 'bodyBytes', body.subarray(0, body.length - 1)), 'truncated body');
    malformed(withBytes(input, 'authInfoBytes', authInfo.subarray(0, 10)), 'truncated auth info');
    malformed(withBytes(input, 'bodyBytes', Uint8Array.of(...body, 0)), 'a trailing zero byte');
    malformed(withBytes(input, 'bodyBytes', Uint8Array.of(...body, 0x12, 0x01, 0x6e)), 'memo given twice');
    malformed(withBytes(input, 'bodyBytes', Uint8Array.of(...body, 0x0a, 0x00)), 'a message after the memo: out of order');
    malformed(withBytes(input, 'bodyBytes', Uint8Array.of(...body, 0x18, 0x00)), 'timeout height 0 encoded explicitly');
    malformed(withBytes(input, 'bodyBytes', Uint8Array.of(...body, 0x18, 0x81, 0x00)), 'a non-minimal varint');
    malformed(withBytes(input, 'bodyBytes', Uint8Array.of(...body, 0x18, ...new Array(10).fill(0xff), 0x01)), 'a varint over 64 bits');
    malformed(withBytes(input, 'bodyBytes', Uint8Array.of(...body, 0x32, 0x00)), 'an unknown field 6');
    malformed(withBytes(input, 'bodyBytes', Uint8Array.of(...body, 0x1d, 1, 2, 3, 4)), 'field 3 as fixed32');
    malformed(withBytes(input, 'bodyBytes', Uint8Array.of(0x0a, 0x05, 1, 2)), 'a length past the end');
    malformed(withBytes(input, 'bodyBytes', TxBody.encode({ ...TxBody.decode(body), messages: [] }).finish()), 'no messages');
    malformed(withBytes(input, 'bodyBytes', TxBody.encode({ ...TxBody.decode(body), memo: '\uFFFD' }).finish().map((b, i, all) => (i >= all.length - 3 ? 0xff : b))), 'a memo that is not UTF-8');
    malformed(build({ messages: [send(alice.address, 'cosmos1notanaddress')] }).input, 'a to_address that is not bech32');
    malformed(build({ messages: [send(alice.address, bob.address.toUpperCase())] }).input, 'an uppercase address');
    malformed(build({ messages: [send(alice.address, bob.address, [{ denom: 'uatom', amount: '0' }])] }).input, 'a zero amount');
    malformed(build({ messages: [send(alice.address, bob.address, [{ denom: 'uatom', amount: '01' }])] }).input, 'a non-canonical amount');
    malformed(build({ messages: [send(alice.address, bob.address, [{ denom: 'uatom', amount: '1' }, { denom: 'ibc/AB', amount: '1' }])] }).input, 'unsorted coins');
    malformed(build({ messages: [send(alice.address, bob.address, [])] }).input, 'no coins');
    malformed(build({ messages: [send(alice.address, bob.address, [{ denom: '1x', amount: '1' }])] }).input, 'a bad denom');

    for (const changed of [
      null, 'text', [], {}, { ...input, extra: 1 }, { ...input, accountNumber: 12_345 }, { ...input, accountNumber: '012' },
      { ...input, accountNumber: '18446744073709551616' }, { ...input, bodyBytes: `${input.bodyBytes}=` }, { ...input, authInfoBytes: input.authInfoBytes.replace(/=+$/, '') }, { ...input, authInfoBytes: input.authInfoBytes.replace(/A==$/, 'B==') },
      { ...input, bodyBytes: 'not base64!' }, { ...input, chainId: 4 }, { ...input, bodyBytes: undefined },
    ]) {
      malformed(changed, JSON.stringify(changed));
    }
  });

  it('survive random corruption: every refusal is a ChainInputError', () => {
    const { input } = build({ memo: 'fuzz', messages: [send(alice.address, bob.address), { typeUrl: '/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward', value: { delegatorAddress: alice.address, validatorAddress: VALIDATOR } }] });
    const body = fromBase64(input.bodyBytes);
    const authInfo = fromBase64(input.authInfoBytes);
    fc.assert(
      fc.property(fc.boolean(), fc.nat(), fc.integer({ min: 1, max: 255 }), (inBody, at, xor) => {
        const bytes = (inBody ? body : authInfo).slice();
        const index = at % bytes.length;
        bytes[index] = (bytes[index] as number) ^ xor;
        try {
          prepare(withBytes(input, inBody ? 'bodyBytes' : 'authInfoBytes', bytes));
        } catch (error) {
          expect((error as Error).name).toBe('ChainInputError');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuse wrong, corrupted and miscounted signatures (bad-signature)', () => {
    const prepared = prepare(build().input);
    const item = prepared.items[0] as SigningItem;
    const good = sign(item, alice.secretKey);
    expect(errorCode(() => prepared.finalize([sign(item, bob.secretKey)]))).toBe('bad-signature');
    const corrupted = good.slice();
    corrupted[5] = (corrupted[5] as number) ^ 0x80;
    expect(errorCode(() => prepared.finalize([corrupted]))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize([good.subarray(0, 63)]))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize([new Uint8Array(64)]))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize([]))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize([good, good]))).toBe('bad-signature');
    const otherSequence = prepare(build({ accountNumber: 12_346 }).input);
    expect(errorCode(() => otherSequence.finalize([good]))).toBe('bad-signature');
  });
});
