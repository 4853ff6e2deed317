/** MpcWalletClient against a stand-in API: requests, retries and their idempotency keys, Retry-After, error mapping, pages. */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CLIENT_ERROR_CODES, MpcWalletClient, MpcWalletError, collect } from '../src/index.js';
import { apiError, json, standIn } from './stand-in.js';

const API_KEY = 'mpcw_0123456789ab_secretsecretsecretsecret';
const api = standIn();
const FAST = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 };
const client = (extra: Partial<ConstructorParameters<typeof MpcWalletClient>[0]> = {}) => new MpcWalletClient({ url: api.url, apiKey: API_KEY, retries: FAST, ...extra });
const signature = { id: 's1', keyId: 'k1', signature: 'ab', publicKey: 'cd', signers: [1, 2], pooled: true };

/** Answers the scripted responses in turn (the last one repeats). */
function script(...answers: ((res: Parameters<typeof api.handle>[1]) => void)[]) {
  let i = 0;
  api.handle = (_req, res) => answers[Math.min(i++, answers.length - 1)]!(res);
}

async function failure(p: Promise<unknown>): Promise<MpcWalletError> {
  const e = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(e).toBeInstanceOf(MpcWalletError);
  return e as MpcWalletError;
}

describe('requests', () => {
  it('sends the key as a bearer token, the body as JSON, parameters encoded, and parses the answer', async () => {
    script((res) => json(res, 200, signature));
    const got = await client().keys.sign('k 1/x', { message: 'abcd', signers: [1, 2] });
    expect(got).toEqual(signature);
    const [req] = api.seen;
    expect(req).toMatchObject({ method: 'POST', url: '/v1/keys/k%201%2Fx/signatures' });
    expect(req!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(req!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req!.body)).toEqual({ message: 'abcd', signers: [1, 2] });
  });

  it('keeps a base path (behind a proxy) and sends queries without absent fields', async () => {
    script((res) => json(res, 200, { signatures: [] }));
    await new MpcWalletClient({ url: `${api.url}/wallet`, apiKey: API_KEY }).signatures.list({ keyId: 'k1', limit: 5 });
    expect(api.seen[0]!.url).toBe('/wallet/v1/signatures?keyId=k1&limit=5');
  });

  it('healthz and readyz go without the key; readyz 503 is an answer, not an error', async () => {
    script((res) => json(res, 503, { status: 'not-ready', nodesOnline: 1 }));
    expect(await client().ready()).toEqual({ status: 'not-ready', nodesOnline: 1 });
    expect(api.seen).toHaveLength(1);
    expect(api.seen[0]!.headers.authorization).toBeUndefined();
  });

  it('refuses a URL that is not http(s), bad retry options and empty ids', async () => {
    expect(() => new MpcWalletClient({ url: 'ftp://x' })).toThrow(/http/);
    expect(() => new MpcWalletClient({ url: 'not a url' })).toThrow(/http/);
    expect(() => new MpcWalletClient({ url: api.url, retries: { attempts: 0 } })).toThrow(/attempts/);
    await expect(client().keys.get('')).rejects.toThrow(/non-empty/);
  });
});

describe('idempotency keys', () => {
  it('one generated key per signing call, the same on each of its retries', async () => {
    script(
      (res) => apiError(res, 503, 'NODES_UNAVAILABLE', true),
      (res) => apiError(res, 409, 'REQUEST_IN_PROGRESS', true),
      (res) => json(res, 200, signature),
    );
    await client().keys.sign('k1', { message: 'ab' });
    const keys = api.seen.map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(keys).size).toBe(1);

    script((res) => json(res, 200, signature));
    await client().keys.sign('k1', { message: 'ab' });
    expect(api.seen.at(-1)!.headers['idempotency-key']).not.toBe(keys[0]);
  });

  it('the caller’s key is sent as given, on batches, transactions and messages too', async () => {
    script((res) => json(res, 200, { signatures: [signature] }));
    await client().signatures.batch('k1', { messages: ['ab'] }, { idempotencyKey: 'order-17' });
    script((res) => json(res, 200, {}));
    await client().keys.signTransaction('k1', { chain: 'ethereum', transaction: {} }, { idempotencyKey: 'tx-1' });
    await client().keys.signMessage('k1', { chain: 'ethereum', message: { text: 'hi' } });
    expect(api.seen.map((r) => r.headers['idempotency-key'])).toEqual(['order-17', 'tx-1', expect.stringMatching(/^[0-9a-f-]{36}$/)]);
    expect(api.seen[0]!.url).toBe('/v1/keys/k1/signatures:batch');
  });

  it('reads and non-signing POSTs carry none', async () => {
    script((res) => json(res, 201, { id: 'k1', status: 'active' }));
    await client().keys.create({ scheme: 'eddsa-ed25519', threshold: 2, parties: 3 });
    await client().keys.get('k1');
    expect(api.seen.map((r) => r.headers['idempotency-key'])).toEqual([undefined, undefined]);
  });
});

describe('retries', () => {
  it('honours Retry-After on 429', async () => {
    script((res) => apiError(res, 429, 'RATE_LIMITED', true, { retryAfter: 1 }, { 'retry-after': '1' }), (res) => json(res, 200, []));
    const delays: number[] = [];
    const started = Date.now();
    await client({ onRetry: ({ delayMs }) => delays.push(delayMs) }).nodes.list();
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(delays).toEqual([1000]);
  });

  it('backs off exponentially with jitter, capped, and gives up after `attempts` with the last error', async () => {
    script((res) => apiError(res, 502, 'PROTOCOL_ABORTED', true, { culprits: [3] }));
    const delays: number[] = [];
    const e = await failure(client({ retries: { attempts: 5, baseDelayMs: 20, maxDelayMs: 50 }, onRetry: ({ delayMs }) => delays.push(delayMs) }).keys.sign('k1', { message: 'ab' }));
    expect(api.seen).toHaveLength(5);
    expect([e.code, e.status, e.retriable, e.culprits]).toEqual(['PROTOCOL_ABORTED', 502, true, [3]]);
    const ceilings = [20, 40, 50, 50];
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(ceilings[i]! / 2);
      expect(d).toBeLessThanOrEqual(ceilings[i]!);
    });
  });

  it('never retries what the server marks not retriable, and maps its fields', async () => {
    script((res) => apiError(res, 400, 'CHAIN_INPUT_REFUSED', false, { reason: 'WRONG_NETWORK' }));
    const e = await failure(client().keys.signTransaction('k1', { chain: 'ethereum', transaction: {} }));
    expect(api.seen).toHaveLength(1);
    expect(e).toMatchObject({ status: 400, code: 'CHAIN_INPUT_REFUSED', retriable: false, reason: 'WRONG_NETWORK', request: 'POST /v1/keys/k1/transactions' });
    expect(e.message).toBe('chain_input_refused (stand-in)');
    script((res) => apiError(res, 404, 'KEY_NOT_FOUND', false));
    const missing = await failure(client().keys.get('nope'));
    expect([missing.notFound, missing.unauthorized, api.seen.length]).toEqual([true, false, 2]);
    script((res) => apiError(res, 503, 'NOT_ENOUGH_NODES', true, { waitingFor: [2, 3] }));
    const waiting = await failure(client({ retries: { attempts: 1 } }).keys.refresh('k1'));
    expect(waiting.waitingFor).toEqual([2, 3]);
  });

  it('keys.create is not sent again when the server may have acted, only when it refused before acting', async () => {
    script((res) => apiError(res, 502, 'PROTOCOL_ABORTED', true));
    await failure(client().keys.create({ scheme: 'eddsa-ed25519', threshold: 2, parties: 3 }));
    expect(api.seen).toHaveLength(1);

    script((res) => apiError(res, 503, 'NOT_ENOUGH_NODES', true), (res) => apiError(res, 429, 'RATE_LIMITED', true), (res) => json(res, 201, { id: 'k1', status: 'active' }));
    expect(await client().keys.create({ scheme: 'eddsa-ed25519', threshold: 2, parties: 3 })).toMatchObject({ id: 'k1' });
    expect(api.seen).toHaveLength(4);

    // The connection dropped after the request was sent: the key may exist, so no second one.
    api.handle = (_req, res) => res.socket!.destroy();
    const dropped = await failure(client().apiKeys.create({ name: 'x', scopes: ['sign'] }));
    expect([dropped.code, dropped.status, api.seen.length]).toEqual([CLIENT_ERROR_CODES.NETWORK_ERROR, 0, 5]);
  });

  it('a dropped connection is retried for signing (same idempotency key) and reads', async () => {
    let n = 0;
    api.handle = (_req, res) => (n++ === 0 ? res.socket!.destroy() : json(res, 200, signature));
    await client().keys.sign('k1', { digest: 'ab'.repeat(32) });
    expect(api.seen).toHaveLength(2);
    expect(api.seen[0]!.headers['idempotency-key']).toBe(api.seen[1]!.headers['idempotency-key']);
  });

  it('connection refused is a NETWORK_ERROR, retried even for keys.create (nothing was sent)', async () => {
    const port = await freePort();
    let retries = 0;
    const e = await failure(new MpcWalletClient({ url: `http://127.0.0.1:${port}`, apiKey: API_KEY, retries: FAST, onRetry: () => retries++ }).keys.create({ scheme: 'eddsa-ed25519', threshold: 1, parties: 1 }));
    expect([e.code, e.retriable, retries]).toEqual([CLIENT_ERROR_CODES.NETWORK_ERROR, true, 3]);
    expect(e.message).toContain('ECONNREFUSED');
  });

  it('a slow answer is a TIMEOUT; an abort stops the call and its retries at once', async () => {
    api.handle = (_req, res) => setTimeout(() => json(res, 200, []), 300);
    const slow = await failure(client({ timeoutMs: 50, retries: { attempts: 2 } }).nodes.list());
    expect([slow.code, api.seen.length]).toEqual([CLIENT_ERROR_CODES.TIMEOUT, 2]);

    script((res) => apiError(res, 503, 'NODES_UNAVAILABLE', true));
    const controller = new AbortController();
    const call = client({ retries: { attempts: 10, baseDelayMs: 10_000, maxDelayMs: 10_000 } }).nodes.list({ signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const e = await failure(call);
    expect(e.code).toBe(CLIENT_ERROR_CODES.ABORTED);
  });

  it('an answer that is not the API’s JSON is BAD_RESPONSE, retried only for 502/503/504', async () => {
    api.handle = (_req, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<html>bad gateway</html>');
    const e = await failure(client({ retries: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 } }).nodes.list());
    expect([e.code, e.status, api.seen.length]).toEqual([CLIENT_ERROR_CODES.BAD_RESPONSE, 502, 2]);
  });
});

describe('waiting and pages', () => {
  it('waitUntilActive polls until the key is active, telling progress; a failed key throws KEY_FAILED', async () => {
    script((res) => json(res, 200, { id: 'k1', status: 'pending' }), (res) => json(res, 200, { id: 'k1', status: 'pending' }), (res) => json(res, 200, { id: 'k1', status: 'active' }));
    const progress: string[] = [];
    expect(await client().keys.waitUntilActive('k1', { intervalMs: 5, onProgress: (k) => progress.push(k.status) })).toMatchObject({ status: 'active' });
    expect(progress).toEqual(['pending', 'pending']);
    script((res) => json(res, 200, { id: 'k1', status: 'failed', failure: { code: 'PROTOCOL_ABORTED' } }));
    expect((await failure(client().keys.waitUntilActive('k1'))).code).toBe(CLIENT_ERROR_CODES.KEY_FAILED);
    script((res) => json(res, 200, { id: 'k1', status: 'pending' }));
    expect((await failure(client().keys.waitUntilActive('k1', { intervalMs: 10, timeoutMs: 30 }))).code).toBe(CLIENT_ERROR_CODES.WAIT_TIMEOUT);
  });

  it('all() follows each page’s cursor to the end', async () => {
    api.handle = (req, res) => {
      const cursor = new URL(req.url, api.url).searchParams.get('cursor');
      if (cursor === null) return json(res, 200, { signatures: [{ id: 'a' }, { id: 'b' }], next: 'c1' });
      if (cursor === 'c1') return json(res, 200, { signatures: [{ id: 'c' }] });
      return apiError(res, 400, 'VALIDATION_FAILED', false);
    };
    expect((await collect(client().signatures.all({ status: 'completed' }))).map((s) => s.id)).toEqual(['a', 'b', 'c']);
    expect(api.seen.map((r) => r.url)).toEqual(['/v1/signatures?status=completed', '/v1/signatures?status=completed&cursor=c1']);
  });

  it('keys.all() asks for the page after the last id of each full page', async () => {
    api.handle = (req, res) => {
      const after = new URL(req.url, api.url).searchParams.get('after');
      json(res, 200, { keys: after === null ? [{ id: 'k1' }, { id: 'k2' }] : after === 'k2' ? [{ id: 'k3' }] : [] });
    };
    expect((await collect(client().keys.all({ limit: 2 }))).map((k) => k.id)).toEqual(['k1', 'k2', 'k3']);
    expect(api.seen.map((r) => r.url)).toEqual(['/v1/keys?limit=2', '/v1/keys?limit=2&after=k2']);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
