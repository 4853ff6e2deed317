import { describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, NODE_MIGRATIONS, openNodeStore, sqlNodeStore, StoreError, type NodeStore, type StoredRecord } from '../../../src/index.js';
import { describeSql } from './backends.js';

const bytes = (...b: number[]) => Uint8Array.from(b);
const share = (owner: string, version: string, b: number): StoredRecord => ({ kind: 'key-share', owner, version, sealed: bytes(b, b, b) });

describeSql('node store', (backend, kind) => {
  async function store(): Promise<NodeStore> {
    const client = await backend().client();
    await migrate(client, 'node', NODE_MIGRATIONS);
    return sqlNodeStore(client);
  }

  it('records: put, get, replace in place, list in insertion order, owners, delete', async () => {
    const { records } = await store();
    await records.put(share('key-b', '2', 2));
    await records.put(share('key-b', '1', 1));
    await records.put(share('key-a', '1', 9));
    await records.put({ kind: 'aux-info', owner: 'key-c', version: '1', sealed: bytes(7) });
    const got = await records.get('key-share', 'key-b', '2');
    expect(got).toEqual(share('key-b', '2', 2));
    expect(got!.sealed.constructor).toBe(Uint8Array);
    await records.put({ ...share('key-b', '2', 0), sealed: bytes(5, 5) });
    expect((await records.list('key-share', 'key-b')).map((r) => [r.version, [...r.sealed]])).toEqual([
      ['2', [5, 5]],
      ['1', [1, 1, 1]],
    ]);
    expect(await records.owners('key-share')).toEqual(['key-a', 'key-b']);
    await records.delete('key-share', 'key-b', '2');
    expect(await records.get('key-share', 'key-b', '2')).toBeUndefined();
    expect(await records.get('aux-info', 'key-b', '1')).toBeUndefined();
    expect((await records.list('key-share', 'key-b')).map((r) => r.version)).toEqual(['1']);
  });

  it('malformed input is a StoreError before any SQL', async () => {
    const { records, consumables, sessions, signatures } = await store();
    await expect(records.put({ ...share('k', '1', 1), kind: 'bogus' as never })).rejects.toThrow(StoreError);
    await expect(records.put({ ...share('k', '1', 1), owner: '' })).rejects.toThrow(/record owner/);
    await expect(records.put({ ...share('k', '1', 1), sealed: 'abc' as never })).rejects.toThrow(/Uint8Array/);
    await expect(records.get('key-share', 'k', 'x'.repeat(300))).rejects.toThrow(/record version/);
    await expect(consumables.take('nonce' as never, 'k', '1')).rejects.toThrow(/record kind/);
    await expect(sessions.claim('frost', new Uint8Array(0))).rejects.toThrow(/session id/);
    await expect(sessions.claim('frost', new Uint8Array(65))).rejects.toThrow(/session id/);
    const entry = { requestId: 'r', keyId: 'k', scheme: 's', digest: 'ab', signature: 'cd', at: new Date() };
    await expect(signatures.append({ ...entry, digest: 'xyz' })).rejects.toThrow(/digest/);
    await expect(signatures.append({ ...entry, at: new Date(Number.NaN) })).rejects.toThrow(/Date/);
    expect(await signatures.list()).toEqual([]);
  });

  it('consumables: add once, take once, count and clear', async () => {
    const { consumables } = await store();
    await consumables.add(['a', 'b'].map((v) => ({ kind: 'presignature', owner: 'key', version: v, sealed: bytes(1) })));
    await consumables.add([{ kind: 'presignature', owner: 'key', version: 'c', sealed: bytes(1) }]);
    await expect(consumables.add([{ kind: 'presignature', owner: 'key', version: 'a', sealed: bytes(2) }])).rejects.toThrow(/1 of 1 presignature items already exist/);
    // A batch with one item present is refused too (its new item stays; nothing of it is published).
    await expect(consumables.add(['d', 'b'].map((v) => ({ kind: 'presignature', owner: 'key', version: v, sealed: bytes(2) })))).rejects.toThrow(/1 of 2/);
    await expect(consumables.add([])).rejects.toThrow(/1 to 1000 records/);
    expect(await consumables.take('presignature', 'key', 'd')).toEqual({ kind: 'presignature', owner: 'key', version: 'd', sealed: bytes(2) });
    expect(await consumables.count('presignature', 'key')).toBe(3);
    expect(await consumables.take('presignature', 'key', 'a')).toEqual({ kind: 'presignature', owner: 'key', version: 'a', sealed: bytes(1) });
    expect(await consumables.take('presignature', 'key', 'a')).toBeUndefined();
    expect(await consumables.count('presignature', 'key')).toBe(2);
    expect(await consumables.count('nonces', 'key')).toBe(0);
    expect(await consumables.clear('presignature', 'key')).toBe(2);
    expect(await consumables.count('presignature', 'key')).toBe(0);
    await consumables.add(['x', 'y'].map((v, i) => ({ kind: 'nonces', owner: `key${i}`, version: v, sealed: bytes(1) })));
    await consumables.add([{ kind: 'presignature', owner: 'key0', version: 'z', sealed: bytes(1) }]);
    expect(await consumables.clearKind('nonces')).toBe(2);
    expect([await consumables.count('nonces', 'key0'), await consumables.count('nonces', 'key1'), await consumables.count('presignature', 'key0')]).toEqual([0, 0, 1]);
  });

  it('50 concurrent takes of one item: exactly one gets it', async () => {
    const { consumables } = await store();
    await consumables.add([{ kind: 'nonces', owner: 'key', version: 'n1', sealed: bytes(3) }]);
    const taken = await Promise.all(Array.from({ length: 50 }, () => consumables.take('nonces', 'key', 'n1')));
    expect(taken.filter((t) => t !== undefined)).toHaveLength(1);
  });

  it('concurrent takes of many items, some asked for twice, go as few statements: each item to exactly one taker, a missing one to none', async () => {
    const { consumables } = await store();
    const ids = Array.from({ length: 40 }, (_, i) => `n${i}`);
    await consumables.add(ids.map((v, i) => ({ kind: 'nonces', owner: 'key/1', version: v, sealed: bytes(i) })));
    const asked = [...ids, ...ids.slice(0, 10), 'never-added', ...ids.slice(30)];
    const taken = await Promise.all(asked.map((v) => consumables.take('nonces', 'key/1', v)));
    const got = taken.filter((t) => t !== undefined);
    expect(got.map((t) => t!.version).sort()).toEqual([...ids].sort());
    // Each taker got its own item's bytes, never another's.
    taken.forEach((t, i) => t && expect(t).toEqual({ kind: 'nonces', owner: 'key/1', version: asked[i], sealed: bytes(ids.indexOf(asked[i]!)) }));
    expect(taken.slice(0, 40).every((t) => t !== undefined)).toBe(true);
    expect(await consumables.count('nonces', 'key/1')).toBe(0);
  });

  it('concurrent claims of distinct sessions all win; a session claimed twice among them wins once; a bad id fails alone', async () => {
    const { sessions } = await store();
    const claims = Array.from({ length: 30 }, (_, i) => sessions.claim('frost-sign', bytes(i, 1)));
    const again = sessions.claim('frost-sign', bytes(5, 1));
    const bad = expect(sessions.claim('frost-sign', new Uint8Array(0))).rejects.toThrow(StoreError);
    expect(await Promise.all(claims)).toEqual(Array.from({ length: 30 }, () => true));
    expect(await again).toBe(false);
    await bad;
    expect(await sessions.claim('frost-sign', bytes(29, 1))).toBe(false);
  });

  it('used sessions: the first claim wins, per protocol', async () => {
    const { sessions } = await store();
    expect(await sessions.claim('frost-sign', bytes(1, 2))).toBe(true);
    expect(await sessions.claim('frost-sign', bytes(1, 2))).toBe(false);
    expect(await sessions.claim('frost-sign', bytes(1, 3))).toBe(true);
    expect(await sessions.claim('cggmp-presign', bytes(1, 2))).toBe(true);
  });

  it('50 concurrent claims of one session: exactly one is true', async () => {
    const { sessions } = await store();
    const claims = await Promise.all(Array.from({ length: 50 }, () => sessions.claim('dkg', bytes(9, 9, 9))));
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it('the signature log appends and lists; it offers no way to change an entry, and SQL refuses one', async () => {
    const { signatures } = await store();
    const at = new Date('2026-01-02T03:04:05.678Z');
    await signatures.append({ requestId: 'r1', keyId: 'k1', scheme: 'eddsa-ed25519', digest: 'aa', signature: 'bb', at });
    await signatures.append({ requestId: 'r2', keyId: 'k2', scheme: 'ecdsa-secp256k1', digest: 'cc', signature: 'dd', at });
    await signatures.append({ requestId: 'r3', keyId: 'k1', scheme: 'eddsa-ed25519', digest: 'ee', signature: 'ff', at });
    expect((await signatures.list()).map((e) => e.requestId)).toEqual(['r1', 'r2', 'r3']);
    expect(await signatures.list('k1')).toEqual([
      { requestId: 'r1', keyId: 'k1', scheme: 'eddsa-ed25519', digest: 'aa', signature: 'bb', at },
      { requestId: 'r3', keyId: 'k1', scheme: 'eddsa-ed25519', digest: 'ee', signature: 'ff', at },
    ]);
    expect(Object.keys(signatures).sort()).toEqual(['append', 'list']);
    const raw = await backend().client();
    await expect(raw.query(`UPDATE signature_log SET signature = '00' WHERE request_id = 'r1'`)).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(raw.query(`DELETE FROM signature_log`)).rejects.toThrow(/append-only: DELETE refused/);
    await expect(raw.query(`TRUNCATE signature_log`)).rejects.toThrow(/append-only: TRUNCATE refused/);
    expect((await signatures.list()).map((e) => e.signature)).toEqual(['bb', 'dd', 'ff']);
  });

  it('concurrent appends are all logged, in the order they were made', async () => {
    const { signatures } = await store();
    const at = new Date('2026-01-02T03:04:05.678Z');
    await Promise.all(Array.from({ length: 25 }, (_, i) => signatures.append({ requestId: `r${i}`, keyId: 'k', scheme: 'eddsa-ed25519', digest: 'aa', signature: 'bb', at })));
    expect((await signatures.list('k')).map((e) => e.requestId)).toEqual(Array.from({ length: 25 }, (_, i) => `r${i}`));
  });

  it('migrations: two at once both succeed and each migration is recorded once; a rerun applies nothing', async () => {
    const b = backend();
    // On PostgreSQL two pools (two processes' worth of connections); PGlite has one session.
    const [one, two] = [await b.client({ separatePool: true }), await b.client({ separatePool: true })];
    const ran = await Promise.all([migrate(one, 'node', NODE_MIGRATIONS), migrate(two, 'node', NODE_MIGRATIONS)]);
    expect(ran.map((r) => r.length).sort()).toEqual([0, NODE_MIGRATIONS.length]);
    const recorded = await one.query<{ component: string; version: number }>('SELECT component, version FROM schema_migrations ORDER BY version');
    expect(recorded).toEqual(NODE_MIGRATIONS.map((m) => ({ component: 'node', version: m.version })));
    expect(await migrate(two, 'node', NODE_MIGRATIONS)).toEqual([]);
    expect(await one.query('SELECT current_schema() AS schema')).toEqual([{ schema: b.schema }]);
  });

  it('migrations: a schema newer than the program, or a list out of order, is refused', async () => {
    const client = await backend().client();
    await migrate(client, 'node', NODE_MIGRATIONS);
    await client.query(`INSERT INTO schema_migrations (component, version, name) VALUES ('node', $1, 'from the future')`, [NODE_MIGRATIONS.length + 1]);
    await expect(migrate(client, 'node', NODE_MIGRATIONS)).rejects.toThrow(/newer than this program/);
    await expect(migrate(client, 'metadata', [{ version: 2, name: 'x', statements: [] }])).rejects.toThrow(/expected 1/);
  });

  // PGlite's own-instance path is the data-folder test below.
  it.runIf(kind === 'postgres')('openNodeStore opens, migrates and closes its own client', async () => {
    const b = backend();
    const s = await openNodeStore({ url: b.url!, schema: b.schema });
    await s.records.put(share('k', '1', 1));
    await s.close();
    const again = await openNodeStore({ url: b.url!, schema: b.schema });
    expect(await again.records.get('key-share', 'k', '1')).toEqual(share('k', '1', 1));
    await again.close();
  });
});

describe('node store on a PGlite data folder', () => {
  it('survives a close and reopen; a bad schema name is refused', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'mpc-pglite-'));
    try {
      const s = await openNodeStore({ dataDir, schema: 'node_1' });
      await s.records.put(share('k', '1', 4));
      expect(await s.sessions.claim('dkg', bytes(1))).toBe(true);
      await s.close();
      const again = await openNodeStore({ dataDir, schema: 'node_1' });
      expect(await again.records.get('key-share', 'k', '1')).toEqual(share('k', '1', 4));
      expect(await again.sessions.claim('dkg', bytes(1))).toBe(false);
      await again.close();
      await expect(openNodeStore({ dataDir, schema: 'x; DROP TABLE records' })).rejects.toThrow(/lower-case identifier/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
