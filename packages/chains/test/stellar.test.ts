import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base64, hex } from '@scure/base';
import {
  Account,
  Asset,
  Keypair,
  LiquidityPoolAsset,
  Memo,
  MuxedAccount,
  Networks,
  Operation,
  SorobanDataBuilder,
  StrKey,
  Transaction,
  TransactionBuilder,
  xdr,
} from '@stellar/stellar-sdk';
import { stellar, stellarTestnet } from '../src/stellar.js';
import type { ChainModule, PreparedTransaction } from '../src/types.js';
import { errorCode } from './helpers.js';

interface TestKey {
  readonly secret: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly keypair: Keypair;
  readonly address: string;
}

function newKey(): TestKey {
  const secret = ed25519.utils.randomSecretKey();
  const keypair = Keypair.fromRawEd25519Seed(Buffer.from(secret));
  return { secret, publicKey: ed25519.getPublicKey(secret), keypair, address: keypair.publicKey() };
}

const ALICE = newKey();
const ISSUER = newKey().address;
const signer = { publicKey: ALICE.publicKey };

/** Stroops as the SDK's decimal XLM string (7 decimals). */
function xlm(stroops: bigint): string {
  return `${stroops / 10_000_000n}.${(stroops % 10_000_000n).toString().padStart(7, '0')}`;
}

function build(ops: xdr.Operation[], options: Partial<TransactionBuilder.TransactionBuilderOptions> = {}, source: Account | MuxedAccount = new Account(ALICE.address, '123'), passphrase: string = Networks.PUBLIC): Transaction {
  const builder = new TransactionBuilder(source, { fee: '100', networkPassphrase: passphrase, ...options });
  for (const op of ops) builder.addOperation(op);
  if (!options.timebounds) builder.setTimeout(0);
  return builder.build();
}

function envelopeOf(tx: Transaction): string {
  return tx.toEnvelope().toXDR('base64');
}


const prepareBytes = (bytes: Uint8Array) => stellar.prepareTransaction({ envelope: base64.encode(bytes) }, signer);

/**
 * prepare → sign with noble → finalize, then checked by the SDK: same hash, the signature verifies
 * under the key and its hint, and the envelope is byte for byte what the SDK's own signing gives.
 */
function roundTrip(tx: Transaction, module: ChainModule = stellar, passphrase: string = Networks.PUBLIC): PreparedTransaction {
  const prepared = module.prepareTransaction({ envelope: envelopeOf(tx), networkPassphrase: passphrase }, signer);
  expect(prepared.items).toEqual([{ scheme: 'eddsa-ed25519', message: new Uint8Array(tx.hash()) }]);
  const out = prepared.finalize([ed25519.sign(prepared.items[0]!.message, ALICE.secret)]);

  const parsed = new Transaction(out.signedTransaction, passphrase);
  expect(parsed.hash().toString('hex')).toBe(out.txHash);
  expect(parsed.signatures).toHaveLength(1);
  const decorated = parsed.signatures[0]!;
  expect(decorated.hint()).toEqual(ALICE.keypair.signatureHint());
  expect(Keypair.fromPublicKey(ALICE.address).verify(parsed.hash(), decorated.signature())).toBe(true);
  tx.sign(ALICE.keypair);
  expect(out.signedTransaction).toBe(envelopeOf(tx));

  expect(prepared.summary.from).toBe(ALICE.address);
  expect(prepared.summary.chainId).toBe(passphrase);
  return prepared;
}

describe('Stellar address', () => {
  it('is the G… StrKey the SDK computes', () => {
    for (let i = 0; i < 20; i++) {
      const key = newKey();
      expect(stellar.address(key.publicKey)).toBe(key.address);
      expect(stellarTestnet.address(key.publicKey, 'account')).toBe(StrKey.encodeEd25519PublicKey(Buffer.from(key.publicKey)));
    }
  });

  it('refuses keys that are not 32-byte curve points, and other formats', () => {
    expect(errorCode(() => stellar.address(new Uint8Array(33)))).toBe('bad-public-key');
    const notAPoint = new Uint8Array(32);
    notAPoint[0] = 2;
    expect(errorCode(() => stellar.address(notAPoint))).toBe('bad-public-key');
    expect(errorCode(() => stellar.address(ALICE.publicKey, 'muxed'))).toBe('unsupported-format');
  });
});

describe('Stellar transactions signed and read back by the SDK', () => {
  const stroops = fc.bigInt({ min: 1n, max: (1n << 63n) - 1n });
  const code = fc.oneof(fc.stringMatching(/^[A-Za-z0-9]{1,4}$/), fc.stringMatching(/^[A-Za-z0-9]{5,12}$/));
  const asset = fc.option(code, { nil: undefined });
  const memo = fc.oneof(
    fc.constant({ memo: Memo.none(), note: undefined }),
    fc.string({ maxLength: 28 }).map((t) => ({ memo: Memo.text(t), note: `memo text ${JSON.stringify(t)}` })),
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((id) => ({ memo: Memo.id(id.toString()), note: `memo id ${id}` })),
    fc.uint8Array({ minLength: 32, maxLength: 32 }).map((h) => ({ memo: Memo.hash(hex.encode(h)), note: `memo hash ${hex.encode(h)}` })),
    fc.uint8Array({ minLength: 32, maxLength: 32 }).map((h) => ({ memo: Memo.return(hex.encode(h)), note: `memo return ${hex.encode(h)}` })),
  );
  const destination = fc.option(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { nil: undefined }).map((id) => {
    const g = newKey().address;
    return id === undefined ? g : new MuxedAccount(new Account(g, '0'), id.toString()).accountId();
  });

  it('payments of any amount, asset, memo and destination (plain or muxed)', () => {
    fc.assert(
      fc.property(stroops, asset, memo, destination, (amount, assetCode, { memo: m, note }, to) => {
        const a = assetCode === undefined ? Asset.native() : new Asset(assetCode, ISSUER);
        const prepared = roundTrip(build([Operation.payment({ destination: to, asset: a, amount: xlm(amount) })], { memo: m }));
        expect(prepared.summary.transfers).toEqual([{ to, amount: amount.toString(), ...(assetCode === undefined ? {} : { asset: `${assetCode}:${ISSUER}` }) }]);
        expect(prepared.summary.fee).toBe('100');
        if (note) expect(prepared.summary.notes).toContain(note);
        else expect(prepared.summary.notes?.some((n) => n.startsWith('memo'))).toBe(false);
      }),
      { numRuns: 40 },
    );
  });

  it('create-account and path payments, on testnet too', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }), stroops, stroops, (balance, a, b) => {
        const to = newKey().address;
        const usd = new Asset('USD', ISSUER);
        const eurt = new Asset('EURTOKEN', ISSUER);
        const tx = build(
          [
            Operation.createAccount({ destination: to, startingBalance: xlm(balance) }),
            Operation.pathPaymentStrictReceive({ sendAsset: Asset.native(), sendMax: xlm(a), destination: to, destAsset: usd, destAmount: xlm(b), path: [eurt] }),
            Operation.pathPaymentStrictSend({ sendAsset: usd, sendAmount: xlm(a), destination: to, destAsset: Asset.native(), destMin: xlm(b), path: [] }),
          ],
          {},
          new Account(ALICE.address, '9'),
          Networks.TESTNET,
        );
        const prepared = roundTrip(tx, stellarTestnet, Networks.TESTNET);
        expect(prepared.summary.fee).toBe('300');
        expect(prepared.summary.transfers).toEqual([
          { to, amount: balance.toString() },
          { to, amount: b.toString(), asset: `USD:${ISSUER}` },
          { to, amount: b.toString() },
        ]);
        expect(prepared.summary.notes).toContain(`path payment to ${to}: pays ${b} of USD:${ISSUER} spending at most ${a} of XLM via EURTOKEN:${ISSUER}`);
        expect(prepared.summary.notes).toContain(`path payment to ${to}: spends ${a} of USD:${ISSUER} for at least ${b} of XLM`);
      }),
      { numRuns: 15 },
    );
  });

  it('SetOptions, ChangeTrust, ManageData and AccountMerge, with every kind of signer, said loudly', () => {
    const other = newKey();
    const preAuth = sha256(new TextEncoder().encode('pre-auth'));
    const hashX = sha256(new TextEncoder().encode('hash-x'));
    const signedPayload = StrKey.encodeSignedPayload(new xdr.SignerKeyEd25519SignedPayload({ ed25519: Buffer.from(other.publicKey), payload: Buffer.from([1, 2, 3, 4, 5]) }).toXDR());
    const tx = build([
      Operation.setOptions({ inflationDest: other.address, clearFlags: 1, setFlags: 2, masterWeight: 0, lowThreshold: 1, medThreshold: 2, highThreshold: 3, homeDomain: 'example.com', signer: { ed25519PublicKey: other.address, weight: 10 } }),
      Operation.setOptions({ signer: { preAuthTx: Buffer.from(preAuth), weight: 1 } }),
      Operation.setOptions({ signer: { sha256Hash: Buffer.from(hashX), weight: 0 } }),
      Operation.setOptions({ signer: { ed25519SignedPayload: signedPayload, weight: 2 }, source: ALICE.address }),
      Operation.setOptions({}),
      Operation.changeTrust({ asset: new Asset('USDC', ISSUER), limit: '1000' }),
      Operation.changeTrust({ asset: new Asset('USDC', ISSUER), limit: '0' }),
      Operation.manageData({ name: 'config', value: 'v1' }),
      Operation.manageData({ name: 'old', value: null }),
      Operation.accountMerge({ destination: other.address }),
    ]);
    const notes = roundTrip(tx).summary.notes ?? [];
    expect(notes).toContain(
      `SetOptions on ${ALICE.address}: inflation destination ${other.address}; CLEARS FLAGS 0x1; SETS FLAGS 0x2; MASTER KEY WEIGHT 0 (the signer's own key ${ALICE.address} can no longer sign); LOW THRESHOLD 1; MEDIUM THRESHOLD 2; HIGH THRESHOLD 3; home domain "example.com"; ADDS SIGNER ${other.address} WITH WEIGHT 10 (signers, weights and thresholds decide who controls the account)`,
    );
    expect(notes.join('\n')).toContain(`ADDS SIGNER ${StrKey.encodePreAuthTx(Buffer.from(preAuth))} WITH WEIGHT 1`);
    expect(notes.join('\n')).toContain(`REMOVES SIGNER ${StrKey.encodeSha256Hash(Buffer.from(hashX))}`);
    expect(notes.join('\n')).toContain(`ADDS SIGNER ${signedPayload} WITH WEIGHT 2`);
    expect(notes.join('\n')).toContain(`SetOptions on ${ALICE.address}: nothing`);
    expect(notes).toContain(`trusts USDC:${ISSUER} up to 10000000000`);
    expect(notes).toContain(`removes the trustline to USDC:${ISSUER}`);
    expect(notes).toContain(`sets data entry "config" to 0x${hex.encode(new TextEncoder().encode('v1'))}`);
    expect(notes).toContain('deletes data entry "old"');
    expect(notes).toContain(`MERGES (DELETES) ACCOUNT ${ALICE.address} into ${other.address}: its whole XLM balance goes there`);
  });

  it('every precondition kind, and the signer\'s muxed account as source of the transaction and of operations', () => {
    const extra = newKey();
    const muxed = new MuxedAccount(new Account(ALICE.address, '5'), '77');
    const tx = build(
      [Operation.payment({ destination: extra.address, asset: Asset.native(), amount: '1', source: muxed.accountId() }), Operation.manageData({ name: 'k', value: 'v', source: ALICE.address })],
      { timebounds: { minTime: 10, maxTime: 20 }, ledgerbounds: { minLedger: 5, maxLedger: 0 }, minAccountSequence: '42', minAccountSequenceAge: 60, minAccountSequenceLedgerGap: 3, extraSigners: [extra.address] },
      muxed,
    );
    const notes = roundTrip(tx).summary.notes ?? [];
    expect(notes).toEqual([
      `source is the muxed account ${muxed.accountId()}`,
      'sequence number 6',
      'valid from unix time 10 until 20',
      'valid from ledger 5 until no limit',
      'requires account sequence at least 42',
      'requires the sequence number to be 60 s old',
      'requires 3 ledgers since the sequence number changed',
      `also needs a signature from ${extra.address}`,
      'sets data entry "k" to 0x76',
    ]);

    const none = build([Operation.payment({ destination: extra.address, asset: Asset.native(), amount: '1' })]).toEnvelope();
    none.v1().tx().cond(xdr.Preconditions.precondNone());
    const prepared = stellar.prepareTransaction({ envelope: none.toXDR('base64') }, signer);
    expect(prepared.summary.notes).toEqual(['sequence number 124']);
    const signed = prepared.finalize([ed25519.sign(prepared.items[0]!.message, ALICE.secret)]);
    expect(new Transaction(signed.signedTransaction, Networks.PUBLIC).hash().toString('hex')).toBe(signed.txHash);
  });
});

describe('Stellar refusals', () => {
  const pay = (source?: string) => Operation.payment({ destination: ISSUER, asset: Asset.native(), amount: '1', ...(source && { source }) });

  it('refuses another account as the source of the transaction or of an operation (foreign-input)', () => {
    const other = newKey();
    expect(errorCode(() => stellar.prepareTransaction({ envelope: envelopeOf(build([pay()], {}, new Account(other.address, '1'))) }, signer))).toBe('foreign-input');
    expect(errorCode(() => stellar.prepareTransaction({ envelope: envelopeOf(build([pay(), pay(other.address)])) }, signer))).toBe('foreign-input');
    const otherMuxed = new MuxedAccount(new Account(other.address, '1'), '3').accountId();
    expect(errorCode(() => stellar.prepareTransaction({ envelope: envelopeOf(build([pay(otherMuxed)])) }, signer))).toBe('foreign-input');
    expect(errorCode(() => stellar.prepareTransaction({ envelope: envelopeOf(build([pay()])) }, { publicKey: other.publicKey }))).toBe('foreign-input');
  });

  it('refuses another network\'s passphrase (wrong-chain)', () => {
    const envelope = envelopeOf(build([pay()]));
    expect(errorCode(() => stellar.prepareTransaction({ envelope, networkPassphrase: Networks.TESTNET }, signer))).toBe('wrong-chain');
    expect(errorCode(() => stellarTestnet.prepareTransaction({ envelope, networkPassphrase: Networks.PUBLIC }, signer))).toBe('wrong-chain');
    expect(errorCode(() => stellar.prepareTransaction({ envelope, networkPassphrase: Networks.FUTURENET }, signer))).toBe('wrong-chain');
  });

  it('refuses truncated, trailing, garbage and badly typed input (malformed-transaction)', () => {
    const bytes = base64.decode(envelopeOf(build([pay(ALICE.address), Operation.setOptions({ homeDomain: 'abc', signer: { ed25519PublicKey: ISSUER, weight: 1 } })], { memo: Memo.text('hello') })));
    for (let n = 0; n < bytes.length; n++) expect(errorCode(() => prepareBytes(bytes.subarray(0, n)))).toBe('malformed-transaction');
    expect(errorCode(() => prepareBytes(new Uint8Array([...bytes, 0, 0, 0, 0])))).toBe('malformed-transaction');
    expect(errorCode(() => prepareBytes(new Uint8Array([0, 0, 0, 9, ...bytes.subarray(4)])))).toBe('malformed-transaction');
    const envelope = base64.encode(bytes);
    for (const bad of [null, envelope, [envelope], {}, { envelope: 1 }, { envelope: `${envelope}=` }, { envelope: 'AAAA AAAA' }, { envelope, networkPassphrase: 1 }, { envelope, fee: '1' }]) {
      expect(errorCode(() => stellar.prepareTransaction(bad, signer))).toBe('malformed-transaction');
    }
  });

  it('refuses non-zero padding, bad asset codes, bad flags and out-of-range values (malformed-transaction)', () => {
    const patched = (tx: Transaction, patch: (b: Uint8Array) => void) => {
      const b = base64.decode(envelopeOf(tx));
      patch(b);
      return errorCode(() => prepareBytes(b));
    };
    const find = (b: Uint8Array, needle: number[]) => {
      const at = b.findIndex((_, i) => needle.every((x, j) => b[i + j] === x));
      expect(at).toBeGreaterThan(0);
      return at;
    };
    const abc = [...new TextEncoder().encode('abc')];
    expect(patched(build([pay()], { memo: Memo.text('abc') }), (b) => (b[find(b, [...abc, 0]) + 3] = 1))).toBe('malformed-transaction');
    const ab = [...new TextEncoder().encode('AB')];
    expect(patched(build([Operation.changeTrust({ asset: new Asset('AB', ISSUER) })]), (b) => b.set([0x41, 0, 0x42, 0], find(b, [...ab, 0, 0])))).toBe('malformed-transaction');
    expect(patched(build([Operation.changeTrust({ asset: new Asset('AB', ISSUER) })]), (b) => b.set([0x41, 0x2d], find(b, [...ab, 0, 0])))).toBe('malformed-transaction');
    // The first operation's source-presence flag: after type, source, fee, seqNum, time bounds, memo none and the count.
    expect(patched(build([pay()]), (b) => (b[4 + 36 + 4 + 8 + 20 + 4 + 4 + 3] = 2))).toBe('malformed-transaction');
    // The payment amount is the last int64 before ext and the signature count: make it negative.
    expect(patched(build([pay()]), (b) => (b[b.length - 16] = 0x80))).toBe('malformed-transaction');
    expect(patched(build([Operation.setOptions({ lowThreshold: 7 })]), (b) => b.set([0, 0, 1, 0], find(b, [0, 0, 0, 1, 0, 0, 0, 7]) + 4))).toBe('malformed-transaction');
    // No operations at all.
    const empty = build([pay()]).toEnvelope();
    empty.v1().tx().operations([]);
    expect(errorCode(() => stellar.prepareTransaction({ envelope: empty.toXDR('base64') }, signer))).toBe('malformed-transaction');
  });

  it('refuses v0 and fee-bump envelopes, signed envelopes, Soroban and other operations (unsupported-transaction)', () => {
    const tx = build([pay()]);
    const v0 = base64.decode(envelopeOf(tx));
    v0.set([0, 0, 0, 0], 0);
    expect(errorCode(() => prepareBytes(v0))).toBe('unsupported-transaction');
    const feeBump = TransactionBuilder.buildFeeBumpTransaction(ALICE.address, '200', tx, Networks.PUBLIC);
    expect(errorCode(() => stellar.prepareTransaction({ envelope: feeBump.toEnvelope().toXDR('base64') }, signer))).toBe('unsupported-transaction');
    const signed = build([pay()]);
    signed.sign(ALICE.keypair);
    expect(errorCode(() => stellar.prepareTransaction({ envelope: envelopeOf(signed) }, signer))).toBe('unsupported-transaction');
    const soroban = build([pay()], { sorobanData: new SorobanDataBuilder().build() });
    expect(errorCode(() => stellar.prepareTransaction({ envelope: envelopeOf(soroban) }, signer))).toBe('unsupported-transaction');
    const pool = new LiquidityPoolAsset(Asset.native(), new Asset('USD', ISSUER), 30);
    for (const op of [Operation.manageSellOffer({ selling: Asset.native(), buying: new Asset('USD', ISSUER), amount: '1', price: '1' }), Operation.bumpSequence({ bumpTo: '999' }), Operation.changeTrust({ asset: pool })]) {
      expect(errorCode(() => stellar.prepareTransaction({ envelope: envelopeOf(build([op])) }, signer))).toBe('unsupported-transaction');
    }
  });

  it('finalize refuses a wrong, corrupted or missing signature (bad-signature)', () => {
    const prepared = stellar.prepareTransaction({ envelope: envelopeOf(build([pay()])) }, signer);
    const message = prepared.items[0]!.message;
    const good = ed25519.sign(message, ALICE.secret);
    const corrupted = Uint8Array.from(good);
    corrupted[40]! ^= 1;
    expect(errorCode(() => prepared.finalize([corrupted]))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize([ed25519.sign(message, newKey().secret)]))).toBe('bad-signature');
    // Signed under the testnet's passphrase: a different hash.
    const testnetHash = stellarTestnet.prepareTransaction({ envelope: envelopeOf(build([pay()])) }, signer).items[0]!.message;
    expect(testnetHash).not.toEqual(message);
    expect(errorCode(() => prepared.finalize([ed25519.sign(testnetHash, ALICE.secret)]))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize([good.subarray(0, 63)]))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize([]))).toBe('bad-signature');
    expect(prepared.finalize([good]).txHash).toBe(hex.encode(message));
  });
});
