import { describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@mpc-wallet/core';
import { activeKey as newActiveKey, clusterForFile, waitFor } from './local-cluster.js';

const cluster = clusterForFile();

/** A new 2-of-3 key of `scheme`, active at version 1. */
async function activeKey(scheme: string) {
  const key = await newActiveKey(cluster, scheme);
  expect(key).toMatchObject({ scheme, threshold: 2, parties: 3, status: 'active', version: 1 });
  return key;
}

const message = bytesToHex(new TextEncoder().encode('transfer 1 BTC to bc1q…'));

describe('cluster: keys and signatures over HTTP', () => {
  it('health, readiness and the node list', async () => {
    expect((await cluster.call('GET', '/healthz')).status).toBe(200);
    expect((await cluster.call('GET', '/readyz')).status).toBe(200);
    const nodes = await cluster.call('GET', '/v1/nodes');
    expect(nodes.status).toBe(200);
    expect(nodes.body.map((n: { status: string }) => n.status)).toEqual(['online', 'online', 'online']);
    expect(nodes.body[0].noisePublicKey).toBe(cluster.manifest.nodes[0]!.noisePublicKey);
  });

  it('EdDSA: a 2-of-3 key signs, and the signature verifies with noble', async () => {
    const key = await activeKey('eddsa-ed25519');
    const r = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message });
    expect(r.status).toBe(200);
    expect(r.body.signers).toHaveLength(2);
    expect(ed25519.verify(hexToBytes(r.body.signature), hexToBytes(message), hexToBytes(key.publicKey))).toBe(true);
  }, 60_000);

  it('BIP340: plain BIP340 under the x-only key, verified with noble', async () => {
    const key = await activeKey('schnorr-bip340');
    expect(key.publicKey).toHaveLength(64);
    const r = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message });
    expect(r.status).toBe(200);
    expect(schnorr.verify(hexToBytes(r.body.signature), hexToBytes(message), hexToBytes(key.publicKey))).toBe(true);
  }, 60_000);

  it('ECDSA: the nodes hash the message; a raw digest is signed with a presignature made for it', async () => {
    const key = await activeKey('ecdsa-secp256k1');
    const r = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message, hash: 'keccak256' });
    expect(r.status).toBe(200);
    const digest = keccak_256(hexToBytes(message));
    expect(r.body.digest).toBe(bytesToHex(digest));
    expect(secp256k1.verify(hexToBytes(r.body.signature), digest, hexToBytes(key.publicKey), { prehash: false })).toBe(true);
    const recovered = secp256k1.Signature.fromBytes(hexToBytes(r.body.signature), 'compact').addRecoveryBit(r.body.recoveryId).recoverPublicKey(digest);
    expect(bytesToHex(recovered.toBytes(true))).toBe(key.publicKey);

    const raw = bytesToHex(sha256(new TextEncoder().encode('raw')));
    const r2 = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { digest: raw });
    expect(r2.status).toBe(200);
    expect(r2.body.presignature).toBe('made-for-this-digest');
    expect(secp256k1.verify(hexToBytes(r2.body.signature), hexToBytes(raw), hexToBytes(key.publicKey), { prehash: false })).toBe(true);
  }, 300_000);

  it('an idempotency key returns the first result for the same body, 409 for another', async () => {
    const key = await activeKey('eddsa-ed25519');
    const headers = { 'idempotency-key': 'order-42' };
    const first = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message }, headers);
    const again = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message }, headers);
    expect(first.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const other = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message: '00' }, headers);
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('IDEMPOTENCY_CONFLICT');
    const status = await cluster.call('GET', `/v1/signatures/${first.body.id}`);
    expect(status.body).toMatchObject({ id: first.body.id, status: 'completed', result: first.body });
  }, 60_000);

  it('lists signature requests newest first, by key and status, in pages', async () => {
    const key = await activeKey('eddsa-ed25519');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message: `0${i}` })).body.id);
    const refused = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message, signers: [1, 4] });
    expect(refused.status).toBe(400);
    const listed: { id: string; keyId: string; status: string }[] = [];
    let next: string | undefined;
    do {
      const page = await cluster.call('GET', `/v1/signatures?keyId=${key.id}&limit=2${next ? `&cursor=${next}` : ''}`);
      expect(page.status).toBe(200);
      listed.push(...page.body.signatures);
      next = page.body.next;
    } while (next);
    expect(listed.map((r) => r.id)).toEqual([...ids].reverse());
    expect(listed.every((r) => r.keyId === key.id && r.status === 'completed')).toBe(true);
    expect((await cluster.call('GET', `/v1/signatures?keyId=${key.id}&status=failed`)).body.signatures).toEqual([]);
    for (const query of ['status=done', 'limit=0', 'cursor=not*base64', 'cursor=bm90LWpzb24', 'other=1']) {
      const r = await cluster.call('GET', `/v1/signatures?${query}`);
      expect([r.status, r.body.error.code], query).toEqual([400, 'VALIDATION_FAILED']);
    }
  });

  it('signs with the signers a caller chooses, and refuses a choice outside the committee or offline', async () => {
    const key = await activeKey('eddsa-ed25519');
    for (const signers of [[1, 3], [2, 3], [1, 2, 3]]) {
      const r = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message, signers });
      expect([r.status, r.body.signers]).toEqual([200, signers]);
      expect(ed25519.verify(hexToBytes(r.body.signature), hexToBytes(message), hexToBytes(key.publicKey))).toBe(true);
    }
    for (const signers of [[1], [3, 1], [1, 4], [2, 2]]) {
      const r = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message, signers });
      expect([r.status, r.body.error.code], JSON.stringify(signers)).toEqual([400, 'VALIDATION_FAILED']);
    }
    await cluster.stopNode(3);
    await waitFor(() => !cluster.coordinator.hub.isOnline(3), 10_000, 'node 3 offline');
    const offline = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message, signers: [1, 3] });
    expect([offline.status, offline.body.error.code, offline.body.error.retriable, offline.body.error.waitingFor]).toEqual([503, 'NOT_ENOUGH_NODES', true, [3]]);
    const other = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message });
    expect([other.status, other.body.signers]).toEqual([200, [1, 2]]);
    await cluster.startNode(3);
    await waitFor(() => cluster.coordinator.hub.isOnline(3), 60_000, 'node 3 back');
  }, 120_000);

  it('refresh keeps the public key, bumps the version, and the key still signs', async () => {
    const key = await activeKey('schnorr-bip340');
    // Signed just before: the coordinator holds the key's record for signing, and must not sign
    // with the retired version after the refresh.
    expect((await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message })).status).toBe(200);
    const r = await cluster.call('POST', `/v1/keys/${key.id}/refresh`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ publicKey: key.publicKey, version: 2 });
    const s = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message });
    expect(schnorr.verify(hexToBytes(s.body.signature), hexToBytes(message), hexToBytes(key.publicKey))).toBe(true);
    // The audit entry names the caller who asked for the refresh.
    const entries = (await cluster.call('GET', '/v1/audit?limit=1000')).body.entries as { action: string; actor: string; subject: string; details: Record<string, unknown> }[];
    expect(entries.find((e) => e.action === 'key.refreshed' && e.subject === key.id)).toMatchObject({ actor: expect.stringMatching(/^api-key:[0-9a-f]{12}$/), details: { version: 2 } });
  }, 60_000);

  it('bad input gets a 4xx with a machine-readable code', async () => {
    const key = await activeKey('eddsa-ed25519');
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/v1/keys', '{"scheme":', 400, 'INVALID_JSON'],
      ['POST', '/v1/keys', { scheme: 'rsa', threshold: 2, parties: 3 }, 400, 'VALIDATION_FAILED'],
      ['POST', '/v1/keys', { scheme: 'eddsa-ed25519', threshold: 4, parties: 3 }, 400, 'VALIDATION_FAILED'],
      ['POST', '/v1/keys', { scheme: 'eddsa-ed25519', threshold: '2', parties: 3 }, 400, 'VALIDATION_FAILED'],
      ['POST', `/v1/keys/${key.id}/signatures`, { message: 'zz' }, 400, 'VALIDATION_FAILED'],
      ['POST', `/v1/keys/${key.id}/signatures`, { message: 'abc' }, 400, 'VALIDATION_FAILED'],
      ['POST', `/v1/keys/${key.id}/signatures`, { message, hash: 'sha256' }, 400, 'UNSUPPORTED_FOR_SCHEME'],
      ['POST', `/v1/keys/${key.id}/signatures`, { digest: '00'.repeat(32) }, 400, 'UNSUPPORTED_FOR_SCHEME'],
      ['POST', '/v1/keys/no-such-key/signatures', { message }, 404, 'KEY_NOT_FOUND'],
      ['GET', '/v1/keys/no-such-key', undefined, 404, 'KEY_NOT_FOUND'],
      ['GET', '/v1/nowhere', undefined, 404, 'NOT_FOUND'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const r = await cluster.call(method, path, body);
      expect([r.status, r.body?.error?.code], `${method} ${path} ${JSON.stringify(body)}`).toEqual([status, code]);
    }
    const anonymous = await fetch(`${cluster.url}/v1/keys`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    const wrong = await cluster.call('GET', '/v1/keys', undefined, { authorization: 'Bearer not-the-key-at-all' });
    expect(wrong.status).toBe(401);
  }, 60_000);
});
