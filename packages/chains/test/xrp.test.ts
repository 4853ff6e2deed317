import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { hex } from '@scure/base';
import { Wallet, decode, decodeAccountID, deriveAddress, encode, encodeForSigning, hashes, verifySignature } from 'xrpl';
import type { Transaction } from 'xrpl';
import { xrp } from '../src/xrp.js';
import { ecdsaItemDigest } from '../src/keys.js';
import type { PreparedTransaction, SigningItem } from '../src/types.js';
import { errorCode } from './helpers.js';

const ISSUER = 'rvYAfWj5gh67oV6fW32ZzP3Aw4Eubs59B';
const OTHER = 'rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe';

interface Account {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly publicHex: string;
  readonly address: string;
  readonly wallet: Wallet;
}

function account(seed: number): Account {
  const secretKey = secp256k1.utils.randomSecretKey(Uint8Array.from({ length: 48 }, (_, i) => (seed * 31 + i * 7) & 0xff));
  const publicKey = secp256k1.getPublicKey(secretKey, true);
  const publicHex = hex.encode(publicKey).toUpperCase();
  return { secretKey, publicKey, publicHex, address: deriveAddress(publicHex), wallet: new Wallet(publicHex, `00${hex.encode(secretKey).toUpperCase()}`) };
}

const alice = account(1);
const bob = account(2);

function payment(from: Account, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { TransactionType: 'Payment', Account: from.address, Destination: bob.address, Amount: '1234567', Fee: '12', Sequence: 7, LastLedgerSequence: 90_000_000, Flags: 0, SigningPubKey: from.publicHex, ...extra };
}

/** xrpl's encoders, for transaction JSON that its types would refuse on purpose (adversarial fields). */
function encodeTx(tx: Record<string, unknown>): string {
  return encode(tx as unknown as Transaction);
}

function encodeTxForSigning(tx: Record<string, unknown>): string {
  return encodeForSigning(tx as unknown as Transaction);
}

function blobOf(tx: Record<string, unknown>): { txBlob: string } {
  return { txBlob: encodeTx(tx) };
}

function sign(item: SigningItem, secretKey: Uint8Array): Uint8Array {
  if (item.scheme !== 'ecdsa-secp256k1') throw new Error('expected an ECDSA item');
  return secp256k1.sign(ecdsaItemDigest(item), secretKey, { prehash: false });
}


function prepare(tx: unknown, from: Account = alice): PreparedTransaction {
  return xrp.prepareTransaction(tx, { publicKey: from.publicKey });
}

describe('xrp addresses', () => {
  it('equal ripple-keypairs deriveAddress for random keys', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 48, maxLength: 48 }), (seed) => {
        const secretKey = secp256k1.utils.randomSecretKey(seed);
        const publicKey = secp256k1.getPublicKey(secretKey, true);
        expect(xrp.address(publicKey)).toBe(deriveAddress(hex.encode(publicKey)));
        expect(xrp.address(publicKey, 'classic')).toBe(new Wallet(hex.encode(publicKey), `00${hex.encode(secretKey)}`).classicAddress);
      }),
      { numRuns: 40 },
    );
  });

  it('refuse other formats and keys that are not compressed curve points', () => {
    expect(errorCode(() => xrp.address(alice.publicKey, 'x-address'))).toBe('unsupported-format');
    expect(errorCode(() => xrp.address(secp256k1.getPublicKey(alice.secretKey, false)))).toBe('bad-public-key');
    expect(errorCode(() => xrp.address(Uint8Array.of(2, ...new Uint8Array(32).fill(0xff))))).toBe('bad-public-key');
  });
});

describe('xrp payments', () => {
  it('sign an xrpl-encoded Payment into the blob and hash xrpl produces and verifies', () => {
    const tx = payment(alice, { DestinationTag: 42, Memos: [{ Memo: { MemoType: hex.encode(new TextEncoder().encode('text/plain')).toUpperCase(), MemoData: hex.encode(new TextEncoder().encode('invoice 7')).toUpperCase() } }] });
    const prepared = prepare(blobOf(tx));
    const item = prepared.items[0] as SigningItem & { scheme: 'ecdsa-secp256k1' };
    expect(prepared.items).toHaveLength(1);
    expect(item.hash).toBe('sha512half');
    // ripple-binary-codec's encodeForSigning is the "STX\0" prefix and the blob; SHA-512Half of it is the digest.
    expect(hex.encode(item.message)).toBe(encodeTxForSigning(tx).toLowerCase());
    expect(encodeTxForSigning(tx)).toMatch(/^53545800/);
    expect(hex.encode(ecdsaItemDigest(item))).toBe(hex.encode(sha512(hex.decode(encodeTxForSigning(tx).toLowerCase())).subarray(0, 32)));

    const signed = prepared.finalize([sign(item, alice.secretKey)]);
    expect(verifySignature(signed.signedTransaction)).toBe(true);
    expect(hashes.hashSignedTx(signed.signedTransaction)).toBe(signed.txHash);
    const decoded = decode(signed.signedTransaction);
    expect({ ...decoded, TxnSignature: undefined }).toEqual({ ...tx, TxnSignature: undefined });
    expect(decoded.TxnSignature).toMatch(/^30[0-9A-F]+$/);
    // xrpl's own Wallet signs deterministically (RFC 6979) as noble does: the very same blob and hash.
    const theirs = alice.wallet.sign(tx as never);
    expect(signed.signedTransaction).toBe(theirs.tx_blob);
    expect(signed.txHash).toBe(theirs.hash);

    expect(prepared.summary).toEqual({
      chain: 'xrp',
      from: alice.address,
      transfers: [{ to: bob.address, amount: '1234567' }],
      fee: '12',
      notes: ['transaction type Payment', 'Flags: 0x00000000', 'Sequence: 7', 'DestinationTag: 42', 'LastLedgerSequence: 90000000', 'memo: MemoType "text/plain", MemoData "invoice 7"'],
    });
  });

  it('normalise a high-S signature to low S (the ledger refuses high S)', () => {
    const prepared = prepare(blobOf(payment(alice)));
    const compact = sign(prepared.items[0] as SigningItem, alice.secretKey);
    const { r, s } = secp256k1.Signature.fromBytes(compact, 'compact');
    const high = new secp256k1.Signature(r, secp256k1.Point.CURVE().n - s).toBytes('compact');
    const signed = prepared.finalize([high]);
    expect(signed.signedTransaction).toBe(prepared.finalize([compact]).signedTransaction);
    expect(verifySignature(signed.signedTransaction)).toBe(true);
  });

  it('show issued-currency and MPT amounts, SendMax, partial payments and paths', () => {
    const tx = payment(alice, {
      Amount: { currency: 'USD', issuer: ISSUER, value: '1.5' },
      SendMax: '2000000',
      Flags: 0x0002_0000,
      Paths: [[{ currency: 'USD', issuer: ISSUER }], [{ account: OTHER }, { currency: 'USD', issuer: ISSUER }]],
      InvoiceID: 'AB'.repeat(32),
    });
    const { summary } = prepare(blobOf(tx));
    expect(summary.transfers).toEqual([{ to: bob.address, amount: '1.5', asset: `USD.${ISSUER}` }]);
    expect(summary.notes).toContain('PARTIAL PAYMENT (tfPartialPayment): the destination may receive less than Amount');
    expect(summary.notes).toContain('SendMax: 2000000 drops');
    expect(summary.notes).toContain(`InvoiceID: ${'AB'.repeat(32)}`);

    const nonStandard = '0158415500000000C1F76FF6ECB0BAC600000000';
    const big = prepare(blobOf(payment(alice, { Amount: { currency: nonStandard, issuer: ISSUER, value: '12345678901234560000' } }))).summary;
    expect(big.transfers).toEqual([{ to: bob.address, amount: '12345678901234560000', asset: `${nonStandard}.${ISSUER}` }]);
    const small = prepare(blobOf(payment(alice, { Amount: { currency: 'EUR', issuer: ISSUER, value: '0.000001234' } }))).summary;
    expect(small.transfers[0]?.amount).toBe('0.000001234');

    const mpt = '00000001A407AF5856CCF3C42619DAA925813FC955C72983';
    expect(prepare(blobOf(payment(alice, { Amount: { mpt_issuance_id: mpt, value: '100' } }))).summary.transfers).toEqual([{ to: bob.address, amount: '100', asset: mpt }]);
  });

  it('round-trip random xrpl-encoded Payments through the parser (property)', () => {
    const drops = fc.bigInt({ min: 0n, max: 10n ** 17n }).map(String);
    const issued = fc.record({
      currency: fc.constantFrom('USD', 'EUR', 'BTC', '0158415500000000C1F76FF6ECB0BAC600000000'),
      issuer: fc.constant(ISSUER),
      value: fc.tuple(fc.integer({ min: 1, max: 9_999_999 }), fc.integer({ min: -20, max: 20 })).map(([m, e]) => `${m}e${e}`),
    }).map((amount) => ({ ...amount })); // a plain object: the codec calls its toString
    const memo = fc.record({ MemoType: fc.uint8Array({ minLength: 1, maxLength: 20 }), MemoData: fc.uint8Array({ minLength: 1, maxLength: 300 }) }, { requiredKeys: ['MemoData'] });
    fc.assert(
      fc.property(
        fc.oneof(drops, issued),
        fc.option(fc.nat({ max: 0xffff_ffff }), { nil: undefined }),
        fc.option(fc.nat({ max: 0xffff_ffff }), { nil: undefined }),
        fc.array(memo, { maxLength: 3 }),
        drops,
        fc.nat({ max: 0xffff_ffff }),
        (amount, destinationTag, sourceTag, memos, fee, sequence) => {
          const tx = payment(alice, {
            Amount: amount,
            Fee: fee,
            Sequence: sequence,
            ...(destinationTag === undefined ? {} : { DestinationTag: destinationTag }),
            ...(sourceTag === undefined ? {} : { SourceTag: sourceTag }),
            ...(memos.length ? { Memos: memos.map((m) => ({ Memo: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, hex.encode(v).toUpperCase()])) })) } : {}),
          });
          const prepared = prepare(blobOf(tx));
          expect(hex.encode(prepared.items[0]?.message ?? new Uint8Array())).toBe(encodeTxForSigning(tx).toLowerCase());
          const { summary } = prepared;
          expect(summary.fee).toBe(fee);
          expect(summary.transfers).toHaveLength(1);
          const transfer = summary.transfers[0];
          expect(transfer?.to).toBe(bob.address);
          const decoded = decode(encodeTx(tx)).Amount as string | { value: string; currency: string };
          if (typeof decoded === 'string') {
            expect(transfer).toEqual({ to: bob.address, amount: decoded });
          } else {
            expect(transfer?.amount).toMatch(/^\d+(\.\d*[1-9])?$/);
            expect(normalizedDecimal(transfer?.amount ?? '')).toBe(normalizedDecimal(decoded.value));
            expect(transfer?.asset).toBe(`${decoded.currency}.${ISSUER}`);
          }
          expect(summary.notes?.includes(`DestinationTag: ${destinationTag}`)).toBe(destinationTag !== undefined);
          expect(summary.notes?.includes(`SourceTag: ${sourceTag}`)).toBe(sourceTag !== undefined);
          expect(summary.notes?.filter((note) => note.startsWith('memo: '))).toHaveLength(memos.length);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('xrp other transaction types', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['TrustSet', { TransactionType: 'TrustSet', LimitAmount: { currency: 'USD', issuer: ISSUER, value: '1000' }, QualityIn: 5 }, `trust line: holds up to 1000 of USD.${ISSUER}`],
    ['OfferCreate', { TransactionType: 'OfferCreate', TakerGets: '5000000', TakerPays: { currency: 'USD', issuer: ISSUER, value: '2.5' } }, `offer: gives up to 5000000 drops for 2.5 USD.${ISSUER}`],
    ['AccountSet', { TransactionType: 'AccountSet', SetFlag: 4, Domain: hex.encode(new TextEncoder().encode('example.com')).toUpperCase() }, 'DISABLES THE MASTER KEY (asfDisableMaster): afterwards only the regular key or signer list can sign for this account'],
    ['SetRegularKey', { TransactionType: 'SetRegularKey', RegularKey: OTHER }, `HANDS OVER THE ACCOUNT: sets the regular key to ${OTHER}, which can then sign any transaction for this account`],
    ['SignerListSet', { TransactionType: 'SignerListSet', SignerQuorum: 2, SignerEntries: [{ SignerEntry: { Account: OTHER, SignerWeight: 1 } }, { SignerEntry: { Account: ISSUER, SignerWeight: 1 } }] }, `HANDS OVER THE ACCOUNT: sets a signer list that can sign any transaction for this account, quorum 2: ${OTHER} (weight 1), ${ISSUER} (weight 1)`],
  ];
  for (const [name, fields, note] of cases) {
    it(`sign ${name}, noted, and xrpl verifies it`, () => {
      const tx = { Account: alice.address, Fee: '10', Sequence: 3, SigningPubKey: alice.publicHex, ...fields };
      const prepared = prepare(blobOf(tx));
      expect(prepared.summary.transfers).toEqual([]);
      expect(prepared.summary.notes?.[0]).toBe(`transaction type ${name}`);
      expect(prepared.summary.notes).toContain(note);
      const signed = prepared.finalize([sign(prepared.items[0] as SigningItem, alice.secretKey)]);
      expect(verifySignature(signed.signedTransaction)).toBe(true);
      expect(hashes.hashSignedTx(signed.signedTransaction)).toBe(signed.txHash);
      expect(decode(signed.signedTransaction)).toMatchObject(tx);
    });
  }

  it('show a Domain as text', () => {
    const tx = { TransactionType: 'AccountSet', Account: alice.address, Fee: '10', Sequence: 3, SigningPubKey: alice.publicHex, Domain: hex.encode(new TextEncoder().encode('example.com')) };
    expect(prepare(blobOf(tx)).summary.notes).toContain('Domain: "example.com"');
  });
});

describe('xrp refusals', () => {
  it('refuse a transaction of another account or key (foreign-input)', () => {
    expect(errorCode(() => prepare(blobOf(payment(bob))))).toBe('foreign-input');
    expect(errorCode(() => prepare(blobOf(payment(alice, { SigningPubKey: bob.publicHex }))))).toBe('foreign-input');
    expect(errorCode(() => prepare(blobOf(payment(alice, { Account: bob.address }))))).toBe('foreign-input');
  });

  it('refuse a NetworkID: another network (wrong-chain)', () => {
    expect(errorCode(() => prepare(blobOf(payment(alice, { NetworkID: 21_338 }))))).toBe('wrong-chain');
    expect(errorCode(() => prepare(blobOf(payment(alice, { NetworkID: 1 }))))).toBe('wrong-chain');
  });

  it('refuse multisigning, delegation, other types and fields (unsupported-transaction)', () => {
    expect(errorCode(() => prepare(blobOf(payment(alice, { SigningPubKey: '' }))))).toBe('unsupported-transaction');
    expect(errorCode(() => prepare(blobOf(payment(alice, { Signers: [{ Signer: { Account: OTHER, SigningPubKey: bob.publicHex, TxnSignature: '3045' } }] }))))).toBe('unsupported-transaction');
    expect(errorCode(() => prepare(blobOf(payment(alice, { Delegate: OTHER }))))).toBe('unsupported-transaction');
    expect(errorCode(() => prepare(blobOf({ TransactionType: 'AccountDelete', Account: alice.address, Destination: bob.address, Fee: '2000000', Sequence: 1, SigningPubKey: alice.publicHex })))).toBe('unsupported-transaction');
    expect(errorCode(() => prepare(blobOf(payment(alice, { LimitAmount: { currency: 'USD', issuer: ISSUER, value: '1' } }))))).toBe('unsupported-transaction');
    // A known type code, unknown field code: the type's length rule skips it, then it is refused.
    const unknownField = encodeTx(payment(alice, { Expiration: 5 })).replace(/2A00000005/, '2F00000005');
    expect(errorCode(() => prepare({ txBlob: unknownField }))).toBe('unsupported-transaction');
    expect(() => prepare({ txBlob: unknownField })).toThrow(/type 2, code 15/);
    // A field of type Issue (an AMM field) is refused by its type.
    expect(errorCode(() => prepare(blobOf(payment(alice, { Asset: { currency: 'XRP' } }))))).toBe('unsupported-transaction');
  });

  it('refuse a blob that is already signed (malformed-transaction)', () => {
    const signed = alice.wallet.sign(payment(alice) as never).tx_blob;
    expect(errorCode(() => prepare({ txBlob: signed }))).toBe('malformed-transaction');
  });

  it('refuse truncated, trailing, reordered, duplicated and garbage encodings (malformed-transaction)', () => {
    const blob = encodeTx(payment(alice, { Memos: [{ Memo: { MemoData: 'AA' } }] }));
    const malformed = (txBlob: string): void => expect(errorCode(() => prepare({ txBlob })), txBlob).toBe('malformed-transaction');
    malformed(blob.slice(0, -2));
    malformed(blob.slice(0, 20));
    malformed(`${blob}00`);
    malformed(`${blob}E1`);
    malformed(`${blob}F1`);
    malformed(`${blob}2400000001`); // Sequence again, after the Memos
    malformed(blob.replace(/^120000/, '120000120000')); // TransactionType twice
    malformed(blob.replace(/^120000/, '10020000')); // TransactionType with a two-byte header
    malformed(blob.replace(/E1F1$/, 'F1')); // the Memo object not closed
    malformed(blob.replace(/E1F1$/, 'E1')); // the Memos array not closed
    malformed(blob.replace(/^120000/, '')); // no TransactionType
    malformed('D0'.repeat(4)); // type 13: no such type
    malformed('DEADBEEF');
    // A 19-byte Destination.
    const bobId = hex.encode(decodeAccountID(bob.address)).toUpperCase();
    expect(encodeTx(payment(alice))).toContain(`8314${bobId}`);
    malformed(encodeTx(payment(alice)).replace(`8314${bobId}`, `8313${bobId.slice(2)}`));
    // Flags and Sequence swapped: out of canonical order.
    const ordered = encodeTx(payment(alice));
    const flags = ordered.match(/22[0-9A-F]{8}/)?.[0] ?? '';
    const sequence = ordered.match(/24[0-9A-F]{8}/)?.[0] ?? '';
    malformed(ordered.replace(`${flags}${sequence}`, `${sequence}${flags}`));
  });

  it('refuse negative and non-canonical amounts (malformed-transaction)', () => {
    const blob = encodeTx(payment(alice, { Amount: '1' }));
    expect(blob).toContain('614000000000000001');
    expect(errorCode(() => prepare({ txBlob: blob.replace('614000000000000001', '610000000000000001') }))).toBe('malformed-transaction');
    expect(errorCode(() => prepare({ txBlob: blob.replace('614000000000000001', '61416345785D8A0001') }))).toBe('malformed-transaction'); // 10^17 + 1 drops
  });

  it('refuse inputs that are not { txBlob: hex } (malformed-transaction)', () => {
    const blob = encodeTx(payment(alice));
    for (const input of [blob, null, [], {}, { txBlob: blob, extra: 1 }, { tx_blob: blob }, { txBlob: `${blob}0` }, { txBlob: `${blob.slice(0, -10)}${blob.slice(-10).toLowerCase()}` }, { txBlob: '' }, { txBlob: 12 }]) {
      expect(errorCode(() => prepare(input)), JSON.stringify(input)).toBe('malformed-transaction');
    }
    expect(prepare({ txBlob: blob.toLowerCase() }).items[0]?.message).toEqual(prepare({ txBlob: blob }).items[0]?.message);
  });

  it('survive random corruption and garbage: every refusal is a ChainInputError', () => {
    const blob = hex.decode(encodeTx(payment(alice, { Amount: { currency: 'USD', issuer: ISSUER, value: '3' }, Paths: [[{ currency: 'USD', issuer: ISSUER }]], Memos: [{ Memo: { MemoData: 'AABB' } }] })).toLowerCase());
    const attempt = (bytes: Uint8Array): void => {
      try {
        prepare({ txBlob: hex.encode(bytes) });
      } catch (error) {
        expect((error as Error).name).toBe('ChainInputError');
      }
    };
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const bytes = blob.slice();
        const index = at % bytes.length;
        bytes[index] = (bytes[index] as number) ^ xor;
        attempt(bytes);
      }),
      { numRuns: 400 },
    );
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), attempt), { numRuns: 400 });
  });

  it('refuse wrong, corrupted and miscounted signatures (bad-signature)', () => {
    const prepared = prepare(blobOf(payment(alice)));
    const item = prepared.items[0] as SigningItem;
    const good = sign(item, alice.secretKey);
    expect(errorCode(() => prepared.finalize([sign(item, bob.secretKey)]))).toBe('bad-signature');
    const corrupted = good.slice();
    corrupted[40] = (corrupted[40] as number) ^ 1;
    expect(errorCode(() => prepared.finalize([corrupted]))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize([good.subarray(0, 63)]))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize([]))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize([good, good]))).toBe('bad-signature');
    const other = prepare(blobOf(payment(alice, { Sequence: 8 })));
    expect(errorCode(() => other.finalize([good]))).toBe('bad-signature');
  });
});

/** A decimal as digits and exponent without trailing zeros, so '1.50' and '15e-1' compare equal. */
function normalizedDecimal(value: string): string {
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(value);
  if (!match) throw new Error(`not a decimal: ${value}`);
  let digits = `${match[1]}${match[2] ?? ''}`.replace(/^0+/, '');
  let exponent = Number(match[3] ?? 0) - (match[2]?.length ?? 0);
  while (digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    exponent++;
  }
  return digits === '' ? '0' : `${digits}e${exponent}`;
}
