/**
 * Pooled FROST signing at the level of two SignerNodes on PGlite stores, joined by an in-memory
 * transport: nonces are stored before their commitments are returned, each is taken from the
 * store before anything computed from it leaves, and a taken one is refused the second time.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  FROST_ED25519,
  aggregateReported,
  frostPublicKey,
  publicPackageOf,
  bytesToHex,
  commit,
  decodeSignedCommitment,
  encodeSignedCommitment,
  frostSigningKey,
  hexToBytes,
  signCommitment,
} from '@mpc-wallet/core';
import type { SignerNode } from '../../src/node/signer.js';
import type { RequestResult } from '../../src/session/request.js';
import { openNodeStore } from '../../src/stores/sql/open.js';
import type { NodeStore } from '../../src/stores/types.js';
import { type Body, MemoryNetwork, dkg, outputs, signed, signerNode } from './harness.js';

const message = bytesToHex(new TextEncoder().encode('pay 1'));

const { shares, identities } = dkg('ed25519', 'signer-pools');
let network: MemoryNetwork;
/** One PGlite store per node for the whole file (opening one takes seconds); each test has its own key. */
const stores: NodeStore[] = [];
let nodes: Map<number, SignerNode>;
let keyNumber = 0;
let KEY_ID = '';

async function startNode(id: number, wrap: (store: NodeStore) => NodeStore = (s) => s): Promise<SignerNode> {
  const { node, vault } = signerNode(id, wrap(stores[id - 1]!), identities.get(id)!, network);
  await vault.putKey(KEY_ID, 1, { scheme: 'eddsa-ed25519', share: shares.get(id)! });
  return node;
}

/** The same signed request to several nodes at once (they run one protocol together). */
async function run(ids: number[], body: Body): Promise<RequestResult[]> {
  const request = signed(body);
  return Promise.all(ids.map((id) => nodes.get(id)!.handle(request)));
}

async function poolOf(id: number, count: number): Promise<string[]> {
  const [out] = outputs(await run([id], { kind: 'nonces', keyId: KEY_ID, version: 1, count }));
  return out!.commitments as string[];
}

beforeAll(async () => {
  for (let i = 0; i < 2; i++) stores.push(await openNodeStore());
}, 60_000);

afterAll(async () => {
  for (const s of stores) await s.close();
});

beforeEach(() => {
  network = new MemoryNetwork();
  nodes = new Map();
  KEY_ID = `k${++keyNumber}`;
});

describe('signer node: pooled FROST nonces', () => {
  it('stores each nonce pair before answering, signs each commitment for its own slot of a fresh epoch', async () => {
    nodes.set(1, await startNode(1));
    const a = await poolOf(1, 5);
    const b = await poolOf(1, 3);
    expect(await stores[0]!.consumables.count('nonces', `${KEY_ID}/1`)).toBe(8);
    const decoded = [...a, ...b].map((hex) => decodeSignedCommitment(FROST_ED25519, hexToBytes(hex)));
    expect(decoded.map((sc) => sc.sequence)).toEqual([0, 1, 2, 3, 4, 0, 1, 2]);
    expect(decoded.every((sc) => sc.commitment.identifier === 1n)).toBe(true);
    // Two batches, two random epochs: no (epoch, sequence) slot is signed twice.
    expect(new Set(decoded.map((sc) => bytesToHex(sc.epoch))).size).toBe(2);
    expect(new Set([...a, ...b]).size).toBe(8);
  });

  it('signs through the pool once; the same commitments again are refused, and nothing is sent', async () => {
    nodes.set(1, await startNode(1));
    nodes.set(2, await startNode(2));
    const commitments = [(await poolOf(1, 1))[0]!, (await poolOf(2, 1))[0]!];
    const body: Body = { kind: 'sign', keyId: KEY_ID, version: 1, signers: [1, 2], message, commitments };
    const [first] = outputs(await run([1, 2], body));
    expect(first!.pooled).toBe(true);
    const publicKey = hexToBytes(first!.publicKey as string);
    expect(ed25519.verify(hexToBytes(first!.signature as string), hexToBytes(message), publicKey)).toBe(true);
    expect(await stores[0]!.consumables.count('nonces', `${KEY_ID}/1`)).toBe(0);

    const sentBefore = network.sent.length;
    const again = await run([1, 2], body);
    expect(again.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['POOL_ITEM_GONE', 'POOL_ITEM_GONE']);
    expect(network.sent.length).toBe(sentBefore);
  });

  it('drops every pooled item when told that no pool lists them any more; a sign with one then finds it gone', async () => {
    nodes.set(1, await startNode(1));
    nodes.set(2, await startNode(2));
    const commitments = [(await poolOf(1, 3))[0]!, (await poolOf(2, 1))[0]!];
    const [dropped] = outputs(await run([1], { kind: 'drop-items' }));
    // Its store also holds items of the keys earlier tests made: all go.
    expect(dropped!.dropped).toBeGreaterThanOrEqual(3);
    expect(await stores[0]!.consumables.count('nonces', `${KEY_ID}/1`)).toBe(0);
    const sign = await run([1, 2], { kind: 'sign', keyId: KEY_ID, version: 1, signers: [1, 2], message, commitments });
    expect(sign[0]).toMatchObject({ ok: false, error: { code: 'POOL_ITEM_GONE' } });
  });

  it('takes its nonces before anything leaves: a store whose take fails sends nothing', async () => {
    const failing = (store: NodeStore): NodeStore => ({
      ...store,
      consumables: {
        ...store.consumables,
        take: () => Promise.reject(new Error('disk gone')),
      },
    });
    nodes.set(1, await startNode(1, failing));
    nodes.set(2, await startNode(2));
    const commitments = [(await poolOf(1, 1))[0]!, (await poolOf(2, 1))[0]!];
    const sentBefore = network.sent.filter((m) => m.from === 1).length;
    const [one] = await Promise.all([nodes.get(1)!.handle(signed({ kind: 'sign', keyId: KEY_ID, version: 1, signers: [1, 2], message, commitments }))]);
    expect(one).toMatchObject({ ok: false, error: { code: 'NODE_ERROR' } });
    expect(network.sent.filter((m) => m.from === 1).length).toBe(sentBefore);
    // Its nonce is still stored, unused: a failed take consumed nothing.
    expect(await stores[0]!.consumables.count('nonces', `${KEY_ID}/1`)).toBe(1);
  });

  it('refuses commitments out of signer order, and nonces or presignatures for the wrong scheme', async () => {
    nodes.set(1, await startNode(1));
    nodes.set(2, await startNode(2));
    const commitments = [(await poolOf(1, 1))[0]!, (await poolOf(2, 1))[0]!];
    const swapped = await run([1], { kind: 'sign', keyId: KEY_ID, version: 1, signers: [1, 2], message, commitments: [commitments[1]!, commitments[0]!] });
    expect(swapped[0]).toMatchObject({ ok: false, error: { code: 'MALFORMED_REQUEST' } });
    const garbage = await run([1], { kind: 'sign', keyId: KEY_ID, version: 1, signers: [1, 2], message, commitments: ['00', '00'] });
    expect(garbage[0]).toMatchObject({ ok: false, error: { code: 'MALFORMED_REQUEST' } });
    const presign = await run([1], { kind: 'presign', keyId: KEY_ID, version: 1, signers: [1, 2], count: 1 });
    expect(presign[0]).toMatchObject({ ok: false, error: { code: 'REQUEST_NOT_ALLOWED' } });
    // Nothing was taken by the refused requests.
    expect(await stores[0]!.consumables.count('nonces', `${KEY_ID}/1`)).toBe(1);
  });

  it("names the signer of a validly signed commitment outside the prime-order group (its own it takes from its store)", async () => {
    nodes.set(1, await startNode(1));
    const own = (await poolOf(1, 1))[0]!;
    // Party 2 signs, for a slot of its own, a commitment whose hiding point has a 2-torsion part.
    const key2 = frostSigningKey(FROST_ED25519, shares.get(2)!);
    const { commitment } = commit(key2);
    const twoTorsion = ed25519.Point.fromHex('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
    const bad = { ...commitment, hiding: commitment.hiding.add(twoTorsion as unknown as typeof commitment.hiding) };
    const signedBad = bytesToHex(encodeSignedCommitment(FROST_ED25519, signCommitment(key2, identities.get(2)!, new Uint8Array(16).fill(7), 0, bad)));
    const [result] = await run([1], { kind: 'sign', keyId: KEY_ID, version: 1, signers: [1, 2], message, commitments: [own, signedBad] });
    expect(result).toMatchObject({ ok: false, error: { code: 'PROTOCOL_ABORTED', culprits: [2] } });
    expect((result as Extract<RequestResult, { ok: false }>).error.message).toMatch(/^bad-commitment/);
    // Its own nonces were taken before the check: spent, never offered again.
    expect(await stores[0]!.consumables.count('nonces', `${KEY_ID}/1`)).toBe(0);
  });
});

describe('signer node: pooled FROST shares for the coordinator to aggregate (sign-shares)', () => {
  const item = (id: string, commitments: string[], msg = message) => ({ id, message: msg, commitments });

  it('answers each item with its share and R, sends nothing to the other signer; the shares aggregate to signatures noble verifies, once', async () => {
    nodes.set(1, await startNode(1));
    nodes.set(2, await startNode(2));
    const [a1, a2] = await poolOf(1, 2);
    const [b1, b2] = await poolOf(2, 2);
    const other = bytesToHex(new TextEncoder().encode('pay 2'));
    const body: Body = { kind: 'sign-shares', keyId: KEY_ID, version: 1, signers: [1, 2], items: [item('r1', [a1!, b1!]), item('r2', [a2!, b2!], other)] };
    const sentBefore = network.sent.length;
    const out = outputs(await run([1, 2], body));
    expect(network.sent.length).toBe(sentBefore);
    const pub = frostPublicKey(FROST_ED25519, publicPackageOf(shares.get(1)!));
    const { curve } = FROST_ED25519;
    for (const [i, msg] of [message, other].entries()) {
      const reported = out.map((o, node) => {
        const answer = (o.items as Record<string, string>[])[i]!;
        return { identifier: BigInt(node + 1), share: curve.decodeScalar(hexToBytes(answer.share!)), groupCommitment: curve.decodePoint(hexToBytes(answer.groupCommitment!)) };
      });
      const result = aggregateReported(pub, hexToBytes(msg), reported)!;
      expect(ed25519.verify(result.signature, hexToBytes(msg), hexToBytes(out[0]!.publicKey as string))).toBe(true);
    }
    // Each node's own record names each item's request and holds what it released: R ‖ its share.
    const logged = (await stores[0]!.signatures.list(KEY_ID)).slice(-2);
    expect(logged.map((e) => e.requestId).sort()).toEqual(['r1', 'r2']);
    const first = (out[0]!.items as Record<string, string>[])[0]!;
    expect(logged.find((e) => e.requestId === 'r1')!.signature).toBe(`${first.groupCommitment}${first.share}`);
    expect(await stores[0]!.consumables.count('nonces', `${KEY_ID}/1`)).toBe(0);
    // The same items again: each is refused on its own, its nonces gone.
    const again = outputs(await run([1, 2], body));
    expect(again.map((o) => (o.items as { error?: { code: string } }[]).map((x) => x.error?.code))).toEqual([
      ['POOL_ITEM_GONE', 'POOL_ITEM_GONE'],
      ['POOL_ITEM_GONE', 'POOL_ITEM_GONE'],
    ]);
  });

  it('an item with a validly signed commitment outside the group names its signer and fails alone', async () => {
    nodes.set(1, await startNode(1));
    const [own, own2] = await poolOf(1, 2);
    const key2 = frostSigningKey(FROST_ED25519, shares.get(2)!);
    const good = commit(key2);
    const goodSigned = bytesToHex(encodeSignedCommitment(FROST_ED25519, signCommitment(key2, identities.get(2)!, new Uint8Array(16).fill(8), 1, good.commitment)));
    const { commitment } = commit(key2);
    const twoTorsion = ed25519.Point.fromHex('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
    const bad = { ...commitment, binding: commitment.binding.add(twoTorsion as unknown as typeof commitment.binding) };
    const signedBad = bytesToHex(encodeSignedCommitment(FROST_ED25519, signCommitment(key2, identities.get(2)!, new Uint8Array(16).fill(8), 0, bad)));
    const [out] = outputs(await run([1], { kind: 'sign-shares', keyId: KEY_ID, version: 1, signers: [1, 2], items: [item('bad', [own!, signedBad]), item('good', [own2!, goodSigned])] }));
    const [badAnswer, goodAnswer] = out!.items as Record<string, unknown>[];
    expect(badAnswer).toMatchObject({ error: { code: 'PROTOCOL_ABORTED', culprits: [2] } });
    expect(goodAnswer).toMatchObject({ share: expect.any(String), groupCommitment: expect.any(String) });
  });

  it('refuses a request without items, with too many, or with commitments that are not one per signer', async () => {
    nodes.set(1, await startNode(1));
    const [own] = await poolOf(1, 1);
    for (const items of [[], Array.from({ length: 257 }, (_, i) => item(`r${i}`, [own!, own!])), [item('r', [own!])]]) {
      const [result] = await run([1], { kind: 'sign-shares', keyId: KEY_ID, version: 1, signers: [1, 2], items });
      expect(result).toMatchObject({ ok: false, error: { code: 'MALFORMED_REQUEST' } });
    }
    expect(await stores[0]!.consumables.count('nonces', `${KEY_ID}/1`)).toBe(1);
  });
});
