// npm run bench — each figure beside a single-key @noble/curves baseline from the same run.
// Writes bench/results.json. All parties run in this one process.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { ed25519 } from '@noble/curves/ed25519.js';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import {
  FROST_SUITES,
  NoncePool,
  aggregate,
  commit,
  createDkg,
  frostPublicKey,
  frostSigningKey,
  generateIdentities,
  publicPackageOf,
  seededRng,
  signShare,
  simulate,
  systemRng,
} from '../packages/core/dist/index.js';

const QUICK = process.argv.includes('--quick');
const TARGET_MS = QUICK ? 300 : 1500;

/** Runs fn repeatedly for about TARGET_MS after a warm-up; returns ms per op. */
function measure(fn, minIterations = 5) {
  for (let i = 0; i < 3; i++) fn();
  let iterations = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < TARGET_MS || iterations < minIterations) {
    fn();
    iterations++;
    elapsed = performance.now() - start;
  }
  return elapsed / iterations;
}

const results = [];
function report(group, name, msPerOp, baseline) {
  const row = { group, name, msPerOp: +msPerOp.toFixed(4), opsPerSec: +(1000 / msPerOp).toFixed(1) };
  if (baseline) {
    row.baseline = baseline.name;
    row.baselineMsPerOp = +baseline.ms.toFixed(4);
    row.ratio = +(msPerOp / baseline.ms).toFixed(2);
  }
  results.push(row);
  const base = baseline ? `   baseline ${baseline.name} ${baseline.ms.toFixed(3)} ms → ×${row.ratio}` : '';
  console.log(`${group.padEnd(8)} ${name.padEnd(44)} ${msPerOp.toFixed(3).padStart(9)} ms/op ${row.opsPerSec.toFixed(0).padStart(7)} ops/s${base}`);
}

// ---- single-key baselines ----------------------------------------------------------------
const msg = new TextEncoder().encode('benchmark message: transfer 1 BTC');
const msg32 = new Uint8Array(32).fill(7);
const edKey = ed25519.utils.randomSecretKey();
const secpKey = secp256k1.utils.randomSecretKey();
const baselines = {
  ed25519: { name: 'noble ed25519.sign', ms: measure(() => ed25519.sign(msg, edKey)) },
  ecdsa: { name: 'noble secp256k1.sign (ECDSA)', ms: measure(() => secp256k1.sign(msg32, secpKey)) },
  schnorr: { name: 'noble schnorr.sign (BIP340)', ms: measure(() => schnorr.sign(msg32, secpKey)) },
};
for (const b of Object.values(baselines)) report('baseline', b.name, b.ms);
const baselineFor = { ed25519: baselines.ed25519, secp256k1: baselines.ecdsa, 'secp256k1-tr': baselines.schnorr };

// ---- DKG -----------------------------------------------------------------------------------
function keygen(curve, t, n, rng) {
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  const identities = generateIdentities(ids, rng);
  const session = rng(32);
  const run = simulate(
    ids.map((self) => createDkg({ curve, session, self, parties: ids, threshold: t, identity: identities.get(self), rng })),
    rng,
  );
  if (run.aborts.size || run.outputs.size !== n) throw new Error('DKG failed');
  return run.outputs;
}
for (const curve of ['ed25519', 'secp256k1']) {
  const base = curve === 'ed25519' ? baselines.ed25519 : baselines.ecdsa;
  for (const [t, n] of [[2, 3], [3, 5]]) {
    report('dkg', `DKG ${t}-of-${n} ${curve} (all parties)`, measure(() => keygen(curve, t, n, systemRng), 3), base);
  }
}

// ---- FROST signing -------------------------------------------------------------------------
for (const suiteName of ['ed25519', 'secp256k1', 'secp256k1-tr']) {
  const suite = FROST_SUITES[suiteName];
  const shares = keygen(suite.curve.name, 2, 3, seededRng(`bench-${suiteName}`));
  const signers = [1, 3];
  const keys = signers.map((id) => frostSigningKey(suite, shares.get(id)));
  const pub = frostPublicKey(suite, publicPackageOf(shares.get(1)));
  const base = baselineFor[suiteName];

  const signOnce = (noncesOf) => {
    const nonces = keys.map((k, i) => noncesOf(k, i));
    const pkg = { message: msg, commitments: nonces.map((n) => n.commitment) };
    const sigShares = keys.map((k, i) => signShare(k, nonces[i], pkg));
    return aggregate(pub, pkg, sigShares);
  };
  report('frost', `FROST 2-of-3 ${suiteName}, two rounds (commit + sign)`, measure(() => signOnce((k) => commit(k, systemRng))), base);

  const pools = keys.map((k) => new NoncePool(k, systemRng));
  const POOL = QUICK ? 200 : 2000;
  const queues = pools.map((p) => p.generate(POOL));
  let used = 0;
  const pooledMs = measure(() => {
    if (used === POOL) {
      queues.forEach((q, i) => q.push(...pools[i].generate(POOL)));
      used = 0;
    }
    used++;
    return signOnce((_k, i) => pools[i].take(queues[i].shift()));
  });
  report('frost', `FROST 2-of-3 ${suiteName}, nonce pool (online round)`, pooledMs, base);
}

const out = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model,
  quick: QUICK,
  results,
};
writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
console.log('\nwritten bench/results.json');
