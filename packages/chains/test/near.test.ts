import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base58, base64, hex } from '@scure/base';
import {
  KeyPairEd25519,
  KeyPairSigner,
  KeyType,
  PublicKey,
  Signature,
  actions,
  buildDelegateAction,
  createTransaction,
  decodeSignedTransaction,
  encodeTransaction,
  keyToImplicitAddress,
  type Action,
} from 'near-api-js';
import { near, nearTestnet } from '../src/near.js';
import type { SignerKey } from '../src/types.js';
import { errorCode } from './helpers.js';

interface TestKey {
  readonly secret: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly near: PublicKey;
  readonly implicit: string;
}

function newKey(secret = ed25519.utils.randomSecretKey()): TestKey {
  const publicKey = ed25519.getPublicKey(secret);
  return { secret, publicKey, near: new PublicKey({ keyType: KeyType.ED25519, data: publicKey }), implicit: hex.encode(publicKey) };
}

const ALICE = newKey();
const BLOCK_HASH = sha256(new TextEncoder().encode('a recent block'));

function unsigned(signerId: string, key: PublicKey, receiverId: string, acts: Action[], nonce = 7n): Uint8Array {
  return encodeTransaction(createTransaction(signerId, key, receiverId, nonce, acts, BLOCK_HASH));
}

function input(bytes: Uint8Array): { transaction: string } {
  return { transaction: base64.encode(bytes) };
}


const signer: SignerKey = { publicKey: ALICE.publicKey };
const prepare = (bytes: Uint8Array, s: SignerKey = signer) => near.prepareTransaction(input(bytes), s);

describe('NEAR address', () => {
  it('is the implicit account near-api-js computes, on both networks', () => {
    for (let i = 0; i < 20; i++) {
      const key = newKey();
      const expected = keyToImplicitAddress(key.near);
      expect(near.address(key.publicKey)).toBe(expected);
      expect(near.address(key.publicKey, 'implicit')).toBe(expected);
      expect(nearTestnet.address(key.publicKey)).toBe(expected);
    }
  });

  it('refuses keys that are not 32-byte curve points, and other formats', () => {
    expect(errorCode(() => near.address(ALICE.publicKey.subarray(1)))).toBe('bad-public-key');
    const notAPoint = Uint8Array.from(ALICE.publicKey);
    // y = 2 has no x on edwards25519; a key with it is refused rather than hex-encoded.
    notAPoint.set([2], 0);
    notAPoint.fill(0, 1);
    expect(errorCode(() => near.address(notAPoint))).toBe('bad-public-key');
    expect(errorCode(() => near.address(ALICE.publicKey, 'named'))).toBe('unsupported-format');
  });
});

describe('NEAR transactions signed and read back by near-api-js', () => {
  it('match what near-api-js signs itself, byte for byte (transfers and calls, any amounts)', async () => {
    const sdkSigner = new KeyPairSigner(new KeyPairEd25519(base58.encode(new Uint8Array([...ALICE.secret, ...ALICE.publicKey]))));
    const u128 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });
    await fc.assert(
      fc.asyncProperty(u128, u128, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.constantFrom('bob.near', 'a-b_c.d.near', newKey().implicit), async (amount, deposit, nonce, receiver) => {
        const tx = createTransaction(ALICE.implicit, ALICE.near, receiver, nonce, [actions.transfer(amount), actions.functionCall('ft_transfer', { receiver_id: 'carol.near', amount: '5' }, 30_000_000_000_000n, deposit)], BLOCK_HASH);
        const prepared = prepare(tx.encode());

        const { txHash: sdkHash, signedTransaction: sdkSigned } = await sdkSigner.signTransaction(tx);
        expect(prepared.items).toEqual([{ scheme: 'eddsa-ed25519', message: sdkHash }]);
        const signature = ed25519.sign(prepared.items[0]!.message, ALICE.secret);
        const out = prepared.finalize([signature]);
        expect(out.signedTransaction).toBe(base64.encode(sdkSigned.encode()));
        expect(out.txHash).toBe(base58.encode(sdkHash));

        const decoded = decodeSignedTransaction(base64.decode(out.signedTransaction));
        expect(decoded.transaction.signerId).toBe(ALICE.implicit);
        // borsh decodes the signature as a plain enum object holding a number array.
        const decodedSignature = Uint8Array.from(decoded.signature.ed25519Signature?.data ?? []);
        expect(decodedSignature).toEqual(signature);
        expect(decoded.transaction.publicKey.toString()).toBe(ALICE.near.toString());
        expect(ALICE.near.verify(sha256(encodeTransaction(decoded.transaction)), decodedSignature)).toBe(true);

        expect(prepared.summary.from).toBe(ALICE.implicit);
        expect(prepared.summary.chainId).toBe(base58.encode(BLOCK_HASH));
        expect(prepared.summary.transfers).toEqual([{ to: receiver, amount: amount.toString() }, ...(deposit > 0n ? [{ to: receiver, amount: deposit.toString() }] : [])]);
        expect(prepared.summary.notes).toContain(`nonce ${nonce}`);
        expect(prepared.summary.notes?.some((n) => n.includes('"ft_transfer"') && n.includes('carol.near') && n.includes(`deposit ${deposit}`))).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it('parses every action kind to the last byte and says loudly what changes keys, code, stake and the account', () => {
    const other = newKey();
    const secpKey = PublicKey.from(`secp256k1:${base58.encode(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), false).subarray(1))}`);
    const acts = [
      actions.createAccount(),
      actions.deployContract(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])),
      actions.functionCall('new', new Uint8Array([0xff, 0xfe]), 1n, 0n),
      actions.transfer(10n ** 24n),
      actions.stake(5n, other.near),
      actions.addFullAccessKey(other.near),
      actions.addFunctionCallAccessKey(other.near, 'app.near', ['a', 'b'], 3n),
      actions.addFunctionCallAccessKey(secpKey, 'app.near', []),
      actions.deleteKey(ALICE.near),
      actions.deleteKey(secpKey),
      actions.deleteAccount('heir.near'),
    ];
    const bytes = unsigned(ALICE.implicit, ALICE.near, ALICE.implicit, acts);
    const notes = prepare(bytes).summary.notes ?? [];
    const joined = notes.join('\n');
    expect(joined).toContain(`creates account ${ALICE.implicit}`);
    expect(joined).toContain(`DEPLOYS CONTRACT CODE to ${ALICE.implicit} (8 bytes`);
    expect(joined).toContain('2 bytes of args');
    expect(joined).toContain(`STAKES 5 yoctoNEAR of ${ALICE.implicit} with validator key ${other.near.toString()}`);
    expect(joined).toContain(`ADDS FULL-ACCESS KEY ${other.near.toString()}`);
    expect(joined).toContain(`ADDS FUNCTION-CALL KEY ${other.near.toString()} to ${ALICE.implicit}, for app.near methods ["a","b"], gas allowance 3 yoctoNEAR`);
    expect(joined).toContain(`ADDS FUNCTION-CALL KEY ${secpKey.toString()} to ${ALICE.implicit}, for app.near methods (any), gas allowance unlimited`);
    expect(joined).toContain(`DELETES KEY ${ALICE.near.toString()} from ${ALICE.implicit}: the signer's own key`);
    expect(notes).toContain(`DELETES KEY ${secpKey.toString()} from ${ALICE.implicit}`);
    expect(joined).toContain(`DELETES ACCOUNT ${ALICE.implicit} and sends its whole balance to heir.near`);
    // prepare succeeding shows each action was read to its exact length: less would leave trailing
    // bytes, more would run out.
  });

  it('accepts a named signer_id holding the key, and says the network checks the access key', () => {
    const prepared = prepare(unsigned('alice.near', ALICE.near, 'bob.near', [actions.transfer(1n)]));
    expect(prepared.summary.from).toBe('alice.near');
    expect(prepared.summary.notes?.[0]).toBe(`signs as named account alice.near: the network accepts it only if ${ALICE.near.toString()} is one of its access keys`);
    const testnet = nearTestnet.prepareTransaction(input(unsigned('alice.testnet', ALICE.near, 'bob.testnet', [actions.transfer(1n)])), signer);
    expect(testnet.summary.chain).toBe('near-testnet');
  });
});

describe('NEAR refusals', () => {
  const transfer = [actions.transfer(1n)];

  it('refuses another key or another key\'s implicit account (foreign-input)', () => {
    const other = newKey();
    expect(errorCode(() => prepare(unsigned(ALICE.implicit, other.near, 'bob.near', transfer)))).toBe('foreign-input');
    expect(errorCode(() => prepare(unsigned(other.implicit, ALICE.near, 'bob.near', transfer)))).toBe('foreign-input');
    expect(errorCode(() => prepare(unsigned(`0x${'ab'.repeat(20)}`, ALICE.near, 'bob.near', transfer)))).toBe('foreign-input');
    const secp = PublicKey.from(`secp256k1:${base58.encode(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), false).subarray(1))}`);
    expect(errorCode(() => prepare(unsigned('alice.near', secp, 'bob.near', transfer)))).toBe('foreign-input');
    // The signer's key under another module instance is still the same check.
    expect(errorCode(() => prepare(unsigned(ALICE.implicit, ALICE.near, 'bob.near', transfer), { publicKey: other.publicKey }))).toBe('foreign-input');
  });

  it('refuses accounts of the other network (wrong-chain)', () => {
    expect(errorCode(() => prepare(unsigned('alice.testnet', ALICE.near, 'bob.near', transfer)))).toBe('wrong-chain');
    expect(errorCode(() => prepare(unsigned(ALICE.implicit, ALICE.near, 'bob.testnet', transfer)))).toBe('wrong-chain');
    expect(errorCode(() => nearTestnet.prepareTransaction(input(unsigned(ALICE.implicit, ALICE.near, 'bob.near', transfer)), signer))).toBe('wrong-chain');
  });

  it('refuses truncated, trailing, garbage and badly typed input (malformed-transaction)', () => {
    const bytes = unsigned(ALICE.implicit, ALICE.near, 'bob.near', [actions.functionCall('m', { a: 1 }, 1n, 1n), actions.addFunctionCallAccessKey(ALICE.near, 'x.near', ['m'], 1n)]);
    for (let n = 0; n < bytes.length; n++) expect(errorCode(() => prepare(bytes.subarray(0, n)))).toBe('malformed-transaction');
    expect(errorCode(() => prepare(new Uint8Array([...bytes, 0])))).toBe('malformed-transaction');
    for (const bad of [null, 'AAAA', [], {}, { transaction: 5 }, { transaction: 'not base64!' }, { transaction: base64.encode(bytes).slice(0, -1) }, { ...input(bytes), network: 'mainnet' }]) {
      expect(errorCode(() => near.prepareTransaction(bad, signer))).toBe('malformed-transaction');
    }
  });

  it('refuses invalid account ids, enum tags and strings (malformed-transaction)', () => {
    for (const id of ['Alice.near', 'a', 'a..near', '-a.near', 'a_.near', 'x'.repeat(65)]) {
      expect(errorCode(() => prepare(unsigned(id, ALICE.near, 'bob.near', transfer)))).toBe('malformed-transaction');
    }
    expect(errorCode(() => prepare(unsigned(ALICE.implicit, ALICE.near, 'bob.near', [actions.deleteAccount('Heir')])))).toBe('malformed-transaction');
    const base = unsigned(ALICE.implicit, ALICE.near, 'bob.near', [actions.functionCall('zz', new Uint8Array(), 0n, 0n)]);
    const at = base.length - 4 - 8 - 16 - 2; // the method name's bytes ("zz"), before args, gas, deposit
    const badUtf8 = Uint8Array.from(base);
    badUtf8.set([0xc3, 0x28], at);
    expect(errorCode(() => prepare(badUtf8))).toBe('malformed-transaction');
    const keyTypeAt = 4 + 64 + 0; // public_key's key type, after signer_id (length 64)
    const badKeyType = Uint8Array.from(base);
    badKeyType[keyTypeAt] = 2;
    expect(errorCode(() => prepare(badKeyType))).toBe('malformed-transaction');
    const withAllowance = unsigned(ALICE.implicit, ALICE.near, ALICE.implicit, [actions.addFunctionCallAccessKey(ALICE.near, 'x.near', [], 1n)]);
    const optionAt = withAllowance.length - 4 - 4 - 6 - 16 - 1; // Option<u128> tag before allowance, receiver "x.near", empty names
    expect(withAllowance[optionAt]).toBe(1);
    const badOption = Uint8Array.from(withAllowance);
    badOption[optionAt] = 2;
    expect(errorCode(() => prepare(badOption))).toBe('malformed-transaction');
  });

  it('refuses Delegate, global contracts and TransactionV1 (unsupported-transaction)', () => {
    const other = newKey();
    const delegate = actions.signedDelegate({
      delegateAction: buildDelegateAction({ senderId: 'x.near', receiverId: 'y.near', actions: [], nonce: 1n, maxBlockHeight: 1n, publicKey: other.near }),
      signature: new Signature({ keyType: KeyType.ED25519, data: new Uint8Array(64) }),
    });
    for (const act of [delegate, actions.deployGlobalContract(new Uint8Array([1]), 'codeHash'), actions.useGlobalContract({ accountId: 'lib.near' })]) {
      expect(errorCode(() => prepare(unsigned(ALICE.implicit, ALICE.near, ALICE.implicit, [act])))).toBe('unsupported-transaction');
    }
    const v0 = unsigned(ALICE.implicit, ALICE.near, 'bob.near', transfer);
    // TransactionV1: a 1 byte, then signer_id, public_key, nonce, receiver_id, block_hash, actions, priority_fee (u64).
    const v1 = new Uint8Array([1, ...v0, ...new Uint8Array(8)]);
    expect(errorCode(() => prepare(v1))).toBe('unsupported-transaction');
  });

  it('finalize refuses a wrong, corrupted or missing signature (bad-signature)', () => {
    const prepared = prepare(unsigned(ALICE.implicit, ALICE.near, 'bob.near', transfer));
    const message = prepared.items[0]!.message;
    const good = ed25519.sign(message, ALICE.secret);
    const corrupted = Uint8Array.from(good);
    corrupted[10]! ^= 1;
    expect(errorCode(() => prepared.finalize([corrupted]))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize([ed25519.sign(message, newKey().secret)]))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize([ed25519.sign(new Uint8Array(32), ALICE.secret)]))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize([good.subarray(1)]))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize([]))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize([good, good]))).toBe('bad-signature');
    expect(prepared.finalize([good]).txHash).toBe(base58.encode(message));
  });
});
