/**
 * One HTTP call to the API with its retries. Whether a failed call may be sent again depends on
 * what the call does, so each call says it:
 *
 * - `idempotent`: reads, and POSTs the server deduplicates (signing with an Idempotency-Key,
 *   address derivation, sessions) or whose repetition changes nothing (revocation). Retried on
 *   any error the server marks retriable, on 429/503, on network errors and timeouts.
 * - `unprocessed-only`: POSTs that act every time they arrive (creating a key, an API key or a
 *   webhook, a refresh, a replay). Sending one again after a network error or timeout could do
 *   the thing twice, so they are retried only on failures that prove the server did nothing:
 *   the connection was refused, or the server answered one of the call's `refusedBefore` codes
 *   (RATE_LIMITED comes from the authentication hook, before any route runs).
 */
import { CLIENT_ERROR_CODES, MpcWalletError, errorFromAnswer } from './errors.js';
import { type RetryOptions, aborted, backoffDelay, sleep } from './retry.js';

export type RetryMode = 'idempotent' | 'unprocessed-only';

export interface CallOptions {
  /** Cancels the call, its retries and their waits. */
  signal?: AbortSignal;
  /** Per attempt; the client's `timeoutMs` when absent. */
  timeoutMs?: number;
}

export interface Call extends CallOptions {
  method: 'GET' | 'POST' | 'DELETE';
  /** The path with its parameters already encoded. */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  retry: RetryMode;
  /** Error codes the server raises before acting (for `unprocessed-only`); RATE_LIMITED always counts. */
  refusedBefore?: readonly string[];
  idempotencyKey?: string;
  /** Statuses that are answers, not errors (readyz's 503 "not-ready"). */
  answers?: readonly number[];
  /** No Authorization header (healthz, readyz). */
  anonymous?: boolean;
}

export interface Answer<T> {
  status: number;
  body: T;
}

export interface TransportOptions {
  url: URL;
  apiKey?: string;
  fetch: typeof fetch;
  retries: RetryOptions;
  timeoutMs: number;
  /** Told before each wait between attempts (tests, logging). */
  onRetry?: (info: { attempt: number; delayMs: number; error: MpcWalletError }) => void;
}

/** Connection errors that show the request never reached the server. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

export class Transport {
  constructor(private readonly opts: TransportOptions) {}

  get url(): URL {
    return this.opts.url;
  }

  get apiKey(): string | undefined {
    return this.opts.apiKey;
  }

  async call<T>(call: Call): Promise<Answer<T>> {
    const { retries } = this.opts;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once<T>(call);
      } catch (e) {
        if (!(e instanceof MpcWalletError)) throw e;
        if (attempt >= retries.attempts || !mayRetry(call, e)) throw e;
        const delayMs = backoffDelay(retries, attempt, e.retryAfter);
        this.opts.onRetry?.({ attempt, delayMs, error: e });
        await sleep(delayMs, call.signal);
      }
    }
  }

  private async once<T>(call: Call): Promise<Answer<T>> {
    if (call.signal?.aborted) throw aborted(call.signal);
    const url = new URL(call.path.replace(/^\//, ''), this.opts.url);
    for (const [name, value] of Object.entries(call.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    const route = `${call.method} ${url.pathname}`;
    const timeout = AbortSignal.timeout(call.timeoutMs ?? this.opts.timeoutMs);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (!call.anonymous && this.opts.apiKey !== undefined) headers.authorization = `Bearer ${this.opts.apiKey}`;
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    if (call.idempotencyKey !== undefined) headers['idempotency-key'] = call.idempotencyKey;
    let res: Response;
    let text: string;
    try {
      res = await this.opts.fetch(url, { method: call.method, headers, signal, ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}) });
      text = await res.text();
    } catch (e) {
      throw transportError(e, route, call.signal, timeout);
    }
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      if (res.ok) throw new MpcWalletError({ status: res.status, code: CLIENT_ERROR_CODES.BAD_RESPONSE, message: `${route}: the answer is not JSON`, retriable: false, request: route });
      body = undefined;
    }
    if (!res.ok && !(call.answers?.includes(res.status) && body !== undefined)) throw errorFromAnswer(res.status, body, res.headers.get('retry-after'), route);
    return { status: res.status, body: body as T };
  }
}

function mayRetry(call: Call, e: MpcWalletError): boolean {
  if (e.code === CLIENT_ERROR_CODES.ABORTED) return false;
  if (call.retry === 'idempotent') return e.retriable;
  if (e.code === CLIENT_ERROR_CODES.NETWORK_ERROR) return notSent(e.cause);
  return e.code === 'RATE_LIMITED' || (call.refusedBefore ?? []).includes(e.code);
}

/** A fetch failure as NETWORK_ERROR, TIMEOUT or ABORTED (network errors and timeouts are retriable: the server may never have seen them). */
function transportError(e: unknown, route: string, callerSignal: AbortSignal | undefined, timeout: AbortSignal): MpcWalletError {
  if (callerSignal?.aborted) return aborted(callerSignal);
  if (timeout.aborted) return new MpcWalletError({ status: 0, code: CLIENT_ERROR_CODES.TIMEOUT, message: `${route}: no answer in time`, retriable: true, request: route, cause: e });
  const cause = (e as { cause?: unknown }).cause ?? e;
  const code = errorCode(cause);
  return new MpcWalletError({ status: 0, code: CLIENT_ERROR_CODES.NETWORK_ERROR, message: `${route}: ${code ?? (cause as Error | undefined)?.message ?? 'network error'}`, retriable: true, request: route, cause });
}

function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  // Node reports a failed connection to every address of a name as an AggregateError.
  const first = (e as { errors?: unknown[] } | null)?.errors?.[0];
  return first === undefined ? undefined : errorCode(first);
}

function notSent(cause: unknown): boolean {
  const code = errorCode(cause);
  return code !== undefined && NOT_SENT.has(code);
}
