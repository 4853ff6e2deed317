/**
 * Key service: creates keys by distributed key generation on a committee of online nodes,
 * makes CGGMP auxiliary information once per committee for ECDSA, and refreshes shares. A key is
 * `active` only when every committee member reported the same public key; anything else leaves
 * it `failed`, never half-made and active.
 */
import { randomUUID } from 'node:crypto';
import { ApiError } from '../errors.js';
import type { Scheme } from '../session/request.js';
import type { CommitteeStore, KeyRecord, KeyStore, SessionStore } from '../stores/types.js';
import { type Dispatcher, failureOf, failures, successes } from './dispatch.js';
import type { NodeHub } from './node-hub.js';
import type { Pools } from './pools.js';
import { type Logger, silentLogger } from '../log.js';

export interface KeyServiceTimeouts {
  keygenMs: number;
  auxMs: number;
  /** How long `create` waits before answering "pending". */
  answerWithinMs: number;
}

export const DEFAULT_KEY_TIMEOUTS: KeyServiceTimeouts = { keygenMs: 60_000, auxMs: 15 * 60_000, answerWithinMs: 20_000 };

/**
 * How long signing reuses an active key's record before reading it again. A refresh here drops
 * it at once; one on another instance is seen this much later, no later than a request already
 * in flight during the refresh would be (the nodes refuse the old version either way).
 */
const ACTIVE_KEY_CACHE_MS = 1_000;

export class KeyService {
  constructor(
    private readonly keys: KeyStore,
    private readonly committees: CommitteeStore,
    /** Locks shared by coordinator instances: one refresh of a key at a time. */
    private readonly locks: SessionStore,
    private readonly hub: NodeHub,
    private readonly dispatcher: Dispatcher,
    private readonly timeouts: KeyServiceTimeouts = DEFAULT_KEY_TIMEOUTS,
    private readonly logger: Logger = silentLogger,
    /** Told when a refresh retired a key version, so that its pooled items go. */
    private readonly pools?: Pick<Pools, 'dropVersion'>,
  ) {}

  /** Active keys as signing read them lately: every signature needs its key, and they rarely change. */
  private readonly active = new Map<string, { key: KeyRecord; until: number }>();

  async get(id: string): Promise<KeyRecord> {
    const key = await this.keys.get(id);
    if (!key) throw new ApiError('KEY_NOT_FOUND', `no key ${id}`);
    return key;
  }

  /** The key for a signature: an active key's record may be up to ACTIVE_KEY_CACHE_MS old. */
  async forSigning(id: string): Promise<KeyRecord> {
    const cached = this.active.get(id);
    if (cached && cached.until > Date.now()) return cached.key;
    const key = await this.get(id);
    if (key.status === 'active') this.active.set(id, { key, until: Date.now() + ACTIVE_KEY_CACHE_MS });
    else this.active.delete(id);
    // A bound on what keys signed with once and never again leave behind.
    if (this.active.size > 10_000) this.active.clear();
    return key;
  }

  list(opts: { limit?: number; after?: string } = {}): Promise<KeyRecord[]> {
    return this.keys.list(opts);
  }

  /** Online nodes forming a committee of `parties` members, or NOT_ENOUGH_NODES. */
  private committee(parties: number): number[] {
    const online = this.hub.onlineNodes();
    if (online.length < parties) throw new ApiError('NOT_ENOUGH_NODES', `${parties} nodes needed, ${online.length} online`);
    return online.slice(0, parties);
  }

  /**
   * Starts key generation; resolves with the key once active or failed, or still pending after
   * `answerWithinMs` (the work goes on; GET /v1/keys/{id} tells the outcome).
   */
  async create(req: { scheme: Scheme; threshold: number; parties: number; label?: string }): Promise<KeyRecord> {
    const parties = this.committee(req.parties);
    const now = new Date();
    const key: KeyRecord = {
      id: randomUUID(),
      scheme: req.scheme,
      threshold: req.threshold,
      parties,
      publicKey: null,
      status: 'pending',
      label: req.label ?? null,
      version: 1,
      failure: null,
      certificate: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.keys.insert(key);
    const work = this.generate(key);
    const answered = await Promise.race([work, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), this.timeouts.answerWithinMs).unref())]);
    return answered ?? key;
  }

  /**
   * Runs a dealing (DKG or refresh) on the whole committee. One node's output is enough to know
   * that every member confirmed holding its new share (the certificate in it says so); members
   * that did not answer finish from that certificate (`complete`), now or when they reconnect.
   * No output at all means no certificate exists: the dealing changed nothing.
   */
  private async deal(key: KeyRecord, body: Parameters<Dispatcher['runAll']>[1], version: number): Promise<{ publicKey: string; certificate: string }> {
    const results = await this.dispatcher.runAll(key.parties, body, this.timeouts.keygenMs);
    const done = successes(results);
    if (!done.length) throw failureOf(failures(results));
    const publicKeys = new Set(done.map(([, o]) => o.publicKey));
    if (publicKeys.size !== 1 || done.some(([, o]) => o.version !== version)) throw new ApiError('INTERNAL', 'nodes reported different outcomes of one dealing');
    const certificate = String(done[0]![1].certificate);
    const lagging = failures(results).map(([n]) => n);
    if (lagging.length) this.logger.warn('dealing finished without some nodes; they complete from its certificate', { key: key.id, version, nodes: lagging });
    for (const node of lagging) void this.complete(node, key.id, version, certificate);
    return { publicKey: String([...publicKeys][0]), certificate };
  }

  /** Asks a node that missed the end of a dealing to finish it from the certificate. */
  private async complete(node: number, keyId: string, version: number, certificate: string): Promise<void> {
    if (!this.hub.isOnline(node)) return;
    await this.dispatcher.run([node], { kind: 'complete', keyId, version, certificate }, this.timeouts.keygenMs).catch((e: unknown) => {
      this.logger.warn('node could not complete a dealing', { node, key: keyId, version, reason: (e as Error).message });
    });
  }

  /**
   * A node (re)connected holding pending shares: those of a dealing that finished (the key is at
   * that version and its certificate is known) are completed now.
   */
  async resume(node: number, pending: readonly { keyId: string; version: number }[]): Promise<void> {
    for (const p of pending) {
      const key = await this.keys.get(p.keyId).catch(() => undefined);
      if (key?.certificate && key.version === p.version && key.parties.includes(node)) await this.complete(node, key.id, key.version, key.certificate);
    }
  }

  private async generate(key: KeyRecord): Promise<KeyRecord> {
    try {
      const { publicKey, certificate } = await this.deal(key, { kind: 'keygen', keyId: key.id, scheme: key.scheme, threshold: key.threshold, parties: key.parties }, 1);
      if (key.scheme === 'ecdsa-secp256k1') await this.ensureAux(key.parties);
      await this.keys.update(key.id, { status: 'pending', version: 1 }, { status: 'active', publicKey, certificate });
      return { ...key, status: 'active', publicKey, certificate, updatedAt: new Date() };
    } catch (e) {
      const failure = e instanceof ApiError ? JSON.stringify(e.toJSON().error) : JSON.stringify({ code: 'INTERNAL', message: (e as Error).message });
      this.logger.warn('key generation failed', { key: key.id, failure });
      await this.keys.update(key.id, { status: 'pending', version: 1 }, { status: 'failed', failure });
      return { ...key, status: 'failed', failure, updatedAt: new Date() };
    }
  }

  /** Auxiliary information for a committee: made once, reused by every ECDSA key on it. */
  private async ensureAux(parties: number[]): Promise<void> {
    const name = parties.join('-');
    if ((await this.committees.get(name))?.auxReady) return;
    await this.dispatcher.run(parties, { kind: 'aux', parties }, this.timeouts.auxMs);
    await this.committees.put({ name, parties, auxReady: true });
  }

  /** Proactive refresh: new shares for the whole committee, same public key. */
  async refresh(id: string): Promise<KeyRecord> {
    const key = await this.get(id);
    if (key.status !== 'active') throw new ApiError('KEY_NOT_ACTIVE', `key ${id} is ${key.status}`);
    const offline = key.parties.filter((p) => !this.hub.isOnline(p));
    if (offline.length) throw new ApiError('NOT_ENOUGH_NODES', `refresh needs every committee member; offline: ${offline.join(', ')}`, { waitingFor: offline });
    const lock = `refresh:${id}`;
    const token = await this.locks.lock(lock, this.timeouts.keygenMs * 2);
    if (!token) throw new ApiError('REQUEST_IN_PROGRESS', `key ${id} is being refreshed`);
    try {
      return await this.refreshLocked(key);
    } finally {
      await this.locks.unlock(lock, token);
    }
  }

  private async refreshLocked(key: KeyRecord): Promise<KeyRecord> {
    const next = key.version + 1;
    // Until the refresh is done, signing asks the store, which says the new version once there is one.
    this.active.delete(key.id);
    const { publicKey, certificate } = await this.deal(key, { kind: 'refresh', keyId: key.id, version: key.version, parties: key.parties }, next);
    if (publicKey !== key.publicKey) throw new ApiError('INTERNAL', 'refresh changed the public key');
    if (!(await this.keys.update(key.id, { status: 'active', version: key.version }, { version: next, certificate }))) throw new ApiError('REQUEST_IN_PROGRESS', 'the key changed meanwhile');
    // A signature that read the old record meanwhile may have put it back.
    this.active.delete(key.id);
    await this.pools?.dropVersion(key, key.version).catch((e: unknown) => this.logger.warn('old pools not dropped', { key: key.id, reason: (e as Error).message }));
    return { ...key, version: next, certificate, updatedAt: new Date() };
  }
}
