/**
 * The one SQL seam of the stores: PostgreSQL (through `pg`) and PGlite (PostgreSQL compiled to
 * WASM) both run the same statements and migrations behind it.
 */
import { StoreError } from '../errors.js';

/** Runs one statement with positional parameters ($1, $2, …) and returns its rows. */
export interface SqlQuery {
  query<T>(text: string, params?: readonly unknown[]): Promise<T[]>;
}

export interface SqlClient extends SqlQuery {
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<R>(fn: (tx: SqlQuery) => Promise<R>): Promise<R>;
  /** The PostgreSQL schema every unqualified table name resolves to. */
  readonly schema: string;
  close(): Promise<void>;
}

/**
 * Schema names are spliced into SQL (search_path, CREATE SCHEMA) where parameters cannot go, so
 * only plain lower-case identifiers are accepted.
 */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkSchemaName(schema: unknown): string {
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema) || schema.startsWith('pg_')) {
    throw new StoreError('schema must be a lower-case identifier ([a-z_][a-z0-9_]*, at most 63 characters, not pg_*)');
  }
  return schema;
}

export const DEFAULT_SCHEMA = 'public';
