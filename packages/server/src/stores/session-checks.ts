/** Argument checks shared by the session store adapters, so both refuse the same inputs. */
import { StoreError } from './errors.js';
import { checkInteger, checkName } from './validate.js';

/** A lock is for a protocol session or a background job: a day is far beyond either. */
export const MAX_LOCK_TTL_MS = 24 * 60 * 60 * 1000;
/** Items per push: one refill batch. */
export const MAX_POOL_PUSH = 10_000;
/** Longest pool item: a signed nonce commitment with its preimages (base64) fits with room to spare. */
export const MAX_POOL_ITEM_LENGTH = 1024;

export function checkLockTtl(ttlMs: unknown): number {
  return checkInteger('lock ttl (ms)', ttlMs, 1, MAX_LOCK_TTL_MS);
}

export function checkPoolItems(items: unknown): string[] {
  if (!Array.isArray(items) || items.length === 0 || items.length > MAX_POOL_PUSH) {
    throw new StoreError(`pool items must be an array of 1 to ${MAX_POOL_PUSH} ids`);
  }
  for (const item of items) checkName('pool item', item, MAX_POOL_ITEM_LENGTH);
  return items as string[];
}

/** A counter window: 1 ms to a day. */
export function checkWindow(windowMs: unknown): number {
  if (typeof windowMs !== 'number' || !Number.isSafeInteger(windowMs) || windowMs < 1 || windowMs > 86_400_000) throw new StoreError('a counter window is 1 ms to a day');
  return windowMs;
}

/** What a counter hit adds: 0 (a read) up to one request's weight. */
export function checkCounterAdd(add: unknown): number {
  if (typeof add !== 'number' || !Number.isSafeInteger(add) || add < 0 || add > 1000) throw new StoreError('a counter hit adds 0 to 1000');
  return add;
}
