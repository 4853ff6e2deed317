/**
 * PGlite: PostgreSQL compiled to WASM, in this process; in memory, or in a data folder. One
 * PGlite instance is one database session, so its search_path is the client's schema for as long
 * as the client is open: an instance serves one store at a time.
 */
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { checkSchemaName, DEFAULT_SCHEMA, type SqlClient, type SqlQuery } from './client.js';

export interface PgliteOptions {
  /** A folder for the database files; in memory when absent. */
  dataDir?: string;
  schema?: string;
}

function queryOn(db: PGlite | Transaction): SqlQuery['query'] {
  return async <T>(text: string, params: readonly unknown[] = []) => (await db.query<T>(text, params as unknown[])).rows;
}

/**
 * A client over an instance the caller opened (and closes): `close()` leaves the instance open.
 */
export async function pgliteClient(db: PGlite, schema: string = DEFAULT_SCHEMA): Promise<SqlClient> {
  checkSchemaName(schema);
  await db.exec(`SET search_path TO ${schema}`);
  return {
    schema,
    query: queryOn(db),
    transaction: <R>(fn: (tx: SqlQuery) => Promise<R>) => db.transaction((tx) => fn({ query: queryOn(tx) })),
    async close(): Promise<void> {},
  };
}

/** Opens an instance of its own, closed with the client. */
export async function openPglite(options: PgliteOptions = {}): Promise<SqlClient> {
  const schema = checkSchemaName(options.schema ?? DEFAULT_SCHEMA);
  const db = options.dataDir === undefined ? await PGlite.create() : await PGlite.create(options.dataDir);
  const client = await pgliteClient(db, schema);
  return { ...client, close: () => db.close() };
}
