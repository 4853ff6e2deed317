/**
 * Key service: creates keys by distributed key generation on a committee of online nodes,
 * makes CGGMP auxiliary information once per committee for ECDSA, and refreshes shares. A key is
 * `active` only when every committee member reported the same public key; anything else leaves
 * it `failed`, never half-made and active.
 */
import { randomUUID } from 'node:crypto';
import { hexToBytes, openDealingCertificate } from '@mpc-wallet/core';
import { ApiError } from '../errors.js';
import type { Scheme } from '../session/request.js';
import type { CommitteeStore, KeyRecord, KeyStore, PublicPackage, SessionStore } from '../stores/types.js';
import { openPublicPackage } from '../session/schemes.js';
import { type Dispatcher, failureOf, failures, newSession, successes } from './dispatch.js';
import type { NodeHub } from './node-hub.js';
import type { Pools } from './pools.js';
import { type Logger, silentLogger } from '../log.js';
import { type AuditLog, failureDetails } from './audit.js';

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

/** How often refreshes with an unrecorded outcome are looked into besides when a node connects. */
const RECONCILE_EVERY_MS = 30_000;
/** How long before a key whose public package could not be learned is asked again. */
const PACKAGE_RETRY_MS = 60_000;
const HEX = /^[0-9a-f]+$/;

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
    /** Told when a key becomes usable at a version (its pools fill at once) and when a refresh retires one (its items go). */
    private readonly pools?: Pick<Pools, 'dropVersion' | 'keyReady'>,
    /** The nodes' identity keys (from the manifest), to check the dealing certificates nodes report. */
    private readonly identities: ReadonlyMap<number, Uint8Array> = new Map(),
    /** Absent: nothing is audited (tests of other parts). */
    private readonly audit?: AuditLog,
  ) {}

  private reconciling = false;
  private timer: NodeJS.Timeout | undefined;

  /** Looks into refreshes with an unrecorded outcome now and then (a crashed instance's lock expires meanwhile). */
  start(): void {
    this.timer ??= setInterval(() => void this.reconcile(), RECONCILE_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

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

  /** When each key's public package was last asked for, so that a key whose members disagree is not asked at every signature. */
  private readonly packageAsked = new Map<string, number>();

  /**
   * Learns the public package of an active key that has none (made before packages were kept, or
   * refreshed through `reconcile`): every committee member must be online and report the key's
   * current version with the same package, as at keygen. At most once a minute per key; failures
   * only leave the key on the node-side protocol.
   */
  async learnPublicPackage(key: KeyRecord): Promise<void> {
    const asked = this.packageAsked.get(key.id);
    if (key.status !== 'active' || key.publicPackage || key.publicKey === null || (asked !== undefined && Date.now() - asked < PACKAGE_RETRY_MS)) return;
    if (this.packageAsked.size > 10_000) this.packageAsked.clear();
    this.packageAsked.set(key.id, Date.now());
    if (!key.parties.every((p) => this.hub.isOnline(p))) return;
    try {
      // A fresh run id: no node is running it; only the versions and the package matter here.
      const answers = successes(await this.dispatcher.runAll(key.parties, { kind: 'key-status', keyId: key.id, run: newSession() }, this.timeouts.keygenMs));
      const current = answers.filter(([, s]) => Array.isArray(s.versions) && s.versions.at(-1) === key.version);
      const publicPackage = agreedPublicPackage({ ...key, publicKey: key.publicKey }, current.length === key.parties.length ? current.map(([, s]) => s.publicPackage) : []);
      if (!publicPackage) return;
      const chainCode = key.chainCode ?? agreedChainCode(current.map(([, s]) => s.chainCode));
      if (await this.keys.update(key.id, { status: 'active', version: key.version }, { publicPackage, chainCode })) this.active.delete(key.id);
    } catch (e) {
      this.logger.warn('public package not learned', { key: key.id, reason: (e as Error).message });
    }
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
  /** `requestedBy`: the API caller, named in the audit log's `key.requested` entry. */
  async create(req: { scheme: Scheme; threshold: number; parties: number; label?: string }, requestedBy = 'coordinator'): Promise<KeyRecord> {
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
    await this.audit?.tryRecord({ action: 'key.requested', actor: requestedBy, subject: key.id, details: { scheme: key.scheme, threshold: key.threshold, parties: key.parties } });
    const work = this.generate(key, requestedBy);
    const answered = await Promise.race([work, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), this.timeouts.answerWithinMs).unref())]);
    return answered ?? key;
  }

  /**
   * Runs a dealing (DKG or refresh) on the whole committee. One node's output is enough to know
   * that every member confirmed holding its new share (the certificate in it says so); members
   * that did not answer finish from that certificate (`complete`), now or when they reconnect.
   * No output at all means no certificate exists: the dealing changed nothing.
   */
  private async deal(key: KeyRecord, body: Parameters<Dispatcher['runAll']>[1], version: number, session?: string): Promise<Dealt> {
    const results = await this.dispatcher.runAll(key.parties, body, this.timeouts.keygenMs, undefined, session, { type: 'key.progress', subject: key.id });
    const done = successes(results);
    if (!done.length) throw failureOf(failures(results));
    const publicKeys = new Set(done.map(([, o]) => o.publicKey));
    if (publicKeys.size !== 1 || done.some(([, o]) => o.version !== version)) throw new ApiError('INTERNAL', 'nodes reported different outcomes of one dealing');
    const certificate = String(done[0]![1].certificate);
    const lagging = failures(results).map(([n]) => n);
    if (lagging.length) this.logger.warn('dealing finished without some nodes; they complete from its certificate', { key: key.id, version, nodes: lagging });
    for (const node of lagging) void this.complete(node, key.id, version, certificate);
    const publicKey = String([...publicKeys][0]);
    const all = done.length === key.parties.length ? done.map(([, o]) => o) : [];
    const publicPackage = agreedPublicPackage({ ...key, publicKey }, all.map((o) => o.publicPackage));
    return { publicKey, certificate, publicPackage, chainCode: publicPackage && agreedChainCode(all.map((o) => o.chainCode)) };
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
    // A node back may be what an unrecorded refresh outcome waited for.
    await this.reconcile();
  }

  /**
   * Refreshes whose outcome no instance recorded (it crashed, or every node's result was lost on
   * the way) are settled by asking their committees; one pass at a time, each key under its
   * refresh lock (a refresh still running elsewhere holds it). Failures are logged: the next pass
   * tries again.
   */
  async reconcile(): Promise<void> {
    if (this.reconciling) return;
    this.reconciling = true;
    try {
      for (const listed of await this.keys.refreshing()) {
        const lock = `refresh:${listed.id}`;
        const token = await this.locks.lock(lock, this.timeouts.keygenMs * 2);
        if (!token) continue;
        try {
          const key = await this.keys.get(listed.id);
          if (key?.refreshSession) await this.reconcileLocked(key);
        } finally {
          await this.locks.unlock(lock, token);
        }
      }
    } catch (e) {
      this.logger.warn('refresh outcomes not reconciled', { reason: (e as Error).message });
    } finally {
      this.reconciling = false;
    }
  }

  /**
   * Settles a refresh recorded as started (`refreshSession`) but not as ended. A committee member
   * holding a share of the next version made by exactly that run, with the run's certificate (every
   * member's signed confirmation), proves it ended: the key moves to that version, and members
   * that missed the end complete from the certificate. Every member answering that it has no such
   * share and is not running the run proves no certificate reached anyone and none ever will: the
   * run never ended, and the key stays where it was. Otherwise (members offline, the run still
   * going) it stays open. Returns the key as it is afterwards.
   */
  private async reconcileLocked(key: KeyRecord): Promise<KeyRecord> {
    const session = key.refreshSession!;
    const next = key.version + 1;
    const online = key.parties.filter((p) => this.hub.isOnline(p));
    const answers = online.length ? successes(await this.dispatcher.runAll(online, { kind: 'key-status', keyId: key.id, run: session }, this.timeouts.keygenMs)) : [];
    const holds = (status: Record<string, unknown>) => Array.isArray(status.versions) && status.versions.includes(next);
    for (const [node, status] of answers) {
      const certificate = this.provenEnd(key, status, session, next);
      if (!certificate) continue;
      this.logger.warn('a refresh ended without being recorded; its certificate settles it', { key: key.id, version: next, reportedBy: node });
      const done = await this.finishRefresh(key, next, certificate, null, 'coordinator');
      for (const [other, s] of answers) if (!holds(s)) void this.complete(other, key.id, next, certificate);
      return done;
    }
    // Requests reach a node in order on its one connection, so the run started there (or never
    // will) before this question did; one still running there may yet end.
    if (answers.length === key.parties.length && answers.every(([, s]) => !holds(s) && s.running === false)) {
      this.logger.warn('a refresh never ended; the key stays on its version', { key: key.id, version: key.version });
      if (!(await this.keys.update(key.id, { status: 'active', version: key.version }, { refreshSession: null }))) throw new ApiError('REQUEST_IN_PROGRESS', 'the key changed meanwhile');
      return { ...key, refreshSession: null };
    }
    return key;
  }

  /**
   * The certificate in a node's key status when it proves that run `session` made version `next`
   * (it is opened under the recorded session, whatever session the node names); else undefined.
   */
  private provenEnd(key: KeyRecord, status: Record<string, unknown>, session: string, next: number): string | undefined {
    const d = status.dealing as Record<string, unknown> | undefined;
    if (typeof d !== 'object' || d === null || d.version !== next || status.publicKey !== key.publicKey) return undefined;
    if (typeof d.protocol !== 'string' || d.protocol.length > 255 || typeof d.certificate !== 'string' || d.certificate.length % 2 !== 0 || !HEX.test(d.certificate)) return undefined;
    const run = { protocol: d.protocol, session: hexToBytes(session), receivers: key.parties };
    return openDealingCertificate({ publicKeys: this.identities }, run, hexToBytes(d.certificate)) ? d.certificate : undefined;
  }

  /** The outcome entries name the caller as `requestedBy` (the coordinator ran the DKG). */
  private async generate(key: KeyRecord, requestedBy: string): Promise<KeyRecord> {
    try {
      const { publicKey, certificate, publicPackage, chainCode } = await this.deal(key, { kind: 'keygen', keyId: key.id, scheme: key.scheme, threshold: key.threshold, parties: key.parties }, 1);
      if (key.scheme === 'ecdsa-secp256k1') await this.ensureAux(key.parties, key.id);
      await this.keys.update(key.id, { status: 'pending', version: 1 }, { status: 'active', publicKey, certificate, publicPackage, chainCode });
      const active: KeyRecord = { ...key, status: 'active', publicKey, certificate, publicPackage, chainCode, updatedAt: new Date() };
      this.pools?.keyReady(active);
      await this.audit?.tryRecord({ action: 'key.created', actor: 'coordinator', subject: key.id, details: { scheme: key.scheme, threshold: key.threshold, parties: key.parties, version: 1, publicKey, requestedBy } });
      return active;
    } catch (e) {
      const failure = e instanceof ApiError ? JSON.stringify(e.toJSON().error) : JSON.stringify({ code: 'INTERNAL', message: (e as Error).message });
      this.logger.warn('key generation failed', { key: key.id, failure });
      await this.keys.update(key.id, { status: 'pending', version: 1 }, { status: 'failed', failure });
      await this.audit?.tryRecord({ action: 'key.failed', actor: 'coordinator', subject: key.id, details: { scheme: key.scheme, threshold: key.threshold, parties: key.parties, requestedBy, ...failureDetails(e) } });
      return { ...key, status: 'failed', failure, updatedAt: new Date() };
    }
  }

  /** Auxiliary information for a committee: made once, reused by every ECDSA key on it (its rounds are progress of the key `forKey`). */
  private async ensureAux(parties: number[], forKey: string): Promise<void> {
    const name = parties.join('-');
    if ((await this.committees.get(name))?.auxReady) return;
    await this.dispatcher.run(parties, { kind: 'aux', parties }, this.timeouts.auxMs, undefined, { type: 'key.progress', subject: forKey });
    await this.committees.put({ name, parties, auxReady: true });
  }

  /** Proactive refresh: new shares for the whole committee, same public key. `requestedBy` (the API caller) is named in its audit entry. */
  async refresh(id: string, requestedBy = 'coordinator'): Promise<KeyRecord> {
    const key = await this.get(id);
    if (key.status !== 'active') throw new ApiError('KEY_NOT_ACTIVE', `key ${id} is ${key.status}`);
    const offline = key.parties.filter((p) => !this.hub.isOnline(p));
    if (offline.length) throw new ApiError('NOT_ENOUGH_NODES', `refresh needs every committee member; offline: ${offline.join(', ')}`, { waitingFor: offline });
    const lock = `refresh:${id}`;
    const token = await this.locks.lock(lock, this.timeouts.keygenMs * 2);
    if (!token) throw new ApiError('REQUEST_IN_PROGRESS', `key ${id} is being refreshed`);
    try {
      return await this.refreshLocked(key, requestedBy);
    } catch (e) {
      await this.audit?.tryRecord({ action: 'key.refresh-failed', actor: requestedBy, subject: id, details: { version: key.version, requestedBy, ...failureDetails(e) } });
      throw e;
    } finally {
      await this.locks.unlock(lock, token);
    }
  }

  private async refreshLocked(listed: KeyRecord, requestedBy: string): Promise<KeyRecord> {
    // An earlier run's outcome first: a new run from the old version would fail on nodes that
    // already moved on, and its session would hide the proof of the earlier one.
    const key = listed.refreshSession ? await this.reconcileLocked(listed) : listed;
    if (key.refreshSession) throw new ApiError('NOT_ENOUGH_NODES', 'an earlier refresh of this key is not settled yet (a committee member is offline or still running it); retry shortly');
    const next = key.version + 1;
    // Until the refresh is done, signing asks the store, which says the new version once there is one.
    this.active.delete(key.id);
    // The run is recorded before any node hears of it: whatever becomes of this instance, the
    // nodes can later prove whether it ended (reconcile).
    const session = newSession();
    if (!(await this.keys.update(key.id, { status: 'active', version: key.version }, { refreshSession: session }))) throw new ApiError('REQUEST_IN_PROGRESS', 'the key changed meanwhile');
    let dealt: Dealt;
    try {
      dealt = await this.deal(key, { kind: 'refresh', keyId: key.id, version: key.version, parties: key.parties }, next, session);
    } catch (e) {
      // No node reported the end; it may have come all the same (results lost on the way).
      await this.reconcileLocked({ ...key, refreshSession: session }).catch((r: unknown) => this.logger.warn('refresh outcome not reconciled', { key: key.id, reason: (r as Error).message }));
      throw e;
    }
    if (dealt.publicKey !== key.publicKey) throw new ApiError('INTERNAL', 'refresh changed the public key');
    return this.finishRefresh(key, next, dealt.certificate, dealt.publicPackage, requestedBy);
  }

  /**
   * Records a refresh's end: the new version with its certificate and public package (null when
   * not known: its shares are then aggregated by the nodes); the old version's pools go.
   */
  private async finishRefresh(key: KeyRecord, next: number, certificate: string, publicPackage: PublicPackage | null, requestedBy: string): Promise<KeyRecord> {
    if (!(await this.keys.update(key.id, { status: 'active', version: key.version }, { version: next, certificate, refreshSession: null, publicPackage }))) throw new ApiError('REQUEST_IN_PROGRESS', 'the key changed meanwhile');
    // A signature that read the old record meanwhile may have put it back.
    this.active.delete(key.id);
    await this.pools?.dropVersion(key, key.version).catch((e: unknown) => this.logger.warn('old pools not dropped', { key: key.id, reason: (e as Error).message }));
    const refreshed: KeyRecord = { ...key, version: next, certificate, refreshSession: null, publicPackage, updatedAt: new Date() };
    this.pools?.keyReady(refreshed);
    await this.audit?.tryRecord({ action: 'key.refreshed', actor: requestedBy, subject: key.id, details: { version: next, publicKey: key.publicKey, requestedBy } });
    return refreshed;
  }
}

interface Dealt {
  publicKey: string;
  certificate: string;
  publicPackage: PublicPackage | null;
  /** Kept only with an agreed public package: derivation needs the group key's true point. */
  chainCode: string | null;
}

/** The chain code every committee member reported alike (each computed it from the run and the key); else null. */
function agreedChainCode(reports: unknown[]): string | null {
  const first = reports[0];
  if (typeof first !== 'string' || !/^[0-9a-f]{64}$/.test(first) || !reports.every((r) => r === first)) return null;
  return first;
}

/**
 * The public package every committee member reported alike, checked against the key; else null.
 * Agreement of all is what makes it trustworthy: one honest member's report is the truth, and the
 * coordinator names culprits by it. Reports from only some members prove nothing.
 */
function agreedPublicPackage(key: KeyRecord & { publicKey: string }, reports: unknown[]): PublicPackage | null {
  if (reports.length !== key.parties.length) return null;
  const first = reports[0];
  if (!openPublicPackage(key, first)) return null;
  const text = JSON.stringify(first);
  if (!reports.every((r) => JSON.stringify(r) === text)) return null;
  const { groupKey, verifyingShares } = first as PublicPackage;
  return { groupKey, verifyingShares };
}
