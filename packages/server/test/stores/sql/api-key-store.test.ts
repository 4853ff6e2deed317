import { expect, it } from 'vitest';
import { METADATA_MIGRATIONS, migrate, sqlMetadataStore, StoreError, type ApiKeyRecord } from '../../../src/index.js';
import { describeSql } from './backends.js';

const record = (over: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  prefix: '0123456789ab',
  hash: 'a'.repeat(64),
  name: 'payments',
  scopes: ['sign', 'keys:read'],
  createdAt: new Date('2026-12-01T10:00:00.000Z'),
  expiresAt: null,
  revokedAt: null,
  ...over,
});

describeSql('API key store', (backend) => {
  async function opened() {
    const sql = await backend().client();
    await migrate(sql, 'metadata', METADATA_MIGRATIONS);
    return sqlMetadataStore(sql).apiKeys;
  }

  it('keeps what it is given, refuses a taken prefix, and revokes once', async () => {
    const store = await opened();
    await store.create(record());
    await store.create(record({ prefix: 'ba9876543210', scopes: ['admin'], expiresAt: new Date('2027-01-01T00:00:00.000Z'), createdAt: new Date('2026-12-02T10:00:00.000Z') }));
    expect(await store.get('0123456789ab')).toEqual(record());
    await expect(store.create(record({ hash: 'b'.repeat(64) }))).rejects.toThrow(StoreError);
    expect((await store.get('0123456789ab'))!.hash).toBe('a'.repeat(64));
    expect((await store.list()).map((k) => k.prefix)).toEqual(['ba9876543210', '0123456789ab']);
    const at = new Date('2026-12-03T10:00:00.000Z');
    expect(await store.revoke('0123456789ab', at)).toBe(true);
    expect(await store.revoke('0123456789ab', new Date())).toBe(false);
    expect((await store.get('0123456789ab'))!.revokedAt).toEqual(at);
    expect(await store.revoke('ffffffffffff', at)).toBe(false);
    expect(await store.get('ffffffffffff')).toBeUndefined();
  });

  it('refuses malformed records and prefixes before any statement', async () => {
    const store = await opened();
    for (const bad of [
      record({ prefix: 'XYZ' }),
      record({ hash: 'short' }),
      record({ scopes: [] }),
      record({ scopes: ['root' as 'admin'] }),
      record({ scopes: ['sign', 'sign'] }),
      record({ name: '' }),
      record({ expiresAt: new Date(Number.NaN) }),
    ]) {
      await expect(store.create(bad), JSON.stringify(bad)).rejects.toThrow(StoreError);
    }
    await expect(store.get("x' OR '1'='1")).rejects.toThrow(StoreError);
    expect(await store.list()).toEqual([]);
  });
});
