/**
 * The coordinator as FROST aggregator: shares made by signers with pooled nonces (as nodes make
 * them) aggregate to a signature @noble/curves verifies; a wrong share, a wrong R or a malformed
 * output names exactly its node; the verifying shares come only from a public package consistent
 * with the key.
 */
import { describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { schnorr } from '@noble/curves/secp256k1.js';
import {
  FROST_ED25519,
  FROST_SECP256K1_TR,
  type FrostCiphersuite,
  type KeyShare,
  MemorySessionRegistry,
  POOL_EPOCH_LENGTH,
  bytesToHex,
  commitForPool,
  createDkg,
  encodeSignedCommitment,
  decodeSignedCommitment,
  frostSigningKey,
  generateIdentities,
  seededRng,
  signCommitment,
  signPooledShare,
  simulate,
} from '@mpc-wallet/core';
import { FrostAggregator } from '../../src/coordinator/frost-aggregator.js';
import { ApiError } from '../../src/errors.js';
import { encodePublicKey, openPublicPackage, reportPublicPackage } from '../../src/session/schemes.js';
import type { KeyRecord, Scheme } from '../../src/stores/types.js';

const message = new TextEncoder().encode('pay 2');

function setup(scheme: Scheme, suite: FrostCiphersuite) {
  const rng = seededRng(`aggregator-${scheme}`);
  const parties = [1, 2, 3];
  const identities = generateIdentities(parties, rng);
  const result = simulate(
    parties.map((self) => createDkg({ sessions: new MemorySessionRegistry(), curve: suite.curve.name, session: new Uint8Array(32).fill(3), self, parties, threshold: 2, identity: identities.get(self)!, rng })),
    rng,
  );
  const shares = new Map(parties.map((id) => [id, result.outputs.get(id)!.share as KeyShare]));
  const share1 = shares.get(1)!;
  const now = new Date();
  const key: KeyRecord & { publicKey: string } = {
    id: 'k',
    scheme,
    threshold: 2,
    parties,
    publicKey: bytesToHex(encodePublicKey(scheme, share1.publicKey)),
    status: 'active',
    label: null,
    version: 1,
    failure: null,
    certificate: null,
    publicPackage: reportPublicPackage(share1),
    createdAt: now,
    updatedAt: now,
  };
  const signers = [1, 3];
  const keys = new Map(signers.map((id) => [id, frostSigningKey(suite, shares.get(id)!)] as const));
  const nonces = new Map(signers.map((id) => [id, commitForPool(keys.get(id)!, rng)] as const));
  const commitments = signers.map((id) => bytesToHex(encodeSignedCommitment(suite, signCommitment(keys.get(id)!, identities.get(id)!, rng(POOL_EPOCH_LENGTH), 0, nonces.get(id)!.commitment, nonces.get(id)!.preimages))));
  const outputs = new Map(
    signers.map((id) => {
      const pooled = { commitments: commitments.map((c) => decodeSignedCommitment(suite, Buffer.from(c, 'hex'))), nonces: nonces.get(id)! };
      const s = signPooledShare({ key: keys.get(id)!, identity: identities.get(id)!, signers, message, pooled });
      return [id, { share: bytesToHex(suite.curve.encodeScalar(s.share)), groupCommitment: bytesToHex(suite.curve.encodePoint(s.groupCommitment!)) }] as const;
    }),
  );
  return { key, commitments, outputs, suite };
}

function culpritsOf(fn: () => unknown): number[] | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError && e.code === 'PROTOCOL_ABORTED') return e.details?.culprits;
    throw e;
  }
  throw new Error('not convicted');
}

describe('FrostAggregator', () => {
  for (const [scheme, suite] of [['eddsa-ed25519', FROST_ED25519], ['schnorr-bip340', FROST_SECP256K1_TR]] as const) {
    it(`${scheme}: the shares of two nodes aggregate to a signature noble verifies`, () => {
      const { key, commitments, outputs } = setup(scheme, suite);
      const aggregator = new FrostAggregator();
      const signature = aggregator.aggregate(aggregator.publicKey(key)!, message, commitments, outputs);
      const publicKey = Buffer.from(key.publicKey!, 'hex');
      expect(scheme === 'eddsa-ed25519' ? ed25519.verify(signature, message, publicKey) : schnorr.verify(signature, message, publicKey)).toBe(true);
    });

    it(`${scheme}: a wrong share, a wrong R or a malformed output names exactly its node`, () => {
      const { key, commitments, outputs } = setup(scheme, suite);
      const aggregator = new FrostAggregator();
      const pub = aggregator.publicKey(key)!;
      const with_ = (node: number, over: Record<string, unknown>) => new Map([...outputs].map(([n, o]) => [n, n === node ? { ...o, ...over } : o] as const));
      const z = suite.curve.decodeScalar(Buffer.from(outputs.get(3)!.share, 'hex'));
      expect(culpritsOf(() => aggregator.aggregate(pub, message, commitments, with_(3, { share: bytesToHex(suite.curve.encodeScalar((z + 1n) % suite.curve.order)) })))).toEqual([3]);
      expect(culpritsOf(() => aggregator.aggregate(pub, message, commitments, with_(1, { groupCommitment: bytesToHex(suite.curve.encodePoint(suite.curve.base)) })))).toEqual([1]);
      expect(culpritsOf(() => aggregator.aggregate(pub, message, commitments, with_(3, { share: 'zz' })))).toEqual([3]);
      expect(culpritsOf(() => aggregator.aggregate(pub, message, commitments, with_(1, { groupCommitment: undefined })))).toEqual([1]);
    });
  }

  it('uses only a public package consistent with the key: none, another key’s or shares off the polynomial give no key', () => {
    const { key } = setup('eddsa-ed25519', FROST_ED25519);
    const other = setup('schnorr-bip340', FROST_SECP256K1_TR).key;
    const aggregator = new FrostAggregator();
    expect(aggregator.publicKey({ ...key, publicPackage: null })).toBeUndefined();
    expect(aggregator.publicKey({ ...key, scheme: 'ecdsa-secp256k1' })).toBeUndefined();
    const pkg = key.publicPackage!;
    expect(openPublicPackage(key, pkg)).toBeDefined();
    expect(openPublicPackage(key, { ...pkg, verifyingShares: [pkg.verifyingShares[0]!, pkg.verifyingShares[1]!, pkg.verifyingShares[1]!] })).toBeUndefined();
    expect(openPublicPackage({ ...key, publicKey: bytesToHex(FROST_ED25519.curve.encodePoint(FROST_ED25519.curve.base)) }, pkg)).toBeUndefined();
    expect(openPublicPackage(other, pkg)).toBeUndefined();
    expect(openPublicPackage(key, { ...pkg, verifyingShares: pkg.verifyingShares.slice(1) })).toBeUndefined();
    expect(openPublicPackage(key, 'garbage')).toBeUndefined();
  });
});
