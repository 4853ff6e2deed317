// Big-integer layer benchmarks: V8 BigInt (the reference) against OpenSSL through node:crypto,
// CRT for key owners, Paillier, and the Paillier-side proofs Π^mod, Π^prm, Π^fac at the
// tss-lib 2048-bit level and the default 3072-bit level. Keys come from the test fixtures
// (scripts/gen-paillier-fixtures.mjs) so no safe prime is generated here.
//
// bench/run.js may call benchBigint({ measure, report }); `node bench/bigint.js` runs it alone
// (after `npx tsc -b packages/core` or `npm run build`).
import {
  SECURITY_LEVEL_128,
  SECURITY_LEVEL_TSS_LIB_2048,
  crt,
  decrypt,
  decryptPlain,
  encrypt,
  encryptWithSecret,
  modPow,
  modPowRef,
  paillierSecretKey,
  proveModulus,
  proveNoSmallFactor,
  proveRingPedersen,
  randomBelow,
  randomUnit,
  seededRng,
  verifyModulus,
  verifyNoSmallFactor,
  verifyRingPedersen,
} from '../packages/core/dist/index.js';
import { paillierFixture, runIfMain } from './lib.js';

function levelData(level) {
  const f = paillierFixture(level);
  const [k0, k1] = f.keys;
  const { p, q, s, t, lambda } = f.ringPedersen;
  return {
    level,
    key: k0,
    sk: paillierSecretKey(k0.p, k0.q),
    other: k1,
    rp: { params: { n: p * q, s, t }, lambda, phi: (p - 1n) * (q - 1n), p, q },
  };
}

export async function benchBigint({ measure, report }) {
  const rng = seededRng('bench-bigint');
  const ctx = { sessionId: new TextEncoder().encode('bench'), prover: 1, keyId: new Uint8Array(0) };
  const d2048 = levelData(SECURITY_LEVEL_TSS_LIB_2048);
  const d3072 = levelData(SECURITY_LEVEL_128);

  // ---- raw modexp ---------------------------------------------------------------------------
  {
    const n = d2048.key.p * d2048.key.q;
    const e = randomBelow(n, rng);
    const b = randomBelow(n, rng);
    const m = measure(() => modPow(b, e, n), 20, () => modPowRef(b, e, n));
    report('bigint', 'modPow BigInt 2048-bit mod, 2048-bit exp', m.baselineMs);
    report('bigint', 'modPow OpenSSL 2048-bit mod, 2048-bit exp', m.ms, { name: 'BigInt modPowRef', ms: m.baselineMs });
  }
  {
    // N² for a 2048-bit N: 4096-bit modulus, 2048-bit exponent (Paillier's ρ^N).
    const { p, q } = d2048.key;
    const n = p * q;
    const n2 = n * n;
    const p2 = p * p;
    const q2 = q * q;
    const p2InvQ2 = d2048.sk.p2InvQ2;
    const b = randomUnit(n, rng);
    const ref = () => modPowRef(b, n, n2);
    /** Measures fn interleaved with the BigInt reference and reports both. */
    const againstRef = (name, fn, minIterations) => {
      const m = measure(fn, minIterations, ref);
      report('bigint', name, m.ms, { name: 'BigInt modPowRef', ms: m.baselineMs });
      return m;
    };
    const openssl = againstRef('modPow OpenSSL 4096-bit mod (N²), 2048-bit exp', () => modPow(b, n, n2), 10);
    report('bigint', 'modPow BigInt 4096-bit mod (N²), 2048-bit exp', openssl.baselineMs);
    const ep = n % (p * (p - 1n));
    const eq = n % (q * (q - 1n));
    againstRef('modPow BigInt N² via CRT (p², q²)', () => crt(modPowRef(b, ep, p2), p2, modPowRef(b, eq, q2), q2, p2InvQ2), 5);
    againstRef('modPow OpenSSL N² via CRT (p², q²)', () => crt(modPow(b, ep, p2), p2, modPow(b, eq, q2), q2, p2InvQ2), 20);
  }

  // ---- Paillier -----------------------------------------------------------------------------
  for (const d of [d2048, d3072]) {
    const bits = d.level.paillierBits;
    const pk = d.sk.publicKey;
    const m = randomBelow(pk.n, rng);
    const rho = randomUnit(pk.n, rng);
    const c = encrypt(pk, m, rho);
    report('paillier', `Paillier-${bits} encrypt (public, mod N²)`, measure(() => encrypt(pk, m, rho), 5));
    report('paillier', `Paillier-${bits} encrypt (owner, CRT)`, measure(() => encryptWithSecret(d.sk, m, rho), 5));
    const dec = measure(() => decrypt(d.sk, c), 10, () => decryptPlain(d.sk, c));
    report('paillier', `Paillier-${bits} decrypt (plain, mod N²)`, dec.baselineMs);
    report('paillier', `Paillier-${bits} decrypt (CRT)`, dec.ms, { name: 'plain decrypt', ms: dec.baselineMs });
  }

  // ---- proofs -------------------------------------------------------------------------------
  for (const d of [d2048, d3072]) {
    const { level } = d;
    const bits = level.paillierBits;
    const { p, q } = d.key;
    const n = p * q;
    const mod = proveModulus(level, ctx, p, q, rng);
    report('proofs', `Π^mod-${bits} prove (m=${level.repetitions})`, measure(() => proveModulus(level, ctx, p, q, rng), 1));
    report('proofs', `Π^mod-${bits} verify`, measure(() => verifyModulus(level, ctx, n, mod), 1));
    const prm = proveRingPedersen(level, ctx, d.rp, rng);
    report('proofs', `Π^prm-${bits} prove (m=${level.repetitions})`, measure(() => proveRingPedersen(level, ctx, d.rp, rng), 1));
    report('proofs', `Π^prm-${bits} verify`, measure(() => verifyRingPedersen(level, ctx, d.rp.params, prm), 1));
    const fac = proveNoSmallFactor(level, ctx, p, q, d.rp.params, rng);
    report('proofs', `Π^fac-${bits} prove`, measure(() => proveNoSmallFactor(level, ctx, p, q, d.rp.params, rng), 3));
    report('proofs', `Π^fac-${bits} verify`, measure(() => verifyNoSmallFactor(level, ctx, n, d.rp.params, fac), 3));
  }
}

await runIfMain(import.meta, benchBigint);
