/**
 * Bitcoin-family message signing. The message is a string, signed as its UTF-8 bytes (a string
 * that is not well-formed Unicode is refused, since its bytes would not be what was shown).
 *
 * - `bip137` (`p2wpkh`, `p2pkh`; the default for them): the legacy signmessage format. The signer
 *   signs sha256d(varint ‖ "<Chain> Signed Message:\n" ‖ varint ‖ message), with the chain's own
 *   prefix (Bitcoin's on both Bitcoin networks, Litecoin's and Dogecoin's on theirs). Output: base64
 *   of 65 bytes, header ‖ r ‖ s, the header saying the recovery id and the address type as BIP137
 *   numbers them: 31–34 compressed P2PKH, 39–42 P2WPKH.
 * - `bip322-simple` (`p2wpkh`, `p2tr`, Bitcoin networks only; the default for `p2tr`): BIP322's
 *   virtual `to_spend` (committing to the tagged message hash and the signer's script) and
 *   `to_sign` transactions; the signer signs `to_sign`'s input as a spend of `to_spend`'s output,
 *   with SIGHASH_ALL for P2WPKH (BIP143 preimage, sha256d) and SIGHASH_DEFAULT for P2TR (BIP341
 *   sighash, BIP86-tweaked key). Output: base64 of the witness stack (BIP322 "simple").
 */
import { concatBytes } from '@noble/hashes/utils.js';
import { schnorr } from '@noble/curves/secp256k1.js';
import { base64 } from '@scure/base';
import { RawWitness, VarBytes } from '@scure/btc-signer/script.js';
import { check } from './errors.js';
import { checkSignatureCount, ecdsaItemDigest, ecdsaSignature, schnorrSignature } from './keys.js';
import type { BitcoinChain, SignerOutput } from './bitcoin-networks.js';
import { SIGHASH_ALL, SIGHASH_DEFAULT, bip143Preimage, bip341Sighasher, transactionId, type UnsignedTransaction } from './bitcoin-sighash.js';
import type { PreparedMessage, SigningItem } from './types.js';

const MESSAGE_STANDARDS = ['bip137', 'bip322-simple'] as const;

/** BIP137 header bases (27 + 4 for a compressed key; + 8 more for P2WPKH); the recovery id is added. */
const BIP137_HEADER = { p2pkh: 31, p2wpkh: 39 } as const;

const OP_0 = 0x00;
const OP_RETURN = 0x6a;

export function prepareBitcoinMessage(chain: BitcoinChain, own: SignerOutput, message: unknown, standard?: unknown): PreparedMessage {
  const chosen = standard ?? (own.format === 'p2tr' ? 'bip322-simple' : 'bip137');
  check(
    typeof chosen === 'string' && (MESSAGE_STANDARDS as readonly string[]).includes(chosen),
    'unsupported-message',
    `no message standard ${JSON.stringify(chosen)} (standards: ${MESSAGE_STANDARDS.join(', ')})`,
  );
  check(typeof message === 'string', 'unsupported-message', 'the message is a string');
  const bytes = new TextEncoder().encode(message);
  check(new TextDecoder().decode(bytes) === message, 'unsupported-message', 'the message is not well-formed Unicode (a lone surrogate)');
  return chosen === 'bip137' ? bip137(chain, own, bytes) : bip322Simple(chain, own, bytes);
}

function bip137(chain: BitcoinChain, own: SignerOutput, message: Uint8Array): PreparedMessage {
  check(own.format !== 'p2tr', 'unsupported-message', 'BIP137 has no taproot addresses: use bip322-simple');
  const magic = new TextEncoder().encode(chain.messageMagic);
  const item = { scheme: 'ecdsa-secp256k1', hash: 'sha256d', message: concatBytes(VarBytes.encode(magic), VarBytes.encode(message)) } as const;
  return {
    items: [item],
    finalize(signatures) {
      checkSignatureCount(signatures, 1);
      const { compact, recovery } = ecdsaSignature(signatures[0] ?? new Uint8Array(0), ecdsaItemDigest(item), own.publicKey);
      return { signature: base64.encode(concatBytes(Uint8Array.of(BIP137_HEADER[own.format] + recovery), compact)) };
    },
  };
}

function bip322Simple(chain: BitcoinChain, own: SignerOutput, message: Uint8Array): PreparedMessage {
  check(chain.bip322, 'unsupported-message', `BIP322 is defined for Bitcoin, not ${chain.name}: use bip137`);
  check(own.format !== 'p2pkh', 'unsupported-message', 'BIP322 "simple" signatures are for segwit addresses');
  const messageHash = schnorr.utils.taggedHash('BIP0322-signed-message', message);
  const toSpend: UnsignedTransaction = {
    version: 0,
    lockTime: 0,
    inputs: [{ txid: new Uint8Array(32), index: 0xffffffff, sequence: 0 }],
    outputs: [{ amount: 0n, script: own.script }],
  };
  const toSpendScriptSig = concatBytes(Uint8Array.of(OP_0, messageHash.length), messageHash);
  const toSign: UnsignedTransaction = {
    version: 0,
    lockTime: 0,
    inputs: [{ txid: transactionId(toSpend, [{ scriptSig: toSpendScriptSig, witness: [] }]), index: 0, sequence: 0 }],
    outputs: [{ amount: 0n, script: Uint8Array.of(OP_RETURN) }],
  };
  const spent = toSpend.outputs;

  let item: SigningItem;
  let witness: (signature: Uint8Array) => Uint8Array[];
  if (own.format === 'p2tr') {
    const sighash = bip341Sighasher(toSign, spent)(0, SIGHASH_DEFAULT);
    item = { scheme: 'schnorr-bip340', message: sighash, taprootMerkleRoot: new Uint8Array(0) };
    witness = (signature) => [schnorrSignature(signature, sighash, own.outputKey)];
  } else {
    const ecdsaItem = { scheme: 'ecdsa-secp256k1', hash: 'sha256d', message: bip143Preimage(toSign, 0, own.scriptCode, 0n) } as const;
    item = ecdsaItem;
    witness = (signature) => {
      const { der } = ecdsaSignature(signature, ecdsaItemDigest(ecdsaItem), own.publicKey);
      return [concatBytes(der, Uint8Array.of(SIGHASH_ALL)), own.publicKey];
    };
  }
  return {
    items: [item],
    finalize(signatures) {
      checkSignatureCount(signatures, 1);
      return { signature: base64.encode(RawWitness.encode(witness(signatures[0] ?? new Uint8Array(0)))) };
    },
  };
}
