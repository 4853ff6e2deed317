/**
 * A cluster of real processes started through the CLI (`mpc-wallet coordinator`, `mpc-wallet
 * node`), for fault tests that kill and restart them. Data folders are made in this process with
 * the default scrypt cost, then opened by the children; stores are PGlite files, or PostgreSQL
 * schemas and Redis when DATABASE_URL / REDIS_URL are set.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ClusterManifest, manifestOfHome } from '../../src/index.js';
import { waitFor } from './local-cluster.js';
import { type Call, apiClient } from './http.js';

const BIN = fileURLToPath(new URL('../../../cli/bin/mpc-wallet.js', import.meta.url));
const PASSPHRASE = 'process test passphrase';

export interface ProcessCluster {
  url: string;
  manifest: ClusterManifest;
  call: Call;
  startNode(id: number): Promise<void>;
  killNode(id: number, signal?: NodeJS.Signals): Promise<void>;
  startCoordinator(): Promise<void>;
  killCoordinator(signal?: NodeJS.Signals): Promise<void>;
  onlineNodes(): Promise<number[]>;
  logs(): string;
  stop(): Promise<void>;
}

export async function startProcessCluster(opts: { nodes?: number } = {}): Promise<ProcessCluster> {
  const home = await mkdtemp(join(tmpdir(), 'mpc-processes-'));
  const run = randomBytes(4).toString('hex');
  const count = opts.nodes ?? 3;
  const manifest = await manifestOfHome(home, count, PASSPHRASE);
  const manifestPath = join(home, 'cluster.json');
  await writeFile(manifestPath, JSON.stringify(manifest));
  const apiKey = `mpcw_${randomBytes(16).toString('hex')}`;
  await writeFile(join(home, 'admin-api-key'), apiKey);
  const env = {
    ...process.env,
    MPC_WALLET_PASSPHRASE: PASSPHRASE,
    // Each process gets a schema of this run when PostgreSQL is used (see the CLI's storeLocation).
    MPC_WALLET_SCHEMA_PREFIX: `t${run}_`,
  };
  let log = '';
  const children = new Map<string, ChildProcess>();
  let httpPort = 0;
  let nodePort = 0;
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
  const cluster: ProcessCluster = {
    get url() {
      return `http://127.0.0.1:${httpPort}`;
    },
    manifest,
    call: apiClient(() => `http://127.0.0.1:${httpPort}`, apiKey),
    async startCoordinator() {
      const child = spawnChild('coordinator', ['coordinator', '--home', join(home, 'coordinator'), '--manifest', manifestPath, '--api-keys-from', home, '--port', String(httpPort), '--node-port', String(nodePort)]);
      const first = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0]!);
        });
        child.once('exit', (code) => reject(new Error(`coordinator exited with ${code}: ${log.slice(-2000)}`)));
      });
      const ports = JSON.parse(first) as { http: number; nodes: number };
      httpPort = ports.http;
      nodePort = ports.nodes;
    },
    killCoordinator: (signal = 'SIGKILL') => kill('coordinator', signal),
    async startNode(id) {
      spawnChild(`node-${id}`, ['node', '--home', join(home, `node-${id}`), '--manifest', manifestPath, '--name', `node-${id}`, '--coordinator', `tcp://127.0.0.1:${nodePort}`, '--paillier-bits', '2048']);
    },
    killNode: (id, signal = 'SIGKILL') => kill(`node-${id}`, signal),
    async onlineNodes() {
      const r = await cluster.call('GET', '/v1/nodes').catch(() => undefined);
      return r?.status === 200 ? (r.body as { id: number; status: string }[]).filter((n) => n.status === 'online').map((n) => n.id) : [];
    },
    logs: () => log,
    async stop() {
      for (const name of [...children.keys()]) await kill(name, 'SIGTERM');
      await rm(home, { recursive: true, force: true });
    },
  };
  await cluster.startCoordinator();
  for (let i = 1; i <= count; i++) await cluster.startNode(i);
  try {
    await waitFor(async () => (await cluster.onlineNodes()).length === count, 120_000, 'nodes to connect');
  } catch (e) {
    throw new Error(`${(e as Error).message}; process logs:\n${log.slice(-3000)}`, { cause: e });
  }
  return cluster;
}
