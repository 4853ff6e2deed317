// npm run bench — each figure beside a single-key @noble/curves baseline from the same run.
// Writes bench/results.json. All parties run in this one process.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { ed25519, ed25519_FROST } from '@noble/curves/ed25519.js';
import { schnorr, schnorr_FROST, secp256k1, secp256k1_FROST } from '@noble/curves/secp256k1.js';
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
  MemorySessionRegistry,
} from '../packages/core/dist/index.js';
import { QUICK, makeReport, measure } from './lib.js';

const results = [];
const report = makeReport(results);

/** Measures fn interleaved with the baseline's own function and reports both. */
function measureAgainst(group, name, fn, baseline, minIterations = 5) {
  const { ms, baselineMs } = measure(fn, minIterations, baseline.fn);
  report(group, name, ms, { name: baseline.name, ms: baselineMs });
}

// ---- single-key baselines ----------------------------------------------------------------
const msg = new TextEncoder().encode('benchmark message: transfer 1 BTC');
const msg32 = new Uint8Array(32).fill(7);
const edKey = ed25519.utils.randomSecretKey();
const secpKey = secp256k1.utils.randomSecretKey();
const baselines = {
  ed25519: { name: 'noble ed25519.sign', fn: () => ed25519.sign(msg, edKey) },
  ecdsa: { name: 'noble secp256k1.sign (ECDSA)', fn: () => secp256k1.sign(msg32, secpKey) },
  schnorr: { name: 'noble schnorr.sign (BIP340)', fn: () => schnorr.sign(msg32, secpKey) },
};
for (const b of Object.values(baselines)) report('baseline', b.name, measure(b.fn));
const baselineFor = { ed25519: baselines.ed25519, secp256k1: baselines.ecdsa, 'secp256k1-tr': baselines.schnorr };

// ---- DKG -----------------------------------------------------------------------------------
function keygen(curve, t, n, rng) {
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  const identities = generateIdentities(ids, rng);
  const session = rng(32);
  const run = simulate(
    ids.map((self) => createDkg({ sessions: new MemorySessionRegistry(), curve, session, self, parties: ids, threshold: t, identity: identities.get(self), rng })),
    rng,
  );
  if (run.aborts.size || run.outputs.size !== n) throw new Error('DKG failed');
  return new Map([...run.outputs].map(([id, o]) => [id, o.share]));
}
for (const curve of ['ed25519', 'secp256k1']) {
  const base = curve === 'ed25519' ? baselines.ed25519 : baselines.ecdsa;
  for (const [t, n] of [[2, 3], [3, 5]]) {
    measureAgainst('dkg', `DKG ${t}-of-${n} ${curve} (all parties)`, () => keygen(curve, t, n, systemRng), base, 3);
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
  measureAgainst('frost', `FROST 2-of-3 ${suiteName}, two rounds (commit + sign)`, () => signOnce((k) => commit(k, systemRng)), base);

  const identities = generateIdentities(signers, systemRng);
  const pools = keys.map((k, i) => new NoncePool(k, identities.get(signers[i]), systemRng));
  const POOL = QUICK ? 200 : 2000;
  const queues = pools.map((p) => p.generate(POOL));
  let used = 0;
  measureAgainst(
    'frost',
    `FROST 2-of-3 ${suiteName}, nonce pool (online round)`,
    () => {
      if (used === POOL) {
        queues.forEach((q, i) => q.push(...pools[i].generate(POOL)));
        used = 0;
      }
      used++;
      return signOnce((_k, i) => pools[i].take(queues[i].shift().commitment));
    },
    base,
  );
}

// ---- reference: @noble/curves' own RFC 9591 module, same shape of run -----------------------
for (const [suiteName, frost] of [['ed25519', ed25519_FROST], ['secp256k1', secp256k1_FROST], ['secp256k1-tr', schnorr_FROST]]) {
  const ids = [1, 2, 3].map((i) => frost.Identifier.fromNumber(i));
  const deal = frost.trustedDealer({ min: 2, max: 3 }, ids);
  const signers = [ids[0], ids[2]];
  measureAgainst('noble', `noble FROST 2-of-3 ${suiteName} (commit + sign)`, () => {
    const gens = signers.map((id) => frost.commit(deal.secretShares[id]));
    const commitments = gens.map((g) => g.commitments);
    const shares = {};
    signers.forEach((id, i) => {
      shares[id] = frost.signShare(deal.secretShares[id], deal.public, gens[i].nonces, commitments, msg);
    });
    return frost.aggregate(deal.public, commitments, msg, shares);
  }, baselineFor[suiteName], 3);
}

// ---- secure channels (Noise over TCP, loopback) --------------------------------------------
const { benchTransport } = await import('./transport.js');
await benchTransport({ measure, report });

// ---- big integers and Paillier proofs; threshold ECDSA ------------------------------------------
const { benchBigint } = await import('./bigint.js');
await benchBigint({ measure, report });
const { benchEcdsa } = await import('./ecdsa.js');
await benchEcdsa({ measure, report });

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
