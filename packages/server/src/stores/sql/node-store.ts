/** The signer node's store over SQL (DESIGN §6): sealed records, single-use items, used sessions, signature log. */
import { StoreError } from '../errors.js';
import type {
  ConsumableStore,
  NodeStore,
  RecordKind,
  RecordStore,
  SignatureLog,
  SignatureLogEntry,
  StoredRecord,
  UsedSessionStore,
} from '../types.js';
import { checkBytes, checkDate, checkKind, checkName } from '../validate.js';
import type { SqlClient } from './client.js';
import { Coalescer } from '../../coalescer.js';
import { MAX_COALESCED, distinct, firstClaims, valueRows } from './coalesce.js';

interface RecordRow {
  kind: RecordKind;
  owner: string;
  version: string;
  sealed: Uint8Array;
}

/** `pg` returns bytea as a Buffer; callers get a plain Uint8Array from either driver. */
function toRecord(row: RecordRow): StoredRecord {
  return { kind: row.kind, owner: row.owner, version: row.version, sealed: new Uint8Array(row.sealed) };
}

/** Items per `consumables.add`: one refill batch (4 parameters each, far below PostgreSQL's 65535). */
const MAX_CONSUMABLES_PER_ADD = 1000;
function checkRecord(record: StoredRecord): StoredRecord {
  if (typeof record !== 'object' || record === null) throw new StoreError('a stored record must be an object');
  return {
    kind: checkKind(record.kind),
    owner: checkName('record owner', record.owner),
    version: checkName('record version', record.version),
    sealed: checkBytes('sealed record', record.sealed),
  };
}

function recordStore(sql: SqlClient): RecordStore {
  return {
    async put(record) {
      const r = checkRecord(record);
      await sql.query(
        `INSERT INTO records (kind, owner, version, sealed) VALUES ($1, $2, $3, $4)
         ON CONFLICT (kind, owner, version) DO UPDATE SET sealed = EXCLUDED.sealed`,
        [r.kind, r.owner, r.version, r.sealed],
      );
    },
    async get(kind, owner, version) {
      const rows = await sql.query<RecordRow>('SELECT kind, owner, version, sealed FROM records WHERE kind = $1 AND owner = $2 AND version = $3', [
        checkKind(kind),
        checkName('record owner', owner),
        checkName('record version', version),
      ]);
      return rows[0] && toRecord(rows[0]);
    },
    async list(kind, owner) {
      const rows = await sql.query<RecordRow>('SELECT kind, owner, version, sealed FROM records WHERE kind = $1 AND owner = $2 ORDER BY seq', [
        checkKind(kind),
        checkName('record owner', owner),
      ]);
      return rows.map(toRecord);
    },
    async delete(kind, owner, version) {
      await sql.query('DELETE FROM records WHERE kind = $1 AND owner = $2 AND version = $3', [checkKind(kind), checkName('record owner', owner), checkName('record version', version)]);
    },
    async owners(kind) {
      const rows = await sql.query<{ owner: string }>('SELECT DISTINCT owner FROM records WHERE kind = $1 ORDER BY owner', [checkKind(kind)]);
      return rows.map((r) => r.owner);
    },
  };
}

function consumableStore(sql: SqlClient): ConsumableStore {
  // One statement: of concurrent takers of one item, exactly one deletes its row and gets it back
  // (within a batch, the first to ask).
  const keyOf = (r: Omit<StoredRecord, 'sealed'>) => `${r.kind}\0${r.owner}\0${r.version}`;
  const taking = new Coalescer<Omit<StoredRecord, 'sealed'>, StoredRecord | undefined>(async (wanted) => {
    const once = distinct(wanted, keyOf);
    const taken = await sql.query<RecordRow>(
      `DELETE FROM consumables WHERE (kind, owner, version) IN (${valueRows(once.length, 3)}) RETURNING kind, owner, version, sealed`,
      once.flatMap((r) => [r.kind, r.owner, r.version]),
    );
    return firstClaims(wanted, keyOf, new Map(taken.map((row) => [keyOf(row), toRecord(row)])), undefined);
  }, MAX_COALESCED);
  return {
    async add(records) {
      if (!Array.isArray(records) || records.length === 0 || records.length > MAX_CONSUMABLES_PER_ADD) throw new StoreError(`add takes 1 to ${MAX_CONSUMABLES_PER_ADD} records`);
      const checked = records.map(checkRecord);
      const rows = await sql.query(
        `INSERT INTO consumables (kind, owner, version, sealed) VALUES ${checked.map((_, i) => `($${4 * i + 1}, $${4 * i + 2}, $${4 * i + 3}, $${4 * i + 4})`).join(', ')}
         ON CONFLICT (kind, owner, version) DO NOTHING RETURNING 1 AS added`,
        checked.flatMap((r) => [r.kind, r.owner, r.version, r.sealed]),
      );
      // A single-use item added twice could be used twice: refuse rather than replace (the new
      // items of the batch stay; whoever added them publishes nothing of a refused batch).
      if (rows.length !== checked.length) throw new StoreError(`${checked.length - rows.length} of ${checked.length} ${checked[0]!.kind} items already exist`);
    },
    async take(kind, owner, version) {
      return taking.run({ kind: checkKind(kind), owner: checkName('record owner', owner), version: checkName('record version', version) });
    },
    async count(kind, owner) {
      const rows = await sql.query<{ n: number }>('SELECT count(*)::integer AS n FROM consumables WHERE kind = $1 AND owner = $2', [checkKind(kind), checkName('record owner', owner)]);
      return rows[0]!.n;
    },
    async clearKind(kind) {
      const rows = await sql.query<{ n: number }>('WITH gone AS (DELETE FROM consumables WHERE kind = $1 RETURNING 1) SELECT count(*)::integer AS n FROM gone', [checkKind(kind)]);
      return rows[0]!.n;
    },
    async clear(kind, owner) {
      const rows = await sql.query<{ n: number }>(
        'WITH gone AS (DELETE FROM consumables WHERE kind = $1 AND owner = $2 RETURNING 1) SELECT count(*)::integer AS n FROM gone',
        [checkKind(kind), checkName('record owner', owner)],
      );
      return rows[0]!.n;
    },
  };
}

/** Session ids are protocol-chosen bytes; 64 is well above any the protocols use. */
const MAX_SESSION_BYTES = 64;

function usedSessionStore(sql: SqlClient): UsedSessionStore {
  const keyOf = (c: { protocol: string; session: Uint8Array }) => `${c.protocol}\0${Buffer.from(c.session).toString('hex')}`;
  // The primary key decides: of two claims of one session (in one batch: the first), one inserts.
  const claiming = new Coalescer<{ protocol: string; session: Uint8Array }, boolean>(async (claims) => {
    const once = distinct(claims, keyOf);
    const inserted = await sql.query<{ protocol: string; session: Uint8Array }>(
      `INSERT INTO used_sessions (protocol, session) VALUES ${valueRows(once.length, 2)} ON CONFLICT DO NOTHING RETURNING protocol, session`,
      once.flatMap((c) => [c.protocol, c.session]),
    );
    return firstClaims(claims, keyOf, new Map(inserted.map((row) => [keyOf(row), true])), false);
  }, MAX_COALESCED);
  return {
    async claim(protocol, session) {
      checkName('protocol', protocol);
      checkBytes('session id', session);
      if (session.length === 0 || session.length > MAX_SESSION_BYTES) throw new StoreError(`a session id must have 1 to ${MAX_SESSION_BYTES} bytes`);
      return claiming.run({ protocol, session: session.slice() });
    },
  };
}

interface LogRow {
  request_id: string;
  key_id: string;
  scheme: string;
  digest: string;
  signature: string;
  at: Date;
}

/** Hex fields of a log entry: a digest or signature, never more than a few hundred characters. */
const MAX_HEX = 1024;

function checkHex(what: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_HEX || value.length % 2 !== 0 || !/^[0-9a-f]*$/.test(value)) {
    throw new StoreError(`${what} must be lower-case hex of an even length up to ${MAX_HEX}`);
  }
  return value;
}

/** Append-only by construction: this interface has no way to change or remove an entry. */
function signatureLog(sql: SqlClient): SignatureLog {
  const appending = new Coalescer<unknown[], void>(async (entries) => {
    await sql.query(`INSERT INTO signature_log (request_id, key_id, scheme, digest, signature, at) VALUES ${valueRows(entries.length, 6)}`, entries.flat());
    return entries.map(() => undefined);
  }, MAX_COALESCED);
  return {
    async append(entry: SignatureLogEntry) {
      if (typeof entry !== 'object' || entry === null) throw new StoreError('a signature log entry must be an object');
      await appending.run([
        checkName('request id', entry.requestId),
        checkName('key id', entry.keyId),
        checkName('scheme', entry.scheme),
        checkHex('digest', entry.digest),
        checkHex('signature', entry.signature),
        checkDate('signing time', entry.at),
      ]);
    },
    async list(keyId?: string) {
      const rows =
        keyId === undefined
          ? await sql.query<LogRow>('SELECT request_id, key_id, scheme, digest, signature, at FROM signature_log ORDER BY seq')
          : await sql.query<LogRow>('SELECT request_id, key_id, scheme, digest, signature, at FROM signature_log WHERE key_id = $1 ORDER BY seq', [checkName('key id', keyId)]);
      return rows.map((r) => ({ requestId: r.request_id, keyId: r.key_id, scheme: r.scheme, digest: r.digest, signature: r.signature, at: r.at }));
    },
  };
}

/** The node store over an open, migrated client; closing the store closes the client. */
export function sqlNodeStore(sql: SqlClient): NodeStore {
  return {
    records: recordStore(sql),
    consumables: consumableStore(sql),
    sessions: usedSessionStore(sql),
    signatures: signatureLog(sql),
    close: () => sql.close(),
  };
}
