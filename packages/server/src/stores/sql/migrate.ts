/**
 * Schema migrations: plain SQL in order, applied once each and recorded in `schema_migrations`.
 * Every run is one transaction that first takes an advisory lock named after the schema, so two
 * processes starting together apply each migration once: the second waits, then finds it done.
 */
import { StoreError } from '../errors.js';
import type { SqlClient } from './client.js';

export interface Migration {
  /** Position in the list, from 1; never reused or reordered once released. */
  version: number;
  name: string;
  /** Statements, run in order. */
  statements: readonly string[];
}

/** Each component (node store, coordinator metadata) has its own list in one schema_migrations table. */
export type MigrationComponent = 'node' | 'metadata';

function checkList(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new StoreError(`migration ${m.name} has version ${m.version}, expected ${i + 1}`);
  });
}

/** Applies the migrations of `component` not yet recorded in the client's schema; returns their versions. */
export async function migrate(client: SqlClient, component: MigrationComponent, migrations: readonly Migration[]): Promise<number[]> {
  checkList(migrations);
  return client.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`mpc-wallet/migrate/${client.schema}`]);
    // The schema name was checked as a plain identifier when the client was opened.
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${client.schema}`);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      component text NOT NULL,
      version integer NOT NULL,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (component, version)
    )`);
    const done = await tx.query<{ version: number }>('SELECT version FROM schema_migrations WHERE component = $1 ORDER BY version', [component]);
    const applied = new Set(done.map((r) => r.version));
    const newest = done.length === 0 ? 0 : done[done.length - 1]!.version;
    if (newest > migrations.length) {
      throw new StoreError(`the ${component} schema is at version ${newest}, newer than this program (${migrations.length})`);
    }
    const ran: number[] = [];
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      for (const statement of m.statements) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (component, version, name) VALUES ($1, $2, $3)', [component, m.version, m.name]);
      ran.push(m.version);
    }
    return ran;
  });
}
