/** `mpc-wallet keys|sign|nodes|status` against a stand-in API: requests, tables and --json, waiting for a pending key, exit codes, help. */
import { describe, expect, it } from 'vitest';
import { run } from '../src/main.js';
import { cli, freePort, standInApi } from './stand-in.js';

const KEY = 'test_0123456789abcdef0123456789abcdef';
const key = (status: string, extra: Record<string, unknown> = {}) => ({
  id: 'k-ecdsa',
  scheme: 'ecdsa-secp256k1',
  threshold: 2,
  parties: 3,
  committee: [1, 2, 3],
  publicKey: status === 'active' ? '02'.padEnd(66, 'a') : null,
  status,
  label: 'treasury',
  version: 1,
  createdAt: '2026-12-03T10:00:00.000Z',
  updatedAt: '2026-12-03T10:00:01.000Z',
  ...extra,
});
const nodes = [1, 2, 3].map((id) => ({ id, name: `node-${id}`, status: id === 3 ? 'offline' : 'online', noisePublicKey: `${id}`.repeat(64), lastSeen: id === 3 ? null : '2026-12-03T10:00:00.000Z' }));
const requests: { method: string; url: string; body: string; idempotencyKey?: string }[] = [];
let polls = 0;
let ready = true;

const api = standInApi((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    requests.push({ method: req.method!, url: req.url!, body, ...(req.headers['idempotency-key'] ? { idempotencyKey: String(req.headers['idempotency-key']) } : {}) });
    const send = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    if (req.url === '/readyz') return send(ready ? 200 : 503, { status: ready ? 'ready' : 'not-ready', nodesOnline: 2 });
    if (req.headers.authorization !== `Bearer ${KEY}`) return send(401, { error: { code: 'UNAUTHORIZED', message: 'send Authorization: Bearer <api key>', retriable: false } });
    if (req.method === 'POST' && req.url === '/v1/keys') {
      const asked = JSON.parse(body) as { scheme: string };
      polls = 0;
      return asked.scheme === 'ecdsa-secp256k1' ? send(202, key('pending')) : send(201, key('active', { id: 'k-ed', scheme: asked.scheme }));
    }
    if (req.method === 'GET' && req.url === '/v1/keys/k-ecdsa') return send(200, key(++polls < 3 ? 'pending' : 'active'));
    if (req.method === 'GET' && req.url === '/v1/keys/missing') return send(404, { error: { code: 'KEY_NOT_FOUND', message: 'no key missing', retriable: false } });
    if (req.method === 'GET' && req.url?.startsWith('/v1/keys?')) {
      const after = new URL(req.url, 'http://x').searchParams.get('after');
      return send(200, { keys: after ? [] : [key('active'), key('active', { id: 'k-ed', scheme: 'eddsa-ed25519', label: null })] });
    }
    if (req.method === 'POST' && req.url === '/v1/keys/k-ecdsa/refresh') return send(200, key('active', { version: 2 }));
    if (req.method === 'GET' && req.url === '/v1/keys/k-ecdsa/pools') return send(200, { keyId: 'k-ecdsa', version: 1, enabled: true, presignatures: [{ signers: [1, 2], size: 3, depth: 8 }] });
    if (req.method === 'POST' && req.url === '/v1/keys/k-ecdsa/signatures') {
      return send(200, { id: 'sig-1', keyId: 'k-ecdsa', signature: 'ab'.repeat(64), recoveryId: 1, digest: 'cd'.repeat(32), publicKey: '02'.padEnd(66, 'a'), signers: [1, 2], pooled: true });
    }
    if (req.url === '/v1/nodes') return send(200, nodes);
    return send(404, { error: { code: 'NOT_FOUND', message: 'no such route', retriable: false } });
  });
}, { key: KEY, wrong: 'test_wrongwrongwrongwrong' });

const API = () => ['--url', api.url(), '--api-key-file', api.file('key')];

describe('mpc-wallet keys', () => {
  it('create waits for a pending ECDSA key (no spinner off a terminal) and prints it', async () => {
    const r = await cli('keys', 'create', '--scheme', 'ecdsa-secp256k1', '--threshold', '2', '--parties', '3', '--label', 'treasury', ...API());
    expect([r.code, r.err]).toEqual([0, '']);
    expect(JSON.parse(requests.find((q) => q.method === 'POST')!.body)).toEqual({ scheme: 'ecdsa-secp256k1', threshold: 2, parties: 3, label: 'treasury' });
    expect(polls).toBe(3);
    expect(r.out).toMatch(/^id: +k-ecdsa$/m);
    expect(r.out).toMatch(/^status: +active$/m);
    expect(r.out).toMatch(/^threshold: +2 of 3 \(committee 1,2,3\)$/m);
    const noWait = await cli('keys', 'create', '--scheme', 'ecdsa-secp256k1', '--threshold', '2', '--parties', '3', '--no-wait', '--json', ...API());
    expect(JSON.parse(noWait.out)).toMatchObject({ id: 'k-ecdsa', status: 'pending' });
  });

  it('on a terminal, a spinner on stderr tells the wait and clears its line; stdout has only the key', async () => {
    let out = '';
    let err = '';
    const code = await run(['keys', 'create', '--scheme', 'ecdsa-secp256k1', '--threshold', '2', '--parties', '3', '--json', ...API()], { write: (s: string) => (out += s) }, { write: (s: string) => (err += s), isTTY: true });
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ status: 'active' });
    expect(err).toContain('key generation: ecdsa-secp256k1 2-of-3');
    expect(err.endsWith('\r\x1b[K')).toBe(true);
  });

  it('list prints a table (every page), --limit caps it; show and refresh print the key', async () => {
    const listed = await cli('keys', 'list', ...API());
    expect(listed.code).toBe(0);
    const lines = listed.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +SCHEME +T\/N +STATUS +VERSION +LABEL +PUBLIC KEY$/);
    expect(lines.slice(1).map((l) => l.split(/ +/).slice(0, 4))).toEqual([
      ['k-ecdsa', 'ecdsa-secp256k1', '2/3', 'active'],
      ['k-ed', 'eddsa-ed25519', '2/3', 'active'],
    ]);
    const one = await cli('keys', 'list', '--limit', '1', '--json', ...API());
    expect(JSON.parse(one.out).map((k: { id: string }) => k.id)).toEqual(['k-ecdsa']);
    expect((await cli('keys', 'show', 'k-ecdsa', ...API())).out).toMatch(/^label: +treasury$/m);
    const refreshed = await cli('keys', 'refresh', 'k-ecdsa', '--json', ...API());
    expect(JSON.parse(refreshed.out).version).toBe(2);
  });

  it('a missing key exits 3, a refused API key 4, an unreachable coordinator 5', async () => {
    const missing = await cli('keys', 'show', 'missing', ...API());
    expect([missing.code, missing.err]).toEqual([3, 'mpc-wallet: HTTP 404 KEY_NOT_FOUND: no key missing\n']);
    const refused = await cli('keys', 'list', '--url', api.url(), '--api-key-file', api.file('wrong'));
    expect([refused.code, refused.err.includes('HTTP 401 UNAUTHORIZED'), refused.err.includes('wrongwrong')]).toEqual([4, true, false]);
    const down = await cli('nodes', '--url', `http://127.0.0.1:${await freePort()}`, '--api-key-file', api.file('key'));
    expect([down.code, down.err]).toEqual([5, expect.stringMatching(/^mpc-wallet: NETWORK_ERROR: .*ECONNREFUSED/)]);
  }, 30_000);

  it('usage errors exit 2 before any request', async () => {
    const before = requests.length;
    for (const argv of [
      ['keys', 'create', '--scheme', 'rsa', '--threshold', '2', '--parties', '3'],
      ['keys', 'create', '--scheme', 'eddsa-ed25519', '--threshold', '4', '--parties', '3'],
      ['keys', 'create', '--scheme', 'eddsa-ed25519', '--threshold', '0', '--parties', '3'],
      ['keys', 'show'],
      ['keys', 'show', 'a', 'b'],
      ['keys', 'rotate'],
      ['keys', 'list', '--limit', 'x'],
      ['sign', '--key-id', 'k'],
      ['sign', '--key-id', 'k', 'abc'],
      ['sign', '--key-id', 'k', '--text', 'hi', '--message', 'ab'],
      ['sign', '--key-id', 'k', '--digest', 'ab'],
      ['sign', '--key-id', 'k', '--digest', 'ab'.repeat(32), '--hash', 'sha256'],
      ['sign', '--key-id', 'k', '--text', 'hi', '--hash', 'md5'],
      ['sign', '--key-id', 'k', '--text', 'hi', '--signers', '1,1'],
      ['sign', '--text', 'hi'],
      ['status', '--bogus'],
    ]) {
      const r = await cli(...argv, ...API());
      expect([r.code, r.err.startsWith('mpc-wallet: ')], argv.join(' ')).toEqual([2, true]);
    }
    const noKey = await cli('nodes', '--url', api.url());
    expect([noKey.code, noKey.err]).toEqual([2, expect.stringContaining('MPC_WALLET_API_KEY')]);
    expect(requests.length).toBe(before);
  });
});

describe('mpc-wallet sign, nodes, status', () => {
  it('sign sends the message (hex, or text as UTF-8), the hash and an idempotency key; prints the signature', async () => {
    const r = await cli('sign', '--key-id', 'k-ecdsa', '--text', 'héllo', '--hash', 'keccak256', '--signers', '1,2', '--idempotency-key', 'pay-42', ...API());
    expect(r.code).toBe(0);
    const sent = requests.at(-1)!;
    expect(JSON.parse(sent.body)).toEqual({ message: Buffer.from('héllo').toString('hex'), hash: 'keccak256', signers: [1, 2] });
    expect(sent.idempotencyKey).toBe('pay-42');
    expect(r.out).toMatch(new RegExp(`^signature: +${'ab'.repeat(64)}$`, 'm'));
    expect(r.out).toMatch(/^recovery: +1$/m);
    const hex = await cli('sign', '--key-id', 'k-ecdsa', '0xDEADbeef', '--hash', 'sha256', '--json', ...API());
    expect(JSON.parse(requests.at(-1)!.body)).toEqual({ message: 'deadbeef', hash: 'sha256' });
    expect(requests.at(-1)!.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(hex.out).id).toBe('sig-1');
    await cli('sign', '--key-id', 'k-ecdsa', '--digest', 'EF'.repeat(32), '--path', 'm/0/1', ...API());
    expect(JSON.parse(requests.at(-1)!.body)).toEqual({ digest: 'ef'.repeat(32), path: 'm/0/1' });
  });

  it('nodes prints a table; status exits 0 when ready and 1 when not, with pools for --key-id', async () => {
    const listed = await cli('nodes', ...API());
    expect(listed.out.split('\n')[3]).toMatch(/^3 +node-3 +offline +never +3{64}$/);
    ready = true;
    const ok = await cli('status', '--key-id', 'k-ecdsa', ...API());
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(`coordinator ${api.url()}: ready, 2 of 3 nodes online`);
    expect(ok.out).toMatch(/^1,2 +3 +8$/m);
    ready = false;
    const notReady = await cli('status', '--json', ...API());
    expect(notReady.code).toBe(1);
    expect(JSON.parse(notReady.out)).toMatchObject({ status: 'not-ready', nodesOnline: 2, nodes: [{ id: 1 }, { id: 2 }, { id: 3 }] });
    ready = true;
  });

  it('--help on every command and subcommand prints its usage and exit codes, and sends nothing', async () => {
    const before = requests.length;
    for (const argv of [['keys', '--help'], ['keys', 'create', '--help'], ['sign', '-h'], ['nodes', '--help'], ['status', '--help'], ['events', '--help'], ['webhooks', 'replay', '--help'], ['api-keys', 'create', '--help'], ['audit', 'verify', '--help']]) {
      const r = await cli(...argv);
      expect([r.code, r.out.startsWith(`usage: mpc-wallet ${argv[0]}`), r.out.includes('3 not found')], argv.join(' ')).toEqual([0, true, true]);
    }
    expect((await cli('simulate', 'sign', '--help')).out).toContain('--from-tss-lib');
    expect(requests.length).toBe(before);
    const top = await cli('--help');
    for (const command of ['keys create', 'sign --key-id', 'events [--after', 'webhooks create', 'api-keys create', 'audit list', 'exit codes']) expect(top.out).toContain(command);
  });
});
