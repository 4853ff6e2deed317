import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ED25519, SECP256K1, type Curve, mod } from '../../src/math/curve.js';
import {
  MAX_PARTIES,
  commitPolynomial,
  evaluateCommitment,
  evaluatePolynomial,
  interpolateAtZero,
  lagrangeAtZero,
  randomPolynomial,
  shamirSplit,
  validateThreshold,
  verifyShare,
} from '../../src/math/polynomial.js';
import { seededRng } from '../../src/rng.js';

const BOTH: readonly Curve[] = [ED25519, SECP256K1];

/** t and n with 1 ≤ t ≤ n ≤ maxN. */
const thresholdAndParties = (maxN: number) =>
  fc.integer({ min: 1, max: maxN }).chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n)));

const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe.each(BOTH.map((c) => [c.name, c] as const))('%s Shamir / Feldman', (_name, curve) => {
  it('any t of the n shares interpolate to the secret; t−1 do not (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: curve.order - 1n }),
        thresholdAndParties(8).chain(([t, n]) =>
          fc.tuple(fc.constant(t), fc.constant(n), fc.shuffledSubarray(ids(n), { minLength: t, maxLength: t })),
        ),
        fc.string(),
        (secret, [t, n, subset], seed) => {
          const { shares } = shamirSplit(curve, secret, t, n, seededRng(seed));
          expect(shares.length).toBe(n);
          const points = subset.map((i) => ({ x: BigInt(i), y: shares[i - 1]! }));
          expect(interpolateAtZero(curve, points)).toBe(secret);
          if (t >= 2) expect(interpolateAtZero(curve, points.slice(1))).not.toBe(secret);
          // More than t shares also interpolate to the secret.
          const all = shares.map((y, i) => ({ x: BigInt(i + 1), y }));
          expect(interpolateAtZero(curve, all)).toBe(secret);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('t = 1 shares are the secret itself', () => {
    const { shares, commitment } = shamirSplit(curve, 42n, 1, 4, seededRng('t1'));
    expect(shares).toEqual([42n, 42n, 42n, 42n]);
    expect(commitment.length).toBe(1);
    expect(commitment[0]!.equals(curve.mulBase(42n))).toBe(true);
  });

  it('Feldman: verifyShare accepts the right share, rejects share+1 and a wrong index (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: curve.order - 1n }),
        thresholdAndParties(5).filter(([, n]) => n >= 2),
        fc.string(),
        (secret, [t, n], seed) => {
          const { shares, commitment } = shamirSplit(curve, secret, t, n, seededRng(seed));
          expect(commitment.length).toBe(t);
          expect(commitment[0]!.equals(curve.mulBase(secret))).toBe(true);
          const i = 1 + (seed.length % n);
          const share = shares[i - 1]!;
          const x = BigInt(i);
          expect(verifyShare(curve, commitment, x, share)).toBe(true);
          expect(verifyShare(curve, commitment, x, mod(share + 1n, curve.order))).toBe(false);
          const other = BigInt((i % n) + 1);
          // A wrong index fails unless the polynomial is constant (t = 1: every share is equal).
          expect(verifyShare(curve, commitment, other, share)).toBe(t === 1);
          expect(verifyShare(curve, commitment, BigInt(n + 1), share)).toBe(t === 1);
        },
      ),
      { numRuns: 12 },
    );
  });

  it('verifyShare rejects a share checked against another dealer’s commitment', () => {
    const a = shamirSplit(curve, 5n, 2, 3, seededRng('dealer-a'));
    const b = shamirSplit(curve, 5n, 2, 3, seededRng('dealer-b'));
    expect(verifyShare(curve, a.commitment, 1n, a.shares[0]!)).toBe(true);
    expect(verifyShare(curve, b.commitment, 1n, a.shares[0]!)).toBe(false);
  });

  it('evaluateCommitment equals mulBase(evaluatePolynomial) (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: curve.order - 1n }), { minLength: 1, maxLength: 5 }),
        fc.oneof(fc.bigInt({ min: 0n, max: 300n }), fc.bigInt({ min: -(2n ** 260n), max: 2n ** 260n })),
        (coeffs, x) => {
          const expected = curve.mulBase(evaluatePolynomial(curve, coeffs, x));
          expect(evaluateCommitment(curve, commitPolynomial(curve, coeffs), x).equals(expected)).toBe(true);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('evaluatePolynomial: Horner evaluation matches the naive sum (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: curve.order - 1n }), { minLength: 0, maxLength: 8 }),
        fc.bigInt({ min: -(2n ** 260n), max: 2n ** 260n }),
        (coeffs, x) => {
          const naive = mod(
            coeffs.reduce((acc, c, k) => acc + c * x ** BigInt(k), 0n),
            curve.order,
          );
          expect(evaluatePolynomial(curve, coeffs, x)).toBe(naive);
        },
      ),
      { numRuns: 200 },
    );
    expect(evaluatePolynomial(curve, [], 5n)).toBe(0n);
    expect(evaluatePolynomial(curve, [3n, 2n, 1n], 2n)).toBe(11n);
  });

  it('evaluateCommitment edge cases', () => {
    expect(evaluateCommitment(curve, [], 3n).is0()).toBe(true);
    const c = commitPolynomial(curve, [7n, 0n, 2n]);
    expect(c[1]!.is0()).toBe(true);
    expect(evaluateCommitment(curve, c, 3n).equals(curve.mulBase(25n))).toBe(true);
    expect(evaluateCommitment(curve, c, 0n).equals(curve.mulBase(7n))).toBe(true);
    expect(evaluateCommitment(curve, c, curve.order).equals(curve.mulBase(7n))).toBe(true);
  });

  it('randomPolynomial validates the degree and fixes the constant term', () => {
    const rng = seededRng('poly');
    const p = randomPolynomial(curve, -1n, 3, rng);
    expect(p.length).toBe(4);
    expect(p[0]).toBe(curve.order - 1n);
    for (const c of p.slice(1)) expect(c > 0n && c < curve.order).toBe(true);
    expect(randomPolynomial(curve, 9n, 0, rng)).toEqual([9n]);
    for (const bad of [-1, 1.5, NaN, Infinity]) {
      expect(() => randomPolynomial(curve, 1n, bad, rng)).toThrow(RangeError);
    }
  });

  it('shamirSplit validates threshold and parties', () => {
    const rng = seededRng('split');
    expect(() => shamirSplit(curve, 1n, 3, 2, rng)).toThrow(RangeError);
    expect(() => shamirSplit(curve, 1n, 0, 2, rng)).toThrow(RangeError);
    expect(() => shamirSplit(curve, 1n, 2, 256, rng)).toThrow(RangeError);
  });
});

describe('Lagrange coefficients', () => {
  const uniqueIds = (maxLength: number) =>
    fc.uniqueArray(fc.oneof(fc.bigInt({ min: 1n, max: 255n }), fc.bigInt({ min: 1n, max: ED25519.order - 1n })), {
      minLength: 1,
      maxLength,
    });

  for (const curve of BOTH) {
    it(`${curve.name}: lagrangeAtZero sums to 1 over any set of distinct identifiers (property)`, () => {
      fc.assert(
        fc.property(uniqueIds(12), (xs) => {
          const sum = xs.reduce((acc, x) => mod(acc + lagrangeAtZero(curve, x, xs), curve.order), 0n);
          expect(sum).toBe(1n);
        }),
        { numRuns: 200 },
      );
    });

    it(`${curve.name}: Σ λᵢ·f(xᵢ) = f(0) for every polynomial of lower degree (property)`, () => {
      fc.assert(
        fc.property(
          uniqueIds(8).chain((xs) =>
            fc.tuple(fc.constant(xs), fc.array(fc.bigInt({ min: 0n, max: curve.order - 1n }), { minLength: 1, maxLength: xs.length })),
          ),
          ([xs, coeffs]) => {
            const value = xs.reduce(
              (acc, x) => mod(acc + lagrangeAtZero(curve, x, xs) * evaluatePolynomial(curve, coeffs, x), curve.order),
              0n,
            );
            expect(value).toBe(coeffs[0]);
          },
        ),
        { numRuns: 200 },
      );
    });
  }

  it('known small values', () => {
    // Set {1, 2}: λ₁ = 2/(2−1) = 2, λ₂ = 1/(1−2) = −1.
    expect(lagrangeAtZero(ED25519, 1n, [1n, 2n])).toBe(2n);
    expect(lagrangeAtZero(ED25519, 2n, [1n, 2n])).toBe(ED25519.order - 1n);
    expect(lagrangeAtZero(SECP256K1, 3n, [3n])).toBe(1n);
    // Set {1, 2, 3}: λ₁ = 3, λ₂ = −3, λ₃ = 1.
    expect(lagrangeAtZero(SECP256K1, 1n, [1n, 2n, 3n])).toBe(3n);
    expect(lagrangeAtZero(SECP256K1, 2n, [3n, 1n, 2n])).toBe(SECP256K1.order - 3n);
    expect(lagrangeAtZero(SECP256K1, 3n, [1n, 2n, 3n])).toBe(1n);
  });

  it('rejects an identifier outside the set and duplicates of the identifier', () => {
    expect(() => lagrangeAtZero(ED25519, 4n, [1n, 2n, 3n])).toThrow('identifier not in set');
    expect(() => lagrangeAtZero(ED25519, 1n, [])).toThrow(RangeError);
    expect(() => lagrangeAtZero(ED25519, 2n, [1n, 2n, 2n])).toThrow('duplicate identifier');
    // Identifiers equal modulo the order are duplicates too.
    expect(() => lagrangeAtZero(ED25519, 1n, [1n, 1n + ED25519.order])).toThrow('duplicate identifier');
  });

  // Regression: a duplicate of an identifier other than x used to go unnoticed (for {1, 2, 2}
  // and x = 1 the coefficient over the multiset, 4, came back instead of an error).
  it('rejects a set that contains a duplicate of another identifier', () => {
    expect(() => lagrangeAtZero(ED25519, 1n, [1n, 2n, 2n])).toThrow('duplicate identifier');
  });
});

describe('interpolateAtZero', () => {
  it('rejects duplicate identifiers', () => {
    expect(() =>
      interpolateAtZero(ED25519, [
        { x: 1n, y: 5n },
        { x: 1n, y: 5n },
      ]),
    ).toThrow('duplicate identifier');
    expect(() =>
      interpolateAtZero(SECP256K1, [
        { x: 1n, y: 5n },
        { x: 2n, y: 6n },
        { x: 1n, y: 7n },
      ]),
    ).toThrow(RangeError);
    // Equal modulo the order.
    expect(() =>
      interpolateAtZero(SECP256K1, [
        { x: 2n, y: 5n },
        { x: 2n + SECP256K1.order, y: 6n },
      ]),
    ).toThrow('duplicate identifier');
  });

  it('interpolates a known line', () => {
    // f(x) = 10 + 3x: f(1) = 13, f(4) = 22.
    expect(
      interpolateAtZero(ED25519, [
        { x: 1n, y: 13n },
        { x: 4n, y: 22n },
      ]),
    ).toBe(10n);
    expect(interpolateAtZero(ED25519, [])).toBe(0n);
  });
});

describe('validateThreshold', () => {
  it('accepts valid configurations', () => {
    for (const [t, n] of [
      [1, 1],
      [1, 2],
      [2, 3],
      [3, 3],
      [255, 255],
      [1, 255],
    ] as const) {
      expect(() => validateThreshold(t, n)).not.toThrow();
    }
    expect(MAX_PARTIES).toBe(255);
  });

  it('rejects t > n, t < 1 and non-integer thresholds', () => {
    for (const [t, n] of [
      [3, 2],
      [256, 255],
      [0, 3],
      [-1, 3],
      [1.5, 3],
      [NaN, 3],
      [Infinity, 3],
    ] as const) {
      expect(() => validateThreshold(t, n), `${t}-of-${n}`).toThrow('threshold must be an integer in 1..parties');
    }
  });

  it('rejects n > 255, n < 1 and non-integer party counts', () => {
    for (const n of [256, 1000, 0, -1, 2.5, NaN, Infinity]) {
      expect(() => validateThreshold(1, n), `n = ${n}`).toThrow('parties must be an integer in 1..255');
    }
  });

  it('agrees with the definition (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -5, max: 300 }), fc.double()), fc.oneof(fc.integer({ min: -5, max: 300 }), fc.double()), (t, n) => {
        const valid = Number.isInteger(n) && n >= 1 && n <= 255 && Number.isInteger(t) && t >= 1 && t <= n;
        if (valid) expect(() => validateThreshold(t, n)).not.toThrow();
        else expect(() => validateThreshold(t, n)).toThrow(RangeError);
      }),
      { numRuns: 500 },
    );
  });
});
