import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisSessionStore, StoreError } from '../../../src/index.js';
import { sessionStoreSuite } from '../session-store.js';

const REDIS_URL = process.env.REDIS_URL;
if (!REDIS_URL) console.error('[stores] REDIS_URL is not set: the Redis session store tests are SKIPPED');

describe.skipIf(!REDIS_URL)(`Redis session store${REDIS_URL ? '' : ' (skipped: REDIS_URL is not set)'}`, () => {
  let stores: RedisSessionStore[] = [];
  let prefixes: string[] = [];

  async function open(prefix = `test:${randomBytes(6).toString('hex')}:`): Promise<RedisSessionStore> {
    const s = await RedisSessionStore.open({ url: REDIS_URL!, prefix });
    stores.push(s);
    prefixes.push(prefix);
    return s;
  }

  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    const admin = new Redis(REDIS_URL!);
    for (const prefix of prefixes) {
      const keys = await admin.keys(`${prefix}*`);
      if (keys.length > 0) await admin.del(...keys);
    }
    await admin.quit();
    stores = [];
    prefixes = [];
  });

  sessionStoreSuite(() => open());

  it('counters are shared by stores with one prefix (coordinator instances), not across prefixes', async () => {
    const prefix = `test:${randomBytes(6).toString('hex')}:`;
    const a = await open(prefix);
    const b = await open(prefix);
    const other = await open();
    await a.count('key:k1', 60_000, 1);
    expect((await b.count('key:k1', 60_000, 1)).count).toBe(2);
    expect((await other.count('key:k1', 60_000, 0)).count).toBe(0);
  });

  it('stores with different prefixes do not see each other', async () => {
    const a = await open();
    const b = await open();
    await a.pushPool('pool', ['x']);
    expect(await b.poolSize('pool')).toBe(0);
    expect(await b.lock('l', 60_000)).toBeDefined();
    expect(await a.lock('l', 60_000)).toBeDefined();
  });

  it('closing never fails: with commands under way before and after it, and a second time', async () => {
    for (let round = 0; round < 20; round++) {
      const s = await open();
      const before = Array.from({ length: 20 }, (_, i) => s.pushPool('pool', [`i${i}`]).then(() => 'done', () => 'failed'));
      const closing = s.close();
      // A refill that goes on while the store closes (its commands may fail; the close must not).
      const after = [s.poolSize('pool'), s.lock('l', 1000)].map((p) => p.then(() => 'done', () => 'failed'));
      await expect(closing).resolves.toBeUndefined();
      await expect(s.close()).resolves.toBeUndefined();
      // Commands cut off by the close fail on their own promises, none unhandled.
      await Promise.all([...before, ...after]);
    }
  });

  it('a bad url, an unreachable server or a bad prefix is refused with a clear error', async () => {
    await expect(RedisSessionStore.open({ url: 'http://localhost', prefix: 'p:' })).rejects.toThrow(/redis:\/\//);
    await expect(RedisSessionStore.open({ url: REDIS_URL!, prefix: 'bad prefix' })).rejects.toThrow(StoreError);
    await expect(RedisSessionStore.open({ url: 'redis://127.0.0.1:1', prefix: 'p:' })).rejects.toThrow(/cannot connect to Redis/);
  });
});
