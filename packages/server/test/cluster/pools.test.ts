/**
 * Nonce and presignature pools in a whole cluster: warm pools serve signatures in one online round,
 * concurrent signatures never share a nonce or presignature, a taken item is refused by its node,
 * a pool that lists gone items falls back to the unpooled path, and a raw digest never uses a
 * pooled presignature.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, hexToBytes } from '@mpc-wallet/core';
import { noncePool, presignPool } from '../../src/coordinator/pools.js';
import { type SessionRequest, signRequest } from '../../src/session/request.js';
import type { KeyRecord } from '../../src/stores/types.js';
import type { RequestResult } from '../../src/session/request.js';
import { coordinatorPublicKeys } from '../../src/index.js';
import { PASSPHRASE, TEST_SCRYPT, activeKey, clusterForFile, waitFor } from './local-cluster.js';

const cluster = clusterForFile({ pools: { nonceDepth: 40, presignDepth: 3, presignBatch: 1, intervalMs: 100, itemTimeoutMs: 30_000 } });
let requestKey: Uint8Array;
beforeAll(async () => {
  requestKey = (await coordinatorPublicKeys(join(cluster.home, 'coordinator'), PASSPHRASE, TEST_SCRYPT)).requestKey;
});

const message = bytesToHex(new TextEncoder().encode('transfer 1 BTC to bc1q…'));
type Key = Awaited<ReturnType<typeof activeKey>>;

/** The coordinator's view of a key, for the pools (they read id, scheme, version, parties, threshold). */
function record(key: Key, scheme: KeyRecord['scheme']): KeyRecord {
  return { ...key, scheme, parties: key.committee, threshold: 2 } as unknown as KeyRecord;
}

const poolSize = (pool: string) => cluster.coordinator.sessions.poolSize(pool);

/** Waits until the API reports at least `depth` nonces pooled on each of `nodes`. */
async function warmNonces(key: Key, nodes: number[], depth: number) {
  await waitFor(
    async () => {
      const r = await cluster.call('GET', `/v1/keys/${key.id}/pools`);
      return r.status === 200 && nodes.every((n) => (r.body.nonces as { node: number; size: number }[]).find((p) => p.node === n)!.size >= depth);
    },
    60_000,
    'warm nonce pools',
  );
}

/** A request signed with the coordinator's request key, sent straight to nodes (what a coordinator bug or replay would send). */
async function handMade(nodes: number[], body: Record<string, unknown>): Promise<RequestResult[]> {
  const now = Date.now();
  const signed = signRequest({ ...body, id: `hand-${randomBytes(4).toString('hex')}`, session: bytesToHex(randomBytes(32)), issuedAt: now, expiresAt: now + 60_000 } as SessionRequest, requestKey);
  return Promise.all(nodes.map((n) => cluster.coordinator.hub.request(n, signed, 30_000)));
}

const codes = (results: RequestResult[]) => results.map((r) => (r.ok ? 'ok' : r.error.code));

describe('cluster: pools', () => {
  it('FROST with warm pools: each signer sends its share, the coordinator aggregates (EdDSA, BIP340); noble verifies', async () => {
    for (const [scheme, verify] of [
      ['eddsa-ed25519', ed25519.verify],
      ['schnorr-bip340', schnorr.verify],
    ] as const) {
      const key = await activeKey(cluster, scheme);
      await warmNonces(key, [1, 2], 1);
      const levels = await cluster.call('GET', `/v1/keys/${key.id}/pools`);
      expect(levels.body).toMatchObject({ keyId: key.id, version: key.version, enabled: true });
      expect(levels.body.nonces.map((p: { node: number; depth: number }) => [p.node, p.depth])).toEqual([[1, 40], [2, 40], [3, 40]]);
      const r = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body).toMatchObject({ pooled: true, signers: [1, 2] });
      expect(r.body.timing).toBeUndefined();
      // Where the time went: the coordinator's stages, then the signers' own.
      const stages = new Map(r.headers.get('server-timing')!.split(', ').map((e) => [e.split(';')[0], Number(e.split('dur=')[1])] as const));
      // The coordinator aggregates the shares: no protocol runs between the nodes.
      expect([...stages.keys()]).toEqual(expect.arrayContaining(['record', 'pool', 'nodes', 'verify', 'finish', 'node-check', 'node-store', 'node-compute', 'node-total']));
      expect(stages.has('node-protocol')).toBe(false);
      expect([...stages.values()].every((ms) => ms >= 0)).toBe(true);
      expect(stages.get('node-compute')!).toBeLessThan(stages.get('node-total')!);
      expect(stages.get('node-total')!).toBeLessThan(stages.get('nodes')!);
      expect(verify(hexToBytes(r.body.signature), hexToBytes(message), hexToBytes(key.publicKey))).toBe(true);
    }
  }, 120_000);

  it('100 concurrent signatures with one key: 100 distinct nonces, all verify', async () => {
    const key = await activeKey(cluster, 'eddsa-ed25519');
    await warmNonces(key, [1, 2], 40);
    const messages = Array.from({ length: 100 }, (_, i) => bytesToHex(new TextEncoder().encode(`payment ${i}`)));
    const replies = await Promise.all(messages.map((m) => cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message: m })));
    expect(replies.map((r) => r.status)).toEqual(messages.map(() => 200));
    replies.forEach((r, i) => expect(ed25519.verify(hexToBytes(r.body.signature), hexToBytes(messages[i]!), hexToBytes(key.publicKey))).toBe(true));
    // An Ed25519 signature is R ‖ s: distinct R, distinct group nonces.
    expect(new Set(replies.map((r) => (r.body.signature as string).slice(0, 64))).size).toBe(100);
    expect(replies.filter((r) => r.body.pooled).length).toBeGreaterThanOrEqual(40);
  }, 180_000);

  it('a batch of 30 messages: the signatures come back in order, pooled, in a few shared node requests instead of 30', async () => {
    const key = await activeKey(cluster, 'eddsa-ed25519');
    await warmNonces(key, [1, 2], 40);
    const hub = cluster.coordinator.hub;
    const kinds: string[] = [];
    const request = hub.request.bind(hub);
    hub.request = (node, signed, timeoutMs, ref) => {
      if (node === 1) kinds.push((JSON.parse(signed.request) as { kind: string }).kind);
      return request(node, signed, timeoutMs, ref);
    };
    const messages = Array.from({ length: 30 }, (_, i) => bytesToHex(new TextEncoder().encode(`batch item ${i}`)));
    let r;
    try {
      r = await cluster.call('POST', `/v1/keys/${key.id}/signatures:batch`, { messages }, { 'idempotency-key': 'batch-1' });
    } finally {
      hub.request = request;
    }
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.signatures).toHaveLength(30);
    r.body.signatures.forEach((s: { signature: string; pooled: boolean }, i: number) => {
      expect(s.pooled).toBe(true);
      expect(ed25519.verify(hexToBytes(s.signature), hexToBytes(messages[i]!), hexToBytes(key.publicKey))).toBe(true);
      expect(ed25519.verify(hexToBytes(s.signature), hexToBytes(messages[(i + 1) % 30]!), hexToBytes(key.publicKey))).toBe(false);
    });
    const shares = kinds.filter((k) => k === 'sign-shares').length;
    expect(shares).toBeGreaterThan(0);
    expect(shares).toBeLessThanOrEqual(4);
    // The same idempotency key replays each item's first signature.
    const again = await cluster.call('POST', `/v1/keys/${key.id}/signatures:batch`, { messages }, { 'idempotency-key': 'batch-1' });
    expect(again.body.signatures.map((s: { signature: string }) => s.signature)).toEqual(r.body.signatures.map((s: { signature: string }) => s.signature));
    // Every item is checked before any is signed; the error names the item.
    const bad = await cluster.call('POST', `/v1/keys/${key.id}/signatures:batch`, { messages: ['00', '11'], hash: 'sha256' });
    expect([bad.status, bad.body.error.code, bad.body.error.message]).toEqual([400, 'UNSUPPORTED_FOR_SCHEME', expect.stringMatching(/^item 0: /)]);
    for (const body of [{ messages: [] }, { messages: ['0g'] }, { messages: ['00'], digests: ['00'.repeat(32)] }, {}]) {
      const refused = await cluster.call('POST', `/v1/keys/${key.id}/signatures:batch`, body);
      expect([refused.status, refused.body.error.code], JSON.stringify(body)).toEqual([400, 'VALIDATION_FAILED']);
    }
  }, 120_000);

  it('a taken nonce commitment is refused by its node; a pool listing gone items falls back to the unpooled path', async () => {
    const key = await activeKey(cluster, 'eddsa-ed25519');
    await warmNonces(key, [1, 2], 1);
    const pools = cluster.coordinator.pools!;
    const claimed = await pools.claim(record(key, 'eddsa-ed25519'), [1, 2], { message });
    expect(claimed).toBeDefined();
    const body = { kind: 'sign', keyId: key.id, version: key.version, signers: [1, 2], message, ...claimed };
    const first = await handMade([1, 2], body);
    expect(codes(first)).toEqual(['ok', 'ok']);
    const signature = (first[0] as Extract<RequestResult, { ok: true }>).output.signature as string;
    expect(ed25519.verify(hexToBytes(signature), hexToBytes(message), hexToBytes(key.publicKey))).toBe(true);
    expect(codes(await handMade([1, 2], body))).toEqual(['POOL_ITEM_GONE', 'POOL_ITEM_GONE']);

    // The pools list only the spent commitments now (as after a node lost its store).
    pools.stop();
    try {
      const { commitments } = claimed as { commitments: string[] };
      for (const [i, n] of [1, 2].entries()) {
        await cluster.coordinator.sessions.dropPool(noncePool(key.id, key.version, n));
        await cluster.coordinator.sessions.pushPool(noncePool(key.id, key.version, n), [Buffer.from(commitments[i]!, 'hex').toString('base64')]);
      }
      const r = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.pooled).toBe(false);
      expect(ed25519.verify(hexToBytes(r.body.signature), hexToBytes(message), hexToBytes(key.publicKey))).toBe(true);
      expect([await poolSize(noncePool(key.id, key.version, 1)), await poolSize(noncePool(key.id, key.version, 2))]).toEqual([0, 0]);
    } finally {
      pools.start();
    }
  }, 120_000);

  it('refresh: the old version pools go, the new version refills and signs pooled', async () => {
    const key = await activeKey(cluster, 'schnorr-bip340');
    await warmNonces(key, [1, 2], 1);
    const r = await cluster.call('POST', `/v1/keys/${key.id}/refresh`);
    expect(r.status).toBe(200);
    expect(await poolSize(noncePool(key.id, 1, 1))).toBe(0);
    const refreshed = { ...key, version: 2 };
    await warmNonces(refreshed, [1, 2], 1);
    const s = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message });
    expect(s.body).toMatchObject({ pooled: true });
    expect(schnorr.verify(hexToBytes(s.body.signature), hexToBytes(message), hexToBytes(key.publicKey))).toBe(true);
  }, 120_000);

  it('ECDSA: a message signs with a pooled presignature; a raw digest never does', async () => {
    const key = await activeKey(cluster, 'ecdsa-secp256k1');
    const pool = presignPool(key.id, key.version, [1, 2]);
    await waitFor(async () => (await poolSize(pool)) >= 1, 120_000, 'a pooled presignature');
    const r = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message, hash: 'keccak256' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.pooled).toBe(true);
    const digest = keccak_256(hexToBytes(message));
    expect(secp256k1.verify(hexToBytes(r.body.signature), digest, hexToBytes(key.publicKey), { prehash: false })).toBe(true);

    await waitFor(async () => (await poolSize(pool)) >= 1, 120_000, 'a pooled presignature');
    const raw = bytesToHex(randomBytes(32));
    const r2 = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { digest: raw });
    expect(r2.status, JSON.stringify(r2.body)).toBe(200);
    expect(r2.body).toMatchObject({ pooled: false, presignature: 'made-for-this-digest' });
    expect(secp256k1.verify(hexToBytes(r2.body.signature), hexToBytes(raw), hexToBytes(key.publicKey), { prehash: false })).toBe(true);

    // By hand: a pooled presignature with a raw digest is refused before anything is taken;
    // with a message it signs once, and is gone after.
    await waitFor(async () => (await poolSize(pool)) >= 1, 120_000, 'a pooled presignature');
    const claimed = (await cluster.coordinator.pools!.claim(record(key, 'ecdsa-secp256k1'), [1, 2], { message })) as { presignature: string };
    const common = { kind: 'sign', keyId: key.id, version: key.version, signers: [1, 2], presignature: claimed.presignature };
    expect(codes(await handMade([1, 2], { ...common, digest: raw }))).toEqual(['MALFORMED_REQUEST', 'MALFORMED_REQUEST']);
    const once = await handMade([1, 2], { ...common, message, hash: 'sha256' });
    expect(codes(once)).toEqual(['ok', 'ok']);
    expect(codes(await handMade([1, 2], { ...common, message, hash: 'sha256' }))).toEqual(['POOL_ITEM_GONE', 'POOL_ITEM_GONE']);

    // Concurrent signatures never share a presignature: distinct r (= R.x), all verify.
    const messages = Array.from({ length: 6 }, (_, i) => bytesToHex(new TextEncoder().encode(`ecdsa payment ${i}`)));
    const replies = await Promise.all(messages.map((m) => cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message: m, hash: 'sha256d' })));
    expect(replies.map((x) => x.status)).toEqual(messages.map(() => 200));
    replies.forEach((x) => expect(secp256k1.verify(hexToBytes(x.body.signature), hexToBytes(x.body.digest), hexToBytes(key.publicKey), { prehash: false })).toBe(true));
    expect(new Set(replies.map((x) => (x.body.signature as string).slice(0, 64))).size).toBe(messages.length);
  }, 420_000);
});
