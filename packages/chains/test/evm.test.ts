import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hex } from '@scure/base';
import {
  encodeFunctionData,
  erc20Abi,
  getContractAddress,
  keccak256,
  parseTransaction,
  recoverTransactionAddress,
  serializeTransaction,
  toRlp,
  type Hex,
  type TransactionSerializable,
} from 'viem';
import { privateKeyToAccount, publicKeyToAddress } from 'viem/accounts';
import { arbitrum, avalanche, base, bsc, mainnet, optimism, polygon, sepolia } from 'viem/chains';
import { Transaction as EthersTransaction, computeAddress } from 'ethers';
import { EVM_MODULES } from '../src/evm.js';
import { ChainInputError } from '../src/errors.js';
import { ecdsaItemDigest } from '../src/keys.js';
import type { ChainModule, SignerKey, SigningItem } from '../src/types.js';
import { errorCode } from './helpers.js';

interface TestKey {
  readonly secret: Uint8Array;
  readonly signer: SignerKey;
  readonly address: Hex;
  readonly account: ReturnType<typeof privateKeyToAccount>;
}

function newKey(secret = secp256k1.utils.randomSecretKey()): TestKey {
  const account = privateKeyToAccount(`0x${hex.encode(secret)}`);
  return { secret, signer: { publicKey: secp256k1.getPublicKey(secret, true) }, address: account.address, account };
}

function chain(id: string): ChainModule {
  const module = EVM_MODULES.find((m) => m.info.id === id);
  if (!module) throw new Error(`no module ${id}`);
  return module;
}

/** The cluster's part, done here with the private key: ECDSA (RFC 6979, low S) over each item's digest. */
function sign(items: readonly SigningItem[], secret: Uint8Array): Uint8Array[] {
  return items.map((item) => {
    if (item.scheme !== 'ecdsa-secp256k1') throw new Error('expected an ECDSA item');
    expect(item.hash).toBe('keccak256');
    return secp256k1.sign(ecdsaItemDigest(item), secret, { prehash: false });
  });
}


const ALICE = newKey();
const BOB = newKey();
const ethereum = chain('ethereum');

const TRANSFER_1559: TransactionSerializable = {
  type: 'eip1559',
  chainId: 1,
  nonce: 7,
  to: BOB.address,
  value: 1_234_567_890_123_456_789n,
  gas: 21_000n,
  maxFeePerGas: 30_000_000_000n,
  maxPriorityFeePerGas: 1_500_000_000n,
};

/** TRANSFER_1559 as JSON carries it. */
const TRANSFER_FIELDS = { type: 'eip1559', chainId: 1, nonce: 7, to: BOB.address, value: '1234567890123456789', gas: '21000', maxFeePerGas: '30000000000', maxPriorityFeePerGas: '1500000000' };

describe('EVM modules', () => {
  it('have the EIP-155 chain ids viem knows them by', () => {
    const expected = { ethereum: mainnet, 'ethereum-sepolia': sepolia, bsc, polygon, arbitrum, optimism, base, avalanche };
    expect(EVM_MODULES.map((m) => m.info.id).sort()).toEqual(Object.keys(expected).sort());
    for (const [id, viemChain] of Object.entries(expected)) {
      const prepared = chain(id).prepareTransaction({ ...TRANSFER_FIELDS, chainId: viemChain.id }, ALICE.signer);
      expect(prepared.summary.chainId).toBe(String(viemChain.id));
      expect(chain(id).info).toMatchObject({ scheme: 'ecdsa-secp256k1', formats: ['evm'] });
    }
    expect(chain('bsc').info.name).toBe('BNB Smart Chain');
    expect(chain('arbitrum').info.name).toBe('Arbitrum One');
    expect(chain('optimism').info.name).toBe('OP Mainnet');
    expect(chain('avalanche').info.name).toBe('Avalanche C-Chain');
  });

  it('give the EIP-55 address viem and ethers compute from the same key', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 48, maxLength: 48 }), (seed) => {
        const secret = secp256k1.utils.randomSecretKey(seed);
        const compressed = secp256k1.getPublicKey(secret, true);
        const uncompressed = `0x${hex.encode(secp256k1.getPublicKey(secret, false))}` as const;
        const address = ethereum.address(compressed);
        expect(address).toBe(publicKeyToAddress(uncompressed));
        expect(address).toBe(computeAddress(uncompressed));
        expect(chain('base').address(compressed, 'evm')).toBe(address);
      }),
      { numRuns: 25 },
    );
  });

  it('refuse another format and a key that is not a compressed curve point', () => {
    expect(errorCode(() => ethereum.address(ALICE.signer.publicKey, 'p2wpkh'))).toBe('unsupported-format');
    expect(errorCode(() => ethereum.address(secp256k1.getPublicKey(ALICE.secret, false)))).toBe('bad-public-key');
    const offCurve = Uint8Array.of(2, ...new Uint8Array(32).fill(0xff));
    expect(errorCode(() => ethereum.address(offCurve))).toBe('bad-public-key');
    expect(errorCode(() => ethereum.prepareTransaction(TRANSFER_FIELDS, { ...ALICE.signer, format: 'tron' }))).toBe('unsupported-format');
  });
});

describe('EVM transactions signed end to end', () => {
  /** prepare → sign the items → finalize, then check the result with viem and ethers. */
  async function roundTrip(module: ChainModule, input: unknown, tx: TransactionSerializable, key = ALICE) {
    const prepared = module.prepareTransaction(input, key.signer);
    expect(prepared.items).toHaveLength(1);
    // The preimage is exactly viem's unsigned serialization.
    expect(`0x${hex.encode(prepared.items[0]!.message)}`).toBe(serializeTransaction(tx));
    const signed = prepared.finalize(sign(prepared.items, key.secret));
    // RFC 6979 is deterministic: viem's own signing of the same transaction gives the same bytes.
    expect(signed.signedTransaction).toBe(await key.account.signTransaction(tx));
    const serializedTransaction = signed.signedTransaction as Hex;
    expect(await recoverTransactionAddress({ serializedTransaction: serializedTransaction as never })).toBe(key.address);
    expect(signed.txHash).toBe(keccak256(serializedTransaction));
    const ethers = EthersTransaction.from(serializedTransaction);
    expect(ethers.from).toBe(key.address);
    expect(ethers.hash).toBe(signed.txHash);
    expect(ethers.chainId).toBe(BigInt(tx.chainId!));
    return { prepared, signed, parsed: parseTransaction(serializedTransaction) };
  }

  it('an EIP-1559 transfer from viem\'s serialization', async () => {
    const { prepared, parsed } = await roundTrip(ethereum, { serialized: serializeTransaction(TRANSFER_1559), from: ALICE.address }, TRANSFER_1559);
    expect(parsed).toMatchObject({ to: BOB.address.toLowerCase(), value: TRANSFER_1559.value, nonce: 7 });
    expect(prepared.summary).toMatchObject({
      chain: 'ethereum',
      from: ALICE.address,
      transfers: [{ to: BOB.address, amount: '1234567890123456789' }],
      fee: String(21_000n * 30_000_000_000n),
      chainId: '1',
    });
    expect(prepared.summary.notes?.some((note) => note.startsWith('fee is the maximum'))).toBe(true);
  });

  it('the same EIP-1559 transfer from its fields, numbers as decimal strings, hex and numbers', async () => {
    const fields = { type: 'eip1559', chainId: 1, nonce: '7', to: BOB.address, value: '1234567890123456789', gas: '0x5208', maxFeePerGas: '30000000000', maxPriorityFeePerGas: 1_500_000_000, from: ALICE.address.toLowerCase() };
    await roundTrip(ethereum, fields, TRANSFER_1559);
    // Without `type`, as viem infers it from maxFeePerGas.
    const { type: _type, ...untyped } = fields;
    expect(ethereum.prepareTransaction(untyped, ALICE.signer).items[0]!.message).toEqual(ethereum.prepareTransaction(fields, ALICE.signer).items[0]!.message);
  });

  it('an ethers-built EIP-1559 transaction (unsignedSerialized) gives the same preimage', () => {
    const ethersTx = EthersTransaction.from({ type: 2, chainId: 1, nonce: 7, to: BOB.address, value: TRANSFER_1559.value, gasLimit: 21_000n, maxFeePerGas: 30_000_000_000n, maxPriorityFeePerGas: 1_500_000_000n });
    const prepared = ethereum.prepareTransaction({ serialized: ethersTx.unsignedSerialized }, ALICE.signer);
    expect(`0x${hex.encode(prepared.items[0]!.message)}`).toBe(ethersTx.unsignedSerialized);
    expect(keccak256(prepared.items[0]!.message)).toBe(ethersTx.unsignedHash);
  });

  it('a legacy EIP-155 transaction on BNB Smart Chain (v = chainId·2 + 35 + recovery)', async () => {
    const tx: TransactionSerializable = { type: 'legacy', chainId: 56, nonce: 0, to: BOB.address, value: 5n, gas: 21_000n, gasPrice: 3_000_000_000n };
    for (const input of [{ serialized: serializeTransaction(tx) }, { ...tx, value: '5', gas: '21000', gasPrice: '3000000000' }]) {
      const { signed, prepared } = await roundTrip(chain('bsc'), input, tx);
      const v = EthersTransaction.from(signed.signedTransaction).signature!.networkV;
      expect(v === 56n * 2n + 35n || v === 56n * 2n + 36n).toBe(true);
      expect(prepared.summary.fee).toBe(String(21_000n * 3_000_000_000n));
    }
  });

  it('an EIP-2930 transaction with an access list on Polygon', async () => {
    const accessList = [{ address: BOB.address, storageKeys: [keccak256('0x01'), keccak256('0x02')] }];
    const tx: TransactionSerializable = { type: 'eip2930', chainId: 137, nonce: 300, to: BOB.address, value: 0n, gas: 50_000n, gasPrice: 40_000_000_000n, accessList, data: '0xdeadbeef' };
    const { prepared } = await roundTrip(chain('polygon'), { serialized: serializeTransaction(tx) }, tx);
    expect(prepared.summary.notes).toContain('access list: 1 address(es), 2 storage key(s)');
    expect(prepared.summary.notes?.some((note) => note.includes('selector 0xdeadbeef'))).toBe(true);
    expect(prepared.summary.transfers).toEqual([]);
    await roundTrip(chain('polygon'), { ...tx, nonce: '300', gas: '50000', gasPrice: '40000000000', value: '0' }, tx);
  });

  it('an ERC-20 transfer is shown as a token transfer on Arbitrum', async () => {
    const token = '0xaf88d065e77c8cC2239327C5EDb3A432268e5831' as const;
    const data = encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [BOB.address, 2_500_000n] });
    const tx: TransactionSerializable = { type: 'eip1559', chainId: 42161, nonce: 1, to: token, value: 0n, gas: 80_000n, maxFeePerGas: 100_000_000n, maxPriorityFeePerGas: 0n, data };
    const { prepared } = await roundTrip(chain('arbitrum'), { serialized: serializeTransaction(tx) }, tx);
    expect(prepared.summary.transfers).toEqual([{ to: BOB.address, amount: '2500000', asset: token }]);
    // A call with the transfer selector but a dirty address word is only a contract call.
    const dirty = `${data.slice(0, 10)}ff${data.slice(12)}` as Hex;
    const dirtyCall = chain('arbitrum').prepareTransaction({ serialized: serializeTransaction({ ...tx, data: dirty }) }, ALICE.signer);
    expect(dirtyCall.summary.transfers).toEqual([]);
    expect(dirtyCall.summary.notes?.some((note) => note.includes('selector 0xa9059cbb'))).toBe(true);
  });

  it('a contract creation names the new contract\'s address, and OP Stack chains note the L1 fee', async () => {
    const tx: TransactionSerializable = { type: 'eip1559', chainId: 8453, nonce: 42, value: 9n, gas: 500_000n, maxFeePerGas: 1_000_000n, maxPriorityFeePerGas: 1_000n, data: '0x6080604052' };
    const { prepared } = await roundTrip(chain('base'), { serialized: serializeTransaction(tx) }, tx);
    const created = getContractAddress({ from: ALICE.address, nonce: 42n });
    expect(prepared.summary.transfers).toEqual([{ to: created, amount: '9' }]);
    expect(prepared.summary.notes).toContain(`creates a contract at ${created} with 5 bytes of init code`);
    expect(prepared.summary.notes?.some((note) => note.includes('L1 data fee'))).toBe(true);
    await roundTrip(chain('base'), { ...tx, to: null, value: '9', gas: '500000', maxFeePerGas: '1000000', maxPriorityFeePerGas: '1000' }, tx);
  });

  it('random transactions round-trip through prepare and finalize, checked by viem', async () => {
    const quantity = (max: bigint) => fc.bigInt({ min: 0n, max });
    const transaction = fc.record({
      nonce: fc.integer({ min: 0, max: 2 ** 40 }),
      value: quantity((1n << 256n) - 1n),
      gas: quantity((1n << 64n) - 1n),
      feeCap: quantity((1n << 256n) - 1n),
      data: fc.uint8Array({ maxLength: 80 }),
      to: fc.option(fc.uint8Array({ minLength: 20, maxLength: 20 }), { nil: undefined }),
      type: fc.constantFrom('eip1559', 'eip2930', 'legacy'),
    });
    await fc.assert(
      fc.asyncProperty(transaction, async (t) => {
        const common = { chainId: 10, nonce: t.nonce, value: t.value, gas: t.gas, data: `0x${hex.encode(t.data)}` as Hex, to: t.to && (`0x${hex.encode(t.to)}` as Hex) };
        const tx: TransactionSerializable =
          t.type === 'eip1559' ? { ...common, type: 'eip1559', maxFeePerGas: t.feeCap, maxPriorityFeePerGas: t.feeCap / 2n } : { ...common, type: t.type, gasPrice: t.feeCap };
        await roundTrip(chain('optimism'), { serialized: serializeTransaction(tx) }, tx);
      }),
      { numRuns: 30 },
    );
  });
});

describe('EVM transactions refused', () => {
  const serialized = serializeTransaction(TRANSFER_1559);

  it('from another address: foreign-input', () => {
    expect(errorCode(() => ethereum.prepareTransaction({ serialized, from: BOB.address }, ALICE.signer))).toBe('foreign-input');
    expect(errorCode(() => ethereum.prepareTransaction({ ...TRANSFER_FIELDS, from: BOB.address }, ALICE.signer))).toBe('foreign-input');
  });

  it('for another chain id: wrong-chain', () => {
    expect(errorCode(() => chain('polygon').prepareTransaction({ serialized }, ALICE.signer))).toBe('wrong-chain');
    expect(errorCode(() => ethereum.prepareTransaction({ serialized: serializeTransaction({ ...TRANSFER_1559, chainId: 11155111 }) }, ALICE.signer))).toBe('wrong-chain');
    expect(errorCode(() => ethereum.prepareTransaction({ serialized: serializeTransaction({ type: 'legacy', chainId: 56, nonce: 0, gas: 1n, gasPrice: 1n }) }, ALICE.signer))).toBe('wrong-chain');
  });

  it('bad encodings: malformed-transaction', () => {
    const bytes = hex.decode(serialized.slice(2));
    const variants: [unknown, string][] = [
      [{ serialized: `0x${hex.encode(bytes.subarray(0, bytes.length - 1))}` }, 'runs past the end'], // truncated
      [{ serialized: `${serialized}00` }, 'trail the RLP item'], // a trailing byte
      [{ serialized: '0x' }, 'serialized is empty'],
      [{ serialized: '0x02' }, 'ends where an item should start'],
      [{ serialized: '0xzz' }, 'even number of digits'],
      [{ serialized: `${serialized}0` }, 'even number of digits'], // odd hex length
      [{ serialized: '0x85deadbeef' }, 'starts with 0x85'], // neither a type nor a list
      [{ serialized: bytes }, 'even number of digits'], // bytes, not hex
      // non-canonical integers and lengths (viem's toRlp writes the bytes it is given)
      [{ serialized: `0x02${toRlp(['0x01', '0x0007', '0x', '0x01', '0x5208', BOB.address, '0x', '0x', []]).slice(2)}` }, 'nonce has leading zero'],
      [{ serialized: `0x02${toRlp(['0x01', '0x00', '0x', '0x01', '0x5208', BOB.address, '0x', '0x', []]).slice(2)}` }, 'nonce has leading zero'],
      [{ serialized: `0x02${toRlp(['0x01', '0x07', '0x', '0x01', '0x5208', '0x1234', '0x', '0x', []]).slice(2)}` }, 'to must be empty'], // 2-byte to
      [{ serialized: `0x02${toRlp(['0x01', '0x07', '0x', '0x01', '0x5208', BOB.address, '0x', '0x', ['0x01']]).slice(2)}` }, 'accessList[0] must be a list'], // bad access list
      [{ serialized: `0x02${toRlp(['0x01', '0x07', '0x', '0x01', '0x5208', BOB.address, '0x', '0x']).slice(2)}` }, 'has 9 fields, got 8'], // 8 fields
      [{ serialized: `0x02${toRlp(['0x01', '0x07', '0x', '0x01', ['0x5208'], BOB.address, '0x', '0x', []]).slice(2)}` }, 'gas must be an RLP string'], // a list for gas
      [{ serialized: `0x02${toRlp(['0x01', '0x07', '0x', '0x01', `0x01${'00'.repeat(8)}`, BOB.address, '0x', '0x', []]).slice(2)}` }, 'gas is longer than 64 bits'], // gas over 64 bits
      // 0x05 wrapped in a string header (0x81 0x05), and a 2-byte payload in the long form (0xb8 0x02 …)
      [{ serialized: `0x02${hex.encode(wrapList([0x01, 0x81, 0x05, 0x80, 0x01, 0x82, 0x52, 0x08, 0x80, 0x80, 0x80, 0xc0]))}` }, 'byte below 0x80 is encoded as a string'],
      [{ serialized: `0x02${hex.encode(wrapList([0x01, 0x07, 0x80, 0x01, 0xb8, 0x02, 0x52, 0x08, 0x80, 0x80, 0x80, 0xc0]))}` }, 'uses the long form'],
      // a list whose length says more than there is
      [{ serialized: `0x02${hex.encode(Uint8Array.of(0xf8, 0x40, 0x01))}` }, 'runs past the end'],
      [{ serialized, extra: 1 }, 'unexpected "extra"'],
      [{ ...TRANSFER_FIELDS, gasLimit: '21000' }, 'unexpected "gasLimit"'], // unknown key
      [{ ...TRANSFER_FIELDS, value: '-1' }, 'out of the uint256 range'],
      [{ ...TRANSFER_FIELDS, value: '01' }, 'value must be an integer'],
      [{ ...TRANSFER_FIELDS, value: 1.5 }, 'safe integer'], // not an integer
      [{ ...TRANSFER_FIELDS, value: 2 ** 53 }, 'safe integer'], // not a safe integer
      [{ ...TRANSFER_FIELDS, value: `0x1${'0'.repeat(64)}` }, 'value must be an integer'], // over 256 bits
      [{ ...TRANSFER_FIELDS, maxFeePerGas: '1', maxPriorityFeePerGas: '2' }, 'exceeds maxFeePerGas'], // tip above the cap
      [{ ...TRANSFER_FIELDS, gasPrice: '1' }, 'not gasPrice'],
      [{ ...TRANSFER_FIELDS, to: '0xAf88d065e77c8cC2239327C5EDb3A432268e5831' }, 'wrong EIP-55 checksum'], // bad checksum
      [{ type: 'eip1559', chainId: 1, nonce: 1, maxFeePerGas: '1' }, 'gas is required'], // no gas
      [{ chainId: 1, nonce: 1, gas: '1' }, 'no type'], // no fee, no type
      [{ type: 'legacy', chainId: 1, nonce: 1, gas: '1', gasPrice: '1', accessList: [] }, 'no access list'],
      ['not an object', 'is an object'],
    ];
    for (const [input, reason] of variants) {
      let error: unknown;
      try {
        ethereum.prepareTransaction(input, ALICE.signer);
      } catch (caught) {
        error = caught;
      }
      expect(error, reason).toBeInstanceOf(ChainInputError);
      expect([(error as ChainInputError).code, (error as ChainInputError).message]).toEqual(['malformed-transaction', expect.stringContaining(reason)]);
    }
  });

  it('an already-signed serialization: malformed-transaction', async () => {
    const signedTyped = await ALICE.account.signTransaction(TRANSFER_1559);
    expect(errorCode(() => ethereum.prepareTransaction({ serialized: signedTyped }, ALICE.signer))).toBe('malformed-transaction');
    const signedLegacy = await ALICE.account.signTransaction({ type: 'legacy', chainId: 1, nonce: 0, gas: 1n, gasPrice: 1n });
    expect(errorCode(() => ethereum.prepareTransaction({ serialized: signedLegacy }, ALICE.signer))).toBe('malformed-transaction');
  });

  it('what this module does not sign: unsupported-transaction', () => {
    const preEip155 = serializeTransaction({ type: 'legacy', nonce: 0, to: BOB.address, value: 1n, gas: 21_000n, gasPrice: 1n });
    expect(errorCode(() => ethereum.prepareTransaction({ serialized: preEip155 }, ALICE.signer))).toBe('unsupported-transaction');
    const rest = serialized.slice(4);
    expect(errorCode(() => ethereum.prepareTransaction({ serialized: `0x03${rest}` }, ALICE.signer))).toBe('unsupported-transaction');
    expect(errorCode(() => ethereum.prepareTransaction({ serialized: `0x04${rest}` }, ALICE.signer))).toBe('unsupported-transaction');
    expect(errorCode(() => ethereum.prepareTransaction({ serialized: `0x00${rest}` }, ALICE.signer))).toBe('unsupported-transaction');
    const fields = TRANSFER_FIELDS;
    expect(errorCode(() => ethereum.prepareTransaction({ ...fields, authorizationList: [] }, ALICE.signer))).toBe('unsupported-transaction');
    expect(errorCode(() => ethereum.prepareTransaction({ ...fields, type: 'eip4844', maxFeePerBlobGas: '1' }, ALICE.signer))).toBe('unsupported-transaction');
    expect(errorCode(() => ethereum.prepareTransaction({ ...fields, type: 'eip7702' }, ALICE.signer))).toBe('unsupported-transaction');
  });

  it('a wrong or corrupted signature: bad-signature; a high-S one is normalised', () => {
    const prepared = ethereum.prepareTransaction({ serialized }, ALICE.signer);
    const [good] = sign(prepared.items, ALICE.secret);
    const corrupted = good!.slice();
    corrupted[10]! ^= 1;
    const byBob = sign(prepared.items, BOB.secret)[0]!;
    const otherDigest = secp256k1.sign(new Uint8Array(32).fill(7), ALICE.secret, { prehash: false });
    for (const signatures of [[corrupted], [byBob], [otherDigest], [good!.subarray(0, 63)], [], [good!, good!], [new Uint8Array(64)]]) {
      expect(errorCode(() => prepared.finalize(signatures))).toBe('bad-signature');
    }
    const sig = secp256k1.Signature.fromBytes(good!, 'compact');
    const highS = new secp256k1.Signature(sig.r, secp256k1.Point.CURVE().n - sig.s).toBytes('compact');
    expect(prepared.finalize([highS])).toEqual(prepared.finalize([good!]));
  });
});

/** An RLP list header (short form) around `payload`, after the 0x02 type byte's position. */
function wrapList(payload: number[]): Uint8Array {
  return Uint8Array.of(0xc0 + payload.length, ...payload);
}
