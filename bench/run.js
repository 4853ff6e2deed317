// npm run bench — each figure beside a single-key @noble/curves baseline from the same run.
// Writes bench/results.json. All parties run in this one process. `node bench/run.js --quick
// --only=frost,curve` runs some sections only (dkg, frost, curve, noble, transport, bigint, ecdsa)
// and then writes nothing.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { ed25519, ed25519_FROST } from '@noble/curves/ed25519.js';
import { schnorr, schnorr_FROST, secp256k1, secp256k1_FROST } from '@noble/curves/secp256k1.js';
import {
  ED25519,
  FROST_SUITES,
  FrostSign,
  NoncePool,
  SECP256K1,
  aggregate,
  commit,
  createDkg,
  ed25519TorsionFreeByOrder,
  frostPublicKey,
  frostSigningKey,
  generateIdentities,
  publicPackageOf,
  randomScalar,
  seededRng,
  signShare,
  simulate,
  systemRng,
  MemorySessionRegistry,
} from '../packages/core/dist/index.js';
import { QUICK, makeReport, measure } from './lib.js';

const ONLY = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const wants = (section) => !ONLY || ONLY.includes(section);

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
for (const curve of wants('dkg') ? ['ed25519', 'secp256k1'] : []) {
  const base = curve === 'ed25519' ? baselines.ed25519 : baselines.ecdsa;
  for (const [t, n] of [[2, 3], [3, 5]]) {
    measureAgainst('dkg', `DKG ${t}-of-${n} ${curve} (all parties)`, () => keygen(curve, t, n, systemRng), base, 3);
  }
}

// ---- FROST signing -------------------------------------------------------------------------
// The headline figure is the FrostSign protocol: every signer's instance in this process, each
// message encoded and decoded by the wire codec (so every commitment and share point is
// decoded and subgroup-checked), every signer aggregating and verifying. The in-memory figure
// calls the signing functions directly on shared objects. Verification multiplies the group key,
// which carries a cached window table (math/key-table.ts) once in regular use; the cold-key
// figures give each signing session a fresh key object, as a process signing once would see.

/**
 * The FrostSign instances of one signing session, one per signer (`pooled[i]`: signer i's
 * pre-agreed commitments and nonces). The one place to adapt when FrostSign's config changes.
 */
function frostSignParties(ctx) {
  const { keys, signers, identities, message, rng, pooled } = ctx;
  const session = rng(32);
  return signers.map(
    (self, i) =>
      new FrostSign({ key: keys[i], identity: identities.get(self), sessions: new MemorySessionRegistry(), session, signers, message, rng, ...(pooled && { pooled: pooled[i] }) }),
  );
}

/** The same key with a fresh group-key object, which has no cached table. */
const coldKey = (k) => ({ ...k, publicKey: k.publicKey.add(k.suite.curve.identity) });

for (const suiteName of wants('frost') ? ['ed25519', 'secp256k1', 'secp256k1-tr'] : []) {
  const suite = FROST_SUITES[suiteName];
  const rng = seededRng(`bench-${suiteName}`);
  const shares = keygen(suite.curve.name, 2, 3, rng);
  const signers = [1, 3];
  const identities = generateIdentities(signers, rng);
  const keys = signers.map((id) => frostSigningKey(suite, shares.get(id)));
  const pub = frostPublicKey(suite, publicPackageOf(shares.get(1)));
  const base = baselineFor[suiteName];
  const POOL = QUICK ? 200 : 2000;

  /** Nonces from per-signer pools, refilled in bulk (generation is offline work). */
  const pools = keys.map((k, i) => new NoncePool(k, identities.get(signers[i]), systemRng));
  const queues = pools.map(() => []);
  const pooledNonces = () => {
    if (queues[0].length === 0) queues.forEach((q, i) => q.push(...pools[i].generate(POOL)));
    const signed = queues.map((q) => q.shift());
    return { signed, commitments: signed.map((c) => c.commitment), nonces: pools.map((p, i) => p.take(signed[i].commitment)) };
  };

  const protocolOnce = (signingKeys, pooled) => {
    const p = pooled && pooledNonces();
    const parties = frostSignParties({
      keys: signingKeys,
      signers,
      identities,
      message: msg,
      rng: systemRng,
      pooled: p && signers.map((_, i) => ({ commitments: p.signed, nonces: p.nonces[i] })),
    });
    const run = simulate(parties, systemRng);
    if (run.aborts.size || run.outputs.size !== signers.length) throw new Error('FROST signing failed');
  };
  const inMemoryOnce = (signingKeys, publicKey, pooled) => {
    const p = pooled ? pooledNonces() : undefined;
    const nonces = p ? p.nonces : signingKeys.map((k) => commit(k, systemRng));
    const pkg = { message: msg, commitments: nonces.map((n) => n.commitment) };
    const sigShares = signingKeys.map((k, i) => signShare(k, nonces[i], pkg));
    return aggregate(publicKey, pkg, sigShares);
  };

  for (const pooled of [false, true]) {
    const mode = pooled ? 'nonce pool (online round)' : 'two rounds (commit + sign)';
    const label = `FROST 2-of-3 ${suiteName}, ${mode}`;
    measureAgainst('frost', `${label}, protocol, cached key table`, () => protocolOnce(keys, pooled), base);
    measureAgainst('frost', `${label}, protocol, cold key`, () => protocolOnce(keys.map(coldKey), pooled), base);
    measureAgainst('frost', `${label}, in-memory functions, cached key table`, () => inMemoryOnce(keys, pub, pooled), base);
    measureAgainst('frost', `${label}, in-memory functions, cold key`, () => inMemoryOnce(keys, coldKey(pub), pooled), base);
  }
}

// ---- point decoding: what each received point costs ------------------------------------------
for (const curve of wants('curve') ? [ED25519, SECP256K1] : []) {
  const encoded = curve.encodePoint(curve.mulBase(randomScalar(curve, systemRng)));
  report('curve', `${curve.name} point decoding (with subgroup check)`, measure(() => curve.decodePoint(encoded), 200));
  if (curve !== ED25519) continue;
  report('curve', `${curve.name} point decoding (subgroup check deferred)`, measure(() => curve.decodePoint(encoded, false), 200));
  // The check decoding uses (by halving) beside the reference it replaced, [ℓ]P = 0.
  const P = curve.decodePoint(encoded);
  const check = measure(() => curve.inPrimeSubgroup(P), 200, () => ed25519TorsionFreeByOrder(P));
  report('curve', `${curve.name} subgroup check [ℓ]P = 0 (reference)`, check.baselineMs);
  report('curve', `${curve.name} subgroup check by halving (decoding's)`, check.ms, { name: 'subgroup check [ℓ]P = 0', ms: check.baselineMs });
}

// ---- reference: @noble/curves' own RFC 9591 module, same shape of run -----------------------
const nobleSuites = [['ed25519', ed25519_FROST], ['secp256k1', secp256k1_FROST], ['secp256k1-tr', schnorr_FROST]];
for (const [suiteName, frost] of wants('noble') ? nobleSuites : []) {
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
if (wants('transport')) {
  const { benchTransport } = await import('./transport.js');
  await benchTransport({ measure, report });
}

// ---- big integers and Paillier proofs; threshold ECDSA ------------------------------------------
if (wants('bigint')) {
  const { benchBigint } = await import('./bigint.js');
  await benchBigint({ measure, report });
}
if (wants('ecdsa')) {
  const { benchEcdsa } = await import('./ecdsa.js');
  await benchEcdsa({ measure, report });
}

const out = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model,
  quick: QUICK,
  results,
};
if (!ONLY) {
  writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
  console.log('\nwritten bench/results.json');
}
