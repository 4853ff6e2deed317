/**
 * Opening a store from configuration: PostgreSQL when a url is given (each process may keep to a
 * schema of its own, so nodes and a coordinator can share one database), else PGlite in a data
 * folder, else PGlite in memory. Migrations run before the store is handed out.
 */
import type { Logger } from '../../log.js';
import type { MetadataStore, NodeStore } from '../types.js';
import type { SqlClient } from './client.js';
import { migrate, type MigrationComponent, type Migration } from './migrate.js';
import { METADATA_MIGRATIONS, NODE_MIGRATIONS } from './migrations.js';
import { sqlMetadataStore } from './metadata-store.js';
import { sqlNodeStore } from './node-store.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

export type SqlStoreOptions = { url: string; schema?: string; maxConnections?: number; logger?: Logger } | { dataDir?: string; schema?: string };

export async function openSqlClient(options: SqlStoreOptions = {}): Promise<SqlClient> {
  return 'url' in options ? openPostgres(options) : openPglite(options);
}

async function openMigrated(options: SqlStoreOptions, component: MigrationComponent, migrations: readonly Migration[]): Promise<SqlClient> {
  const client = await openSqlClient(options);
  try {
    await migrate(client, component, migrations);
  } catch (e) {
    await client.close();
    throw e;
  }
  return client;
}

export async function openNodeStore(options: SqlStoreOptions = {}): Promise<NodeStore> {
  return sqlNodeStore(await openMigrated(options, 'node', NODE_MIGRATIONS));
}

export async function openMetadataStore(options: SqlStoreOptions = {}): Promise<MetadataStore> {
  return sqlMetadataStore(await openMigrated(options, 'metadata', METADATA_MIGRATIONS));
}
