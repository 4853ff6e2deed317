/**
 * PostgreSQL, Redis and NATS servers of a test's own, on free ports, that the test may stop and
 * start again (fault injection) without touching the machine's shared services. Each is found on
 * the PATH (PostgreSQL also under /usr/lib/postgresql); `available()` says which are missing.
 * PostgreSQL refuses to run as root, so as root its cluster belongs to the `postgres` user.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestService {
  url: string;
  /** Stops the server (its data stays: PostgreSQL's and JetStream's). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its data. */
  remove(): Promise<void>;
}

function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, command))) return join(dir, command);
  return undefined;
}

function postgresBin(command: string): string | undefined {
  const found = which(command);
  if (found) return found;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  for (const version of readdirSync(root).sort().reverse()) if (existsSync(join(root, version, 'bin', command))) return join(root, version, 'bin', command);
  return undefined;
}

/** What cannot be started here, by name; empty when everything can. */
export function missingServers(): string[] {
  const missing: string[] = [];
  if (!which('redis-server')) missing.push('redis-server');
  if (!which('nats-server')) missing.push('nats-server');
  if (!postgresBin('initdb') || !postgresBin('pg_ctl')) missing.push('initdb/pg_ctl');
  if (process.getuid?.() === 0 && !which('runuser')) missing.push('runuser (PostgreSQL as root)');
  return missing;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on `port`. */
async function listening(port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A server run as a child process; stopping it kills it and waits for its exit. */
function childService(url: string, port: number, launch: () => ChildProcess, cleanup: () => Promise<void>): TestService {
  let child: ChildProcess | undefined;
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  return {
    url,
    async start() {
      child = launch();
      await listening(port);
    },
    stop,
    async remove() {
      await stop();
      await cleanup();
    },
  };
}

export async function startRedis(): Promise<TestService> {
  const port = await freePort();
  const service = childService(
    `redis://127.0.0.1:${port}`,
    port,
    () => spawn(which('redis-server')!, ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' }),
    async () => {},
  );
  await service.start();
  return service;
}

export async function startNats(): Promise<TestService> {
  const port = await freePort();
  const store = await mkdtemp(join(tmpdir(), 'mpc-nats-'));
  const service = childService(
    `nats://127.0.0.1:${port}`,
    port,
    () => spawn(which('nats-server')!, ['--jetstream', '--addr', '127.0.0.1', '--port', String(port), '--store_dir', store], { stdio: 'ignore' }),
    () => rm(store, { recursive: true, force: true }),
  );
  await service.start();
  return service;
}

export async function startPostgres(): Promise<TestService> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'mpc-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  // As root, PostgreSQL's tools run as the postgres user, which must own the folder.
  const run = (command: string, args: string[]) => (asRoot ? execFileSync(which('runuser')!, ['-u', 'postgres', '--', postgresBin(command)!, ...args], { stdio: 'ignore' }) : execFileSync(postgresBin(command)!, args, { stdio: 'ignore' }));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    await chown(dir, uid, gid);
  }
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off`;
  const service: TestService = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']);
      await listening(port);
    },
    async stop() {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    },
    async remove() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
  await service.start();
  return service;
}
