/**
 * Fault tests on real processes (issue 9 §7): signer nodes and the coordinator are killed with
 * SIGKILL at awkward moments and restarted with their data; afterwards every key is usable,
 * every node holds the same share version, and no idempotency key ever yields two signatures.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { schnorr } from '@noble/curves/secp256k1.js';
import { hexToBytes } from '@mpc-wallet/core';
import { type ProcessCluster, startProcessCluster } from './processes.js';
import { waitFor } from './local-cluster.js';

let cluster: ProcessCluster;
beforeAll(async () => {
  cluster = await startProcessCluster();
}, 120_000);
afterAll(async () => {
  // MPC_TEST_LOGS=<file> keeps the processes' logs for a post-mortem.
  if (process.env.MPC_TEST_LOGS && cluster) writeFileSync(process.env.MPC_TEST_LOGS, cluster.logs());
  await cluster?.stop();
});

const message = '6d6f766520302e3120425443';

async function createKey(scheme: string): Promise<{ id: string; publicKey: string; status: string; version: number }> {
  const r = await cluster.call('POST', '/v1/keys', { scheme, threshold: 2, parties: 3 });
  expect([201, 202]).toContain(r.status);
  await waitFor(async () => (await cluster.call('GET', `/v1/keys/${r.body.id}`)).body.status !== 'pending', 120_000, 'key generation');
  const key = (await cluster.call('GET', `/v1/keys/${r.body.id}`)).body;
  expect(key.status, JSON.stringify(key.failure)).toBe('active');
  return key;
}

function verify(scheme: string, publicKey: string, signature: string): boolean {
  return scheme === 'eddsa-ed25519'
    ? ed25519.verify(hexToBytes(signature), hexToBytes(message), hexToBytes(publicKey))
    : schnorr.verify(hexToBytes(signature), hexToBytes(message), hexToBytes(publicKey));
}

async function online(ids: number[]): Promise<void> {
  try {
    await waitFor(async () => (await cluster.onlineNodes()).join() === ids.join(), 120_000, `nodes ${ids.join(',')} online`);
  } catch (e) {
    throw new Error(`${(e as Error).message}; process logs:\n${cluster.logs().slice(-4000)}`, { cause: e });
  }
}

/** Signs with every pair of the committee in turn, proving that each member holds a working share of the current version. */
async function signsWithEveryQuorum(key: { id: string; publicKey: string }, scheme: string): Promise<void> {
  for (const signers of [[1, 2], [1, 3], [2, 3]]) {
    const r = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message, signers });
    expect(r.status, `signers ${signers.join(',')}: ${JSON.stringify(r.body)}`).toBe(200);
    expect(r.body.signers).toEqual(signers);
    expect(verify(scheme, key.publicKey, r.body.signature)).toBe(true);
  }
}

describe('faults on a cluster of real processes', () => {
  it('a node killed during signing: every request completes, or fails retriably and its retry completes', async () => {
    const key = await createKey('eddsa-ed25519');
    const requests = Array.from({ length: 24 }, (_, i) => cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message }, { 'idempotency-key': `kill-sign-${i}` }));
    await new Promise((r) => setTimeout(r, 30));
    await cluster.killNode(1);
    const replies = await Promise.all(requests);
    for (const [i, r] of replies.entries()) {
      if (r.status !== 200) {
        expect(r.body.error.retriable, JSON.stringify(r.body)).toBe(true);
        const retry = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message }, { 'idempotency-key': `kill-sign-${i}` });
        expect(retry.status, JSON.stringify(retry.body)).toBe(200);
        r.body = retry.body;
      }
      expect(verify('eddsa-ed25519', key.publicKey, r.body.signature)).toBe(true);
    }
    await cluster.startNode(1);
    await online([1, 2, 3]);
  }, 180_000);

  it('a node killed during key generation: no half-made key is ever active', async () => {
    for (const delay of [10, 40]) {
      const created = cluster.call('POST', '/v1/keys', { scheme: 'schnorr-bip340', threshold: 2, parties: 3 });
      await new Promise((r) => setTimeout(r, delay));
      await cluster.killNode(3);
      const r = await created;
      await waitFor(async () => (await cluster.call('GET', `/v1/keys/${r.body.id}`)).body.status !== 'pending', 120_000, 'keygen outcome');
      await cluster.startNode(3);
      await online([1, 2, 3]);
      const key = (await cluster.call('GET', `/v1/keys/${r.body.id}`)).body;
      // Active means every member confirmed holding its share: each pair must be able to sign.
      if (key.status === 'active') await signsWithEveryQuorum(key, 'schnorr-bip340');
      else expect(key.status).toBe('failed');
    }
  }, 600_000);

  it('a node killed during refresh: afterwards every node is on the same version and the key signs', async () => {
    const key = await createKey('eddsa-ed25519');
    for (const delay of [5, 30]) {
      const refreshed = cluster.call('POST', `/v1/keys/${key.id}/refresh`);
      await new Promise((r) => setTimeout(r, delay));
      await cluster.killNode(2);
      await refreshed;
      await cluster.startNode(2);
      await online([1, 2, 3]);
      // A node that confirmed but missed the end completes from the certificate after it reconnects.
      await new Promise((r) => setTimeout(r, 500));
      const now = (await cluster.call('GET', `/v1/keys/${key.id}`)).body;
      expect(now.publicKey).toBe(key.publicKey);
      await signsWithEveryQuorum(now, 'eddsa-ed25519');
    }
  }, 600_000);

  it('the coordinator restarted: keys persist, nodes reconnect, a retry with the same idempotency key gets the same signature', async () => {
    const key = await createKey('schnorr-bip340');
    const first = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message }, { 'idempotency-key': 'restart-1' });
    expect(first.status).toBe(200);
    await cluster.killCoordinator();
    await cluster.startCoordinator();
    await online([1, 2, 3]);
    expect((await cluster.call('GET', `/v1/keys/${key.id}`)).body).toMatchObject({ status: 'active', publicKey: key.publicKey });
    const again = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message }, { 'idempotency-key': 'restart-1' });
    expect(again.body).toEqual(first.body);
    const fresh = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message });
    expect(fresh.status).toBe(200);
    expect(verify('schnorr-bip340', key.publicKey, fresh.body.signature)).toBe(true);
  }, 180_000);

  it('a node restarted with its data holds the same shares and signs', async () => {
    const key = await createKey('eddsa-ed25519');
    await cluster.killNode(1);
    await cluster.startNode(1);
    await online([1, 2, 3]);
    await signsWithEveryQuorum(key, 'eddsa-ed25519');
  }, 300_000);
});
