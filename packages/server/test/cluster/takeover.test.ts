/**
 * A signature request whose instance died mid-request (its record pending, no heartbeat any more)
 * is taken over by the client's retry with the same idempotency key, once, and then answers
 * every retry alike.
 */
import { describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { hexToBytes } from '@mpc-wallet/core';
import { activeKey, clusterForFile, waitFor } from './local-cluster.js';

const cluster = clusterForFile();
const message = '74616b656e206f766572';

describe('a signature request of a dead instance', () => {
  it('is taken over by the retry once its record has been silent for a while, and the retries agree', async () => {
    const key = await activeKey(cluster, 'eddsa-ed25519');
    const first = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message }, { 'idempotency-key': 'takeover-template' });
    expect(first.status).toBe(200);
    // As an instance that died mid-request leaves it: a record of the same body, pending, untouched for a minute.
    await cluster.restartCoordinator(async (sql) => {
      const [row] = await sql.query<{ request_hash: string }>('SELECT request_hash FROM signatures WHERE id = $1', [first.body.id]);
      await sql.query(
        `INSERT INTO signatures (id, key_id, idempotency_key, request_hash, status, result, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'pending', NULL, now() - interval '1 minute', now() - interval '1 minute')`,
        ['dead-instance-request', key.id, 'takeover-dead', row!.request_hash],
      );
    });
    await waitFor(() => cluster.coordinator.hub.onlineNodes().length === 3, 20_000, 'the nodes back');
    const taken = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message }, { 'idempotency-key': 'takeover-dead' });
    expect(taken.status, JSON.stringify(taken.body)).toBe(200);
    expect(taken.body.id).toBe('dead-instance-request');
    expect(ed25519.verify(hexToBytes(taken.body.signature), hexToBytes(message), hexToBytes(key.publicKey))).toBe(true);
    expect((await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message }, { 'idempotency-key': 'takeover-dead' })).body).toEqual(taken.body);
    expect((await cluster.call('GET', `/v1/signatures/dead-instance-request`)).body).toMatchObject({ status: 'completed' });
  }, 120_000);
});
