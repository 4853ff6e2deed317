/** `mpc-wallet events` and `mpc-wallet webhooks` against a stand-in API: lines or JSON, resume after a dropped stream, the secret printed once. */
import { describe, expect, it } from 'vitest';
import { cli, standInApi } from './stand-in.js';

const KEY = 'test_0123456789abcdef0123456789abcdef';
const SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const event = (seq: number, type = 'signature.completed') => ({ seq, type, at: '2026-12-03T10:00:00.000Z', subject: `sig-${seq}`, data: { keyId: 'k1' } });
const webhook = { id: 'wh1', url: 'https://example.com/hook', types: ['signature.*'], description: 'payments', createdBy: 'api-key:0123456789ab', createdAt: '2026-12-03T10:00:00.000Z' };
const delivery = (id: string, status: string) => ({ id, webhookId: 'wh1', eventSeq: 7, eventType: 'signature.failed', status, attempts: 3, lastStatus: 500, lastError: 'HTTP 500', createdAt: '2026-12-03T10:00:00.000Z', updatedAt: '2026-12-03T10:01:00.000Z' });
const upgrades: string[] = [];
const requests: { method: string; url: string; body: string }[] = [];

const api = standInApi(
  (req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push({ method: req.method!, url: req.url!, body });
      const send = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      const url = new URL(req.url!, 'http://x');
      if (req.method === 'GET' && url.pathname === '/v1/events') return send(200, url.searchParams.get('after') === '0' ? { events: [event(1), event(2)], next: 2 } : { events: [] });
      if (req.method === 'POST' && req.url === '/v1/webhooks') return send(201, { ...webhook, ...JSON.parse(body), secret: SECRET });
      if (req.method === 'GET' && req.url === '/v1/webhooks') return send(200, { webhooks: [webhook] });
      if (req.method === 'DELETE' && req.url === '/v1/webhooks/wh1') return send(200, webhook);
      if (req.method === 'GET' && url.pathname === '/v1/webhooks/wh1/deliveries') {
        return send(200, url.searchParams.get('cursor') ? { deliveries: [delivery('d2', 'failed')] } : { deliveries: [delivery('d1', 'failed')], next: 'c2' });
      }
      if (req.method === 'POST' && req.url === '/v1/webhooks/wh1/deliveries/d1/replay') return send(202, delivery('d1', 'pending'));
      return send(404, { error: { code: 'WEBHOOK_NOT_FOUND', message: 'no such webhook', retriable: false } });
    });
  },
  { key: KEY },
  (ws, req) => {
    upgrades.push(req.url!);
    if (upgrades.length === 1) {
      ws.send(JSON.stringify({ event: event(5) }));
      ws.send(JSON.stringify({ ready: { seq: 5 } }));
      // The coordinator restarts: the CLI reconnects after seq 5.
      setTimeout(() => ws.terminate(), 20);
    } else {
      ws.send(JSON.stringify({ event: event(6, 'key.completed') }));
      ws.send(JSON.stringify({ event: event(7) }));
    }
  },
);
const API = () => ['--url', api.url(), '--api-key-file', api.file('key')];

describe('mpc-wallet events', () => {
  it('follows the stream, resumes after a drop (told on stderr), and stops after --count', async () => {
    const r = await cli('events', '--after', '4', '--types', 'signature.*,key.completed', '--count', '3', ...API());
    expect(r.code).toBe(0);
    expect(r.out.trimEnd().split('\n').map((l) => l.trim().split(/ +/).slice(0, 4))).toEqual([
      ['5', '2026-12-03T10:00:00.000Z', 'signature.completed', 'sig-5'],
      ['6', '2026-12-03T10:00:00.000Z', 'key.completed', 'sig-6'],
      ['7', '2026-12-03T10:00:00.000Z', 'signature.completed', 'sig-7'],
    ]);
    expect(upgrades).toEqual(['/v1/events?after=4&types=signature.*%2Ckey.completed', '/v1/events?after=5&types=signature.*%2Ckey.completed']);
    expect(r.err).toMatch(/^mpc-wallet: events: NETWORK_ERROR: .*reconnecting after seq 5\n$/);
  });

  it('--once prints the stored events as JSON lines; bad flags exit 2', async () => {
    const r = await cli('events', '--once', '--after', '0', '--json', ...API());
    expect(r.out.trimEnd().split('\n').map((l) => JSON.parse(l).seq)).toEqual([1, 2]);
    for (const argv of [['events', '--after', '-1'], ['events', '--types', 'Signature completed'], ['events', '--once', '--count', '2'], ['events', 'follow']]) {
      expect((await cli(...argv, ...API())).code, argv.join(' ')).toBe(2);
    }
  });
});

describe('mpc-wallet webhooks', () => {
  it('create sends target, types and description and prints the secret once', async () => {
    const r = await cli('webhooks', 'create', '--target', 'https://example.com/hook', '--types', 'signature.*,key.failed', '--description', 'payments', ...API());
    expect(r.code).toBe(0);
    expect(JSON.parse(requests.at(-1)!.body)).toEqual({ url: 'https://example.com/hook', types: ['signature.*', 'key.failed'], description: 'payments' });
    expect(r.out.split(SECRET)).toHaveLength(2);
    expect((await cli('webhooks', 'create', '--target', 'ftp://x', ...API())).code).toBe(2);
  });

  it('list, deliveries (every page), replay and delete; a missing webhook exits 3', async () => {
    expect((await cli('webhooks', 'list', ...API())).out).toMatch(/^wh1 +https:\/\/example.com\/hook +signature\.\* /m);
    const deliveries = await cli('webhooks', 'deliveries', 'wh1', '--status', 'failed', '--json', ...API());
    expect(JSON.parse(deliveries.out).map((d: { id: string }) => d.id)).toEqual(['d1', 'd2']);
    expect(requests.at(-1)!.url).toBe('/v1/webhooks/wh1/deliveries?status=failed&limit=100&cursor=c2');
    const replayed = await cli('webhooks', 'replay', 'wh1', 'd1', ...API());
    expect(replayed.out).toMatch(/^d1 +7 +signature\.failed +pending +3 +500/m);
    expect((await cli('webhooks', 'delete', 'wh1', ...API())).out).toBe('webhook wh1 deleted (https://example.com/hook)\n');
    const missing = await cli('webhooks', 'delete', 'nope', ...API());
    expect([missing.code, missing.err]).toEqual([3, 'mpc-wallet: HTTP 404 WEBHOOK_NOT_FOUND: no such webhook\n']);
    expect((await cli('webhooks', 'deliveries', 'wh1', '--status', 'lost', ...API())).code).toBe(2);
  });
});
