// npm run bench:cluster — the local cluster over HTTP (`mpc-wallet up`: a coordinator and three
// signer nodes as separate processes on this machine), per scheme: latency at low load (p50,
// p99 of sequential requests), sustained signatures/s under concurrent load, and where the time
// of one signature goes; each beside single-key signing with @noble/curves in the same run.
// Writes bench/cluster-results.json. `--quick` shortens every phase; `--paillier-bits 3072`
// measures ECDSA at the default level (its first key then waits minutes for safe primes).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { median } from './lib.js';

const QUICK = process.argv.includes('--quick');
const BITS = process.argv.includes('--paillier-bits') ? process.argv[process.argv.indexOf('--paillier-bits') + 1] : '2048';
const SEQUENTIAL = QUICK ? 20 : 100;
const LOAD_SECONDS = QUICK ? 3 : 10;
const CONCURRENCY = 16;

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const hex = (b) => Buffer.from(b).toString('hex');

const home = mkdtempSync(join(os.tmpdir(), 'mpc-bench-'));
const port = await freePort();
// Embedded stores (PGlite, in-memory sessions) unless `--external`: then DATABASE_URL and
// REDIS_URL as set, with schemas and keys of this run.
const EXTERNAL = process.argv.includes('--external');
const env = { ...process.env, MPC_WALLET_HOME: home, MPC_WALLET_SCHEMA_PREFIX: `bench${process.pid}_` };
if (!EXTERNAL) {
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
}
const cluster = spawn(process.execPath, ['packages/cli/bin/mpc-wallet.js', 'up', '--port', String(port), '--paillier-bits', BITS], { env, stdio: ['ignore', 'ignore', 'pipe'] });
let logs = '';
cluster.stderr.on('data', (d) => (logs += d.toString()));
const stop = () => cluster.kill('SIGINT');
process.on('exit', stop);

const api = `http://127.0.0.1:${port}`;
let apiKey;
async function call(method, path, body) {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: await res.json() };
}

async function until(check, what, timeoutMs = 600_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${logs.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

await until(async () => {
  apiKey = readFileSync(join(home, 'admin-api-key'), 'utf8').trim();
  return (await fetch(`${api}/readyz`)).status === 200 && (await call('GET', '/v1/nodes')).body.every((n) => n.status === 'online');
}, 'the cluster');

const message = hex(new TextEncoder().encode('benchmark: transfer 1 BTC'));
const msgBytes = Buffer.from(message, 'hex');
const edKey = ed25519.utils.randomSecretKey();
const secpKey = secp256k1.utils.randomSecretKey();
const SCHEMES = {
  'eddsa-ed25519': { body: { message }, baseline: ['noble ed25519.sign', () => ed25519.sign(msgBytes, edKey)] },
  'schnorr-bip340': { body: { message }, baseline: ['noble schnorr.sign', () => schnorr.sign(msgBytes, secpKey)] },
  'ecdsa-secp256k1': { body: { message, hash: 'keccak256' }, baseline: ['noble secp256k1.sign (keccak256)', () => secp256k1.sign(keccak_256(msgBytes), secpKey)] },
};

function baselineMs(fn) {
  const t = performance.now();
  let n = 0;
  while (performance.now() - t < 200) {
    fn();
    n++;
  }
  return (performance.now() - t) / n;
}

const rows = [];
function row(scheme, name, value, unit, extra = {}) {
  rows.push({ scheme, name, value: Number(value.toFixed(2)), unit, ...extra });
  const base = extra.baseline ? `   (baseline ${extra.baseline.name}: ${extra.baseline.ms.toFixed(2)} ms)` : '';
  console.log(`${scheme.padEnd(16)} ${name.padEnd(52)} ${value.toFixed(2).padStart(9)} ${unit}${base}`);
}

for (const [scheme, s] of Object.entries(SCHEMES)) {
  const created = await call('POST', '/v1/keys', { scheme, threshold: 2, parties: 3 });
  const id = created.body.id;
  await until(async () => (await call('GET', `/v1/keys/${id}`)).body.status === 'active', `${scheme} key`);
  const sign = async () => {
    const t = performance.now();
    const r = await call('POST', `/v1/keys/${id}/signatures`, s.body);
    if (r.status !== 200) throw new Error(`${scheme}: ${JSON.stringify(r.body)}`);
    return { ms: performance.now() - t, pooled: r.body.pooled };
  };
  for (let i = 0; i < 3; i++) await sign();
  // Low load: one request at a time, each followed by a short baseline batch (interleaved).
  const lat = [];
  const base = [];
  let pooled = 0;
  for (let i = 0; i < SEQUENTIAL; i++) {
    const r = await sign();
    lat.push(r.ms);
    if (r.pooled) pooled++;
    if (i % 10 === 0) base.push(baselineMs(s.baseline[1]));
  }
  const baseline = { name: s.baseline[0], ms: median(base) };
  row(scheme, `latency p50, sequential (${pooled}/${SEQUENTIAL} pooled)`, percentile(lat, 50), 'ms', { baseline, samples: SEQUENTIAL });
  row(scheme, 'latency p99, sequential', percentile(lat, 99), 'ms', { baseline });
  // Under load: CONCURRENCY clients back to back for LOAD_SECONDS.
  let done = 0;
  let failed = 0;
  const loadLat = [];
  const end = performance.now() + LOAD_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        try {
          loadLat.push((await sign()).ms);
          done++;
        } catch {
          failed++;
        }
      }
    }),
  );
  row(scheme, `sustained signatures/s, ${CONCURRENCY} concurrent clients`, done / LOAD_SECONDS, 'sig/s', { failed, baseline: { name: `${s.baseline[0]} (one core, ops/s)`, ms: baseline.ms } });
  row(scheme, 'latency p50 under that load', percentile(loadLat, 50), 'ms');
}

// Where the time of one signature goes: an authenticated HTTP round trip that does no protocol
// work, against a whole EdDSA signature (HTTP + coordinator + Noise relay + nodes' protocol).
const keyId = (await call('GET', '/v1/keys?limit=1')).body.keys[0].id;
const http = [];
for (let i = 0; i < SEQUENTIAL; i++) {
  const t = performance.now();
  await call('GET', `/v1/keys/${keyId}`);
  http.push(performance.now() - t);
}
row('all', 'HTTP round trip, authenticated GET (no protocol)', percentile(http, 50), 'ms');

stop();
writeFileSync(
  'bench/cluster-results.json',
  `${JSON.stringify({ when: new Date().toISOString(), machine: { cpus: os.cpus().length, node: process.version }, paillierBits: Number(BITS), stores: EXTERNAL ? 'postgresql+redis' : 'pglite+memory', quick: QUICK, rows }, null, 2)}\n`,
);
rmSync(home, { recursive: true, force: true });
console.log('wrote bench/cluster-results.json');
