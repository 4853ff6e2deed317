/**
 * Chains through the cluster, end to end over HTTP: a key's xpub and its derived addresses match
 * what @scure/bip32, viem and bitcoinjs-lib compute from it; an EIP-1559 transaction, a P2WPKH and
 * a P2TR spend, each from a derived key, are signed by the nodes from the unsigned transaction and
 * accepted by the chains' own libraries, and so are EIP-191 and EIP-712 messages; a foreign or
 * malformed transaction is refused with a 4xx that says why.
 */
import { describe, expect, it } from 'vitest';
import { HDKey } from '@scure/bip32';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import * as ecc from '@bitcoinerlab/secp256k1';
import { Psbt, Transaction, initEccLib, networks, payments, script } from 'bitcoinjs-lib';
import { getAddress, keccak256, parseTransaction, recoverTransactionAddress, serializeTransaction, toHex, verifyMessage, verifyTypedData } from 'viem';
import { publicKeyToAddress } from 'viem/accounts';
import { CURVES, bytesToHex, deriveKey, derivationRoot, hexToBytes, taprootOutputKey } from '@mpc-wallet/core';
import { activeKey, clusterForFile } from './local-cluster.js';

initEccLib(ecc);
const cluster = clusterForFile();

const recipient = '0x00000000000000000000000000000000000000aa';

function eip1559(chainId: number) {
  return serializeTransaction({ type: 'eip1559', chainId, nonce: 7, to: recipient, value: 10n ** 16n, gas: 21_000n, maxFeePerGas: 30n * 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n });
}

/** A one-input spend of `value` sat from `spent` (a script) to a fixed P2WPKH, 1000 sat fee. */
function spend(spent: Uint8Array, value = 100_000n): string {
  const psbt = new Psbt({ network: networks.bitcoin });
  psbt.addInput({ hash: 'bb'.repeat(32), index: 0, witnessUtxo: { script: spent, value } });
  psbt.addOutput({ address: payments.p2wpkh({ hash: new Uint8Array(20).fill(5), network: networks.bitcoin }).address!, value: value - 1_000n });
  return psbt.toBase64();
}

describe('cluster: addresses and transactions of derived keys', () => {
  it('ECDSA: xpub and derived addresses; an EIP-1559 transaction and a P2WPKH spend from m/0/7, accepted by viem and bitcoinjs', async () => {
    const key = await activeKey(cluster, 'ecdsa-secp256k1');
    const shown = (await cluster.call('GET', `/v1/keys/${key.id}`)).body;
    expect(shown.chainCode).toMatch(/^[0-9a-f]{64}$/);
    const hd = HDKey.fromExtendedKey(shown.xpub);
    expect(bytesToHex(hd.publicKey!)).toBe(key.publicKey);
    const child = hd.derive('m/0/7').publicKey!;
    const ethAddress = publicKeyToAddress(toHex(secp256k1.Point.fromBytes(child).toBytes(false)));

    const eth = await cluster.call('POST', `/v1/keys/${key.id}/addresses`, { chain: 'ethereum', path: 'm/0/7' });
    expect(eth.status).toBe(200);
    expect(eth.body).toMatchObject({ address: ethAddress, publicKey: bytesToHex(child), path: 'm/0/7' });
    const btcAddress = payments.p2wpkh({ pubkey: child, network: networks.bitcoin }).address;
    expect((await cluster.call('POST', `/v1/keys/${key.id}/addresses`, { chain: 'bitcoin', path: 'm/0/7' })).body.address).toBe(btcAddress);

    const tx = await cluster.call('POST', `/v1/keys/${key.id}/transactions`, { chain: 'ethereum', path: 'm/0/7', transaction: { serialized: eip1559(1) } });
    expect(tx.status).toBe(200);
    expect(await recoverTransactionAddress({ serializedTransaction: tx.body.signedTransaction })).toBe(ethAddress);
    expect(parseTransaction(tx.body.signedTransaction)).toMatchObject({ chainId: 1, nonce: 7, to: recipient, value: 10n ** 16n });
    expect(tx.body.txHash).toBe(keccak256(tx.body.signedTransaction));
    expect(tx.body.summary).toMatchObject({ from: ethAddress, transfers: [{ to: getAddress(recipient), amount: '10000000000000000' }] });

    // Messages under the chain's standards, hashed by the nodes: EIP-191 and EIP-712, verified by viem.
    const personal = await cluster.call('POST', `/v1/keys/${key.id}/messages`, { chain: 'ethereum', path: 'm/0/7', message: { text: 'I own this address' } });
    expect(personal.status).toBe(200);
    expect(await verifyMessage({ address: ethAddress, message: 'I own this address', signature: personal.body.signature })).toBe(true);
    const typed = {
      types: { EIP712Domain: [{ name: 'name', type: 'string' }, { name: 'chainId', type: 'uint256' }], Order: [{ name: 'to', type: 'address' }, { name: 'amount', type: 'uint256' }] },
      primaryType: 'Order',
      domain: { name: 'Custody', chainId: 1 },
      message: { to: recipient, amount: '1000' },
    } as const;
    const signedTyped = await cluster.call('POST', `/v1/keys/${key.id}/messages`, { chain: 'ethereum', path: 'm/0/7', standard: 'eip712', message: typed });
    expect(signedTyped.status).toBe(200);
    expect(await verifyTypedData({ types: typed.types, primaryType: 'Order', domain: { name: 'Custody', chainId: 1n }, message: { to: recipient, amount: 1000n }, address: ethAddress, signature: signedTyped.body.signature })).toBe(true);
    const otherChain = await cluster.call('POST', `/v1/keys/${key.id}/messages`, { chain: 'bsc', standard: 'eip712', message: typed });
    expect([otherChain.status, otherChain.body.error.reason]).toEqual([400, 'wrong-chain']);

    const spent = payments.p2wpkh({ pubkey: child, network: networks.bitcoin }).output!;
    const btc = await cluster.call('POST', `/v1/keys/${key.id}/transactions`, { chain: 'bitcoin', path: 'm/0/7', transaction: spend(spent) });
    expect(btc.status).toBe(200);
    const signed = Transaction.fromHex(btc.body.signedTransaction);
    expect(signed.getId()).toBe(btc.body.txHash);
    const [sig, pubkey] = signed.ins[0]!.witness;
    expect(bytesToHex(pubkey!)).toBe(bytesToHex(child));
    const scriptCode = payments.p2pkh({ pubkey: child }).output!;
    const sighash = signed.hashForWitnessV0(0, scriptCode, 100_000n, Transaction.SIGHASH_ALL);
    const decoded = script.signature.decode(sig!);
    expect(decoded.hashType).toBe(Transaction.SIGHASH_ALL);
    expect(secp256k1.verify(decoded.signature, sighash, child, { prehash: false })).toBe(true);
  }, 600_000);

  it('BIP340: a P2TR key-path spend from m/1/3, signed for the BIP86 output key; bitcoinjs agrees on the txid and the sighash', async () => {
    const key = await activeKey(cluster, 'schnorr-bip340');
    const shown = (await cluster.call('GET', `/v1/keys/${key.id}`)).body;
    const root = CURVES.secp256k1.decodePoint(HDKey.fromExtendedKey(shown.xpub).publicKey!);
    const child = deriveKey(derivationRoot('secp256k1', root, hexToBytes(shown.chainCode)), 'm/1/3').publicKey;
    const internal = CURVES.secp256k1.encodePoint(child).subarray(1);
    const { address, output } = payments.p2tr({ internalPubkey: internal, network: networks.bitcoin });
    const addr = await cluster.call('POST', `/v1/keys/${key.id}/addresses`, { chain: 'bitcoin', path: 'm/1/3' });
    expect(addr.body).toMatchObject({ address, format: 'p2tr' });

    const tx = await cluster.call('POST', `/v1/keys/${key.id}/transactions`, { chain: 'bitcoin', path: 'm/1/3', transaction: spend(output!) });
    expect(tx.status).toBe(200);
    const signed = Transaction.fromHex(tx.body.signedTransaction);
    expect(signed.getId()).toBe(tx.body.txHash);
    const sighash = signed.hashForWitnessV1(0, [output!], [100_000n], Transaction.SIGHASH_DEFAULT);
    const outputKey = CURVES.secp256k1.encodePoint(taprootOutputKey(child, new Uint8Array(0))).subarray(1);
    expect(schnorr.verify(signed.ins[0]!.witness[0]!, sighash, outputKey)).toBe(true);
  }, 120_000);

  it('refuses with a 4xx naming the reason: foreign input, another chain id, unknown chain, hardened path', async () => {
    const key = await activeKey(cluster, 'schnorr-bip340');
    const someoneElse = payments.p2tr({ internalPubkey: CURVES.secp256k1.encodePoint(CURVES.secp256k1.mulBase(99n)).subarray(1), network: networks.bitcoin }).output!;
    const cases: [unknown, number, string, string?][] = [
      [{ chain: 'bitcoin', path: 'm/1/3', transaction: spend(someoneElse) }, 400, 'CHAIN_INPUT_REFUSED', 'foreign-input'],
      [{ chain: 'bitcoin', transaction: 'not a psbt' }, 400, 'CHAIN_INPUT_REFUSED', 'malformed-transaction'],
      [{ chain: 'ethereum', transaction: { serialized: eip1559(1) } }, 400, 'CHAIN_INPUT_REFUSED', 'unsupported-format'],
      [{ chain: 'dogecoin-classic', transaction: '' }, 400, 'CHAIN_INPUT_REFUSED', 'unknown-chain'],
      [{ chain: 'bitcoin', path: "m/0'/1", transaction: '' }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, status, code, reason] of cases) {
      const r = await cluster.call('POST', `/v1/keys/${key.id}/transactions`, body);
      expect([r.status, r.body.error.code, r.body.error.reason], JSON.stringify(body)).toEqual([status, code, reason]);
    }
    const ecdsa = (await cluster.call('GET', '/v1/keys')).body.keys.find((k: { scheme: string; status: string }) => k.scheme === 'ecdsa-secp256k1' && k.status === 'active');
    const wrongChain = await cluster.call('POST', `/v1/keys/${ecdsa.id}/transactions`, { chain: 'ethereum', transaction: { serialized: eip1559(56) } });
    expect([wrongChain.status, wrongChain.body.error.code, wrongChain.body.error.reason]).toEqual([400, 'CHAIN_INPUT_REFUSED', 'wrong-chain']);
    const hardened = await cluster.call('POST', `/v1/keys/${ecdsa.id}/addresses`, { chain: 'ethereum', path: 'm/2147483648' });
    expect([hardened.status, hardened.body.error.code]).toEqual([400, 'INVALID_DERIVATION_PATH']);
  }, 120_000);
});
