/** PostgreSQL through a `pg` Pool; every pooled connection starts with the store's search_path. */
import pg from 'pg';
import type { Logger } from '../../log.js';
import { silentLogger } from '../../log.js';
import { StoreError } from '../errors.js';
import { checkSchemaName, DEFAULT_SCHEMA, type SqlClient, type SqlQuery } from './client.js';

export interface PostgresOptions {
  /** postgres://user@host:port/database */
  url: string;
  schema?: string;
  /** Pool size (default 10). */
  maxConnections?: number;
  logger?: Logger;
}

function rowsOf<T>(result: pg.QueryResult): T[] {
  return result.rows as T[];
}

export function openPostgres(options: PostgresOptions): SqlClient {
  if (typeof options.url !== 'string' || !/^postgres(ql)?:\/\//.test(options.url)) {
    throw new StoreError('a PostgreSQL url must start with postgres:// or postgresql://');
  }
  const schema = checkSchemaName(options.schema ?? DEFAULT_SCHEMA);
  const logger = options.logger ?? silentLogger;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    // A startup parameter, so the path is in force before the first statement of every connection.
    options: `-c search_path=${schema}`,
  });
  // An idle connection that dies (server restart) must not crash the process; the pool replaces it.
  // The message only: the url (and any password in it) stays out of the log.
  pool.on('error', (e) => logger.warn('postgres idle connection error', { error: e.message }));

  return {
    schema,
    async query<T>(text: string, params: readonly unknown[] = []): Promise<T[]> {
      return rowsOf<T>(await pool.query(text, params as unknown[]));
    },
    async transaction<R>(fn: (tx: SqlQuery) => Promise<R>): Promise<R> {
      const client = await pool.connect();
      let broken: Error | undefined;
      // A checked-out connection that dies between statements (a server restart) reports it as an
      // 'error' event, which unheard would end the process; the next statement fails instead.
      const lost = (e: Error) => {
        broken = e;
        logger.warn('postgres connection lost in a transaction', { error: e.message });
      };
      client.on('error', lost);
      try {
        await client.query('BEGIN');
        const tx: SqlQuery = { query: async <T>(text: string, params: readonly unknown[] = []) => rowsOf<T>(await client.query(text, params as unknown[])) };
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (e) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          // A connection that cannot roll back is not given back to the pool for reuse.
          broken = rollbackError as Error;
        }
        throw e;
      } finally {
        client.off('error', lost);
        client.release(broken);
      }
    },
    async close(): Promise<void> {
      await pool.end();
    },
  };
}
