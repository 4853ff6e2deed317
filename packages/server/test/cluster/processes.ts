/**
 * A cluster of real processes started through the CLI (`mpc-wallet coordinator`, `mpc-wallet
 * node`), for fault tests that kill and restart them. Data folders are made in this process with
 * the default scrypt cost, then opened by the children; stores are PGlite files, or PostgreSQL
 * schemas and Redis when DATABASE_URL / REDIS_URL are set. Several coordinator instances (with
 * NATS_URL too) each have a data folder holding copies of the coordinator's keys; node i lists
 * instance (i - 1) mod n first, so that the nodes spread over the instances.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ClusterManifest, coordinatorInstanceHome, copyCoordinatorKeys, manifestOfHome, openSqlClient, spreadAddresses } from '../../src/index.js';
import { waitFor } from './local-cluster.js';
import { type Call, apiClient } from './http.js';

const BIN = fileURLToPath(new URL('../../../cli/bin/mpc-wallet.js', import.meta.url));
const PASSPHRASE = 'process test passphrase';

export interface ProcessCluster {
  /** Instance 0's API. */
  url: string;
  manifest: ClusterManifest;
  /** Calls instance 0. */
  call: Call;
  /** Calls instance `i`. */
  callAt(i: number): Call;
  /** Instance `i`'s API. */
  urlAt(i: number): string;
  apiKey: string;
  instances: number;
  startNode(id: number): Promise<void>;
  killNode(id: number, signal?: NodeJS.Signals): Promise<void>;
  startCoordinator(instance?: number): Promise<void>;
  killCoordinator(signal?: NodeJS.Signals, instance?: number): Promise<void>;
  onlineNodes(): Promise<number[]>;
  /** What node `id` recorded signing, in its own store (PostgreSQL only: DATABASE_URL). */
  signatureLog(id: number): Promise<{ requestId: string; digest: string; signature: string }[]>;
  logs(): string;
  stop(): Promise<void>;
}

export async function startProcessCluster(opts: { nodes?: number; coordinators?: number; /** Overrides of the environment (e.g. stores of the test's own). */ env?: Record<string, string> } = {}): Promise<ProcessCluster> {
  const home = await mkdtemp(join(tmpdir(), 'mpc-processes-'));
  const run = randomBytes(4).toString('hex');
  const count = opts.nodes ?? 3;
  const instances = opts.coordinators ?? 1;
  const manifest = await manifestOfHome(home, count, PASSPHRASE);
  await copyCoordinatorKeys(home, instances);
  const manifestPath = join(home, 'cluster.json');
  await writeFile(manifestPath, JSON.stringify(manifest));
  const apiKey = `mpcw_${randomBytes(16).toString('hex')}`;
  await writeFile(join(home, 'admin-api-key'), apiKey);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...opts.env,
    MPC_WALLET_PASSPHRASE: PASSPHRASE,
    // Each process gets a schema of this run when PostgreSQL is used (see the CLI's storeLocation).
    MPC_WALLET_SCHEMA_PREFIX: `t${run}_`,
  };
  let log = '';
  const children = new Map<string, ChildProcess>();
  const httpPorts = new Array<number>(instances).fill(0);
  const nodePorts = new Array<number>(instances).fill(0);
  const spawnChild = (name: string, argv: string[]) => {
    const child = spawn(process.execPath, [BIN, ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    children.set(name, child);
    return child;
  };
  const kill = async (name: string, signal: NodeJS.Signals) => {
    const child = children.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
    children.delete(name);
  };
  const callAt = (i: number) => apiClient(() => `http://127.0.0.1:${httpPorts[i]}`, apiKey);
  const cluster: ProcessCluster = {
    get url() {
      return `http://127.0.0.1:${httpPorts[0]}`;
    },
    manifest,
    call: callAt(0),
    callAt,
    urlAt: (i) => `http://127.0.0.1:${httpPorts[i]}`,
    apiKey,
    instances,
    async startCoordinator(i = 0) {
      const child = spawnChild(`coordinator-${i}`, ['coordinator', '--home', coordinatorInstanceHome(home, i), '--manifest', manifestPath, '--api-keys-from', home, '--port', String(httpPorts[i]), '--node-port', String(nodePorts[i])]);
      const first = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0]!);
        });
        child.once('exit', (code) => reject(new Error(`coordinator exited with ${code}: ${log.slice(-2000)}`)));
      });
      const ports = JSON.parse(first) as { http: number; nodes: number };
      httpPorts[i] = ports.http;
      nodePorts[i] = ports.nodes;
    },
    killCoordinator: (signal = 'SIGKILL', i = 0) => kill(`coordinator-${i}`, signal),
    async startNode(id) {
      const urls = nodePorts.map((p) => `tcp://127.0.0.1:${p}`);
      spawnChild(`node-${id}`, ['node', '--home', join(home, `node-${id}`), '--manifest', manifestPath, '--name', `node-${id}`, '--coordinator', spreadAddresses(urls, id).join(','), '--paillier-bits', '2048']);
    },
    killNode: (id, signal = 'SIGKILL') => kill(`node-${id}`, signal),
    async onlineNodes() {
      const r = await cluster.call('GET', '/v1/nodes').catch(() => undefined);
      return r?.status === 200 ? (r.body as { id: number; status: string }[]).filter((n) => n.status === 'online').map((n) => n.id) : [];
    },
    async signatureLog(id) {
      if (!env.DATABASE_URL) throw new Error('the nodes keep their stores in PGlite files: set DATABASE_URL to read them from here');
      const sql = await openSqlClient({ url: env.DATABASE_URL, schema: `t${run}_node_${id}` });
      try {
        const rows = await sql.query<{ request_id: string; digest: string; signature: string }>('SELECT request_id, digest, signature FROM signature_log ORDER BY seq');
        return rows.map((r) => ({ requestId: r.request_id, digest: r.digest, signature: r.signature }));
      } finally {
        await sql.close();
      }
    },
    logs: () => log,
    async stop() {
      for (const name of [...children.keys()]) await kill(name, 'SIGTERM');
      await rm(home, { recursive: true, force: true });
    },
  };
  for (let i = 0; i < instances; i++) await cluster.startCoordinator(i);
  for (let i = 1; i <= count; i++) await cluster.startNode(i);
  try {
    await waitFor(async () => (await cluster.onlineNodes()).length === count, 120_000, 'nodes to connect');
  } catch (e) {
    throw new Error(`${(e as Error).message}; process logs:\n${log.slice(-3000)}`, { cause: e });
  }
  return cluster;
}
