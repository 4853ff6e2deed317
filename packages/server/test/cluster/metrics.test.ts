import { describe, expect, it } from 'vitest';
import { bytesToHex } from '@mpc-wallet/core';
import { activeKey, clusterForFile, waitFor } from './local-cluster.js';

const cluster = clusterForFile();
const guarded = clusterForFile({ nodes: 2, metricsPublic: false });

/** The samples of one metric in Prometheus text exposition: each series' labels and value. */
function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}

const valueOf = (text: string, name: string, labels: Record<string, string>) =>
  samples(text, name).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

async function scrape(base: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`${base}/metrics`, { headers });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

describe('cluster: GET /metrics', () => {
  it('counts signatures and HTTP requests by scheme and route template, and shows nodes, pools and the audit log', async () => {
    const key = await activeKey(cluster, 'eddsa-ed25519');
    // Pooled once the sweep filled the key's pools (it reads their sizes, which the metric shows).
    await waitFor(async () => (await cluster.call('GET', `/v1/keys/${key.id}/pools`)).body.nonces.every((p: { size: number }) => p.size > 0), 10_000, 'the pools');
    const message = bytesToHex(new TextEncoder().encode('metrics: pay 1 to dave'));
    for (let i = 0; i < 3; i++) expect((await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message })).status).toBe(200);
    expect((await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message: 'zz' })).status).toBe(400);

    const { status, type, text } = await scrape(cluster.url);
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(valueOf(text, 'mpc_wallet_signature_duration_seconds_count', { scheme: 'eddsa-ed25519', outcome: 'completed', pooled: 'true' })).toBe(3);
    // The refused body never reached the signing service: an HTTP 400 on the route, no signature.
    expect(valueOf(text, 'mpc_wallet_http_request_duration_seconds_count', { method: 'POST', route: '/v1/keys/:id/signatures', status: '200' })).toBe(3);
    expect(valueOf(text, 'mpc_wallet_http_request_duration_seconds_count', { method: 'POST', route: '/v1/keys/:id/signatures', status: '400' })).toBe(1);
    expect(samples(text, 'mpc_wallet_signature_failures_total')).toEqual([]);
    for (const id of ['1', '2', '3']) expect(valueOf(text, 'mpc_wallet_node_online', { node: id, name: `node-${id}` })).toBe(1);
    expect(valueOf(text, 'mpc_wallet_pool_items', { kind: 'nonces' })).toBeGreaterThan(0);
    expect(valueOf(text, 'mpc_wallet_pool_items', { kind: 'presignatures' })).toBe(0);
    const entries = (await cluster.call('GET', '/v1/audit?limit=1000')).body.entries as { seq: number }[];
    expect(valueOf(text, 'mpc_wallet_audit_entries', {})).toBeGreaterThanOrEqual(entries.at(-1)!.seq - 1);
    // Labels are route templates: no key id, message or API key in the exposition.
    for (const secret of [key.id, message, cluster.apiKey]) expect(text).not.toContain(secret);
  });

  it('names the abort code of a failed signature, and a node that went offline', async () => {
    const key = await activeKey(cluster, 'schnorr-bip340');
    await cluster.stopNode(3);
    await cluster.stopNode(2);
    try {
      const refused = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message: '00' });
      expect(refused.body.error.code).toBe('NOT_ENOUGH_NODES');
      const { text } = await scrape(cluster.url);
      expect(valueOf(text, 'mpc_wallet_signature_failures_total', { scheme: 'schnorr-bip340', code: 'NOT_ENOUGH_NODES', abort: 'none' })).toBe(1);
      expect(valueOf(text, 'mpc_wallet_signature_duration_seconds_count', { scheme: 'schnorr-bip340', outcome: 'failed' })).toBe(1);
      expect(valueOf(text, 'mpc_wallet_node_online', { node: '2' })).toBe(0);
      expect(valueOf(text, 'mpc_wallet_node_online', { node: '1' })).toBe(1);
    } finally {
      await cluster.startNode(2);
      await cluster.startNode(3);
    }
  });

  it('asks for an API key when the coordinator is started with metrics behind one', async () => {
    expect((await scrape(guarded.url)).status).toBe(401);
    expect((await scrape(guarded.url, { authorization: 'Bearer not-the-key-0123456789' })).status).toBe(401);
    const allowed = await scrape(guarded.url, { authorization: `Bearer ${guarded.apiKey}` });
    expect(allowed.status).toBe(200);
    expect(samples(allowed.text, 'mpc_wallet_node_online')).toHaveLength(2);
    // Health stays public.
    expect((await fetch(`${guarded.url}/healthz`)).status).toBe(200);
  });
});
