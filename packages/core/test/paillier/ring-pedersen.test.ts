import { describe, expect, it } from 'vitest';
import { modPowRef, randomSymmetric } from '../../src/bigint/arith.js';
import { seededRng } from '../../src/rng.js';
import { type RingPedersenParams, generateRingPedersen, isWellFormedRingPedersen, ringPedersenCommit } from '../../src/paillier/ring-pedersen.js';
import { FIXTURE_2048, FIXTURE_3072, NON_BLUM } from '../fixtures/paillier-fixtures.js';

describe('ring-Pedersen parameters', () => {
  it('fixture parameters satisfy s = t^λ and are well formed', () => {
    for (const f of [FIXTURE_2048, FIXTURE_3072]) {
      const { params, lambda } = f.ringPedersen;
      expect(modPowRef(params.t, lambda, params.n)).toBe(params.s);
      expect(isWellFormedRingPedersen(params, f.level)).toBe(true);
    }
  });

  it('generation from safe primes gives t a square and s = t^λ', () => {
    const { p, q } = FIXTURE_2048.keys[1]!;
    const secret = generateRingPedersen(p, q, seededRng('rp-gen'));
    const { n, s, t } = secret.params;
    expect(n).toBe(p * q);
    expect(modPowRef(t, secret.lambda, n)).toBe(s);
    // t is a square: a quadratic residue mod both primes (Euler's criterion).
    expect(modPowRef(t, (p - 1n) / 2n, p)).toBe(1n);
    expect(modPowRef(t, (q - 1n) / 2n, q)).toBe(1n);
    expect(isWellFormedRingPedersen(secret.params, FIXTURE_2048.level)).toBe(true);
    expect(() => generateRingPedersen(p, p, seededRng('x'))).toThrow(/distinct/);
    expect(() => generateRingPedersen(NON_BLUM.p, q, seededRng('x'))).toThrow(/safe prime/);
  });

  it('rejects structurally bad parameters', () => {
    const { params } = FIXTURE_2048.ringPedersen;
    const level = FIXTURE_2048.level;
    const bad = [
      { ...params, s: 1n },
      { ...params, t: params.n - 1n },
      { ...params, s: 0n },
      { ...params, t: params.n },
      { ...params, s: params.t },
      { ...params, s: FIXTURE_2048.ringPedersen.p },
      { ...params, n: params.n + 1n },
      { n: 3233n, s: 4n, t: 9n },
    ];
    for (const b of bad) expect(isWellFormedRingPedersen(b, level)).toBe(false);
    expect(isWellFormedRingPedersen(params, FIXTURE_3072.level)).toBe(false);
  });

  /**
   * What the homomorphism test asks of a commit function, as a predicate so that it can be run on
   * stand-ins too: commit(x₁, y₁)·commit(x₂, y₂) = commit(x₁ + x₂, y₁ + y₂) on signed exponents,
   * commit(1, 0) = s and commit(0, 1) = t (so it commits to both exponents, each with its own
   * base), and the values agree with s^x·t^y computed by the BigInt reference.
   */
  function isRingPedersenCommit(params: RingPedersenParams, commit: (x: bigint, y: bigint) => bigint): boolean {
    const { n, s, t } = params;
    const rng = seededRng('rp-homomorphism');
    if (commit(1n, 0n) !== s || commit(0n, 1n) !== t) return false;
    for (let i = 0; i < 6; i++) {
      const [x1, y1, x2, y2] = [0, 1, 2, 3].map(() => randomSymmetric(1n << 600n, rng)) as [bigint, bigint, bigint, bigint];
      if ((commit(x1, y1) * commit(x2, y2)) % n !== commit(x1 + x2, y1 + y2)) return false;
      const reference = (modPowRef(s, x1, n) * modPowRef(t, y1, n)) % n;
      if (commit(x1, y1) !== reference) return false;
    }
    return true;
  }

  it('commitments are additively homomorphic in both exponents, and a stand-in that is not fails the same check', () => {
    const { params } = FIXTURE_2048.ringPedersen;
    expect(isRingPedersenCommit(params, (x, y) => ringPedersenCommit(params, x, y))).toBe(true);
    expect((ringPedersenCommit(params, 5n, -7n) * ringPedersenCommit(params, -2n, 9n)) % params.n).toBe(ringPedersenCommit(params, 3n, 2n));
    // The check is no tautology: constant commit functions (1 is even homomorphic), one that
    // ignores an exponent, and one with the bases swapped all fail it.
    for (const constant of [1n, 0n, params.s]) expect(isRingPedersenCommit(params, () => constant)).toBe(false);
    expect(isRingPedersenCommit(params, (x) => ringPedersenCommit(params, x, 0n))).toBe(false);
    expect(isRingPedersenCommit(params, (x, y) => ringPedersenCommit(params, y, x))).toBe(false);
  });
});
