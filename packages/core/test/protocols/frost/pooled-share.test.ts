/**
 * Pooled FROST with the coordinator as aggregator: each signer computes its share from pooled
 * nonces without hearing from the others (`signPooledShare`), the aggregator sums and verifies
 * (`aggregate`). The result is an ordinary signature that @noble/curves verifies; a forged
 * commitment signature names nobody, a validly signed commitment outside the group names its
 * signer, and a wrong share or a wrong reported R names exactly its sender.
 */
import { describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  type FrostSuiteName,
  POOL_EPOCH_LENGTH,
  ProtocolAbort,
  type SignedCommitment,
  aggregate,
  commitForPool,
  decodeSignedCommitment,
  encodeSignedCommitment,
  frostPublicKey,
  frostSigningKey,
  publicPackageOf,
  seededRng,
  signCommitment,
  signPooledShare,
  deriveKey,
  deriveKeyShare,
  derivePublicPackage,
  derivationRoot,
} from '../../../src/index.js';
import { SUITES, committee, message, verifiesWithNoble } from './fixtures.js';

function abortOf(fn: () => unknown): ProtocolAbort {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProtocolAbort) return e;
    throw e;
  }
  throw new Error('no abort');
}

function setup(name: FrostSuiteName, label: string) {
  const c = committee(name);
  const rng = seededRng(`pooled-share-${name}-${label}`);
  const signers = [1, 3];
  const keys = new Map(signers.map((id) => [id, frostSigningKey(c.suite, c.shares.get(id)!)] as const));
  const nonces = new Map(signers.map((id) => [id, commitForPool(keys.get(id)!, rng)] as const));
  // What the coordinator hands out: each commitment signed by its owner, as encoded on the wire.
  const commitments: SignedCommitment[] = signers.map((id) =>
    decodeSignedCommitment(c.suite, encodeSignedCommitment(c.suite, signCommitment(keys.get(id)!, c.identities.get(id)!, rng(POOL_EPOCH_LENGTH), 0, nonces.get(id)!.commitment, nonces.get(id)!.preimages))),
  );
  const share = (id: number, handed = commitments) =>
    signPooledShare({ key: keys.get(id)!, identity: c.identities.get(id)!, signers, message, pooled: { commitments: handed, nonces: nonces.get(id)! } });
  const pub = frostPublicKey(c.suite, publicPackageOf(c.shares.get(1)!));
  const pkg = { message, commitments: commitments.map((sc) => sc.commitment) };
  return { c, rng, signers, keys, commitments, share, pub, pkg };
}

describe('pooled FROST shares aggregated by the coordinator', () => {
  for (const name of SUITES) {
    it(`${name}: the shares of two signers that never talked aggregate to a signature noble verifies`, () => {
      const { c, signers, share, pub, pkg } = setup(name, 'ok');
      const shares = signers.map((id) => share(id));
      const { signature } = aggregate(pub, pkg, shares);
      expect(verifiesWithNoble(name, c.shares.get(1)!.publicKey, signature)).toBe(true);
    });

    it(`${name}: a wrong share, or a wrong reported R, names exactly its sender`, () => {
      const { signers, share, pub, pkg, c } = setup(name, 'bad-share');
      const [a, b] = signers.map((id) => share(id));
      const n = c.suite.curve.order;
      expect(abortOf(() => aggregate(pub, pkg, [a!, { ...b!, share: (b!.share + 1n) % n }]))).toMatchObject({ code: 'bad-signature-share', culprits: [3] });
      const otherR = a!.groupCommitment!.add(c.suite.curve.base);
      expect(abortOf(() => aggregate(pub, pkg, [{ ...a!, groupCommitment: otherR }, b!]))).toMatchObject({ code: 'bad-signature-share', culprits: [1] });
    });
  }

  it('a commitment whose signature is not its owner’s names nobody (the coordinator handed it out)', () => {
    const { commitments, share, rng } = setup('ed25519', 'forged');
    const forged = { ...commitments[1]!, signature: rng(64) };
    expect(abortOf(() => share(1, [commitments[0]!, forged]))).toMatchObject({ code: 'bad-commitment-signature', culprits: [] });
  });

  it('a validly signed commitment outside the prime-order group names its signer', () => {
    const { c, keys, commitments, share, rng } = setup('ed25519', 'torsion');
    const ORDER_TWO = ed25519.Point.fromHex('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
    const own = commitments[1]!.commitment;
    const torsioned = { ...own, hiding: own.hiding.add(ORDER_TWO as never) };
    const signed = signCommitment(keys.get(3)!, c.identities.get(3)!, rng(POOL_EPOCH_LENGTH), 1, torsioned);
    const handed = decodeSignedCommitment(c.suite, encodeSignedCommitment(c.suite, signed), { checkSubgroup: false });
    expect(abortOf(() => share(1, [commitments[0]!, handed]))).toMatchObject({ code: 'bad-commitment', culprits: [3] });
  });

  it('refuses commitments that are not one per signer in signer order', () => {
    const { commitments, share } = setup('ed25519', 'order');
    expect(() => share(1, [commitments[1]!, commitments[0]!])).toThrow(RangeError);
    expect(() => share(1, [commitments[0]!])).toThrow(RangeError);
  });
});

describe('pooled FROST shares for a derived key, from the root key\'s pool', () => {
  for (const name of SUITES) {
    it(`${name}: a child key signs with nonces committed for the root's pool; noble verifies under the child key`, () => {
      const { c, signers, keys, commitments, rng } = setup(name, 'derived');
      const root = c.shares.get(1)!;
      const child = deriveKey(derivationRoot(root.curve, root.publicKey, rng(32)), 'm/3/1');
      const childKeys = new Map(signers.map((id) => [id, frostSigningKey(c.suite, deriveKeyShare(c.shares.get(id)!, child), { poolKey: root.publicKey })] as const));
      const nonces = new Map(signers.map((id) => [id, commitForPool(keys.get(id)!, rng)] as const));
      const handed: SignedCommitment[] = signers.map((id, i) =>
        signCommitment(keys.get(id)!, c.identities.get(id)!, commitments[i]!.epoch, 1, nonces.get(id)!.commitment, nonces.get(id)!.preimages),
      );
      const shares = signers.map((id) => signPooledShare({ key: childKeys.get(id)!, identity: c.identities.get(id)!, signers, message, pooled: { commitments: handed, nonces: nonces.get(id)! } }));
      const pub = frostPublicKey(c.suite, derivePublicPackage(publicPackageOf(root), child), { poolKey: root.publicKey });
      const { signature } = aggregate(pub, { message, commitments: handed.map((sc) => sc.commitment) }, shares);
      expect(verifiesWithNoble(name, child.publicKey, signature)).toBe(true);
      expect(verifiesWithNoble(name, root.publicKey, signature)).toBe(false);
      // Without naming the root's pool, the child key refuses the root's commitments: their slots are the root's.
      const unpooled = frostSigningKey(c.suite, deriveKeyShare(c.shares.get(1)!, child));
      expect(abortOf(() => signPooledShare({ key: unpooled, identity: c.identities.get(1)!, signers, message, pooled: { commitments: handed, nonces: commitForPool(keys.get(1)!, rng) } }))).toMatchObject({
        code: 'bad-commitment-signature',
      });
    });
  }
});
