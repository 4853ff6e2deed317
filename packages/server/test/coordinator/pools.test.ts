/**
 * The coordinator's pools over one memory session store shared by two instances (as two
 * coordinators share Redis), with a scripted dispatcher in place of the nodes.
 */
import { describe, expect, it } from 'vitest';
import { KEY_PAGE, Pools, noncePool, presignPool } from '../../src/coordinator/pools.js';
import type { Dispatcher, RequestBody } from '../../src/coordinator/dispatch.js';
import type { NodeHub } from '../../src/coordinator/node-hub.js';
import { MemorySessionStore } from '../../src/stores/memory/session-store.js';
import type { KeyRecord, KeyStore } from '../../src/stores/types.js';

const now = new Date();
const frostKey: KeyRecord = { id: 'kf', scheme: 'eddsa-ed25519', threshold: 2, parties: [1, 2, 3], publicKey: 'aa', status: 'active', label: null, version: 1, failure: null, certificate: null, createdAt: now, updatedAt: now };
const ecdsaKey: KeyRecord = { ...frostKey, id: 'ke', scheme: 'ecdsa-secp256k1' };

function keyStore(keys: KeyRecord[]): KeyStore {
  return {
    insert: () => Promise.reject(new Error('read only')),
    get: async (id) => keys.find((k) => k.id === id),
    list: async () => keys,
    refreshing: async () => [],
    update: () => Promise.reject(new Error('read only')),
  };
}

/** Answers node requests after `delayMs`, counting them; every item it makes is distinct. */
function scriptedNodes(online: number[], delayMs = 20) {
  const calls: { nodes: readonly number[]; body: RequestBody }[] = [];
  let serial = 0;
  const item = () => (++serial).toString(16).padStart(8, '0');
  const dispatcher = {
    async run(nodes: readonly number[], body: RequestBody) {
      calls.push({ nodes, body });
      await new Promise((r) => setTimeout(r, delayMs));
      if (body.kind === 'nonces') return new Map([[nodes[0]!, { commitments: Array.from({ length: body.count }, item) }]]);
      if (body.kind === 'drop-items') return new Map([[nodes[0]!, { dropped: 0 }]]);
      if (body.kind === 'presign') {
        const ids = Array.from({ length: body.count }, item);
        return new Map(nodes.map((n) => [n, { presignatures: ids }] as const));
      }
      throw new Error(`unexpected ${body.kind}`);
    },
  } as unknown as Dispatcher;
  const hub = { isOnline: (n: number) => online.includes(n) } as unknown as NodeHub;
  return { calls, dispatcher, hub };
}

const options = { nonceDepth: 8, presignDepth: 4, intervalMs: 1_000, presignBatch: 2, itemTimeoutMs: 1_000, idleMs: 50 };

async function settle(sessions: MemorySessionStore, pools: string[], depth: number) {
  for (let i = 0; i < 200; i++) {
    if ((await Promise.all(pools.map((p) => sessions.poolSize(p)))).every((s) => s >= depth)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('coordinator pools', () => {
  it('two instances sharing a session store fill each pool once, only for online nodes', async () => {
    const sessions = new MemorySessionStore();
    const { calls, dispatcher, hub } = scriptedNodes([1, 3]);
    const keys = keyStore([frostKey]);
    const a = new Pools(keys, sessions, hub, dispatcher, options);
    const b = new Pools(keys, sessions, hub, dispatcher, options);
    await Promise.all([a.tick(), b.tick()]);
    await settle(sessions, [noncePool('kf', 1, 1), noncePool('kf', 1, 3)], 8);
    expect(await sessions.poolSize(noncePool('kf', 1, 1))).toBe(8);
    expect(await sessions.poolSize(noncePool('kf', 1, 3))).toBe(8);
    expect(await sessions.poolSize(noncePool('kf', 1, 2))).toBe(0);
    expect(calls.map((c) => c.nodes.join())).toEqual(['1', '3']);
  });

  it('claims one commitment per signer, or none: a partial claim goes back', async () => {
    const sessions = new MemorySessionStore();
    const { dispatcher, hub } = scriptedNodes([1, 2, 3]);
    const pools = new Pools(keyStore([frostKey]), sessions, hub, dispatcher, options);
    await sessions.pushPool(noncePool('kf', 1, 1), [Buffer.from('c1').toString('base64')]);
    expect(await pools.claim(frostKey, [1, 2], { message: '00' })).toBeUndefined();
    expect(await sessions.poolSize(noncePool('kf', 1, 1))).toBe(1);
    await sessions.pushPool(noncePool('kf', 1, 2), [Buffer.from('c2').toString('base64')]);
    expect(await pools.claim(frostKey, [1, 2], { message: '00' })).toEqual({ commitments: [Buffer.from('c1').toString('hex'), Buffer.from('c2').toString('hex')] });
    expect(await pools.claim(frostKey, [1, 2], { message: '00' })).toBeUndefined();
  });

  it('ECDSA: fills the set signing would pick, never serves a raw digest, drops a retired version', async () => {
    const sessions = new MemorySessionStore();
    const { calls, dispatcher, hub } = scriptedNodes([2, 3]);
    const pools = new Pools(keyStore([ecdsaKey]), sessions, hub, dispatcher, options);
    // One pass: batch after batch until the pool is full, without waiting for the next pass.
    await pools.tick();
    await settle(sessions, [presignPool('ke', 1, [2, 3])], 4);
    expect(await sessions.poolSize(presignPool('ke', 1, [2, 3]))).toBe(4);
    expect(calls).toHaveLength(2);
    expect(calls.every((c) => c.body.kind === 'presign' && c.body.count === 2 && c.nodes.join() === '2,3')).toBe(true);
    expect(await pools.claim(ecdsaKey, [2, 3], { digest: '00'.repeat(32) })).toBeUndefined();
    expect(await pools.claim(ecdsaKey, [2, 3], { message: '00' })).toEqual({ presignature: '00000001' });
    await pools.dropVersion(ecdsaKey, 1);
    expect(await sessions.poolSize(presignPool('ke', 1, [2, 3]))).toBe(0);
  });

  it('ECDSA: makes presignatures above the low-water mark only in idle time, at once below it', async () => {
    const sessions = new MemorySessionStore();
    const { calls, dispatcher, hub } = scriptedNodes([1, 2, 3]);
    const pools = new Pools(keyStore([ecdsaKey]), sessions, hub, dispatcher, { ...options, presignDepth: 8 });
    const pool = presignPool('ke', 1, [1, 2]);
    await sessions.pushPool(pool, ['00000a01', '00000a02', '00000a03', '00000a04', '00000a05', '00000a06']);
    // Two missing, above the mark (2 of 8): while a signature is in flight, nothing is made.
    const ended = pools.signingStarted();
    await pools.tick();
    await new Promise((r) => setTimeout(r, 80));
    expect(calls).toHaveLength(0);
    // Ended, but not yet idle for idleMs: still nothing; then idle: one batch.
    ended();
    await pools.tick();
    await new Promise((r) => setTimeout(r, 30));
    expect(calls).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 60));
    await pools.tick();
    await settle(sessions, [pool], 8);
    expect(calls).toHaveLength(1);
    expect(await pools.levels(ecdsaKey)).toEqual({ presignatures: [{ signers: [1, 2], size: 8, depth: 8 }] });
    // Drained to the mark while busy: refilled at once.
    for (let i = 0; i < 6; i++) await pools.claim(ecdsaKey, [1, 2], { message: '00' });
    const busy = pools.signingStarted();
    await pools.tick();
    await settle(sessions, [pool], 4);
    expect(calls).toHaveLength(2);
    busy();
  });

  it('FROST: nonces refill under load too (signatures in flight do not hold them back)', async () => {
    const sessions = new MemorySessionStore();
    const { calls, dispatcher, hub } = scriptedNodes([1, 2, 3]);
    const pools = new Pools(keyStore([frostKey]), sessions, hub, dispatcher, options);
    const inFlight = Array.from({ length: 20 }, () => pools.signingStarted());
    await pools.tick();
    await settle(sessions, [1, 2, 3].map((n) => noncePool('kf', 1, n)), 8);
    expect(calls.map((c) => c.nodes.join()).sort()).toEqual(['1', '2', '3']);
    for (const ended of inFlight) ended();
  });

  it('reports FROST pool levels per committee member', async () => {
    const sessions = new MemorySessionStore();
    const { dispatcher, hub } = scriptedNodes([1, 2, 3]);
    const pools = new Pools(keyStore([frostKey]), sessions, hub, dispatcher, options);
    await sessions.pushPool(noncePool('kf', 1, 2), ['YQ==', 'Yg==']);
    expect(await pools.levels(frostKey)).toEqual({ nonces: [{ node: 1, size: 0, depth: 8 }, { node: 2, size: 2, depth: 8 }, { node: 3, size: 0, depth: 8 }] });
  });

  it('the sweep visits one page of keys per tick, then starts over', async () => {
    const many = Array.from({ length: 2 * KEY_PAGE + 1 }, (_, i): KeyRecord => ({ ...frostKey, id: `k${String(i).padStart(5, '0')}`, status: 'failed' }));
    const pages: (string | undefined)[] = [];
    const store: KeyStore = {
      ...keyStore(many),
      list: async (opts = {}) => {
        pages.push(opts.after);
        const from = opts.after === undefined ? 0 : many.findIndex((k) => k.id === opts.after) + 1;
        return many.slice(from, from + (opts.limit ?? 100));
      },
    };
    const { dispatcher, hub } = scriptedNodes([1, 2, 3]);
    const pools = new Pools(store, new MemorySessionStore(), hub, dispatcher, options);
    for (let i = 0; i < 4; i++) await pools.tick();
    expect(pages).toEqual([undefined, many[KEY_PAGE - 1]!.id, many[2 * KEY_PAGE - 1]!.id, undefined]);
  });

  it('a key made ready (new, or refreshed) fills at once, without waiting for the sweep', async () => {
    const sessions = new MemorySessionStore();
    const { calls, dispatcher, hub } = scriptedNodes([1, 2, 3]);
    const pools = new Pools(keyStore([frostKey]), sessions, hub, dispatcher, { ...options, intervalMs: 60_000 });
    pools.keyReady(frostKey);
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toHaveLength(0);
    pools.start();
    pools.keyReady({ ...frostKey, status: 'pending' });
    pools.keyReady(frostKey);
    await settle(sessions, [1, 2, 3].map((n) => noncePool('kf', 1, n)), 8);
    expect(calls.map((c) => c.nodes.join()).sort()).toEqual(['1', '2', '3']);
    pools.stop();
  });

  it("with a store that starts empty, a node's pools fill only after it dropped its earlier items, once per node", async () => {
    const sessions = new MemorySessionStore();
    const { calls, dispatcher, hub } = scriptedNodes([1, 2, 3]);
    const pools = new Pools(keyStore([frostKey, ecdsaKey]), sessions, hub, dispatcher, { ...options, forgetEarlierItems: true });
    await pools.tick();
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toHaveLength(0);
    await Promise.all([pools.nodeHello(1), pools.nodeHello(1), pools.nodeHello(2)]);
    expect(calls.map((c) => `${c.body.kind} ${c.nodes.join()}`)).toEqual(['drop-items 1', 'drop-items 2']);
    await pools.tick();
    await settle(sessions, [noncePool('kf', 1, 1), noncePool('kf', 1, 2), presignPool('ke', 1, [1, 2])], 4);
    // Node 3 said no hello: its nonces wait; the ECDSA set {1, 2} fills.
    expect(await sessions.poolSize(noncePool('kf', 1, 3))).toBe(0);
    expect(await sessions.poolSize(presignPool('ke', 1, [1, 2]))).toBeGreaterThan(0);
    // A later hello (a reconnect) drops nothing again.
    await pools.nodeHello(1);
    expect(calls.filter((c) => c.body.kind === 'drop-items')).toHaveLength(2);
  });

  it('a claim tops its key up at once, without waiting for the sweep', async () => {
    const sessions = new MemorySessionStore();
    const { calls, dispatcher, hub } = scriptedNodes([1, 2, 3]);
    const pools = new Pools(keyStore([frostKey]), sessions, hub, dispatcher, { ...options, intervalMs: 60_000 });
    for (const n of [1, 2]) await sessions.pushPool(noncePool('kf', 1, n), ['YQ==', 'Yg==', 'Yw==', 'ZA==', 'ZQ==', 'Zg==', 'Zw==']);
    // Not started: a claim takes, and nothing is made.
    expect(await pools.claim(frostKey, [1, 2], { message: '00' })).toBeDefined();
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toHaveLength(0);
    // Started (its first sweep a minute away): the next claim leaves two missing, and both pools refill.
    pools.start();
    expect(await pools.claim(frostKey, [1, 2], { message: '00' })).toBeDefined();
    await settle(sessions, [noncePool('kf', 1, 1), noncePool('kf', 1, 2)], 8);
    expect(calls.map((c) => c.nodes.join()).sort()).toEqual(['1', '2', '3']);
    pools.stop();
  });
});
