/**
 * Infrastructure faults (issue 12 §4) on servers of the test's own: two coordinator instances
 * and three nodes on a PostgreSQL cluster, a Redis and a NATS server that this file starts on
 * free ports. Each is stopped under continuous signing and started again: meanwhile every
 * instance's /readyz says which dependency is down; afterwards the instances are ready again by
 * themselves, and every request completed (retried where the answer said so) with a signature
 * that, by the nodes' own logs, a quorum made for it with nonces used for nothing else.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProcessCluster, startProcessCluster } from './processes.js';
import { waitFor } from './local-cluster.js';
import { type Scheme, continuousSigning, expectSignedSoundly } from './load.js';
import { type TestService, missingServers, startNats, startPostgres, startRedis } from './infrastructure.js';

const missing = missingServers();
if (missing.length > 0) console.error(`[infrastructure] ${missing.join(', ')} not found: the infrastructure fault tests are SKIPPED`);

let services: { postgres: TestService; redis: TestService; nats: TestService } | undefined;
let cluster: ProcessCluster;
let keys: { scheme: Scheme; id: string; publicKey: string }[] = [];

beforeAll(async () => {
  if (missing.length > 0) return;
  services = { postgres: await startPostgres(), redis: await startRedis(), nats: await startNats() };
  cluster = await startProcessCluster({ coordinators: 2, env: { DATABASE_URL: services.postgres.url, REDIS_URL: services.redis.url, NATS_URL: services.nats.url } });
  for (const scheme of ['eddsa-ed25519', 'schnorr-bip340'] as const) {
    const r = await cluster.call('POST', '/v1/keys', { scheme, threshold: 2, parties: 3 });
    await waitFor(async () => (await cluster.call('GET', `/v1/keys/${r.body.id}`)).body.status === 'active', 60_000, `${scheme} key`);
    keys.push({ scheme, id: r.body.id, publicKey: (await cluster.call('GET', `/v1/keys/${r.body.id}`)).body.publicKey });
  }
}, 240_000);

afterAll(async () => {
  if (process.env.MPC_TEST_LOGS && cluster) writeFileSync(process.env.MPC_TEST_LOGS, cluster.logs());
  await cluster?.stop();
  for (const s of Object.values(services ?? {})) await s.remove();
  keys = [];
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readiness(i: number): Promise<{ status: number; dependencies?: Record<string, string> }> {
  const r = await cluster
    .callAt(i)('GET', '/readyz')
    .catch(() => undefined);
  return { status: r?.status ?? 0, dependencies: r?.body?.dependencies };
}

describe.skipIf(missing.length > 0)(`infrastructure restarted under load${missing.length ? ` (skipped: ${missing.join(', ')} not found)` : ''}`, () => {
  for (const [name, service, dependency] of [
    ['Redis', 'redis', 'sessions'],
    ['PostgreSQL', 'postgres', 'metadata'],
    ['NATS', 'nats', 'bus'],
  ] as const) {
    it(`${name} stopped and started again: /readyz says ${dependency} is down meanwhile, the instances recover by themselves, and no request is lost`, async () => {
      const load = continuousSigning(cluster, keys, `${service}-restart`, 2);
      await pause(1_000);
      await services![service].stop();
      for (const i of [0, 1]) await waitFor(async () => (await readiness(i)).dependencies?.[dependency] === 'down', 15_000, `instance ${i} to report ${dependency} down`);
      expect((await readiness(0)).status).toBe(503);
      await pause(1_000);
      await services![service].start();
      for (const i of [0, 1]) {
        await waitFor(async () => (await readiness(i)).status === 200, 60_000, `instance ${i} ready again`);
        expect((await readiness(i)).dependencies).toEqual({ metadata: 'up', sessions: 'up', bus: 'up' });
      }
      await pause(1_500);
      const done = await load.stop();
      expect(done.length).toBeGreaterThan(5);
      await expectSignedSoundly(cluster, done);
    }, 300_000);
  }
});
