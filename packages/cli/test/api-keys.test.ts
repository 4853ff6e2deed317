/** `mpc-wallet api-keys create|list|revoke` against a stand-in API: requests, output, the token printed once. */
import { describe, expect, it } from 'vitest';
import { cli, standInApi } from './stand-in.js';

const ADMIN = 'test_0123456789abcdef0123456789abcdef';
const TOKEN = `mpcw_0123456789ab_${'x'.repeat(43)}`;
const view = { prefix: '0123456789ab', name: 'payments', scopes: ['sign', 'keys:read'], createdAt: '2026-12-03T10:00:00.000Z', expiresAt: null, revokedAt: null };
const requests: { method: string; url: string; body: string }[] = [];
const api = standInApi((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    requests.push({ method: req.method!, url: req.url!, body });
    res.setHeader('content-type', 'application/json');
    if (req.headers.authorization !== `Bearer ${ADMIN}`) return res.writeHead(401).end(JSON.stringify({ error: { code: 'UNAUTHORIZED', message: 'no' } }));
    if (req.method === 'POST' && req.url === '/v1/api-keys') {
      const asked = JSON.parse(body) as { scopes: string[] };
      if (asked.scopes.includes('root')) return res.writeHead(400).end(JSON.stringify({ error: { code: 'VALIDATION_FAILED', message: 'body/scopes/0 must be equal to one of the allowed values' } }));
      return res.writeHead(201).end(JSON.stringify({ ...view, token: TOKEN }));
    }
    if (req.method === 'GET' && req.url === '/v1/api-keys') return res.end(JSON.stringify({ apiKeys: [view, { ...view, prefix: 'ba9876543210', name: 'old', revokedAt: '2026-12-03T11:00:00.000Z' }] }));
    if (req.method === 'DELETE' && req.url === '/v1/api-keys/0123456789ab') return res.end(JSON.stringify({ ...view, revokedAt: '2026-12-03T12:00:00.000Z' }));
    return res.writeHead(404).end(JSON.stringify({ error: { code: 'API_KEY_NOT_FOUND', message: 'no such key' } }));
  });
}, { admin: ADMIN });

describe('mpc-wallet api-keys', () => {
  it('create sends name, scopes and expiry, and prints the token once', async () => {
    const r = await cli('api-keys', 'create', '--url', api.url(), '--api-key-file', api.file('admin'), '--name', 'payments', '--scopes', 'sign,keys:read', '--expires-at', '2027-01-01T00:00:00Z');
    expect(r.code).toBe(0);
    expect(JSON.parse(requests.at(-1)!.body)).toEqual({ name: 'payments', scopes: ['sign', 'keys:read'], expiresAt: '2027-01-01T00:00:00Z' });
    expect(r.out.split(TOKEN)).toHaveLength(2);
    expect(r.out).toContain('0123456789ab  active');
    const json = await cli('api-keys', 'create', '--url', api.url(), '--api-key-file', api.file('admin'), '--name', 'payments', '--scopes', 'sign', '--json');
    expect(JSON.parse(json.out)).toMatchObject({ prefix: '0123456789ab', token: TOKEN });
  });

  it('list shows each key with its state, revoke names the key; the admin key never appears', async () => {
    const listed = await cli('api-keys', 'list', '--url', api.url(), '--api-key-file', api.file('admin'));
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/0123456789ab +active +sign,keys:read/);
    expect(listed.out).toMatch(/ba9876543210 +revoked/);
    const revoked = await cli('api-keys', 'revoke', '--url', api.url(), '--api-key-file', api.file('admin'), '--prefix', '0123456789ab', '--json');
    expect([revoked.code, JSON.parse(revoked.out).revokedAt]).toEqual([0, '2026-12-03T12:00:00.000Z']);
    expect(requests.at(-1)).toMatchObject({ method: 'DELETE', url: '/v1/api-keys/0123456789ab' });
    for (const r of [listed, revoked]) expect(r.out + r.err).not.toContain(ADMIN);
  });

  it('usage errors exit 2 before any request; API errors exit 1 with the code (3 when the key is not found)', async () => {
    const before = requests.length;
    for (const argv of [
      ['api-keys', 'create', '--url', api.url(), '--api-key-file', api.file('admin'), '--scopes', 'sign'],
      ['api-keys', 'create', '--url', api.url(), '--api-key-file', api.file('admin'), '--name', 'x'],
      ['api-keys', 'revoke', '--url', api.url(), '--api-key-file', api.file('admin'), '--prefix', 'nothex'],
      ['api-keys', 'list', '--url', api.url()],
      ['api-keys', 'rotate', '--url', api.url(), '--api-key-file', api.file('admin')],
    ]) {
      const r = await cli(...argv);
      expect([r.code, r.err.startsWith('mpc-wallet: ')], argv.join(' ')).toEqual([2, true]);
    }
    expect(requests.length).toBe(before);
    const refused = await cli('api-keys', 'create', '--url', api.url(), '--api-key-file', api.file('admin'), '--name', 'x', '--scopes', 'root');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('HTTP 400 VALIDATION_FAILED');
    const missing = await cli('api-keys', 'revoke', '--url', api.url(), '--api-key-file', api.file('admin'), '--prefix', 'ffffffffffff');
    expect([missing.code, missing.err.includes('API_KEY_NOT_FOUND')]).toEqual([3, true]);
  });
});
