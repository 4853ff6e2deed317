/**
 * A whole cluster in this process, on real stores: a coordinator and signer nodes with their own
 * data folders (PGlite files), or PostgreSQL schemas and Redis when DATABASE_URL / REDIS_URL are
 * set. Tests talk to it over HTTP like a client. Scrypt is lowered (test floor) to stay fast, and
 * ECDSA uses the 2048-bit Paillier level so that safe primes take seconds, not minutes.
 */
import { afterAll, beforeAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, createHash } from 'node:crypto';
import { SECURITY_LEVEL_TSS_LIB_2048 } from '@mpc-wallet/core';
import { type Call, apiClient } from './http.js';
import type { PoolOptions } from '../../src/coordinator/pools.js';
import type { RateLimitOptions } from '../../src/coordinator/rate-limits.js';
import type { WebhookOptions } from '../../src/coordinator/webhooks.js';
import type { EventFeedOptions } from '../../src/coordinator/events.js';
import { type ClusterManifest, type RunningCoordinator, type RunningNode, type SqlClient, manifestOfHome, openSqlClient, startCoordinator, startSignerNode } from '../../src/index.js';

export const TEST_SCRYPT = { params: { N: 2 ** 10, r: 8, p: 1 }, floor: 2 ** 10 };
export const PASSPHRASE = 'test passphrase';

export interface LocalCluster {
  /** The data folders' parent (the coordinator's keys are under `coordinator/`). */
  home: string;
  url: string;
  apiKey: string;
  manifest: ClusterManifest;
  coordinator: RunningCoordinator;
  nodes: Map<number, RunningNode | undefined>;
  startNode(id: number): Promise<RunningNode>;
  stopNode(id: number): Promise<void>;
  /** Stops the coordinator, lets `meanwhile` work on its metadata database (an operator, a fault), and starts it again. */
  restartCoordinator(meanwhile?: (metadata: SqlClient) => Promise<void>): Promise<void>;
  call: Call;
  stop(): Promise<void>;
}

function storeFor(dir: string, schema: string) {
  return process.env.DATABASE_URL ? { url: process.env.DATABASE_URL, schema } : { dataDir: dir };
}

export async function startLocalCluster(opts: { nodes?: number; protocolTimeoutMs?: number; pools?: Partial<PoolOptions> | false; metricsPublic?: boolean; rateLimits?: Partial<RateLimitOptions>; webhooks?: Partial<WebhookOptions>; events?: Partial<EventFeedOptions> } = {}): Promise<LocalCluster> {
  const home = await mkdtemp(join(tmpdir(), 'mpc-cluster-'));
  const run = randomBytes(4).toString('hex');
  const count = opts.nodes ?? 3;
  const manifest = await manifestOfHome(home, count, PASSPHRASE, TEST_SCRYPT);
  const apiKey = `test_${randomBytes(16).toString('hex')}`;
  let nodePort = 0;
  let httpPort = 0;
  const startCoord = async () => {
    const running = await startCoordinator({
      dataDir: join(home, 'coordinator'),
      passphrase: PASSPHRASE,
      manifest,
      nodeListen: { host: '127.0.0.1', tcpPort: nodePort },
      http: { host: '127.0.0.1', port: httpPort },
      metadata: storeFor(join(home, 'coordinator'), `t${run}_coordinator`),
      ...(process.env.REDIS_URL ? { redis: { url: process.env.REDIS_URL, prefix: `t${run}:` } } : {}),
      apiKeyHashes: [createHash('sha256').update(apiKey).digest('hex')],
      keyTimeouts: { answerWithinMs: 1_000 },
      ...(opts.pools !== undefined ? { pools: opts.pools } : {}),
      ...(opts.metricsPublic !== undefined ? { metricsPublic: opts.metricsPublic } : {}),
      ...(opts.rateLimits ? { rateLimits: opts.rateLimits } : {}),
      ...(opts.webhooks ? { webhooks: opts.webhooks } : {}),
      ...(opts.events ? { events: opts.events } : {}),
      scrypt: TEST_SCRYPT,
    });
    nodePort = running.nodePorts.tcpPort!;
    httpPort = running.httpPort;
    return running;
  };
  let coordinator = await startCoord();
  const running = new Map<number, RunningNode | undefined>();
  const startNode = async (id: number) => {
    const node = await startSignerNode({
      dataDir: join(home, `node-${id}`),
      passphrase: PASSPHRASE,
      name: `node-${id}`,
      manifest,
      coordinatorUrls: [`tcp://127.0.0.1:${nodePort}`],
      store: storeFor(join(home, `node-${id}`), `t${run}_node_${id}`),
      level: SECURITY_LEVEL_TSS_LIB_2048,
      protocolTimeoutMs: opts.protocolTimeoutMs ?? 20_000,
      primeDepth: 2,
      scrypt: TEST_SCRYPT,
    });
    running.set(id, node);
    return node;
  };
  for (let i = 1; i <= count; i++) await startNode(i);
  const cluster: LocalCluster = {
    home,
    get url() {
      return `http://127.0.0.1:${httpPort}`;
    },
    apiKey,
    manifest,
    get coordinator() {
      return coordinator;
    },
    nodes: running,
    startNode,
    async stopNode(id) {
      await running.get(id)?.stop();
      running.set(id, undefined);
    },
    async restartCoordinator(meanwhile) {
      await coordinator.stop();
      if (meanwhile) {
        const sql = await openSqlClient(storeFor(join(home, 'coordinator'), `t${run}_coordinator`));
        try {
          await meanwhile(sql);
        } finally {
          await sql.close();
        }
      }
      coordinator = await startCoord();
    },
    call: apiClient(() => `http://127.0.0.1:${httpPort}`, apiKey),
    async stop() {
      for (const n of running.values()) await n?.stop();
      await coordinator.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
  await waitFor(() => coordinator.hub.onlineNodes().length === count, 10_000, 'nodes to connect');
  return cluster;
}

/**
 * A cluster started before the calling file's tests and stopped after them. The object stands
 * for it from the start (its properties are the running cluster's once started), so a file
 * declares it at the top level and its tests use it as they are.
 */
export function clusterForFile(opts: Parameters<typeof startLocalCluster>[0] = {}): LocalCluster {
  let started: LocalCluster | undefined;
  beforeAll(async () => {
    started = await startLocalCluster(opts);
  }, 60_000);
  afterAll(async () => {
    await started?.stop();
  });
  return new Proxy({} as LocalCluster, {
    get(_, property) {
      if (!started) throw new Error('the cluster is not started yet (use it inside tests and hooks)');
      const value: unknown = Reflect.get(started, property, started);
      return typeof value === 'function' ? value.bind(started) : value;
    },
  });
}

/** Polls `check` until it holds; fails naming what it waited for. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Creates a key over HTTP and waits until it is active (ECDSA waits for aux info: minutes at worst). */
export async function activeKey(cluster: LocalCluster, scheme: string, threshold = 2, parties = 3): Promise<{ id: string; publicKey: string; version: number; committee: number[] }> {
  const created = await cluster.call('POST', '/v1/keys', { scheme, threshold, parties });
  if (created.status !== 201 && created.status !== 202) throw new Error(`key creation answered ${created.status}`);
  const id = created.body.id as string;
  await waitFor(async () => (await cluster.call('GET', `/v1/keys/${id}`)).body.status !== 'pending', 240_000, `key ${id}`);
  const key = (await cluster.call('GET', `/v1/keys/${id}`)).body;
  if (key.status !== 'active') throw new Error(`key ${id} is ${key.status}: ${JSON.stringify(key.failure)}`);
  return key;
}
