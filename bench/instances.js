// npm run bench:instances — several coordinator instances (issue 12), on PostgreSQL, Redis and
// NATS from DATABASE_URL, REDIS_URL and NATS_URL: three signer nodes and one, then two
// coordinator instances as separate processes on this machine (started through the CLI):
//   - sustained EdDSA and BIP340 signatures/s with one instance, then with two (the client
//     spreads its requests over them), each with warm pools;
//   - latency (p50, p99, max) of continuous signing during a rolling restart of every instance
//     and every node, one at a time (SIGTERM, then a start), retries included, beside the same
//     figures over the same span without a restart.
// Every figure comes with its baseline from the same run. Writes bench/instances-results.json.
// `--quick` shortens every phase. One machine's two cores serve every process and the client:
// the second instance adds availability here, not cores.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { coordinatorInstanceHome, copyCoordinatorKeys, manifestOfHome, spreadAddresses } from '@mpc-wallet/server';
import { freePort, percentile, sleep, until } from './lib.js';

const QUICK = process.argv.includes('--quick');
const LOAD_SECONDS = QUICK ? 4 : 15;
/** Load before each measurement, so that pools and connections are warm and refills settled. */
const WARM_SECONDS = QUICK ? 2 : 8;
const CONCURRENCY = 16;
const NODES = 3;
const PASSPHRASE = 'benchmark passphrase';
const message = Buffer.from('benchmark: transfer 1 BTC').toString('hex');

for (const v of ['DATABASE_URL', 'REDIS_URL', 'NATS_URL']) {
  if (!process.env[v]) {
    console.error(`bench:instances needs ${v} (several instances share PostgreSQL, Redis and NATS)`);
    process.exit(2);
  }
}

const home = mkdtempSync(join(os.tmpdir(), 'mpc-bench-instances-'));
const run = randomBytes(4).toString('hex');
const env = { ...process.env, MPC_WALLET_PASSPHRASE: PASSPHRASE, MPC_WALLET_SCHEMA_PREFIX: `benchi${run}_` };
const apiKey = `mpcw_${randomBytes(16).toString('hex')}`;
writeFileSync(join(home, 'admin-api-key'), apiKey);
const manifestPath = join(home, 'cluster.json');
writeFileSync(manifestPath, JSON.stringify(await manifestOfHome(home, NODES, PASSPHRASE)));
const INSTANCES = 2;
await copyCoordinatorKeys(home, INSTANCES);
const httpPorts = [];
const nodePorts = [];
for (let i = 0; i < INSTANCES; i++) {
  httpPorts.push(await freePort());
  nodePorts.push(await freePort());
}

let logs = '';
const children = new Map();
function spawnChild(name, argv) {
  const child = spawn(process.execPath, ['packages/cli/bin/mpc-wallet.js', ...argv], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.on('data', (d) => (logs = (logs + d.toString()).slice(-20_000)));
  children.set(name, child);
}
async function stopChild(name) {
  const child = children.get(name);
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  children.delete(name);
}
process.on('exit', () => {
  for (const c of children.values()) c.kill('SIGKILL');
});
const startInstance = (i) =>
  spawnChild(`coordinator-${i}`, ['coordinator', '--home', coordinatorInstanceHome(home, i), '--manifest', manifestPath, '--api-keys-from', home, '--port', String(httpPorts[i]), '--node-port', String(nodePorts[i]), '--nonce-pool-depth', '128']);
/** Node `id`, told the addresses of the first `instances` instances, spread over them. */
function startNode(id, instances) {
  const urls = nodePorts.slice(0, instances).map((p) => `tcp://127.0.0.1:${p}`);
  spawnChild(`node-${id}`, ['node', '--home', join(home, `node-${id}`), '--manifest', manifestPath, '--name', `node-${id}`, '--coordinator', spreadAddresses(urls, id).join(','), '--paillier-bits', '2048']);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function call(instance, method, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const payload = body ? JSON.stringify(body) : undefined;
    const req = http.request(
      `http://127.0.0.1:${httpPorts[instance]}${path}`,
      { method, agent, headers: { authorization: `Bearer ${apiKey}`, ...headers, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
          } catch (e) {
            reject(e);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const waitUntil = (check, what, timeoutMs = 300_000) => until(check, what, timeoutMs, () => logs.slice(-3000));
const listening = (i) => waitUntil(async () => (await call(i, 'GET', '/healthz')).status === 200, `instance ${i} listening`);
const ready = (i) => waitUntil(async () => (await call(i, 'GET', '/readyz')).status === 200, `instance ${i} ready`);
const allOnline = (i) => waitUntil(async () => (await call(i, 'GET', '/v1/nodes')).body.every((n) => n.status === 'online'), 'every node online');

/** Signs with retries across the instances in use, as a client behind a load balancer: ms from first attempt to answer. */
let sequence = 0;
async function sign(keyId, instances, first) {
  const idempotencyKey = `bench-${run}-${sequence++}`;
  const started = performance.now();
  for (let attempt = 0; ; attempt++) {
    const i = (first + attempt) % instances;
    const r = await call(i, 'POST', `/v1/keys/${keyId}/signatures`, { message }, { 'idempotency-key': idempotencyKey }).catch(() => undefined);
    if (r?.status === 200) return performance.now() - started;
    if (r && !(r.status === 502 || r.status === 503 || r.body?.error?.retriable)) throw new Error(`non-retriable answer: ${JSON.stringify(r.body)}`);
    if (performance.now() - started > 120_000) throw new Error(`no answer in 120 s: ${JSON.stringify(r?.body)}`);
    await sleep(100);
  }
}

/** CONCURRENCY clients signing with `keys` in turn, each request to the next instance, for `seconds` or until `stop` resolves. */
async function load(keys, instances, { seconds, stop } = {}) {
  const latencies = [];
  let done = false;
  const started = performance.now();
  const ends = stop ? stop.then(() => (done = true)) : sleep(seconds * 1000).then(() => (done = true));
  let n = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (!done) {
        const k = n++;
        latencies.push(await sign(keys[k % keys.length], instances, k % instances));
      }
    }),
  );
  await ends;
  const elapsed = (performance.now() - started) / 1000;
  return { perSecond: latencies.length / elapsed, count: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: Math.max(...latencies) };
}

const rows = [];
function row(name, value, unit, baseline) {
  rows.push({ name, value: Number(value.toFixed(2)), unit, ...(baseline ? { baseline: { ...baseline, value: Number(baseline.value.toFixed(2)) } } : {}) });
  console.log(`${name.padEnd(70)} ${value.toFixed(2).padStart(9)} ${unit}${baseline ? `   (baseline ${baseline.name}: ${baseline.value.toFixed(2)} ${unit})` : ''}`);
}

try {
  // One instance: every node attached to it.
  startInstance(0);
  await listening(0);
  for (let id = 1; id <= NODES; id++) startNode(id, 1);
  await ready(0);
  await allOnline(0);
  const keys = [];
  for (const scheme of ['eddsa-ed25519', 'schnorr-bip340']) {
    const r = await call(0, 'POST', '/v1/keys', { scheme, threshold: 2, parties: 3 });
    await waitUntil(async () => (await call(0, 'GET', `/v1/keys/${r.body.id}`)).body.status === 'active', `${scheme} key`);
    keys.push(r.body.id);
  }
  await sleep(3000); // pools fill
  await load(keys, 1, { seconds: WARM_SECONDS });
  const one = await load(keys, 1, { seconds: LOAD_SECONDS });
  row('sustained signatures/s, one instance (EdDSA and BIP340 in turn)', one.perSecond, 'sig/s');

  // Two instances: the nodes restarted with both addresses, spread over them.
  startInstance(1);
  await listening(1);
  for (let id = 1; id <= NODES; id++) {
    await stopChild(`node-${id}`);
    startNode(id, INSTANCES);
  }
  for (let i = 0; i < INSTANCES; i++) await ready(i);
  await allOnline(0);
  await sleep(3000);
  await load(keys, INSTANCES, { seconds: WARM_SECONDS });
  const two = await load(keys, INSTANCES, { seconds: LOAD_SECONDS });
  row('sustained signatures/s, two instances (requests spread over both)', two.perSecond, 'sig/s', { name: 'one instance', value: one.perSecond });

  // Rolling restart under load against the same span of load without one.
  const restart = async () => {
    for (let i = 0; i < INSTANCES; i++) {
      await stopChild(`coordinator-${i}`);
      startInstance(i);
      await ready(i);
      await sleep(1000);
    }
    for (let id = 1; id <= NODES; id++) {
      await stopChild(`node-${id}`);
      startNode(id, INSTANCES);
      await allOnline(0);
      await sleep(1000);
    }
  };
  const restartStarted = performance.now();
  const rolling = await load(keys, INSTANCES, { stop: restart() });
  const span = (performance.now() - restartStarted) / 1000;
  const steady = await load(keys, INSTANCES, { seconds: span });
  row('signatures/s during a rolling restart of 2 instances and 3 nodes', rolling.perSecond, 'sig/s', { name: 'same span, no restart', value: steady.perSecond });
  row('p50 latency during the rolling restart (retries included)', rolling.p50, 'ms', { name: 'no restart', value: steady.p50 });
  row('p99 latency during the rolling restart (retries included)', rolling.p99, 'ms', { name: 'no restart', value: steady.p99 });
  row('max latency during the rolling restart (retries included)', rolling.max, 'ms', { name: 'no restart', value: steady.max });
  console.log(`(rolling restart: ${span.toFixed(1)} s, ${rolling.count} signatures, every one completed)`);
  writeFileSync(
    'bench/instances-results.json',
    `${JSON.stringify({ date: new Date().toISOString(), machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model }, quick: QUICK, concurrency: CONCURRENCY, loadSeconds: LOAD_SECONDS, rows }, null, 2)}\n`,
  );
} finally {
  for (const name of [...children.keys()]) await stopChild(name);
  rmSync(home, { recursive: true, force: true });
}
