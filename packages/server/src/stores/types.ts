/**
 * One small interface per kind of record (DESIGN §3, §6). Adapters live beside this file:
 * `sql/` (PostgreSQL through `pg`, or PGlite: the same SQL and migrations) and `memory/` / `redis/`
 * for the session store. Only the processes' `main.ts` files open pools and clients; everything
 * else receives these interfaces.
 */

/** The signature schemes keys are made for: what every layer above names a key's kind by. */
export const SCHEMES = ['ecdsa-secp256k1', 'schnorr-bip340', 'eddsa-ed25519'] as const;
export type Scheme = (typeof SCHEMES)[number];

// ─── signer node ────────────────────────────────────────────────────────────────────────────────

/** Kinds of sealed record a node keeps. */
export type RecordKind = 'key-share' | 'aux-info' | 'presignature' | 'nonces' | 'pending-share' | 'node-secret';

/** A sealed record as stored: the ciphertext is opaque to the store. */
export interface StoredRecord {
  kind: RecordKind;
  /** The key (or committee, or node) the record belongs to. */
  owner: string;
  /** Share version for key shares; an item id for presignatures and nonces. */
  version: string;
  sealed: Uint8Array;
}

/** Long-lived sealed records: key shares by version, aux info, pending shares. */
export interface RecordStore {
  /** Inserts or replaces (kind, owner, version). Durable when the promise resolves. */
  put(record: StoredRecord): Promise<void>;
  get(kind: RecordKind, owner: string, version: string): Promise<StoredRecord | undefined>;
  /** Every version of (kind, owner), oldest first by insertion. */
  list(kind: RecordKind, owner: string): Promise<StoredRecord[]>;
  delete(kind: RecordKind, owner: string, version: string): Promise<void>;
  /** Owners with at least one record of `kind`. */
  owners(kind: RecordKind): Promise<string[]>;
}

/**
 * Single-use items (presignature shares, nonce pairs): added once, taken at most once. `take`
 * deletes and returns in one statement (DELETE … RETURNING), so two concurrent takers cannot
 * both get an item, and a taken item is gone after a crash.
 */
export interface ConsumableStore {
  /** Adds a batch in one statement; an item already present (single use!) refuses the call. */
  add(records: readonly StoredRecord[]): Promise<void>;
  take(kind: RecordKind, owner: string, version: string): Promise<StoredRecord | undefined>;
  count(kind: RecordKind, owner: string): Promise<number>;
  /** Drops every item of (kind, owner): e.g. after a refresh made them useless. */
  clear(kind: RecordKind, owner: string): Promise<number>;
  /** Drops every item of a kind, whatever its owner: the lists that named them are gone. */
  clearKind(kind: RecordKind): Promise<number>;
}

/** The node's used session ids; `claim` is an atomic insert into a uniqueness rule. */
export interface UsedSessionStore {
  /** True the first time (protocol, session) is claimed, false ever after. */
  claim(protocol: string, session: Uint8Array): Promise<boolean>;
}

export interface SignatureLogEntry {
  requestId: string;
  keyId: string;
  scheme: string;
  /** Hex digest (or message hash) that was signed. */
  digest: string;
  signature: string;
  at: Date;
}

/** The node's own append-only record of every signature it took part in. */
export interface SignatureLog {
  append(entry: SignatureLogEntry): Promise<void>;
  list(keyId?: string): Promise<SignatureLogEntry[]>;
}

export interface NodeStore {
  records: RecordStore;
  consumables: ConsumableStore;
  sessions: UsedSessionStore;
  signatures: SignatureLog;
  close(): Promise<void>;
}

// ─── coordinator ────────────────────────────────────────────────────────────────────────────────

export type KeyStatus = 'pending' | 'active' | 'failed';

export interface KeyRecord {
  id: string;
  scheme: Scheme;
  threshold: number;
  /** Node ids of the committee, ascending. */
  parties: number[];
  /** Hex encoding as `simulate` prints it; null until active. */
  publicKey: string | null;
  status: KeyStatus;
  label: string | null;
  /** Current share version (a refresh bumps it). */
  version: number;
  /** Why the key failed (abort code and culprits), for a failed key. */
  failure: string | null;
  /**
   * The certificate (hex) of the dealing that made the current version: every committee member's
   * signed confirmation. A node that crashed before seeing its dealing end finishes from it.
   */
  certificate: string | null;
  /**
   * The session (hex) of a refresh that started and whose outcome is not recorded yet: if the
   * nodes finished it, they can prove so with a certificate for exactly this run.
   */
  refreshSession?: string | null;
  /**
   * The current version's group key and verifying shares, as every committee member reported them
   * alike (the coordinator checks signature shares against them); null when not known.
   */
  publicPackage?: PublicPackage | null;
  /**
   * The chain code (32 bytes, hex) key generation agreed, as every committee member reported it:
   * the root of the key's non-hardened derivation. Null for keys made before derivation existed.
   */
  chainCode?: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A key version's public package: the group key and each committee member's verification share, compressed points as hex, in committee order. */
export interface PublicPackage {
  groupKey: string;
  verifyingShares: string[];
}

export interface KeyStore {
  insert(key: KeyRecord): Promise<void>;
  get(id: string): Promise<KeyRecord | undefined>;
  list(opts?: { limit?: number; after?: string }): Promise<KeyRecord[]>;
  /** Compare-and-set on status and version, so two instances cannot both advance a key. */
  update(id: string, expect: { status: KeyStatus; version: number }, next: Partial<Pick<KeyRecord, 'status' | 'publicKey' | 'version' | 'failure' | 'certificate' | 'refreshSession' | 'publicPackage' | 'chainCode'>>): Promise<boolean>;
  /** Keys with a refresh whose outcome is not recorded (at most `limit`). */
  refreshing(limit?: number): Promise<KeyRecord[]>;
}

export interface NodeRecord {
  id: number;
  name: string;
  noisePublicKey: string;
  identityPublicKey: string;
  lastSeen: Date | null;
}

export interface NodeRegistryStore {
  upsert(node: NodeRecord): Promise<void>;
  touch(id: number, at: Date): Promise<void>;
  list(): Promise<NodeRecord[]>;
}

export type SignatureStatus = 'pending' | 'completed' | 'failed';

export interface SignatureRecord {
  id: string;
  keyId: string;
  /** Scoped per key; unique together with keyId when present. */
  idempotencyKey: string | null;
  /** SHA-256 of the canonical request body: the same key with another body is a conflict. */
  requestHash: string;
  status: SignatureStatus;
  /** The response body once completed; the error once failed. */
  result: unknown;
  createdAt: Date;
  updatedAt: Date;
}

export interface SignatureStore {
  /**
   * Inserts a pending request. When (keyId, idempotencyKey) already exists, nothing is inserted
   * and the existing record is returned instead: a uniqueness rule, not a check-then-write.
   */
  create(record: SignatureRecord): Promise<{ created: true } | { created: false; existing: SignatureRecord }>;
  get(id: string): Promise<SignatureRecord | undefined>;
  /** Compare-and-set failed → pending, for a retry of a request that failed retriably; false when it is not failed. */
  reopen(id: string, requestHash: string): Promise<boolean>;
  /**
   * Compare-and-set of a pending request untouched for `staleAfterMs` by the database's clock
   * (its instance died mid-request): touches it and returns true for exactly one of concurrent
   * callers.
   */
  reclaim(id: string, requestHash: string, staleAfterMs: number): Promise<boolean>;
  /** Marks a pending request as still running (its instance's heartbeat); false when it is not pending. */
  touch(id: string): Promise<boolean>;
  finish(id: string, status: Exclude<SignatureStatus, 'pending'>, result: unknown): Promise<void>;
  /**
   * Newest first (creation time, then id), optionally of one key and one status; `before` is the
   * last record of the previous page (its creation time and id).
   */
  list(opts?: { keyId?: string; status?: SignatureStatus; before?: { createdAt: Date; id: string }; limit?: number }): Promise<SignatureRecord[]>;
}

/** A committee of nodes and whether its CGGMP auxiliary information exists (made once, reused by its keys). */
export interface CommitteeRecord {
  /** Party numbers joined by '-', ascending. */
  name: string;
  parties: number[];
  auxReady: boolean;
}

export interface CommitteeStore {
  get(name: string): Promise<CommitteeRecord | undefined>;
  put(record: CommitteeRecord): Promise<void>;
}

/** What an audit entry's details may hold: JSON that survives a jsonb round trip unchanged (stores/audit-chain.ts). */
export type AuditJson = null | boolean | number | string | AuditJson[] | { [key: string]: AuditJson };

/** A security-relevant action, as recorded. Never secrets: hashes, ids and codes only. */
export interface AuditEvent {
  at: Date;
  /** What happened, dotted lower case: `key.created`, `signature.failed`, `auth.failed`, … */
  action: string;
  /** Who did it: `api-key:<hash prefix>`, `coordinator`, `node:<id>`, `ip:<address>`. */
  actor: string;
  /** What it was done to: a key id, a signature request id, a node, `api`. */
  subject: string;
  details: { [key: string]: AuditJson };
}

/** An entry of the hash chain: the event at position `seq`, chained to its predecessor's hash. */
export interface AuditEntry extends AuditEvent {
  seq: number;
  prevHash: string;
  hash: string;
}

/** The coordinator's Ed25519 signature (hex) over the chain's hash at `seq` (stores/audit-chain.ts). */
export interface AuditCheckpoint {
  seq: number;
  hash: string;
  signature: string;
  at: Date;
}

/**
 * The append-only, hash-chained audit log (DESIGN §6). `append` takes one lock shared by every
 * coordinator instance and, in one transaction, reads the last hash and inserts the batch after
 * it, so all instances' entries form one total order without gaps.
 */
export interface AuditStore {
  /** Appends the events in order; durable when it resolves; returns the entries made. */
  append(events: readonly AuditEvent[]): Promise<AuditEntry[]>;
  /** Entries with seq > `after` (default 0), ascending, at most `limit`; only those of `actions` when given. */
  list(opts?: { after?: number; limit?: number; actions?: readonly string[] }): Promise<AuditEntry[]>;
  /** The seq of the last entry (0 when the log is empty). */
  head(): Promise<number>;
  /** Stores a checkpoint; one already stored at the same seq (another instance's) is kept. */
  addCheckpoint(checkpoint: AuditCheckpoint): Promise<void>;
  /** Checkpoints with seq > `after` (default 0), ascending, at most `limit`. */
  checkpoints(opts?: { after?: number; limit?: number }): Promise<AuditCheckpoint[]>;
}

/** What an API key may do; `admin` may do everything. */
export const API_KEY_SCOPES = ['keys:read', 'keys:create', 'sign', 'audit:read', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** An API key as stored: its secret only as a SHA-256, found by its public prefix. */
export interface ApiKeyRecord {
  /** The public part of the token (`mpcw_<prefix>_…`): identifies the key in lists, logs and the audit log. */
  prefix: string;
  /** SHA-256 (hex) of the whole token. */
  hash: string;
  name: string;
  scopes: ApiKeyScope[];
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export interface ApiKeyStore {
  /** Refuses a prefix already taken. */
  create(record: ApiKeyRecord): Promise<void>;
  get(prefix: string): Promise<ApiKeyRecord | undefined>;
  /** Newest first. */
  list(): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked at `at`; false when there is no such key or it was revoked already. */
  revoke(prefix: string, at: Date): Promise<boolean>;
}

/** A registered webhook: where events of `types` are posted. Its secret is derived, never stored (coordinator/webhooks.ts). */
export interface WebhookRecord {
  id: string;
  url: string;
  /** Event types it receives. */
  types: string[];
  description: string | null;
  createdBy: string;
  createdAt: Date;
  deletedAt: Date | null;
  /** The audit seq up to which events have been turned into its deliveries. */
  cursor: number;
}

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One event for one webhook, with its attempts. */
export interface DeliveryRecord {
  id: string;
  webhookId: string;
  eventSeq: number;
  eventType: string;
  /** The exact body posted (the event's JSON), the same on every attempt. */
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  /** When it is due (pending), or until when an attempt holds it. */
  nextAttemptAt: Date | null;
  /** The last attempt's HTTP status, or its network error. */
  lastStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookStore {
  create(record: WebhookRecord): Promise<void>;
  get(id: string): Promise<WebhookRecord | undefined>;
  /** Those not deleted, oldest first. */
  list(): Promise<WebhookRecord[]>;
  /** Marks it deleted (its pending deliveries are dropped); false when there is none or it is deleted already. */
  delete(id: string, at: Date): Promise<boolean>;
  /**
   * In one transaction: inserts the deliveries (one already there for its webhook and event is
   * kept) and moves each webhook's cursor forward to `cursors`' value (never back).
   */
  enqueue(deliveries: readonly DeliveryRecord[], cursors: ReadonlyMap<string, number>): Promise<void>;
  /**
   * Takes up to `limit` pending deliveries due at `now`, each for `leaseMs`: their attempts count
   * one more and they are not due again before the lease ends (an instance that dies mid-attempt
   * leaves them to another). Oldest due first; rows another instance is taking are skipped.
   */
  claimDue(now: Date, leaseMs: number, limit: number): Promise<DeliveryRecord[]>;
  /** Records the outcome of the attempt that `claimed` (its attempts value): false when the delivery changed since (replayed). */
  settle(id: string, claimed: number, outcome: { status: DeliveryStatus; lastStatus: number | null; lastError: string | null; nextAttemptAt: Date | null }, at: Date): Promise<boolean>;
  /** A webhook's deliveries, newest first, made before `before` when given. */
  deliveries(webhookId: string, opts: { status?: DeliveryStatus; limit: number; before?: { createdAt: Date; id: string } }): Promise<DeliveryRecord[]>;
  /** Makes a delivery pending and due at `at` again, with a fresh count of attempts; undefined when there is none (of this webhook). */
  replay(webhookId: string, deliveryId: string, at: Date): Promise<DeliveryRecord | undefined>;
}

export interface MetadataStore {
  keys: KeyStore;
  committees: CommitteeStore;
  nodes: NodeRegistryStore;
  signatures: SignatureStore;
  audit: AuditStore;
  apiKeys: ApiKeyStore;
  webhooks: WebhookStore;
  /** Resolves when the database answers a trivial query (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

// ─── sessions (Redis, or memory) ───────────────────────────────────────────────────────────────

/** Live, expiring state shared by coordinator instances. */
export interface SessionStore {
  /** Takes `name` for `ttlMs` if free; returns a token for release, or undefined when held. */
  lock(name: string, ttlMs: number): Promise<string | undefined>;
  unlock(name: string, token: string): Promise<void>;
  /** Appends pool item ids to the right of list `pool`. */
  pushPool(pool: string, items: string[]): Promise<void>;
  /** Atomically removes and returns the leftmost item, or undefined when empty. */
  claimPool(pool: string): Promise<string | undefined>;
  poolSize(pool: string): Promise<number>;
  /** Drops a whole pool (its holders went offline or restarted). */
  dropPool(pool: string): Promise<void>;
  /**
   * A fixed-window counter (rate limits): adds `add` (0 reads; a request of several operations
   * adds their number) to counter `name`, whose window of `windowMs` starts at its first hit;
   * returns the count in the window and the ms until it ends.
   */
  count(name: string, windowMs: number, add: number): Promise<{ count: number; resetMs: number }>;
  /** Resolves when the store answers (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
