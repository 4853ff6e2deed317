/**
 * Π^log*, the checks that integer-proofs.test.ts does not isolate (issue 13, one test per
 * verifier or decoder check): the claimed range and how it must fit N₀, the exact bound of z₁,
 * non-canonical and non-unit statements, a non-unit S with every other equation right, and the
 * decoder's byte bounds. A cheating prover here is the honest algorithm with its choices
 * exposed (x = 0 makes z₁ = α, which it picks).
 */
import { describe, expect, it } from 'vitest';
import { bitLength, mod, randomSymmetric, randomUnit } from '../../src/bigint/arith.js';
import { byteLengthOf, writeResidue, writeSigned } from '../../src/bigint/codec.js';
import { modPow } from '../../src/bigint/node-crypto.js';
import { DecodeError, Writer } from '../../src/engine/codec.js';
import { seededRng } from '../../src/rng.js';
import { SECP256K1 } from '../../src/math/curve.js';
import { encrypt, encryptRandom, paillierSecretKey } from '../../src/paillier/paillier.js';
import { ringPedersenCommit } from '../../src/paillier/ring-pedersen.js';
import { mulSigned, pow2, responseBytes } from '../../src/proofs/integer-challenge.js';
import { type ProofContext } from '../../src/proofs/paillier-context.js';
import {
  type LogStarProof,
  type LogStarStatement,
  decodeLogStarProof,
  encodeLogStarProof,
  logStarChallenge,
  proveLogStar,
  verifyLogStar,
} from '../../src/proofs/log-star.js';
import { FIXTURE_2048 } from '../fixtures/paillier-fixtures.js';

const rng = seededRng('pi-log-star-checks');
const level = FIXTURE_2048.level;
const rp = FIXTURE_2048.ringPedersen.params;
const pHat = FIXTURE_2048.ringPedersen.p;
const sk = paillierSecretKey(FIXTURE_2048.keys[0]!.p, FIXTURE_2048.keys[0]!.q, { level });
const N0 = sk.publicKey;
const curve = SECP256K1;
const ctx: ProofContext = { sessionId: new TextEncoder().encode('presign-session-1'), prover: 2, keyId: new Uint8Array(32).fill(9) };
const z1Bound = pow2(level.ell + level.epsilon);
/** The widest claimed range N₀ allows: range + ε + challengeBits + 2 < bitLength(N₀) − 1. */
const widestRange = bitLength(N0.n) - 1 - level.epsilon - level.challengeBits - 3;

/** The honest prover with its mask α and its commitment S open to the caller. */
function forge(st: LogStarStatement, x: bigint, rho: bigint, alpha: bigint, S?: bigint): LogStarProof & { e: bigint } {
  const mu = randomSymmetric(pow2(level.ell) * rp.n, rng);
  const gamma = randomSymmetric(pow2(level.ell + level.epsilon) * rp.n, rng);
  const r = randomUnit(N0.n, rng);
  const c = {
    S: S ?? ringPedersenCommit(rp, x, mu),
    A: encrypt(N0, alpha, r),
    Y: mulSigned(curve, st.base, alpha),
    D: ringPedersenCommit(rp, alpha, gamma),
  };
  const e = logStarChallenge(level, ctx, rp, st, c);
  return { ...c, z1: alpha + e * x, z2: mod(r * modPow(rho, e, N0.n), N0.n), z3: gamma + e * mu, e };
}

describe('Π^log* checks one by one (2048-bit level)', () => {
  const x = 0xfeedbeefn * 1000003n;
  const base = curve.mulBase(777n);
  const { ciphertext, nonce } = encryptRandom(N0, x, rng);
  const st: LogStarStatement = { curve, paillier: N0, ciphertext, base, X: base.multiply(x) };
  const proof = proveLogStar(level, ctx, rp, st, { x, rho: nonce }, rng);

  it('the claimed range: the widest that fits N₀ works; one bit wider, below ℓ or not an integer is refused everywhere, without throwing in the verifier', () => {
    const widest = { ...st, rangeBits: widestRange };
    const ok = proveLogStar(level, ctx, rp, widest, { x, rho: nonce }, rng);
    expect(verifyLogStar(level, ctx, rp, widest, decodeLogStarProof(level, widest, rp, encodeLogStarProof(widest, rp, ok)))).toBe(true);
    const bytes = encodeLogStarProof(st, rp, proof);
    for (const rangeBits of [widestRange + 1, level.ell - 1, level.ell + 0.5]) {
      const bad = { ...st, rangeBits };
      expect(verifyLogStar(level, ctx, rp, bad, proof)).toBe(false);
      expect(() => proveLogStar(level, ctx, rp, bad, { x, rho: nonce }, rng)).toThrow(/range/);
      expect(() => decodeLogStarProof(level, bad, rp, bytes)).toThrow(/range/);
    }
  });

  it('a non-canonical ciphertext (C + N₀², the same residue) with a proof made for it is refused; C − N₀² too, without throwing', () => {
    const high = { ...st, ciphertext: ciphertext + N0.n2 };
    expect(verifyLogStar(level, ctx, rp, high, proveLogStar(level, ctx, rp, high, { x, rho: nonce }, rng))).toBe(false);
    expect(verifyLogStar(level, ctx, rp, { ...st, ciphertext: ciphertext - N0.n2 }, proof)).toBe(false);
  });

  it('a ciphertext sharing a factor with N₀ is refused without throwing (a negative challenge would invert it)', () => {
    const bad = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n].map((j): LogStarStatement => ({ ...st, ciphertext: FIXTURE_2048.keys[0]!.p * j }));
    expect(bad.some((b) => logStarChallenge(level, ctx, rp, b, proof) < 0n)).toBe(true);
    for (const b of bad) expect(verifyLogStar(level, ctx, rp, b, proof)).toBe(false);
  });

  it('a non-unit S with the Paillier and curve equations right and a negative challenge is refused without throwing', () => {
    let cheat: (LogStarProof & { e: bigint }) | undefined;
    for (let j = 1n; !cheat || cheat.e >= 0n; j++) cheat = forge(st, x, nonce, randomSymmetric(z1Bound / 2n, rng), pHat * j);
    expect(encrypt(N0, cheat.z1, cheat.z2)).toBe((cheat.A * modPow(ciphertext, cheat.e, N0.n2)) % N0.n2);
    expect(mulSigned(curve, base, cheat.z1).equals(cheat.Y.add(mulSigned(curve, st.X, cheat.e)))).toBe(true);
    expect(verifyLogStar(level, ctx, rp, st, cheat)).toBe(false);
  });

  it('decoding: z₁ and z₃ up to their byte bounds (which follow the claimed range), one byte more refused, and no trailing bytes', () => {
    for (const rangeBits of [level.ell, widestRange]) {
      const wide = { ...st, rangeBits };
      const z1Bytes = responseBytes(level, rangeBits + level.epsilon);
      const z3Bytes = z1Bytes + byteLengthOf(rp.n);
      const encoded = (z1: bigint, z3: bigint): Uint8Array => {
        const w = new Writer();
        writeResidue(w, proof.S, rp.n);
        writeResidue(w, proof.A, N0.n2);
        w.point(curve, proof.Y);
        writeResidue(w, proof.D, rp.n);
        writeSigned(w, z1);
        writeResidue(w, proof.z2, N0.n);
        writeSigned(w, z3);
        return w.finish();
      };
      const longest = (bytes: number) => pow2(8 * bytes) - 1n;
      expect(decodeLogStarProof(level, wide, rp, encoded(-longest(z1Bytes), longest(z3Bytes))).z3).toBe(longest(z3Bytes));
      expect(() => decodeLogStarProof(level, wide, rp, encoded(pow2(8 * z1Bytes), proof.z3))).toThrow(/too long/);
      expect(() => decodeLogStarProof(level, wide, rp, encoded(proof.z1, -pow2(8 * z3Bytes)))).toThrow(/too long/);
    }
    expect(() => decodeLogStarProof(level, st, rp, new Uint8Array([...encodeLogStarProof(st, rp, proof), 0]))).toThrow(DecodeError);
  });
});
