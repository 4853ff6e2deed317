import { describe, expect, it } from 'vitest';
import { modPowRef } from '../../src/bigint/arith.js';
import { seededRng } from '../../src/rng.js';
import { generateRingPedersen, isWellFormedRingPedersen, ringPedersenCommit } from '../../src/paillier/ring-pedersen.js';
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

  it('commitments are additively homomorphic in both exponents', () => {
    const { params } = FIXTURE_2048.ringPedersen;
    const c = (x: bigint, y: bigint) => ringPedersenCommit(params, x, y);
    expect((c(5n, -7n) * c(-2n, 9n)) % params.n).toBe(c(3n, 2n));
  });
});
