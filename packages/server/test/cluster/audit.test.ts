import { describe, expect, it } from 'vitest';
import { bytesToHex } from '@mpc-wallet/core';
import { activeKey, clusterForFile, waitFor } from './local-cluster.js';

const cluster = clusterForFile();

describe('cluster: the audit log', () => {
  it('a key and a signature leave their entries, the chain verifies, and no secret or message appears', async () => {
    const key = await activeKey(cluster, 'eddsa-ed25519');
    const message = bytesToHex(new TextEncoder().encode('audit: pay 5 to carol'));
    const signed = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message, path: 'm/0/1' });
    expect(signed.status).toBe(200);
    const unauthorized = await fetch(`${cluster.url}/v1/keys`, { headers: { authorization: 'Bearer not-the-key-0123456789' } });
    expect(unauthorized.status).toBe(401);
    // Authentication entries are written beside the request, not before its answer.
    await waitFor(async () => (await cluster.call('GET', '/v1/audit?limit=1000')).body.entries.some((e: { action: string }) => e.action === 'auth.failed'), 5_000, 'the failure entry');

    const listed = await cluster.call('GET', '/v1/audit?limit=1000');
    expect(listed.status).toBe(200);
    const entries = listed.body.entries as { seq: number; action: string; actor: string; subject: string; details: Record<string, unknown> }[];
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
    const actions = entries.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['coordinator.started', 'node.online', 'auth.succeeded', 'auth.failed', 'key.requested', 'key.created', 'signature.requested', 'signature.completed']));
    expect(entries.find((e) => e.action === 'key.created')).toMatchObject({ subject: key.id, details: { scheme: 'eddsa-ed25519', threshold: 2, publicKey: key.publicKey, requestedBy: expect.stringMatching(/^api-key:[0-9a-f]{12}$/) } });
    const completed = entries.find((e) => e.action === 'signature.completed' && e.subject === signed.body.id);
    expect(completed?.details).toMatchObject({ keyId: key.id, path: 'm/0/1', signers: signed.body.signers, contentSha256: expect.stringMatching(/^[0-9a-f]{64}$/), requestedBy: expect.stringMatching(/^api-key:[0-9a-f]{12}$/) });
    // Who asked is named: the signature's request and the key's.
    const caller = completed!.details.requestedBy;
    expect(entries.find((e) => e.action === 'signature.requested' && e.subject === signed.body.id)?.actor).toBe(caller);
    expect(entries.find((e) => e.action === 'key.requested' && e.subject === key.id)).toMatchObject({ actor: caller, details: { scheme: 'eddsa-ed25519', threshold: 2 } });
    // One success entry per key and minute, not one per request.
    expect(actions.filter((a) => a === 'auth.succeeded')).toHaveLength(1);
    expect(entries.find((e) => e.action === 'auth.succeeded')!.actor).toMatch(/^api-key:[0-9a-f]{12}$/);

    const text = JSON.stringify(listed.body);
    for (const secret of [cluster.apiKey, message, 'not-the-key-0123456789']) expect(text).not.toContain(secret);

    const page = await cluster.call('GET', '/v1/audit?after=2&limit=2');
    expect(page.body.entries.map((e: { seq: number }) => e.seq)).toEqual([3, 4]);
    expect(page.body.next).toBe(4);
    expect((await cluster.call('GET', '/v1/audit?limit=0')).status).toBe(400);

    await cluster.coordinator.audit.checkpoint();
    const verified = await cluster.call('GET', '/v1/audit/verify');
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ ok: true, entries: expect.any(Number) });
    expect(verified.body.checkpoints).toBeGreaterThanOrEqual(1);
    expect(verified.body.entries).toBeGreaterThanOrEqual(entries.length);
  }, 60_000);
});
