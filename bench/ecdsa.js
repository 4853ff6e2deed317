// Threshold ECDSA (CGGMP): auxiliary info, presigning and signing, all parties in this process,
// at the tss-lib 2048-bit level and the default 3072-bit level, beside single-key ECDSA signing.
// Paillier primes come from the test fixtures (scripts/gen-paillier-fixtures.mjs); safe-prime
// generation itself is timed separately, a few primes only.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import {
  AuxInfoProtocol,
  EcdsaSignProtocol,
  PresignProtocol,
  SECURITY_LEVEL_128,
  SECURITY_LEVEL_TSS_LIB_2048,
  createDkg,
  ecdsaMessageDigest,
  generateIdentities,
  generateSafePrime,
  seededRng,
  simulate,
  MemorySessionRegistry,
} from '../packages/core/dist/index.js';
import { median, paillierFixture, runIfMain } from './lib.js';

/** Five parties' safe-prime pairs: the fixture keys, then the ring-Pedersen pair. */
function primeSets(level) {
  const f = paillierFixture(level);
  return [...f.keys, { p: f.ringPedersen.p, q: f.ringPedersen.q }];
}

function run(parties, rng, what) {
  const result = simulate(parties, rng);
  if (result.aborts.size || result.stalled.size) throw new Error(`${what} failed`);
  return result.outputs;
}

/** Median ms of `runs` calls of fn (for work too slow for the batch-based measure()). */
function timeRuns(fn, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn(i);
    times.push(performance.now() - t);
  }
  return median(times);
}

export async function benchEcdsa({ measure, report }) {
  const key = secp256k1.utils.randomSecretKey();
  // Online signing hashes the message inside the protocol (keccak256, as for Ethereum).
  const message = new Uint8Array(100).fill(9);
  const digest = ecdsaMessageDigest('keccak256', message);
  const baseline = { name: 'noble secp256k1.sign (ECDSA)', ms: measure(() => secp256k1.sign(digest, key)) };

  const t0 = performance.now();
  const primes = await Promise.all([generateSafePrime(1024), generateSafePrime(1024)]);
  report('ecdsa', 'safe prime 1024-bit (two in parallel; wall per prime)', (performance.now() - t0) / primes.length, baseline);

  const configs = [
    [SECURITY_LEVEL_TSS_LIB_2048, 2, 3, [1, 3]],
    [SECURITY_LEVEL_TSS_LIB_2048, 3, 5, [1, 3, 5]],
    [SECURITY_LEVEL_128, 2, 3, [1, 3]],
    [SECURITY_LEVEL_128, 3, 5, [1, 3, 5]],
  ];
  for (const [level, t, n, signers] of configs) {
    const ids = Array.from({ length: n }, (_, i) => i + 1);
    const label = `${t}-of-${n} ${level.name}`;
    const rng = seededRng(`bench-ecdsa-${label}`);
    const identities = generateIdentities(ids, rng);
    const dkgSession = rng(32);
    const dealt = run(ids.map((self) => createDkg({ sessions: new MemorySessionRegistry(), curve: 'secp256k1', session: dkgSession, self, parties: ids, threshold: t, identity: identities.get(self), rng })), rng, 'dkg');
    const dkg = new Map([...dealt].map(([id, o]) => [id, o.share]));
    const sets = primeSets(level);
    let aux;
    // Auxiliary info among the signers (what presigning needs); one run, it takes seconds.
    const auxMs = timeRuns(() => {
      const session = rng(32);
      aux = run(signers.map((self, i) => new AuxInfoProtocol({ sessions: new MemorySessionRegistry(), session, self, parties: signers, identity: identities.get(self), level, primes: sets[i], rng })), rng, 'aux');
    }, 1);
    report('ecdsa', `aux info ${signers.length} signers, ${level.name} (all parties)`, auxMs, baseline);
    const presign = () => {
      const session = rng(32);
      return run(signers.map((self) => new PresignProtocol({ sessions: new MemorySessionRegistry(), key: dkg.get(self), aux: aux.get(self), signers, session, identity: identities.get(self), rng })), rng, 'presign');
    };
    const ready = [];
    // Each presignature signs once: as many as the online median needs (more where they are cheap).
    const presignMs = timeRuns(() => ready.push(presign()), level === SECURITY_LEVEL_128 ? 5 : 9);
    report('ecdsa', `presign ${label} (all parties)`, presignMs, baseline);
    report('ecdsa', `presign ${label} (per party)`, presignMs / signers.length, baseline);
    const sign = (presigs) => {
      const session = rng(16);
      run(signers.map((self) => new EcdsaSignProtocol({ sessions: new MemorySessionRegistry(), presignature: presigs.get(self), message, hash: 'keccak256', session, identity: identities.get(self) })), rng, 'sign');
    };
    // The first signature warms the code paths up (a signer node is a long-running process).
    sign(ready.shift());
    const onlineMs = timeRuns((i) => sign(ready[i]), ready.length);
    report('ecdsa', `online sign ${label} (all parties, from a presignature)`, onlineMs, baseline);
    report('ecdsa', `online sign ${label} (per party)`, onlineMs / signers.length, baseline);
  }
}

await runIfMain(import.meta, benchEcdsa);
