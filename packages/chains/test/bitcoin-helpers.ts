/**
 * Test support for the Bitcoin family: the networks as bitcoinjs-lib describes them (Litecoin and
 * Dogecoin from their Core chainparams), keys, the cluster's stand-in signer (@noble/curves, with
 * the BIP86 tweak computed through @bitcoinerlab/secp256k1 and bitcoinjs' tagged hash), and
 * bitcoinjs-built previous transactions and PSBTs.
 */
import * as ecc from '@bitcoinerlab/secp256k1';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { randomBytes } from '@noble/hashes/utils.js';
import * as bitcoinjs from 'bitcoinjs-lib';
import { ecdsaItemDigest } from '../src/keys.js';
import type { SigningItem } from '../src/types.js';

bitcoinjs.initEccLib(ecc);
export { bitcoinjs, ecc };

/** Litecoin Core chainparams (main): PUBKEY_ADDRESS 48, SCRIPT_ADDRESS2 50, SECRET_KEY 176, hrp ltc. */
export const LITECOIN_NETWORK: bitcoinjs.networks.Network = {
  messagePrefix: '\x19Litecoin Signed Message:\n',
  bech32: 'ltc',
  bip32: { public: 0x0488b21e, private: 0x0488ade4 },
  pubKeyHash: 0x30,
  scriptHash: 0x32,
  wif: 0xb0,
};

/** Dogecoin Core chainparams (main): PUBKEY_ADDRESS 30, SCRIPT_ADDRESS 22, SECRET_KEY 158; no bech32. */
export const DOGECOIN_NETWORK: bitcoinjs.networks.Network = {
  messagePrefix: '\x19Dogecoin Signed Message:\n',
  bech32: 'doge-has-no-segwit',
  bip32: { public: 0x02facafd, private: 0x02fac398 },
  pubKeyHash: 0x1e,
  scriptHash: 0x16,
  wif: 0x9e,
};

export const NETWORKS: Record<string, bitcoinjs.networks.Network> = {
  bitcoin: bitcoinjs.networks.bitcoin,
  'bitcoin-testnet': bitcoinjs.networks.testnet,
  litecoin: LITECOIN_NETWORK,
  dogecoin: DOGECOIN_NETWORK,
};

export interface TestKey {
  readonly privateKey: Uint8Array;
  /** 33-byte compressed. */
  readonly publicKey: Uint8Array;
}

export function newKey(): TestKey {
  const privateKey = secp256k1.utils.randomSecretKey();
  return { privateKey, publicKey: secp256k1.getPublicKey(privateKey, true) };
}

export function keyFromPrivate(privateKey: Uint8Array): TestKey {
  return { privateKey, publicKey: secp256k1.getPublicKey(privateKey, true) };
}

/** BIP86: the private key of the output key, d' = (d or −d, for an even Y) + H_TapTweak(x). */
export function bip86PrivateKey(privateKey: Uint8Array): Uint8Array {
  const point = ecc.pointFromScalar(privateKey, true);
  if (!point) throw new Error('bad private key');
  const even = point[0] === 2 ? privateKey : ecc.privateNegate(privateKey);
  const tweaked = ecc.privateAdd(even, bitcoinjs.crypto.taggedHash('TapTweak', point.subarray(1)));
  if (!tweaked) throw new Error('tweak out of range');
  return tweaked;
}

/** What the cluster does with the items: ECDSA over the item's digest, BIP340 with the BIP86-tweaked key. */
export function signItems(items: readonly SigningItem[], key: TestKey): Uint8Array[] {
  return items.map((item) => {
    if (item.scheme === 'ecdsa-secp256k1') {
      if (item.hash !== 'sha256d') throw new Error(`unexpected hash ${item.hash}`);
      return secp256k1.sign(ecdsaItemDigest(item), key.privateKey, { prehash: false });
    }
    if (item.scheme === 'schnorr-bip340') {
      if (!(item.taprootMerkleRoot instanceof Uint8Array) || item.taprootMerkleRoot.length !== 0) throw new Error('expected the BIP86 tweak');
      return schnorr.sign(item.message, bip86PrivateKey(key.privateKey));
    }
    throw new Error(`unexpected scheme ${item.scheme}`);
  });
}

export type Format = 'p2wpkh' | 'p2tr' | 'p2pkh';

/** The key's output script and address by bitcoinjs. */
export function payment(format: Format, publicKey: Uint8Array, network: bitcoinjs.networks.Network): { script: Uint8Array; address: string } {
  const p =
    format === 'p2wpkh'
      ? bitcoinjs.payments.p2wpkh({ pubkey: publicKey, network })
      : format === 'p2pkh'
        ? bitcoinjs.payments.p2pkh({ pubkey: publicKey, network })
        : bitcoinjs.payments.p2tr({ internalPubkey: publicKey.subarray(1), network });
  if (!p.output || !p.address) throw new Error('no payment');
  return { script: p.output, address: p.address };
}

/** A made-up previous transaction paying `value` to `script` at output 1 (output 0 goes elsewhere). */
export function previousTransaction(script: Uint8Array, value: bigint): bitcoinjs.Transaction {
  const tx = new bitcoinjs.Transaction();
  tx.version = 2;
  tx.addInput(randomBytes(32), 0, 0xfffffffd, Uint8Array.of(0x51));
  tx.addOutput(payment('p2wpkh', newKey().publicKey, bitcoinjs.networks.bitcoin).script, 12_345n);
  tx.addOutput(script, value);
  return tx;
}

export interface SpendSpec {
  readonly script: Uint8Array;
  readonly value: bigint;
  readonly nonWitnessUtxo?: boolean;
  readonly witnessUtxo?: boolean;
  readonly extra?: Partial<bitcoinjs.PsbtTxInput> & Record<string, unknown>;
}

/** A bitcoinjs PSBT spending each spec's output of a fresh previous transaction, paying `outputs`. */
export function buildPsbt(
  network: bitcoinjs.networks.Network,
  spends: readonly SpendSpec[],
  outputs: readonly ({ script: Uint8Array; value: bigint } | { address: string; value: bigint })[],
): bitcoinjs.Psbt {
  const psbt = new bitcoinjs.Psbt({ network });
  for (const spend of spends) {
    const previous = previousTransaction(spend.script, spend.value);
    psbt.addInput({
      hash: previous.getId(),
      index: 1,
      sequence: 0xfffffffd,
      ...(spend.nonWitnessUtxo !== false ? { nonWitnessUtxo: previous.toBuffer() } : {}),
      ...(spend.witnessUtxo !== false ? { witnessUtxo: { script: spend.script, value: spend.value } } : {}),
      ...spend.extra,
    });
  }
  for (const output of outputs) psbt.addOutput(output);
  return psbt;
}

/** The PSBT's unsigned transaction, as bitcoinjs parses it. */
export function unsignedTransaction(psbt: bitcoinjs.Psbt): bitcoinjs.Transaction {
  const unsigned = psbt.data.globalMap.unsignedTx as unknown as { toBuffer(): Uint8Array };
  return bitcoinjs.Transaction.fromBuffer(unsigned.toBuffer());
}

export function sha256d(data: Uint8Array): Uint8Array {
  return bitcoinjs.crypto.hash256(data);
}

export const ecdsaValidator = (publicKey: Uint8Array, hash: Uint8Array, signature: Uint8Array): boolean => ecc.verify(hash, publicKey, signature, true);
export const schnorrValidator = (publicKey: Uint8Array, hash: Uint8Array, signature: Uint8Array): boolean => ecc.verifySchnorr(hash, publicKey, signature);
