/** The session store in process memory: the local-mode default (one coordinator instance). */
import { randomBytes } from 'node:crypto';
import type { SessionStore } from '../types.js';
import { checkCounterAdd, checkLockTtl, checkPoolItems, checkWindow } from '../session-checks.js';
import { checkName } from '../validate.js';
import { StoreError } from '../errors.js';

/** Counters at which ended windows are swept. */
const MAX_COUNTERS = 100_000;

export class MemorySessionStore implements SessionStore {
  private readonly locks = new Map<string, { token: string; expiresAt: number }>();
  private readonly pools = new Map<string, string[]>();
  private readonly counters = new Map<string, { count: number; endsAt: number }>();
  private nextSweep = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async lock(name: string, ttlMs: number): Promise<string | undefined> {
    checkName('lock name', name);
    checkLockTtl(ttlMs);
    const held = this.locks.get(name);
    if (held && held.expiresAt > this.now()) return undefined;
    const token = randomBytes(16).toString('hex');
    this.locks.set(name, { token, expiresAt: this.now() + ttlMs });
    return token;
  }

  async unlock(name: string, token: string): Promise<void> {
    checkName('lock name', name);
    if (typeof token !== 'string') throw new StoreError('a lock token must be a string');
    // Only the holder releases: an expired holder's late unlock must not free a lock someone else now holds.
    if (this.locks.get(name)?.token === token) this.locks.delete(name);
  }

  async pushPool(pool: string, items: string[]): Promise<void> {
    checkName('pool name', pool);
    checkPoolItems(items);
    const list = this.pools.get(pool) ?? [];
    list.push(...items);
    this.pools.set(pool, list);
  }

  async claimPool(pool: string): Promise<string | undefined> {
    checkName('pool name', pool);
    const list = this.pools.get(pool);
    const item = list?.shift();
    if (list?.length === 0) this.pools.delete(pool);
    return item;
  }

  async poolSize(pool: string): Promise<number> {
    checkName('pool name', pool);
    return this.pools.get(pool)?.length ?? 0;
  }

  async dropPool(pool: string): Promise<void> {
    checkName('pool name', pool);
    this.pools.delete(pool);
  }

  async count(name: string, windowMs: number, add: number): Promise<{ count: number; resetMs: number }> {
    checkName('counter name', name);
    checkWindow(windowMs);
    checkCounterAdd(add);
    const now = this.now();
    // Ended windows go when the map grows (a flood of client addresses cannot keep them all).
    if (this.counters.size >= MAX_COUNTERS && now >= this.nextSweep) {
      // At most once a second: with every window still open, a sweep per call would scan them all each time.
      this.nextSweep = now + 1000;
      for (const [k, c] of this.counters) if (c.endsAt <= now) this.counters.delete(k);
    }
    let c = this.counters.get(name);
    if (!c || c.endsAt <= now) {
      if (add === 0) return { count: 0, resetMs: 0 };
      c = { count: 0, endsAt: now + windowMs };
      this.counters.set(name, c);
    }
    c.count += add;
    return { count: c.count, resetMs: c.endsAt - now };
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.locks.clear();
    this.pools.clear();
    this.counters.clear();
  }
}
