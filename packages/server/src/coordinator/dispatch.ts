/**
 * Sends one signed session request to a set of nodes and gathers their results; turns node
 * failures into one API error naming the parties that did not answer or that the protocol
 * convicted. Every request gets a fresh random session id (nodes refuse a reused one anyway).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { bytesToHex } from '@mpc-wallet/core';
import { ApiError } from '../errors.js';
import { type SessionRequest, type SignedRequest, signRequest } from '../session/request.js';
import type { RequestResult } from '../session/request.js';
import type { NodeHub, NodeProgress } from './node-hub.js';

/** A request body without the envelope fields the dispatcher fills in. */
export type RequestBody = SessionRequest extends infer R ? (R extends unknown ? Omit<R, 'id' | 'session' | 'issuedAt' | 'expiresAt'> : never) : never;

/** Results that mean the node will not take part in the session. */
const ABSENT = new Set(['NODE_OFFLINE', 'NODE_TIMEOUT', 'POOL_ITEM_GONE']);

/** How long a node may take to receive a request and start on it (not how long the protocol runs). */
const REQUEST_TTL_MS = 60_000;

/** What a request's progress reports are about: the key being made or refreshed, or the signature request. */
export interface ProgressSubject {
  type: 'key.progress' | 'signature.progress';
  subject: string;
}

export class Dispatcher {
  constructor(
    private readonly hub: NodeHub,
    private readonly requestKey: Uint8Array,
    /** Hears the rounds nodes report for requests run with a subject (the event feed's progress events). */
    private readonly onProgress?: (about: ProgressSubject, step: NodeProgress) => void,
  ) {}

  /**
   * Runs `body` on `nodes`; resolves with every node's result, failures included. `session` is
   * for a caller that records the session id before the nodes hear of it (a refresh does).
   */
  async runAll(nodes: readonly number[], body: RequestBody, timeoutMs: number, id: string = randomUUID(), session: string = newSession(), about?: ProgressSubject): Promise<[number, RequestResult][]> {
    const now = Date.now();
    const request = { ...body, id, session, issuedAt: now, expiresAt: now + REQUEST_TTL_MS } as SessionRequest;
    const signed = signRequest(request, this.requestKey);
    const onProgress = this.onProgress;
    return this.gather(nodes, signed, timeoutMs, about && onProgress && ((step) => onProgress(about, step)));
  }

  /** Runs `body` on `nodes`; resolves with every node's output, or throws an ApiError. Rounds are reported as progress of `about`. */
  async run(nodes: readonly number[], body: RequestBody, timeoutMs: number, id?: string, about?: ProgressSubject): Promise<Map<number, Record<string, unknown>>> {
    const results = await this.runAll(nodes, body, timeoutMs, id, undefined, about);
    const failed = failures(results);
    if (failed.length) throw failureOf(failed);
    return new Map(results.map(([n, r]) => [n, (r as Extract<RequestResult, { ok: true }>).output]));
  }

  /**
   * Every node's result, in node order. A node that will not take part (offline, not answering,
   * or without its pooled item) would leave its peers waiting until their protocol timeout, so
   * they are told to stop at once (NodeHub.cancel); for a lost pooled item the results so far are
   * returned without waiting for theirs.
   */
  private gather(nodes: readonly number[], signed: SignedRequest, timeoutMs: number, progress?: (p: NodeProgress) => void): Promise<[number, RequestResult][]> {
    return new Promise((resolve) => {
      const results = new Map<number, RequestResult>();
      const refs = new Map(nodes.map((n) => [n, randomUUID()] as const));
      const done = () => resolve(nodes.filter((n) => results.has(n)).map((n) => [n, results.get(n)!]));
      for (const n of nodes) {
        void this.hub
          .request(n, signed, timeoutMs, refs.get(n), progress)
          .catch((e: unknown): RequestResult => ({ ok: false, error: { code: 'NODE_ERROR', message: (e as Error).message } }))
          .then((r) => {
            results.set(n, r);
            const absent = !r.ok && ABSENT.has(r.error.code);
            if (absent) for (const other of nodes) if (!results.has(other)) this.hub.cancel(other, refs.get(other)!, [n]);
            if (results.size === nodes.length || (!r.ok && r.error.code === 'POOL_ITEM_GONE')) done();
          });
      }
    });
  }
}

/** A fresh session id: 32 random bytes, hex. */
export function newSession(): string {
  return bytesToHex(randomBytes(32));
}

export function failures(results: readonly [number, RequestResult][]): [number, Extract<RequestResult, { ok: false }>][] {
  return results.filter((r): r is [number, Extract<RequestResult, { ok: false }>] => !r[1].ok);
}

export function successes(results: readonly [number, RequestResult][]): [number, Record<string, unknown>][] {
  return results.flatMap(([n, r]) => (r.ok ? [[n, r.output] as [number, Record<string, unknown>]] : []));
}

/**
 * One error for the failures of several nodes. Unanswered parties (offline, timed out) make it
 * retriable with another quorum; a protocol abort names the culprits the nodes agreed on.
 */
export function failureOf(failed: readonly [number, Extract<RequestResult, { ok: false }>][]): ApiError {
  const waitingFor = new Set<number>();
  const culprits = new Set<number>();
  for (const [, r] of failed) {
    for (const id of r.error.waitingFor ?? []) waitingFor.add(id);
    for (const id of r.error.culprits ?? []) culprits.add(id);
  }
  const codes = new Set(failed.map(([, r]) => r.error.code));
  const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
  const summary = failed.map(([n, r]) => `node ${n}: ${r.error.message}`).join('; ');
  const gone = failed.filter(([, r]) => r.error.code === 'POOL_ITEM_GONE').map(([n]) => n);
  if (gone.length) return new ApiError('POOL_ITEM_GONE', summary, { gone });
  // A node refused the transaction the coordinator accepted: the node's parse is the one that counts.
  if (codes.has('TRANSACTION_REFUSED')) return new ApiError('CHAIN_INPUT_REFUSED', summary);
  if (codes.has('PROTOCOL_ABORTED') && culprits.size) return new ApiError('PROTOCOL_ABORTED', summary, { culprits: sorted(culprits) });
  if (waitingFor.size || codes.has('NODE_OFFLINE') || codes.has('NODE_TIMEOUT') || codes.has('PROTOCOL_TIMEOUT')) {
    return new ApiError('NODES_UNAVAILABLE', summary, { waitingFor: sorted(waitingFor) });
  }
  if (codes.has('PROTOCOL_ABORTED')) return new ApiError('PROTOCOL_ABORTED', summary);
  return new ApiError('INTERNAL', summary);
}
