/**
 * The session store on Redis, shared by coordinator instances. Locks are SET NX PX with a random
 * token, released by a Lua compare-and-delete so only the holder frees them; pools are lists,
 * claimed with LPOP. Every key starts with a configurable prefix, so deployments (and test runs)
 * sharing one Redis do not collide.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { silentLogger, type Logger } from '../../log.js';
import { StoreError } from '../errors.js';
import { checkCounterAdd, checkLockTtl, checkPoolItems, checkWindow } from '../session-checks.js';
import type { SessionStore } from '../types.js';
import { checkName } from '../validate.js';

/** Deletes KEYS[1] only while it still holds the caller's token (ARGV[1]). */
const UNLOCK_SCRIPT = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`;

/**
 * Adds ARGV[2] to counter KEYS[1] and starts its window of ARGV[1] ms at its first hit (INCR and
 * PEXPIRE in one script: a counter never outlives its window); returns the count and its PTTL.
 */
const COUNT_SCRIPT = `local c
if ARGV[2] ~= "0" then c = redis.call("INCRBY", KEYS[1], ARGV[2]) else c = tonumber(redis.call("GET", KEYS[1]) or "0") end
if c == 0 then return {0, 0} end
local ttl = redis.call("PTTL", KEYS[1])
if ttl < 0 then redis.call("PEXPIRE", KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {c, ttl}`;

export interface RedisSessionStoreOptions {
  /** redis://host:port[/db] */
  url: string;
  /** Put before every key (default "mpc-wallet:"). */
  prefix?: string;
  logger?: Logger;
}

const PREFIX = /^[A-Za-z0-9:_.-]{0,64}$/;

export class RedisSessionStore implements SessionStore {
  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Connects and waits until Redis answers, so a wrong url fails here and not on first use. */
  static async open(options: RedisSessionStoreOptions): Promise<RedisSessionStore> {
    if (typeof options.url !== 'string' || !/^rediss?:\/\//.test(options.url)) throw new StoreError('a Redis url must start with redis:// or rediss://');
    const prefix = options.prefix ?? 'mpc-wallet:';
    if (typeof prefix !== 'string' || !PREFIX.test(prefix)) throw new StoreError('a Redis key prefix must be up to 64 characters of [A-Za-z0-9:_.-]');
    // No CLIENT SETINFO at connect: servers before 7.2 refuse it, and its replies still pending at
    // a quick close make ioredis fail the QUIT (redis/ioredis#2025).
    const redis = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 3, disableClientInfo: true });
    // Connection errors (and reconnects after them) are reported here instead of crashing the
    // process; the message only, as the url may carry a password.
    const logger = options.logger ?? silentLogger;
    redis.on('error', (e: Error) => logger.warn('redis connection error', { error: e.message }));
    try {
      await redis.connect();
    } catch (e) {
      redis.disconnect();
      // The driver's message only: the url may carry a password.
      throw new StoreError(`cannot connect to Redis: ${(e as Error).message}`);
    }
    return new RedisSessionStore(redis, prefix);
  }

  private lockKey(name: string): string {
    return `${this.prefix}lock:${checkName('lock name', name)}`;
  }

  private poolKey(pool: string): string {
    return `${this.prefix}pool:${checkName('pool name', pool)}`;
  }

  async lock(name: string, ttlMs: number): Promise<string | undefined> {
    const key = this.lockKey(name);
    const token = randomBytes(16).toString('hex');
    const ok = await this.redis.set(key, token, 'PX', checkLockTtl(ttlMs), 'NX');
    return ok === 'OK' ? token : undefined;
  }

  async unlock(name: string, token: string): Promise<void> {
    const key = this.lockKey(name);
    if (typeof token !== 'string') throw new StoreError('a lock token must be a string');
    await this.redis.eval(UNLOCK_SCRIPT, 1, key, token);
  }

  async pushPool(pool: string, items: string[]): Promise<void> {
    const key = this.poolKey(pool);
    await this.redis.rpush(key, ...checkPoolItems(items));
  }

  async claimPool(pool: string): Promise<string | undefined> {
    return (await this.redis.lpop(this.poolKey(pool))) ?? undefined;
  }

  async poolSize(pool: string): Promise<number> {
    return this.redis.llen(this.poolKey(pool));
  }

  async dropPool(pool: string): Promise<void> {
    await this.redis.del(this.poolKey(pool));
  }

  async count(name: string, windowMs: number, add: number): Promise<{ count: number; resetMs: number }> {
    const key = `${this.prefix}rate:${checkName('counter name', name)}`;
    const [count, resetMs] = (await this.redis.eval(COUNT_SCRIPT, 1, key, String(checkWindow(windowMs)), String(checkCounterAdd(add)))) as [number, number];
    return { count, resetMs };
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  /**
   * Closes the connection. QUIT waits for the commands before it; ioredis fails it with
   * "Connection is closed" when the socket closes with commands still queued (a refill under way
   * at shutdown) — the connection is closed then all the same, which is what was asked, so a
   * failed QUIT ends in a plain disconnect instead of an error that would fail the shutdown.
   */
  async close(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}
