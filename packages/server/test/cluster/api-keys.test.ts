import { describe, expect, it } from 'vitest';
import { bytesToHex } from '@mpc-wallet/core';
import { activeKey, clusterForFile } from './local-cluster.js';
import { apiClient } from './http.js';

const cluster = clusterForFile();

describe('cluster: API keys with scopes', () => {
  it('an admin makes a scoped key (token shown once, only its hash stored), the key reaches its routes only, and revocation ends it', async () => {
    const key = await activeKey(cluster, 'eddsa-ed25519');
    const created = await cluster.call('POST', '/v1/api-keys', { name: 'payments service', scopes: ['sign', 'keys:read'] });
    expect(created.status).toBe(201);
    const { token, prefix } = created.body as { token: string; prefix: string };
    expect(token).toMatch(new RegExp(`^mpcw_${prefix}_[A-Za-z0-9_-]{43}$`));
    expect(created.body).toMatchObject({ name: 'payments service', scopes: ['sign', 'keys:read'], expiresAt: null, revokedAt: null });

    const service = apiClient(() => cluster.url, token);
    const message = bytesToHex(new TextEncoder().encode('api keys: pay 2 to erin'));
    expect((await service('POST', `/v1/keys/${key.id}/signatures`, { message })).status).toBe(200);
    expect((await service('GET', `/v1/keys/${key.id}`)).status).toBe(200);
    for (const [method, path, body] of [
      ['POST', '/v1/keys', { scheme: 'eddsa-ed25519', threshold: 2, parties: 3 }],
      ['GET', '/v1/audit', undefined],
      ['GET', '/v1/api-keys', undefined],
      ['POST', '/v1/api-keys', { name: 'escalation', scopes: ['admin'] }],
    ] as const) {
      const refused = await service(method, path, body);
      expect([refused.status, refused.body.error.code], `${method} ${path}`).toEqual([403, 'FORBIDDEN']);
    }

    // Listed without hash or token (the store keeps the token's SHA-256 only: its own test).
    const listed = await cluster.call('GET', '/v1/api-keys');
    const mine = listed.body.apiKeys.find((k: { prefix: string }) => k.prefix === prefix);
    expect(Object.keys(mine).sort()).toEqual(['createdAt', 'expiresAt', 'name', 'prefix', 'revokedAt', 'scopes']);
    expect(JSON.stringify(listed.body)).not.toContain(token);

    const revoked = await cluster.call('DELETE', `/v1/api-keys/${prefix}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    const after = await service('GET', `/v1/keys/${key.id}`);
    expect([after.status, after.body.error.code]).toEqual([401, 'UNAUTHORIZED']);
    expect((await cluster.call('DELETE', '/v1/api-keys/000000000000')).body.error.code).toBe('API_KEY_NOT_FOUND');

    // Created and revoked are in the audit log, by whom, without the token; the refusals too (sampled).
    const entries = (await cluster.call('GET', '/v1/audit?limit=1000')).body.entries as { action: string; actor: string; subject: string; details: Record<string, unknown> }[];
    const made = entries.find((e) => e.action === 'api-key.created' && e.subject === `api-key:${prefix}`);
    expect(made).toMatchObject({ actor: expect.stringMatching(/^api-key:[0-9a-f]{12}$/), details: { name: 'payments service', scopes: ['sign', 'keys:read'], expiresAt: null } });
    expect(entries.some((e) => e.action === 'api-key.revoked' && e.subject === `api-key:${prefix}`)).toBe(true);
    expect(entries.some((e) => e.action === 'auth.forbidden' && e.actor === `api-key:${prefix}`)).toBe(true);
    expect(entries.some((e) => e.action === 'auth.succeeded' && e.actor === `api-key:${prefix}`)).toBe(true);
    // The signature it asked for names it.
    expect(entries.some((e) => e.action === 'signature.requested' && e.actor === `api-key:${prefix}`)).toBe(true);
    expect(JSON.stringify(entries)).not.toContain(token);
  });

  it('a key stops working when it expires; a forged token with a real prefix is unknown', async () => {
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const created = await cluster.call('POST', '/v1/api-keys', { name: 'short-lived', scopes: ['keys:read'], expiresAt });
    expect(created.status).toBe(201);
    const reader = apiClient(() => cluster.url, created.body.token);
    expect((await reader('GET', '/v1/keys')).status).toBe(200);
    const forged = apiClient(() => cluster.url, `mpcw_${created.body.prefix}_${'A'.repeat(43)}`);
    expect((await forged('GET', '/v1/keys')).status).toBe(401);
    await new Promise((r) => setTimeout(r, 1600));
    expect((await reader('GET', '/v1/keys')).status).toBe(401);
  });

  it('refuses malformed key requests with 400', async () => {
    for (const body of [{ name: 'x', scopes: [] }, { name: 'x', scopes: ['root'] }, { name: 'x', scopes: ['sign', 'sign'] }, { name: '', scopes: ['sign'] }, { name: 'x', scopes: ['sign'], expiresAt: 'tomorrow' }, { name: 'x', scopes: ['sign'], expiresAt: '2020-01-01T00:00:00Z' }]) {
      const r = await cluster.call('POST', '/v1/api-keys', body);
      expect([r.status, r.body.error.code], JSON.stringify(body)).toEqual([400, 'VALIDATION_FAILED']);
    }
    expect((await cluster.call('DELETE', '/v1/api-keys/not-a-prefix')).status).toBe(400);
  });

  it('a session token speaks for its key with at most its scopes, expires, and ends with the key', async () => {
    const made = await cluster.call('POST', '/v1/api-keys', { name: 'operator', scopes: ['keys:read', 'audit:read'] });
    const operator = apiClient(() => cluster.url, made.body.token);
    const session = await operator('POST', '/v1/sessions', { scopes: ['keys:read'], ttlSeconds: 60 });
    expect(session.status).toBe(201);
    expect(session.body.scopes).toEqual(['keys:read']);
    expect(Date.parse(session.body.expiresAt) - Date.now()).toBeLessThanOrEqual(60_000);
    const viaSession = apiClient(() => cluster.url, session.body.token);
    expect((await viaSession('GET', '/v1/keys')).status).toBe(200);
    // Narrowed to what was asked: the key's other scope is not in the session.
    expect((await viaSession('GET', '/v1/audit')).body.error.code).toBe('FORBIDDEN');
    // No more than the key holds, and a session does not mint sessions.
    expect((await operator('POST', '/v1/sessions', { scopes: ['sign'] })).body.error.code).toBe('FORBIDDEN');
    expect((await viaSession('POST', '/v1/sessions', {})).body.error.code).toBe('FORBIDDEN');
    for (const body of [{ ttlSeconds: 7200 }, { ttlSeconds: 10 }, { scopes: ['root'] }]) expect((await operator('POST', '/v1/sessions', body)).status).toBe(400);
    // The default: all of the key's scopes, for 15 minutes.
    const whole = await operator('POST', '/v1/sessions', {});
    expect(whole.body.scopes).toEqual(['keys:read', 'audit:read']);
    // A tampered token is nobody's.
    expect((await apiClient(() => cluster.url, `${session.body.token}x`)('GET', '/v1/keys')).status).toBe(401);
    // Revoking the key ends its sessions.
    expect((await cluster.call('DELETE', `/v1/api-keys/${made.body.prefix}`)).status).toBe(200);
    expect((await viaSession('GET', '/v1/keys')).status).toBe(401);
    const entries = (await cluster.call('GET', '/v1/audit?limit=1000')).body.entries as { action: string; actor: string }[];
    expect(entries.filter((e) => e.action === 'session.created' && e.actor === `api-key:${made.body.prefix}`)).toHaveLength(2);
    expect(JSON.stringify(entries)).not.toContain(session.body.token);
  });
});
