/** One session-store suite, run against each adapter (memory here, Redis when REDIS_URL is set). */
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { StoreError, type SessionStore } from '../../src/index.js';

export function sessionStoreSuite(open: () => Promise<SessionStore>): void {
  it('a lock is held until its holder unlocks it; another token does not release it', async () => {
    const s = await open();
    const token = await s.lock('session-1', 60_000);
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(await s.lock('session-1', 60_000)).toBeUndefined();
    expect(await s.lock('session-2', 60_000)).toBeDefined();
    await s.unlock('session-1', 'f'.repeat(32));
    expect(await s.lock('session-1', 60_000)).toBeUndefined();
    await s.unlock('session-1', token!);
    const next = await s.lock('session-1', 60_000);
    expect(next).toBeDefined();
    expect(next).not.toBe(token);
  });

  it('a lock expires after its ttl, and the old holder cannot then release the new holder', async () => {
    const s = await open();
    const old = await s.lock('job', 50);
    expect(await s.lock('job', 50)).toBeUndefined();
    await sleep(120);
    const fresh = await s.lock('job', 60_000);
    expect(fresh).toBeDefined();
    await s.unlock('job', old!);
    expect(await s.lock('job', 60_000)).toBeUndefined();
  });

  it('50 concurrent lock attempts: exactly one gets a token', async () => {
    const s = await open();
    const tokens = await Promise.all(Array.from({ length: 50 }, () => s.lock('contended', 60_000)));
    expect(tokens.filter((t) => t !== undefined)).toHaveLength(1);
  });

  it('pools: pushed on the right, claimed from the left, sized, dropped', async () => {
    const s = await open();
    await s.pushPool('presig:k1', ['a', 'b']);
    await s.pushPool('presig:k1', ['c']);
    await s.pushPool('presig:k2', ['z']);
    expect(await s.poolSize('presig:k1')).toBe(3);
    expect(await s.claimPool('presig:k1')).toBe('a');
    expect(await s.claimPool('presig:k1')).toBe('b');
    expect(await s.poolSize('presig:k1')).toBe(1);
    await s.dropPool('presig:k1');
    expect(await s.poolSize('presig:k1')).toBe(0);
    expect(await s.claimPool('presig:k1')).toBeUndefined();
    expect(await s.claimPool('presig:k2')).toBe('z');
  });

  it('50 concurrent claims over 20 items: 20 distinct items, 30 empty-handed', async () => {
    const s = await open();
    const items = Array.from({ length: 20 }, (_, i) => `item-${i}`);
    await s.pushPool('pool', items);
    const claims = await Promise.all(Array.from({ length: 50 }, () => s.claimPool('pool')));
    const got = claims.filter((c): c is string => c !== undefined);
    expect(new Set(got)).toEqual(new Set(items));
    expect(got).toHaveLength(20);
    expect(claims.filter((c) => c === undefined)).toHaveLength(30);
  });

  it('malformed arguments are StoreErrors', async () => {
    const s = await open();
    await expect(s.lock('', 1000)).rejects.toThrow(StoreError);
    await expect(s.lock('x', 0)).rejects.toThrow(/ttl/);
    await expect(s.lock('x', 1.5)).rejects.toThrow(/ttl/);
    await expect(s.unlock('x', 7 as never)).rejects.toThrow(/token/);
    await expect(s.pushPool('p', [])).rejects.toThrow(/pool items/);
    await expect(s.pushPool('p', ['ok', ''])).rejects.toThrow(/pool item/);
    await expect(s.pushPool('p', ['x'.repeat(1025)])).rejects.toThrow(/1 to 1024 characters/);
    await expect(s.claimPool('x'.repeat(300))).rejects.toThrow(/pool name/);
    expect(await s.poolSize('p')).toBe(0);
  });

  it('counters: a fixed window from the first hit, read without counting, concurrent hits all counted', async () => {
    const s = await open();
    expect(await s.count('ip:1', 200, 0)).toEqual({ count: 0, resetMs: 0 });
    const first = await s.count('ip:1', 200, 1);
    expect(first.count).toBe(1);
    expect(first.resetMs).toBeGreaterThan(0);
    expect(first.resetMs).toBeLessThanOrEqual(200);
    expect((await s.count('ip:1', 200, 0)).count).toBe(1);
    const hits = await Promise.all(Array.from({ length: 30 }, () => s.count('ip:1', 200, 1)));
    expect(hits.map((h) => h.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 2));
    expect((await s.count('ip:2', 200, 1)).count).toBe(1);
    // A request of several operations counts them all at once.
    expect((await s.count('ip:2', 200, 5)).count).toBe(6);
    await sleep(260);
    expect(await s.count('ip:1', 200, 0)).toEqual({ count: 0, resetMs: 0 });
    expect((await s.count('ip:1', 200, 1)).count).toBe(1);
    await expect(s.count('ip:1', 0, 1)).rejects.toThrow(StoreError);
    await expect(s.count('', 200, 1)).rejects.toThrow(StoreError);
    for (const add of [-1, 1.5, 1001]) await expect(s.count('ip:1', 200, add)).rejects.toThrow(StoreError);
  });
}
