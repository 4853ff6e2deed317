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
import { FrostAggregator, ShareBatches } from '../../src/coordinator/frost-aggregator.js';
import type { Dispatcher } from '../../src/coordinator/dispatch.js';
import type { RequestResult, ShareItem } from '../../src/session/request.js';
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

describe('ShareBatches', () => {
  const key = { id: 'k', version: 1 } as KeyRecord;
  /** A dispatcher whose nodes answer each item with its id, or as `answer` says. */
  function fakeDispatcher(answer: (node: number, item: ShareItem) => Record<string, unknown> = (node, item) => ({ share: `${node}:${item.id}` }), whole?: (node: number) => RequestResult | undefined) {
    const requests: { nodes: readonly number[]; items: ShareItem[] }[] = [];
    const dispatcher = {
      async runAll(nodes: readonly number[], body: { items: ShareItem[] }): Promise<[number, RequestResult][]> {
        requests.push({ nodes, items: body.items });
        await new Promise((r) => setTimeout(r, 5));
        return nodes.map((n) => [n, whole?.(n) ?? { ok: true, output: { items: body.items.map((i) => answer(n, i)), timing: { total: 1 } } }]);
      },
    } as unknown as Dispatcher;
    return { dispatcher, requests };
  }
  const item = (id: string): ShareItem => ({ id, message: 'aa', commitments: ['00', '00'] });

  it('concurrent signatures with one key and quorum share requests; each gets its own answers', async () => {
    const { dispatcher, requests } = fakeDispatcher();
    const batches = new ShareBatches(dispatcher, 1_000);
    const outs = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => batches.run(key, [1, 2], item(id))));
    expect(requests.length).toBeLessThan(5);
    expect(requests.flatMap((r) => r.items.map((i) => i.id)).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    outs.forEach((out, i) => {
      const id = 'abcde'[i];
      expect(out.get(1)).toEqual({ share: `1:${id}`, timing: { total: 1 } });
      expect(out.get(2)).toEqual({ share: `2:${id}`, timing: { total: 1 } });
    });
  });

  it('an item a node fails (its nonces gone, a culprit named) fails alone; a node that fails the request fails every item', async () => {
    const failing = fakeDispatcher((node, i) => (i.id === 'gone' && node === 2 ? { error: { code: 'POOL_ITEM_GONE', message: 'gone' } } : i.id === 'bad' ? { error: { code: 'PROTOCOL_ABORTED', message: 'bad', culprits: [2] } } : { share: 'ok' }));
    const batches = new ShareBatches(failing.dispatcher, 1_000);
    const results = await Promise.all(['gone', 'bad', 'fine'].map((id) => batches.run(key, [1, 2], item(id)).then(() => 'ok', (e: ApiError) => [e.code, e.details])));
    expect(results).toEqual([['POOL_ITEM_GONE', { gone: [2] }], ['PROTOCOL_ABORTED', { culprits: [2] }], 'ok']);
    const offline = fakeDispatcher(undefined, (node) => (node === 1 ? { ok: false, error: { code: 'NODE_TIMEOUT', message: 'late', waitingFor: [1] } } : undefined));
    const down = new ShareBatches(offline.dispatcher, 1_000);
    const all = await Promise.all(['x', 'y'].map((id) => down.run(key, [1, 2], item(id)).then(() => 'ok', (e: ApiError) => e.code)));
    expect(all).toEqual(['NODES_UNAVAILABLE', 'NODES_UNAVAILABLE']);
  });

  it('a node answering without an item is named for it', async () => {
    const short = { runAll: async (nodes: readonly number[]) => nodes.map((n) => [n, { ok: true, output: { items: n === 2 ? [] : [{ share: 's' }] } }]) } as unknown as Dispatcher;
    await expect(new ShareBatches(short, 1_000).run(key, [1, 2], item('z'))).rejects.toMatchObject({ code: 'PROTOCOL_ABORTED', details: { culprits: [2] } });
  });
});
