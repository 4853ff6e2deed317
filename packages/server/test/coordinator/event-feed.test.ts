/** EventFeed against a stand-in audit log: an append that lands while the feed starts must not stop later deliveries. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_EVENT_FEED_OPTIONS, EventFeed, type ApiEvent } from '../../src/coordinator/events.js';
import type { AuditLog } from '../../src/coordinator/audit.js';
import type { AuditEntry } from '../../src/stores/types.js';

const entry = (seq: number, action = 'key.requested'): AuditEntry =>
  ({ seq, at: new Date(0), action, actor: 'test', subject: `k${seq}`, details: {}, prevHash: '0'.repeat(64), hash: '0'.repeat(64) }) as AuditEntry;

describe('EventFeed', () => {
  it('delivers live appends after one that arrived while it was starting', async () => {
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
    const feed = new EventFeed(audit, { ...DEFAULT_EVENT_FEED_OPTIONS, pollMs: 60_000 });
    const got: ApiEvent[] = [];
    const subscribed = feed.subscribe((events) => got.push(...events));
    // Appended while the feed waits for the head (the stream's own request being audited).
    append(entry(2, 'auth.succeeded'));
    releaseHead();
    const stop = await subscribed;
    append(entry(3));
    await new Promise((r) => setTimeout(r, 10));
    expect(got.map((e) => [e.seq, e.type])).toEqual([[3, 'key.created']]);
    stop();
  });
});
