import { describe, expect, it } from 'vitest';
import { checkSchemaName, openPostgres, StoreError } from '../../../src/index.js';
import { DATABASE_URL, describeSql } from './backends.js';

describeSql('SQL client', (backend, kind) => {
  it('a transaction commits when its function resolves and rolls back when it throws', async () => {
    const b = backend();
    const sql = await b.client();
    await sql.query(`CREATE SCHEMA IF NOT EXISTS ${b.schema}`);
    await sql.query('CREATE TABLE t (n integer PRIMARY KEY)');
    expect(await sql.transaction(async (tx) => (await tx.query<{ n: number }>('INSERT INTO t VALUES (1) RETURNING n'))[0]!.n)).toBe(1);
    await expect(
      sql.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES (2)');
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await expect(sql.transaction((tx) => tx.query('INSERT INTO t VALUES (3), (1)'))).rejects.toThrow();
    expect(await sql.query('SELECT n FROM t ORDER BY n')).toEqual([{ n: 1 }]);
  });

  it.runIf(kind === 'postgres')('two schemas in one database do not see each other', async () => {
    const b = backend();
    const mine = await b.client();
    const otherSchema = `${b.schema}_other`;
    const other = openPostgres({ url: b.url!, schema: otherSchema });
    try {
      for (const [sql, schema] of [[mine, b.schema], [other, otherSchema]] as const) {
        await sql.query(`CREATE SCHEMA ${schema}`);
        await sql.query('CREATE TABLE t (who text)');
        await sql.query('INSERT INTO t VALUES ($1)', [schema]);
      }
      expect(await mine.query('SELECT who FROM t')).toEqual([{ who: b.schema }]);
      expect(await other.query('SELECT who FROM t')).toEqual([{ who: otherSchema }]);
    } finally {
      await other.query(`DROP SCHEMA IF EXISTS ${otherSchema} CASCADE`);
      await other.close();
    }
  });
});

describe('SQL client options', () => {
  it('schema names are plain lower-case identifiers; urls must be postgres urls', () => {
    for (const good of ['public', 'node_1', '_x', 'a'.repeat(63)]) expect(checkSchemaName(good)).toBe(good);
    for (const bad of ['', 'Node', '1node', 'a-b', 'a;drop', 'pg_catalog', 'a'.repeat(64), 7]) expect(() => checkSchemaName(bad)).toThrow(StoreError);
    expect(() => openPostgres({ url: 'mysql://localhost/x' })).toThrow(/postgres:\/\//);
    expect(() => openPostgres({ url: DATABASE_URL ?? 'postgres://127.0.0.1/x', schema: 'Bad' })).toThrow(/lower-case identifier/);
  });
});
