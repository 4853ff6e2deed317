/**
 * The README's main command: `mpc-wallet up` starts a coordinator and three signer nodes as
 * separate processes; a key made in one run signs in the next; Ctrl-C (SIGINT) stops all four;
 * logs are JSON lines that carry no secret.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';

const BIN = fileURLToPath(new URL('../bin/mpc-wallet.js', import.meta.url));

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

let home = '';
/** The `up` process of the moment, stopped after a failure too (its children write into `home`). */
let running: ChildProcess | undefined;
afterAll(async () => {
  if (running && running.exitCode === null && running.signalCode === null) {
    const exited = new Promise((r) => running!.once('exit', r));
    running.kill('SIGINT');
    await exited;
  }
  if (home) await rm(dirname(home), { recursive: true, force: true });
});

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('mpc-wallet up', () => {
  it('runs the cluster, keeps keys across a restart, stops on Ctrl-C, and logs no secret', async () => {
    // A home that does not exist yet, as on a fresh machine.
    home = join(await mkdtemp(join(tmpdir(), 'mpc-up-')), 'home');
    const port = await freePort();
    const prefix = `up${randomBytes(4).toString('hex')}_`;
    let logs = '';
    const start = (): ChildProcess => {
      const child = spawn(process.execPath, [BIN, 'up', '--port', String(port), '--home', home], {
        env: { ...process.env, MPC_WALLET_SCHEMA_PREFIX: prefix, MPC_WALLET_PASSPHRASE: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stderr!.on('data', (d: Buffer) => (logs += d.toString()));
      child.stdout!.on('data', (d: Buffer) => (logs += d.toString()));
      running = child;
      return child;
    };
    const api = `http://127.0.0.1:${port}`;
    const call = async (method: string, path: string, apiKey: string, body?: unknown) => {
      const res = await fetch(`${api}${path}`, { method, headers: { authorization: `Bearer ${apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- asserted field by field
      return { status: res.status, body: (await res.json()) as any };
    };
    /** Log lines above info level: what a failed stop is explained by. */
    const troubles = () => logs.split('\n').filter((l) => l && !l.includes('"level":"info"')).join('\n');
    const stop = async (child: ChildProcess) => {
      const exited = new Promise<number | null>((r) => child.once('exit', r));
      child.kill('SIGINT');
      return exited;
    };

    const first = start();
    await until(async () => (await fetch(`${api}/readyz`)).status === 200, 'the first start');
    const apiKey = (await readFile(join(home, 'admin-api-key'), 'utf8')).trim();
    const allOnline = async () => (await call('GET', '/v1/nodes', apiKey)).body.filter((n: { status: string }) => n.status === 'online').length === 3;
    await until(allOnline, 'three nodes online');
    expect((await stat(join(home, 'admin-api-key'))).mode & 0o777).toBe(0o600);
    const passphrase = (await readFile(join(home, 'passphrase'), 'utf8')).trim();
    const created = await call('POST', '/v1/keys', apiKey, { scheme: 'eddsa-ed25519', threshold: 2, parties: 3 });
    expect(created.status).toBe(201);
    const message = '68656c6c6f';
    const signed = await call('POST', `/v1/keys/${created.body.id}/signatures`, apiKey, { message });
    expect(ed25519.verify(Buffer.from(signed.body.signature!, 'hex'), Buffer.from(message, 'hex'), Buffer.from(created.body.publicKey!, 'hex'))).toBe(true);

    // A second `up` on the same home while the first runs: its processes find the data folders
    // locked and it exits with an error; the first cluster goes on signing.
    const intruder = spawn(process.execPath, [BIN, 'up', '--port', String(await freePort()), '--home', home], {
      env: { ...process.env, MPC_WALLET_SCHEMA_PREFIX: prefix, MPC_WALLET_PASSPHRASE: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let intruderLogs = '';
    intruder.stderr!.on('data', (d: Buffer) => (intruderLogs += d.toString()));
    expect(await new Promise<number | null>((r) => intruder.once('exit', r))).toBe(1);
    expect(intruderLogs).toContain('is in use by process');
    expect((await call('POST', `/v1/keys/${created.body.id}/signatures`, apiKey, { message })).status).toBe(200);
    expect(await stop(first), troubles()).toBe(0);

    const second = start();
    await until(async () => (await fetch(`${api}/readyz`)).status === 200, 'the second start');
    await until(allOnline, 'three nodes online again');
    const again = await call('POST', `/v1/keys/${created.body.id}/signatures`, apiKey, { message });
    expect(again.status).toBe(200);
    expect(ed25519.verify(Buffer.from(again.body.signature!, 'hex'), Buffer.from(message, 'hex'), Buffer.from(created.body.publicKey!, 'hex'))).toBe(true);
    expect(await stop(second), troubles()).toBe(0);

    const lines = logs.trim().split('\n');
    expect(lines.length).toBeGreaterThan(8);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    for (const secret of [apiKey, passphrase]) expect(logs).not.toContain(secret);
    for (const name of ['coordinator', 'node-1', 'node-2', 'node-3']) expect(logs).toContain(`"process":"${name}"`);
  }, 420_000);

  it('refuses a pool depth that is not an integer from 0 to 1000 (exit 2, one line)', async () => {
    for (const bad of [['--nonce-pool-depth', 'many'], ['--presign-pool-depth', '1001']]) {
      const child = spawn(process.execPath, [BIN, 'up', '--home', join(tmpdir(), 'never-made'), ...bad], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      expect(await new Promise<number | null>((r) => child.once('exit', r))).toBe(2);
      expect(err.trim().split('\n')).toHaveLength(1);
      expect(err).toContain(bad[0]);
    }
  });

  it('refuses several coordinator instances without PostgreSQL, Redis and NATS, or without a port (exit 2, one line naming what is missing)', async () => {
    const { DATABASE_URL: _d, REDIS_URL: _r, NATS_URL: _n, ...bare } = process.env;
    const shared = { ...bare, DATABASE_URL: 'postgres://127.0.0.1:1/none', REDIS_URL: 'redis://127.0.0.1:1', NATS_URL: 'nats://127.0.0.1:1' };
    for (const [args, env, says] of [
      [['--coordinators', '2'], { ...bare, REDIS_URL: 'redis://127.0.0.1:1' }, 'DATABASE_URL, NATS_URL'],
      [['--coordinators', '0'], bare, '--coordinators'],
      [['--coordinators', '10'], bare, '--coordinators'],
      [['--coordinators', '2', '--port', '0'], shared, '--port'],
    ] as const) {
      const child = spawn(process.execPath, [BIN, 'up', '--home', join(tmpdir(), 'never-made'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      expect(await new Promise<number | null>((r) => child.once('exit', r)), args.join(' ')).toBe(2);
      expect(err.trim().split('\n')).toHaveLength(1);
      expect(err).toContain(says);
    }
  });
});
