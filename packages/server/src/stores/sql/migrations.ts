/**
 * The SQL of both stores, one migration list each (same text on PostgreSQL and PGlite). Bytes
 * are bytea, instants timestamptz. Append only: a released migration is never edited.
 */
import type { Migration } from './migrate.js';

const KIND_CHECK = `CHECK (kind IN ('key-share', 'aux-info', 'presignature', 'nonces', 'pending-share', 'node-secret'))`;

export const NODE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'records, consumables, used sessions, signature log',
    statements: [
      `CREATE TABLE records (
        kind text NOT NULL ${KIND_CHECK},
        owner text NOT NULL,
        version text NOT NULL,
        sealed bytea NOT NULL,
        -- insertion order for list(); a replacement keeps its place
        seq bigint GENERATED ALWAYS AS IDENTITY,
        PRIMARY KEY (kind, owner, version)
      )`,
      `CREATE TABLE consumables (
        kind text NOT NULL ${KIND_CHECK},
        owner text NOT NULL,
        version text NOT NULL,
        sealed bytea NOT NULL,
        PRIMARY KEY (kind, owner, version)
      )`,
      `CREATE TABLE used_sessions (
        protocol text NOT NULL,
        session bytea NOT NULL,
        claimed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (protocol, session)
      )`,
      `CREATE TABLE signature_log (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        request_id text NOT NULL,
        key_id text NOT NULL,
        scheme text NOT NULL,
        digest text NOT NULL,
        signature text NOT NULL,
        at timestamptz NOT NULL
      )`,
      'CREATE INDEX signature_log_key ON signature_log (key_id, seq)',
      // The log is the node's own evidence of what it signed: not even a direct UPDATE, DELETE or
      // TRUNCATE through SQL may rewrite it.
      `CREATE FUNCTION signature_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'signature_log is append-only: % refused', TG_OP;
        END
      $$`,
      `CREATE TRIGGER signature_log_append_only BEFORE UPDATE OR DELETE ON signature_log
        FOR EACH ROW EXECUTE FUNCTION signature_log_refuse_change()`,
      `CREATE TRIGGER signature_log_no_truncate BEFORE TRUNCATE ON signature_log
        FOR EACH STATEMENT EXECUTE FUNCTION signature_log_refuse_change()`,
    ],
  },
];

export const METADATA_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'keys, committees, nodes, signature requests',
    statements: [
      `CREATE TABLE keys (
        id text PRIMARY KEY,
        scheme text NOT NULL CHECK (scheme IN ('ecdsa-secp256k1', 'schnorr-bip340', 'eddsa-ed25519')),
        threshold integer NOT NULL CHECK (threshold >= 1),
        parties integer[] NOT NULL,
        public_key text,
        status text NOT NULL CHECK (status IN ('pending', 'active', 'failed')),
        label text,
        version integer NOT NULL CHECK (version >= 0),
        failure text,
        certificate text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`,
      `CREATE TABLE committees (
        name text PRIMARY KEY,
        parties integer[] NOT NULL,
        aux_ready boolean NOT NULL
      )`,
      `CREATE TABLE nodes (
        id integer PRIMARY KEY,
        name text NOT NULL,
        noise_public_key text NOT NULL,
        identity_public_key text NOT NULL,
        last_seen timestamptz
      )`,
      `CREATE TABLE signatures (
        id text PRIMARY KEY,
        key_id text NOT NULL REFERENCES keys (id),
        idempotency_key text,
        request_hash text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'completed', 'failed')),
        result jsonb,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        -- NULLs are distinct: requests without an idempotency key never collide
        UNIQUE (key_id, idempotency_key)
      )`,
    ],
  },
  {
    version: 2,
    name: 'the session of a refresh whose outcome is not recorded yet',
    statements: ['ALTER TABLE keys ADD COLUMN refresh_session text', 'CREATE INDEX keys_refreshing ON keys (id) WHERE refresh_session IS NOT NULL'],
  },
  {
    version: 3,
    name: "the current version's public package, for aggregating signature shares",
    statements: ['ALTER TABLE keys ADD COLUMN public_package jsonb'],
  },
  {
    version: 4,
    name: 'the chain code key generation agreed, the root of non-hardened derivation',
    statements: ['ALTER TABLE keys ADD COLUMN chain_code text'],
  },
  {
    version: 5,
    name: 'the hash-chained audit log and its signed checkpoints',
    statements: [
      `CREATE TABLE audit (
        seq bigint PRIMARY KEY CHECK (seq >= 1),
        at timestamptz NOT NULL,
        action text NOT NULL,
        actor text NOT NULL,
        subject text NOT NULL,
        details jsonb NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL
      )`,
      `CREATE TABLE audit_checkpoints (
        seq bigint PRIMARY KEY CHECK (seq >= 1),
        hash text NOT NULL,
        signature text NOT NULL,
        at timestamptz NOT NULL
      )`,
      // As the node's signature log: no UPDATE, DELETE or TRUNCATE through SQL. The chain and the
      // signed checkpoints detect changes on their own; this only stops the casual ones.
      `CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
        END
      $$`,
      `CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`,
      `CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()`,
      `CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`,
      `CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()`,
    ],
  },
  {
    version: 6,
    name: 'API keys with scopes, stored as hashes',
    statements: [
      `CREATE TABLE api_keys (
        prefix text PRIMARY KEY,
        hash text NOT NULL,
        name text NOT NULL,
        scopes jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz,
        revoked_at timestamptz
      )`,
    ],
  },
  {
    version: 7,
    name: 'signature requests listed newest first, of all keys or of one',
    statements: ['CREATE INDEX signatures_by_time ON signatures (created_at DESC, id DESC)', 'CREATE INDEX signatures_by_key_time ON signatures (key_id, created_at DESC, id DESC)'],
  },
  {
    version: 8,
    name: 'webhooks and their deliveries',
    statements: [
      `CREATE TABLE webhooks (
        id text PRIMARY KEY,
        url text NOT NULL,
        types jsonb NOT NULL,
        description text,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL,
        deleted_at timestamptz,
        cursor bigint NOT NULL CHECK (cursor >= 0)
      )`,
      `CREATE TABLE webhook_deliveries (
        id text PRIMARY KEY,
        webhook_id text NOT NULL REFERENCES webhooks (id),
        event_seq bigint NOT NULL,
        event_type text NOT NULL,
        payload text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL CHECK (attempts >= 0),
        next_attempt_at timestamptz,
        last_status integer,
        last_error text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        UNIQUE (webhook_id, event_seq)
      )`,
      "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'",
      'CREATE INDEX webhook_deliveries_by_time ON webhook_deliveries (webhook_id, created_at DESC, id DESC)',
    ],
  },
];
