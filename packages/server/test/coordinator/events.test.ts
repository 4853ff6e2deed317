import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { bytesToHex, ed25519PublicKey } from '@mpc-wallet/core';
import { AuditLog } from '../../src/coordinator/audit.js';
import { type ApiEvent, DEFAULT_EVENT_FEED_OPTIONS, EVENT_TYPES, EventFeed, type ProgressEvent, selectTypes } from '../../src/coordinator/events.js';
import { ApiError, METADATA_MIGRATIONS, migrate, pgliteClient, sqlMetadataStore, type AuditEntry } from '../../src/index.js';

let db: PGlite;
beforeAll(async () => {
  db = await PGlite.create();
}, 60_000);
afterAll(async () => {
  await db.close();
});

/** A feed on a log of its own (a fresh schema of one in-memory database). */
async function feed(pollMs = 50) {
  const sql = await pgliteClient(db, `t_${randomBytes(6).toString('hex')}`);
  await migrate(sql, 'metadata', METADATA_MIGRATIONS);
  const secret = randomBytes(32);
  const store = sqlMetadataStore(sql).audit;
  const log = new AuditLog(store, secret, bytesToHex(ed25519PublicKey(secret)));
  // Another coordinator instance appending to the same log (its appends reach this feed by polling).
  const other = new AuditLog(store, secret, bytesToHex(ed25519PublicKey(secret)));
  return { log, other, events: new EventFeed(log, { pollMs, recheckMs: 30_000 }) };
}

const signature = (log: AuditLog, i: number, action = 'signature.completed') => log.record({ action, actor: 'coordinator', subject: `request-${i}`, details: { n: i } });
const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

describe('event types', () => {
  it('selects types and families, refuses unknown names, and offers progress to streams only', () => {
    expect(selectTypes(undefined, { progress: false })).toEqual(new Set(EVENT_TYPES));
    expect(selectTypes('signature.*, node.online', { progress: false })).toEqual(new Set(['signature.created', 'signature.completed', 'signature.failed', 'node.online']));
    expect(selectTypes('signature.*', { progress: true }).has('signature.progress')).toBe(true);
    expect(() => selectTypes('key.progress', { progress: false })).toThrow(ApiError);
    expect(() => selectTypes('signature.done', { progress: true })).toThrow(/unknown event type/);
    expect(() => selectTypes('auth.*', { progress: true })).toThrow(ApiError);
    expect(() => selectTypes(' , ', { progress: true })).toThrow(/no event type/);
  });
});

describe('event feed', () => {
  it("maps the audit log's entries to events and skips the others", async () => {
    const { log, events } = await feed();
    await log.record({ action: 'key.requested', actor: 'api-key:0123456789ab', subject: 'key-1', details: { scheme: 'eddsa-ed25519' } });
    await log.record({ action: 'auth.failed', actor: 'ip:127.0.0.1', subject: 'api', details: {} });
    await log.record({ action: 'key.created', actor: 'coordinator', subject: 'key-1', details: { publicKey: 'ab' } });
    const page = await events.page({ after: 0, limit: 10, types: selectTypes(undefined, { progress: true }) });
    expect(page.map((e) => [e.seq, e.type, e.subject])).toEqual([
      [1, 'key.created', 'key-1'],
      [3, 'key.completed', 'key-1'],
    ]);
    expect(page[1]!.data).toEqual({ publicKey: 'ab' });
  });

  it('sends the backlog after the cursor, then live events of this and other instances, each seq once and in order', async () => {
    const { log, other, events } = await feed();
    for (let i = 1; i <= 5; i++) await signature(log, i);
    const got: (ApiEvent | ProgressEvent)[] = [];
    let ready: number | undefined;
    const stop = await events.follow({ after: 2, types: selectTypes(undefined, { progress: true }) }, (e) => got.push(e), (seq) => (ready = seq));
    expect(ready).toBe(5);
    expect(got.map((e) => (e as ApiEvent).seq)).toEqual([3, 4, 5]);
    await Promise.all([signature(log, 6), signature(other, 7), signature(log, 8)]);
    await until(() => got.length === 6);
    expect(got.map((e) => (e as ApiEvent).seq)).toEqual([3, 4, 5, 6, 7, 8]);
    events.progress({ type: 'signature.progress', subject: 'request-9' }, { node: 2, protocol: 'frost-sign', round: 1 });
    expect(got.at(-1)).toMatchObject({ type: 'signature.progress', subject: 'request-9', data: { node: 2, round: 1 } });
    expect('seq' in got.at(-1)!).toBe(false);
    stop();
    expect(events.listening()).toBe(0);
    await signature(log, 10);
    events.progress({ type: 'signature.progress', subject: 'request-10' }, { node: 1, protocol: 'frost-sign', round: 1 });
    expect(got).toHaveLength(7);
  });

  it('without a cursor starts at the present; a type filter passes only its types', async () => {
    const { log, events } = await feed();
    await signature(log, 1);
    const got: ApiEvent[] = [];
    const stop = await events.follow({ after: undefined, types: selectTypes('node.*', { progress: true }) }, (e) => got.push(e as ApiEvent), () => undefined);
    await signature(log, 2);
    await log.record({ action: 'node.offline', actor: 'node:3', subject: 'node:3', details: {} });
    events.progress({ type: 'key.progress', subject: 'key-1' }, { node: 1, protocol: 'dkg', round: 1 });
    await until(() => got.length === 1);
    expect(got.map((e) => [e.seq, e.type])).toEqual([[3, 'node.offline']]);
    stop();
  });

  it('a failing listener does not keep events from the others', async () => {
    const { log, events } = await feed();
    const got: ApiEvent[] = [];
    const stopBad = await events.follow({ after: undefined, types: selectTypes(undefined, { progress: true }) }, () => {
      throw new Error('socket gone');
    }, () => undefined);
    const stop = await events.follow({ after: undefined, types: selectTypes(undefined, { progress: true }) }, (e) => got.push(e as ApiEvent), () => undefined);
    await signature(log, 1);
    await until(() => got.length === 1);
    stopBad();
    stop();
  });

  it('delivers live appends after one that arrived while it was starting (a stand-in log whose head waits)', async () => {
    const entry = (seq: number, action: string): AuditEntry => ({ seq, at: new Date(0), action, actor: 'test', subject: `k${seq}`, details: {}, prevHash: '0'.repeat(64), hash: '0'.repeat(64) });
    const stored: AuditEntry[] = [entry(1, 'node.online')];
    const listeners = new Set<(entries: readonly AuditEntry[]) => void>();
    let releaseHead: () => void = () => undefined;
    const audit = {
      onAppended: (l: (entries: readonly AuditEntry[]) => void) => (listeners.add(l), () => listeners.delete(l)),
      head: () => new Promise<number>((resolve) => (releaseHead = () => resolve(stored.at(-1)!.seq))),
      list: async ({ after = 0 }: { after?: number }) => stored.filter((e) => e.seq > after),
    } as unknown as AuditLog;
    const append = (e: AuditEntry) => {
      stored.push(e);
      for (const l of listeners) l([e]);
    };
    const events = new EventFeed(audit, { ...DEFAULT_EVENT_FEED_OPTIONS, pollMs: 60_000 });
    const got: ApiEvent[] = [];
    const subscribed = events.subscribe((batch) => got.push(...batch));
    // Appended while the feed waits for the head (the stream's own request being audited).
    append(entry(2, 'auth.succeeded'));
    releaseHead();
    const stop = await subscribed;
    append(entry(3, 'key.requested'));
    await new Promise((r) => setTimeout(r, 10));
    expect(got.map((e) => [e.seq, e.type])).toEqual([[3, 'key.created']]);
    stop();
  });
});
