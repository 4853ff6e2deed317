/**
 * Several coordinator instances on real processes (issue 12): two instances sharing PostgreSQL,
 * Redis and NATS, with the nodes spread over them. Any instance answers anything; an instance
 * killed mid-request loses nothing (the client's retry on the other finishes the request); a
 * rolling restart of every process, one at a time, under continuous signing fails no request and
 * signs nothing twice, by the nodes' own logs.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@mpc-wallet/core';
import { type ProcessCluster, startProcessCluster } from './processes.js';
import { waitFor } from './local-cluster.js';
import type { Reply } from './http.js';

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

const SCHEMES = ['eddsa-ed25519', 'schnorr-bip340', 'ecdsa-secp256k1'] as const;
type Scheme = (typeof SCHEMES)[number];

function verify(scheme: Scheme, publicKey: string, message: string, signature: string): boolean {
  if (scheme === 'eddsa-ed25519') return ed25519.verify(hexToBytes(signature), hexToBytes(message), hexToBytes(publicKey));
  if (scheme === 'schnorr-bip340') return schnorr.verify(hexToBytes(signature), hexToBytes(message), hexToBytes(publicKey));
  return secp256k1.verify(hexToBytes(signature), sha256(hexToBytes(message)), hexToBytes(publicKey), { prehash: false });
}

const body = (scheme: Scheme, message: string) => (scheme === 'ecdsa-secp256k1' ? { message, hash: 'sha256' } : { message });

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

/**
 * Signs as a client behind a load balancer would: one instance, then on a retriable answer or no
 * answer at all, the next, with the same idempotency key, until it completes or time runs out.
 * Any non-retriable answer is returned at once.
 */
async function signRetrying(keyId: string, request: object, idempotencyKey: string, firstInstance: number, deadlineMs = 60_000): Promise<{ reply: Reply; attempts: number }> {
  const deadline = Date.now() + deadlineMs;
  for (let attempt = 0; ; attempt++) {
    const instance = (firstInstance + attempt) % cluster.instances;
    const reply = await cluster
      .callAt(instance)('POST', `/v1/keys/${keyId}/signatures`, request, { 'idempotency-key': idempotencyKey })
      .catch((): undefined => undefined);
    const retriable = reply === undefined || reply.status === 502 || reply.status === 503 || reply.body?.error?.retriable === true;
    if (reply && !retriable) return { reply, attempts: attempt + 1 };
    if (Date.now() > deadline) throw new Error(`request ${idempotencyKey} still retriable after ${attempt + 1} attempts: ${JSON.stringify(reply?.body)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
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
        const r = await cluster.callAt(instance)('POST', `/v1/keys/${key.id}/signatures`, { ...body(scheme, message), signers });
        expect(r.status, `${scheme} via instance ${instance}, signers ${signers.join(',')}: ${JSON.stringify(r.body)}`).toBe(200);
        expect(verify(scheme, key.publicKey, message, r.body.signature)).toBe(true);
        const elsewhere = await cluster.callAt(1 - instance)('GET', `/v1/signatures/${r.body.id}`);
        expect(elsewhere.body).toMatchObject({ id: r.body.id, status: 'completed' });
      }
    }
  }, 600_000);

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
    const { reply } = await signRetrying(key.id, { digest }, 'kill-1', 0);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(secp256k1.verify(hexToBytes(reply.body.signature), hexToBytes(digest), hexToBytes(key.publicKey), { prehash: false })).toBe(true);
    await cluster.startCoordinator(1);
    await waitFor(async () => (await cluster.callAt(1)('GET', '/readyz')).status === 200, 30_000, 'instance 1 back');
    for (const i of [0, 1]) expect((await signRetrying(key.id, { digest }, 'kill-1', i)).reply.body).toEqual(reply.body);
  }, 600_000);

  it('a rolling restart of every instance and every node under continuous signing: no non-retriable error, every request completes, nothing signed twice by the nodes’ own logs', async () => {
    const keys = await Promise.all((['eddsa-ed25519', 'schnorr-bip340'] as const).map(async (scheme) => ({ scheme, ...(await activeKey(scheme)) })));
    const done: { scheme: Scheme; keyId: string; publicKey: string; message: string; reply: Reply }[] = [];
    let stop = false;
    let sequence = 0;
    const client = async (worker: number) => {
      while (!stop) {
        const n = sequence++;
        const key = keys[n % keys.length]!;
        const message = bytesToHex(new TextEncoder().encode(`rolling ${n}`));
        const { reply } = await signRetrying(key.id, { message }, `rolling-${n}`, (worker + n) % cluster.instances, 120_000);
        done.push({ scheme: key.scheme, keyId: key.id, publicKey: key.publicKey, message, reply });
      }
    };
    const clients = [0, 1, 2, 3].map(client);
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
    stop = true;
    await Promise.all(clients);
    expect(done.length).toBeGreaterThan(20);
    for (const d of done) {
      expect(d.reply.status, JSON.stringify(d.reply.body)).toBe(200);
      expect(verify(d.scheme, d.publicKey, d.message, d.reply.body.signature)).toBe(true);
    }
    // The nodes' own logs: of each request, exactly one signature was made (a nonce commitment R
    // that a quorum of two nodes signed under), and it is the one the client got. A node logs a
    // whole signature, or its share after R when the coordinator aggregates (R is then 33 bytes
    // on secp256k1, whose x the BIP340 signature carries).
    const rOf = (hex: string) => (hex.length === 130 ? hex.slice(2, 66) : hex.slice(0, 64));
    const answered = new Map(done.map((d) => [d.reply.body.id as string, rOf(d.reply.body.signature as string)]));
    const signers = new Map<string, Map<string, Set<number>>>();
    for (const node of [1, 2, 3]) {
      for (const entry of await cluster.signatureLog(node)) {
        if (!answered.has(entry.requestId)) continue;
        const byR = signers.get(entry.requestId) ?? new Map<string, Set<number>>();
        const r = rOf(entry.signature);
        byR.set(r, (byR.get(r) ?? new Set()).add(node));
        signers.set(entry.requestId, byR);
      }
    }
    for (const [request, r] of answered) {
      const made = [...(signers.get(request) ?? new Map<string, Set<number>>())].filter(([, nodes]) => nodes.size >= 2).map(([made]) => made);
      expect(made, `request ${request}`).toEqual([r]);
    }
  }, 900_000);
});
