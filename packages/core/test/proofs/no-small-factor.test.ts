import { describe, expect, it } from 'vitest';
import { type SecurityLevel } from '../../src/paillier/security-level.js';
import { utf8 } from '../../src/bytes.js';
import { DecodeError, Writer } from '../../src/engine/codec.js';
import { seededRng } from '../../src/rng.js';
import { byteLengthOf, writeResidue, writeSigned } from '../../src/bigint/codec.js';
import { inSymmetricRange, isqrt, randomSymmetric } from '../../src/bigint/arith.js';
import { modPow } from '../../src/bigint/node-crypto.js';
import { ringPedersenCommit } from '../../src/paillier/ring-pedersen.js';
import { isPlausibleBlumModulus } from '../../src/proofs/paillier-blum-modulus.js';
import { type ProofContext } from '../../src/proofs/paillier-context.js';
import {
  type FacCommitment,
  type FacProof,
  decodeFacProof,
  encodeFacProof,
  facChallenge,
  proveNoSmallFactor,
  verifyNoSmallFactor,
} from '../../src/proofs/no-small-factor.js';
import { FIXTURE_2048, FIXTURE_3072 } from '../fixtures/paillier-fixtures.js';

const ctx: ProofContext = { sessionId: utf8('session-A'), prover: 2, keyId: utf8('key-1') };
const rng = seededRng('pi-fac');

describe.each([
  ['2048-bit (tss-lib) level', FIXTURE_2048],
  ['3072-bit default level', FIXTURE_3072],
] as const)('Π^fac at the %s', (_name, fx) => {
  const { level } = fx;
  const { p, q } = fx.keys[0]!;
  const n0 = p * q;
  const aux = fx.ringPedersen.params;
  const proof = proveNoSmallFactor(level, ctx, p, q, aux, rng);

  it('a valid proof verifies, also after encode/decode', () => {
    expect(verifyNoSmallFactor(level, ctx, n0, aux, proof)).toBe(true);
    expect(verifyNoSmallFactor(level, ctx, n0, aux, decodeFacProof(level, n0, aux, encodeFacProof(aux, proof)))).toBe(true);
  });

  it('a replayed proof fails for another session, party, key, level or verifier', () => {
    expect(verifyNoSmallFactor(level, { ...ctx, sessionId: utf8('session-B') }, n0, aux, proof)).toBe(false);
    expect(verifyNoSmallFactor(level, { ...ctx, prover: 3 }, n0, aux, proof)).toBe(false);
    expect(verifyNoSmallFactor(level, { ...ctx, keyId: utf8('key-2') }, n0, aux, proof)).toBe(false);
    const other: SecurityLevel = { ...level, name: 'other' };
    expect(verifyNoSmallFactor(other, ctx, n0, aux, proof)).toBe(false);
    const otherAux = { ...aux, s: aux.t, t: aux.s };
    expect(verifyNoSmallFactor(level, ctx, n0, otherAux, proof)).toBe(false);
  });

  it('rejects a Blum modulus with a factor below 2^ℓ, which Π^mod’s statement allows', () => {
    const { p: small, q: big } = fx.smallFactor;
    const bad = small * big;
    expect(small < 1n << BigInt(level.ell)).toBe(true);
    expect(isPlausibleBlumModulus(bad, level)).toBe(true);
    const forged = proveNoSmallFactor(level, ctx, small, big, aux, rng);
    expect(verifyNoSmallFactor(level, ctx, bad, aux, forged)).toBe(false);
    // It is the z₂ range check that catches it: e·q overflows 2^(ℓ+ε)·√N₀ when q ≫ √N₀.
    const zBound = (1n << BigInt(level.ell + level.epsilon)) * isqrt(bad);
    expect(inSymmetricRange(forged.z1, zBound)).toBe(true);
    expect(inSymmetricRange(forged.z2, zBound)).toBe(false);
    // Swapping the roles of the factors does not help either.
    expect(verifyNoSmallFactor(level, ctx, bad, aux, proveNoSmallFactor(level, ctx, big, small, aux, rng))).toBe(false);
  });
});

describe('Π^fac adversarial (2048-bit level)', () => {
  const fx = FIXTURE_2048;
  const { level } = fx;
  const { p, q } = fx.keys[0]!;
  const n0 = p * q;
  const aux = fx.ringPedersen.params;
  const proof = proveNoSmallFactor(level, ctx, p, q, aux, rng);
  const le = 1n << BigInt(level.ell + level.epsilon);

  it('tampering with any response or commitment fails', () => {
    for (const key of ['z1', 'z2', 'w1', 'w2', 'v'] as const) {
      expect(verifyNoSmallFactor(level, ctx, n0, aux, { ...proof, [key]: proof[key] + 1n })).toBe(false);
    }
    for (const key of ['P', 'Q', 'A', 'B', 'T'] as const) {
      const c = { ...proof.commitment, [key]: (proof.commitment[key] * 4n) % aux.n };
      expect(verifyNoSmallFactor(level, ctx, n0, aux, { ...proof, commitment: c })).toBe(false);
      const zero = { ...proof.commitment, [key]: 0n };
      expect(verifyNoSmallFactor(level, ctx, n0, aux, { ...proof, commitment: zero })).toBe(false);
    }
  });

  it('range checks reject oversized responses before any exponentiation', () => {
    const sqrtBound = le * (1n << 1024n);
    const huge = 1n << 100000n;
    const cases: Partial<FacProof>[] = [{ z1: sqrtBound * 2n }, { z2: -sqrtBound * 2n }, { w1: huge }, { w2: -huge }, { v: huge }];
    for (const c of cases) expect(verifyNoSmallFactor(level, ctx, n0, aux, { ...proof, ...c })).toBe(false);
  });

  it('rejects an undersized N₀ and a malformed verifier parameter set', () => {
    const { p: a, q: b } = FIXTURE_2048.keys[1]!;
    expect(verifyNoSmallFactor(FIXTURE_3072.level, ctx, n0, FIXTURE_3072.ringPedersen.params, proof)).toBe(false);
    expect(verifyNoSmallFactor(level, ctx, a, aux, proof)).toBe(false);
    expect(verifyNoSmallFactor(level, ctx, a * b + 1n, aux, proof)).toBe(false);
    expect(verifyNoSmallFactor(level, ctx, n0, { ...aux, s: 1n }, proof)).toBe(false);
  });

  it('a proof that verifies for its statement is still refused for malformed parameters or an undersized N₀', () => {
    // Verifier parameters with s = t (malformed): the prover's proof against them is consistent.
    const sIsT = { ...aux, s: aux.t };
    expect(verifyNoSmallFactor(level, ctx, n0, sIsT, proveNoSmallFactor(level, ctx, p, q, sIsT, rng))).toBe(false);
    // A 2048-bit N₀ proven at the 3072-bit level against 3072-bit parameters: only its size is wrong.
    const big = FIXTURE_3072.level;
    const bigAux = FIXTURE_3072.ringPedersen.params;
    expect(verifyNoSmallFactor(big, ctx, n0, bigAux, proveNoSmallFactor(big, ctx, p, q, bigAux, rng))).toBe(false);
  });

  it('challenges lie in ±2^challengeBits and change with the commitment', () => {
    const e = facChallenge(level, ctx, n0, aux, proof.commitment);
    const q128 = 1n << BigInt(level.challengeBits);
    expect(e >= -q128 && e <= q128).toBe(true);
    const e2 = facChallenge(level, ctx, n0, aux, { ...proof.commitment, T: (proof.commitment.T * 4n) % aux.n });
    expect(e2).not.toBe(e);
  });

  it('decoding is strict: trailing bytes, oversized magnitudes, out-of-range commitments', () => {
    const bytes = encodeFacProof(aux, proof);
    expect(() => decodeFacProof(level, n0, aux, new Uint8Array([...bytes, 0]))).toThrow(DecodeError);
    expect(() => decodeFacProof(level, n0, aux, bytes.subarray(0, bytes.length - 1))).toThrow(DecodeError);
    const w = new Writer();
    for (const x of [proof.commitment.P, proof.commitment.Q, proof.commitment.A, proof.commitment.B, proof.commitment.T]) writeResidue(w, x, aux.n);
    writeSigned(w, 1n << 8000n);
    expect(() => decodeFacProof(level, n0, aux, w.finish())).toThrow(/too long/);
    const big = bytes.slice();
    big.fill(0xff, 0, 256);
    expect(() => decodeFacProof(level, n0, aux, big)).toThrow(/out of range/);
  });
});

describe('Π^fac checks one by one (2048-bit level)', () => {
  const fx = FIXTURE_2048;
  const { level } = fx;
  const { p, q } = fx.keys[0]!;
  const n0 = p * q;
  const aux = fx.ringPedersen.params;
  const proof = proveNoSmallFactor(level, ctx, p, q, aux, rng);

  /** The honest prover, with commitment `key` shifted by `shift` before the challenge is drawn. */
  function forgeShifted(key: keyof FacCommitment, shift: bigint): FacProof {
    const le = 1n << BigInt(level.ell + level.epsilon);
    const [zB, muB, xB, rB] = [le * isqrt(n0), (1n << BigInt(level.ell)) * aux.n, le * aux.n, le * n0 * aux.n];
    const [alpha, beta] = [randomSymmetric(zB, rng), randomSymmetric(zB, rng)];
    const [mu, nu, r] = [randomSymmetric(muB, rng), randomSymmetric(muB, rng), randomSymmetric(rB, rng)];
    const [x, y] = [randomSymmetric(xB, rng), randomSymmetric(xB, rng)];
    const Q = ringPedersenCommit(aux, q, nu);
    const honest: FacCommitment = {
      P: ringPedersenCommit(aux, p, mu),
      Q,
      A: ringPedersenCommit(aux, alpha, x),
      B: ringPedersenCommit(aux, beta, y),
      T: (modPow(Q, alpha, aux.n) * modPow(aux.t, r, aux.n)) % aux.n,
    };
    const commitment = { ...honest, [key]: honest[key] + shift };
    const e = facChallenge(level, ctx, n0, aux, commitment);
    return { commitment, z1: alpha + e * p, z2: beta + e * q, w1: x + e * mu, w2: y + e * nu, v: r - e * nu * p };
  }

  it('a commitment + N̂ (the same residue) in a proof made around it is refused by the range check', () => {
    expect(verifyNoSmallFactor(level, ctx, n0, aux, forgeShifted('P', 0n))).toBe(true);
    for (const key of ['P', 'Q', 'A', 'B', 'T'] as const) expect(verifyNoSmallFactor(level, ctx, n0, aux, forgeShifted(key, aux.n))).toBe(false);
  });

  it('decoding: each response up to its byte bound, one byte more refused; N₀ below 2 refused before reading', () => {
    const le = 1n << BigInt(level.ell + level.epsilon);
    const [zBytes, wBytes, vBytes] = [byteLengthOf(le * isqrt(n0)), byteLengthOf(2n * le * aux.n), byteLengthOf(2n * le * n0 * aux.n)];
    const limits = [zBytes, zBytes, wBytes, wBytes, vBytes];
    const c = proof.commitment;
    const encoded = (responses: bigint[]): Uint8Array => {
      const w = new Writer();
      for (const u of [c.P, c.Q, c.A, c.B, c.T]) writeResidue(w, u, aux.n);
      for (const r of responses) writeSigned(w, r);
      return w.finish();
    };
    const longest = limits.map((b) => (1n << BigInt(8 * b)) - 1n);
    expect(decodeFacProof(level, n0, aux, encoded(longest)).v).toBe(longest[4]);
    const honest = [proof.z1, proof.z2, proof.w1, proof.w2, proof.v];
    for (let i = 0; i < 5; i++) {
      const over = honest.slice();
      over[i] = -(1n << BigInt(8 * limits[i]!));
      expect(() => decodeFacProof(level, n0, aux, encoded(over))).toThrow(/too long/);
    }
    expect(() => decodeFacProof(level, 1n, aux, encodeFacProof(aux, proof))).toThrow(/bad modulus/);
  });

  it('malformed proof objects are refused without throwing', () => {
    const bad: unknown[] = [
      { ...proof, commitment: undefined },
      { ...proof, z1: Number(proof.z1 % 1000n) },
      { ...proof, commitment: { ...proof.commitment, P: Number(proof.commitment.P % 1000n) } },
    ];
    for (const b of bad) expect(verifyNoSmallFactor(level, ctx, n0, aux, b as FacProof)).toBe(false);
  });
});
