/**
 * The Taproot tweak against an independent BIP341 implementation (@scure/btc-signer): the output
 * key we sign under is the one a wallet derives (BIP86 without scripts, and with a script tree),
 * signatures verify with noble's BIP340 verifier under that key, and signers configured with
 * different tweaks disagree openly instead of blaming each other.
 */
import { describe, expect, it } from 'vitest';
import { schnorr } from '@noble/curves/secp256k1.js';
import { p2tr, p2tr_pk, utils } from '@scure/btc-signer';
import {
  FROST_SUITES,
  type KeyOptions,
  bytesToHex,
  frostPublicKey,
  frostSigningKey,
  publicPackageOf,
  seededRng,
  simulate,
  SECP256K1,
  tapTweak,
  taprootOutputKey,
  xOnly,
} from '../../../src/index.js';
import { runDkg } from '../../helpers.js';
import { committee, expectEveryHonestAbort, message, twoRound } from './fixtures.js';

const suite = FROST_SUITES['secp256k1-tr'];

describe('Taproot tweak (BIP340 / BIP341)', () => {
  const c = committee('secp256k1-tr');
  const pkg = publicPackageOf(c.shares.get(1)!);
  const internal = xOnly(c.shares.get(1)!.publicKey);
  const leafKey = (seed: string) => schnorr.getPublicKey(seededRng(seed)(32));

  /** Signs with signers 1 and 3 under `options` and returns the signature (all signers agree). */
  function sign(options: KeyOptions, label: string): Uint8Array {
    const rng = seededRng(label);
    const result = simulate(twoRound(c, [1, 3], label, rng, () => ({ options })), rng);
    expect(result.aborts.size).toBe(0);
    const [a, b] = [result.outputs.get(1)!.signature, result.outputs.get(3)!.signature];
    expect(bytesToHex(a)).toBe(bytesToHex(b));
    return a;
  }

  it('BIP86 (bip341 without a merkle root): our output key is @scure/btc-signer’s, and signatures verify under it only', () => {
    const wallet = p2tr(internal);
    const ours = frostPublicKey(suite, pkg, { tweak: { kind: 'bip341' } });
    expect(bytesToHex(xOnly(ours.publicKey))).toBe(bytesToHex(wallet.tweakedPubkey));
    const sig = sign({ tweak: { kind: 'bip341' } }, 'bip86');
    expect(schnorr.verify(sig, message, wallet.tweakedPubkey)).toBe(true);
    expect(schnorr.verify(sig, message, internal)).toBe(false);
  });

  it('BIP341 with a script tree: the merkle root and output key match @scure/btc-signer’s, signatures verify under it', () => {
    const leaf = (label: string) => ({ script: p2tr_pk(leafKey(label)).script });
    const tree = [leaf('leaf-a'), [leaf('leaf-b'), leaf('leaf-c')]];
    const wallet = p2tr(internal, tree);
    expect(wallet.tapMerkleRoot.length).toBe(32);
    const options: KeyOptions = { tweak: { kind: 'bip341', merkleRoot: wallet.tapMerkleRoot } };
    expect(bytesToHex(xOnly(frostPublicKey(suite, pkg, options).publicKey))).toBe(bytesToHex(wallet.tweakedPubkey));
    const sig = sign(options, 'script-tree');
    expect(schnorr.verify(sig, message, wallet.tweakedPubkey)).toBe(true);
    expect(schnorr.verify(sig, message, p2tr(internal).tweakedPubkey)).toBe(false);
    expect(schnorr.verify(sig, message, internal)).toBe(false);
  });

  it('plain BIP340 (the default): the key is the x-only group key, untweaked', () => {
    expect(bytesToHex(xOnly(frostPublicKey(suite, pkg).publicKey))).toBe(bytesToHex(internal));
    expect(bytesToHex(xOnly(frostPublicKey(suite, pkg, { tweak: { kind: 'bip340' } }).publicKey))).toBe(bytesToHex(internal));
    expect(schnorr.verify(sign({ tweak: { kind: 'bip340' } }, 'plain'), message, internal)).toBe(true);
  });

  it('signers configured with different tweaks report the mismatch (signing-package-mismatch), nobody blamed', () => {
    const root = new Uint8Array(32).fill(0xab);
    const configs: Record<number, KeyOptions> = {
      1: { tweak: { kind: 'bip340' } },
      2: { tweak: { kind: 'bip341' } },
      3: { tweak: { kind: 'bip341', merkleRoot: root } },
    };
    const rng = seededRng('tweaks');
    const result = simulate(twoRound(c, [1, 2, 3], 'tweaks', rng, (id) => ({ options: configs[id] })), rng);
    expectEveryHonestAbort(result, [1, 2, 3], 'signing-package-mismatch', []);

    // two signers that differ only in the merkle root disagree just as openly
    const rng2 = seededRng('roots');
    const other = new Uint8Array(32).fill(0xcd);
    const result2 = simulate(twoRound(c, [1, 3], 'roots', rng2, (id) => ({ options: { tweak: { kind: 'bip341', merkleRoot: id === 1 ? root : other } } })), rng2);
    expectEveryHonestAbort(result2, [1, 3], 'signing-package-mismatch', []);
  });

  it('a merkle root is empty or 32 bytes; the tweak applies to the Taproot suite only', () => {
    const share = c.shares.get(1)!;
    for (const len of [1, 31, 33, 64]) {
      const merkleRoot = new Uint8Array(len);
      expect(() => frostSigningKey(suite, share, { tweak: { kind: 'bip341', merkleRoot } })).toThrow(RangeError);
      expect(() => frostPublicKey(suite, pkg, { tweak: { kind: 'bip341', merkleRoot } })).toThrow(/empty or 32 bytes/);
      expect(() => tapTweak(share.publicKey, merkleRoot)).toThrow(/empty or 32 bytes/);
    }
    expect(() => frostSigningKey(suite, share, { tweak: { kind: 'bip341', merkleRoot: new Uint8Array(32) } })).not.toThrow();
    expect(() => frostSigningKey(suite, share, { tweak: { kind: 'bip341', merkleRoot: new Uint8Array(0) } })).not.toThrow();
    const ed = runDkg('ed25519', 2, 3).shares.get(1)!;
    expect(() => frostSigningKey(FROST_SUITES.ed25519, ed, { tweak: { kind: 'bip341' } })).toThrow(/Taproot/);
  });
});

describe('taprootOutputKey', () => {
  it('is the output key of BIP86 (and of a script tree) as @scure/btc-signer computes it, for either Y parity', () => {
    for (let i = 1n; i <= 6n; i++) {
      const P = SECP256K1.mulBase(i * 0x1234567n);
      const xonly = SECP256K1.encodePoint(P).subarray(1);
      const bip86 = p2tr(xonly).tweakedPubkey;
      expect(Buffer.from(SECP256K1.encodePoint(taprootOutputKey(P, new Uint8Array(0))).subarray(1)).toString('hex')).toBe(Buffer.from(bip86).toString('hex'));
      const root = new Uint8Array(32).fill(Number(i));
      const [withScripts] = utils.taprootTweakPubkey(xonly, root);
      expect(Buffer.from(SECP256K1.encodePoint(taprootOutputKey(P, root)).subarray(1)).toString('hex')).toBe(Buffer.from(withScripts).toString('hex'));
    }
    expect(() => taprootOutputKey(SECP256K1.base, new Uint8Array(5))).toThrow(/merkle root/);
  });
});
