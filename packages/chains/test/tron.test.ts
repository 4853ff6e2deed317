import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { hex } from '@scure/base';
import { TronWeb, Trx, utils as tronUtils } from 'tronweb';
import { tron } from '../src/tron.js';
import { ChainInputError } from '../src/errors.js';
import { ecdsaItemDigest } from '../src/keys.js';
import type { SigningItem } from '../src/types.js';
import { errorCode } from './helpers.js';

/** TronWeb's generated protobuf classes (google-protobuf), which it puts on globalThis. */
interface ProtoObject {
  serializeBinary(): Uint8Array;
  [method: string]: (...args: never[]) => unknown;
}
interface ProtoClass {
  deserializeBinary(bytes: Uint8Array): ProtoObject;
  new (): ProtoObject;
}
const PROTO = (globalThis as unknown as { TronWebProto: Record<string, ProtoClass> & { Transaction: ProtoClass & { raw: ProtoClass; Contract: ProtoClass } } }).TronWebProto;

// A TronWeb that never reaches a node: every builder below is given the block header.
const tronWeb = new TronWeb({ fullHost: 'http://127.0.0.1:9' });
const BLOCK_HEADER = { ref_block_bytes: 'abcd', ref_block_hash: '0123456789abcdef', expiration: 1_700_000_060_000, timestamp: 1_700_000_000_000 };
const USDT = 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t';

interface TestKey {
  readonly secret: Uint8Array;
  readonly privateKey: string;
  readonly publicKey: Uint8Array;
  readonly address: string;
}

function newKey(secret = secp256k1.utils.randomSecretKey()): TestKey {
  const privateKey = hex.encode(secret);
  return { secret, privateKey, publicKey: secp256k1.getPublicKey(secret, true), address: TronWeb.address.fromPrivateKey(privateKey) as string };
}

const ALICE = newKey();
const BOB = newKey();

type TronTransaction = { txID: string; raw_data_hex: string; raw_data: Record<string, unknown>; visible: boolean };

const sendTrx = (to: string, amount: number, from: string, options: Record<string, unknown> = {}) =>
  tronWeb.transactionBuilder.sendTrx(to, amount, from, { blockHeader: BLOCK_HEADER, ...options }) as Promise<TronTransaction>;

async function trc20Transfer(from: string, to: string, amount: number, options: Record<string, unknown> = {}): Promise<TronTransaction> {
  const { transaction } = await tronWeb.transactionBuilder.triggerSmartContract(
    USDT,
    'transfer(address,uint256)',
    { feeLimit: 100_000_000, txLocal: true, blockHeader: BLOCK_HEADER, ...options } as never,
    [{ type: 'address', value: to }, { type: 'uint256', value: amount }],
    from,
  );
  return transaction as unknown as TronTransaction;
}

/** The cluster's part: ECDSA over sha256(raw_data) with the private key. */
function sign(items: readonly SigningItem[], secret: Uint8Array): Uint8Array[] {
  return items.map((item) => {
    if (item.scheme !== 'ecdsa-secp256k1') throw new Error('expected an ECDSA item');
    expect(item.hash).toBe('sha256');
    return secp256k1.sign(ecdsaItemDigest(item), secret, { prehash: false });
  });
}


/** prepare → sign → finalize, then the broadcast bytes decoded and the signature checked by TronWeb. */
async function roundTrip(tx: TronTransaction, key = ALICE) {
  const prepared = tron.prepareTransaction(tx, { publicKey: key.publicKey });
  expect(hex.encode(prepared.items[0]!.message)).toBe(tx.raw_data_hex);
  const signed = prepared.finalize(sign(prepared.items, key.secret));
  expect(signed.txHash).toBe(tx.txID);
  const decoded = PROTO.Transaction.deserializeBinary(hex.decode(signed.signedTransaction));
  expect(hex.encode((decoded.getRawData!() as ProtoObject).serializeBinary())).toBe(tx.raw_data_hex);
  const [signature, ...more] = decoded.getSignatureList_asU8!() as Uint8Array[];
  expect(more).toEqual([]);
  // TronWeb's recovery from the txID and its own (deterministic, RFC 6979) signature agree.
  expect(Trx.ecRecover({ ...tx, signature: [hex.encode(signature!)] } as never)).toBe(key.address);
  const byTronWeb = await tronWeb.trx.sign(structuredClone(tx) as never, key.privateKey);
  expect((byTronWeb as unknown as { signature: string[] }).signature[0]!.toLowerCase()).toBe(hex.encode(signature!));
  return { prepared, signed };
}

/** Re-encodes a TronWeb transaction after `edit` changed its protobuf raw_data (txID recomputed). */
function mutate(tx: TronTransaction, edit: (raw: ProtoObject) => void): TronTransaction {
  const raw = PROTO.Transaction.raw.deserializeBinary(hex.decode(tx.raw_data_hex));
  edit(raw);
  const bytes = raw.serializeBinary();
  return { ...tx, raw_data_hex: hex.encode(bytes), txID: hex.encode(sha256(bytes)) };
}

/** Edits the first contract's parameter, decoded as `type`. */
function mutateParameter(tx: TronTransaction, type: string, edit: (parameter: ProtoObject) => void): TronTransaction {
  return mutate(tx, (raw) => {
    const any = ((raw.getContractList!() as ProtoObject[])[0]!.getParameter!() as ProtoObject);
    const parameter = PROTO[type]!.deserializeBinary(any.getValue_asU8!() as Uint8Array);
    edit(parameter);
    any.setValue!(parameter.serializeBinary() as never);
  });
}

function withRaw(tx: TronTransaction, raw: Uint8Array): TronTransaction {
  return { ...tx, raw_data_hex: hex.encode(raw), txID: hex.encode(sha256(raw)) };
}

describe('Tron addresses', () => {
  it('are the base58check address TronWeb computes from the same key', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 48, maxLength: 48 }), (seed) => {
        const key = newKey(secp256k1.utils.randomSecretKey(seed));
        expect(tron.address(key.publicKey)).toBe(key.address);
        const fromPublicKey = tronUtils.crypto.computeAddress(Array.from(secp256k1.getPublicKey(key.secret, false)));
        expect(tron.address(key.publicKey, 'tron')).toBe(tronUtils.crypto.getBase58CheckAddress(fromPublicKey));
        expect(TronWeb.isAddress(tron.address(key.publicKey))).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it('refuse another format and a bad key', () => {
    expect(errorCode(() => tron.address(ALICE.publicKey, 'evm'))).toBe('unsupported-format');
    expect(errorCode(() => tron.address(ALICE.publicKey.subarray(1)))).toBe('bad-public-key');
    expect(tron.info).toEqual({ id: 'tron', name: 'Tron', scheme: 'ecdsa-secp256k1', formats: ['tron'] });
  });
});

describe('Tron transactions signed end to end', () => {
  it('a TRX transfer built by TronWeb', async () => {
    const tx = await sendTrx(BOB.address, 1_500_000, ALICE.address);
    const { prepared } = await roundTrip(tx);
    expect(prepared.summary).toMatchObject({ chain: 'tron', from: ALICE.address, transfers: [{ to: BOB.address, amount: '1500000' }] });
    expect(prepared.summary.fee).toBeUndefined();
    expect(prepared.summary.chainId).toBeUndefined();
    expect(prepared.summary.notes).toContain(`expires at ${new Date(BLOCK_HEADER.expiration).toISOString()}`);
    // Only raw_data_hex is read: the bare form gives the same items.
    expect(tron.prepareTransaction({ raw_data_hex: tx.raw_data_hex }, { publicKey: ALICE.publicKey }).items).toEqual(prepared.items);
  });

  it('a TRC-20 transfer is a token transfer with fee_limit as the maximum fee', async () => {
    const tx = await trc20Transfer(ALICE.address, BOB.address, 5_000_000);
    const { prepared } = await roundTrip(tx);
    expect(prepared.summary.transfers).toEqual([{ to: BOB.address, amount: '5000000', asset: USDT }]);
    expect(prepared.summary.fee).toBe('100000000');
    expect(prepared.summary.notes?.some((note) => note.startsWith('fee is the maximum'))).toBe(true);
  });

  it('another contract call sends its call value to the contract; a memo is shown', async () => {
    const { transaction } = await tronWeb.transactionBuilder.triggerSmartContract(
      USDT,
      'deposit()',
      { feeLimit: 50_000_000, callValue: 3_000_000, txLocal: true, blockHeader: BLOCK_HEADER } as never,
      [],
      ALICE.address,
    );
    const withMemo = (await tronWeb.transactionBuilder.addUpdateData(transaction as never, 'invoice 42', 'utf8', { txLocal: true })) as unknown as TronTransaction;
    const { prepared } = await roundTrip(withMemo);
    expect(prepared.summary.transfers).toEqual([{ to: USDT, amount: '3000000' }]);
    expect(prepared.summary.notes).toContain('memo: "invoice 42" (a memo costs an extra fee)');
    expect(prepared.summary.notes?.some((note) => note.startsWith(`calls contract ${USDT} with 4 bytes`))).toBe(true);
  });
});

describe('Tron transactions refused', () => {
  it('from another account: foreign-input', async () => {
    const transfer = await sendTrx(ALICE.address, 1, BOB.address);
    expect(errorCode(() => tron.prepareTransaction(transfer, { publicKey: ALICE.publicKey }))).toBe('foreign-input');
    const token = await trc20Transfer(BOB.address, ALICE.address, 1);
    expect(errorCode(() => tron.prepareTransaction(token, { publicKey: ALICE.publicKey }))).toBe('foreign-input');
  });

  it('an address outside Tron\'s 0x41 prefix: wrong-chain', async () => {
    const tx = await sendTrx(BOB.address, 1, ALICE.address);
    const otherPrefix = (bytes: Uint8Array) => Uint8Array.of(0xa0, ...bytes.subarray(1));
    const badTo = mutateParameter(tx, 'TransferContract', (p) => p.setToAddress!(otherPrefix(p.getToAddress_asU8!() as Uint8Array) as never));
    expect(errorCode(() => tron.prepareTransaction(badTo, { publicKey: ALICE.publicKey }))).toBe('wrong-chain');
    const badOwner = mutateParameter(tx, 'TransferContract', (p) => p.setOwnerAddress!(otherPrefix(p.getOwnerAddress_asU8!() as Uint8Array) as never));
    expect(errorCode(() => tron.prepareTransaction(badOwner, { publicKey: ALICE.publicKey }))).toBe('wrong-chain');
  });

  it('bad encodings: malformed-transaction', async () => {
    const tx = await sendTrx(BOB.address, 1, ALICE.address);
    const raw = hex.decode(tx.raw_data_hex);
    const variants: [unknown, string][] = [
      [{ ...tx, txID: tx.txID.replace(/^./, (c) => (c === '0' ? '1' : '0')) }, 'is not sha256(raw_data)'],
      [{ ...tx, txID: 5 }, 'is not sha256(raw_data)'],
      [withRaw(tx, raw.subarray(0, raw.length - 3)), 'runs past the end'],
      [withRaw(tx, Uint8Array.of(...raw, 0x98)), 'runs past the end'], // a trailing byte: a cut varint
      [withRaw(tx, Uint8Array.of(...raw, 0x08, 0x01)), 'out of canonical order'], // a trailing field 1
      [withRaw(tx, Uint8Array.of(...raw, 0x78, 0x01)), 'unknown field 15'],
      [withRaw(tx, Uint8Array.of(0x0a, 0x02, 0xab, 0xcd, 0x0a, 0x02, 0xab, 0xcd, ...raw.subarray(4))), 'given twice'],
      [withRaw(tx, new Uint8Array(40).fill(0xff)), 'varint'],
      [{ raw_data_hex: `0x${tx.raw_data_hex}` }, 'raw_data_hex must be'],
      [{ raw_data_hex: `${tx.raw_data_hex}0` }, 'raw_data_hex must be'],
      [{ raw_data_hex: '' }, 'raw_data_hex must be'],
      [{ ...tx, signature: ['00'] }, 'already carries signatures'],
      [{ ...tx, signature: 'none' }, 'already carries signatures'],
      [{ ...tx, extra: 1 }, 'unexpected "extra"'],
      [{ ...tx, visible: 'yes' }, 'visible'],
      [mutate(tx, (r) => r.setRefBlockHash!(new Uint8Array(0) as never)), 'ref_block_hash must be 8 bytes'],
      [mutate(tx, (r) => r.setRefBlockBytes!(Uint8Array.of(1, 2, 3) as never)), 'ref_block_bytes must be 2 bytes'],
      [mutate(tx, (r) => r.setExpiration!(0 as never)), 'expiration is required'],
      [mutate(tx, (r) => r.setExpiration!(-5 as never)), 'expiration is negative'],
      [mutate(tx, (r) => r.clearContractList!()), 'no contract'],
      [mutate(tx, (r) => ((r.getContractList!() as ProtoObject[])[0]!.getParameter!() as ProtoObject).setTypeUrl!('type.googleapis.com/protocol.TransferAssetContract' as never)), 'does not match'],
      [mutateParameter(tx, 'TransferContract', (p) => p.setAmount!(-1 as never)), 'amount is negative'],
      [mutateParameter(tx, 'TransferContract', (p) => p.setAmount!(0 as never)), 'amount must be positive'],
      [mutateParameter(tx, 'TransferContract', (p) => p.setToAddress!(new Uint8Array(20).fill(0x41) as never)), 'must be 21 bytes'],
      ['raw', 'is an object'],
    ];
    for (const [input, reason] of variants) {
      let error: unknown;
      try {
        tron.prepareTransaction(input, { publicKey: ALICE.publicKey });
      } catch (caught) {
        error = caught;
      }
      expect(error, reason).toBeInstanceOf(ChainInputError);
      expect([reason, (error as ChainInputError).code, (error as ChainInputError).message]).toEqual([reason, 'malformed-transaction', expect.stringContaining(reason)]);
    }
  });

  it('what this module does not sign: unsupported-transaction', async () => {
    const tx = await sendTrx(BOB.address, 1, ALICE.address);
    const freeze = (await tronWeb.transactionBuilder.freezeBalanceV2(1_000_000, 'ENERGY', ALICE.address, { blockHeader: BLOCK_HEADER } as never)) as unknown as TronTransaction;
    const withPermission = await sendTrx(BOB.address, 1, ALICE.address, { permissionId: 2 });
    const twoContracts = mutate(tx, (r) => r.addContract!((r.getContractList!() as ProtoObject[])[0]! as never));
    const withAuths = mutate(tx, (r) => r.addAuths!(new PROTO.authority!() as never));
    const withScripts = mutate(tx, (r) => r.setScripts!(Uint8Array.of(1) as never));
    const tokenCall = await trc20Transfer(ALICE.address, BOB.address, 1, { tokenValue: 5, tokenId: 1000001 });
    const cases: [TronTransaction, string][] = [
      [freeze, 'contract type 54'],
      [withPermission, 'Permission_id'],
      [twoContracts, '2 contracts'],
      [withAuths, 'auths'],
      [withScripts, 'scripts'],
      [tokenCall, 'TRC-10'],
    ];
    for (const [input, reason] of cases) {
      let error: unknown;
      try {
        tron.prepareTransaction(input, { publicKey: ALICE.publicKey });
      } catch (caught) {
        error = caught;
      }
      expect([reason, (error as ChainInputError).code, (error as ChainInputError).message]).toEqual([reason, 'unsupported-transaction', expect.stringContaining(reason)]);
    }
  });

  it('a wrong or corrupted signature: bad-signature; a high-S one is normalised', async () => {
    const tx = await sendTrx(BOB.address, 7, ALICE.address);
    const prepared = tron.prepareTransaction(tx, { publicKey: ALICE.publicKey });
    const [good] = sign(prepared.items, ALICE.secret);
    const corrupted = good!.slice();
    corrupted[40]! ^= 0x80;
    for (const signatures of [[corrupted], sign(prepared.items, BOB.secret), [good!.subarray(1)], [], [good!, good!]]) {
      expect(errorCode(() => prepared.finalize(signatures))).toBe('bad-signature');
    }
    const sig = secp256k1.Signature.fromBytes(good!, 'compact');
    const highS = new secp256k1.Signature(sig.r, secp256k1.Point.CURVE().n - sig.s).toBytes('compact');
    expect(prepared.finalize([highS])).toEqual(prepared.finalize([good!]));
    expect(errorCode(() => tron.prepareTransaction(tx, { publicKey: ALICE.publicKey, format: 'evm' }))).toBe('unsupported-format');
  });
});
