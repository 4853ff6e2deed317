/**
 * The event stream over WebSocket (GET /v1/events): a subscription that reconnects with backoff
 * when the connection drops and resumes after the last event it delivered (`after=<seq>`), so a
 * consumer sees every event once and in order across reconnects, unless the server no longer
 * holds the events it missed (CURSOR_EXPIRED ends the subscription).
 */
import WebSocket from 'ws';
import type { IncomingMessage } from 'node:http';
import { CLIENT_ERROR_CODES, MpcWalletError, errorFromAnswer } from './errors.js';
import { type RetryOptions, backoffDelay, sleep } from './retry.js';
import { type ProgressEvent, type StreamEvent, type WalletEvent, isProgress } from './types.js';

export interface StreamOptions {
  /** Deliver events with seq > after (from the stored backlog first); absent: only events from now on. */
  after?: number;
  /** Event types or families (`signature.*`, including the progress types); all types when absent. */
  types?: string[];
  /** Ends the subscription. */
  signal?: AbortSignal;
  /** Delays between reconnection attempts (attempts: how many in a row before giving up; Infinity by default). */
  reconnect?: Partial<RetryOptions>;
  /**
   * A connection that brings nothing (no frame, no ping) for this long is taken for dead and
   * reopened: a vanished network path closes nothing by itself. The coordinator pings every 30 s;
   * 75 s by default.
   */
  heartbeatTimeoutMs?: number;
}

export interface SubscribeOptions extends StreamOptions {
  /**
   * Called once per event, in seq order (progress reports, which have no seq, where they happen);
   * the next waits for a returned promise. A throw ends the subscription.
   */
  onEvent: (event: StreamEvent) => void | Promise<void>;
  /** Every failure: `error.retriable` says whether the subscription reconnects or has ended. */
  onError?: (error: MpcWalletError) => void;
  /** The backlog is delivered; `seq` is the newest event the server had then. */
  onReady?: (seq: number) => void;
}

export interface Subscription {
  /** The last event delivered (or the `ready` position): where a reconnection resumes. */
  readonly lastSeq: number | undefined;
  /** Ends the subscription. */
  close(): void;
  /** Settles when the subscription ends: resolves when closed, rejects with the error that ended it. */
  readonly closed: Promise<void>;
}

/** Error codes in an `error` frame after which reconnecting cannot help. */
const FATAL_CODES = new Set(['CURSOR_EXPIRED', 'UNAUTHORIZED', 'FORBIDDEN', 'VALIDATION_FAILED', 'NOT_FOUND']);

type Frame = { event: StreamEvent } | { ready: { seq: number } } | { error: { code: string; message: string; retriable?: boolean } };

export interface EventSocketTarget {
  url: URL;
  apiKey?: string;
  retries: RetryOptions;
}

export function subscribe(target: EventSocketTarget, opts: SubscribeOptions): Subscription {
  if (opts.after !== undefined && (!Number.isSafeInteger(opts.after) || opts.after < 0)) throw new TypeError('after must be a non-negative integer');
  const policy: RetryOptions = { attempts: Infinity, baseDelayMs: target.retries.baseDelayMs, maxDelayMs: target.retries.maxDelayMs, ...opts.reconnect };
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let lastSeq = opts.after;
  const heartbeatMs = opts.heartbeatTimeoutMs ?? 75_000;
  if (!(heartbeatMs > 0)) throw new TypeError('heartbeatTimeoutMs must be positive');

  /** One connection: resolves when it closes for a reason worth reconnecting over (returned), rejects on a fatal one. */
  const connectOnce = (onOpen: () => void): Promise<MpcWalletError> =>
    new Promise((resolve, reject) => {
      const url = eventsUrl(target.url, lastSeq, opts.types);
      const ws = new WebSocket(url, { headers: target.apiKey !== undefined ? { authorization: `Bearer ${target.apiKey}` } : {} });
      let settled = false;
      let silence: NodeJS.Timeout | undefined;
      const finish = (error: MpcWalletError, fatal: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(silence);
        stop.signal.removeEventListener('abort', onStop);
        ws.removeAllListeners('message');
        ws.terminate();
        if (fatal) reject(error);
        else resolve(error);
      };
      const onStop = () => finish(new MpcWalletError({ status: 0, code: CLIENT_ERROR_CODES.ABORTED, message: 'closed', retriable: false }), true);
      stop.signal.addEventListener('abort', onStop, { once: true });
      // Silence is timed only while the socket reads: a slow onEvent pauses it (and the pings).
      const heard = () => {
        clearTimeout(silence);
        silence = setTimeout(() => finish(new MpcWalletError({ status: 0, code: CLIENT_ERROR_CODES.TIMEOUT, message: `GET /v1/events: nothing heard for ${heartbeatMs} ms`, retriable: true }), false), heartbeatMs);
      };
      heard();
      ws.on('ping', heard);
      ws.on('pong', heard);

      // Frames are handled one at a time; the socket pauses while a handler runs (backpressure).
      let chain = Promise.resolve();
      ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
        clearTimeout(silence);
        ws.pause();
        chain = chain
          .then(async () => {
            if (settled) return;
            const frame = parseFrame(data, isBinary);
            if ('event' in frame) {
              const event = frame.event;
              if (isProgress(event)) return void (await opts.onEvent(event));
              // A resumed stream starts after lastSeq; anything at or before it was delivered already.
              if (lastSeq !== undefined && event.seq <= lastSeq) return;
              await opts.onEvent(event);
              lastSeq = event.seq;
            } else if ('ready' in frame) {
              // ready 0 names no position (a stream opened without `after` before any live event):
              // resuming "after 0" would replay the whole log, so it is not adopted.
              if (frame.ready.seq > (lastSeq ?? 0)) lastSeq = frame.ready.seq;
              onOpen();
              opts.onReady?.(frame.ready.seq);
            } else {
              const e = frame.error;
              const retriable = typeof e.retriable === 'boolean' ? e.retriable : !FATAL_CODES.has(e.code);
              finish(new MpcWalletError({ status: 0, code: e.code, message: e.message, retriable, request: 'GET /v1/events' }), !retriable);
            }
          })
          .then(
            () => {
              if (settled) return;
              ws.resume();
              heard();
            },
            (e: unknown) => finish(e instanceof MpcWalletError ? e : new MpcWalletError({ status: 0, code: 'HANDLER_FAILED', message: `onEvent threw: ${(e as Error)?.message ?? String(e)}`, retriable: false, cause: e }), true),
          );
      });
      ws.on('unexpected-response', (req, res: IncomingMessage) => {
        // The upgrade was refused with an ordinary HTTP answer (401, 403, 429, 503, …).
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          const error = errorFromAnswer(res.statusCode ?? 0, body, (res.headers['retry-after'] as string | undefined) ?? null, 'GET /v1/events');
          req.destroy();
          finish(error, !error.retriable);
        });
      });
      ws.on('error', (e: Error & { code?: string }) => finish(new MpcWalletError({ status: 0, code: CLIENT_ERROR_CODES.NETWORK_ERROR, message: `GET /v1/events: ${e.code ?? e.message}`, retriable: true, cause: e }), false));
      ws.on('close', (code: number) => {
        // Frames already received are handled before the close counts.
        void chain.then(() => finish(new MpcWalletError({ status: 0, code: CLIENT_ERROR_CODES.NETWORK_ERROR, message: `GET /v1/events: the connection closed (${code})`, retriable: true }), false));
      });
    });

  const closed = (async () => {
    let failures = 0;
    try {
      while (!stop.signal.aborted) {
        const dropped = await connectOnce(() => (failures = 0));
        if (stop.signal.aborted) break;
        failures++;
        opts.onError?.(dropped);
        if (failures >= policy.attempts) throw new MpcWalletError({ status: 0, code: dropped.code, message: `${dropped.message} (gave up after ${failures} attempts)`, retriable: false, cause: dropped });
        await sleep(backoffDelay(policy, failures, dropped.retryAfter), stop.signal).catch(() => undefined);
      }
    } catch (e) {
      if (stop.signal.aborted && (e as MpcWalletError).code === CLIENT_ERROR_CODES.ABORTED) return;
      const error = e as MpcWalletError;
      if (error.retriable === false) opts.onError?.(error);
      throw error;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      stop.abort();
    }
  })();
  // The subscription's end is reported through onError too; an unobserved `closed` must not crash the process.
  closed.catch(() => undefined);

  return {
    get lastSeq() {
      return lastSeq;
    },
    close: () => stop.abort(),
    closed,
  };
}

/**
 * The stream as an async iterator: each event is handed over when the consumer asks for it (the
 * socket waits meanwhile), and leaving the loop closes the subscription.
 */
export function stream(target: EventSocketTarget, opts: StreamOptions): AsyncIterableIterator<StreamEvent> {
  const waiting: { event: StreamEvent; taken: () => void }[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  let failure: unknown;
  const sub = subscribe(target, {
    ...opts,
    onEvent: (event) =>
      new Promise<void>((taken) => {
        waiting.push({ event, taken });
        wake?.();
      }),
  });
  sub.closed.then(
    () => (ended = true),
    (e: unknown) => {
      ended = true;
      failure = e;
    },
  ).finally(() => wake?.());

  const iterator: AsyncIterableIterator<StreamEvent> = {
    async next() {
      for (;;) {
        const item = waiting.shift();
        if (item) {
          item.taken();
          return { value: item.event, done: false };
        }
        if (ended) {
          if (failure !== undefined) throw failure;
          return { value: undefined, done: true };
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    },
    async return() {
      sub.close();
      await sub.closed.catch(() => undefined);
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

function eventsUrl(base: URL, after: number | undefined, types: string[] | undefined): URL {
  const url = new URL('v1/events', base.href.endsWith('/') ? base : new URL(`${base.href}/`));
  url.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  if (after !== undefined) url.searchParams.set('after', String(after));
  if (types?.length) url.searchParams.set('types', types.join(','));
  return url;
}

function parseFrame(data: WebSocket.RawData, isBinary: boolean): Frame {
  const text = isBinary ? '' : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    frame = undefined;
  }
  if (typeof frame === 'object' && frame !== null) {
    const f = frame as Record<string, unknown>;
    const event = f.event as Partial<WalletEvent> | undefined;
    if (event && typeof event.type === 'string' && typeof event.seq === 'number') return { event: event as WalletEvent };
    // Progress reports carry no seq (they are not stored).
    if (event && typeof event.type === 'string' && event.seq === undefined && event.type.endsWith('.progress')) return { event: event as ProgressEvent };
    const ready = f.ready as { seq?: unknown } | undefined;
    if (ready && typeof ready.seq === 'number') return { ready: { seq: ready.seq } };
    const error = f.error as { code?: unknown; message?: unknown; retriable?: unknown } | undefined;
    if (error && typeof error.code === 'string') return { error: { code: error.code, message: String(error.message ?? error.code), ...(typeof error.retriable === 'boolean' ? { retriable: error.retriable } : {}) } };
  }
  // Not the protocol: reconnecting resumes cleanly, where going on could skip or misread events.
  return { error: { code: CLIENT_ERROR_CODES.BAD_RESPONSE, message: 'a frame that is not an event, ready or error', retriable: true } };
}
