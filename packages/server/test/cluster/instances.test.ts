/**
 * Several coordinator instances on real processes (issue 12): two instances sharing PostgreSQL,
 * Redis and NATS, with the nodes spread over them. Any instance answers anything; an instance
 * killed mid-request loses nothing (the client's retry on the other finishes the request); a
 * rolling restart of every process, one at a time, under continuous signing fails no request and
 * signs nothing twice, by the nodes' own logs.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@mpc-wallet/core';
import { type ProcessCluster, startProcessCluster } from './processes.js';
import { waitFor } from './local-cluster.js';
import { openEventStream } from './event-stream.js';
import { SCHEMES, type Scheme, continuousSigning, expectSignedOnce, signBody, signRetrying, verify } from './load.js';

const SHARED = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL && process.env.NATS_URL);
if (!SHARED) console.error('[instances] DATABASE_URL, REDIS_URL and NATS_URL are not all set: the multi-instance tests are SKIPPED');

let cluster: ProcessCluster;
beforeAll(async () => {
  if (!SHARED) return;
  cluster = await startProcessCluster({ coordinators: 2 });
  for (const i of [0, 1]) await waitFor(async () => (await cluster.callAt(i)('GET', '/readyz')).status === 200, 30_000, `instance ${i} ready`);
}, 180_000);
afterAll(async () => {
  if (process.env.MPC_TEST_LOGS && cluster) writeFileSync(process.env.MPC_TEST_LOGS, cluster.logs());
  await cluster?.stop();
});

async function activeKey(scheme: Scheme): Promise<{ id: string; publicKey: string }> {
  const r = await cluster.callAt(0)('POST', '/v1/keys', { scheme, threshold: 2, parties: 3 });
  expect([201, 202], JSON.stringify(r.body)).toContain(r.status);
  // The other instance follows the key generation the first one started.
  await waitFor(async () => (await cluster.callAt(1)('GET', `/v1/keys/${r.body.id}`)).body.status !== 'pending', 240_000, `${scheme} key`);
  const key = (await cluster.callAt(1)('GET', `/v1/keys/${r.body.id}`)).body;
  expect(key.status, JSON.stringify(key.failure)).toBe('active');
  return key;
}

/** Each process's "node online" log lines: which instance holds which node now. */
function holders(): Map<number, string> {
  const held = new Map<number, string>();
  for (const line of cluster.logs().split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { message?: string; node?: number; process?: string };
    if (entry.message === 'node online' && entry.node !== undefined && entry.process !== undefined) held.set(entry.node, entry.process);
  }
  return held;
}

describe.skipIf(!SHARED)(`two coordinator instances${SHARED ? '' : ' (skipped: needs DATABASE_URL, REDIS_URL and NATS_URL)'}`, () => {
  it('the nodes spread over both instances; every scheme signs through either with nodes of both; either answers for the other’s requests', async () => {
    expect(Object.fromEntries(holders())).toEqual({ 1: 'coordinator', 2: 'coordinator-2', 3: 'coordinator' });
    for (const i of [0, 1]) {
      const ready = await cluster.callAt(i)('GET', '/readyz');
      expect(ready.body).toEqual({ status: 'ready', nodesOnline: 3, dependencies: { metadata: 'up', sessions: 'up', bus: 'up' } });
    }
    for (const scheme of SCHEMES) {
      const key = await activeKey(scheme);
      for (const [instance, signers] of [
        [0, [1, 2]],
        [1, [1, 2]],
        [1, [2, 3]],
        [0, [1, 3]],
      ] as const) {
        const message = bytesToHex(new TextEncoder().encode(`${scheme} via ${instance} by ${signers.join('+')}`));
        const r = await cluster.callAt(instance)('POST', `/v1/keys/${key.id}/signatures`, { ...signBody(scheme, message), signers });
        expect(r.status, `${scheme} via instance ${instance}, signers ${signers.join(',')}: ${JSON.stringify(r.body)}`).toBe(200);
        expect(verify(scheme, key.publicKey, message, r.body.signature)).toBe(true);
        const elsewhere = await cluster.callAt(1 - instance)('GET', `/v1/signatures/${r.body.id}`);
        expect(elsewhere.body).toMatchObject({ id: r.body.id, status: 'completed' });
      }
    }
  }, 600_000);

  it('an event stream on one instance shows what the other did: its stored events, and its nodes’ progress through the bus', async () => {
    const stream = await openEventStream(cluster.urlAt(1), cluster.apiKey);
    try {
      await stream.until((frames) => frames.some((f) => f.ready), 'the stream to be ready');
      const created = await cluster.callAt(0)('POST', '/v1/keys', { scheme: 'eddsa-ed25519', threshold: 2, parties: 3 });
      const keyId = created.body.id as string;
      await stream.until((frames) => frames.some((f) => f.event?.type === 'key.completed' && f.event.subject === keyId), 'key.completed from the other instance', 60_000);
      expect(stream.events().some((e) => e.type === 'key.progress' && e.subject === keyId && e.seq === undefined)).toBe(true);
      const message = bytesToHex(new TextEncoder().encode('streamed elsewhere'));
      const signed = await cluster.callAt(0)('POST', `/v1/keys/${keyId}/signatures`, { message });
      expect(signed.status).toBe(200);
      await stream.until((frames) => frames.some((f) => f.event?.type === 'signature.completed' && f.event.subject === signed.body.id), 'signature.completed from the other instance', 10_000);
      const seqs = stream.events().flatMap((e) => (e.seq === undefined ? [] : [e.seq]));
      expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
    } finally {
      await stream.close();
    }
  }, 120_000);

  it('an instance killed with SIGKILL mid-request: the retry with the same idempotency key on the other completes, and every later retry gets the same signature', async () => {
    const key = await activeKey('ecdsa-secp256k1');
    const message = bytesToHex(new TextEncoder().encode('killed mid-request'));
    // A raw digest is signed with a presignature made for it: rounds that take long enough to be cut.
    const digest = bytesToHex(sha256(hexToBytes(message)));
    const inFlight = cluster
      .callAt(1)('POST', `/v1/keys/${key.id}/signatures`, { digest }, { 'idempotency-key': 'kill-1' })
      .catch((e: unknown) => e as Error);
    await new Promise((r) => setTimeout(r, 300));
    await cluster.killCoordinator('SIGKILL', 1);
    expect(await inFlight).toBeInstanceOf(Error);
    const { reply } = await signRetrying(cluster, key.id, { digest }, 'kill-1', 0);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(secp256k1.verify(hexToBytes(reply.body.signature), hexToBytes(digest), hexToBytes(key.publicKey), { prehash: false })).toBe(true);
    await cluster.startCoordinator(1);
    await waitFor(async () => (await cluster.callAt(1)('GET', '/readyz')).status === 200, 30_000, 'instance 1 back');
    for (const i of [0, 1]) expect((await signRetrying(cluster, key.id, { digest }, 'kill-1', i)).reply.body).toEqual(reply.body);
  }, 600_000);

  it('a rolling restart of every instance and every node under continuous signing: no non-retriable error, every request completes, nothing signed twice by the nodes’ own logs', async () => {
    const keys = await Promise.all((['eddsa-ed25519', 'schnorr-bip340'] as const).map(async (scheme) => ({ scheme, ...(await activeKey(scheme)) })));
    const load = continuousSigning(cluster, keys, 'rolling');
    const settle = () => new Promise((r) => setTimeout(r, 1_500));
    await settle();
    for (const i of [0, 1]) {
      await cluster.killCoordinator('SIGTERM', i);
      await settle();
      await cluster.startCoordinator(i);
      await waitFor(async () => (await cluster.callAt(i)('GET', '/readyz').catch(() => undefined))?.status === 200, 30_000, `instance ${i} back`);
      await settle();
    }
    for (const id of [1, 2, 3]) {
      await cluster.killNode(id, 'SIGTERM');
      await settle();
      await cluster.startNode(id);
      await waitFor(async () => (await cluster.onlineNodes()).length === 3, 60_000, `node ${id} back`);
      await settle();
    }
    const done = await load.stop();
    expect(done.length).toBeGreaterThan(20);
    await expectSignedOnce(cluster, done);
  }, 900_000);
});
