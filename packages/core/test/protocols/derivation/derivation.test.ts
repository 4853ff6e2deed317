/**
 * Non-hardened derivation over a threshold key: BIP32's own vectors (every non-hardened step of
 * vectors 1–4 recomputed from the parent's xpub; vector 5's invalid keys refused), a published
 * BIP32-Ed25519 soft-derivation vector, and the property that makes it threshold-friendly: the
 * shares moved by the tweak interpolate to the child key.
 */
import { HDKey } from '@scure/bip32';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../../src/bytes.js';
import { CURVES, type CurveName, mod } from '../../../src/math/curve.js';
import { lagrangeAtZero } from '../../../src/math/polynomial.js';
import { checkKeyShare, type KeyShare } from '../../../src/protocols/key-share.js';
import {
  DerivationError,
  decodeXpub,
  deriveKey,
  deriveKeyShare,
  derivationRoot,
  encodeXpub,
  formatDerivationPath,
  parseDerivationPath,
} from '../../../src/protocols/derivation/index.js';
import { readVector } from '../../vectors.js';

interface Bip32Vectors {
  vectors: { name: string; steps: { path: string; path_indices: number[]; xpub: string; xprv: string }[] }[];
  invalid_keys: { key: string; reason: string }[];
}
const bip32 = readVector<Bip32Vectors>('bip32', 'bip32.json');

describe.skipIf(!bip32)('BIP32 vectors (../shared/vectors/bip32)', () => {
  const steps = bip32 ? bip32.vectors.flatMap((v) => v.steps.map((s, i) => ({ vector: v.name, step: s, parent: v.steps[i - 1] }))) : [];
  const soft = steps.filter(({ step, parent }) => parent && step.path_indices.at(-1)! < 0x80000000);

  it('covers non-hardened steps', () => expect(soft.length).toBeGreaterThanOrEqual(4));

  it.each(soft.map((s) => [`${s.vector} ${s.step.path}`, s] as const))('%s: the child xpub from the parent xpub, and secret + tweak', (_name, { step, parent }) => {
    const from = decodeXpub(parent!.xpub);
    const child = deriveKey(from, [step.path_indices.at(-1)!]);
    expect(encodeXpub(child)).toBe(step.xpub);
    // The tweak is what every share moves by: the parent secret plus it is the child secret.
    const parentSecret = CURVES.secp256k1.bytesToNumber(HDKey.fromExtendedKey(parent!.xprv).privateKey!);
    const childSecret = CURVES.secp256k1.bytesToNumber(HDKey.fromExtendedKey(step.xprv).privateKey!);
    expect(mod(parentSecret + child.tweak, CURVES.secp256k1.order)).toBe(childSecret);
  });

  it('round-trips every xpub', () => {
    for (const { step } of steps) expect(encodeXpub(decodeXpub(step.xpub))).toBe(step.xpub);
  });

  it.each(bip32 ? bip32.invalid_keys.map((k) => [k.reason, k.key] as const) : [])('refuses an invalid extended key: %s', (_reason, key) => {
    expect(() => decodeXpub(key)).toThrow(DerivationError);
  });
});

describe('BIP32 public derivation against @scure/bip32', () => {
  it('matches over random roots and paths', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.array(fc.integer({ min: 0, max: 0x7fffffff }), { minLength: 1, maxLength: 4 }), (seed, path) => {
        const oracle = HDKey.fromMasterSeed(seed);
        const root = derivationRoot('secp256k1', CURVES.secp256k1.decodePoint(oracle.publicKey!), oracle.chainCode!);
        const ours = deriveKey(root, formatDerivationPath(path));
        const theirs = oracle.derive(formatDerivationPath(path));
        expect(bytesToHex(CURVES.secp256k1.encodePoint(ours.publicKey))).toBe(bytesToHex(theirs.publicKey!));
        expect(encodeXpub(ours)).toBe(theirs.publicExtendedKey);
      }),
      { numRuns: 20 },
    );
  });
});

describe('BIP32-Ed25519 soft derivation', () => {
  // Published vector (Topl, ExtendedPublicKeyEd25519Spec; BIP32-Ed25519 scheme 2 as in Cardano):
  // root extended private key kL ‖ kR ‖ chain code, child 0's public key ‖ chain code.
  const rootPrv = hexToBytes(
    '402b03cd9c8bed9ba9f9bd6cd9c315ce9fcc59c7c25d37c85a36096617e69d418e35cb4a3b737afd007f0688618f21a8831643c0e6c77fc33c06026d2a0fc93832596435e70647d7d98ef102a32ea40319ca8fb6c851d7346d3bd8f9d1492658',
  );
  const expected = 'ec3d5540764b043b21b3744d37448d3f2f8b1ff7188ebec476ac190995f6b047cb1f6e0d259c2b17cb1037d84f192fd419d3f674f6a553cbecda77f0e0bfd985';

  it('reproduces the published child 0', () => {
    const ed = CURVES.ed25519;
    const kL = mod(ed.bytesToNumber(rootPrv.subarray(0, 32)), ed.order);
    const child = deriveKey(derivationRoot('ed25519', ed.mulBase(kL), rootPrv.slice(64, 96)), 'm/0');
    expect(bytesToHex(ed.encodePoint(child.publicKey)) + bytesToHex(child.chainCode)).toBe(expected);
    expect(ed.mulBase(mod(kL + child.tweak, ed.order)).equals(child.publicKey)).toBe(true);
  });
});

describe('derivation paths', () => {
  it('parses non-hardened paths', () => {
    expect(parseDerivationPath('m')).toEqual([]);
    expect(parseDerivationPath('m/0/1/2147483647')).toEqual([0, 1, 2147483647]);
  });
  it.each([
    ["m/0'", /hardened/],
    ['m/0h', /hardened/],
    ['m/2147483648', /below 2\^31/],
    ['m/01', /not a child index/],
    ['m//1', /not a child index/],
    ['m/-1', /not a child index/],
    ['0/1', /starts with "m"/],
    ['m/1/', /not a child index/],
  ])('refuses %s', (path, message) => {
    expect(() => parseDerivationPath(path)).toThrow(message);
  });
  it('refuses a wrong chain code', () => {
    expect(() => derivationRoot('secp256k1', CURVES.secp256k1.base, new Uint8Array(31))).toThrow(DerivationError);
  });
});

/** A t-of-n sharing of `secret` as KeyShares, one per party. */
function share(curveName: CurveName, secret: bigint, coefficients: bigint[], n: number): KeyShare[] {
  const curve = CURVES[curveName];
  const f = (x: bigint) => [secret, ...coefficients].reduceRight((acc, c) => mod(acc * x + c, curve.order), 0n);
  const parties = Array.from({ length: n }, (_, i) => i + 1);
  const verificationShares = new Map(parties.map((id) => [id, curve.mulBase(f(BigInt(id)))] as const));
  return parties.map((self) => ({ curve: curveName, threshold: coefficients.length + 1, parties, self, secretShare: f(BigInt(self)), publicKey: curve.mulBase(secret), verificationShares }));
}

describe('derived key shares', () => {
  it.each(['secp256k1', 'ed25519'] as const)('%s: shares moved by the tweak interpolate to the child key', (curveName) => {
    const curve = CURVES[curveName];
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: curve.order - 1n }),
        fc.array(fc.bigInt({ min: 0n, max: curve.order - 1n }), { minLength: 1, maxLength: 2 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.array(fc.integer({ min: 0, max: 0x7fffffff }), { minLength: 1, maxLength: 3 }),
        (secret, coefficients, chainCode, path) => {
          const shares = share(curveName, secret, coefficients, coefficients.length + 2);
          const child = deriveKey(derivationRoot(curveName, shares[0]!.publicKey, chainCode), path);
          const derived = shares.map((s) => deriveKeyShare(s, child));
          for (const d of derived) checkKeyShare(d);
          const signers = derived.slice(1, 1 + derived[0]!.threshold);
          const xs = signers.map((s) => BigInt(s.self));
          const childSecret = signers.reduce((acc, s) => mod(acc + lagrangeAtZero(curve, BigInt(s.self), xs) * s.secretShare, curve.order), 0n);
          expect(curve.mulBase(childSecret).equals(child.publicKey)).toBe(true);
        },
      ),
      { numRuns: 8 },
    );
  });

  it('refuses a derivation that starts at another key', () => {
    const [a] = share('secp256k1', 5n, [7n], 3);
    const other = deriveKey(derivationRoot('secp256k1', CURVES.secp256k1.mulBase(6n), new Uint8Array(32)), 'm/1');
    expect(() => deriveKeyShare(a!, other)).toThrow(/does not start at this share's key/);
  });
});
