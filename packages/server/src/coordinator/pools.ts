/**
 * Nonce and presignature pools: work done ahead of time so that a signature costs one online round.
 *
 * - FROST: per key version and node, a list of that node's signed nonce commitments. A signature
 *   by a quorum takes one commitment from each member's list.
 * - ECDSA: per key version and signer set, a list of presignature item ids (every signer of the
 *   set holds its share of each). A raw digest never takes one (CVE-2025-66017).
 *
 * The lists live in the session store (Redis, or memory), so coordinator instances share them and
 * a claim (LPOP) hands each item out once. The nodes hold the secrets; an item is only a name for
 * what they stored. An item is usable only while all its holders are online, so the caller picks
 * the quorum among online nodes first and claims from that quorum's pools; an empty pool means the
 * unpooled path, which is correct, only slower.
 *
 * The pools of a key are topped up to a configured depth right after a claim took from them and
 * when the key becomes usable at a version (new, or refreshed); a background sweep over the keys,
 * a page of them per tick, catches the rest (nodes back online, failed refills, other instances'
 * claims), among online nodes only, with one refill per pool at a time across instances (a lock
 * in the session store).
 * Presignatures cost each signer about a second of CPU that blocks its event loop in long steps,
 * so they are made in idle time: a pool above its low-water mark (a quarter of its depth) refills
 * only once this instance has had no signature in flight for `idleMs`; below the mark, or empty,
 * it refills at once. Nonces are cheap and refill whenever a batch is missing, under load too: a
 * pooled FROST signature (shares aggregated by the coordinator, no message between the nodes)
 * costs far less than the two-round path an empty pool falls back to, even with its nonces' making
 * counted.
 */
import { type KeyRecord, type KeyStore, type SessionStore } from '../stores/types.js';
import { MAX_NONCES_PER_REQUEST, MAX_PRESIGNATURES_PER_REQUEST } from '../session/request.js';
import type { Dispatcher } from './dispatch.js';
import { type NodeHub, availableSigners } from './node-hub.js';
import { type Logger, silentLogger } from '../log.js';

export interface PoolOptions {
  /** Signed commitments kept per key version and node (FROST). */
  nonceDepth: number;
  /** Presignatures kept per key version and signer set (ECDSA). */
  presignDepth: number;
  /** How often every active key's pools are checked (a claim checks its own key's at once). */
  intervalMs: number;
  /** Presignatures asked for in one request: each is about a second of every signer's CPU. */
  presignBatch: number;
  /** How long one node may take for a batch of nonces, or for each presignature of a batch. */
  itemTimeoutMs: number;
  /** How long no signature may have been in flight before presignatures above the low-water mark are made. */
  idleMs: number;
  /**
   * The session store starts empty with this process (in memory): the items nodes hold from an
   * earlier run are listed nowhere, so each node drops them (`nodeHello`) before its pools fill.
   */
  forgetEarlierItems?: boolean;
}

export const DEFAULT_POOL_OPTIONS: PoolOptions = { nonceDepth: 32, presignDepth: 8, intervalMs: 1_000, presignBatch: 2, itemTimeoutMs: 60_000, idleMs: 200 };

/** What `levels` reports: how many items each pool holds, against the depth it is kept at. */
export type PoolLevels = { nonces: { node: number; size: number; depth: number }[] } | { presignatures: { signers: number[]; size: number; depth: number }[] };

/** What a signature request carries when served from the pools. */
export type PooledItems = { commitments: string[] } | { presignature: string };

/** Keys the sweep visits per tick: its work per tick stays bounded however many keys there are. */
export const KEY_PAGE = 500;
/** Beyond this many signer sets of one key, old-version presignature pools are left to expire with the store. */
const MAX_SIGNER_SETS_DROPPED = 256;

export function noncePool(keyId: string, version: number, node: number): string {
  return `nonces:${keyId}:${version}:${node}`;
}

export function presignPool(keyId: string, version: number, signers: readonly number[]): string {
  return `presign:${keyId}:${version}:${signers.join('-')}`;
}

/*
 * A signed commitment is 150–152 bytes, 214 on ed25519 with its cofactor preimages; the session
 * store keeps it as base64 (at most 288 characters, against its 1024), half the size of hex.
 * Requests to nodes carry hex.
 */
const toPoolItem = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
const fromPoolItem = (item: string) => Buffer.from(item, 'base64').toString('hex');

export class Pools {
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private stopped = false;
  /** The last key id of the sweep's previous page (undefined: the next tick starts from the first key). */
  private cursor: string | undefined;
  /** With `forgetEarlierItems`: nodes whose drop of earlier items is done or under way, and those done. */
  private readonly forgetting = new Map<number, Promise<void>>();
  private readonly forgotten = new Set<number>();
  /** Pools with a refill under way from this instance (the lock covers the others). */
  private readonly inflight = new Set<string>();
  /** Each pool's size as this instance last read it (the sweep reads every key's each tick). */
  private readonly observed = new Map<string, number>();
  /** Signatures in flight on this instance, and when the last one ended. */
  private signing = 0;
  private lastSigningAt = 0;

  constructor(
    private readonly keys: KeyStore,
    private readonly sessions: SessionStore,
    private readonly hub: NodeHub,
    private readonly dispatcher: Dispatcher,
    private readonly opts: PoolOptions = DEFAULT_POOL_OPTIONS,
    private readonly logger: Logger = silentLogger,
  ) {
    if (!Number.isSafeInteger(opts.nonceDepth) || opts.nonceDepth < 0) throw new RangeError('nonce pool depth must be a non-negative integer');
    if (!Number.isSafeInteger(opts.presignDepth) || opts.presignDepth < 0) throw new RangeError('presignature pool depth must be a non-negative integer');
    if (!Number.isSafeInteger(opts.presignBatch) || opts.presignBatch < 1 || opts.presignBatch > MAX_PRESIGNATURES_PER_REQUEST) {
      throw new RangeError(`a presignature batch is 1 to ${MAX_PRESIGNATURES_PER_REQUEST}`);
    }
    if (!(opts.intervalMs > 0) || !(opts.itemTimeoutMs > 0)) throw new RangeError('pool interval and timeout must be positive');
  }

  start(): void {
    this.stopped = false;
    this.timer ??= setInterval(() => void this.tick(), this.opts.intervalMs);
    this.timer.unref();
  }

  /** Stops the loop; refills under way finish on the nodes, but push nothing any more. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * A node said hello. With `forgetEarlierItems`, its first hello to this instance makes it drop
   * the items of an earlier run; until it has, its pools do not fill (signatures it joins are
   * unpooled). Once done, later hellos (reconnects, its restarts) change nothing.
   */
  async nodeHello(node: number): Promise<void> {
    if (!this.opts.forgetEarlierItems) return;
    let under = this.forgetting.get(node);
    if (!under) {
      under = this.dispatcher.run([node], { kind: 'drop-items' }, this.opts.itemTimeoutMs).then(
        () => void this.forgotten.add(node),
        (e: unknown) => {
          // Its next hello tries again; meanwhile its signatures take the unpooled path.
          this.logger.warn('node did not drop its earlier pooled items; its pools wait', { node, reason: (e as Error).message });
          this.forgetting.delete(node);
        },
      );
      this.forgetting.set(node, under);
    }
    await under;
  }

  /** Whether `node`'s items may be pooled now: online, and (with `forgetEarlierItems`) past its drop. */
  private poolable(node: number): boolean {
    return this.hub.isOnline(node) && (!this.opts.forgetEarlierItems || this.forgotten.has(node));
  }

  /** A key just became active, or moved to a new version: its pools fill now, not at the sweep's next pass. */
  keyReady(key: KeyRecord): void {
    if (this.timer && !this.stopped && key.status === 'active') this.refillKey(key);
  }

  /** Marks a signature in flight (presignatures above their low-water mark wait for idle time); call the result when it ends. */
  signingStarted(): () => void {
    this.signing++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.signing--;
      this.lastSigningAt = Date.now();
    };
  }

  private idle(): boolean {
    return this.signing === 0 && Date.now() - this.lastSigningAt >= this.opts.idleMs;
  }

  /**
   * Claims the pooled items for one signature by `signers` (chosen among online nodes), or
   * undefined when a pool they need is empty. A raw ECDSA digest is never served from the pool.
   */
  async claim(key: KeyRecord, signers: readonly number[], input: { message?: string; digest?: string }): Promise<PooledItems | undefined> {
    const items = await this.take(key, signers, input);
    // What was taken is made again now, not at the next sweep.
    if (this.timer && !this.stopped) this.refillKey(key);
    return items;
  }

  private async take(key: KeyRecord, signers: readonly number[], input: { message?: string; digest?: string }): Promise<PooledItems | undefined> {
    if (key.scheme === 'ecdsa-secp256k1') {
      // A pooled presignature signs only what the nodes hash themselves: a message or a transaction.
      if (input.digest !== undefined) return undefined;
      const id = await this.sessions.claimPool(presignPool(key.id, key.version, signers));
      return id === undefined ? undefined : { presignature: id };
    }
    const claimed = await Promise.all(signers.map((n) => this.sessions.claimPool(noncePool(key.id, key.version, n))));
    if (claimed.every((c) => c !== undefined)) return { commitments: claimed.map(fromPoolItem) };
    // Some member's pool was empty: the others' commitments are still unused, so they go back.
    await Promise.all(signers.map((n, i) => (claimed[i] === undefined ? undefined : this.sessions.pushPool(noncePool(key.id, key.version, n), [claimed[i]]))));
    return undefined;
  }

  /**
   * Nodes said they no longer hold an item they were handed (their store was lost or replaced):
   * whatever else their pools list is as doubtful, so those pools go and refill from scratch.
   */
  async dropHolders(key: KeyRecord, signers: readonly number[], gone: readonly number[]): Promise<void> {
    this.logger.warn('pooled items gone from nodes; their pools are dropped', { key: key.id, version: key.version, nodes: gone });
    if (key.scheme === 'ecdsa-secp256k1') await this.dropPool(presignPool(key.id, key.version, signers));
    else for (const n of gone) await this.dropPool(noncePool(key.id, key.version, n));
  }

  /**
   * How full a key's pools are at its current version: FROST per committee member, ECDSA for the
   * signer set signing picks now (the first `threshold` online members), each beside its depth.
   */
  async levels(key: KeyRecord): Promise<PoolLevels> {
    if (key.scheme !== 'ecdsa-secp256k1') {
      const nonces = await Promise.all(key.parties.map(async (node) => ({ node, size: await this.sessions.poolSize(noncePool(key.id, key.version, node)), depth: this.opts.nonceDepth })));
      return { nonces };
    }
    const signers = this.pickedSigners(key);
    if (!signers) return { presignatures: [] };
    return { presignatures: [{ signers, size: await this.sessions.poolSize(presignPool(key.id, key.version, signers)), depth: this.opts.presignDepth }] };
  }

  /** Pooled items summed over every pool, as last read (for metrics: no store call). */
  observedLevels(): { nonces: number; presignatures: number } {
    const levels = { nonces: 0, presignatures: 0 };
    for (const [pool, size] of this.observed) levels[pool.startsWith('nonces:') ? 'nonces' : 'presignatures'] += size;
    return levels;
  }

  private async observe(pool: string): Promise<number> {
    const size = await this.sessions.poolSize(pool);
    this.observed.set(pool, size);
    return size;
  }

  private async dropPool(pool: string): Promise<void> {
    this.observed.delete(pool);
    await this.sessions.dropPool(pool);
  }

  /** The quorum signing would pick now (none when too few members are online). */
  private pickedSigners(key: KeyRecord): number[] | undefined {
    const online = availableSigners(key, (p) => this.hub.isOnline(p));
    return online.length < key.threshold ? undefined : online.slice(0, key.threshold);
  }

  /** After a refresh: items of the old version are useless (the nodes dropped them too). */
  async dropVersion(key: KeyRecord, version: number): Promise<void> {
    if (key.scheme !== 'ecdsa-secp256k1') {
      for (const n of key.parties) await this.dropPool(noncePool(key.id, version, n));
      return;
    }
    for (const signers of subsets(key.parties, key.threshold, MAX_SIGNER_SETS_DROPPED)) await this.dropPool(presignPool(key.id, version, signers));
  }

  /**
   * One page of the sweep over the keys: starts the refills that are due (never two for one pool
   * here). The sweep catches what claims and new keys do not start themselves: a node back
   * online, a refill that failed, pools another instance or a restart left short.
   */
  async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      const page = await this.keys.list({ limit: KEY_PAGE, ...(this.cursor !== undefined ? { after: this.cursor } : {}) });
      for (const key of page) if (key.status === 'active') this.refillKey(key);
      this.cursor = page.length < KEY_PAGE ? undefined : page[page.length - 1]!.id;
    } catch (e) {
      this.logger.warn('pool refill pass failed', { reason: (e as Error).message });
    } finally {
      this.ticking = false;
    }
  }

  private refillKey(key: KeyRecord): void {
    if (key.scheme !== 'ecdsa-secp256k1') {
      // Cheap items wait until a quarter of the pool is gone: one request for eight, not eight for one.
      const depth = this.opts.nonceDepth;
      const due = (size: number) => size === 0 || depth - size >= Math.min(MAX_NONCES_PER_REQUEST, Math.max(1, Math.floor(depth / 4)));
      for (const n of key.parties) {
        if (!this.poolable(n)) continue;
        this.refill(key, noncePool(key.id, key.version, n), depth, MAX_NONCES_PER_REQUEST, this.opts.itemTimeoutMs, due, async (count) => {
          const out = await this.dispatcher.run([n], { kind: 'nonces', keyId: key.id, version: key.version, count }, this.opts.itemTimeoutMs);
          return stringList(out.get(n)?.commitments, count).map(toPoolItem);
        });
      }
      return;
    }
    const signers = this.pickedSigners(key);
    if (!signers?.every((n) => this.poolable(n))) return;
    const lowWater = Math.floor(this.opts.presignDepth / 4);
    const due = (size: number) => this.opts.presignDepth - size >= Math.min(this.opts.presignBatch, this.opts.presignDepth) && (size <= lowWater || this.idle());
    this.refill(key, presignPool(key.id, key.version, signers), this.opts.presignDepth, this.opts.presignBatch, this.opts.itemTimeoutMs * this.opts.presignBatch, due, async (count) => {
      const out = await this.dispatcher.run(signers, { kind: 'presign', keyId: key.id, version: key.version, signers, count }, this.opts.itemTimeoutMs * count);
      const lists = signers.map((n) => stringList(out.get(n)?.presignatures, count));
      // Every signer must report the same ids: each is a sub-session they all ran.
      if (lists.some((l) => l.join() !== lists[0]!.join())) throw new Error('signers reported different presignature ids');
      return lists[0]!;
    });
  }

  /**
   * Tops `pool` up towards `depth` by one batch when `due` says so for its size, under the pool's
   * lock (held at most `timeoutMs`, twice the batch's own timeout, so a crashed instance's lock
   * frees itself); failures are logged.
   */
  private refill(key: KeyRecord, pool: string, depth: number, batch: number, timeoutMs: number, due: (size: number) => boolean, make: (count: number) => Promise<string[]>): void {
    if (depth === 0 || this.inflight.has(pool)) return;
    this.inflight.add(pool);
    const lock = `refill:${pool}`;
    /** Whether a batch was pushed: then the next one, if due, follows at once. */
    const work = async (): Promise<boolean> => {
      if (!due(await this.observe(pool))) return false;
      const token = await this.sessions.lock(lock, Math.ceil(timeoutMs * 2));
      if (!token) return false;
      try {
        // Another instance may have filled it between the first look and the lock.
        const size = await this.sessions.poolSize(pool);
        if (!due(size)) return false;
        const missing = depth - size;
        const items = await make(Math.min(missing, batch));
        // A refresh while the nodes worked made these items useless; they dropped them already.
        const current = await this.keys.get(key.id);
        if (this.stopped || current?.version !== key.version || current.status !== 'active') return false;
        await this.sessions.pushPool(pool, items);
        this.observed.set(pool, size + items.length);
        return true;
      } finally {
        await this.sessions.unlock(lock, token);
      }
    };
    work()
      .catch((e: unknown) => {
        this.logger.warn('pool refill failed', { pool, reason: (e as Error).message });
        return false;
      })
      .then((pushed) => {
        this.inflight.delete(pool);
        if (pushed && !this.stopped) this.refill(key, pool, depth, batch, timeoutMs, due, make);
      });
  }
}

/** A node's list of item strings, as many as asked for; anything else is a malformed answer. */
function stringList(v: unknown, count: number): string[] {
  if (!Array.isArray(v) || v.length !== count || v.some((s) => typeof s !== 'string' || !/^[0-9a-f]+$/.test(s))) throw new Error('a node answered with a malformed item list');
  return v as string[];
}

/** The `size`-element subsets of `items` (ascending, as signer sets are), at most `limit` of them. */
function subsets(items: readonly number[], size: number, limit: number): number[][] {
  const out: number[][] = [];
  const pick = (start: number, chosen: number[]) => {
    if (out.length >= limit) return;
    if (chosen.length === size) {
      out.push(chosen);
      return;
    }
    for (let i = start; i <= items.length - (size - chosen.length); i++) pick(i + 1, [...chosen, items[i]!]);
  };
  pick(0, []);
  return out;
}
