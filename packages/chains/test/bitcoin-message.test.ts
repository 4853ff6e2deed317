import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base58check, base64, hex } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { bitcoin, bitcoinTestnet, dogecoin, litecoin } from '../src/bitcoin.js';
import { ecdsaItemDigest } from '../src/keys.js';
import type { ChainModule, SigningItem } from '../src/types.js';
import { LITECOIN_NETWORK, DOGECOIN_NETWORK, bitcoinjs, ecc, keyFromPrivate, newKey, payment, signItems, type Format, type TestKey } from './bitcoin-helpers.js';
import { errorCode } from './helpers.js';


function only<T>(list: readonly T[]): T {
  const [x] = list;
  if (list.length !== 1 || x === undefined) throw new Error(`expected one element, got ${list.length}`);
  return x;
}

/** A WIF private key (base58check: version, 32 bytes, 0x01 for a compressed key). */
function fromWif(wif: string): TestKey {
  const bytes = base58check(sha256).decode(wif);
  expect(bytes).toHaveLength(34);
  expect(bytes[33]).toBe(1);
  return keyFromPrivate(bytes.slice(1, 33));
}

// ---- An independent BIP322 "simple" verifier, on bitcoinjs-lib, checked against BIP322's vectors ----

function bip322MessageHash(message: Uint8Array): Uint8Array {
  const tag = bitcoinjs.crypto.sha256(new TextEncoder().encode('BIP0322-signed-message'));
  return bitcoinjs.crypto.sha256(Uint8Array.of(...tag, ...tag, ...message));
}

function bip322Transactions(message: string, script: Uint8Array): { toSpend: bitcoinjs.Transaction; toSign: bitcoinjs.Transaction } {
  const toSpend = new bitcoinjs.Transaction();
  toSpend.version = 0;
  toSpend.locktime = 0;
  toSpend.addInput(new Uint8Array(32), 0xffffffff, 0, bitcoinjs.script.compile([bitcoinjs.opcodes.OP_0, bip322MessageHash(new TextEncoder().encode(message))]));
  toSpend.addOutput(script, 0n);
  const toSign = new bitcoinjs.Transaction();
  toSign.version = 0;
  toSign.locktime = 0;
  toSign.addInput(toSpend.getHash(), 0, 0);
  toSign.addOutput(bitcoinjs.script.compile([bitcoinjs.opcodes.OP_RETURN]), 0n);
  return { toSpend, toSign };
}

/** BIP141's witness serialization: a compact-size count, then compact-size-prefixed items (all < 253 bytes here). */
function decodeWitness(bytes: Uint8Array): Uint8Array[] {
  const items: Uint8Array[] = [];
  let offset = 1;
  for (let i = 0; i < (bytes[0] ?? 0); i++) {
    const length = bytes[offset] ?? 0;
    items.push(bytes.subarray(offset + 1, offset + 1 + length));
    offset += 1 + length;
  }
  expect(offset).toBe(bytes.length);
  return items;
}

const isP2tr = (script: Uint8Array) => script.length === 34 && script[0] === 0x51 && script[1] === 0x20;

/** The sighash `to_sign` is signed under, for a spend of `script` (P2WPKH or P2TR). */
function bip322Sighash(message: string, script: Uint8Array, hashType: number, publicKey?: Uint8Array): Uint8Array {
  const { toSign } = bip322Transactions(message, script);
  if (isP2tr(script)) return toSign.hashForWitnessV1(0, [script], [0n], hashType);
  if (!publicKey) throw new Error('P2WPKH needs the key');
  const scriptCode = bitcoinjs.payments.p2pkh({ pubkey: publicKey }).output;
  if (!scriptCode) throw new Error('no script');
  return toSign.hashForWitnessV0(0, scriptCode, 0n, hashType);
}

function verifyBip322Simple(address: string, message: string, signature: string, network = bitcoinjs.networks.bitcoin): boolean {
  const script = bitcoinjs.address.toOutputScript(address, network);
  const witness = decodeWitness(base64.decode(signature));
  if (isP2tr(script)) {
    const [sig] = witness;
    if (witness.length !== 1 || !sig || (sig.length !== 64 && sig.length !== 65)) return false;
    const hashType = sig.length === 65 ? (sig[64] ?? -1) : 0;
    return ecc.verifySchnorr(bip322Sighash(message, script, hashType), script.subarray(2), sig.subarray(0, 64));
  }
  const [sig, publicKey] = witness;
  if (witness.length !== 2 || !sig || !publicKey) return false;
  if (hex.encode(bitcoinjs.crypto.hash160(publicKey)) !== hex.encode(script.subarray(2))) return false;
  const { signature: rs, hashType } = bitcoinjs.script.signature.decode(sig);
  return ecc.verify(bip322Sighash(message, script, hashType, publicKey), publicKey, rs, true);
}

// BIP322's test vectors (bip-0322.mediawiki "Test vectors"; the P2TR one is Bitcoin Core's util_tests.cpp).
const VECTOR_WIF = 'L3VFeEujGtevx9w18HD1fhRbCH67Az2dpCymeRE1SoPK6XQtaN2k';
const VECTOR_P2WPKH = 'bc1q9vza2e8x573nczrlzms0wvx3gsqjx7vavgkx0l';
const VECTOR_P2TR = 'bc1ppv609nr0vr25u07u95waq5lucwfm6tde4nydujnu8npg4q75mr5sxq8lt3';
const VECTOR_SIGNATURES: Record<string, readonly string[]> = {
  '': [
    'AkcwRAIgM2gBAQqvZX15ZiysmKmQpDrG83avLIT492QBzLnQIxYCIBaTpOaD20qRlEylyxFSeEA2ba9YOixpX8z46TSDtS40ASECx/EgAxlkQpQ9hYjgGu6EBCPMVPwVIVJqO4XCsMvViHI=',
    'AkgwRQIhAPkJ1Q4oYS0htvyuSFHLxRQpFAY56b70UvE7Dxazen0ZAiAtZfFz1S6T6I23MWI2lK/pcNTWncuyL8UL+oMdydVgzAEhAsfxIAMZZEKUPYWI4BruhAQjzFT8FSFSajuFwrDL1Yhy',
  ],
  'Hello World': [
    'AkcwRAIgZRfIY3p7/DoVTty6YZbWS71bc5Vct9p9Fia83eRmw2QCICK/ENGfwLtptFluMGs2KsqoNSk89pO7F29zJLUx9a/sASECx/EgAxlkQpQ9hYjgGu6EBCPMVPwVIVJqO4XCsMvViHI=',
    'AkgwRQIhAOzyynlqt93lOKJr+wmmxIens//zPzl9tqIOua93wO6MAiBi5n5EyAcPScOjf1lAqIUIQtr3zKNeavYabHyR8eGhowEhAsfxIAMZZEKUPYWI4BruhAQjzFT8FSFSajuFwrDL1Yhy',
  ],
};
const VECTOR_P2TR_SIGNATURE = 'AUHd69PrJQEv+oKTfZ8l+WROBHuy9HKrbFCJu7U1iK2iiEy1vMU5EfMtjc+VSHM7aU0SDbak5IUZRVno2P5mjSafAQ==';

describe('BIP322 test verifier (bitcoinjs) against the published vectors', () => {
  it('message hashes, to_spend and to_sign txids', () => {
    expect(hex.encode(bip322MessageHash(new Uint8Array(0)))).toBe('c90c269c4f8fcbe6880f72a721ddfbf1914268a794cbb21cfafee13770ae19f1');
    expect(hex.encode(bip322MessageHash(new TextEncoder().encode('Hello World')))).toBe('f0eb03b1a75ac6d9847f55c624a99169b5dccba2a31f5b23bea77ba270de0a7a');
    const script = bitcoinjs.address.toOutputScript(VECTOR_P2WPKH);
    const empty = bip322Transactions('', script);
    expect(empty.toSpend.getId()).toBe('c5680aa69bb8d860bf82d4e9cd3504b55dde018de765a91bb566283c545a99a7');
    expect(empty.toSign.getId()).toBe('1e9654e951a5ba44c8604c4de6c67fd78a27e81dcadcfe1edf638ba3aaebaed6');
    const hello = bip322Transactions('Hello World', script);
    expect(hello.toSpend.getId()).toBe('b79d196740ad5217771c1098fc4a4b51e0535c32236c71f1ea4d61a2d603352b');
    expect(hello.toSign.getId()).toBe('88737ae86f2077145f93cc4b153ae9a1cb8d56afa511988c149c5c8c9d93bddf');
  });

  it('accepts the vector signatures and refuses them for another message or address', () => {
    for (const [message, signatures] of Object.entries(VECTOR_SIGNATURES)) {
      for (const signature of signatures) {
        expect(verifyBip322Simple(VECTOR_P2WPKH, message, signature)).toBe(true);
        expect(verifyBip322Simple(VECTOR_P2WPKH, `${message}!`, signature)).toBe(false);
        expect(verifyBip322Simple(payment('p2wpkh', newKey().publicKey, bitcoinjs.networks.bitcoin).address, message, signature)).toBe(false);
      }
    }
    expect(verifyBip322Simple(VECTOR_P2TR, 'Hello World', VECTOR_P2TR_SIGNATURE)).toBe(true);
    expect(verifyBip322Simple(VECTOR_P2TR, '', VECTOR_P2TR_SIGNATURE)).toBe(false);
  });
});

describe('bip322-simple', () => {
  const vectorKey = fromWif(VECTOR_WIF);

  it("the vector key's addresses are the vector's", () => {
    expect(bitcoin.address(vectorKey.publicKey, 'p2wpkh')).toBe(VECTOR_P2WPKH);
    expect(bitcoin.address(vectorKey.publicKey, 'p2tr')).toBe(VECTOR_P2TR);
  });

  it('p2wpkh: the item is the BIP143 preimage of to_sign; the published signatures verify over it; ours is a vector signature', () => {
    for (const [message, signatures] of Object.entries(VECTOR_SIGNATURES)) {
      const prepared = bitcoin.prepareMessage?.(message, { publicKey: vectorKey.publicKey, format: 'p2wpkh' }, 'bip322-simple');
      if (!prepared) throw new Error('no prepareMessage');
      const item = only(prepared.items);
      if (item.scheme !== 'ecdsa-secp256k1') throw new Error('expected ECDSA');
      expect(item.hash).toBe('sha256d');
      const digest = ecdsaItemDigest(item);
      expect(hex.encode(digest)).toBe(hex.encode(bip322Sighash(message, bitcoinjs.address.toOutputScript(VECTOR_P2WPKH), 1, vectorKey.publicKey)));
      for (const published of signatures) {
        const [der] = decodeWitness(base64.decode(published));
        if (!der) throw new Error('no signature');
        expect(ecc.verify(digest, vectorKey.publicKey, bitcoinjs.script.signature.decode(der).signature, true)).toBe(true);
      }
      const { signature } = prepared.finalize(signItems(prepared.items, vectorKey));
      expect(verifyBip322Simple(VECTOR_P2WPKH, message, signature)).toBe(true);
      // RFC 6979 without low-R grinding is deterministic: noble reproduces one of the published two.
      expect(signatures).toContain(signature);
    }
  });

  it('p2tr: the item is the BIP341 (SIGHASH_DEFAULT) sighash of to_sign, signed by the BIP86 output key', () => {
    const prepared = bitcoin.prepareMessage?.('Hello World', { publicKey: vectorKey.publicKey, format: 'p2tr' }, 'bip322-simple');
    if (!prepared) throw new Error('no prepareMessage');
    const item = only(prepared.items);
    expect(item).toMatchObject({ scheme: 'schnorr-bip340', taprootMerkleRoot: new Uint8Array(0) });
    expect(hex.encode(item.message)).toBe(hex.encode(bip322Sighash('Hello World', bitcoinjs.address.toOutputScript(VECTOR_P2TR), 0)));
    const { signature } = prepared.finalize(signItems(prepared.items, vectorKey));
    expect(base64.decode(signature)).toHaveLength(1 + 1 + 64);
    expect(verifyBip322Simple(VECTOR_P2TR, 'Hello World', signature)).toBe(true);
    expect(verifyBip322Simple(VECTOR_P2TR, 'Hello World!', signature)).toBe(false);
  });

  it.each([
    [bitcoin, bitcoinjs.networks.bitcoin],
    [bitcoinTestnet, bitcoinjs.networks.testnet],
  ] as const)('%#: random keys and messages (Unicode, empty, long) verify, in both formats', (m, network) => {
    for (const message of ['', 'Hello World', 'żółw 🐢 — ünïcödé', 'x'.repeat(1000)]) {
      for (const format of ['p2wpkh', 'p2tr'] as const) {
        const key = newKey();
        const prepared = m.prepareMessage?.(message, { publicKey: key.publicKey, format }, 'bip322-simple');
        if (!prepared) throw new Error('no prepareMessage');
        const { signature } = prepared.finalize(signItems(prepared.items, key));
        expect(verifyBip322Simple(m.address(key.publicKey, format), message, signature, network)).toBe(true);
      }
    }
  });

  it('is the default for p2tr', () => {
    const key = newKey();
    const prepared = bitcoin.prepareMessage?.('hi', { publicKey: key.publicKey, format: 'p2tr' });
    if (!prepared) throw new Error('no prepareMessage');
    expect(verifyBip322Simple(bitcoin.address(key.publicKey, 'p2tr'), 'hi', prepared.finalize(signItems(prepared.items, key)).signature)).toBe(true);
  });
});

/** Bitcoin Core's compact-size, written out for the test. */
function compactSize(n: number): number[] {
  if (n < 0xfd) return [n];
  if (n <= 0xffff) return [0xfd, n & 0xff, n >> 8];
  throw new Error('long message');
}

/** signmessage's digest: sha256d(compact(len(prefix)) ‖ prefix ‖ compact(len(message)) ‖ message). */
function signedMessageDigest(prefix: string, message: string): Uint8Array {
  const p = new TextEncoder().encode(prefix);
  const m = new TextEncoder().encode(message);
  return bitcoinjs.crypto.hash256(Uint8Array.of(...compactSize(p.length), ...p, ...compactSize(m.length), ...m));
}

/** The key a BIP137 signature recovers to, and the address type its header says. */
function recoverBip137(signature: string, digest: Uint8Array): { publicKey: Uint8Array; format: Format } {
  const bytes = base64.decode(signature);
  expect(bytes).toHaveLength(65);
  const header = bytes[0] ?? 0;
  const format: Format = header >= 31 && header <= 34 ? 'p2pkh' : header >= 39 && header <= 42 ? 'p2wpkh' : (() => { throw new Error(`header ${header}`); })();
  const recovery = (header - 27) & 3;
  const recovered = ecc.recover(digest, bytes.subarray(1), recovery as 0 | 1, true);
  if (!recovered) throw new Error('no key recovered');
  return { publicKey: recovered, format };
}

describe('bip137', () => {
  it("Bitcoin Core's signmessagewithprivkey vector (rpc_signmessagewithprivkey.py) verifies over our digest, and we reproduce it", () => {
    const key = fromWif('cUeKHd5orzT3mz8P9pxyREHfsWtVfgsfDjiZZBcjUBAaGk1BTj7N');
    const message = 'This is just a test message';
    const coreSignature = 'INbVnW4e6PeRmsv2Qgu8NuopvrVjkcxob+sX8OcZG0SALhWybUjzMLPdAsXI46YZGb0KQTRii+wWIQzRpG/U+S0=';
    const prepared = bitcoinTestnet.prepareMessage?.(message, { publicKey: key.publicKey, format: 'p2wpkh' }, 'bip137');
    if (!prepared) throw new Error('no prepareMessage');
    const item = only(prepared.items);
    if (item.scheme !== 'ecdsa-secp256k1') throw new Error('expected ECDSA');
    const digest = ecdsaItemDigest(item);
    expect(hex.encode(digest)).toBe(hex.encode(signedMessageDigest('Bitcoin Signed Message:\n', message)));

    const core = recoverBip137(coreSignature, digest);
    expect(core.format).toBe('p2pkh');
    expect(bitcoinjs.payments.p2pkh({ pubkey: core.publicKey, network: bitcoinjs.networks.testnet }).address).toBe('mpLQjfK79b7CCV4VMJWEWAj5Mpx8Up5zxB');

    // Our signature is Core's r‖s (RFC 6979) under the P2WPKH header (39 + recovery id) instead of 31 + recovery id.
    const ours = base64.decode(prepared.finalize(signItems(prepared.items, key)).signature);
    const theirs = base64.decode(coreSignature);
    expect(hex.encode(ours.subarray(1))).toBe(hex.encode(theirs.subarray(1)));
    expect(ours[0]).toBe((theirs[0] ?? 0) - 31 + 39);
  });

  it.each([
    { m: bitcoin, network: bitcoinjs.networks.bitcoin, prefix: 'Bitcoin Signed Message:\n', format: 'p2wpkh' as const },
    { m: bitcoinTestnet, network: bitcoinjs.networks.testnet, prefix: 'Bitcoin Signed Message:\n', format: 'p2wpkh' as const },
    { m: litecoin, network: LITECOIN_NETWORK, prefix: 'Litecoin Signed Message:\n', format: 'p2wpkh' as const },
    { m: litecoin, network: LITECOIN_NETWORK, prefix: 'Litecoin Signed Message:\n', format: 'p2pkh' as const },
    { m: dogecoin, network: DOGECOIN_NETWORK, prefix: 'Dogecoin Signed Message:\n', format: 'p2pkh' as const },
  ])('$m.info.id $format: recovers to the signer\'s address, with the chain\'s prefix, across compact-size boundaries', ({ m, network, prefix, format }) => {
    for (const message of ['', 'hello', 'a'.repeat(252), 'a'.repeat(253), 'żółw 🐢'.repeat(40)]) {
      const key = newKey();
      const prepared = m.prepareMessage?.(message, { publicKey: key.publicKey, format }, 'bip137');
      if (!prepared) throw new Error('no prepareMessage');
      const { signature } = prepared.finalize(signItems(prepared.items, key));
      const recovered = recoverBip137(signature, signedMessageDigest(prefix, message));
      expect(recovered.format).toBe(format);
      expect(payment(recovered.format, recovered.publicKey, network).address).toBe(m.address(key.publicKey, format));
    }
  });

  it('is the default for p2wpkh and p2pkh', () => {
    const key = newKey();
    const prepared = dogecoin.prepareMessage?.('hi', { publicKey: key.publicKey });
    if (!prepared) throw new Error('no prepareMessage');
    const { signature } = prepared.finalize(signItems(prepared.items, key));
    expect(hex.encode(recoverBip137(signature, signedMessageDigest('Dogecoin Signed Message:\n', 'hi')).publicKey)).toBe(hex.encode(key.publicKey));
  });
});

describe('message signing refusals', () => {
  const key = newKey();
  const prepare = (m: ChainModule, message: unknown, format?: string, standard?: string) =>
    errorCode(() => m.prepareMessage?.(message, { publicKey: key.publicKey, ...(format ? { format } : {}) }, standard));

  it('standards a format or chain lacks, unknown standards: unsupported-message', () => {
    expect(prepare(bitcoin, 'hi', 'p2tr', 'bip137')).toBe('unsupported-message');
    expect(prepare(litecoin, 'hi', 'p2wpkh', 'bip322-simple')).toBe('unsupported-message');
    expect(prepare(dogecoin, 'hi', 'p2pkh', 'bip322-simple')).toBe('unsupported-message');
    expect(prepare(bitcoin, 'hi', 'p2wpkh', 'eip191')).toBe('unsupported-message');
    expect(prepare(bitcoin, 'hi', 'p2wpkh', 'BIP137')).toBe('unsupported-message');
    expect(prepare(bitcoin, 'hi', 'p2wpkh', 'bip137')).toBe(undefined);
  });

  it('a message that is not a well-formed string: unsupported-message', () => {
    for (const message of [new TextEncoder().encode('hi'), 42, null, undefined, { message: 'hi' }, 'lone \ud800 surrogate']) {
      expect(prepare(bitcoin, message)).toBe('unsupported-message');
    }
  });

  it('a format the chain lacks, a key that does not fit: unsupported-format, bad-public-key', () => {
    expect(prepare(litecoin, 'hi', 'p2tr')).toBe('unsupported-format');
    expect(errorCode(() => bitcoin.prepareMessage?.('hi', { publicKey: key.publicKey.subarray(1), format: 'p2wpkh' }))).toBe('bad-public-key');
  });

  it.each([
    ['bip137', 'p2wpkh'],
    ['bip322-simple', 'p2wpkh'],
    ['bip322-simple', 'p2tr'],
  ] as const)('%s %s: a wrong, corrupted or missing signature is bad-signature', (standard, format) => {
    const prepared = bitcoin.prepareMessage?.('hi', { publicKey: key.publicKey, format }, standard);
    if (!prepared) throw new Error('no prepareMessage');
    const good = signItems(prepared.items, key);
    const flip = (s: Uint8Array) => Uint8Array.from(s, (b, j) => (j === 5 ? b ^ 1 : b));
    expect(errorCode(() => prepared.finalize(good))).toBe(undefined);
    expect(errorCode(() => prepared.finalize(good.map(flip)))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize(signItems(prepared.items, newKey())))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize([]))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize([...good, ...good]))).toBe('bad-signature');
    const otherMessage = bitcoin.prepareMessage?.('ho', { publicKey: key.publicKey, format }, standard);
    if (!otherMessage) throw new Error('no prepareMessage');
    expect(errorCode(() => prepared.finalize(signItems(otherMessage.items as SigningItem[], key)))).toBe('bad-signature');
  });

  it('a high-S ECDSA signature is normalised before encoding (the BIP137 signature has low S)', () => {
    const prepared = bitcoin.prepareMessage?.('hi', { publicKey: key.publicKey, format: 'p2wpkh' }, 'bip137');
    if (!prepared) throw new Error('no prepareMessage');
    const sig = secp256k1.Signature.fromBytes(only(signItems(prepared.items, key)), 'compact');
    const high = new secp256k1.Signature(sig.r, secp256k1.Point.CURVE().n - sig.s).toBytes('compact');
    const bytes = base64.decode(prepared.finalize([high]).signature);
    expect(secp256k1.Signature.fromBytes(bytes.subarray(1), 'compact').hasHighS()).toBe(false);
    expect(hex.encode(recoverBip137(base64.encode(bytes), signedMessageDigest('Bitcoin Signed Message:\n', 'hi')).publicKey)).toBe(hex.encode(key.publicKey));
  });
});
