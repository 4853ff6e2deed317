// Threshold ECDSA (CGGMP): auxiliary info, presigning and signing, all parties in this process,
// at the tss-lib 2048-bit level and the default 3072-bit level, beside single-key ECDSA signing.
// Paillier primes come from the test fixtures (scripts/gen-paillier-fixtures.mjs); safe-prime
// generation itself is timed separately, one prime at a time. Slow steps are timed over several
// runs (median and range), each run followed by a batch of the baseline.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import {
  AuxInfoProtocol,
  EcdsaSignProtocol,
  PresignProtocol,
  SECURITY_LEVEL_128,
  SECURITY_LEVEL_TSS_LIB_2048,
  createDkg,
  decodePresignature,
  encodePresignature,
  ecdsaMessageDigest,
  generateIdentities,
  generateSafePrime,
  seededRng,
  simulate,
  MemorySessionRegistry,
} from '../packages/core/dist/index.js';
import { QUICK, paillierFixture, runIfMain, timeRuns } from './lib.js';

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

/**
 * The same presignatures through their storage codec: fresh point objects, so the group key has
 * no cached table (its secret stays with the copy; the original is never used).
 */
function coldKeys(presigs) {
  return new Map([...presigs].map(([id, p]) => [id, decodePresignature(encodePresignature(p))]));
}

export async function benchEcdsa({ report }) {
  const key = secp256k1.utils.randomSecretKey();
  // Online signing hashes the message inside the protocol (keccak256, as for Ethereum).
  const message = new Uint8Array(100).fill(9);
  const digest = ecdsaMessageDigest('keccak256', message);
  const baselineName = 'noble secp256k1.sign (ECDSA)';
  const baselineFn = () => secp256k1.sign(digest, key);
  /** timeRuns with the baseline interleaved, reported with its spread (and per party, given `parties`). */
  const reportRuns = async (name, fn, runs, parties) => {
    const t = await timeRuns(fn, runs, baselineFn);
    const row = (rowName, k) => report('ecdsa', rowName, t.ms / k, { name: baselineName, ms: t.baselineMs }, { runs, min: t.min / k, max: t.max / k });
    row(name, 1);
    if (parties) row(name.replace('(all parties', '(per party'), parties);
  };

  // Wall time of one 1024-bit safe prime (OpenSSL), one at a time: its spread is wide.
  await reportRuns('safe prime 1024-bit (wall per prime)', () => generateSafePrime(1024), QUICK ? 3 : 12);

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
    // Auxiliary info among the signers (what presigning needs): seconds per run.
    await reportRuns(`aux info ${signers.length} signers, ${level.name} (all parties)`, () => {
      const session = rng(32);
      aux = run(signers.map((self, i) => new AuxInfoProtocol({ sessions: new MemorySessionRegistry(), session, self, parties: signers, identity: identities.get(self), level, primes: sets[i], rng })), rng, 'aux');
    }, 3);
    const presign = () => {
      const session = rng(32);
      return run(signers.map((self) => new PresignProtocol({ sessions: new MemorySessionRegistry(), key: dkg.get(self), aux: aux.get(self), signers, session, identity: identities.get(self), rng })), rng, 'presign');
    };
    const ready = [];
    // Each presignature signs once: the warm-up signatures, then as many per key variant as the
    // online medians need (more where they are cheap). Every signer verifies, and the group key
    // gets its table at its 8th use (math/key-table.ts): the warm-up gets there.
    const warmUp = Math.ceil(8 / signers.length);
    const perVariant = level === SECURITY_LEVEL_128 ? 3 : 5;
    const presignRuns = warmUp + 2 * perVariant;
    await reportRuns(`presign ${label} (all parties)`, () => ready.push(presign()), presignRuns, signers.length);
    const sign = (presigs) => {
      const session = rng(16);
      run(signers.map((self) => new EcdsaSignProtocol({ sessions: new MemorySessionRegistry(), presignature: presigs.get(self), message, hash: 'keccak256', session, identity: identities.get(self) })), rng, 'sign');
    };
    // The warm-up signatures warm the code paths up (a signer node is a long-running process).
    for (const presigs of ready.splice(0, warmUp)) sign(presigs);
    // Verification multiplies the group key, which carries a cached table once in regular use
    // (math/key-table.ts); the cold-key figure gives every signature a fresh key object.
    const cached = ready.slice(0, perVariant);
    const cold = ready.slice(perVariant).map(coldKeys);
    await reportRuns(`online sign ${label} (all parties, from a presignature), cached key table`, (i) => sign(cached[i]), perVariant, signers.length);
    await reportRuns(`online sign ${label} (all parties, from a presignature), cold key`, (i) => sign(cold[i]), perVariant, signers.length);
  }
}

await runIfMain(import.meta, benchEcdsa);
