/** `mpc-wallet audit verify|list` against a stand-in API: exit codes, output, and the key kept to the header. */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { cli, standInApi } from './stand-in.js';

const API_KEY = 'test_0123456789abcdef0123456789abcdef';
let verdict: unknown = { ok: true, entries: 7, checkpoints: 2 };
const seen: IncomingMessage[] = [];
const api = standInApi((req, res) => {
  seen.push(req);
  res.setHeader('content-type', 'application/json');
  if (req.headers.authorization !== `Bearer ${API_KEY}`) return res.writeHead(401).end(JSON.stringify({ error: { code: 'UNAUTHORIZED', message: 'no' } }));
  if (req.url === '/v1/audit/verify') return res.end(JSON.stringify(verdict));
  if (req.url?.startsWith('/v1/audit?')) return res.end(JSON.stringify({ entries: [{ seq: 3, at: '2026-03-01T10:00:00.000Z', action: 'key.created', actor: 'coordinator', subject: 'k1', details: { scheme: 'eddsa-ed25519' } }] }));
  return res.writeHead(404).end('{}');
}, { key: API_KEY, wrong: 'test_wrongwrongwrongwrong' });

describe('mpc-wallet audit', () => {
  it('verify: exit 0 when intact, 1 naming the first broken entry; --json prints the result', async () => {
    verdict = { ok: true, entries: 7, checkpoints: 2 };
    expect(await cli('audit', 'verify', '--url', api.url(), '--api-key-file', api.file('key'))).toEqual({ code: 0, out: 'audit log intact: 7 entries, 2 signed checkpoints\n', err: '' });
    verdict = { ok: false, entries: 3, checkpoints: 1, firstBroken: { seq: 4, reason: 'entry 4 is missing (the next is 5)' } };
    const broken = await cli('audit', 'verify', '--url', api.url(), '--api-key-file', api.file('key'));
    expect(broken.code).toBe(1);
    expect(broken.out).toMatch(/BROKEN at entry 4: entry 4 is missing/);
    const json = await cli('audit', 'verify', '--url', api.url(), '--api-key-file', api.file('key'), '--json');
    expect(JSON.parse(json.out)).toEqual(verdict);
    expect(seen.at(-1)!.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it('list prints entries; a refused key exits 4 without the key in the error; bad usage exits 2', async () => {
    const listed = await cli('audit', 'list', '--url', api.url(), '--api-key-file', api.file('key'), '--after', '2', '--limit', '1');
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/^\s+3 {2}2026-03-01T10:00:00.000Z {2}key\.created/);
    expect(seen.at(-1)!.url).toBe('/v1/audit?after=2&limit=1');
    const refused = await cli('audit', 'verify', '--url', api.url(), '--api-key-file', api.file('wrong'));
    expect(refused.code).toBe(4);
    expect(refused.err).toMatch(/HTTP 401 UNAUTHORIZED/);
    expect(refused.err).not.toContain('wrongwrong');
    for (const argv of [['audit', 'verify'], ['audit', 'nope', '--api-key-file', 'x'], ['audit', 'list', '--api-key-file', 'x', '--limit', '-1'], ['audit', 'verify', '--api-key-file', 'x', '--url', 'ftp://x']]) {
      expect((await cli(...argv)).code).toBe(2);
    }
  });
});
