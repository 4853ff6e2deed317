/**
 * The SDK against a real local cluster where the stand-in cannot stand in: the event stream
 * survives a coordinator restart (resuming with no gap and no repeat, as the REST pages confirm),
 * and a signing call repeated with its idempotency key answers the first signature.
 */
import { describe, expect, it } from 'vitest';
import { MpcWalletClient, type WalletEvent, collect, isProgress } from '../src/index.js';
import { clusterForFile, waitFor } from '../../server/test/cluster/local-cluster.js';

const cluster = clusterForFile();
const client = () => new MpcWalletClient({ url: cluster.url, apiKey: cluster.apiKey, retries: { attempts: 20, baseDelayMs: 50, maxDelayMs: 500 } });

describe('SDK against a local cluster', () => {
  it('the event stream resumes across a coordinator restart: every stored event once, in order', async () => {
    const seen: WalletEvent[] = [];
    const errors: string[] = [];
    const sdk = client();
    const sub = sdk.events.subscribe({ after: 0, onEvent: (e) => {
        // Progress reports are live only (no seq): the comparison with the stored log is of stored events.
        if (!isProgress(e)) seen.push(e);
      }, onError: (e) => errors.push(e.code), reconnect: { baseDelayMs: 50, maxDelayMs: 500 } });
    try {
      const first = await sdk.keys.create({ scheme: 'eddsa-ed25519', threshold: 2, parties: 3 });
      await waitFor(() => seen.some((e) => e.type === 'key.completed' && e.subject === first.id), 20_000, 'the first key.completed');

      await cluster.restartCoordinator();
      await sdk.keys.waitUntilActive(first.id);
      const second = await sdk.keys.create({ scheme: 'schnorr-bip340', threshold: 2, parties: 3 });
      await waitFor(() => seen.some((e) => e.type === 'key.completed' && e.subject === second.id), 20_000, 'the second key.completed');
      // The restart dropped the socket: the subscription said so and reconnected by itself.
      expect(errors).toContain('NETWORK_ERROR');

      const stored = await collect(sdk.events.all({ after: 0 }));
      const last = seen.at(-1)!.seq;
      expect(seen.map((e) => e.seq)).toEqual(stored.filter((e) => e.seq <= last).map((e) => e.seq));
    } finally {
      sub.close();
      await sub.closed;
    }
  }, 120_000);

  it('the same idempotency key twice answers the same signature; another key signs anew', async () => {
    const sdk = client();
    const key = await sdk.keys.create({ scheme: 'eddsa-ed25519', threshold: 2, parties: 3 });
    const once = await sdk.keys.sign(key.id, { message: 'abcd' }, { idempotencyKey: 'cluster-test-1' });
    const again = await sdk.keys.sign(key.id, { message: 'abcd' }, { idempotencyKey: 'cluster-test-1' });
    expect(again).toEqual(once);
    const fresh = await sdk.keys.sign(key.id, { message: 'abcd' });
    expect(fresh.id).not.toBe(once.id);
    const conflict = await sdk.keys.sign(key.id, { message: 'abce' }, { idempotencyKey: 'cluster-test-1' }).catch((e: unknown) => e);
    expect(conflict).toMatchObject({ status: 409, code: 'IDEMPOTENCY_CONFLICT', retriable: false });
    expect(await sdk.signatures.get(once.id)).toMatchObject({ id: once.id, status: 'completed' });
  }, 60_000);
});
