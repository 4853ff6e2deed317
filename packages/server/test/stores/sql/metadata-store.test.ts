import { expect, it } from 'vitest';
import { METADATA_MIGRATIONS, migrate, openMetadataStore, sqlMetadataStore, StoreError, type KeyRecord, type MetadataStore, type SignatureRecord } from '../../../src/index.js';
import { describeSql } from './backends.js';

const t0 = new Date('2026-03-01T10:00:00.000Z');

function key(id: string, over: Partial<KeyRecord> = {}): KeyRecord {
  return {
    id,
    scheme: 'eddsa-ed25519',
    threshold: 2,
    parties: [1, 2, 3],
    publicKey: null,
    status: 'pending',
    label: 'treasury',
    version: 0,
    failure: null,
    certificate: null,
    refreshSession: null,
    publicPackage: null,
    chainCode: null,
    createdAt: t0,
    updatedAt: t0,
    ...over,
  };
}

function request(id: string, keyId: string, idempotencyKey: string | null, over: Partial<SignatureRecord> = {}): SignatureRecord {
  return { id, keyId, idempotencyKey, requestHash: 'h1', status: 'pending', result: null, createdAt: t0, updatedAt: t0, ...over };
}

describeSql('metadata store', (backend, kind) => {
  async function store(): Promise<MetadataStore> {
    const client = await backend().client();
    await migrate(client, 'metadata', METADATA_MIGRATIONS);
    return sqlMetadataStore(client);
  }

  it('keys: insert, get, list by pages of ids', async () => {
    const { keys } = await store();
    for (const id of ['k3', 'k1', 'k2']) await keys.insert(key(id));
    expect(await keys.get('k1')).toEqual(key('k1'));
    expect(await keys.get('nope')).toBeUndefined();
    expect((await keys.list()).map((k) => k.id)).toEqual(['k1', 'k2', 'k3']);
    expect((await keys.list({ limit: 2 })).map((k) => k.id)).toEqual(['k1', 'k2']);
    expect((await keys.list({ limit: 2, after: 'k2' })).map((k) => k.id)).toEqual(['k3']);
    await expect(keys.insert(key('k1', { label: 'other' }))).rejects.toThrow(/k1 already exists/);
    expect((await keys.get('k1'))!.label).toBe('treasury');
    await expect(keys.list({ limit: 0 })).rejects.toThrow(StoreError);
  });

  it('keys: malformed records are refused', async () => {
    const { keys } = await store();
    await expect(keys.insert(key('a', { scheme: 'rsa' as never }))).rejects.toThrow(/scheme/);
    await expect(keys.insert(key('a', { threshold: 4 }))).rejects.toThrow(/parties/);
    await expect(keys.insert(key('a', { parties: [1, 3, 2] }))).rejects.toThrow(/ascending/);
    await expect(keys.insert(key('a', { parties: [0, 1] }))).rejects.toThrow(/party id/);
    await expect(keys.insert(key('a', { status: 'done' as never }))).rejects.toThrow(/status/);
    await expect(keys.insert(key('a', { createdAt: 'yesterday' as never }))).rejects.toThrow(/createdAt/);
    expect(await keys.list()).toEqual([]);
  });

  it('keys: update is compare-and-set on status and version', async () => {
    const { keys } = await store();
    await keys.insert(key('k'));
    expect(await keys.update('k', { status: 'pending', version: 1 }, { status: 'active' })).toBe(false);
    expect(await keys.update('k', { status: 'active', version: 0 }, { status: 'active' })).toBe(false);
    expect(await keys.update('k', { status: 'pending', version: 0 }, { status: 'active', publicKey: 'ab'.repeat(32), version: 1 })).toBe(true);
    const k = (await keys.get('k'))!;
    expect([k.status, k.publicKey, k.version, k.label]).toEqual(['active', 'ab'.repeat(32), 1, 'treasury']);
    expect(k.updatedAt.getTime()).toBeGreaterThan(t0.getTime());
    expect(await keys.update('k', { status: 'pending', version: 0 }, { status: 'failed' })).toBe(false);
    expect(await keys.update('missing', { status: 'pending', version: 0 }, { status: 'failed' })).toBe(false);
    await expect(keys.update('k', { status: 'active', version: 1 }, { label: 'x' } as never)).rejects.toThrow(/cannot be updated/);
    await expect(keys.update('k', { status: 'active', version: 1 }, { status: 'gone' as never })).rejects.toThrow(/status/);
  });

  it('keys: a refresh session is recorded, listed among the refreshing keys, and cleared', async () => {
    const { keys } = await store();
    for (const id of ['a', 'b', 'c']) await keys.insert(key(id, { status: 'active', version: 1 }));
    const session = 'ab'.repeat(32);
    expect(await keys.update('b', { status: 'active', version: 1 }, { refreshSession: session })).toBe(true);
    expect(await keys.refreshing()).toEqual([expect.objectContaining({ id: 'b', version: 1, refreshSession: session })]);
    expect(await keys.update('b', { status: 'active', version: 1 }, { version: 2, certificate: 'cd', refreshSession: null })).toBe(true);
    expect(await keys.refreshing()).toEqual([]);
    expect((await keys.get('b'))!).toMatchObject({ version: 2, certificate: 'cd', refreshSession: null });
    await expect(keys.update('b', { status: 'active', version: 2 }, { refreshSession: 'AB'.repeat(32) })).rejects.toThrow(/refresh session/);
    await expect(keys.insert(key('d', { refreshSession: 'xyz' }))).rejects.toThrow(/refresh session/);
  });

  it('keys: a public package is stored with its key, replaced and cleared; a malformed one is refused', async () => {
    const { keys } = await store();
    const pkg = { groupKey: 'ab'.repeat(32), verifyingShares: ['01'.repeat(32), '02'.repeat(32), '03'.repeat(32)] };
    await keys.insert(key('p', { status: 'active', version: 1, publicPackage: pkg }));
    expect((await keys.get('p'))!.publicPackage).toEqual(pkg);
    const next = { ...pkg, verifyingShares: ['04'.repeat(32), '05'.repeat(32), '06'.repeat(32)] };
    expect(await keys.update('p', { status: 'active', version: 1 }, { version: 2, publicPackage: next })).toBe(true);
    expect((await keys.get('p'))!.publicPackage).toEqual(next);
    expect(await keys.update('p', { status: 'active', version: 2 }, { version: 3, publicPackage: null })).toBe(true);
    expect((await keys.get('p'))!.publicPackage).toBeNull();
    for (const bad of [{ groupKey: 'xyz', verifyingShares: [] }, { groupKey: 'ab'.repeat(32), verifyingShares: ['01'] }, { groupKey: 'ab'.repeat(32) }, 'ab']) {
      await expect(keys.update('p', { status: 'active', version: 3 }, { publicPackage: bad as never })).rejects.toThrow(/public package/);
    }
  });

  it('keys: a chain code is stored with its key and set once known; a malformed one is refused', async () => {
    const { keys } = await store();
    await keys.insert(key('c', { status: 'active', version: 1, chainCode: 'cd'.repeat(32) }));
    expect((await keys.get('c'))!.chainCode).toBe('cd'.repeat(32));
    await keys.insert(key('d', { status: 'active', version: 1 }));
    expect(await keys.update('d', { status: 'active', version: 1 }, { chainCode: 'ef'.repeat(32) })).toBe(true);
    expect((await keys.get('d'))!.chainCode).toBe('ef'.repeat(32));
    for (const bad of ['ab', 'AB'.repeat(32), 'zz'.repeat(32), 7]) {
      await expect(keys.update('d', { status: 'active', version: 1 }, { chainCode: bad as never })).rejects.toThrow(/chain code/);
    }
  });

  it('keys: of 20 concurrent updates from one expected state, exactly one wins', async () => {
    const { keys } = await store();
    await keys.insert(key('k', { status: 'active', version: 3 }));
    const won = await Promise.all(Array.from({ length: 20 }, () => keys.update('k', { status: 'active', version: 3 }, { version: 4 })));
    expect(won.filter(Boolean)).toHaveLength(1);
    expect((await keys.get('k'))!.version).toBe(4);
  });

  it('nodes: upsert, touch, list', async () => {
    const { nodes } = await store();
    const node = { id: 2, name: 'node-2', noisePublicKey: 'aa', identityPublicKey: 'bb', lastSeen: null };
    await nodes.upsert(node);
    await nodes.upsert({ id: 1, name: 'node-1', noisePublicKey: 'cc', identityPublicKey: 'dd', lastSeen: t0 });
    await nodes.upsert({ ...node, name: 'node-two' });
    const seen = new Date('2026-03-02T00:00:00.000Z');
    await nodes.touch(2, seen);
    expect(await nodes.list()).toEqual([
      { id: 1, name: 'node-1', noisePublicKey: 'cc', identityPublicKey: 'dd', lastSeen: t0 },
      { ...node, name: 'node-two', lastSeen: seen },
    ]);
    await expect(nodes.touch(9, seen)).rejects.toThrow(/not registered/);
    await expect(nodes.upsert({ ...node, id: 0 })).rejects.toThrow(/node id/);
  });

  it('signatures: an idempotency key is unique per key; the second create returns the first record', async () => {
    const { keys, signatures } = await store();
    await keys.insert(key('k1'));
    await keys.insert(key('k2'));
    expect(await signatures.create(request('s1', 'k1', 'idem'))).toEqual({ created: true });
    expect(await signatures.create(request('s2', 'k1', 'idem', { requestHash: 'h2' }))).toEqual({ created: false, existing: request('s1', 'k1', 'idem') });
    expect(await signatures.create(request('s3', 'k2', 'idem'))).toEqual({ created: true });
    expect(await signatures.create(request('s4', 'k1', null))).toEqual({ created: true });
    expect(await signatures.create(request('s5', 'k1', null))).toEqual({ created: true });
    expect(await signatures.get('s2')).toBeUndefined();
    await expect(signatures.create(request('s6', 'unknown-key', 'x'))).rejects.toThrow(/foreign key/);
  });

  it('signatures: listed newest first, by key and status, in pages that neither skip nor repeat (ties in time broken by id)', async () => {
    const { keys, signatures } = await store();
    await keys.insert(key('k1'));
    await keys.insert(key('k2'));
    const t = (i: number) => new Date(Date.UTC(2026, 11, 3, 10, 0, Math.floor(i / 2)));
    for (let i = 0; i < 9; i++) {
      await signatures.create(request(`s${i}`, i % 3 === 0 ? 'k2' : 'k1', null, { createdAt: t(i), updatedAt: t(i), status: i % 2 ? 'completed' : 'pending' }));
    }
    const all = (await signatures.list()).map((r) => r.id);
    expect(all).toEqual(['s8', 's7', 's6', 's5', 's4', 's3', 's2', 's1', 's0']);
    const paged: string[] = [];
    let before: { createdAt: Date; id: string } | undefined;
    for (;;) {
      const page = await signatures.list({ limit: 2, ...(before ? { before } : {}) });
      paged.push(...page.map((r) => r.id));
      if (page.length < 2) break;
      before = { createdAt: page.at(-1)!.createdAt, id: page.at(-1)!.id };
    }
    expect(paged).toEqual(all);
    expect((await signatures.list({ keyId: 'k2' })).map((r) => r.id)).toEqual(['s6', 's3', 's0']);
    expect((await signatures.list({ keyId: 'k1', status: 'completed' })).map((r) => r.id)).toEqual(['s7', 's5', 's1']);
    await expect(signatures.list({ status: 'done' as never })).rejects.toThrow(StoreError);
    await expect(signatures.list({ limit: 0 })).rejects.toThrow(StoreError);
    await expect(signatures.list({ keyId: '' })).rejects.toThrow(StoreError);
  });

  it('signatures: 50 concurrent creates with one idempotency key: one created, the others see it', async () => {
    const { keys, signatures } = await store();
    await keys.insert(key('k'));
    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => signatures.create(request(`s${i}`, 'k', 'same'))));
    const created = outcomes.filter((o) => o.created);
    expect(created).toHaveLength(1);
    const winner = outcomes.indexOf(created[0]!);
    for (const o of outcomes) if (!o.created) expect(o.existing.id).toBe(`s${winner}`);
  });

  it('signatures: concurrent creates, finishes and key lookups of many requests each get their own answer', async () => {
    const { keys, signatures } = await store();
    await keys.insert(key('k'));
    await keys.insert(key('k2'));
    const looked = await Promise.all(['k', 'k2', 'none', 'k'].map((id) => keys.get(id)));
    expect(looked.map((k) => k?.id)).toEqual(['k', 'k2', undefined, 'k']);
    const ids = Array.from({ length: 30 }, (_, i) => `c${i}`);
    // Ten of them share one idempotency key (in whatever batches they fall), the others have none.
    const outcomes = await Promise.all(ids.map((id, i) => signatures.create(request(id, 'k', i < 10 ? 'shared' : null))));
    expect(outcomes.filter((o) => o.created)).toHaveLength(21);
    const winner = ids.find((_, i) => outcomes[i]!.created && i < 10)!;
    outcomes.slice(0, 10).forEach((o) => o.created || expect(o.existing.id).toBe(winner));
    const pending = ids.filter((_, i) => outcomes[i]!.created);
    // Every pending request finished at once, one of them twice: the second of those fails alone.
    const finishes = [...pending, pending[3]!].map((id, i) => signatures.finish(id, i % 2 ? 'failed' : 'completed', { n: i }).then(() => 'ok', (e: Error) => e.message));
    const results = await Promise.all(finishes);
    expect(results.slice(0, -1).every((r) => r === 'ok')).toBe(true);
    expect(results.at(-1)).toMatch(/already finished/);
    for (const [i, id] of pending.entries()) {
      const r = (await signatures.get(id))!;
      expect([r.status, r.result]).toEqual([i % 2 ? 'failed' : 'completed', { n: i }]);
    }
  });

  it('signatures: finish stores the result once; a finished request is not overwritten', async () => {
    const { keys, signatures } = await store();
    await keys.insert(key('k'));
    await signatures.create(request('s', 'k', null));
    const result = { signature: 'ab'.repeat(64), recoveryId: 1, nested: [1, 'two', null] };
    await signatures.finish('s', 'completed', result);
    const done = (await signatures.get('s'))!;
    expect([done.status, done.result]).toEqual(['completed', result]);
    await expect(signatures.finish('s', 'failed', { code: 'late' })).rejects.toThrow(/already finished/);
    await expect(signatures.finish('nope', 'failed', null)).rejects.toThrow(/unknown/);
    await expect(signatures.finish('s', 'pending' as never, null)).rejects.toThrow(/final status/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await signatures.create(request('c', 'k', null));
    await expect(signatures.finish('c', 'completed', cyclic)).rejects.toThrow(/JSON-serialisable/);
  });

  it('signatures: a failed request reopens once for its own body; a stale pending one is reclaimed by one of 20 retries, a touched one by none', async () => {
    const { keys, signatures } = await store();
    await keys.insert(key('k'));
    await signatures.create(request('f', 'k', 'a'));
    expect(await signatures.reopen('f', 'h1')).toBe(false); // still pending
    await signatures.finish('f', 'failed', { code: 'NODES_UNAVAILABLE', retriable: true });
    expect(await signatures.reopen('f', 'other body')).toBe(false);
    expect(await Promise.all(Array.from({ length: 5 }, () => signatures.reopen('f', 'h1')))).toEqual([true, false, false, false, false]);
    // a pending record whose instance died (updated long ago), and a fresh one
    await signatures.create(request('stale', 'k', 'b'));
    expect(await signatures.reclaim('stale', 'other body', 1000)).toBe(false);
    const wins = await Promise.all(Array.from({ length: 20 }, () => signatures.reclaim('stale', 'h1', 1000)));
    expect(wins.filter(Boolean)).toHaveLength(1);
    // reclaimed (or touched by its running instance's heartbeat) just now: not stale
    expect(await signatures.reclaim('stale', 'h1', 1000)).toBe(false);
    await signatures.create(request('beating', 'k', 'c'));
    expect(await signatures.touch('beating')).toBe(true);
    expect(await signatures.reclaim('beating', 'h1', 1000)).toBe(false);
    expect(await signatures.reclaim('beating', 'h1', 0)).toBe(true);
    await signatures.finish('stale', 'completed', { signature: 'x' });
    expect(await signatures.touch('stale')).toBe(false);
    expect(await signatures.reclaim('stale', 'h1', 0)).toBe(false);
  });

  // PGlite's own-instance path is the node store's data-folder test.
  it.runIf(kind === 'postgres')('openMetadataStore migrates a fresh schema of a shared database', async () => {
    const b = backend();
    const s = await openMetadataStore({ url: b.url!, schema: b.schema });
    await s.keys.insert(key('k'));
    expect((await s.keys.get('k'))!.parties).toEqual([1, 2, 3]);
    await s.close();
  });
});
