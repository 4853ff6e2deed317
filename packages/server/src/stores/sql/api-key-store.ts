/** API keys in the metadata database (migration 6): hashes only, found by their public prefix. */
import { StoreError } from '../errors.js';
import { API_KEY_SCOPES, type ApiKeyRecord, type ApiKeyScope, type ApiKeyStore } from '../types.js';
import { checkDate, checkName } from '../validate.js';
import type { SqlClient } from './client.js';

interface Row {
  prefix: string;
  hash: string;
  name: string;
  scopes: ApiKeyScope[];
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = 'prefix, hash, name, scopes, created_at, expires_at, revoked_at';
const PREFIX = /^[0-9a-f]{12}$/;
const HASH = /^[0-9a-f]{64}$/;

function toRecord(r: Row): ApiKeyRecord {
  return { prefix: r.prefix, hash: r.hash, name: r.name, scopes: r.scopes, createdAt: r.created_at, expiresAt: r.expires_at, revokedAt: r.revoked_at };
}

function checkPrefix(value: unknown): string {
  if (typeof value !== 'string' || !PREFIX.test(value)) throw new StoreError('an API key prefix is 12 lower-case hex digits');
  return value;
}

function checkRecord(r: ApiKeyRecord): ApiKeyRecord {
  if (typeof r !== 'object' || r === null) throw new StoreError('an API key must be an object');
  if (typeof r.hash !== 'string' || !HASH.test(r.hash)) throw new StoreError('an API key hash is 64 lower-case hex digits');
  if (!Array.isArray(r.scopes) || r.scopes.length === 0 || r.scopes.some((s) => !(API_KEY_SCOPES as readonly string[]).includes(s)) || new Set(r.scopes).size !== r.scopes.length) {
    throw new StoreError(`API key scopes are distinct values of ${API_KEY_SCOPES.join(', ')}`);
  }
  return {
    prefix: checkPrefix(r.prefix),
    hash: r.hash,
    name: checkName('API key name', r.name, 200),
    scopes: [...r.scopes],
    createdAt: checkDate('creation time', r.createdAt),
    expiresAt: r.expiresAt === null ? null : checkDate('expiry', r.expiresAt),
    revokedAt: r.revokedAt === null ? null : checkDate('revocation time', r.revokedAt),
  };
}

export function sqlApiKeyStore(sql: SqlClient): ApiKeyStore {
  return {
    async create(record) {
      const r = checkRecord(record);
      const rows = await sql.query(
        `INSERT INTO api_keys (${COLUMNS}) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7) ON CONFLICT (prefix) DO NOTHING RETURNING 1 AS created`,
        [r.prefix, r.hash, r.name, JSON.stringify(r.scopes), r.createdAt, r.expiresAt, r.revokedAt],
      );
      if (rows.length === 0) throw new StoreError('an API key with this prefix exists');
    },
    async get(prefix) {
      const rows = await sql.query<Row>(`SELECT ${COLUMNS} FROM api_keys WHERE prefix = $1`, [checkPrefix(prefix)]);
      return rows[0] && toRecord(rows[0]);
    },
    async list() {
      const rows = await sql.query<Row>(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at DESC, prefix`);
      return rows.map(toRecord);
    },
    async revoke(prefix, at) {
      const rows = await sql.query(`UPDATE api_keys SET revoked_at = $2 WHERE prefix = $1 AND revoked_at IS NULL RETURNING 1 AS revoked`, [checkPrefix(prefix), checkDate('revocation time', at)]);
      return rows.length === 1;
    },
  };
}
