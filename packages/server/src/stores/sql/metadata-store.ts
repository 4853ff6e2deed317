/** The coordinator's metadata over SQL (DESIGN §6): keys, the node registry, signing requests, the audit log. */
import { StoreError } from '../errors.js';
import type {
  CommitteeStore,
  KeyRecord,
  KeyStore,
  MetadataStore,
  PublicPackage,
  NodeRecord,
  NodeRegistryStore,
  SignatureRecord,
  SignatureStatus,
  SignatureStore,
} from '../types.js';
import { checkDate, checkInteger, checkName, checkOneOf, checkOptionalString, KEY_STATUSES, SCHEMES, SIGNATURE_STATUSES } from '../validate.js';
import type { SqlClient } from './client.js';
import { Coalescer } from '../../coalescer.js';
import { MAX_COALESCED, distinct, firstClaims, valueRows } from './coalesce.js';
import { sqlApiKeyStore } from './api-key-store.js';
import { sqlAuditStore } from './audit-store.js';
import { sqlWebhookStore } from './webhook-store.js';

/** Committees are 1 ≤ t ≤ n ≤ 255 (DESIGN §4, DKG). */
const MAX_PARTIES = 255;
/** Public keys, abort reasons and labels are short; the bound keeps a bad caller from storing megabytes. */
const MAX_TEXT = 4096;
const MAX_PAGE = 1000;
/** A dealing certificate: one signed confirmation per committee member, hex. */
const MAX_CERTIFICATE = 2 * 255 * 256;
const DEFAULT_PAGE = 100;

interface KeyRow {
  id: string;
  scheme: KeyRecord['scheme'];
  threshold: number;
  parties: number[];
  public_key: string | null;
  status: KeyRecord['status'];
  label: string | null;
  version: number;
  failure: string | null;
  certificate: string | null;
  refresh_session: string | null;
  public_package: PublicPackage | null;
  chain_code: string | null;
  created_at: Date;
  updated_at: Date;
}

const KEY_COLUMNS = 'id, scheme, threshold, parties, public_key, status, label, version, failure, certificate, refresh_session, public_package, chain_code, created_at, updated_at';

function toKey(r: KeyRow): KeyRecord {
  return {
    id: r.id,
    scheme: r.scheme,
    threshold: r.threshold,
    parties: r.parties,
    publicKey: r.public_key,
    status: r.status,
    label: r.label,
    version: r.version,
    failure: r.failure,
    certificate: r.certificate,
    refreshSession: r.refresh_session,
    publicPackage: r.public_package,
    chainCode: r.chain_code,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function checkParties(parties: unknown, threshold: number): number[] {
  if (!Array.isArray(parties) || parties.length < threshold || parties.length > MAX_PARTIES) {
    throw new StoreError(`parties must list threshold to ${MAX_PARTIES} node ids`);
  }
  parties.forEach((p: unknown, i) => {
    checkInteger('party id', p, 1, MAX_PARTIES);
    if (i > 0 && (p as number) <= parties[i - 1]) throw new StoreError('parties must be ascending without repeats');
  });
  return parties as number[];
}

function checkKey(key: KeyRecord): KeyRecord {
  if (typeof key !== 'object' || key === null) throw new StoreError('a key record must be an object');
  const threshold = checkInteger('threshold', key.threshold, 1, MAX_PARTIES);
  return {
    id: checkName('key id', key.id),
    scheme: checkOneOf('scheme', key.scheme, SCHEMES),
    threshold,
    parties: checkParties(key.parties, threshold),
    publicKey: checkOptionalString('public key', key.publicKey, MAX_TEXT),
    status: checkOneOf('key status', key.status, KEY_STATUSES),
    label: checkOptionalString('label', key.label, MAX_TEXT),
    version: checkInteger('key version', key.version, 0, 2 ** 31 - 1),
    failure: checkOptionalString('failure', key.failure, MAX_TEXT),
    certificate: checkOptionalString('certificate', key.certificate ?? null, MAX_CERTIFICATE),
    refreshSession: checkSession(key.refreshSession ?? null),
    publicPackage: checkPublicPackage(key.publicPackage ?? null),
    chainCode: checkChainCode(key.chainCode ?? null),
    createdAt: checkDate('createdAt', key.createdAt),
    updatedAt: checkDate('updatedAt', key.updatedAt),
  };
}

/** Columns `update` may set, with each one's check. */
const UPDATABLE = {
  status: { column: 'status', check: (v: unknown) => checkOneOf('key status', v, KEY_STATUSES) },
  publicKey: { column: 'public_key', check: (v: unknown) => checkOptionalString('public key', v, MAX_TEXT) },
  version: { column: 'version', check: (v: unknown) => checkInteger('key version', v, 0, 2 ** 31 - 1) },
  failure: { column: 'failure', check: (v: unknown) => checkOptionalString('failure', v, MAX_TEXT) },
  certificate: { column: 'certificate', check: (v: unknown) => checkOptionalString('certificate', v, MAX_CERTIFICATE) },
  refreshSession: { column: 'refresh_session', check: checkSession },
  publicPackage: { column: 'public_package', check: (v: unknown) => jsonParam('public package', checkPublicPackage(v)), cast: '::jsonb' },
  chainCode: { column: 'chain_code', check: checkChainCode },
} as const;

/** A public package's shape: hex points, at most one share per possible party (what they are is the coordinator's to check). */
function checkPublicPackage(v: unknown): PublicPackage | null {
  if (v === null) return null;
  const p = v as Partial<PublicPackage>;
  const point = (x: unknown) => typeof x === 'string' && /^[0-9a-f]{64,66}$/.test(x);
  if (typeof p !== 'object' || !point(p.groupKey) || !Array.isArray(p.verifyingShares) || p.verifyingShares.length > MAX_PARTIES || !p.verifyingShares.every(point)) {
    throw new StoreError('a public package is a group key and verifying shares, hex points');
  }
  return { groupKey: p.groupKey!, verifyingShares: [...p.verifyingShares] };
}

/** A chain code: 32 bytes as lower-case hex, or null. */
function checkChainCode(v: unknown): string | null {
  if (v !== null && (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v))) throw new StoreError('a chain code is 64 lower-case hex digits or null');
  return v;
}

/** A session id: 32 bytes as lower-case hex, or null. */
function checkSession(v: unknown): string | null {
  if (v !== null && (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v))) throw new StoreError('a refresh session is 64 lower-case hex digits or null');
  return v;
}

function keyStore(sql: SqlClient): KeyStore {
  // Every signature looks its key up: concurrent lookups go as one statement.
  const reading = new Coalescer<string, KeyRecord | undefined>(async (ids) => {
    const rows = await sql.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM keys WHERE id = ANY($1::text[])`, [[...new Set(ids)]]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => {
      const row = byId.get(id);
      return row && toKey(row);
    });
  }, MAX_COALESCED);
  return {
    async insert(key) {
      const k = checkKey(key);
      const rows = await sql.query(`INSERT INTO keys (${KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13, $14, $15) ON CONFLICT (id) DO NOTHING RETURNING 1 AS inserted`, [
        k.id,
        k.scheme,
        k.threshold,
        k.parties,
        k.publicKey,
        k.status,
        k.label,
        k.version,
        k.failure,
        k.certificate,
        k.refreshSession,
        jsonParam('public package', k.publicPackage),
        k.chainCode,
        k.createdAt,
        k.updatedAt,
      ]);
      if (rows.length === 0) throw new StoreError(`key ${k.id} already exists`);
    },
    async get(id) {
      return reading.run(checkName('key id', id));
    },
    async refreshing(limit = DEFAULT_PAGE) {
      const rows = await sql.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM keys WHERE refresh_session IS NOT NULL ORDER BY id LIMIT $1`, [checkInteger('limit', limit, 1, MAX_PAGE)]);
      return rows.map(toKey);
    },
    async list(opts = {}) {
      const limit = checkInteger('limit', opts.limit ?? DEFAULT_PAGE, 1, MAX_PAGE);
      const rows =
        opts.after === undefined
          ? await sql.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM keys ORDER BY id LIMIT $1`, [limit])
          : await sql.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM keys WHERE id > $1 ORDER BY id LIMIT $2`, [checkName('after', opts.after), limit]);
      return rows.map(toKey);
    },
    async update(id, expect, next) {
      checkName('key id', id);
      const status = checkOneOf('expected status', expect?.status, KEY_STATUSES);
      const version = checkInteger('expected version', expect?.version, 0, 2 ** 31 - 1);
      if (typeof next !== 'object' || next === null) throw new StoreError('the update must be an object');
      const sets: string[] = [];
      const params: unknown[] = [id, status, version];
      for (const [field, value] of Object.entries(next)) {
        if (value === undefined) continue;
        const spec = UPDATABLE[field as keyof typeof UPDATABLE];
        if (!spec) throw new StoreError(`a key's ${field} cannot be updated`);
        params.push(spec.check(value));
        sets.push(`${spec.column} = $${params.length}${'cast' in spec ? spec.cast : ''}`);
      }
      // Compare-and-set: the row changes only while it still has the status and version the caller saw.
      const rows = await sql.query(
        `UPDATE keys SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1 AND status = $2 AND version = $3 RETURNING 1 AS updated`,
        params,
      );
      return rows.length === 1;
    },
  };
}

interface NodeRow {
  id: number;
  name: string;
  noise_public_key: string;
  identity_public_key: string;
  last_seen: Date | null;
}

function nodeRegistry(sql: SqlClient): NodeRegistryStore {
  return {
    async upsert(node: NodeRecord) {
      if (typeof node !== 'object' || node === null) throw new StoreError('a node record must be an object');
      await sql.query(
        `INSERT INTO nodes (id, name, noise_public_key, identity_public_key, last_seen) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, noise_public_key = EXCLUDED.noise_public_key,
           identity_public_key = EXCLUDED.identity_public_key, last_seen = EXCLUDED.last_seen`,
        [
          checkInteger('node id', node.id, 1, MAX_PARTIES),
          checkName('node name', node.name),
          checkName('noise public key', node.noisePublicKey),
          checkName('identity public key', node.identityPublicKey),
          node.lastSeen === null ? null : checkDate('lastSeen', node.lastSeen),
        ],
      );
    },
    async touch(id, at) {
      const rows = await sql.query('UPDATE nodes SET last_seen = $2 WHERE id = $1 RETURNING 1 AS touched', [checkInteger('node id', id, 1, MAX_PARTIES), checkDate('at', at)]);
      if (rows.length === 0) throw new StoreError(`node ${id} is not registered`);
    },
    async list() {
      const rows = await sql.query<NodeRow>('SELECT id, name, noise_public_key, identity_public_key, last_seen FROM nodes ORDER BY id');
      return rows.map((r) => ({ id: r.id, name: r.name, noisePublicKey: r.noise_public_key, identityPublicKey: r.identity_public_key, lastSeen: r.last_seen }));
    },
  };
}

interface SignatureRow {
  id: string;
  key_id: string;
  idempotency_key: string | null;
  request_hash: string;
  status: SignatureStatus;
  result: unknown;
  created_at: Date;
  updated_at: Date;
}

const SIGNATURE_COLUMNS = 'id, key_id, idempotency_key, request_hash, status, result, created_at, updated_at';

function toSignature(r: SignatureRow): SignatureRecord {
  return {
    id: r.id,
    keyId: r.key_id,
    idempotencyKey: r.idempotency_key,
    requestHash: r.request_hash,
    status: r.status,
    result: r.result,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** `result` is stored as jsonb: anything JSON can carry, serialised here so both drivers store the same. */
function jsonParam(what: string, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) throw new StoreError(`${what} must be JSON-serialisable`);
  return text;
}

type SignatureRowValues = readonly [string, string, string | null, string, SignatureStatus, string | null, Date, Date];

function signatureStore(sql: SqlClient): SignatureStore {
  // The uniqueness rule decides, not a read before the write: of concurrent creators with one
  // idempotency key, exactly one inserts (in one batch: the first) and the others read its row.
  const idempotencyOf = (r: SignatureRowValues) => (r[2] === null ? `id\0${r[0]}` : `idem\0${r[1]}\0${r[2]}`);
  const creating = new Coalescer<SignatureRowValues, boolean>(async (records) => {
    const once = distinct(records, idempotencyOf);
    const inserted = await sql.query<{ id: string }>(
      `INSERT INTO signatures (${SIGNATURE_COLUMNS}) VALUES ${valueRows(once.length, 8, (column) => (column === 5 ? '::jsonb' : ''))}
       ON CONFLICT (key_id, idempotency_key) DO NOTHING RETURNING id`,
      once.flat(),
    );
    const won = new Set(inserted.map((r) => r.id));
    return firstClaims(records, idempotencyOf, new Map(once.filter((r) => won.has(r[0])).map((r) => [idempotencyOf(r), true])), false);
  }, MAX_COALESCED);
  // Only a pending request finishes: a completed result is never overwritten (and of two
  // finishes of one request in one batch, the first goes to SQL and the second finds it done).
  const finishing = new Coalescer<readonly [string, 'completed' | 'failed', string | null], boolean>(async (finishes) => {
    const once = distinct(finishes, (f) => f[0]);
    const done = await sql.query<{ id: string }>(
      `UPDATE signatures AS s SET status = v.status, result = v.result::jsonb, updated_at = now()
       FROM (VALUES ${valueRows(once.length, 3)}) AS v (id, status, result)
       WHERE s.id = v.id AND s.status = 'pending' RETURNING s.id`,
      once.flat(),
    );
    return firstClaims(finishes, (f) => f[0], new Map(done.map((r) => [r.id, true])), false);
  }, MAX_COALESCED);
  return {
    async create(record) {
      if (typeof record !== 'object' || record === null) throw new StoreError('a signature record must be an object');
      const row = [
        checkName('signature request id', record.id),
        checkName('key id', record.keyId),
        record.idempotencyKey === null ? null : checkName('idempotency key', record.idempotencyKey),
        checkName('request hash', record.requestHash),
        checkOneOf('signature status', record.status, SIGNATURE_STATUSES),
        jsonParam('result', record.result),
        checkDate('createdAt', record.createdAt),
        checkDate('updatedAt', record.updatedAt),
      ] as const;
      if (await creating.run(row)) return { created: true };
      const rows = await sql.query<SignatureRow>(`SELECT ${SIGNATURE_COLUMNS} FROM signatures WHERE key_id = $1 AND idempotency_key = $2`, [row[1], row[2]]);
      // Rows are never deleted, so the row that won the conflict is there; without an
      // idempotency key only a repeated id (a caller's bug) loses.
      if (!rows[0]) throw new StoreError(`signature request ${row[0]} already exists`);
      return { created: false, existing: toSignature(rows[0]) };
    },
    async get(id) {
      const rows = await sql.query<SignatureRow>(`SELECT ${SIGNATURE_COLUMNS} FROM signatures WHERE id = $1`, [checkName('signature request id', id)]);
      return rows[0] && toSignature(rows[0]);
    },
    async list(opts = {}) {
      const where: string[] = [];
      const params: unknown[] = [];
      const param = (value: unknown) => `$${params.push(value)}`;
      if (opts.keyId !== undefined) where.push(`key_id = ${param(checkName('key id', opts.keyId))}`);
      if (opts.status !== undefined) where.push(`status = ${param(checkOneOf('status', opts.status, SIGNATURE_STATUSES))}`);
      if (opts.before !== undefined) {
        where.push(`(created_at, id) < (${param(checkDate('cursor time', opts.before.createdAt))}, ${param(checkName('cursor id', opts.before.id))})`);
      }
      const limit = param(checkInteger('limit', opts.limit ?? DEFAULT_PAGE, 1, MAX_PAGE));
      const rows = await sql.query<SignatureRow>(
        `SELECT ${SIGNATURE_COLUMNS} FROM signatures ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ${limit}`,
        params,
      );
      return rows.map(toSignature);
    },
    async reopen(id, requestHash) {
      // Only a failed request with the same body reopens, and only one of concurrent retries wins.
      const rows = await sql.query(`UPDATE signatures SET status = 'pending', result = NULL, updated_at = now() WHERE id = $1 AND request_hash = $2 AND status = 'failed' RETURNING 1 AS reopened`, [
        checkName('signature request id', id),
        checkName('request hash', requestHash),
      ]);
      return rows.length === 1;
    },
    async reclaim(id, requestHash, staleAfterMs) {
      // The database's clock on both sides: instances whose clocks differ agree on what is stale.
      const rows = await sql.query(
        `UPDATE signatures SET updated_at = now() WHERE id = $1 AND request_hash = $2 AND status = 'pending' AND updated_at < now() - $3 * interval '1 millisecond' RETURNING 1 AS reclaimed`,
        [checkName('signature request id', id), checkName('request hash', requestHash), checkInteger('staleAfterMs', staleAfterMs, 0, 24 * 3_600_000)],
      );
      return rows.length === 1;
    },
    async touch(id) {
      const rows = await sql.query(`UPDATE signatures SET updated_at = now() WHERE id = $1 AND status = 'pending' RETURNING 1 AS touched`, [checkName('signature request id', id)]);
      return rows.length === 1;
    },
    async finish(id, status, result) {
      const row = [checkName('signature request id', id), checkOneOf('final status', status, ['completed', 'failed'] as const), jsonParam('result', result)] as const;
      if (!(await finishing.run(row))) throw new StoreError(`signature request ${id} is unknown or already finished`);
    },
  };
}

function committeeStore(sql: SqlClient): CommitteeStore {
  return {
    async get(name) {
      const rows = await sql.query<{ name: string; parties: number[]; aux_ready: boolean }>('SELECT name, parties, aux_ready FROM committees WHERE name = $1', [checkName('committee', name)]);
      const r = rows[0];
      return r && { name: r.name, parties: r.parties, auxReady: r.aux_ready };
    },
    async put(c) {
      const parties = checkParties(c.parties, 1);
      await sql.query('INSERT INTO committees (name, parties, aux_ready) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET parties = EXCLUDED.parties, aux_ready = EXCLUDED.aux_ready', [
        checkName('committee', c.name),
        parties,
        c.auxReady === true,
      ]);
    },
  };
}

/** The metadata store over an open, migrated client; closing the store closes the client. */
export function sqlMetadataStore(sql: SqlClient): MetadataStore {
  return {
    keys: keyStore(sql),
    committees: committeeStore(sql),
    nodes: nodeRegistry(sql),
    signatures: signatureStore(sql),
    audit: sqlAuditStore(sql),
    apiKeys: sqlApiKeyStore(sql),
    webhooks: sqlWebhookStore(sql),
    ping: async () => {
      await sql.query('SELECT 1');
    },
    close: () => sql.close(),
  };
}
