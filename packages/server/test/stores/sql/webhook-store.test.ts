import { expect, it } from 'vitest';
import { METADATA_MIGRATIONS, migrate, sqlMetadataStore, StoreError, type DeliveryRecord, type WebhookRecord } from '../../../src/index.js';
import { describeSql } from './backends.js';

const T0 = new Date('2026-12-03T10:00:00.000Z');
const later = (ms: number) => new Date(T0.getTime() + ms);

const webhook = (over: Partial<WebhookRecord> = {}): WebhookRecord => ({
  id: 'hook-1',
  url: 'https://receiver.example/hooks',
  types: ['signature.completed'],
  description: null,
  createdBy: 'api-key:0123456789ab',
  createdAt: T0,
  deletedAt: null,
  cursor: 10,
  ...over,
});

const delivery = (over: Partial<DeliveryRecord> = {}): DeliveryRecord => ({
  id: `d-${over.eventSeq ?? 11}`,
  webhookId: 'hook-1',
  eventSeq: 11,
  eventType: 'signature.completed',
  payload: '{"seq":11}',
  status: 'pending',
  attempts: 0,
  nextAttemptAt: T0,
  lastStatus: null,
  lastError: null,
  createdAt: T0,
  updatedAt: T0,
  ...over,
});

describeSql('webhook store', (backend) => {
  async function opened() {
    const sql = await backend().client();
    await migrate(sql, 'metadata', METADATA_MIGRATIONS);
    return sqlMetadataStore(sql).webhooks;
  }

  it('keeps webhooks, refuses a taken id, and deletes once (its pending deliveries failed, the records kept)', async () => {
    const store = await opened();
    await store.create(webhook());
    await store.create(webhook({ id: 'hook-2', createdAt: later(1), description: 'ops' }));
    await expect(store.create(webhook())).rejects.toThrow(StoreError);
    expect(await store.get('hook-1')).toEqual(webhook());
    await store.enqueue([delivery(), delivery({ eventSeq: 12, status: 'delivered', nextAttemptAt: null })], new Map());
    expect(await store.delete('hook-1', later(5))).toBe(true);
    expect(await store.delete('hook-1', later(6))).toBe(false);
    expect((await store.list()).map((w) => w.id)).toEqual(['hook-2']);
    expect((await store.get('hook-1'))!.deletedAt).toEqual(later(5));
    const kept = await store.deliveries('hook-1', { limit: 10 });
    expect(kept.map((d) => [d.eventSeq, d.status, d.lastError])).toEqual(
      expect.arrayContaining([
        [11, 'failed', 'the webhook was deleted'],
        [12, 'delivered', null],
      ]),
    );
  });

  it('enqueues each event once per webhook and moves cursors forward only', async () => {
    const store = await opened();
    await store.create(webhook());
    await store.enqueue([delivery(), delivery({ eventSeq: 12 })], new Map([['hook-1', 12]]));
    // The same events again (another instance, a retry): kept once; an older cursor moves nothing.
    await store.enqueue([delivery({ id: 'other-11' }), delivery({ id: 'other-13', eventSeq: 13 })], new Map([['hook-1', 11]]));
    expect((await store.get('hook-1'))!.cursor).toBe(12);
    const all = await store.deliveries('hook-1', { limit: 10 });
    expect(all.map((d) => d.id).sort()).toEqual(['d-11', 'd-12', 'other-13']);
  });

  it('claims due deliveries for a lease, once, and settles only the attempt it claimed', async () => {
    const store = await opened();
    await store.create(webhook());
    await store.enqueue([delivery(), delivery({ eventSeq: 12, nextAttemptAt: later(60_000) })], new Map());
    const claimed = await store.claimDue(later(1), 5_000, 10);
    expect(claimed.map((d) => [d.id, d.attempts])).toEqual([['d-11', 1]]);
    expect(claimed[0]!.nextAttemptAt).toEqual(later(5_001));
    // Held by the lease: not due again until it ends.
    expect(await store.claimDue(later(2), 5_000, 10)).toEqual([]);
    expect((await store.claimDue(later(5_002), 5_000, 10)).map((d) => [d.id, d.attempts])).toEqual([['d-11', 2]]);
    // The first attempt's late outcome changes nothing; the current one's is kept.
    expect(await store.settle('d-11', 1, { status: 'delivered', lastStatus: 200, lastError: null, nextAttemptAt: null }, later(5_003))).toBe(false);
    expect(await store.settle('d-11', 2, { status: 'pending', lastStatus: 500, lastError: 'the receiver answered 500', nextAttemptAt: later(9_000) }, later(5_003))).toBe(true);
    const [d11] = (await store.deliveries('hook-1', { limit: 10 })).filter((d) => d.id === 'd-11');
    expect(d11).toMatchObject({ status: 'pending', attempts: 2, lastStatus: 500, nextAttemptAt: later(9_000) });
  });

  it('replays a delivery of its own webhook with a fresh count of attempts', async () => {
    const store = await opened();
    await store.create(webhook());
    await store.create(webhook({ id: 'hook-2' }));
    await store.enqueue([delivery({ status: 'failed', attempts: 8, nextAttemptAt: null, lastStatus: 503, lastError: 'the receiver answered 503' })], new Map());
    expect(await store.replay('hook-2', 'd-11', later(1))).toBeUndefined();
    expect(await store.replay('hook-1', 'd-11', later(1))).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: later(1), lastStatus: 503 });
    expect((await store.claimDue(later(2), 1_000, 10)).map((d) => d.id)).toEqual(['d-11']);
  });

  it('pages deliveries newest first, by status', async () => {
    const store = await opened();
    await store.create(webhook());
    await store.enqueue(
      [1, 2, 3, 4, 5].map((i) => delivery({ eventSeq: 10 + i, createdAt: later(i), status: i % 2 ? 'delivered' : 'pending' })),
      new Map(),
    );
    const first = await store.deliveries('hook-1', { limit: 2 });
    expect(first.map((d) => d.eventSeq)).toEqual([15, 14]);
    const second = await store.deliveries('hook-1', { limit: 2, before: { createdAt: first[1]!.createdAt, id: first[1]!.id } });
    expect(second.map((d) => d.eventSeq)).toEqual([13, 12]);
    expect((await store.deliveries('hook-1', { limit: 10, status: 'pending' })).map((d) => d.eventSeq)).toEqual([14, 12]);
  });

  it('refuses malformed records before any statement', async () => {
    const store = await opened();
    await expect(store.create(webhook({ types: [] }))).rejects.toThrow(StoreError);
    await expect(store.create(webhook({ url: 'x'.repeat(5000) }))).rejects.toThrow(StoreError);
    await expect(store.create(webhook({ cursor: -1 }))).rejects.toThrow(StoreError);
    await expect(store.enqueue([delivery({ status: 'sent' as 'pending' })], new Map())).rejects.toThrow(StoreError);
    await expect(store.enqueue([delivery({ payload: 'x'.repeat(200_000) })], new Map())).rejects.toThrow(StoreError);
    await expect(store.claimDue(T0, 0, 10)).rejects.toThrow(StoreError);
  });
});
