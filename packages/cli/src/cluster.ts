/**
 * `mpc-wallet up | coordinator | node`: the local cluster and its processes.
 *
 * `up` makes (on first start) a data folder per process under the home folder, the cluster
 * manifest that pins every process's public keys, and an admin API key; then runs the coordinator
 * and three signer nodes as separate processes and stops them together on Ctrl-C. PostgreSQL
 * (`DATABASE_URL`, one schema per process) and Redis (`REDIS_URL`) are used when set; otherwise
 * each process keeps PGlite in its own data folder and the coordinator's sessions in memory.
 *
 * With NATS (`NATS_URL`) besides PostgreSQL and Redis, several coordinator instances serve one
 * cluster: `up --coordinators N` runs N of them, each with a data folder of its own holding the
 * coordinator's keys, and tells each node every instance's address (a different one first, so
 * that the nodes spread over the instances).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SECURITY_LEVEL_128, SECURITY_LEVEL_TSS_LIB_2048 } from '@mpc-wallet/core';
import { type ClusterManifest, coordinatorInstanceHome, copyCoordinatorKeys, jsonLogger, manifestOfHome, parseManifest, spreadAddresses, startCoordinator, startSignerNode, writeAtomically } from '@mpc-wallet/server';

export class ClusterUsageError extends Error {}

const NODE_COUNT = 3;
const BIN = fileURLToPath(new URL('../bin/mpc-wallet.js', import.meta.url));

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** The passphrase that seals every data folder: from the environment, else (local mode) a file made once. */
async function passphrase(home: string): Promise<string> {
  const fromEnv = process.env.MPC_WALLET_PASSPHRASE;
  if (fromEnv) return fromEnv;
  const path = join(home, 'passphrase');
  const existing = await readIfExists(path);
  if (existing) return existing.trim();
  const made = randomBytes(24).toString('base64url');
  await writeAtomically(path, `${made}\n`);
  return made;
}

function port(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n > 65535) throw new ClusterUsageError(`--${name} must be a port number`);
  return n;
}

/** A pool depth: items kept ready per key (0: no pool of that kind, every signature unpooled). */
function upTo(max: number, value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n > max) throw new ClusterUsageError(`--${name} must be an integer from 0 to ${max}`);
  return n;
}

const depth = (value: string | undefined, name: string) => upTo(1000, value, name);
/** A per-minute rate limit. */
const perMinute = (value: string | undefined, name: string) => upTo(100_000_000, value, name);

const POOL_FLAGS = ['nonce-pool-depth', 'presign-pool-depth'] as const;
const poolOptions = { 'nonce-pool-depth': { type: 'string' }, 'presign-pool-depth': { type: 'string' } } as const;
/** A measurement setting (bench/cluster.js): keys, signatures and nodes are not audited. */
const unaudited = { unaudited: { type: 'boolean', default: false } } as const;

/** One PostgreSQL schema per process; a prefix (tests) keeps runs apart in one database. */
function schemaOf(name: string): string {
  return `${process.env.MPC_WALLET_SCHEMA_PREFIX ?? 'mpc_'}${name.replace(/[^a-z0-9]/g, '_')}`;
}

function storeLocation(dataDir: string, name: string) {
  return process.env.DATABASE_URL ? { url: process.env.DATABASE_URL, schema: schemaOf(name) } : { dataDir };
}

/** First start: keys of every process, the manifest and the admin API key; later starts reuse them. */
async function prepareHome(home: string, pass: string): Promise<{ manifest: ClusterManifest; manifestPath: string; apiKeyPath: string }> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  const manifestPath = join(home, 'cluster.json');
  const apiKeyPath = join(home, 'admin-api-key');
  const existing = await readIfExists(manifestPath);
  const manifest = await manifestOfHome(home, NODE_COUNT, pass);
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  if (existing !== text) await writeAtomically(manifestPath, text);
  if ((await readIfExists(apiKeyPath)) === undefined) {
    await writeAtomically(apiKeyPath, `mpcw_${randomBytes(24).toString('base64url')}\n`);
  }
  return { manifest, manifestPath, apiKeyPath };
}

/** Shared stores and bus that several coordinator instances need, from the environment; throws naming what is missing. */
function sharedInfrastructure(what: string): void {
  const missing = ['DATABASE_URL', 'REDIS_URL', 'NATS_URL'].filter((v) => !process.env[v]);
  if (missing.length > 0) throw new ClusterUsageError(`${what} needs ${missing.join(', ')}: the instances share PostgreSQL, Redis and NATS`);
}

async function apiKeyHashes(home: string): Promise<string[]> {
  const key = (await readFile(join(home, 'admin-api-key'), 'utf8')).trim();
  return [createHash('sha256').update(key).digest('hex')];
}

export async function up(args: string[], stderr: { write(s: string): unknown }): Promise<number> {
  const { values } = parseArgs({ args, options: { port: { type: 'string' }, home: { type: 'string' }, coordinators: { type: 'string' }, 'paillier-bits': { type: 'string' }, ...poolOptions, ...unaudited }, strict: true });
  for (const flag of POOL_FLAGS) depth(values[flag], flag);
  const instances = upTo(9, values.coordinators ?? '1', 'coordinators')!;
  if (instances < 1) throw new ClusterUsageError('--coordinators must be an integer from 1 to 9');
  const home = resolve(values.home ?? process.env.MPC_WALLET_HOME ?? '.mpc-wallet');
  const httpPort = port(values.port ?? process.env.MPC_WALLET_PORT, 8080, 'port');
  if (instances > 1) {
    sharedInfrastructure('--coordinators');
    if (httpPort === 0) throw new ClusterUsageError('--coordinators needs a --port: the nodes are told every instance’s address before it starts');
  }
  // Instance i serves HTTP on port + i and takes nodes on port + instances + i (one instance: port + 1).
  const nodePortOf = (i: number) => (httpPort === 0 ? 0 : httpPort + instances + i);
  await mkdir(home, { recursive: true, mode: 0o700 });
  const pass = await passphrase(home);
  const { manifestPath, apiKeyPath } = await prepareHome(home, pass);
  await copyCoordinatorKeys(home, instances);
  const env = { ...process.env, MPC_WALLET_PASSPHRASE: pass };
  const children: { name: string; process: ChildProcess }[] = [];
  const spawnChild = (name: string, argv: string[]) => {
    children.push({ name, process: spawn(process.execPath, [BIN, ...argv], { env, stdio: ['ignore', 'inherit', 'inherit'] }) });
  };
  const urls = Array.from({ length: instances }, (_, i) => `http://127.0.0.1:${httpPort === 0 ? 0 : httpPort + i}`);
  stderr.write(`${JSON.stringify({ level: 'info', message: 'starting the local cluster', home, http: instances === 1 ? urls[0] : urls, adminApiKeyFile: apiKeyPath })}\n`);
  for (let i = 0; i < instances; i++) {
    const name = basename(coordinatorInstanceHome(home, i));
    spawnChild(name, ['coordinator', '--home', coordinatorInstanceHome(home, i), '--manifest', manifestPath, '--api-keys-from', home, '--port', String(httpPort === 0 ? 0 : httpPort + i), '--node-port', String(nodePortOf(i)), ...POOL_FLAGS.flatMap((f) => (values[f] !== undefined ? [`--${f}`, values[f]] : [])), ...(values.unaudited ? ['--unaudited'] : [])]);
  }
  const nodeUrls = Array.from({ length: instances }, (_, i) => `tcp://127.0.0.1:${nodePortOf(i)}`);
  for (let i = 1; i <= NODE_COUNT; i++) {
    spawnChild(`node-${i}`, ['node', '--home', join(home, `node-${i}`), '--manifest', manifestPath, '--name', `node-${i}`, '--coordinator', spreadAddresses(nodeUrls, i).join(','), ...(values['paillier-bits'] ? ['--paillier-bits', values['paillier-bits']] : [])]);
  }
  // Each process is asked once: a second SIGTERM would kill one that is still closing its store.
  // (A terminal's Ctrl-C also reaches the children directly; each takes the first signal it gets.)
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const c of children) if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill('SIGTERM');
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const ok = await Promise.all(
    children.map(
      (c) =>
        new Promise<boolean>((done) =>
          c.process.once('exit', (code, signal) => {
            // Stopped by the signal it was sent before it could set up its own handling: a clean stop too.
            const clean = code === 0 || (stopping && signal === 'SIGTERM');
            if (!clean) stderr.write(`${JSON.stringify({ level: 'error', message: 'a process of the cluster failed', process: c.name, code, signal })}\n`);
            stop();
            done(clean);
          }),
        ),
    ),
  );
  return ok.every(Boolean) ? 0 : 1;
}

function waitForSignal(): Promise<void> {
  return new Promise((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

export async function coordinator(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { home: { type: 'string' }, manifest: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, 'node-host': { type: 'string' }, 'node-port': { type: 'string' }, 'api-keys-from': { type: 'string' }, 'metrics-auth': { type: 'boolean', default: false }, 'rate-limit-per-ip': { type: 'string' }, 'rate-limit-per-key': { type: 'string' }, 'failed-auth-per-ip': { type: 'string' }, ...poolOptions, ...unaudited },
    strict: true,
  });
  if (!values.home || !values.manifest) throw new ClusterUsageError('coordinator needs --home and --manifest');
  const pass = process.env.MPC_WALLET_PASSPHRASE;
  if (!pass) throw new ClusterUsageError('set MPC_WALLET_PASSPHRASE');
  const manifest = parseManifest(await readFile(values.manifest, 'utf8'));
  const httpPort = port(values.port, 8080, 'port');
  const nonceDepth = depth(values['nonce-pool-depth'], 'nonce-pool-depth');
  const presignDepth = depth(values['presign-pool-depth'], 'presign-pool-depth');
  if (process.env.NATS_URL) sharedInfrastructure('NATS_URL');
  const schemaPrefix = process.env.MPC_WALLET_SCHEMA_PREFIX ?? '';
  const running = await startCoordinator({
    dataDir: values.home,
    passphrase: pass,
    manifest,
    nodeListen: { host: values['node-host'] ?? '127.0.0.1', tcpPort: port(values['node-port'], httpPort + 1, 'node-port') },
    http: { host: values.host ?? '127.0.0.1', port: httpPort },
    metadata: storeLocation(values.home, 'coordinator'),
    ...(process.env.REDIS_URL ? { redis: { url: process.env.REDIS_URL, prefix: `mpc-wallet:${schemaPrefix}` } } : {}),
    ...(process.env.NATS_URL ? { nats: { url: process.env.NATS_URL, prefix: `mpc-wallet${schemaPrefix.replace(/[^A-Za-z0-9_-]/g, '_')}` } } : {}),
    apiKeyHashes: await apiKeyHashes(values['api-keys-from'] ?? join(values.home, '..')),
    pools: { ...(nonceDepth !== undefined ? { nonceDepth } : {}), ...(presignDepth !== undefined ? { presignDepth } : {}) },
    metricsPublic: !values['metrics-auth'],
    ...(values.unaudited ? { auditOperations: false } : {}),
    rateLimits: {
      ...(values['rate-limit-per-ip'] !== undefined ? { perIp: perMinute(values['rate-limit-per-ip'], 'rate-limit-per-ip')! } : {}),
      ...(values['rate-limit-per-key'] !== undefined ? { perKey: perMinute(values['rate-limit-per-key'], 'rate-limit-per-key')! } : {}),
      ...(values['failed-auth-per-ip'] !== undefined ? { failedAuthPerIp: perMinute(values['failed-auth-per-ip'], 'failed-auth-per-ip')! } : {}),
    },
    logger: jsonLogger({ process: basename(values.home) }),
  });
  process.stdout.write(`${JSON.stringify({ http: running.httpPort, nodes: running.nodePorts.tcpPort })}\n`);
  await waitForSignal();
  await running.stop();
  return 0;
}

export async function node(args: string[]): Promise<never> {
  const { values } = parseArgs({
    args,
    options: { home: { type: 'string' }, manifest: { type: 'string' }, name: { type: 'string' }, coordinator: { type: 'string' }, 'paillier-bits': { type: 'string' } },
    strict: true,
  });
  if (!values.home || !values.manifest || !values.name || !values.coordinator) throw new ClusterUsageError('node needs --home, --manifest, --name and --coordinator');
  const pass = process.env.MPC_WALLET_PASSPHRASE;
  if (!pass) throw new ClusterUsageError('set MPC_WALLET_PASSPHRASE');
  const bits = values['paillier-bits'] ?? '3072';
  if (bits !== '2048' && bits !== '3072') throw new ClusterUsageError('--paillier-bits is 2048 or 3072');
  const running = await startSignerNode({
    dataDir: values.home,
    passphrase: pass,
    name: values.name,
    manifest: parseManifest(await readFile(values.manifest, 'utf8')),
    coordinatorUrls: values.coordinator.split(',').map((u) => u.trim()),
    store: storeLocation(values.home, values.name),
    level: bits === '2048' ? SECURITY_LEVEL_TSS_LIB_2048 : SECURITY_LEVEL_128,
    logger: jsonLogger({ process: values.name }),
  });
  await waitForSignal();
  // A safe-prime search in progress runs on libuv's thread pool and cannot be cancelled; it would
  // keep the process alive for minutes after everything else closed. The requests under way get
  // up to 10 s to finish and the store a few seconds to close, then the process ends. The timer is not unref'd: were stop() left waiting on
  // nothing that keeps the event loop alive, the loop would empty and Node would exit with 13
  // (an unsettled top-level await) instead of 0.
  await Promise.race([running.stop(), new Promise((r) => setTimeout(r, 15_000))]);
  process.exit(0);
}
