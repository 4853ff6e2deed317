/**
 * A signer node signs what it computes itself: for a derivation path, the child of its own share
 * along its own chain code; for a transaction, the signing item it parsed out of the transaction
 * (here a Taproot key-path spend, whose sighash bitcoinjs-lib recomputes). A transaction that
 * spends an output the key does not own is refused before anything runs or is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { schnorr } from '@noble/curves/secp256k1.js';
import * as ecc from '@bitcoinerlab/secp256k1';
import { Psbt, Transaction, initEccLib, networks, payments } from 'bitcoinjs-lib';
import { CURVES, type KeyShare, bytesToHex, deriveKey, derivationRoot, hexToBytes, taprootOutputKey } from '@mpc-wallet/core';
import { openNodeStore } from '../../src/stores/sql/open.js';
import type { NodeStore } from '../../src/stores/types.js';
import type { SignerNode } from '../../src/node/signer.js';
import type { Scheme } from '../../src/session/request.js';
import { type Body, MemoryNetwork, dkg, outputs, signed, signerNode } from './harness.js';

initEccLib(ecc);

const ed = dkg('ed25519', 'signer-transactions-ed25519');
const secp = dkg('secp256k1', 'signer-transactions-secp256k1');
const chainCode = new Uint8Array(32).fill(7);
const stores: NodeStore[] = [];
let network: MemoryNetwork;
let keyNumber = 0;

beforeAll(async () => {
  for (let i = 0; i < 2; i++) stores.push(await openNodeStore());
}, 60_000);

afterAll(async () => {
  for (const s of stores) await s.close();
});

/** Nodes 1 and 2 holding a fresh key id of `scheme` (with the chain code unless told otherwise). */
async function nodesWith(scheme: Scheme, shares: Map<number, KeyShare>, identities: typeof ed.identities, withChainCode = true) {
  network = new MemoryNetwork();
  const keyId = `t${++keyNumber}`;
  const nodes = new Map<number, SignerNode>();
  for (const id of [1, 2]) {
    const { node, vault } = signerNode(id, stores[id - 1]!, identities.get(id)!, network);
    await vault.putKey(keyId, 1, { scheme, share: shares.get(id)!, ...(withChainCode ? { chainCode } : {}) });
    nodes.set(id, node);
  }
  const run = (ids: number[], body: Body) => {
    const request = signed(body);
    return Promise.all(ids.map((id) => nodes.get(id)!.handle(request)));
  };
  return { keyId, run };
}

/** A Taproot spend of one output paying the BIP86 address of `internalKey` (x-only). */
function taprootSpend(internalKey: Uint8Array): { psbt: string; value: bigint; script: Uint8Array } {
  const { output } = payments.p2tr({ internalPubkey: internalKey, network: networks.bitcoin });
  const value = 50_000n;
  const psbt = new Psbt({ network: networks.bitcoin });
  psbt.addInput({ hash: 'aa'.repeat(32), index: 1, witnessUtxo: { script: output!, value } });
  psbt.addOutput({ address: payments.p2wpkh({ hash: new Uint8Array(20).fill(3), network: networks.bitcoin }).address!, value: 40_000n });
  return { psbt: psbt.toBase64(), value, script: output! };
}

describe('signer node: derived keys and transactions', () => {
  it('EdDSA along a path: the signature verifies under the child that derivation computes, not under the key', async () => {
    const { keyId, run } = await nodesWith('eddsa-ed25519', ed.shares, ed.identities);
    const message = bytesToHex(new TextEncoder().encode('derived'));
    const out = outputs(await run([1, 2], { kind: 'sign', keyId, version: 1, signers: [1, 2], message, path: 'm/0/5' }));
    const root = ed.shares.get(1)!.publicKey;
    const child = CURVES.ed25519.encodePoint(deriveKey(derivationRoot('ed25519', root, chainCode), 'm/0/5').publicKey);
    expect(out[0]!.publicKey).toBe(bytesToHex(child));
    expect(ed25519.verify(hexToBytes(out[0]!.signature as string), hexToBytes(message), child)).toBe(true);
    expect(ed25519.verify(hexToBytes(out[0]!.signature as string), hexToBytes(message), CURVES.ed25519.encodePoint(root))).toBe(false);
  });

  it('a Taproot spend from a derived key: the nodes compute the BIP341 sighash and sign for the BIP86 output key', async () => {
    const { keyId, run } = await nodesWith('schnorr-bip340', secp.shares, secp.identities);
    const child = deriveKey(derivationRoot('secp256k1', secp.shares.get(1)!.publicKey, chainCode), 'm/1/2').publicKey;
    const { psbt, value, script } = taprootSpend(CURVES.secp256k1.encodePoint(child).subarray(1));
    const transaction = { chain: 'bitcoin', format: 'p2tr', input: psbt, item: 0 };
    const out = outputs(await run([1, 2], { kind: 'sign', keyId, version: 1, signers: [1, 2], transaction, path: 'm/1/2' }));
    const sighash = Transaction.fromBuffer(Psbt.fromBase64(psbt).data.globalMap.unsignedTx.toBuffer()).hashForWitnessV1(0, [script], [value], Transaction.SIGHASH_DEFAULT);
    const outputKey = CURVES.secp256k1.encodePoint(taprootOutputKey(child, new Uint8Array(0))).subarray(1);
    expect(schnorr.verify(hexToBytes(out[0]!.signature as string), sighash, outputKey)).toBe(true);
  });

  it('refuses a spend of an output the key does not own, before any protocol message or session claim', async () => {
    const { keyId, run } = await nodesWith('schnorr-bip340', secp.shares, secp.identities);
    const someoneElse = CURVES.secp256k1.encodePoint(CURVES.secp256k1.mulBase(12345n)).subarray(1);
    const transaction = { chain: 'bitcoin', format: 'p2tr', input: taprootSpend(someoneElse).psbt, item: 0 };
    const [result] = await run([1], { kind: 'sign', keyId, version: 1, signers: [1, 2], transaction, path: 'm/1/2' });
    expect(result).toMatchObject({ ok: false, error: { code: 'TRANSACTION_REFUSED' } });
    expect(!result!.ok && result!.error.message).toMatch(/^foreign-input: /);
    expect(network.sent).toHaveLength(0);
    expect(await stores[0]!.signatures.list(keyId)).toHaveLength(0);
  });

  it('refuses a path for a key without a chain code, and an item the transaction lacks', async () => {
    const plain = await nodesWith('eddsa-ed25519', ed.shares, ed.identities, false);
    const [noCode] = await plain.run([1], { kind: 'sign', keyId: plain.keyId, version: 1, signers: [1, 2], message: '00', path: 'm/1' });
    expect(noCode).toMatchObject({ ok: false, error: { code: 'REQUEST_NOT_ALLOWED', message: expect.stringMatching(/no chain code/) } });
    const tr = await nodesWith('schnorr-bip340', secp.shares, secp.identities);
    const child = deriveKey(derivationRoot('secp256k1', secp.shares.get(1)!.publicKey, chainCode), 'm/1/2').publicKey;
    const transaction = { chain: 'bitcoin', format: 'p2tr', input: taprootSpend(CURVES.secp256k1.encodePoint(child).subarray(1)).psbt, item: 1 };
    const [missing] = await tr.run([1], { kind: 'sign', keyId: tr.keyId, version: 1, signers: [1, 2], transaction, path: 'm/1/2' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'MALFORMED_REQUEST', message: expect.stringMatching(/1 signing item/) } });
    expect(network.sent).toHaveLength(0);
  });
});
