/**
 * The Bitcoin family as chain modules: `bitcoin` and `bitcoin-testnet` (formats `p2wpkh`, `p2tr`),
 * `litecoin` (`p2wpkh`, `p2pkh`), `dogecoin` (`p2pkh`). Addresses and networks:
 * bitcoin-networks.ts; transactions (a base64 PSBT in, hex transaction and txid out):
 * bitcoin-psbt.ts; messages (`bip137`, `bip322-simple`, base64 out): bitcoin-message.ts.
 */
import { check } from './errors.js';
import { BITCOIN, BITCOIN_TESTNET, DOGECOIN, LITECOIN, schemeOfFormat, signerOutput, type BitcoinChain } from './bitcoin-networks.js';
import { prepareBitcoinMessage } from './bitcoin-message.js';
import { preparePsbt } from './bitcoin-psbt.js';
import type { ChainModule, SignerKey } from './types.js';

function bitcoinFamilyModule(chain: BitcoinChain): ChainModule {
  const scheme = schemeOfFormat(chain.formats[0] ?? 'p2wpkh');
  const otherSchemes = chain.formats.filter((f) => schemeOfFormat(f) !== scheme).map((f) => [f, schemeOfFormat(f)] as const);
  return {
    info: { id: chain.id, name: chain.name, scheme, formats: chain.formats, ...(otherSchemes.length > 0 ? { formatSchemes: Object.fromEntries(otherSchemes) } : {}) },
    address: (publicKey, format) => signerOutput(chain, publicKey, format).address,
    prepareTransaction: (transaction, signer) => preparePsbt(chain, signerOf(chain, signer), transaction),
    prepareMessage: (message, signer, standard) => prepareBitcoinMessage(chain, signerOf(chain, signer), message, standard),
  };
}

/** The signer as it came over HTTP: an object with the key and, optionally, the format. */
function signerOf(chain: BitcoinChain, signer: SignerKey) {
  check(typeof signer === 'object' && signer !== null, 'bad-public-key', 'the signer is { publicKey, format? }');
  return signerOutput(chain, signer.publicKey, signer.format);
}

export const bitcoin = bitcoinFamilyModule(BITCOIN);
export const bitcoinTestnet = bitcoinFamilyModule(BITCOIN_TESTNET);
export const litecoin = bitcoinFamilyModule(LITECOIN);
export const dogecoin = bitcoinFamilyModule(DOGECOIN);
