import { secp256k1 } from '@noble/curves/secp256k1.js';
import { HDKey } from '@scure/bip32';
import { base58check, base64, hex } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import { Transaction as ScureTransaction, p2tr as scureP2tr } from '@scure/btc-signer';
import { describe, expect, it } from 'vitest';
import { bitcoin, bitcoinTestnet, dogecoin, litecoin } from '../src/bitcoin.js';
import { ecdsaItemDigest } from '../src/keys.js';
import { chainModule, formatFor, formatScheme, listChains } from '../src/registry.js';
import type { ChainModule, PreparedTransaction, SigningItem } from '../src/types.js';
import {
  DOGECOIN_NETWORK,
  LITECOIN_NETWORK,
  NETWORKS,
  bitcoinjs,
  buildPsbt,
  ecc,
  ecdsaValidator,
  newKey,
  payment,
  previousTransaction,
  schnorrValidator,
  sha256d,
  signItems,
  unsignedTransaction,
  type Format,
  type TestKey,
} from './bitcoin-helpers.js';
import { errorCode } from './helpers.js';

const MODULES: Record<string, ChainModule> = { bitcoin, 'bitcoin-testnet': bitcoinTestnet, litecoin, dogecoin };
const CASES: readonly { chain: string; format: Format }[] = [
  { chain: 'bitcoin', format: 'p2wpkh' },
  { chain: 'bitcoin', format: 'p2tr' },
  { chain: 'bitcoin-testnet', format: 'p2wpkh' },
  { chain: 'bitcoin-testnet', format: 'p2tr' },
  { chain: 'litecoin', format: 'p2wpkh' },
  { chain: 'litecoin', format: 'p2pkh' },
  { chain: 'dogecoin', format: 'p2pkh' },
];

function moduleOf(chain: string): ChainModule {
  const m = MODULES[chain];
  if (!m) throw new Error(chain);
  return m;
}

function networkOf(chain: string): bitcoinjs.networks.Network {
  const n = NETWORKS[chain];
  if (!n) throw new Error(chain);
  return n;
}


function at<T>(list: readonly T[], i: number): T {
  const x = list[i];
  if (x === undefined) throw new Error(`no element ${i}`);
  return x;
}

/** A spend of the key's own output, with the previous transaction for the legacy and multi-input cases. */
function ownSpend(format: Format, key: TestKey, network: bitcoinjs.networks.Network, value: bigint) {
  return { script: payment(format, key.publicKey, network).script, value };
}

interface Built {
  readonly psbt: bitcoinjs.Psbt;
  readonly key: TestKey;
  readonly recipient: string;
}

/** Two inputs of the signer's, one payment to another key, change back to the signer. */
function standardPsbt(chain: string, format: Format, key = newKey()): Built {
  const network = networkOf(chain);
  const values = [150_000n, 70_000n];
  const recipientFormat: Format = chain === 'dogecoin' ? 'p2pkh' : 'p2wpkh';
  const recipient = payment(recipientFormat, newKey().publicKey, network).address;
  const psbt = buildPsbt(
    network,
    values.map((value) => ({ ...ownSpend(format, key, network, value), witnessUtxo: format !== 'p2pkh' })),
    [
      { address: recipient, value: 120_000n },
      { script: payment(format, key.publicKey, network).script, value: 95_000n },
    ],
  );
  return { psbt, key, recipient };
}

describe('Bitcoin family: addresses agree with bitcoinjs-lib', () => {
  it.each(CASES)('$chain $format for random keys', ({ chain, format }) => {
    for (let i = 0; i < 16; i++) {
      const { publicKey } = newKey();
      const expected = payment(format, publicKey, networkOf(chain)).address;
      expect(moduleOf(chain).address(publicKey, format)).toBe(expected);
      if (format === 'p2tr') expect(moduleOf(chain).address(publicKey.subarray(1), format)).toBe(expected);
    }
  });

  it('the default format is the first one: p2wpkh on Bitcoin and Litecoin, p2pkh on Dogecoin', () => {
    const { publicKey } = newKey();
    expect(bitcoin.address(publicKey)).toBe(payment('p2wpkh', publicKey, bitcoinjs.networks.bitcoin).address);
    expect(litecoin.address(publicKey)).toMatch(/^ltc1q/);
    expect(dogecoin.address(publicKey)).toMatch(/^D/);
    expect(bitcoinTestnet.address(publicKey, 'p2tr')).toMatch(/^tb1p/);
  });

  it('BIP86 test vector: internal key cc8a4bc6… gives bc1p5cyxnuxm…', () => {
    const internal = hex.decode('cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115');
    expect(bitcoin.address(internal, 'p2tr')).toBe('bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr');
  });

  it('refuses formats the chain lacks and keys that do not fit', () => {
    const { publicKey } = newKey();
    expect(errorCode(() => litecoin.address(publicKey, 'p2tr'))).toBe('unsupported-format');
    expect(errorCode(() => dogecoin.address(publicKey, 'p2wpkh'))).toBe('unsupported-format');
    expect(errorCode(() => bitcoin.address(publicKey, 'p2pkh'))).toBe('unsupported-format');
    expect(errorCode(() => bitcoin.address(publicKey, 'P2WPKH'))).toBe('unsupported-format');
    expect(errorCode(() => bitcoin.address(publicKey.subarray(1), 'p2wpkh'))).toBe('bad-public-key');
    expect(errorCode(() => bitcoin.address(secp256k1.getPublicKey(newKey().privateKey, false), 'p2wpkh'))).toBe('bad-public-key');
    const notOnCurve = Uint8Array.of(2, ...new Uint8Array(32).fill(0xff));
    expect(errorCode(() => bitcoin.address(notOnCurve, 'p2wpkh'))).toBe('bad-public-key');
    expect(errorCode(() => bitcoin.address(notOnCurve.subarray(1), 'p2tr'))).toBe('bad-public-key');
  });

  it('is registered: ids, names, default schemes and formats; p2tr is the BIP340 format', () => {
    expect(chainModule('bitcoin')).toBe(bitcoin);
    expect(bitcoin.info.formatSchemes).toEqual({ p2tr: 'schnorr-bip340' });
    expect(bitcoinTestnet.info.formatSchemes).toEqual({ p2tr: 'schnorr-bip340' });
    expect(litecoin.info.formatSchemes).toBeUndefined();
    expect(formatScheme(bitcoin.info, 'p2tr')).toBe('schnorr-bip340');
    expect(formatFor(bitcoin.info, 'schnorr-bip340')).toBe('p2tr');
    expect(formatFor(bitcoin.info, 'ecdsa-secp256k1')).toBe('p2wpkh');
    expect(formatFor(dogecoin.info, 'ecdsa-secp256k1')).toBe('p2pkh');
    expect(errorCode(() => formatFor(litecoin.info, 'schnorr-bip340'))).toBe('unsupported-format');
    const listed = listChains().filter((c) => c.id in MODULES);
    expect(listed).toEqual([
      { id: 'bitcoin', name: 'Bitcoin', scheme: 'ecdsa-secp256k1', formats: ['p2wpkh', 'p2tr'] },
      { id: 'bitcoin-testnet', name: 'Bitcoin Testnet', scheme: 'ecdsa-secp256k1', formats: ['p2wpkh', 'p2tr'] },
      { id: 'litecoin', name: 'Litecoin', scheme: 'ecdsa-secp256k1', formats: ['p2wpkh', 'p2pkh'] },
      { id: 'dogecoin', name: 'Dogecoin', scheme: 'ecdsa-secp256k1', formats: ['p2pkh'] },
    ]);
  });
});

/** Runs prepare → sign → finalize and checks the result with bitcoinjs; returns what it made. */
function signAndCheck(chain: string, format: Format, psbt: bitcoinjs.Psbt, key: TestKey, sign = signItems) {
  const network = networkOf(chain);
  const prepared = moduleOf(chain).prepareTransaction(psbt.toBase64(), { publicKey: key.publicKey, format });
  const unsigned = unsignedTransaction(psbt);
  const prevouts = psbt.data.inputs.map((input, i) => {
    const previous = input.nonWitnessUtxo ? bitcoinjs.Transaction.fromBuffer(input.nonWitnessUtxo) : undefined;
    const out = previous ? at(previous.outs, at(unsigned.ins, i).index) : input.witnessUtxo;
    if (!out) throw new Error('no prevout');
    return { script: out.script, value: out.value };
  });

  // The digests the items stand for are bitcoinjs' sighashes of the same transaction.
  const scriptCode = payment('p2pkh', key.publicKey, network).script;
  prepared.items.forEach((item, i) => {
    const sighashType = psbt.data.inputs[i]?.sighashType;
    if (format === 'p2tr') {
      expect(item.scheme).toBe('schnorr-bip340');
      const hashType = sighashType ?? bitcoinjs.Transaction.SIGHASH_DEFAULT;
      expect(hex.encode(item.message)).toBe(
        hex.encode(unsigned.hashForWitnessV1(i, prevouts.map((p) => p.script), prevouts.map((p) => p.value), hashType)),
      );
      return;
    }
    if (item.scheme !== 'ecdsa-secp256k1') throw new Error('expected ECDSA');
    expect(item.hash).toBe('sha256d');
    const expected =
      format === 'p2wpkh'
        ? unsigned.hashForWitnessV0(i, scriptCode, at(prevouts, i).value, bitcoinjs.Transaction.SIGHASH_ALL)
        : unsigned.hashForSignature(i, scriptCode, bitcoinjs.Transaction.SIGHASH_ALL);
    expect(hex.encode(ecdsaItemDigest(item))).toBe(hex.encode(expected));
  });

  const signed = prepared.finalize(sign(prepared.items, key));
  const tx = bitcoinjs.Transaction.fromHex(signed.signedTransaction);
  expect(tx.getId()).toBe(signed.txHash);
  expect(tx.toHex()).toBe(signed.signedTransaction);

  // bitcoinjs checks our signatures on its own PSBT and, finalizing it itself, builds the same bytes.
  const oracle = bitcoinjs.Psbt.fromBase64(psbt.toBase64(), { network });
  tx.ins.forEach((input, i) => {
    if (format === 'p2tr') {
      expect(input.witness).toHaveLength(1);
      oracle.updateInput(i, { tapKeySig: at(input.witness, 0) });
      const outputKey = payment('p2tr', key.publicKey, network).script.subarray(2);
      expect(oracle.validateSignaturesOfInput(i, schnorrValidator, outputKey)).toBe(true);
      return;
    }
    const [signature, publicKey] = format === 'p2wpkh' ? input.witness : (bitcoinjs.script.decompile(input.script) as Uint8Array[]);
    if (!signature || !publicKey) throw new Error('no signature');
    expect(hex.encode(publicKey)).toBe(hex.encode(key.publicKey));
    const { signature: rs, hashType } = bitcoinjs.script.signature.decode(signature);
    expect(hashType).toBe(bitcoinjs.Transaction.SIGHASH_ALL);
    expect(secp256k1.Signature.fromBytes(rs, 'compact').hasHighS()).toBe(false);
    oracle.updateInput(i, { partialSig: [{ pubkey: publicKey, signature }] });
    expect(oracle.validateSignaturesOfInput(i, ecdsaValidator)).toBe(true);
  });
  oracle.finalizeAllInputs();
  expect(oracle.extractTransaction(true).toHex()).toBe(signed.signedTransaction);
  return { prepared, signed, tx };
}

describe('Bitcoin family: a bitcoinjs PSBT is prepared, signed, finalized and accepted by bitcoinjs', () => {
  it.each(CASES)('$chain $format, two inputs, a payment and change', ({ chain, format }) => {
    const built = standardPsbt(chain, format);
    const { prepared } = signAndCheck(chain, format, built.psbt, built.key);
    const network = networkOf(chain);
    expect(prepared.summary).toEqual({
      chain,
      from: payment(format, built.key.publicKey, network).address,
      transfers: [{ to: built.recipient, amount: '120000' }],
      fee: String(150_000 + 70_000 - 120_000 - 95_000),
      notes: [`output 1: 95000 back to the signer's own ${payment(format, built.key.publicKey, network).address} (change, not listed in transfers)`],
    });
  });

  it('the recipient is decoded with the chain network: Litecoin P2SH is M…, Dogecoin P2PKH D…, testnet tb1…', () => {
    const key = newKey();
    const p2sh = bitcoinjs.payments.p2sh({ redeem: bitcoinjs.payments.p2wpkh({ pubkey: newKey().publicKey }) }).output;
    if (!p2sh) throw new Error('no script');
    for (const [chain, format, pattern] of [
      ['litecoin', 'p2wpkh', /^M/],
      ['dogecoin', 'p2pkh', /^A|^9/],
      ['bitcoin-testnet', 'p2tr', /^2/],
    ] as const) {
      const network = networkOf(chain);
      const psbt = buildPsbt(network, [ownSpend(format, key, network, 10_000n)], [{ script: p2sh, value: 9_000n }]);
      const { summary } = moduleOf(chain).prepareTransaction(psbt.toBase64(), { publicKey: key.publicKey, format });
      const to = at(summary.transfers, 0).to;
      expect(to).toMatch(pattern);
      expect(to).toBe(bitcoinjs.address.fromOutputScript(p2sh, network));
    }
  });

  it('p2tr: a PSBT built by @scure/btc-signer, without nonWitnessUtxo or tapInternalKey, three inputs', () => {
    const key = newKey();
    const own = scureP2tr(key.publicKey.subarray(1));
    const tx = new ScureTransaction();
    const values = [5_000n, 6_000n, 7_000n];
    for (const value of values) tx.addInput({ txid: previousTransaction(own.script, value).getId(), index: 1, witnessUtxo: { script: own.script, amount: value } });
    const recipient = payment('p2wpkh', newKey().publicKey, bitcoinjs.networks.bitcoin);
    tx.addOutput({ script: recipient.script, amount: 17_000n });
    const psbt = bitcoinjs.Psbt.fromBase64(base64.encode(tx.toPSBT()));
    const { prepared } = signAndCheck('bitcoin', 'p2tr', psbt, key);
    expect(prepared.summary.fee).toBe('1000');
    expect(prepared.summary.transfers).toEqual([{ to: recipient.address, amount: '17000' }]);
  });

  it('p2tr: tapInternalKey of the signer and sighash ALL (65-byte signatures) are accepted', () => {
    const key = newKey();
    const network = bitcoinjs.networks.bitcoin;
    const spend = { ...ownSpend('p2tr', key, network, 40_000n), extra: { tapInternalKey: key.publicKey.subarray(1), sighashType: 1 } };
    const psbt = buildPsbt(network, [spend, spend], [{ address: payment('p2tr', newKey().publicKey, network).address, value: 79_000n }]);
    const { tx } = signAndCheck('bitcoin', 'p2tr', psbt, key);
    for (const input of tx.ins) {
      const signature = at(input.witness, 0);
      expect(signature).toHaveLength(65);
      expect(signature[64]).toBe(1);
    }
  });

  it('a single p2wpkh input needs only witnessUtxo', () => {
    const key = newKey();
    const network = bitcoinjs.networks.bitcoin;
    const psbt = buildPsbt(network, [{ ...ownSpend('p2wpkh', key, network, 30_000n), nonWitnessUtxo: false }], [{ address: payment('p2wpkh', newKey().publicKey, network).address, value: 29_000n }]);
    signAndCheck('bitcoin', 'p2wpkh', psbt, key);
  });

  it('ECDSA signatures with high S are attached as low S (BIP62); bitcoinjs accepts them', () => {
    const n = secp256k1.Point.CURVE().n;
    const highS = (items: readonly SigningItem[], key: TestKey) =>
      signItems(items, key).map((sig) => {
        const s = secp256k1.Signature.fromBytes(sig, 'compact');
        return new secp256k1.Signature(s.r, n - s.s).toBytes('compact');
      });
    for (const [chain, format] of [['bitcoin', 'p2wpkh'], ['dogecoin', 'p2pkh']] as const) {
      const { psbt, key } = standardPsbt(chain, format);
      signAndCheck(chain, format, psbt, key, highS);
    }
  });

  it('OP_RETURN outputs and a lock time are said in the notes; every satoshi is accounted for', () => {
    const key = newKey();
    const network = bitcoinjs.networks.bitcoin;
    const data = bitcoinjs.payments.embed({ data: [new TextEncoder().encode('hello')] }).output;
    if (!data) throw new Error('no script');
    const psbt = buildPsbt(network, [ownSpend('p2wpkh', key, network, 10_000n)], [{ script: data, value: 0n }, { script: data, value: 7n }]);
    psbt.setLocktime(850_000);
    const { prepared } = signAndCheck('bitcoin', 'p2wpkh', psbt, key);
    expect(prepared.summary.transfers).toEqual([]);
    expect(prepared.summary.fee).toBe(String(10_000 - 7));
    expect(prepared.summary.notes).toEqual([
      'output 0: OP_RETURN data carrier, script 6a0568656c6c6f',
      'output 1: OP_RETURN data carrier, script 6a0568656c6c6f, burning 7',
      'lock time 850000 (block height): not valid in a block before it',
    ]);
  });
});

describe('Bitcoin family: lock time notes', () => {
  it('a lock time with every sequence final is said to be not enforced', () => {
    const key = newKey();
    const own = scureP2tr(key.publicKey.subarray(1));
    const tx = new ScureTransaction({ lockTime: 1_700_000_000 });
    tx.addInput({ txid: previousTransaction(own.script, 9_000n).getId(), index: 1, witnessUtxo: { script: own.script, amount: 9_000n } });
    tx.addOutput({ script: payment('p2wpkh', newKey().publicKey, bitcoinjs.networks.bitcoin).script, amount: 8_000n });
    const { summary } = bitcoin.prepareTransaction(base64.encode(tx.toPSBT()), { publicKey: key.publicKey, format: 'p2tr' });
    expect(summary.notes).toEqual(["lock time 1700000000 (unix time), not enforced: every input's sequence is final"]);
  });
});

describe('Bitcoin family: what prepareTransaction refuses', () => {
  const key = newKey();
  const other = newKey();
  const network = bitcoinjs.networks.bitcoin;
  const pay = (value: bigint) => ({ address: payment('p2wpkh', other.publicKey, network).address, value });
  const prepare = (m: ChainModule, psbt: bitcoinjs.Psbt | string, format: Format = 'p2wpkh', publicKey = key.publicKey) =>
    errorCode(() => m.prepareTransaction(typeof psbt === 'string' ? psbt : psbt.toBase64(), { publicKey, format }));

  it('an input of another key (witnessUtxo or nonWitnessUtxo script): foreign-input', () => {
    const mine = ownSpend('p2wpkh', key, network, 10_000n);
    const theirs = ownSpend('p2wpkh', other, network, 10_000n);
    expect(prepare(bitcoin, buildPsbt(network, [mine, theirs], [pay(15_000n)]))).toBe('foreign-input');
    expect(prepare(bitcoin, buildPsbt(network, [{ ...theirs, witnessUtxo: false }], [pay(5_000n)]))).toBe('foreign-input');
    // The same key, another format: a P2PKH or P2TR output is not the P2WPKH one.
    expect(prepare(bitcoin, buildPsbt(network, [ownSpend('p2tr', key, network, 10_000n)], [pay(5_000n)]))).toBe('foreign-input');
    const ltcPay = { script: payment('p2wpkh', other.publicKey, LITECOIN_NETWORK).script, value: 5_000n };
    expect(prepare(litecoin, buildPsbt(LITECOIN_NETWORK, [ownSpend('p2wpkh', key, LITECOIN_NETWORK, 10_000n)], [ltcPay]), 'p2pkh')).toBe('foreign-input');
    // The signer given in another format than the PSBT's inputs.
    expect(prepare(bitcoin, buildPsbt(network, [mine], [pay(5_000n)]), 'p2tr')).toBe('foreign-input');
  });

  it('a signature by another key already in the PSBT: foreign-input; our own or a final script: unsupported-transaction', () => {
    const withSig = (signer: TestKey) => {
      const psbt = buildPsbt(network, [ownSpend('p2wpkh', key, network, 10_000n)], [pay(5_000n)]);
      const signature = bitcoinjs.script.signature.encode(secp256k1.sign(new Uint8Array(32).fill(1), signer.privateKey, { prehash: false }), 1);
      psbt.data.updateInput(0, { partialSig: [{ pubkey: signer.publicKey, signature }] });
      return psbt;
    };
    expect(prepare(bitcoin, withSig(other))).toBe('foreign-input');
    expect(prepare(bitcoin, withSig(key))).toBe('unsupported-transaction');
    const finalized = buildPsbt(network, [ownSpend('p2wpkh', key, network, 10_000n)], [pay(5_000n)]);
    finalized.data.updateInput(0, { finalScriptWitness: Uint8Array.of(2, 1, 0xaa, 1, 0xbb) });
    expect(prepare(bitcoin, finalized)).toBe('unsupported-transaction');
  });

  it('fields a key spend does not use (taproot merkle root, hash preimages): unsupported-transaction; a stray redeem script: malformed', () => {
    const psbt = buildPsbt(network, [ownSpend('p2tr', key, network, 10_000n)], [pay(5_000n)]);
    psbt.data.updateInput(0, { tapMerkleRoot: new Uint8Array(32).fill(7) });
    expect(prepare(bitcoin, psbt, 'p2tr')).toBe('unsupported-transaction');
    const withRedeem = buildPsbt(network, [ownSpend('p2wpkh', key, network, 10_000n)], [pay(5_000n)]);
    withRedeem.data.updateInput(0, { redeemScript: payment('p2wpkh', key.publicKey, network).script });
    // A redeem script on a P2WPKH input contradicts its script: btc-signer's checkScript refuses it.
    expect(prepare(bitcoin, withRedeem)).toBe('malformed-transaction');
    const withHashPreimage = buildPsbt(network, [ownSpend('p2wpkh', key, network, 10_000n)], [pay(5_000n)]);
    const scure = ScureTransaction.fromPSBT(base64.decode(withHashPreimage.toBase64()));
    scure.updateInput(0, { sha256: [[sha256(Uint8Array.of(1)), Uint8Array.of(1)]] });
    expect(prepare(bitcoin, base64.encode(scure.toPSBT()))).toBe('unsupported-transaction');
  });

  it('p2tr: a tapInternalKey that is not the one of the spent output is refused', () => {
    const psbt = buildPsbt(network, [{ ...ownSpend('p2tr', key, network, 10_000n), extra: { tapInternalKey: other.publicKey.subarray(1) } }], [pay(5_000n)]);
    expect(prepare(bitcoin, psbt, 'p2tr')).toBe('malformed-transaction');
  });

  it.each([
    ['NONE', 2],
    ['SINGLE', 3],
    ['ALL|ANYONECANPAY', 0x81],
    ['NONE|ANYONECANPAY', 0x82],
    ['SINGLE|ANYONECANPAY', 0x83],
  ])('sighash %s: unsupported-transaction (p2wpkh, p2tr, p2pkh)', (_name, sighashType) => {
    expect(prepare(bitcoin, buildPsbt(network, [{ ...ownSpend('p2wpkh', key, network, 10_000n), extra: { sighashType } }], [pay(5_000n)]))).toBe('unsupported-transaction');
    expect(prepare(bitcoin, buildPsbt(network, [{ ...ownSpend('p2tr', key, network, 10_000n), extra: { sighashType } }], [pay(5_000n)]), 'p2tr')).toBe('unsupported-transaction');
    const doge = buildPsbt(DOGECOIN_NETWORK, [{ ...ownSpend('p2pkh', key, DOGECOIN_NETWORK, 10_000n), witnessUtxo: false, extra: { sighashType } }], [{ address: dogecoin.address(other.publicKey), value: 5_000n }]);
    expect(prepare(dogecoin, doge, 'p2pkh')).toBe('unsupported-transaction');
  });

  it('sighash DEFAULT (0) is taproot-only: refused for p2wpkh, accepted for p2tr', () => {
    const withDefault = (format: Format) => {
      const spend = ownSpend(format, key, network, 10_000n);
      const tx = new ScureTransaction();
      tx.addInput({ txid: previousTransaction(spend.script, spend.value).getId(), index: 1, witnessUtxo: { script: spend.script, amount: spend.value }, sighashType: 0 });
      tx.addOutput({ script: payment('p2wpkh', other.publicKey, network).script, amount: 5_000n });
      return prepare(bitcoin, base64.encode(tx.toPSBT()), format);
    };
    expect(withDefault('p2wpkh')).toBe('unsupported-transaction');
    expect(withDefault('p2tr')).toBe(undefined);
  });

  it('missing amounts: p2pkh without nonWitnessUtxo, several p2wpkh inputs without it, no UTXO at all: malformed-transaction', () => {
    const doge = buildPsbt(DOGECOIN_NETWORK, [{ ...ownSpend('p2pkh', key, DOGECOIN_NETWORK, 10_000n), nonWitnessUtxo: false }], [{ address: dogecoin.address(other.publicKey), value: 5_000n }]);
    expect(prepare(dogecoin, doge, 'p2pkh')).toBe('malformed-transaction');
    const two = { ...ownSpend('p2wpkh', key, network, 10_000n), nonWitnessUtxo: false };
    expect(prepare(bitcoin, buildPsbt(network, [two, two], [pay(5_000n)]))).toBe('malformed-transaction');
    expect(prepare(bitcoin, buildPsbt(network, [two, { ...two, nonWitnessUtxo: true }], [pay(5_000n)]))).toBe('malformed-transaction');
    expect(prepare(bitcoin, buildPsbt(network, [{ ...two, witnessUtxo: false }], [pay(5_000n)]))).toBe('malformed-transaction');
  });

  it('a nonWitnessUtxo that is not the spent transaction, or disagrees with witnessUtxo: malformed-transaction', () => {
    const spend = ownSpend('p2pkh', key, DOGECOIN_NETWORK, 10_000n);
    const psbt = new bitcoinjs.Psbt({ network: DOGECOIN_NETWORK });
    const previous = previousTransaction(spend.script, spend.value);
    const impostor = previousTransaction(spend.script, 1_000_000n);
    psbt.addInput({ hash: previous.getId(), index: 1, nonWitnessUtxo: impostor.toBuffer() });
    psbt.addOutput({ address: dogecoin.address(other.publicKey), value: 5_000n });
    expect(prepare(dogecoin, psbt, 'p2pkh')).toBe('malformed-transaction');

    const lying = buildPsbt(network, [{ ...ownSpend('p2wpkh', key, network, 10_000n), witnessUtxo: false }], [pay(5_000n)]);
    lying.data.updateInput(0, { witnessUtxo: { script: payment('p2wpkh', key.publicKey, network).script, value: 9_000_000n } });
    expect(prepare(bitcoin, lying)).toBe('malformed-transaction');
  });

  it('outputs spending more than the inputs, the same outpoint twice: malformed-transaction', () => {
    expect(prepare(bitcoin, buildPsbt(network, [ownSpend('p2wpkh', key, network, 10_000n)], [pay(10_001n)]))).toBe('malformed-transaction');
    const spend = ownSpend('p2tr', key, network, 10_000n);
    const txid = previousTransaction(spend.script, spend.value).getId();
    const tx = new ScureTransaction();
    tx.addInput({ txid, index: 1, witnessUtxo: { script: spend.script, amount: spend.value } });
    tx.addInput({ txid, index: 1, witnessUtxo: { script: spend.script, amount: spend.value } });
    tx.addOutput({ script: payment('p2wpkh', other.publicKey, network).script, amount: 15_000n });
    expect(prepare(bitcoin, base64.encode(tx.toPSBT()), 'p2tr')).toBe('malformed-transaction');
  });

  it('outputs with no address (bare multisig, P2PK), or a witness program on Dogecoin: unsupported-transaction', () => {
    const multisig = bitcoinjs.payments.p2ms({ m: 1, pubkeys: [other.publicKey, key.publicKey] }).output;
    const p2pk = bitcoinjs.payments.p2pk({ pubkey: other.publicKey }).output;
    if (!multisig || !p2pk) throw new Error('no script');
    for (const script of [multisig, p2pk, Uint8Array.of(0x51)]) {
      expect(prepare(bitcoin, buildPsbt(network, [ownSpend('p2wpkh', key, network, 10_000n)], [{ script, value: 5_000n }]))).toBe('unsupported-transaction');
    }
    const toSegwit = buildPsbt(DOGECOIN_NETWORK, [{ ...ownSpend('p2pkh', key, DOGECOIN_NETWORK, 10_000n), witnessUtxo: false }], [{ script: payment('p2wpkh', other.publicKey, network).script, value: 5_000n }]);
    expect(prepare(dogecoin, toSegwit, 'p2pkh')).toBe('unsupported-transaction');
  });

  it('a non-minimal push that decodes like a P2PKH script is not shown as that address: unsupported-transaction', () => {
    const standard = payment('p2pkh', other.publicKey, network).script;
    // OP_DUP OP_HASH160 OP_PUSHDATA1 20 <hash> OP_EQUALVERIFY OP_CHECKSIG
    const nonMinimal = Uint8Array.of(0x76, 0xa9, 0x4c, 0x14, ...standard.subarray(3, 23), 0x88, 0xac);
    expect(prepare(bitcoin, buildPsbt(network, [ownSpend('p2wpkh', key, network, 10_000n)], [{ script: nonMinimal, value: 5_000n }]))).toBe('unsupported-transaction');
  });

  it('transaction versions beyond the chain: unsupported-transaction (v3 is Bitcoin only)', () => {
    const v = (version: number, m: ChainModule, net: bitcoinjs.networks.Network) => {
      const psbt = buildPsbt(net, [ownSpend('p2wpkh', key, net, 10_000n)], [{ script: payment('p2wpkh', other.publicKey, net).script, value: 5_000n }]);
      psbt.setVersion(version);
      return prepare(m, psbt);
    };
    expect(v(3, bitcoin, network)).toBe(undefined);
    expect(v(3, litecoin, LITECOIN_NETWORK)).toBe('unsupported-transaction');
    expect(v(4, bitcoin, network)).toBe('unsupported-transaction');
  });

  it('a transaction over the standard weight (400,000 units) before signatures: unsupported-transaction', () => {
    const output = { script: payment('p2tr', other.publicKey, network).script, value: 1_000n };
    const heavy = buildPsbt(network, [ownSpend('p2tr', key, network, 10_000_000n)], Array.from({ length: 2_400 }, () => output));
    expect(prepare(bitcoin, heavy, 'p2tr')).toBe('unsupported-transaction');
    const light = buildPsbt(network, [ownSpend('p2tr', key, network, 10_000_000n)], Array.from({ length: 2_200 }, () => output));
    expect(prepare(bitcoin, light, 'p2tr')).toBe(undefined);
  });

  it('not a PSBT: wrong type, bad base64, truncated, trailing bytes, garbage: malformed-transaction', () => {
    const good = buildPsbt(network, [ownSpend('p2wpkh', key, network, 10_000n)], [pay(5_000n)]).toBase64();
    const bytes = base64.decode(good);
    expect(prepare(bitcoin, good)).toBe(undefined);
    for (const bad of [
      good.slice(0, -8),
      base64.encode(bytes.subarray(0, bytes.length - 1)),
      base64.encode(Uint8Array.of(...bytes, 0)),
      base64.encode(Uint8Array.of(...bytes, 0, 0)),
      base64.encode(Uint8Array.of(...bytes, 1, 2, 3)),
      ` ${good}`,
      good.replace(/=+$/, ''),
      hex.encode(bytes),
      base64.encode(new TextEncoder().encode('not a psbt at all')),
      '',
    ]) {
      expect(prepare(bitcoin, bad)).toBe('malformed-transaction');
    }
    for (const notString of [bytes, { psbt: good }, null, undefined, 42]) {
      expect(errorCode(() => bitcoin.prepareTransaction(notString, { publicKey: key.publicKey }))).toBe('malformed-transaction');
    }
  });

  it('PSBT version 2 (BIP370): unsupported-transaction', () => {
    const spend = ownSpend('p2wpkh', key, network, 10_000n);
    const tx = new ScureTransaction();
    tx.addInput({ txid: previousTransaction(spend.script, spend.value).getId(), index: 1, witnessUtxo: { script: spend.script, amount: spend.value } });
    tx.addOutput({ script: payment('p2wpkh', other.publicKey, network).script, amount: 5_000n });
    expect(prepare(bitcoin, base64.encode(tx.toPSBT(0)))).toBe(undefined);
    expect(prepare(bitcoin, base64.encode(tx.toPSBT(2)))).toBe('unsupported-transaction');
  });

  it('the signer must be an object with a key that fits the format', () => {
    const psbt = buildPsbt(network, [ownSpend('p2wpkh', key, network, 10_000n)], [pay(5_000n)]).toBase64();
    expect(errorCode(() => bitcoin.prepareTransaction(psbt, null as never))).toBe('bad-public-key');
    expect(errorCode(() => bitcoin.prepareTransaction(psbt, { publicKey: key.publicKey.subarray(1) }))).toBe('bad-public-key');
    expect(errorCode(() => bitcoin.prepareTransaction(psbt, { publicKey: key.publicKey, format: 'p2pkh' }))).toBe('unsupported-format');
    expect(errorCode(() => bitcoin.prepareTransaction(psbt, { publicKey: key.publicKey }))).toBe(undefined);
  });
});

describe('Bitcoin family: which network a PSBT is for (BIP32 metadata)', () => {
  const key = newKey();
  const fingerprint = Uint8Array.of(1, 2, 3, 4);
  const withPath = (chain: string, path: string, where: 'input' | 'output' = 'input', format: Format = 'p2wpkh') => {
    const network = networkOf(chain);
    const psbt = buildPsbt(network, [{ ...ownSpend(format, key, network, 10_000n), witnessUtxo: format !== 'p2pkh' }], [
      { script: payment(format, key.publicKey, network).script, value: 5_000n },
    ]);
    const derivation = [{ masterFingerprint: fingerprint, pubkey: key.publicKey, path }];
    if (where === 'input') psbt.updateInput(0, { bip32Derivation: derivation });
    else psbt.updateOutput(0, { bip32Derivation: derivation });
    return errorCode(() => moduleOf(chain).prepareTransaction(psbt.toBase64(), { publicKey: key.publicKey, format }));
  };

  it("a test network's coin type 1' given to a main chain: wrong-chain", () => {
    expect(withPath('bitcoin', "m/84'/1'/0'/0/0")).toBe('wrong-chain');
    expect(withPath('bitcoin', "m/84'/1'/0'/1/3", 'output')).toBe('wrong-chain');
    expect(withPath('litecoin', "m/44'/1'/0'/0/0", 'input', 'p2pkh')).toBe('wrong-chain');
    expect(withPath('dogecoin', "m/44'/1'/0'/0/0", 'input', 'p2pkh')).toBe('wrong-chain');
  });

  it("Bitcoin's coin type 0' given to bitcoin-testnet: wrong-chain", () => {
    expect(withPath('bitcoin-testnet', "m/84'/0'/0'/0/0")).toBe('wrong-chain');
  });

  it("the chain's own coin types, and paths outside BIP44/49/84/86, are accepted", () => {
    expect(withPath('bitcoin', "m/84'/0'/0'/0/0")).toBe(undefined);
    expect(withPath('bitcoin-testnet', "m/84'/1'/0'/0/0")).toBe(undefined);
    expect(withPath('litecoin', "m/84'/2'/0'/0/0")).toBe(undefined);
    expect(withPath('dogecoin', "m/44'/3'/0'/0/0", 'input', 'p2pkh')).toBe(undefined);
    expect(withPath('bitcoin', "m/0/1'/5")).toBe(undefined);
    expect(withPath('bitcoin', "m/84/1/0")).toBe(undefined);
  });

  it('a global tpub given to bitcoin, or xpub given to bitcoin-testnet: wrong-chain', () => {
    const withXpub = (chain: string, versions: { public: number; private: number }) => {
      const network = networkOf(chain);
      const account = HDKey.fromMasterSeed(new Uint8Array(32).fill(9), versions).derive("m/0'");
      const psbt = buildPsbt(network, [ownSpend('p2wpkh', key, network, 10_000n)], [{ script: payment('p2wpkh', key.publicKey, network).script, value: 5_000n }]);
      psbt.updateGlobal({ globalXpub: [{ extendedPubkey: base58check(sha256).decode(account.publicExtendedKey), masterFingerprint: fingerprint, path: "m/0'" }] });
      return errorCode(() => moduleOf(chain).prepareTransaction(psbt.toBase64(), { publicKey: key.publicKey }));
    };
    const TPUB = { public: 0x043587cf, private: 0x04358394 };
    const XPUB = { public: 0x0488b21e, private: 0x0488ade4 };
    const VPUB = { public: 0x045f1cf6, private: 0x045f18bc };
    expect(withXpub('bitcoin', TPUB)).toBe('wrong-chain');
    expect(withXpub('bitcoin', VPUB)).toBe('wrong-chain');
    expect(withXpub('litecoin', TPUB)).toBe('wrong-chain');
    expect(withXpub('bitcoin-testnet', XPUB)).toBe('wrong-chain');
    expect(withXpub('bitcoin', XPUB)).toBe(undefined);
    expect(withXpub('bitcoin-testnet', TPUB)).toBe(undefined);
  });
});

describe('Bitcoin family: what finalize refuses', () => {
  const prepared = (chain: string, format: Format): { p: PreparedTransaction; key: TestKey } => {
    const built = standardPsbt(chain, format);
    return { p: moduleOf(chain).prepareTransaction(built.psbt.toBase64(), { publicKey: built.key.publicKey, format }), key: built.key };
  };

  it.each(CASES)('$chain $format: corrupted, foreign-key, wrong-item or miscounted signatures are bad-signature', ({ chain, format }) => {
    const { p, key } = prepared(chain, format);
    const good = signItems(p.items, key);
    expect(errorCode(() => p.finalize(good))).toBe(undefined);
    const corrupted = good.map((s, i) => (i === 1 ? Uint8Array.from(s, (b, j) => (j === 40 ? b ^ 1 : b)) : s));
    expect(errorCode(() => p.finalize(corrupted))).toBe('bad-signature');
    expect(errorCode(() => p.finalize(signItems(p.items, newKey())))).toBe('bad-signature');
    expect(errorCode(() => p.finalize([...good].reverse()))).toBe('bad-signature');
    expect(errorCode(() => p.finalize(good.slice(0, 1)))).toBe('bad-signature');
    expect(errorCode(() => p.finalize([...good, at(good, 0)]))).toBe('bad-signature');
    expect(errorCode(() => p.finalize(good.map((s) => s.subarray(0, 63))))).toBe('bad-signature');
  });

  it('p2tr: a signature by the untweaked internal key is refused (the output key signs)', () => {
    const { p, key } = prepared('bitcoin', 'p2tr');
    const untweaked = p.items.map((item) => ecc.signSchnorr(item.message, key.privateKey));
    expect(errorCode(() => p.finalize(untweaked))).toBe('bad-signature');
  });

  it('ECDSA: a signature over the preimage itself, or over a single SHA-256 of it, is refused', () => {
    const { p, key } = prepared('bitcoin', 'p2wpkh');
    const over = (digest: (m: Uint8Array) => Uint8Array) => p.items.map((item) => secp256k1.sign(digest(item.message), key.privateKey, { prehash: false }));
    expect(errorCode(() => p.finalize(over((m) => sha256d(m))))).toBe(undefined);
    expect(errorCode(() => p.finalize(over((m) => sha256(m))))).toBe('bad-signature');
  });
});
