// npm run bench:cluster — the local cluster over HTTP (`mpc-wallet up`: a coordinator and three
// signer nodes as separate processes on this machine), per scheme:
//   - pool refill rate: nonces/s and presignatures/s from a new key's empty pools to full;
//   - latency at low load with warm pools (p50, p99 of sequential requests, each pooled);
//   - sustained signatures/s under concurrent load with warm pools (refilling as they drain);
//   - where the time of one signature goes (the coordinator's Server-Timing stages and the
//     signers' own), and the CPU each process spends per signature under load;
//   - batch signing (FROST): one request of many messages against as many single requests, and
//     sustained signatures/s in batches;
//   - then the same cluster restarted with pool depths 0: latency and sustained signatures/s
//     with empty pools (every signature computes its nonces or presignature online);
//   - then restarted with warm pools and without the audit log (`--unaudited`): sustained
//     signatures/s (single requests and batches) and authenticated reads/s, each beside its
//     figure with the audit log;
// each beside single-key signing with @noble/curves in the same run.
// Writes bench/cluster-results.json. `--quick` shortens every phase; `--paillier-bits 3072`
// measures ECDSA at the default level (its first key then waits minutes for safe primes);
// `--external` uses DATABASE_URL and REDIS_URL as set.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { freePort, median, percentile, sleep, until } from './lib.js';

const QUICK = process.argv.includes('--quick');
const BITS = process.argv.includes('--paillier-bits') ? process.argv[process.argv.indexOf('--paillier-bits') + 1] : '2048';
const EXTERNAL = process.argv.includes('--external');
const LOAD_SECONDS = QUICK ? 3 : 10;
const CONCURRENCY = 16;
/** Messages per batch request, and clients sending batches at once, in the batch phase. */
const BATCH = QUICK ? 32 : 64;
const BATCH_CLIENTS = 2;
/** Pool depths of the warm phase: deep enough that the sequential samples never wait for a refill. */
const NONCE_DEPTH = QUICK ? 48 : 128;
const PRESIGN_DEPTH = QUICK ? 8 : 32;
const SCHEMES = (() => {
  const message = Buffer.from('benchmark: transfer 1 BTC').toString('hex');
  const msg = Buffer.from(message, 'hex');
  const edKey = ed25519.utils.randomSecretKey();
  const secpKey = secp256k1.utils.randomSecretKey();
  return {
    'eddsa-ed25519': { body: { message }, sequential: QUICK ? 20 : 100, unpooledConcurrency: CONCURRENCY, baseline: ['noble ed25519.sign', () => ed25519.sign(msg, edKey)] },
    'schnorr-bip340': { body: { message }, sequential: QUICK ? 20 : 100, unpooledConcurrency: CONCURRENCY, baseline: ['noble schnorr.sign', () => schnorr.sign(msg, secpKey)] },
    // Warm samples stay above the presignature pool's low-water mark (a quarter of its depth):
    // below it a refill would start at once and compete for the CPU.
    'ecdsa-secp256k1': { body: { message, hash: 'keccak256' }, sequential: (PRESIGN_DEPTH * 3) / 4 - 1, unpooledConcurrency: 4, baseline: ['noble secp256k1.sign (keccak256)', () => secp256k1.sign(keccak_256(msg), secpKey)] },
  };
})();

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

const home = mkdtempSync(join(os.tmpdir(), 'mpc-bench-'));
const port = await freePort();
const env = { ...process.env, MPC_WALLET_HOME: home, MPC_WALLET_SCHEMA_PREFIX: `bench${process.pid}_` };
if (!EXTERNAL) {
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
}
const api = `http://127.0.0.1:${port}`;
let apiKey;
let cluster;
let logs = '';

const waitUntil = (check, what, timeoutMs = 900_000) => until(check, what, timeoutMs, () => logs.slice(-3000));

/**
 * One request over a keep-alive connection of node:http: the benchmark client shares the two
 * cores with the cluster, and fetch (undici) spends about twice the CPU per request.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const payload = body ? JSON.stringify(body) : undefined;
    const req = http.request(`${api}${path}`, { method, agent, headers: { authorization: `Bearer ${apiKey}`, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode, body: JSON.parse(Buffer.concat(chunks).toString('utf8')), timing: res.headers['server-timing'] ?? null });
        } catch (e) {
          reject(e);
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function startCluster(poolArgs) {
  cluster = spawn(process.execPath, ['packages/cli/bin/mpc-wallet.js', 'up', '--port', String(port), '--paillier-bits', BITS, ...poolArgs], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  cluster.stderr.on('data', (d) => (logs = (logs + d.toString()).slice(-20_000)));
  await waitUntil(async () => {
    apiKey = readFileSync(join(home, 'admin-api-key'), 'utf8').trim();
    return (await fetch(`${api}/readyz`)).status === 200 && (await call('GET', '/v1/nodes')).body.every((n) => n.status === 'online');
  }, 'the cluster');
}

async function stopCluster() {
  const exited = new Promise((r) => cluster.once('exit', r));
  cluster.kill('SIGINT');
  await exited;
}
process.on('exit', () => cluster?.kill('SIGINT'));

/** CPU milliseconds used so far by each process of the cluster (Linux /proc), by role. */
function clusterCpu() {
  if (!existsSync(`/proc/${cluster.pid}/task`)) return undefined;
  const out = new Map();
  const ticks = (pid) => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * (1000 / 100);
  };
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.split(') ')[1].split(' ')[1]) !== cluster.pid) continue;
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const role = argv.includes('coordinator') ? 'coordinator' : argv[argv.indexOf('--name') + 1];
      out.set(role, ticks(pid));
    } catch {
      // the process ended meanwhile
    }
  }
  out.set('benchmark client', ticks(process.pid));
  return out;
}

/**
 * Waits until the cluster's processes together use under a tenth of a core over two seconds:
 * safe-prime searches (the nodes keep a small pool, refilled after each auxiliary information)
 * and pool refills would otherwise share the CPU with what is measured.
 */
async function quiet(what) {
  const deadline = Date.now() + 900_000;
  for (;;) {
    const before = clusterCpu();
    if (!before) return;
    await sleep(2000);
    const after = clusterCpu();
    const used = [...after].filter(([role]) => role !== 'benchmark client').reduce((sum, [role, ms]) => sum + ms - (before.get(role) ?? ms), 0);
    if (used < 200) return;
    if (Date.now() > deadline) {
      console.log(`(the cluster did not go quiet before ${what}; measuring anyway)`);
      return;
    }
  }
}

const rows = [];
function row(scheme, name, value, unit, extra = {}) {
  rows.push({ scheme, name, value: Number(value.toFixed(2)), unit, ...extra });
  const b = extra.baseline;
  const base = b ? `   (baseline ${b.name}: ${(b.ms ?? b.value).toFixed(2)} ${b.ms !== undefined ? 'ms' : b.unit})` : '';
  console.log(`${scheme.padEnd(16)} ${name.padEnd(64)} ${value.toFixed(2).padStart(9)} ${unit}${base}`);
}

function baselineMs(fn) {
  const t = performance.now();
  let n = 0;
  while (performance.now() - t < 200) {
    fn();
    n++;
  }
  return (performance.now() - t) / n;
}

const parseTiming = (header) => new Map((header ?? '').split(', ').filter(Boolean).map((e) => [e.split(';')[0], Number(e.split('dur=')[1])]));

async function signOnce(scheme, id) {
  const t = performance.now();
  const r = await call('POST', `/v1/keys/${id}/signatures`, SCHEMES[scheme].body);
  if (r.status !== 200) throw new Error(`${scheme}: ${JSON.stringify(r.body)}`);
  return { ms: performance.now() - t, pooled: r.body.pooled, stages: parseTiming(r.timing) };
}

async function poolLevels(id) {
  const r = await call('GET', `/v1/keys/${id}/pools`);
  const levels = r.body.nonces ?? r.body.presignatures;
  return { size: levels.reduce((s, p) => s + p.size, 0), depth: levels.reduce((s, p) => s + p.depth, 0) };
}

async function sequential(scheme, id, count, baselineFn) {
  const lat = [];
  const base = [];
  const stages = [];
  let pooled = 0;
  for (let i = 0; i < count; i++) {
    const r = await signOnce(scheme, id);
    lat.push(r.ms);
    stages.push(r.stages);
    if (r.pooled) pooled++;
    if (i % 10 === 0) base.push(baselineMs(baselineFn));
  }
  return { lat, stages, pooled, baseline: median(base) };
}

async function load(scheme, id, concurrency) {
  let done = 0;
  let failed = 0;
  let pooled = 0;
  const lat = [];
  const cpuBefore = clusterCpu();
  const start = performance.now();
  const end = start + LOAD_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        try {
          const r = await signOnce(scheme, id);
          lat.push(r.ms);
          done++;
          if (r.pooled) pooled++;
        } catch {
          failed++;
        }
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const cpuAfter = clusterCpu();
  const cpu = cpuBefore && cpuAfter ? [...cpuAfter].map(([role, ms]) => [role, (ms - (cpuBefore.get(role) ?? 0)) / Math.max(done, 1)]) : [];
  return { perSecond: done / seconds, failed, pooled, done, lat, cpu };
}

async function createKey(scheme) {
  const created = await call('POST', '/v1/keys', { scheme, threshold: 2, parties: 3 });
  const id = created.body.id;
  await waitUntil(async () => (await call('GET', `/v1/keys/${id}`)).body.status === 'active', `${scheme} key`);
  return id;
}

const keys = {};
/** Sustained single-request signatures/s with the audit log, per scheme (the unaudited phase compares). */
const singlesWithAudit = {};
// ---- phase 1: warm pools --------------------------------------------------------------------
await startCluster(['--nonce-pool-depth', String(NONCE_DEPTH), '--presign-pool-depth', String(PRESIGN_DEPTH)]);
// The committee's first ECDSA key makes its auxiliary information (safe primes): done before
// anything is measured, and the measured keys are new ones.
await createKey('ecdsa-secp256k1');
for (const [scheme, s] of Object.entries(SCHEMES)) {
  await quiet(`${scheme}`);
  const id = await createKey(scheme);
  keys[scheme] = id;
  // Refill rate: a new key's pools from empty to warm (FROST: all three nodes at once). Warm is
  // three quarters of the depth: nonce pools top up only once a quarter is missing, so a full
  // batch may leave them there.
  const fillStart = performance.now();
  let levels;
  await waitUntil(async () => {
    levels = await poolLevels(id);
    return levels.size >= (levels.depth * 3) / 4;
  }, `${scheme} pools`);
  const fillSeconds = (performance.now() - fillStart) / 1000;
  const item = scheme === 'ecdsa-secp256k1' ? 'presignatures' : 'nonce pairs (3 nodes)';
  row(scheme, `pool refill rate, ${item}, empty to ${levels.size}`, levels.size / fillSeconds, `${scheme === 'ecdsa-secp256k1' ? 'presig' : 'nonces'}/s`, { seconds: Number(fillSeconds.toFixed(2)) });

  await quiet(`${scheme} latency`);
  const warm = await sequential(scheme, id, s.sequential, s.baseline[1]);
  const baseline = { name: s.baseline[0], ms: warm.baseline };
  row(scheme, `latency p50, sequential, warm pools (${warm.pooled}/${s.sequential} pooled)`, percentile(warm.lat, 50), 'ms', { baseline, samples: s.sequential });
  row(scheme, 'latency p99, sequential, warm pools', percentile(warm.lat, 99), 'ms', { baseline });
  // Where the time of one signature goes (means over the warm samples). The signers' stages are
  // their mean; "transit" is the nodes' round trip less the nodes' own handling (request and
  // result over Noise through the coordinator), "waiting for the peer" is the protocol's time
  // less its own computing (relay, Noise and the peer's computing).
  const stage = (name) => mean(warm.stages.map((m) => m.get(name) ?? 0));
  const coordinatorMs = ['record', 'pool', 'nodes', 'verify', 'finish'].reduce((sum, n) => sum + stage(n), 0);
  const breakdown = [
    ['client, HTTP and fastify (round trip less the coordinator stages)', mean(warm.lat) - coordinatorMs],
    ['coordinator: key lookup and request record (metadata store)', stage('record')],
    ['coordinator: pool claim (session store)', stage('pool')],
    ['coordinator→node→coordinator transit (request signing, Noise, queues)', stage('nodes') - stage('node-total')],
    ['node: request check (coordinator signature, freshness)', stage('node-check')],
    ['node: store (key, session claim, pooled item, signature log)', stage('node-store')],
    ['node: computing (a FROST share, or protocol steps)', stage('node-compute')],
    // Pooled FROST runs no protocol between the nodes (the coordinator aggregates): no waiting.
    ['node: waiting for the peer (relay, Noise, peer computing)', Math.max(0, stage('node-protocol') - stage('node-compute'))],
    ['node: the rest (key form, hashing, own verification of the signature)', stage('node-total') - stage('node-check') - stage('node-store') - Math.max(stage('node-protocol'), stage('node-compute'))],
    ['coordinator: aggregation (FROST) and signature verification', stage('verify')],
    ['coordinator: request record finished (metadata store)', stage('finish')],
  ];
  for (const [name, ms] of breakdown) row(scheme, `time of one signature: ${name}`, ms, 'ms');

  // Nonce pools top up only once a quarter is missing: three quarters full is as warm as they get.
  await waitUntil(async () => {
    const l = await poolLevels(id);
    return l.size >= (l.depth * 3) / 4;
  }, `${scheme} pools refilled`);
  await quiet(`${scheme} load`);
  const loaded = await load(scheme, id, CONCURRENCY);
  singlesWithAudit[scheme] = { perSecond: loaded.perSecond, coordinatorCpu: new Map(loaded.cpu).get('coordinator') };
  row(scheme, `sustained signatures/s, ${CONCURRENCY} clients, warm pools (${loaded.pooled}/${loaded.done} pooled)`, loaded.perSecond, 'sig/s', {
    failed: loaded.failed,
    baseline: { name: `${s.baseline[0]} (one core, ops/s)`, ms: warm.baseline },
  });
  row(scheme, 'latency p50 under that load', percentile(loaded.lat, 50), 'ms');
  for (const [role, ms] of loaded.cpu) row(scheme, `CPU per signature under that load: ${role}`, ms, 'ms');
}

// An authenticated HTTP round trip that does no protocol work, for scale (once the presignature
// refill after the ECDSA load is done).
await quiet('the HTTP round trip');
const roundTrips = [];
for (let i = 0; i < 100; i++) {
  const t = performance.now();
  await call('GET', `/v1/keys/${keys['eddsa-ed25519']}`);
  roundTrips.push(performance.now() - t);
}
row('all', 'HTTP round trip, authenticated GET (no protocol), p50', percentile(roundTrips, 50), 'ms');
// Requests/s on an authenticated read route (API key check, rate limits, a key lookup): the API's
// own ceiling on this machine, beside which the signing figures stand.
const READS = `authenticated GET /v1/keys/{id}, ${CONCURRENCY} clients: requests/s`;
async function readLoad() {
  let reads = 0;
  const end = performance.now() + LOAD_SECONDS * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        if ((await call('GET', `/v1/keys/${keys['eddsa-ed25519']}`)).status === 200) reads++;
      }
    }),
  );
  return reads / ((performance.now() - start) / 1000);
}
const audited = { reads: await readLoad(), singles: {}, batches: {} };
row('all', READS, audited.reads, 'req/s');

async function sustainedBatches(scheme, id, messages) {
  let done = 0;
  let pooled = 0;
  const start = performance.now();
  const end = start + LOAD_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: BATCH_CLIENTS }, async () => {
      while (performance.now() < end) {
        const r = await call('POST', `/v1/keys/${id}/signatures:batch`, { messages });
        if (r.status !== 200) throw new Error(`${scheme} batch: ${JSON.stringify(r.body).slice(0, 300)}`);
        done += r.body.signatures.filter((x) => x.signature).length;
        pooled += r.body.signatures.filter((x) => x.pooled).length;
      }
    }),
  );
  return { done, pooled, perSecond: done / ((performance.now() - start) / 1000) };
}

// Batch signing (POST …/signatures:batch): BATCH messages in one request against the same number
// of single requests (16 at a time, as the load phase sends them), then sustained batches.
for (const scheme of ['eddsa-ed25519', 'schnorr-bip340']) {
  const id = keys[scheme];
  const messages = Array.from({ length: BATCH }, (_, i) => Buffer.from(`batch item ${i}`).toString('hex'));
  const warmed = async (what) => {
    await waitUntil(async () => {
      const l = await poolLevels(id);
      return l.size >= (l.depth * 3) / 4;
    }, `${scheme} pools refilled (${what})`);
    await quiet(`${scheme} ${what}`);
  };
  await warmed('batch');
  let t = performance.now();
  const batch = await call('POST', `/v1/keys/${id}/signatures:batch`, { messages });
  const batchMs = performance.now() - t;
  if (batch.status !== 200 || batch.body.signatures.some((x) => !x.signature)) throw new Error(`${scheme} batch: ${JSON.stringify(batch.body).slice(0, 300)}`);
  const batchPooled = batch.body.signatures.filter((x) => x.pooled).length;
  await warmed('singles');
  t = performance.now();
  const queue = [...messages];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let m = queue.shift(); m !== undefined; m = queue.shift()) {
        const r = await call('POST', `/v1/keys/${id}/signatures`, { message: m });
        if (r.status !== 200) throw new Error(`${scheme}: ${JSON.stringify(r.body)}`);
      }
    }),
  );
  const singlesMs = performance.now() - t;
  const singles = { name: `the same ${BATCH} as single requests, ${CONCURRENCY} clients`, ms: singlesMs };
  row(scheme, `batch of ${BATCH} messages in one request (${batchPooled}/${BATCH} pooled): wall time`, batchMs, 'ms', { baseline: singles });
  row(scheme, `batch of ${BATCH} in one request: signatures/s`, (BATCH * 1000) / batchMs, 'sig/s', { baseline: { name: `single requests (sig/s = ${((BATCH * 1000) / singlesMs).toFixed(1)}), wall time`, ms: singlesMs } });
  await warmed('sustained batches');
  const sustained = await sustainedBatches(scheme, id, messages);
  audited.batches[scheme] = sustained.perSecond;
  row(scheme, `sustained signatures/s, batches of ${BATCH}, ${BATCH_CLIENTS} clients (${sustained.pooled}/${sustained.done} pooled)`, sustained.perSecond, 'sig/s');
}

// ---- phase 2: the same cluster and keys, pools off --------------------------------------------
await stopCluster();
await startCluster(['--nonce-pool-depth', '0', '--presign-pool-depth', '0']);
for (const [scheme, s] of Object.entries(SCHEMES)) {
  const id = keys[scheme];
  await quiet(`${scheme} without pools`);
  const cold = await sequential(scheme, id, Math.min(s.sequential, scheme === 'ecdsa-secp256k1' ? 5 : 30), s.baseline[1]);
  const baseline = { name: s.baseline[0], ms: cold.baseline };
  row(scheme, `latency p50, sequential, empty pools (${cold.pooled} pooled)`, percentile(cold.lat, 50), 'ms', { baseline, samples: cold.lat.length });
  const loaded = await load(scheme, id, s.unpooledConcurrency);
  row(scheme, `sustained signatures/s, ${s.unpooledConcurrency} clients, empty pools (${loaded.pooled} pooled)`, loaded.perSecond, 'sig/s', { failed: loaded.failed });
}

// ---- phase 3: warm pools again, without the audit log --------------------------------------------
// What auditing keys, signatures and nodes costs (`--unaudited`, a measurement setting): the same
// loads as phase 1, each beside its figure with the audit log.
await stopCluster();
await startCluster(['--nonce-pool-depth', String(NONCE_DEPTH), '--presign-pool-depth', String(PRESIGN_DEPTH), '--unaudited']);
for (const scheme of ['eddsa-ed25519', 'schnorr-bip340']) {
  const id = keys[scheme];
  const messages = Array.from({ length: BATCH }, (_, i) => Buffer.from(`unaudited batch item ${i}`).toString('hex'));
  const warmedUp = async (what) => {
    await waitUntil(async () => {
      const l = await poolLevels(id);
      return l.size >= (l.depth * 3) / 4;
    }, `${scheme} pools (${what}, unaudited)`);
    await quiet(`${scheme} ${what}, unaudited`);
  };
  await warmedUp('load');
  const loaded = await load(scheme, id, CONCURRENCY);
  const withAudit = singlesWithAudit[scheme];
  row(scheme, `sustained signatures/s, ${CONCURRENCY} clients, warm pools (${loaded.pooled}/${loaded.done} pooled), WITHOUT the audit log`, loaded.perSecond, 'sig/s', { failed: loaded.failed, baseline: { name: 'with the audit log', value: withAudit.perSecond, unit: 'sig/s' } });
  // Steadier than throughput between runs: the coordinator's CPU per signature (it appends the entries).
  const coordinatorCpu = new Map(loaded.cpu).get('coordinator');
  if (coordinatorCpu !== undefined && withAudit.coordinatorCpu !== undefined) row(scheme, 'CPU per signature under that load: coordinator, WITHOUT the audit log', coordinatorCpu, 'ms', { baseline: { name: 'with the audit log', ms: withAudit.coordinatorCpu } });
  await warmedUp('batches');
  const sustained = await sustainedBatches(scheme, id, messages);
  row(scheme, `sustained signatures/s, batches of ${BATCH}, WITHOUT the audit log`, sustained.perSecond, 'sig/s', { baseline: { name: 'with the audit log', value: audited.batches[scheme], unit: 'sig/s' } });
}
await quiet('reads, unaudited');
row('all', `${READS}, WITHOUT the audit log`, await readLoad(), 'req/s', { baseline: { name: 'with the audit log', value: audited.reads, unit: 'req/s' } });

await stopCluster();
writeFileSync(
  'bench/cluster-results.json',
  `${JSON.stringify({ when: new Date().toISOString(), machine: { cpus: os.cpus().length, node: process.version }, paillierBits: Number(BITS), stores: EXTERNAL ? 'postgresql+redis' : 'pglite+memory', quick: QUICK, poolDepths: { nonces: NONCE_DEPTH, presignatures: PRESIGN_DEPTH }, rows }, null, 2)}\n`,
);
rmSync(home, { recursive: true, force: true });
console.log('wrote bench/cluster-results.json');
