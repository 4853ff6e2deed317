/**
 * Rate limits of the API, counted in the session store (Redis when configured: every coordinator
 * instance counts together) in fixed windows: requests per client address, requests per API key
 * (so that one key's flood leaves the others their share), and failed authentications per client
 * address — once over, that address gets 429 before its key is even looked at, so guessing keys
 * stops there. A limit that is hit answers 429 `RATE_LIMITED` with `Retry-After`.
 */
import { ApiError } from '../errors.js';
import type { SessionStore } from '../stores/types.js';

export interface RateLimitOptions {
  windowMs: number;
  /** Requests per window from one client address (0: no limit). */
  perIp: number;
  /** Requests per window with one API key (0: no limit). */
  perKey: number;
  /** Failed authentications per window from one client address, before it is refused outright. */
  failedAuthPerIp: number;
}

/** Per minute: 1000 requests/s per key (the signing target), twice that per address, 50 failed authentications. */
export const DEFAULT_RATE_LIMITS: RateLimitOptions = { windowMs: 60_000, perIp: 120_000, perKey: 60_000, failedAuthPerIp: 50 };

function limited(what: string, resetMs: number): ApiError {
  return new ApiError('RATE_LIMITED', `too many ${what}; retry after the window ends`, { retryAfter: Math.max(1, Math.ceil(resetMs / 1000)) });
}

export class RateLimiter {
  constructor(
    private readonly store: SessionStore,
    private readonly opts: RateLimitOptions = DEFAULT_RATE_LIMITS,
  ) {
    for (const [name, value] of Object.entries(opts)) {
      if (!Number.isSafeInteger(value) || value < 0 || (name === 'windowMs' && value < 1)) throw new RangeError(`rate limit ${name} must be a non-negative integer (windowMs positive)`);
    }
  }

  /** Before authentication: the address's requests, and whether it has failed too often. */
  async beforeAuth(ip: string): Promise<void> {
    const { windowMs, perIp, failedAuthPerIp } = this.opts;
    if (perIp > 0) {
      const hit = await this.store.count(`ip:${ip}`, windowMs, 1);
      if (hit.count > perIp) throw limited('requests from this address', hit.resetMs);
    }
    const failed = await this.store.count(`auth-failed:${ip}`, windowMs, 0);
    if (failed.count >= failedAuthPerIp) throw limited('failed authentications from this address', failed.resetMs);
  }

  async authFailed(ip: string): Promise<void> {
    await this.store.count(`auth-failed:${ip}`, this.opts.windowMs, 1);
  }

  /** After authentication: the key's own requests (a GraphQL document counts each of its operations). */
  async forKey(actor: string, requests = 1): Promise<void> {
    const { windowMs, perKey } = this.opts;
    if (perKey === 0) return;
    const hit = await this.store.count(`key:${actor}`, windowMs, requests);
    if (hit.count > perKey) throw limited('requests with this API key', hit.resetMs);
  }
}
