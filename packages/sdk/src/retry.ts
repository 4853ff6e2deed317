/** Exponential backoff with jitter, and a sleep that an AbortSignal cuts short. */
import { CLIENT_ERROR_CODES, MpcWalletError } from './errors.js';

export interface RetryOptions {
  /** Attempts in all, the first included (1: never retry). */
  attempts: number;
  /** The first retry's delay before jitter; each further retry doubles it. */
  baseDelayMs: number;
  /** No delay is longer (except a longer Retry-After, which is honoured). */
  maxDelayMs: number;
}

export const DEFAULT_RETRIES: RetryOptions = { attempts: 4, baseDelayMs: 200, maxDelayMs: 5_000 };

export function checkRetryOptions(r: RetryOptions): RetryOptions {
  if (!Number.isInteger(r.attempts) || r.attempts < 1) throw new TypeError('retries.attempts must be an integer of at least 1');
  if (!(r.baseDelayMs >= 0) || !(r.maxDelayMs >= r.baseDelayMs)) throw new TypeError('retries: 0 <= baseDelayMs <= maxDelayMs');
  return r;
}

/**
 * The delay before retry number `retry` (1 for the first): half fixed, half random ("equal
 * jitter"), so that clients that failed together do not retry together, yet none retries at once.
 * A Retry-After (seconds) from the server is a floor.
 */
export function backoffDelay(r: RetryOptions, retry: number, retryAfterSeconds?: number, random: () => number = Math.random): number {
  const ceiling = Math.min(r.maxDelayMs, r.baseDelayMs * 2 ** (retry - 1));
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  return Math.max(jittered, (retryAfterSeconds ?? 0) * 1000);
}

/** Waits `ms`, or rejects with ABORTED as soon as `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(aborted(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function aborted(signal: AbortSignal): MpcWalletError {
  return new MpcWalletError({ status: 0, code: CLIENT_ERROR_CODES.ABORTED, message: 'the call was aborted', retriable: false, cause: signal.reason });
}
