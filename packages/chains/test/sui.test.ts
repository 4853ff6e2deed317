import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ed25519 } from '@noble/curves/ed25519.js';
import { base64 } from '@scure/base';
import { Ed25519Keypair, Ed25519PublicKey } from '@mysten/sui/keypairs/ed25519';
import { Transaction, TransactionDataBuilder } from '@mysten/sui/transactions';
import { verifyTransactionSignature } from '@mysten/sui/verify';
import { sui } from '../src/sui.js';
import type { SignerKey } from '../src/types.js';
import { errorCode } from './helpers.js';

interface TestKey {
  readonly secret: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly address: string;
}

function newKey(secret = ed25519.utils.randomSecretKey()): TestKey {
  const publicKey = ed25519.getPublicKey(secret);
  return { secret, publicKey, address: new Ed25519PublicKey(publicKey).toSuiAddress() };
}

const ALICE = newKey();
const BOB = newKey();
const signer: SignerKey = { publicKey: ALICE.publicKey };
const GAS_COIN = { objectId: `0x${'11'.repeat(32)}`, version: '7', digest: '4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi' };
const OWNED_COIN = { objectId: `0x${'33'.repeat(32)}`, version: '9', digest: '4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi' };
const SYSTEM_STATE = { objectId: '0x5', initialSharedVersion: 1, mutable: true };

/** A transaction with everything set that a build would otherwise ask the network for. */
function offline(sender = ALICE.address): Transaction {
  const tx = new Transaction();
  tx.setSender(sender);
  tx.setGasPrice(750);
  tx.setGasBudget(5_000_000);
  tx.setGasPayment([GAS_COIN]);
  return tx;
}

function suiTransfer(amount: bigint, to = BOB.address, sender = ALICE.address): Transaction {
  const tx = offline(sender);
  const [coin] = tx.splitCoins(tx.gas, [tx.pure.u64(amount)]);
  tx.transferObjects([coin!], tx.pure.address(to));
  return tx;
}

const input = (bytes: Uint8Array) => ({ transactionData: base64.encode(bytes) });


function signThrough(bytes: Uint8Array, key: TestKey = ALICE) {
  const prepared = sui.prepareTransaction(input(bytes), { publicKey: key.publicKey });
  expect(prepared.items).toHaveLength(1);
  const item = prepared.items[0];
  if (item?.scheme !== 'eddsa-ed25519') throw new Error('expected an Ed25519 item');
  const signed = prepared.finalize([ed25519.sign(item.message, key.secret)]);
  return { prepared, signed, wire: JSON.parse(signed.signedTransaction) as { transactionBytes: string; signatures: string[] } };
}

describe('sui address', () => {
  it('is the SDK\'s address of the key', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (secret) => {
        const key = newKey(secret);
        expect(sui.address(key.publicKey)).toBe(key.address);
        expect(sui.address(key.publicKey, 'sui')).toBe(Ed25519Keypair.fromSecretKey(secret).toSuiAddress());
      }),
      { numRuns: 40 },
    );
  });

  it('refuses keys that are not Ed25519 points and other formats', () => {
    expect(errorCode(() => sui.address(new Uint8Array(31)))).toBe('bad-public-key');
    expect(errorCode(() => sui.address(ALICE.publicKey, 'aptos'))).toBe('unsupported-format');
  });
});

describe('sui transactions through the SDK', () => {
  it('signs a SUI transfer that the SDK verifies, with the SDK\'s own signature and digest', async () => {
    const bytes = await suiTransfer(1_234_000n).build();
    const { prepared, signed, wire } = signThrough(bytes);
    expect(Object.keys(wire)).toEqual(['transactionBytes', 'signatures']);
    expect(wire.transactionBytes).toBe(base64.encode(bytes));
    expect(wire.signatures).toHaveLength(1);

    const verified = await verifyTransactionSignature(base64.decode(wire.transactionBytes), wire.signatures[0]!, { address: ALICE.address });
    expect(verified.toSuiAddress()).toBe(ALICE.address);
    // Ed25519 is deterministic: the SDK signing the same bytes with the same key gives the same serialized signature.
    expect(wire.signatures[0]).toBe((await Ed25519Keypair.fromSecretKey(ALICE.secret).signTransaction(bytes)).signature);
    expect(signed.txHash).toBe(TransactionDataBuilder.getDigestFromBytes(bytes));
    expect(signed.txHash).toBe(await suiTransfer(1_234_000n).getDigest());

    expect(prepared.summary).toEqual({
      chain: 'sui',
      from: ALICE.address,
      transfers: [{ to: BOB.address, amount: '1234000' }],
      fee: '5000000',
      notes: [`gas: budget 5000000 MIST at 750 MIST per unit, paid from ${GAS_COIN.objectId} v7`],
    });
  });

  it('reads every command kind and input kind through to the gas data, and lists them in the notes', async () => {
    const tx = offline();
    const [a, b] = tx.splitCoins(tx.gas, [tx.pure.u64(10n), tx.pure.u64(20n)]);
    tx.transferObjects([a!], tx.pure.address(BOB.address));
    tx.moveCall({ target: '0x3::sui_system::request_add_stake', arguments: [tx.sharedObjectRef(SYSTEM_STATE), b!, tx.pure.address(BOB.address)] });
    const coin = tx.objectRef(OWNED_COIN);
    const [token] = tx.splitCoins(coin, [tx.pure.u64(5n)]);
    tx.transferObjects([token!], tx.pure.address(BOB.address));
    tx.mergeCoins(tx.gas, [coin]);
    tx.makeMoveVec({ type: 'vector<0x2::coin::Coin<0x2::sui::SUI>>', elements: [] });
    tx.moveCall({ target: '0x2::coin::zero', typeArguments: ['0x2::sui::SUI'] });
    const [cap] = tx.publish({ modules: [[0xa1, 0x1c, 0xeb, 0x0b]], dependencies: ['0x1', '0x2'] });
    tx.transferObjects([cap!], tx.pure.address(ALICE.address));
    tx.transferObjects([tx.gas], tx.pure.address(BOB.address));
    tx.setExpiration({ Epoch: 812 });
    const bytes = await tx.build();

    const { prepared, wire } = signThrough(bytes);
    expect((await verifyTransactionSignature(bytes, wire.signatures[0]!)).toSuiAddress()).toBe(ALICE.address);
    const long = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;
    expect(prepared.summary.transfers).toEqual([{ to: BOB.address, amount: '10' }]);
    expect(prepared.summary.notes).toEqual([
      'command 0 splits (10, 20) from the gas coin',
      `command 2 calls ${long(3)}::sui_system::request_add_stake(shared object ${long(5)} (mutable), result 1 of command 0, pure 0x${BOB.address.slice(2)})`,
      `command 3 splits (5) from object ${OWNED_COIN.objectId} v9`,
      `command 4 TRANSFERS result 0 of command 3 to ${BOB.address}`,
      `command 5 merges object ${OWNED_COIN.objectId} v9 into the gas coin`,
      `command 6 makes a vector<vector<${long(2)}::coin::Coin<${long(2)}::sui::SUI>>> of ()`,
      `command 7 calls ${long(2)}::coin::zero<${long(2)}::sui::SUI>()`,
      'command 8 PUBLISHES a Move package of 1 module(s)',
      `command 9 TRANSFERS result 0 of command 8 to ${ALICE.address}`,
      `command 10 TRANSFERS the gas coin (all the SUI of the gas payment left after the fee) to ${BOB.address}`,
      `gas: budget 5000000 MIST at 750 MIST per unit, paid from ${GAS_COIN.objectId} v7`,
      'expires after epoch 812',
    ]);
  });

  it('reads an upgrade and a receiving input', async () => {
    const tx = offline();
    const ticket = tx.moveCall({ target: '0x2::package::authorize_upgrade', arguments: [tx.objectRef(OWNED_COIN), tx.pure.u8(0), tx.pure.vector('u8', [1, 2])] });
    const receipt = tx.upgrade({ modules: [[1, 2, 3]], dependencies: ['0x1'], package: `0x${'44'.repeat(32)}`, ticket });
    tx.moveCall({ target: '0x2::package::commit_upgrade', arguments: [tx.objectRef(OWNED_COIN), receipt, tx.receivingRef({ ...GAS_COIN, objectId: `0x${'55'.repeat(32)}` })] });
    const { prepared } = signThrough(await tx.build());
    expect(prepared.summary.notes).toContain(`command 1 UPGRADES package 0x${'44'.repeat(32)} with 1 module(s)`);
    expect(prepared.summary.notes?.[2]).toContain(`receiving object 0x${'55'.repeat(32)} v7`);
  });
});

describe('sui refusals', () => {
  it('refuses another sender or another gas owner as foreign-input', async () => {
    const theirs = await suiTransfer(1n, ALICE.address, BOB.address).build();
    expect(errorCode(() => sui.prepareTransaction(input(theirs), signer))).toBe('foreign-input');
    const sponsored = suiTransfer(1n);
    sponsored.setGasOwner(BOB.address);
    const sponsoredBytes = await sponsored.build();
    expect(errorCode(() => sui.prepareTransaction(input(sponsoredBytes), signer))).toBe('foreign-input');
    const mine = await suiTransfer(1n).build();
    expect(errorCode(() => sui.prepareTransaction(input(mine), { publicKey: BOB.publicKey }))).toBe('foreign-input');
  });

  it('refuses truncated, trailing, dangling-argument and badly encoded input as malformed-transaction', async () => {
    const bytes = await suiTransfer(1000n).build();
    // V1, programmable, 2 inputs: pure u64 (tag, length 8, 8 bytes), pure address (tag, length 32, 32 bytes).
    expect([...bytes.subarray(0, 5)]).toEqual([0, 0, 2, 0, 8]);
    // Then 2 commands: SplitCoins(GasCoin, [Input(0)]), TransferObjects([NestedResult(0, 0)], Input(1)).
    expect([...bytes.subarray(47, 61)]).toEqual([2, 2, 0, 1, 1, 0, 0, 1, 1, 3, 0, 0, 0, 0]);
    const mutate = (at: number, value: number) => {
      const copy = bytes.slice();
      copy[at] = value;
      return copy;
    };
    const refuse = (b: Uint8Array) => errorCode(() => sui.prepareTransaction(input(b), signer));
    expect(refuse(bytes.subarray(0, bytes.length - 1))).toBe('malformed-transaction');
    expect(refuse(new Uint8Array([...bytes, 0]))).toBe('malformed-transaction');
    expect(refuse(new Uint8Array(0))).toBe('malformed-transaction');
    expect(() => sui.prepareTransaction(input(mutate(52, 5)), signer)).toThrow(/uses input 5 of 2/);
    expect(refuse(mutate(52, 5))).toBe('malformed-transaction');
    expect(() => sui.prepareTransaction(input(mutate(57, 1)), signer)).toThrow(/result of command 1, which does not come before it/);
    expect(refuse(mutate(57, 1))).toBe('malformed-transaction');
    expect(refuse(mutate(48, 9))).toBe('malformed-transaction'); // no command 9
    expect(refuse(mutate(bytes.length - 1, 3))).toBe('malformed-transaction'); // no expiration 3
    expect(refuse(mutate(4, 0x88))).toBe('malformed-transaction'); // a ULEB length running into the next bytes

    const text = base64.encode(bytes);
    for (const bad of [undefined, 'x', [text], { transactionData: text.slice(0, -1) }, { transactionData: ` ${text}` }, { transactionData: `${text}$` }, { transactionData: text, sender: ALICE.address }, { transactionBytes: text }]) {
      expect(errorCode(() => sui.prepareTransaction(bad, signer))).toBe('malformed-transaction');
    }
  });

  it('refuses system kinds, later versions, funds withdrawals and ValidDuring as unsupported-transaction', async () => {
    const bytes = await suiTransfer(1000n).build();
    const mutate = (at: number, value: number) => {
      const copy = bytes.slice();
      copy[at] = value;
      return copy;
    };
    const refuse = (b: Uint8Array) => errorCode(() => sui.prepareTransaction(input(b), signer));
    expect(refuse(mutate(0, 1))).toBe('unsupported-transaction'); // TransactionData V2
    expect(refuse(mutate(1, 1))).toBe('unsupported-transaction'); // ChangeEpoch
    expect(refuse(mutate(3, 2))).toBe('unsupported-transaction'); // a FundsWithdrawal input
    expect(refuse(mutate(bytes.length - 1, 2))).toBe('unsupported-transaction'); // ValidDuring
  });

  it('refuses a wrong, corrupted or missing signature as bad-signature', async () => {
    const prepared = sui.prepareTransaction(input(await suiTransfer(5n).build()), signer);
    const item = prepared.items[0];
    if (item?.scheme !== 'eddsa-ed25519') throw new Error('expected an Ed25519 item');
    const signature = ed25519.sign(item.message, ALICE.secret);
    const corrupted = signature.slice();
    corrupted[40]! ^= 0x80;
    expect(errorCode(() => prepared.finalize([corrupted]))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize([ed25519.sign(item.message, BOB.secret)]))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize([]))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize([new Uint8Array(65)]))).toBe('bad-signature');
  });
});
