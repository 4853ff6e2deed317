import { describe, expect, it } from 'vitest';
import { bytesToHex } from '@mpc-wallet/core';
import { activeKey, clusterForFile, waitFor } from './local-cluster.js';
import { apiClient } from './http.js';
import { type StreamedEvent, openEventStream } from './event-stream.js';

// Streams re-check their credentials every half second here (30 s by default).
const cluster = clusterForFile({ events: { recheckMs: 500 } });

const text = (s: string) => bytesToHex(new TextEncoder().encode(s));

async function sign(keyId: string, message: string): Promise<string> {
  const signed = await cluster.call('POST', `/v1/keys/${keyId}/signatures`, { message: text(message) });
  expect(signed.status).toBe(200);
  return signed.body.id as string;
}

/** Seqs strictly increasing: in order, none twice. */
function expectOrdered(events: StreamedEvent[]): void {
  const seqs = events.map((e) => e.seq!);
  for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
}

describe('cluster: event stream (WebSocket /v1/events)', () => {
  it('refuses the upgrade without a valid key, without the scope, and for an unknown event type', async () => {
    await expect(openEventStream(cluster.url, 'not-a-key')).rejects.toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
    const signer = await cluster.call('POST', '/v1/api-keys', { name: 'signer only', scopes: ['sign'] });
    await expect(openEventStream(cluster.url, signer.body.token)).rejects.toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    await expect(openEventStream(cluster.url, cluster.apiKey, '?types=signature.done')).rejects.toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    await expect(openEventStream(cluster.url, cluster.apiKey, '?after=-1')).rejects.toMatchObject({ status: 400 });
  });

  it('streams key and signature events live, and a reconnect with the last seq resumes exactly where it left off', async () => {
    const live = await openEventStream(cluster.url, cluster.apiKey);
    await live.until((f) => f.some((x) => x.ready), 'ready');

    const key = await activeKey(cluster, 'eddsa-ed25519');
    const first = await sign(key.id, 'events: first');
    await live.until(() => live.events().some((e) => e.type === 'signature.completed' && e.subject === first), 'the first signature completed');
    // Stored events only (progress comes when a pool is empty: live, without a seq).
    const stored = (events: StreamedEvent[]) => events.filter((e) => e.seq !== undefined);
    const seen = stored(live.events());
    expect(seen.map((e) => [e.type, e.subject])).toEqual([
      ['key.created', key.id],
      ['key.completed', key.id],
      ['signature.created', first],
      ['signature.completed', first],
    ]);
    expect(seen[1]!.data).toMatchObject({ publicKey: key.publicKey, version: 1 });
    expect(seen[3]!.data).toMatchObject({ keyId: key.id, scheme: 'eddsa-ed25519', signers: expect.any(Array), pooled: expect.any(Boolean) });
    expectOrdered(seen);
    const cursor = seen.at(-1)!.seq;
    await live.close();

    // Missed while disconnected: two more signatures.
    const missed = [await sign(key.id, 'events: second'), await sign(key.id, 'events: third')];
    const resumed = await openEventStream(cluster.url, cluster.apiKey, `?after=${cursor}`);
    await resumed.until((f) => f.some((x) => x.ready), 'ready after the backlog');
    const backlog = stored(resumed.events());
    expect(backlog.map((e) => [e.type, e.subject])).toEqual([
      ['signature.created', missed[0]],
      ['signature.completed', missed[0]],
      ['signature.created', missed[1]],
      ['signature.completed', missed[1]],
    ]);
    expect(backlog[0]!.seq!).toBeGreaterThan(cursor!);
    expect(resumed.frames.find((f) => f.ready)!.ready!.seq).toBe(backlog.at(-1)!.seq);
    // The REST page from the same cursor says the same.
    const page = await cluster.call('GET', `/v1/events?after=${cursor}&types=signature.*`);
    expect(page.body.events).toEqual(backlog);
    expect(page.body.next).toBe(backlog.at(-1)!.seq);

    // Then live again, after the backlog, with no seq twice.
    const after = await sign(key.id, 'events: fourth');
    await resumed.until(() => resumed.events().some((e) => e.type === 'signature.completed' && e.subject === after), 'the live signature');
    expectOrdered(stored(resumed.events()));
    expect(stored(resumed.events())).toHaveLength(6);
    await resumed.close();
  });

  it('filters by type and family, and reports nodes going offline and online', async () => {
    const nodes = await openEventStream(cluster.url, cluster.apiKey, '?types=node.*');
    const completed = await openEventStream(cluster.url, cluster.apiKey, '?types=signature.completed');
    await nodes.until((f) => f.some((x) => x.ready), 'ready');
    await completed.until((f) => f.some((x) => x.ready), 'ready');
    await cluster.stopNode(3);
    await nodes.until(() => nodes.events().some((e) => e.type === 'node.offline' && e.subject === 'node:3'), 'node 3 offline');
    await cluster.startNode(3);
    await nodes.until(() => nodes.events().some((e) => e.type === 'node.online' && e.subject === 'node:3'), 'node 3 online');
    await waitFor(() => cluster.coordinator.hub.onlineNodes().length === 3, 10_000, 'node 3 back');

    const key = await activeKey(cluster, 'schnorr-bip340');
    const id = await sign(key.id, 'events: filtered');
    await completed.until(() => completed.events().some((e) => e.subject === id), 'the completed signature');
    expect(new Set(nodes.events().map((e) => e.type))).toEqual(new Set(['node.offline', 'node.online']));
    expect(completed.events().every((e) => e.type === 'signature.completed')).toBe(true);
    await nodes.close();
    await completed.close();
  });

  it('streams the rounds nodes report while a key is made and a signature computed, live only', async () => {
    const stream = await openEventStream(cluster.url, cluster.apiKey, '?types=key.progress,key.completed,signature.*');
    await stream.until((f) => f.some((x) => x.ready), 'ready');
    const key = await activeKey(cluster, 'schnorr-bip340');
    await stream.until(() => stream.events().some((e) => e.type === 'key.completed' && e.subject === key.id), 'the key');
    const made = stream.events().filter((e) => e.subject === key.id);
    const rounds = made.filter((e) => e.type === 'key.progress');
    // Every committee member reports its rounds of the DKG, before the key is complete; none has a seq.
    expect(new Set(rounds.map((e) => e.data.node))).toEqual(new Set(key.committee));
    expect(rounds.every((e) => e.seq === undefined && Number(e.data.round) >= 1 && typeof e.data.protocol === 'string')).toBe(true);
    expect(made.at(-1)!.type).toBe('key.completed');

    // A derived key signs through the nodes' own protocol: its rounds are the signature's progress.
    const signed = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message: text('events: derived'), path: 'm/0/1' });
    expect(signed.status).toBe(200);
    await stream.until(() => stream.events().some((e) => e.type === 'signature.completed' && e.subject === signed.body.id), 'the signature');
    const types = stream.events().filter((e) => e.subject === signed.body.id).map((e) => e.type);
    expect(types[0]).toBe('signature.created');
    expect(types).toContain('signature.progress');
    expect(types.at(-1)).toBe('signature.completed');
    await stream.close();

    // Not stored: a resumed stream and the REST page have none.
    const page = await cluster.call('GET', `/v1/events?after=0&limit=1000&types=key.progress,signature.progress`);
    expect(page.body.events).toEqual([]);
    // Nor posted: a webhook cannot ask for them.
    const hook = await cluster.call('POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/hook', types: ['key.progress'] });
    expect(hook.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('a failed signature request is an event that names its error', async () => {
    const key = await activeKey(cluster, 'eddsa-ed25519');
    const stream = await openEventStream(cluster.url, cluster.apiKey, '?types=signature.failed');
    await stream.until((f) => f.some((x) => x.ready), 'ready');
    await cluster.stopNode(2);
    await cluster.stopNode(3);
    try {
      const refused = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message: text('events: no quorum') });
      expect(refused.body.error.code).toBe('NOT_ENOUGH_NODES');
      await stream.until(() => stream.events().length > 0, 'the failure event');
      expect(stream.events()[0]).toMatchObject({ type: 'signature.failed', data: { keyId: key.id, code: 'NOT_ENOUGH_NODES' } });
    } finally {
      await cluster.startNode(2);
      await cluster.startNode(3);
      await waitFor(() => cluster.coordinator.hub.onlineNodes().length === 3, 10_000, 'nodes back');
      await stream.close();
    }
  });

  it('a session token opens a stream too; revoking the key closes its streams; the REST page needs the scope', async () => {
    const session = await cluster.call('POST', '/v1/sessions', { scopes: ['keys:read'] });
    expect(session.status).toBe(201);
    const stream = await openEventStream(cluster.url, session.body.token, '?after=0&types=key.created');
    await stream.until((f) => f.some((x) => x.ready), 'ready');
    expect(stream.events().length).toBeGreaterThan(0);
    await stream.close();
    // Revoking the key ends the streams it opened, its sessions' too, at their next check.
    const reader = await cluster.call('POST', '/v1/api-keys', { name: 'stream reader', scopes: ['keys:read'] });
    const readerSession = await apiClient(() => cluster.url, reader.body.token)('POST', '/v1/sessions', {});
    const direct = await openEventStream(cluster.url, reader.body.token);
    const viaSession = await openEventStream(cluster.url, readerSession.body.token);
    await direct.until((f) => f.some((x) => x.ready), 'ready');
    expect((await cluster.call('DELETE', `/v1/api-keys/${reader.body.prefix}`)).status).toBe(200);
    for (const s of [direct, viaSession]) {
      expect(await s.closed).toEqual({ code: 1008, reason: 'UNAUTHORIZED' });
      expect(s.frames.at(-1)).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    }

    const signer = await cluster.call('POST', '/v1/api-keys', { name: 'signer, no reads', scopes: ['sign'] });
    const refused = await apiClient(() => cluster.url, signer.body.token)('GET', '/v1/events');
    expect([refused.status, refused.body.error.code]).toEqual([403, 'FORBIDDEN']);
  });
});
