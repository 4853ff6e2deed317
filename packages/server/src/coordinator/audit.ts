/**
 * The coordinator's audit log (DESIGN §2, §6): security-relevant actions appended to the
 * hash-chained log in the metadata store, checkpoints signed with the coordinator's Ed25519
 * request key (its public key is in the cluster manifest, so anyone can check them), and a
 * verifier that walks the whole chain.
 *
 * Appends are on the signing hot path, so concurrent `record` calls go to the store together
 * (Coalescer: one transaction per batch). Checkpoints never hold up a record: they are signed after
 * a batch, in the background, when this instance has appended `checkpointEvery` entries since its
 * last one, every `checkpointMs` when it appended anything since, and when it stops. An instance
 * signs only hashes it computed itself while appending, never a hash merely read from the store.
 *
 * What the chain proves: any edit, deletion, insertion or reordering of entries up to the last
 * checkpoint is detected and located, even by someone who can write the database and recompute
 * hashes (they cannot sign). Entries after the last checkpoint are protected by the chain alone:
 * rewriting or cutting off that tail with every hash recomputed is not detectable, which is why
 * checkpoints are frequent.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, ed25519Sign, ed25519Verify, hexToBytes, utf8 } from '@mpc-wallet/core';
import { ApiError } from '../errors.js';
import { Coalescer } from '../coalescer.js';
import { type Logger, silentLogger } from '../log.js';
import { GENESIS_HASH, checkpointMessage, entryHash } from '../stores/audit-chain.js';
import { MAX_COALESCED } from '../stores/sql/coalesce.js';
import type { AuditCheckpoint, AuditEntry, AuditEvent, AuditJson, AuditStore, KeyRecord } from '../stores/types.js';
import type { SignInput } from './sign-input.js';

export interface AuditLogOptions {
  /** Entries this instance appends between checkpoints, at most. */
  checkpointEvery: number;
  /** Longest time an entry of this instance stays without a checkpoint while the process runs. */
  checkpointMs: number;
}

export const DEFAULT_AUDIT_OPTIONS: AuditLogOptions = { checkpointEvery: 1000, checkpointMs: 10_000 };

/** An event as services report it; the log stamps the time. */
export type AuditRecord = Omit<AuditEvent, 'at'>;

export interface AuditVerification {
  ok: boolean;
  /** Entries and checkpoints found intact (up to the first break when there is one). */
  entries: number;
  checkpoints: number;
  firstBroken?: { seq: number; reason: string };
}

/** Entries read per page when verifying. */
const VERIFY_PAGE = 1000;

export class AuditLog {
  private readonly writing: Coalescer<AuditEvent, AuditEntry>;
  /** The newest entry this instance appended, and the seq of the newest it signed. */
  private latest: AuditEntry | undefined;
  private signedSeq = 0;
  private sinceCheckpoint = 0;
  private checkpointing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly publicKey: Uint8Array;
  private readonly appendedListeners = new Set<(entries: readonly AuditEntry[]) => void>();

  constructor(
    private readonly store: AuditStore,
    /** The coordinator's Ed25519 request key (secret): signs checkpoints only under their own domain tag. */
    private readonly signingKey: Uint8Array,
    /** Its public key as the manifest lists it (hex). */
    publicKeyHex: string,
    private readonly options: AuditLogOptions = DEFAULT_AUDIT_OPTIONS,
    private readonly logger: Logger = silentLogger,
  ) {
    this.publicKey = hexToBytes(publicKeyHex);
    this.writing = new Coalescer((events) => this.append(events), MAX_COALESCED);
  }

  private async append(events: AuditEvent[]): Promise<AuditEntry[]> {
    const entries = await this.store.append(events);
    const last = entries.at(-1);
    if (last && last.seq > (this.latest?.seq ?? 0)) this.latest = last;
    this.sinceCheckpoint += entries.length;
    if (this.sinceCheckpoint >= this.options.checkpointEvery) void this.checkpoint();
    for (const listener of this.appendedListeners) listener(entries);
    return entries;
  }

  /** Tells `listener` of every batch this instance appends, once durable (the event feed follows the log through it); returns the unsubscribe. */
  onAppended(listener: (entries: readonly AuditEntry[]) => void): () => void {
    this.appendedListeners.add(listener);
    return () => this.appendedListeners.delete(listener);
  }

  /** The seq of the newest entry this instance appended (0 before its first). */
  lastSeq(): number {
    return this.latest?.seq ?? 0;
  }

  /** Appends an event; resolves with its entry once durable, rejects when it could not be stored. */
  record(event: AuditRecord): Promise<AuditEntry> {
    return this.writing.run({ ...event, at: new Date() });
  }

  /**
   * For an action that already happened and cannot be undone (a key made, a node connected): the
   * entry is written, or its loss is logged (action and subject only), and the caller goes on.
   */
  async tryRecord(event: AuditRecord): Promise<void> {
    try {
      await this.record(event);
    } catch (e) {
      this.logger.warn('audit entry not stored', { action: event.action, subject: event.subject, reason: (e as Error).message });
    }
  }

  start(): void {
    this.timer ??= setInterval(() => void this.checkpoint(), this.options.checkpointMs);
    this.timer.unref();
  }

  /** Stops the timer and signs what this instance appended last. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.checkpointing;
    await this.checkpoint();
  }

  /** Signs the newest entry this instance appended, if it is not signed yet; one at a time. */
  checkpoint(): Promise<void> {
    this.checkpointing ??= this.signLatest().finally(() => {
      this.checkpointing = undefined;
    });
    return this.checkpointing;
  }

  private async signLatest(): Promise<void> {
    const entry = this.latest;
    if (!entry || entry.seq <= this.signedSeq) return;
    this.sinceCheckpoint = 0;
    const signature = bytesToHex(ed25519Sign(checkpointMessage(entry.seq, entry.hash), this.signingKey));
    try {
      await this.store.addCheckpoint({ seq: entry.seq, hash: entry.hash, signature, at: new Date() });
      this.signedSeq = entry.seq;
    } catch (e) {
      this.logger.warn('audit checkpoint not stored', { seq: entry.seq, reason: (e as Error).message });
    }
  }

  list(opts: { after?: number; limit?: number; actions?: readonly string[] }): Promise<AuditEntry[]> {
    return this.store.list(opts);
  }

  /** The seq of the log's last entry, whichever instance appended it. */
  head(): Promise<number> {
    return this.store.head();
  }

  verify(): Promise<AuditVerification> {
    return verifyAuditChain(this.store, this.publicKey);
  }
}

/** Checkpoints in seq order, read a page at a time. */
async function* checkpointsOf(store: Pick<AuditStore, 'checkpoints'>, pageSize: number): AsyncGenerator<AuditCheckpoint> {
  for (let after = 0; ; ) {
    const page = await store.checkpoints({ after, limit: pageSize });
    yield* page;
    if (page.length < pageSize) return;
    after = page.at(-1)!.seq;
  }
}

function signedBy(c: AuditCheckpoint, publicKey: Uint8Array): boolean {
  try {
    return /^[0-9a-f]{128}$/.test(c.signature) && ed25519Verify(hexToBytes(c.signature), checkpointMessage(c.seq, c.hash), publicKey);
  } catch {
    return false;
  }
}

/**
 * Walks the whole log in pages: every entry's hash recomputed, seqs contiguous from 1 (a deleted
 * row is a gap), each prev_hash equal to the hash before (a reordered or inserted row breaks the
 * link), every checkpoint signed by `publicKey` and equal to the entry at its seq, and no
 * checkpoint beyond the last entry (a cut-off tail). Names the first entry found broken.
 */
export async function verifyAuditChain(store: Pick<AuditStore, 'list' | 'checkpoints'>, publicKey: Uint8Array, pageSize = VERIFY_PAGE): Promise<AuditVerification> {
  let entries = 0;
  let checkpoints = 0;
  const broken = (seq: number, reason: string): AuditVerification => ({ ok: false, entries, checkpoints, firstBroken: { seq, reason } });
  const signed = checkpointsOf(store, pageSize);
  let checkpoint = (await signed.next()).value as AuditCheckpoint | undefined;
  let prevHash = GENESIS_HASH;
  let expected = 1;
  for (let after = 0; ; ) {
    const page = await store.list({ after, limit: pageSize });
    for (const e of page) {
      if (e.seq !== expected) return broken(expected, `entry ${expected} is missing (the next is ${e.seq})`);
      if (e.prevHash !== prevHash) return broken(e.seq, 'prev_hash is not the hash of the entry before (reordered, inserted, or its predecessor rewritten)');
      let hash: string;
      try {
        hash = entryHash(e.seq, e, e.prevHash);
      } catch {
        return broken(e.seq, 'the contents are not in the canonical form written (edited)');
      }
      if (hash !== e.hash) return broken(e.seq, 'the contents do not match the hash (edited)');
      entries++;
      while (checkpoint && checkpoint.seq <= e.seq) {
        if (!signedBy(checkpoint, publicKey)) return broken(checkpoint.seq, 'the checkpoint at this entry is not signed by the coordinator');
        if (checkpoint.hash !== e.hash) return broken(e.seq, 'the entry differs from its signed checkpoint (rewritten with recomputed hashes)');
        checkpoints++;
        checkpoint = (await signed.next()).value as AuditCheckpoint | undefined;
      }
      prevHash = e.hash;
      expected++;
    }
    if (page.length < pageSize) break;
    after = page.at(-1)!.seq;
  }
  if (checkpoint) return broken(expected, `a signed checkpoint names entry ${checkpoint.seq}, beyond the last entry (the log was cut short)`);
  return { ok: true, entries, checkpoints };
}

// ─── what the services record ───────────────────────────────────────────────────────────────────

type Details = { [key: string]: AuditJson };

/**
 * An error as evidence (an ApiError, or its JSON form as a failed request stores it): its code and
 * the parties it names. Messages are the API's own, which never carry secrets.
 */
export function failureDetails(e: unknown): Details {
  const error = (e instanceof ApiError ? e.toJSON().error : e instanceof Error ? { code: 'INTERNAL', message: e.message } : e) as Record<string, unknown> | null;
  const parties = (v: unknown) => (Array.isArray(v) ? v.filter((p): p is number => Number.isSafeInteger(p)).slice(0, 255) : undefined);
  const text = (v: unknown) => (typeof v === 'string' ? v.slice(0, 500) : undefined);
  const picked = {
    code: text(error?.code) ?? 'INTERNAL',
    message: text(error?.message),
    retriable: typeof error?.retriable === 'boolean' ? error.retriable : undefined,
    culprits: parties(error?.culprits),
    waitingFor: parties(error?.waitingFor),
    gone: parties(error?.gone),
    reason: text(error?.reason),
  };
  return Object.fromEntries(Object.entries(picked).filter(([, v]) => v !== undefined)) as Details;
}

/** A finished signature request (its `signatureDetails`): who signed and whether pooled, or the failure with its culprits. */
export function signatureOutcome(requestId: string, request: Details, status: 'completed' | 'failed', result: unknown): AuditRecord {
  const r = result as { signers?: number[]; pooled?: boolean };
  const outcome = status === 'completed' ? { signers: r.signers ?? [], pooled: r.pooled === true } : failureDetails(result);
  return { action: `signature.${status}`, actor: 'coordinator', subject: requestId, details: { ...request, ...outcome } };
}

/**
 * A signature request as the audit log keeps it: the key and its version, the path and chain if
 * any, and the SHA-256 of what was to be signed (the message's bytes, the raw digest, or the JSON of
 * a chain transaction or message) — never the content itself.
 */
export function signatureDetails(key: Pick<KeyRecord, 'id' | 'version' | 'scheme'>, input: SignInput): Details {
  const content = input.transaction ? utf8(JSON.stringify(input.transaction.input) ?? 'null') : hexToBytes(input.message ?? input.digest ?? '');
  const t = input.transaction;
  return {
    keyId: key.id,
    keyVersion: key.version,
    scheme: key.scheme,
    contentSha256: bytesToHex(sha256(content)),
    ...(input.hash ? { hash: input.hash } : {}),
    ...(input.digest !== undefined ? { rawDigest: true } : {}),
    ...(input.path !== undefined ? { path: input.path } : {}),
    ...(t ? { chain: t.chain, item: t.item, ...(t.format ? { format: t.format } : {}), ...(t.message ? { standard: t.message.standard ?? 'default' } : {}) } : {}),
    ...(input.signers ? { signers: input.signers } : {}),
    ...(input.requestedBy ? { requestedBy: input.requestedBy } : {}),
  };
}

/**
 * Thins out frequent, alike events (authentication of one key, failures from one address): the
 * first per name in each window is let through, carrying how many the window before skipped.
 */
export class AuditSampler {
  private readonly windows = new Map<string, { until: number; skipped: number }>();
  constructor(private readonly windowMs = 60_000) {}

  /** Undefined: skip this one; else the number of events skipped since the last one let through. */
  take(name: string, now = Date.now()): number | undefined {
    const window = this.windows.get(name);
    if (window && window.until > now) {
      window.skipped++;
      return undefined;
    }
    // A bound on memory under a flood of distinct names; the cost is a few extra entries.
    if (this.windows.size >= 10_000) this.windows.clear();
    this.windows.set(name, { until: now + this.windowMs, skipped: 0 });
    return window?.skipped ?? 0;
  }
}
