/**
 * Runs a store suite on every SQL backend at hand: PGlite in memory always, PostgreSQL when
 * DATABASE_URL is set (skipped, visibly, otherwise). Each test gets a fresh random schema,
 * dropped after it.
 */
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { openPostgres, pgliteClient, type SqlClient } from '../../../src/index.js';

export const DATABASE_URL = process.env.DATABASE_URL;
if (!DATABASE_URL) console.error('[stores] DATABASE_URL is not set: the PostgreSQL variants of the store tests are SKIPPED');

export type SqlBackendKind = 'pglite' | 'postgres';

export interface SqlBackend {
  /** A client on this test's schema; with `separatePool`, another connection pool to it (PostgreSQL only). */
  client(options?: { separatePool?: boolean }): Promise<SqlClient>;
  readonly schema: string;
  /** For PostgreSQL: the url (tests that open through openNodeStore/openMetadataStore). */
  readonly url: string | undefined;
}

function randomSchema(): string {
  return `t_${randomBytes(8).toString('hex')}`;
}

export function describeSql(title: string, body: (backend: () => SqlBackend, kind: SqlBackendKind) => void): void {
  describe(`${title} on PGlite`, () => {
    let db: PGlite;
    let schema = randomSchema();
    beforeAll(async () => {
      db = await PGlite.create();
    }, 60_000); // WASM compile and initdb: seconds on a busy machine
    afterEach(async () => {
      await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      schema = randomSchema();
    });
    afterAll(async () => {
      await db.close();
    });
    body(() => ({ schema, url: undefined, client: () => pgliteClient(db, schema) }), 'pglite');
  });

  describe.skipIf(!DATABASE_URL)(`${title} on PostgreSQL${DATABASE_URL ? '' : ' (skipped: DATABASE_URL is not set)'}`, () => {
    let schema = randomSchema();
    let opened: SqlClient[] = [];
    let shared: SqlClient | undefined;
    afterEach(async () => {
      await Promise.all(opened.map((c) => c.close()));
      opened = [];
      shared = undefined;
      const admin = openPostgres({ url: DATABASE_URL! });
      try {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await admin.close();
      }
      schema = randomSchema();
    });
    body(() => ({
      schema,
      url: DATABASE_URL,
      async client(options = {}) {
        if (shared && !options.separatePool) return shared;
        const c = openPostgres({ url: DATABASE_URL!, schema });
        opened.push(c);
        if (!options.separatePool) shared = c;
        return c;
      },
    }), 'postgres');
  });
}
