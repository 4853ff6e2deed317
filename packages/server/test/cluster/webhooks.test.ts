import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { bytesToHex } from '@mpc-wallet/core';
import { activeKey, clusterForFile, waitFor } from './local-cluster.js';
import { apiClient } from './http.js';

// Short waits so that retries and failures happen within a test.
const cluster = clusterForFile({ webhooks: { pollMs: 100, firstRetryMs: 150, maxRetryMs: 600, maxAttempts: 3, timeoutMs: 2_000 } });

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver on a free port: every request kept; each path answers the statuses queued for it, then 200. */
const received: Received[] = [];
const answers = new Map<string, number[]>();
const receiver = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
  request.on('end', () => {
    const path = request.url ?? '/';
    received.push({ path, headers: request.headers, body });
    response.statusCode = answers.get(path)?.shift() ?? 200;
    response.end();
  });
});
let receiverUrl = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
});
afterAll(() => {
  receiver.close();
});

const text = (s: string) => bytesToHex(new TextEncoder().encode(s));
const at = (path: string) => received.filter((r) => r.path === path);

async function register(path: string, types?: string[]): Promise<{ id: string; secret: string }> {
  const created = await cluster.call('POST', '/v1/webhooks', { url: `${receiverUrl}${path}`, ...(types ? { types } : {}) });
  expect(created.status).toBe(201);
  return created.body as { id: string; secret: string };
}

async function deliveries(id: string): Promise<{ id: string; eventType: string; eventSeq: number; status: string; attempts: number; lastStatus?: number; lastError?: string }[]> {
  return (await cluster.call('GET', `/v1/webhooks/${id}/deliveries`)).body.deliveries;
}

describe('cluster: webhooks', () => {
  it('posts the chosen events, signed after Standard Webhooks; a changed body, timestamp or secret fails verification', async () => {
    const key = await activeKey(cluster, 'eddsa-ed25519');
    const hook = await register('/signed', ['signature.*']);
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const listed = await cluster.call('GET', '/v1/webhooks');
    expect(listed.body.webhooks.find((w: { id: string }) => w.id === hook.id)).toMatchObject({ url: `${receiverUrl}/signed`, types: ['signature.created', 'signature.completed', 'signature.failed'] });
    expect(JSON.stringify(listed.body)).not.toContain(hook.secret);

    const signed = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message: text('webhooks: pay 3 to frank') });
    expect(signed.status).toBe(200);
    await waitFor(() => at('/signed').length >= 2, 10_000, 'two deliveries');
    const verifier = new Webhook(hook.secret);
    const bodies = at('/signed').map((r) => verifier.verify(r.body, r.headers as Record<string, string>) as { seq: number; type: string; subject: string });
    expect(bodies.map((b) => [b.type, b.subject]).sort()).toEqual([
      ['signature.completed', signed.body.id],
      ['signature.created', signed.body.id],
    ]);
    // The body is the event as the stream and the REST page show it.
    const completed = bodies.find((b) => b.type === 'signature.completed')!;
    const page = await cluster.call('GET', `/v1/events?after=${completed.seq - 1}&limit=1`);
    expect(page.body.events[0]).toEqual(completed);

    const delivery = at('/signed')[0]!;
    const headers = delivery.headers as Record<string, string>;
    expect(() => verifier.verify(delivery.body.replace('signature', 'signaturE'), headers)).toThrow();
    expect(() => verifier.verify(delivery.body, { ...headers, 'webhook-timestamp': String(Number(headers['webhook-timestamp']) + 1) })).toThrow();
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(delivery.body, headers)).toThrow();

    const records = await deliveries(hook.id);
    expect(records).toHaveLength(2);
    for (const r of records) expect(r).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 200 });
    expect(records.map((r) => r.id).sort()).toEqual(at('/signed').map((r) => r.headers['webhook-id']).sort());
  });

  it('retries a failing receiver with backoff under the same webhook-id, fails after the last attempt, and a replay delivers it', async () => {
    const key = await activeKey(cluster, 'schnorr-bip340');
    answers.set('/flaky', [500, 503]);
    const flaky = await register('/flaky', ['signature.completed']);
    const signed = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message: text('webhooks: flaky') });
    await waitFor(async () => (await deliveries(flaky.id))[0]?.status === 'delivered', 15_000, 'the delivery after two failures');
    const attempts = at('/flaky');
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((a) => a.headers['webhook-id'])).size).toBe(1);
    expect(JSON.parse(attempts[2]!.body)).toMatchObject({ type: 'signature.completed', subject: signed.body.id });
    expect((await deliveries(flaky.id))[0]).toMatchObject({ attempts: 3, lastStatus: 200 });

    answers.set('/down', [503, 503, 503]);
    const down = await register('/down', ['signature.completed']);
    const again = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message: text('webhooks: down') });
    await waitFor(async () => (await deliveries(down.id))[0]?.status === 'failed', 15_000, 'the delivery to fail');
    const failed = (await deliveries(down.id))[0]!;
    expect(failed).toMatchObject({ attempts: 3, lastStatus: 503, lastError: 'the receiver answered 503' });
    expect(at('/down')).toHaveLength(3);

    const replayed = await cluster.call('POST', `/v1/webhooks/${down.id}/deliveries/${failed.id}/replay`);
    expect([replayed.status, replayed.body.status, replayed.body.attempts]).toEqual([202, 'pending', 0]);
    await waitFor(async () => (await deliveries(down.id))[0]?.status === 'delivered', 10_000, 'the replay');
    const last = at('/down').at(-1)!;
    expect(last.headers['webhook-id']).toBe(failed.id);
    expect(new Webhook(down.secret).verify(last.body, last.headers as Record<string, string>)).toMatchObject({ subject: again.body.id });
    const audit = (await cluster.call('GET', '/v1/audit?limit=1000')).body.entries as { action: string; subject: string; details: Record<string, unknown> }[];
    expect(audit.find((e) => e.action === 'webhook.replayed' && e.subject === `webhook:${down.id}`)?.details).toMatchObject({ delivery: failed.id });
  });

  it('an unreachable receiver is recorded as such; a deleted webhook gets nothing more; a new one nothing from before', async () => {
    const key = await activeKey(cluster, 'eddsa-ed25519');
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const nowhere = (await cluster.call('POST', '/v1/webhooks', { url: `http://127.0.0.1:${port}/gone`, types: ['signature.created'] })).body as { id: string };
    const kept = await register('/kept', ['signature.created']);
    const dropped = await register('/dropped', ['signature.created']);
    expect((await cluster.call('DELETE', `/v1/webhooks/${dropped.id}`)).status).toBe(200);
    expect((await cluster.call('DELETE', `/v1/webhooks/${dropped.id}`)).body.error.code).toBe('WEBHOOK_NOT_FOUND');
    expect((await cluster.call('GET', `/v1/webhooks/${dropped.id}/deliveries`)).body.error.code).toBe('WEBHOOK_NOT_FOUND');

    const signed = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message: text('webhooks: after deletion') });
    await waitFor(() => at('/kept').length === 1, 10_000, 'the kept webhook');
    await waitFor(async () => (await deliveries(nowhere.id))[0]?.attempts === 1, 10_000, 'an attempt at the closed port');
    expect((await deliveries(nowhere.id))[0]!.lastError).toMatch(/^not reached \(/);
    // Only the event after its creation; nothing for the deleted one.
    expect(JSON.parse(at('/kept')[0]!.body)).toMatchObject({ type: 'signature.created', subject: signed.body.id });
    expect(at('/dropped')).toHaveLength(0);
    expect((await deliveries(kept.id)).map((d) => d.eventSeq)).toEqual([JSON.parse(at('/kept')[0]!.body).seq]);
    await cluster.call('DELETE', `/v1/webhooks/${nowhere.id}`);
  });

  it('only admins manage webhooks; a URL must be http(s) without credentials, and types known', async () => {
    const reader = await cluster.call('POST', '/v1/api-keys', { name: 'reader', scopes: ['keys:read', 'sign', 'audit:read', 'keys:create'] });
    const notAdmin = apiClient(() => cluster.url, reader.body.token);
    for (const [method, path, body] of [
      ['POST', '/v1/webhooks', { url: `${receiverUrl}/x` }],
      ['GET', '/v1/webhooks', undefined],
    ] as const) {
      expect((await notAdmin(method, path, body)).status, `${method} ${path}`).toBe(403);
    }
    for (const url of ['ftp://example.com/hook', 'http://user:pass@example.com/hook', 'not a url', '/relative']) {
      const refused = await cluster.call('POST', '/v1/webhooks', { url });
      expect([refused.status, refused.body.error.code], url).toEqual([400, 'VALIDATION_FAILED']);
    }
    const unknown = await cluster.call('POST', '/v1/webhooks', { url: `${receiverUrl}/x`, types: ['signature.done'] });
    expect(unknown.body.error.code).toBe('VALIDATION_FAILED');
    // The audit log has the origin, never the path (a receiver's token may be in it).
    await register('/secret-path-token', ['key.*']);
    const audit = JSON.stringify((await cluster.call('GET', '/v1/audit?limit=1000')).body.entries);
    expect(audit).toContain('webhook.created');
    expect(audit).not.toContain('secret-path-token');
  });
});
