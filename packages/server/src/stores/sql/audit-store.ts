/** The audit log over SQL (DESIGN §6): entries chained by hash (../audit-chain.ts), signed checkpoints. */
import { StoreError } from '../errors.js';
import type { AuditCheckpoint, AuditEntry, AuditEvent, AuditJson, AuditStore } from '../types.js';
import { checkDate, checkInteger, checkName } from '../validate.js';
import { GENESIS_HASH, HASH_HEX, canonicalJson, entryHash } from '../audit-chain.js';
import type { SqlClient } from './client.js';
import { valueRows } from './coalesce.js';

const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;
/** An event's details are ids, codes and culprits: kilobytes at most; the bound stops a runaway caller. */
const MAX_DETAILS = 64 * 1024;
const ACTION = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/;

interface EntryRow {
  seq: string;
  at: Date;
  action: string;
  actor: string;
  subject: string;
  details: { [key: string]: AuditJson };
  prev_hash: string;
  hash: string;
}

interface CheckpointRow {
  seq: string;
  hash: string;
  signature: string;
  at: Date;
}

// bigint comes back as text from `pg` and as BigInt from PGlite: read as text, one conversion. The
// alias hides the column from ORDER BY, so orders name the column by its table (numeric order).
const ENTRY_COLUMNS = 'seq::text AS seq, at, action, actor, subject, details, prev_hash, hash';
const CHECKPOINT_COLUMNS = 'seq::text AS seq, hash, signature, at';

function toEntry(r: EntryRow): AuditEntry {
  return { seq: Number(r.seq), at: r.at, action: r.action, actor: r.actor, subject: r.subject, details: r.details, prevHash: r.prev_hash, hash: r.hash };
}

function toCheckpoint(r: CheckpointRow): AuditCheckpoint {
  return { seq: Number(r.seq), hash: r.hash, signature: r.signature, at: r.at };
}

/** Text that both the chain encoding and a text column take (no NUL, no lone surrogate). */
function checkText(what: string, value: unknown): string {
  canonicalJson(checkName(what, value));
  return value as string;
}

/** An event as it will be stored, with its details' canonical JSON. */
function checkEvent(e: AuditEvent): { event: AuditEvent; detailsJson: string } {
  if (typeof e !== 'object' || e === null) throw new StoreError('an audit event must be an object');
  if (typeof e.action !== 'string' || e.action.length > 64 || !ACTION.test(e.action)) throw new StoreError('an audit action is dotted lower-case words of at most 64 characters');
  if (typeof e.details !== 'object' || e.details === null || Array.isArray(e.details)) throw new StoreError('audit details must be an object');
  const detailsJson = canonicalJson(e.details);
  if (detailsJson.length > MAX_DETAILS) throw new StoreError(`audit details exceed ${MAX_DETAILS} characters`);
  const event: AuditEvent = {
    at: checkDate('at', e.at),
    action: e.action,
    actor: checkText('actor', e.actor),
    subject: checkText('subject', e.subject),
    // Stored as written: what is read back is what was hashed (canonical JSON is a jsonb fixed point).
    details: JSON.parse(detailsJson) as AuditEvent['details'],
  };
  return { event, detailsJson };
}

function checkActions(actions: unknown): string[] {
  if (!Array.isArray(actions) || actions.length > 64 || actions.some((a) => typeof a !== 'string' || a.length > 64 || !ACTION.test(a))) {
    throw new StoreError('actions must list at most 64 audit actions');
  }
  return actions as string[];
}

function page(opts: { after?: number; limit?: number } = {}): [number, number] {
  return [checkInteger('after', opts.after ?? 0, 0, Number.MAX_SAFE_INTEGER), checkInteger('limit', opts.limit ?? DEFAULT_PAGE, 1, MAX_PAGE)];
}

export function sqlAuditStore(sql: SqlClient): AuditStore {
  // One lock per schema (tests and processes may share a database): every instance appending to
  // this log waits for it, so each reads the true last hash and no two batches take one seq.
  const lockName = `mpc-wallet/audit/${sql.schema}`;
  return {
    async append(events) {
      if (!Array.isArray(events)) throw new StoreError('append takes an array of events');
      const checked = events.map(checkEvent);
      if (checked.length === 0) return [];
      return sql.transaction(async (tx) => {
        // Its own statement: a statement's snapshot is taken before it runs, so the last hash must
        // be read by a statement that starts after the lock is held.
        await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockName]);
        const last = await tx.query<{ seq: string; hash: string }>('SELECT seq::text AS seq, hash FROM audit ORDER BY audit.seq DESC LIMIT 1');
        let seq = last[0] ? Number(last[0].seq) : 0;
        let prevHash = last[0]?.hash ?? GENESIS_HASH;
        const entries = checked.map(({ event }) => {
          seq += 1;
          const entry: AuditEntry = { ...event, seq, prevHash, hash: entryHash(seq, event, prevHash) };
          prevHash = entry.hash;
          return entry;
        });
        await tx.query(
          `INSERT INTO audit (seq, at, action, actor, subject, details, prev_hash, hash) VALUES ${valueRows(entries.length, 8, (column) => (column === 5 ? '::jsonb' : ''))}`,
          entries.flatMap((e, i) => [e.seq, e.at, e.action, e.actor, e.subject, checked[i]!.detailsJson, e.prevHash, e.hash]),
        );
        return entries;
      });
    },
    async list(opts) {
      const [after, limit] = page(opts);
      const rows = opts?.actions
        ? await sql.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM audit WHERE seq > $1 AND action = ANY($3::text[]) ORDER BY audit.seq LIMIT $2`, [after, limit, checkActions(opts.actions)])
        : await sql.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM audit WHERE seq > $1 ORDER BY audit.seq LIMIT $2`, [after, limit]);
      return rows.map(toEntry);
    },
    async head() {
      const rows = await sql.query<{ seq: string | null }>('SELECT max(seq)::text AS seq FROM audit');
      return Number(rows[0]?.seq ?? 0);
    },
    async addCheckpoint(c) {
      if (typeof c !== 'object' || c === null) throw new StoreError('a checkpoint must be an object');
      if (typeof c.hash !== 'string' || !HASH_HEX.test(c.hash)) throw new StoreError('a checkpoint hash is 64 lower-case hex digits');
      if (typeof c.signature !== 'string' || !/^[0-9a-f]{128}$/.test(c.signature)) throw new StoreError('a checkpoint signature is 128 lower-case hex digits');
      await sql.query('INSERT INTO audit_checkpoints (seq, hash, signature, at) VALUES ($1, $2, $3, $4) ON CONFLICT (seq) DO NOTHING', [
        checkInteger('checkpoint seq', c.seq, 1, Number.MAX_SAFE_INTEGER),
        c.hash,
        c.signature,
        checkDate('at', c.at),
      ]);
    },
    async checkpoints(opts) {
      const [after, limit] = page(opts);
      const rows = await sql.query<CheckpointRow>(`SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints WHERE seq > $1 ORDER BY audit_checkpoints.seq LIMIT $2`, [after, limit]);
      return rows.map(toCheckpoint);
    },
  };
}
