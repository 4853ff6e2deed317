import { expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { bytesToHex, ed25519PublicKey } from '@mpc-wallet/core';
import { AuditLog } from '../../../src/coordinator/audit.js';
import { GENESIS_HASH, METADATA_MIGRATIONS, migrate, sqlMetadataStore, StoreError, type AuditEvent, type SqlClient } from '../../../src/index.js';
import { describeSql } from './backends.js';

const secret = randomBytes(32);
const publicKey = bytesToHex(ed25519PublicKey(secret));
const t0 = new Date('2026-03-01T10:00:00.123Z');

function event(i: number, over: Partial<AuditEvent> = {}): AuditEvent {
  return { at: new Date(t0.getTime() + i), action: 'signature.completed', actor: 'coordinator', subject: `request-${i}`, details: { n: i, signers: [1, 3], note: 'ü ✓ 😀', nested: { b: true, a: null } }, ...over };
}

describeSql('audit store', (backend, kind) => {
  async function opened(client?: SqlClient) {
    const sql = client ?? (await backend().client());
    await migrate(sql, 'metadata', METADATA_MIGRATIONS);
    return { sql, store: sqlMetadataStore(sql).audit };
  }

  /** A log of `count` entries written through AuditLog, checkpointed every `every`. */
  async function written(count: number, every: number) {
    const { sql, store } = await opened();
    const log = new AuditLog(store, secret, publicKey, { checkpointEvery: every, checkpointMs: 60_000 });
    for (let i = 1; i <= count; i++) await log.record({ action: 'signature.completed', actor: 'coordinator', subject: `request-${i}`, details: { n: i } });
    await log.stop();
    return { sql, store, log };
  }

  /** Runs `statements` as a superuser would: with the append-only triggers off. */
  async function tamper(sql: SqlClient, ...statements: string[]) {
    await sql.query('ALTER TABLE audit DISABLE TRIGGER USER');
    for (const s of statements) await sql.query(s);
    await sql.query('ALTER TABLE audit ENABLE TRIGGER USER');
  }

  it('appends batches in order, chained; lists by pages; reads back exactly what was hashed', async () => {
    const { store } = await opened();
    const first = await store.append([event(1), event(2)]);
    const second = await store.append([event(3)]);
    expect([...first, ...second].map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(first[0]!.prevHash).toBe(GENESIS_HASH);
    expect(first[1]!.prevHash).toBe(first[0]!.hash);
    expect(second[0]!.prevHash).toBe(first[1]!.hash);
    expect(await store.list()).toEqual([...first, ...second]);
    expect((await store.list({ after: 1, limit: 1 })).map((e) => e.seq)).toEqual([2]);
    expect(await store.append([])).toEqual([]);
    await expect(store.list({ limit: 1001 })).rejects.toThrow(StoreError);
    for (const bad of [{ action: 'Key Created' }, { actor: '' }, { details: { x: 1.5 } }, { details: [] as never }, { at: new Date(NaN) }]) {
      await expect(store.append([event(4, bad)])).rejects.toThrow(StoreError);
    }
    expect(await store.list()).toHaveLength(3);
  });

  it('lists only the actions asked for, from a seq; knows its head', async () => {
    const { store } = await opened();
    expect(await store.head()).toBe(0);
    await store.append([event(1), event(2, { action: 'auth.failed' }), event(3, { action: 'node.online' }), event(4)]);
    expect(await store.head()).toBe(4);
    expect((await store.list({ actions: ['signature.completed', 'node.online'] })).map((e) => e.seq)).toEqual([1, 3, 4]);
    expect((await store.list({ after: 1, limit: 1, actions: ['signature.completed', 'node.online'] })).map((e) => e.seq)).toEqual([3]);
    expect(await store.list({ actions: ['key.created'] })).toEqual([]);
    await expect(store.list({ actions: ['Not An Action'] })).rejects.toThrow(StoreError);
  });

  it('refuses UPDATE, DELETE and TRUNCATE on entries and checkpoints', async () => {
    const { sql } = await written(3, 2);
    for (const statement of ["UPDATE audit SET actor = 'x'", 'DELETE FROM audit', 'TRUNCATE audit', "UPDATE audit_checkpoints SET hash = 'x'", 'DELETE FROM audit_checkpoints', 'TRUNCATE audit_checkpoints']) {
      await expect(sql.query(statement)).rejects.toThrow(/append-only/);
    }
  });

  it('checkpoints are stored once per seq and verify; seqs order as numbers', async () => {
    const { store, log } = await written(12, 5);
    expect((await store.list({ after: 8, limit: 3 })).map((e) => e.seq)).toEqual([9, 10, 11]);
    expect((await store.checkpoints()).map((c) => c.seq)).toEqual([5, 10, 12]);
    const again = (await store.checkpoints())[0]!;
    await store.addCheckpoint({ ...again, signature: 'ab'.repeat(64) });
    expect((await store.checkpoints())[0]).toEqual(again);
    expect(await log.verify()).toEqual({ ok: true, entries: 12, checkpoints: 3 });
  });

  it.runIf(kind === 'postgres')('instances appending at once (separate pools) keep one gapless order', async () => {
    const { store: a } = await opened();
    const { store: b } = await opened(await backend().client({ separatePool: true }));
    await Promise.all([a, b].flatMap((s, k) => Array.from({ length: 10 }, (_, i) => s.append([event(k * 100 + i), event(k * 100 + i + 50)]))));
    const log = new AuditLog(a, secret, publicKey);
    expect(await log.verify()).toEqual({ ok: true, entries: 40, checkpoints: 0 });
  });

  // Direct SQL with the triggers disabled: detection does not rely on them.
  it('detects an edited row and names it', async () => {
    const { sql, log } = await written(8, 100);
    await tamper(sql, `UPDATE audit SET details = jsonb_set(details, '{n}', '99') WHERE seq = 3`);
    expect(await log.verify()).toMatchObject({ ok: false, entries: 2, firstBroken: { seq: 3, reason: expect.stringMatching(/edited/) } });
  });

  it('detects a deleted row and names it', async () => {
    const { sql, log } = await written(8, 100);
    await tamper(sql, 'DELETE FROM audit WHERE seq = 4');
    expect(await log.verify()).toMatchObject({ ok: false, firstBroken: { seq: 4, reason: expect.stringMatching(/missing/) } });
  });

  it('detects reordered rows and names the first', async () => {
    const { sql, log } = await written(8, 100);
    await tamper(sql, 'UPDATE audit SET seq = 1000 WHERE seq = 5', 'UPDATE audit SET seq = 5 WHERE seq = 6', 'UPDATE audit SET seq = 6 WHERE seq = 1000');
    expect(await log.verify()).toMatchObject({ ok: false, firstBroken: { seq: 5, reason: expect.stringMatching(/prev_hash/) } });
  });

  it('detects a cut-off tail through the last checkpoint', async () => {
    const { sql, log } = await written(8, 100);
    await tamper(sql, 'DELETE FROM audit WHERE seq > 6');
    expect(await log.verify()).toMatchObject({ ok: false, firstBroken: { seq: 7, reason: expect.stringMatching(/cut short/) } });
  });
});
