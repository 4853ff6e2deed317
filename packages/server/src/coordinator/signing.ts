/**
 * Signing service: one signature per request, exactly once per idempotency key. The request is
 * recorded first (a uniqueness rule on (key, idempotency key) in the metadata store decides which
 * of two concurrent requests runs); a retry with the same key and body gets the first result, or
 * re-runs a request that failed retriably; another body is a conflict. The coordinator picks a
 * quorum of online committee members and, when some of them drop out, one other quorum before
 * giving up with a retriable error naming them. Every signature is verified here too.
 *
 * With pools, the quorum's pooled items (FROST nonce commitments, an ECDSA presignature for a
 * message the nodes hash) make the signature one online round; an empty pool means the unpooled
 * path, and a node that no longer holds its item gets its pool dropped and the request re-run
 * without pools. A pooled FROST signature of a key whose verifying shares are known needs no
 * message between the nodes at all: each sends its share here (FrostAggregator).
 */
import { createHash, randomUUID } from 'node:crypto';
import { bytesToHex, ecdsaMessageDigest, hexToBytes } from '@mpc-wallet/core';
import { ApiError } from '../errors.js';
import { StoreError, isUnavailable } from '../stores/errors.js';
import { encodePublicKey, signedDigest, verifies } from '../session/schemes.js';
import { itemTarget, prepareForKey } from '../session/chain-signing.js';
import { derivedAlong, groupPoint, refusingChainInput } from './chain-keys.js';
import type { KeyRecord, SignatureRecord, SignatureStatus, SignatureStore } from '../stores/types.js';
import type { Dispatcher } from './dispatch.js';
import { FrostAggregator, ShareBatches } from './frost-aggregator.js';
import type { KeyService } from './keys.js';
import { type NodeHub, availableSigners } from './node-hub.js';
import type { Pools } from './pools.js';
import { StageTimes, reportedTiming } from '../session/timing.js';
import { type AuditLog, signatureDetails, signatureOutcome } from './audit.js';
import { decodeCursor, nextCursor } from './page-cursor.js';
import type { SignInput } from './sign-input.js';
import type { SignatureObserver } from './metrics.js';

export interface SignatureResponse {
  id: string;
  keyId: string;
  signature: string;
  recoveryId?: number;
  digest?: string;
  /** The key that signed: the key's own, or its child along `path`. */
  publicKey: string;
  path?: string;
  signers: number[];
  /** Whether the signature used pooled nonces or a pooled presignature (one online round). */
  pooled: boolean;
  /** For a raw ECDSA digest: it was signed with a presignature made for it (slower than pooled). */
  presignature?: 'made-for-this-digest';
}

const POLL_MS = 100;
/** How often the instance running a request with an idempotency key marks its record as alive. */
const HEARTBEAT_MS = 1_000;
/**
 * How long such a record must lie untouched before a retry takes it over: its instance died (or
 * lost the database for that long). Several heartbeats, so that a slow write is no death.
 */
const STALE_AFTER_MS = 5 * HEARTBEAT_MS;
/** How often an outcome is written again while the database does not answer. */
const STORE_RETRY_MS = 250;

export class SigningService {
  constructor(
    private readonly keys: KeyService,
    private readonly signatures: SignatureStore,
    private readonly hub: NodeHub,
    private readonly dispatcher: Dispatcher,
    private readonly timeoutMs = 60_000,
    /** Absent: every signature takes the unpooled path. */
    private readonly pools?: Pools,
    /** Absent: nothing is audited (tests of other parts). */
    private readonly audit?: AuditLog,
    /** Told of every request run (metrics). */
    private readonly observer?: SignatureObserver,
  ) {
    this.shareBatches = new ShareBatches(dispatcher, timeoutMs);
  }

  private readonly aggregator = new FrostAggregator();
  /** Pooled FROST signatures of one key and quorum, gathered into shared node requests. */
  private readonly shareBatches: ShareBatches;

  /** Checks the input against the key's scheme before anything is recorded. */
  private validate(key: KeyRecord, input: SignInput): void {
    if (input.transaction) {
      if (input.message !== undefined || input.hash !== undefined || input.digest !== undefined) throw new ApiError('VALIDATION_FAILED', 'a transaction is signed alone');
    } else if (key.scheme !== 'ecdsa-secp256k1') {
      if (input.hash !== undefined || input.digest !== undefined || input.message === undefined) {
        throw new ApiError('UNSUPPORTED_FOR_SCHEME', `${key.scheme} signs { "message" } only: the message itself, without a hash or digest`);
      }
    } else if ((input.digest === undefined) === (input.message === undefined) || (input.message !== undefined && input.hash === undefined) || (input.digest !== undefined && input.hash !== undefined)) {
      throw new ApiError('UNSUPPORTED_FOR_SCHEME', 'ECDSA signs { "message", "hash" } or { "digest" }');
    }
    const chosen = input.signers;
    if (chosen && (chosen.length < key.threshold || chosen.some((p, i) => !key.parties.includes(p) || (i > 0 && p <= chosen[i - 1]!)))) {
      throw new ApiError('VALIDATION_FAILED', `signers must be at least ${key.threshold} distinct members of the committee ${key.parties.join(',')}, ascending`);
    }
  }

  /** A page of signature requests, newest first, after `cursor` (the previous page's `next`). */
  async list(opts: { keyId?: string; status?: SignatureStatus; cursor?: string; limit: number }): Promise<{ signatures: SignatureRecord[]; next?: string }> {
    const before = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor);
    const signatures = await this.signatures.list({ ...(opts.keyId ? { keyId: opts.keyId } : {}), ...(opts.status ? { status: opts.status } : {}), ...(before ? { before } : {}), limit: opts.limit });
    return { signatures, ...nextCursor(signatures, opts.limit) };
  }

  async get(id: string): Promise<SignatureRecord> {
    const record = await this.signatures.get(id);
    if (!record) throw new ApiError('SIGNATURE_NOT_FOUND', `no signature request ${id}`);
    return record;
  }

  /**
   * Signs, or replays the first result for the same idempotency key. `times` collects where the
   * time went: this coordinator's stages and, prefixed `node-`, the signers' own (their mean).
   */
  async sign(keyId: string, input: SignInput, idempotencyKey?: string, times: StageTimes = new StageTimes()): Promise<SignatureResponse> {
    const recording = performance.now();
    const key = await this.activeKey(keyId);
    this.validate(key, input);
    // What the signature is over and under which key, as the nodes will compute it (refused here first).
    const target = signingTarget(key, input);
    return this.signChecked(key, input, target, idempotencyKey, times, recording);
  }

  /**
   * Signs many messages (or digests) with one key. Every item is checked before any is signed;
   * then they run concurrently, so the pooled FROST signatures of one quorum reach the nodes
   * together (ShareBatches: up to 64 in one `sign-shares` request). Each item is a signature
   * request of its own (the idempotency key suffixed `#i`); the answer keeps the order, a failed
   * item carrying its error instead of a signature.
   */
  async signBatch(keyId: string, inputs: readonly SignInput[], idempotencyKey?: string): Promise<(SignatureResponse | { error: ReturnType<ApiError['toJSON']>['error'] })[]> {
    const key = await this.activeKey(keyId);
    const targets = inputs.map((input, i) => {
      try {
        this.validate(key, input);
        return signingTarget(key, input);
      } catch (e) {
        if (e instanceof ApiError) throw new ApiError(e.code, `item ${i}: ${e.message}`, e.details);
        throw e;
      }
    });
    return Promise.all(
      inputs.map((input, i) =>
        this.signChecked(key, input, targets[i]!, idempotencyKey === undefined ? undefined : `${idempotencyKey}#${i}`, new StageTimes(), performance.now()).catch((e: unknown) => ({
          error: (e instanceof ApiError ? e : new ApiError('INTERNAL', (e as Error).message)).toJSON().error,
        })),
      ),
    );
  }

  private async activeKey(keyId: string): Promise<KeyRecord> {
    const key = await this.keys.forSigning(keyId);
    if (key.status !== 'active') throw new ApiError('KEY_NOT_ACTIVE', `key ${keyId} is ${key.status}`);
    return key;
  }

  /** Records (with an idempotency key) and runs a request already checked against its key. */
  private async signChecked(key: KeyRecord, input: SignInput, target: SigningTarget, idempotencyKey: string | undefined, times: StageTimes, recording: number): Promise<SignatureResponse> {
    const requestHash = createHash('sha256')
      .update(JSON.stringify([key.id, input.message ?? null, input.hash ?? null, input.digest ?? null, input.signers ?? null, ...(input.path !== undefined || input.transaction ? [input.path ?? null, input.transaction ?? null] : [])]))
      .digest('hex');
    const now = new Date();
    const record: SignatureRecord = { id: randomUUID(), keyId: key.id, idempotencyKey: idempotencyKey ?? null, requestHash, status: 'pending', result: null, createdAt: now, updatedAt: now };
    // Without an idempotency key nobody can ask for the request before its answer names it: it
    // is recorded once, finished (one statement instead of two).
    if (idempotencyKey === undefined) {
      times.add('record', performance.now() - recording);
      return this.execute(record, key, input, target, times);
    }
    const created = await this.signatures.create(record);
    times.add('record', performance.now() - recording);
    if (!created.created) return this.replay(created.existing, requestHash, key, input, target, times);
    return this.execute(record.id, key, input, target, times);
  }

  /** The same idempotency key again: the first result, a re-run after a retriable failure, or a conflict. */
  private async replay(existing: SignatureRecord, requestHash: string, key: KeyRecord, input: SignInput, target: SigningTarget, times: StageTimes): Promise<SignatureResponse> {
    if (existing.requestHash !== requestHash) throw new ApiError('IDEMPOTENCY_CONFLICT', 'this idempotency key was used with another request body');
    const deadline = Date.now() + this.timeoutMs;
    let current: SignatureRecord | undefined = existing;
    while (current?.status === 'pending') {
      // No heartbeat for a while: the instance that ran it died. One retry takes it over
      // (compare-and-set). Should the first instance only have stalled, whichever finishes first
      // decides the answer for both (see execute).
      if (await this.signatures.reclaim(current.id, requestHash, STALE_AFTER_MS)) return this.execute(current.id, key, input, target, times);
      if (Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      current = await this.signatures.get(existing.id);
    }
    if (!current || current.status === 'pending') throw new ApiError('REQUEST_IN_PROGRESS', 'the first request with this idempotency key is still running');
    const failure = current.status === 'failed' ? (current.result as { retriable?: boolean } | null) : null;
    if (failure?.retriable && (await this.signatures.reopen(current.id, requestHash))) return this.execute(current.id, key, input, target, times);
    return outcome(current);
  }

  /**
   * Runs a recorded request (its id), or one to record only when finished (its pending record).
   * A recorded request's heartbeat keeps other instances from taking it over while it runs; were
   * it taken over anyway (this instance stalled), the outcome recorded first is the answer.
   */
  private async execute(request: string | SignatureRecord, key: KeyRecord, input: SignInput, target: SigningTarget, times: StageTimes): Promise<SignatureResponse> {
    const id = typeof request === 'string' ? request : request.id;
    // What the audit log keeps of the request (hashes, never content), computed once for both entries.
    const details = this.audit && signatureDetails(key, input);
    /** Records the outcome; returns the one recorded first by another instance instead, if any. */
    const finish = async (status: 'completed' | 'failed', result: unknown): Promise<SignatureRecord | undefined> => {
      // The outcome's audit entry is written alongside the record, not after it.
      const audited = details && this.audit?.tryRecord(signatureOutcome(id, details, status, result));
      try {
        await this.untilStored(() => (typeof request === 'string' ? this.signatures.finish(id, status, result) : this.signatures.create({ ...request, status, result, updatedAt: new Date() }).then(() => undefined)));
      } catch (e) {
        const first = e instanceof StoreError && typeof request === 'string' ? await this.signatures.get(id) : undefined;
        if (!first || first.status === 'pending') throw e;
        return first;
      } finally {
        await audited;
      }
      return undefined;
    };
    const heartbeat = typeof request === 'string' ? setInterval(() => void this.signatures.touch(id).catch(() => false), HEARTBEAT_MS) : undefined;
    const ended = this.pools?.signingStarted();
    const started = performance.now();
    try {
      // Fail closed: no node is asked to sign before the request is durably in the audit log.
      if (details) await this.audit!.record({ action: 'signature.requested', actor: input.requestedBy ?? 'coordinator', subject: id, details });
      const response = await this.signWithQuorum(id, key, input, target, times);
      const first = await times.measure('finish', () => finish('completed', response));
      this.observer?.signature(key.scheme, 'completed', response.pooled, (performance.now() - started) / 1000);
      return first ? outcome(first) : response;
    } catch (e) {
      // A store that did not answer fails the request retriably: the retry reopens it.
      const error = e instanceof ApiError ? e : isUnavailable(e) ? new ApiError('STORE_UNAVAILABLE', 'a store did not answer; retry') : new ApiError('INTERNAL', (e as Error).message);
      const first = await finish('failed', { ...error.toJSON().error });
      this.observer?.signature(key.scheme, 'failed', false, (performance.now() - started) / 1000, error);
      if (first) return outcome(first);
      throw error;
    } finally {
      clearInterval(heartbeat);
      ended?.();
    }
  }

  /**
   * Writes an outcome, again and again while the database does not answer (up to the signing
   * timeout): a signature made is kept and answered when it is back, not made a second time by
   * the client's retry.
   */
  private async untilStored(write: () => Promise<void>): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      try {
        return await write();
      } catch (e) {
        if (!isUnavailable(e) || Date.now() >= deadline) throw e;
        await new Promise((r) => setTimeout(r, STORE_RETRY_MS));
      }
    }
  }

  private quorum(key: KeyRecord, excluded: ReadonlySet<number>, chosen?: number[]): number[] {
    if (chosen) {
      // The caller's choice is kept: no other quorum is tried.
      const offline = chosen.filter((p) => !this.hub.isOnline(p) || excluded.has(p));
      if (offline.length) throw new ApiError('NOT_ENOUGH_NODES', `chosen signers offline: ${offline.join(', ')}`, { waitingFor: offline });
      return chosen;
    }
    const online = availableSigners(key, (p) => this.hub.isOnline(p), excluded);
    if (online.length < key.threshold) throw new ApiError('NOT_ENOUGH_NODES', `key needs ${key.threshold} of its committee online; ${online.length} available`);
    return online.slice(0, key.threshold);
  }

  private async signWithQuorum(id: string, key: KeyRecord, input: SignInput, target: SigningTarget, times: StageTimes): Promise<SignatureResponse> {
    const excluded = new Set<number>();
    let usePool = this.pools !== undefined;
    for (let attempt = 0; ; ) {
      // The quorum among online nodes first, then its pooled items: each needs all its holders.
      const signers = this.quorum(key, excluded, input.signers);
      const pooled = usePool ? await times.measure('pool', () => this.pools!.claim(key, signers, input)) : undefined;
      // Pooled FROST of a key whose verifying shares are known: the nodes send shares, aggregated
      // here (a derived key or a transaction goes through the nodes' own protocol).
      const commitments = pooled && 'commitments' in pooled ? pooled.commitments : undefined;
      const aggregating = commitments && !input.path && !input.transaction ? this.aggregator.publicKey(key) : undefined;
      // A FROST key without a public package signs through the node-side protocol meanwhile.
      if (commitments && !aggregating) void this.keys.learnPublicPackage(key);
      try {
        const outputs = await times.measure('nodes', () => {
          if (aggregating) return this.shareBatches.run(key, signers, { id, message: input.message!, commitments: commitments! });
          const body = {
            kind: 'sign',
            keyId: key.id,
            version: key.version,
            signers,
            ...(input.message !== undefined ? { message: input.message } : {}),
            ...(input.hash ? { hash: input.hash } : {}),
            ...(input.digest ? { digest: input.digest } : {}),
            ...(input.transaction ? { transaction: input.transaction } : {}),
            ...(input.path !== undefined ? { path: input.path } : {}),
            ...pooled,
          } as const;
          return this.dispatcher.run(signers, body, this.timeoutMs, id, { type: 'signature.progress', subject: id });
        });
        addNodeTimes(times, outputs);
        const verifying = performance.now();
        // An aggregate is verified by the aggregator, under this key and message (see FrostAggregator).
        const response = aggregating
          ? this.responseFor(id, key, input, target, signers, bytesToHex(this.aggregator.aggregate(aggregating, hexToBytes(input.message!), commitments!, outputs)), pooled !== undefined)
          : this.response(id, key, input, target, signers, [...outputs.values()], pooled !== undefined);
        times.add('verify', performance.now() - verifying);
        return response;
      } catch (e) {
        if (pooled && e instanceof ApiError && e.code === 'POOL_ITEM_GONE') {
          // A node lost what the pool listed for it: drop its pool and sign without pools.
          await this.pools!.dropHolders(key, signers, e.details?.gone ?? []);
          usePool = false;
          continue;
        }
        // Another quorum without the parties that dropped out or were convicted, once.
        const named = e instanceof ApiError ? [...(e.details?.waitingFor ?? []), ...(e.details?.culprits ?? [])] : [];
        if (attempt > 0 || named.length === 0) throw e;
        for (const n of named) excluded.add(n);
        attempt++;
      }
    }
  }

  /** The response for the first node output whose signature verifies. */
  private response(id: string, key: KeyRecord, input: SignInput, target: SigningTarget, signers: number[], outputs: Record<string, unknown>[], pooled: boolean): SignatureResponse {
    const { signed, verifyKey } = target;
    const out = outputs.find((o) => typeof o.signature === 'string' && /^[0-9a-f]{128}$/.test(o.signature) && verifies(key.scheme, verifyKey, signed, hexToBytes(o.signature)));
    if (!out) throw new ApiError('INTERNAL', 'no node returned a valid signature');
    return this.responseFor(id, key, input, target, signers, String(out.signature), pooled, Number(out.recoveryId));
  }

  /** The response carrying a verified `signature`. */
  private responseFor(id: string, key: KeyRecord, input: SignInput, target: SigningTarget, signers: number[], signature: string, pooled: boolean, recoveryId?: number): SignatureResponse {
    const response: SignatureResponse = { id, keyId: key.id, signature, publicKey: target.publicKey, signers, pooled, ...(input.path !== undefined ? { path: input.path } : {}) };
    if (key.scheme === 'ecdsa-secp256k1') {
      if (recoveryId !== undefined) response.recoveryId = recoveryId;
      response.digest = bytesToHex(target.signed);
      if (input.digest) response.presignature = 'made-for-this-digest';
    }
    return response;
  }
}

/** What a request's signature is over and what it verifies under, computed as the nodes compute it. */
interface SigningTarget {
  /** What the scheme verifies: the message (Schnorr/EdDSA) or the 32-byte digest (ECDSA). */
  signed: Uint8Array;
  /** The encoded key the signature verifies under (a Taproot item's: the output key). */
  verifyKey: Uint8Array;
  /** The signing key as the scheme encodes it (derived along the path when there is one). */
  publicKey: string;
}

function signingTarget(key: KeyRecord, input: SignInput): SigningTarget {
  const point = input.path !== undefined || input.transaction ? groupPoint(key) : undefined;
  const signing = point ? derivedAlong(key, point, input.path) : undefined;
  if (!signing || !input.transaction) {
    const signed = signedDigest(key.scheme, {
      ...(input.message !== undefined ? { message: hexToBytes(input.message) } : {}),
      ...(input.hash ? { hash: input.hash } : {}),
      ...(input.digest ? { digest: hexToBytes(input.digest) } : {}),
    });
    const publicKey = signing ? bytesToHex(encodePublicKey(key.scheme, signing)) : key.publicKey!;
    return { signed, verifyKey: hexToBytes(publicKey), publicKey };
  }
  const { prepared } = refusingChainInput(() => prepareForKey(key.scheme, signing, input.transaction!));
  const item = prepared.items[input.transaction.item];
  if (!item) throw new ApiError('VALIDATION_FAILED', `the transaction has ${prepared.items.length} signing item(s)`);
  const target = refusingChainInput(() => itemTarget(key.scheme, signing, item));
  const signed = target.hash ? ecdsaMessageDigest(target.hash, target.message) : target.message;
  return { signed, verifyKey: target.verifyKey, publicKey: bytesToHex(encodePublicKey(key.scheme, signing)) };
}

/** The signers' own stage times, averaged, as `node-<stage>`; a node's malformed report is left out. */
function addNodeTimes(times: StageTimes, outputs: Map<number, Record<string, unknown>>): void {
  const reports = [...outputs.values()].map((o) => reportedTiming(o.timing)).filter((t) => t !== undefined);
  for (const stage of new Set(reports.flatMap((t) => Object.keys(t)))) {
    times.add(`node-${stage}`, reports.reduce((sum, t) => sum + (t[stage] ?? 0), 0) / reports.length);
  }
}

/** What a finished record answers: its signature, or its failure (as the first request's). */
function outcome(record: SignatureRecord): SignatureResponse {
  if (record.status === 'completed') return record.result as SignatureResponse;
  const failure = record.result as { code?: string } | null;
  throw new ApiError((failure?.code as ApiError['code'] | undefined) ?? 'INTERNAL', 'the first request with this idempotency key failed');
}
