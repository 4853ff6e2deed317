/**
 * The Bitcoin family's networks (`bitcoin`, `bitcoin-testnet`, `litecoin`, `dogecoin`) and the
 * signer's own output in each address format:
 *
 * - `p2wpkh` (BIP141 v0 key hash, bech32: bc1q…/tb1q…/ltc1q…): a 33-byte compressed secp256k1 key.
 * - `p2tr` (BIP341 v1, bech32m: bc1p…/tb1p…): the key given is the *internal* key (32-byte x-only or
 *   33 compressed); the output key is its BIP86 tweak (no script tree), as wallets derive it.
 * - `p2pkh` (base58check: L…/D…): a 33-byte compressed key (uncompressed keys are not taken).
 *
 * Testnet, testnet4 and signet share the `bitcoin-testnet` parameters (tb1…, m…/n…, 2…).
 */
import { NETWORK, TEST_NETWORK, p2pkh, p2tr, p2wpkh } from '@scure/btc-signer';
import type { BTC_NETWORK } from '@scure/btc-signer/utils.js';
import { check } from './errors.js';
import { secp256k1Key, xOnlyKey } from './keys.js';
import type { Scheme } from './types.js';

export type BitcoinFormat = 'p2wpkh' | 'p2tr' | 'p2pkh';

export interface BitcoinChain {
  readonly id: string;
  readonly name: string;
  readonly network: BTC_NETWORK;
  /** Address formats, default first. */
  readonly formats: readonly BitcoinFormat[];
  /** False on Dogecoin, which never activated segwit: a witness program there is anyone-can-spend. */
  readonly segwit: boolean;
  /** Transaction versions accepted (Bitcoin's v3 is BIP431 TRUC; the others stop at 2). */
  readonly txVersions: readonly number[];
  /** The chain's signmessage prefix (BIP137 uses Bitcoin's; Litecoin and Dogecoin Core use their own). */
  readonly messageMagic: string;
  /** Whether BIP322 message signing is defined for the chain (Bitcoin only). */
  readonly bip322: boolean;
  /** A test network: decides which BIP32 metadata in a PSBT betrays the other network. */
  readonly testnet: boolean;
}

export const BITCOIN: BitcoinChain = {
  id: 'bitcoin',
  name: 'Bitcoin',
  network: NETWORK,
  formats: ['p2wpkh', 'p2tr'],
  segwit: true,
  txVersions: [1, 2, 3],
  messageMagic: 'Bitcoin Signed Message:\n',
  bip322: true,
  testnet: false,
};

export const BITCOIN_TESTNET: BitcoinChain = {
  ...BITCOIN,
  id: 'bitcoin-testnet',
  name: 'Bitcoin Testnet',
  network: TEST_NETWORK,
  testnet: true,
};

/** Litecoin Core chainparams (mainnet): ltc1, L… (0x30), M… (0x32), WIF 0xb0. */
export const LITECOIN: BitcoinChain = {
  id: 'litecoin',
  name: 'Litecoin',
  network: { bech32: 'ltc', pubKeyHash: 0x30, scriptHash: 0x32, wif: 0xb0 },
  formats: ['p2wpkh', 'p2pkh'],
  segwit: true,
  txVersions: [1, 2],
  messageMagic: 'Litecoin Signed Message:\n',
  bip322: false,
  testnet: false,
};

/** Dogecoin Core chainparams (mainnet): D… (0x1e), 9…/A… (0x16), WIF 0x9e; no bech32 (no segwit). */
export const DOGECOIN: BitcoinChain = {
  id: 'dogecoin',
  name: 'Dogecoin',
  network: { bech32: '', pubKeyHash: 0x1e, scriptHash: 0x16, wif: 0x9e },
  formats: ['p2pkh'],
  segwit: false,
  txVersions: [1, 2],
  messageMagic: 'Dogecoin Signed Message:\n',
  bip322: false,
  testnet: false,
};

export function schemeOfFormat(format: BitcoinFormat): Scheme {
  return format === 'p2tr' ? 'schnorr-bip340' : 'ecdsa-secp256k1';
}

/** The signer's key in one format: the output script it owns and what signing it needs. */
export type SignerOutput =
  | {
      readonly format: 'p2wpkh' | 'p2pkh';
      readonly script: Uint8Array;
      readonly address: string;
      /** 33-byte compressed key, the one the signatures verify against. */
      readonly publicKey: Uint8Array;
      /** The script a signature commits to: the P2PKH script of the key (BIP143 says so for P2WPKH too). */
      readonly scriptCode: Uint8Array;
    }
  | {
      readonly format: 'p2tr';
      readonly script: Uint8Array;
      readonly address: string;
      /** 32-byte x-only internal key. */
      readonly publicKey: Uint8Array;
      /** 32-byte x-only BIP86 output key, the one the signatures verify against. */
      readonly outputKey: Uint8Array;
    };

/** The signer's output in `format` (the chain's default when absent); refuses formats the chain lacks. */
export function signerOutput(chain: BitcoinChain, publicKey: Uint8Array, format?: unknown): SignerOutput {
  const chosen = format ?? chain.formats[0];
  check(
    typeof chosen === 'string' && (chain.formats as readonly string[]).includes(chosen),
    'unsupported-format',
    `${chain.name} has no address format ${JSON.stringify(chosen)} (formats: ${chain.formats.join(', ')})`,
  );
  if (chosen === 'p2tr') {
    const internal = xOnlyKey(publicKey);
    const out = p2tr(internal, undefined, chain.network);
    return { format: 'p2tr', script: out.script, address: out.address, publicKey: internal, outputKey: out.tweakedPubkey };
  }
  const key = secp256k1Key(publicKey);
  const keyHash = p2pkh(key, chain.network);
  const out = chosen === 'p2wpkh' ? p2wpkh(key, chain.network) : keyHash;
  return { format: chosen as 'p2wpkh' | 'p2pkh', script: out.script, address: out.address, publicKey: key, scriptCode: keyHash.script };
}
