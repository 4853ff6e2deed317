/**
 * One error class for everything a call can fail with: the server's error (its code, status and
 * whether to retry), or a failure on the way there, under codes of the SDK's own.
 */
import type { ApiErrorBody } from './types.js';

/** Codes the SDK gives failures that are not the server's answer. */
export const CLIENT_ERROR_CODES = {
  /** The request did not reach the server, or its answer did not come back (connection refused, reset, DNS). */
  NETWORK_ERROR: 'NETWORK_ERROR',
  /** No answer within `timeoutMs`. */
  TIMEOUT: 'TIMEOUT',
  /** The caller's AbortSignal fired. */
  ABORTED: 'ABORTED',
  /** The server answered something that is not the API's JSON (a proxy's error page, …). */
  BAD_RESPONSE: 'BAD_RESPONSE',
  /** `keys.waitUntilActive` ran out of time. */
  WAIT_TIMEOUT: 'WAIT_TIMEOUT',
  /** A key ended `failed` (`keys.waitUntilActive`). */
  KEY_FAILED: 'KEY_FAILED',
} as const;

/** The server's error body (`retryAfter`: seconds, from its field or the Retry-After header), with where it came from. */
export interface MpcWalletErrorInit extends ApiErrorBody {
  /** HTTP status, 0 when there was no answer. */
  status: number;
  /** The route, e.g. `POST /v1/keys/{id}/signatures` with the id in it. */
  request?: string;
  cause?: unknown;
}

export class MpcWalletError extends Error {
  readonly status: number;
  readonly code: string;
  readonly retriable: boolean;
  readonly culprits?: number[];
  readonly waitingFor?: number[];
  readonly gone?: number[];
  readonly reason?: string;
  readonly retryAfter?: number;
  readonly request?: string;

  constructor(init: MpcWalletErrorInit) {
    super(init.message, init.cause !== undefined ? { cause: init.cause } : undefined);
    this.name = 'MpcWalletError';
    this.status = init.status;
    this.code = init.code;
    this.retriable = init.retriable;
    if (init.culprits) this.culprits = init.culprits;
    if (init.waitingFor) this.waitingFor = init.waitingFor;
    if (init.gone) this.gone = init.gone;
    if (init.reason !== undefined) this.reason = init.reason;
    if (init.retryAfter !== undefined) this.retryAfter = init.retryAfter;
    if (init.request !== undefined) this.request = init.request;
  }

  /** `404`-class answers: no such key, signature, API key, webhook or route. */
  get notFound(): boolean {
    return this.status === 404;
  }

  /** The key was refused (401) or lacks the scope (403). */
  get unauthorized(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/** The server's `{ error }` answer as an MpcWalletError (a body without one is BAD_RESPONSE). */
export function errorFromAnswer(status: number, body: unknown, retryAfterHeader: string | null, request: string): MpcWalletError {
  const retryAfter = parseRetryAfter(retryAfterHeader);
  const error = (body as { error?: Partial<ApiErrorBody> } | null)?.error;
  if (!error || typeof error.code !== 'string') {
    // Not the API's vocabulary (a proxy, a load balancer): its status says whether to retry.
    return new MpcWalletError({ status, code: CLIENT_ERROR_CODES.BAD_RESPONSE, message: `HTTP ${status} without an API error body`, retriable: status === 429 || status === 502 || status === 503 || status === 504, request, ...(retryAfter !== undefined ? { retryAfter } : {}) });
  }
  const seconds = retryAfter ?? (typeof error.retryAfter === 'number' ? error.retryAfter : undefined);
  return new MpcWalletError({
    status,
    code: error.code,
    message: typeof error.message === 'string' ? error.message : error.code,
    // The server says whether a retry can succeed; a 429 or 503 without the flag still may.
    retriable: typeof error.retriable === 'boolean' ? error.retriable : status === 429 || status === 503,
    request,
    ...(Array.isArray(error.culprits) ? { culprits: error.culprits } : {}),
    ...(Array.isArray(error.waitingFor) ? { waitingFor: error.waitingFor } : {}),
    ...(Array.isArray(error.gone) ? { gone: error.gone } : {}),
    ...(typeof error.reason === 'string' ? { reason: error.reason } : {}),
    ...(seconds !== undefined ? { retryAfter: seconds } : {}),
  });
}

/** Retry-After as seconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\s*[0-9]+\s*$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}
