import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bitLength,
  crt,
  egcd,
  gcd,
  inSymmetricRange,
  isqrt,
  jacobi,
  modInverse,
  modPowRef,
  randomBelow,
  randomSymmetric,
  randomUnit,
} from '../../src/bigint/arith.js';
import { isProbablePrime, modPow, modPowSecret } from '../../src/bigint/node-crypto.js';
import { seededRng } from '../../src/rng.js';
import { FIXTURE_2048, FIXTURE_3072 } from '../fixtures/paillier-fixtures.js';

/** A bigint of exactly `bits` bits (top bit set), optionally odd. */
const sized = (bits: number, odd = false) =>
  fc.bigInt({ min: 0n, max: (1n << BigInt(bits - 1)) - 1n }).map((x) => (x | (1n << BigInt(bits - 1)) | (odd ? 1n : 0n)));

/** Naive square-and-multiply: an independent oracle for the windowed reference itself. */
function naivePow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n % m;
  b = ((b % m) + m) % m;
  for (; e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) r = (r * b) % m;
  return r;
}

const SMALL_PRIMES = [3n, 5n, 7n, 11n, 13n, 101n, 65537n, 2n ** 61n - 1n, 2n ** 127n - 1n];

describe('modPowRef (BigInt reference)', () => {
  it('equals naive square-and-multiply', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 600 }).chain((bits) => fc.tuple(sized(bits), fc.bigInt({ min: 0n, max: 1n << 700n }), fc.bigInt({ min: 0n, max: 1n << 700n }))), ([m, e, b]) => {
        expect(modPowRef(b, e, m)).toBe(naivePow(b, e, m));
      }),
      { numRuns: 300 },
    );
  });

  it('handles edge cases: m = 1, e = 0, negative base, negative exponent', () => {
    expect(modPowRef(5n, 3n, 1n)).toBe(0n);
    expect(modPowRef(5n, 0n, 7n)).toBe(1n);
    expect(modPowRef(-2n, 3n, 7n)).toBe(6n);
    expect(modPowRef(3n, -1n, 7n)).toBe(5n);
    expect(() => modPowRef(2n, -1n, 8n)).toThrow(/not invertible/);
    expect(() => modPowRef(2n, 1n, 0n)).toThrow(RangeError);
  });
});

describe('modPow (OpenSSL fast path) == modPowRef', () => {
  it('on random odd and even moduli up to 3072 bits, exponents below and above the modulus', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 3072 }).chain((bits) =>
          fc.tuple(sized(bits), fc.integer({ min: 1, max: 3200 }).chain((eb) => sized(eb)), fc.bigInt({ min: 0n, max: 1n << 3100n })),
        ),
        ([m, e, b]) => {
          expect(modPow(b, e, m)).toBe(modPowRef(b, e, m));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('above 3072 bits (N² sizes), where OpenSSL limits RSA exponents to 64 bits', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(3080, 4096, 6144).chain((bits) => fc.tuple(sized(bits, true), sized(2048), fc.bigInt({ min: 2n, max: 1n << 6000n }))),
        ([m, e, b]) => {
          expect(modPow(b, e, m)).toBe(modPowRef(b, e, m));
        },
      ),
      { numRuns: 6 },
    );
  });

  it('beyond the DH size limit (chunked RSA path) and on even moduli there', () => {
    const rng = seededRng('modpow-huge');
    const m = randomBelow(1n << 10240n, rng) | (1n << 10239n) | 1n;
    const e = randomBelow(1n << 300n, rng);
    const b = randomBelow(m, rng);
    expect(modPow(b, e, m)).toBe(modPowRef(b, e, m));
    expect(modPow(b, e, m - 1n)).toBe(modPowRef(b, e, m - 1n));
  });

  it('negative exponents invert; special bases 0, 1, m − 1', () => {
    const p = 2n ** 127n - 1n;
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: p - 1n }), fc.bigInt({ min: 1n, max: 1n << 200n }), (b, e) => {
        expect(modPow(b, -e, p)).toBe(modPowRef(modInverse(b, p), e, p));
      }),
      { numRuns: 50 },
    );
    const m = (1n << 2048n) - 159n;
    expect(modPow(0n, 5n, m)).toBe(0n);
    expect(modPow(1n, m + 5n, m)).toBe(1n);
    expect(modPow(m - 1n, 6n, m)).toBe(1n);
    expect(modPow(m - 1n, 7n, m)).toBe(m - 1n);
    expect(modPow(5n, 0n, m)).toBe(1n);
    expect(modPow(5n, 3n, 1n)).toBe(0n);
    expect(() => modPow(5n, 3n, 0n)).toThrow(RangeError);
  });
});

describe('modPowSecret (constant-time OpenSSL road) == modPowRef', () => {
  const exponentUpTo = (maxBits: number) => fc.integer({ min: 1, max: maxBits }).chain((eb) => sized(eb));
  const check = ([m, e, b]: [bigint, bigint, bigint]) => {
    expect(modPowSecret(b, e, m)).toBe(modPowRef(b, e, m));
    // negative exponents invert the base, which random moduli often share a factor with
    if (gcd(b, m) === 1n) expect(modPowSecret(b, -e, m)).toBe(modPowRef(b, -e, m));
    else expect(() => modPowSecret(b, -e, m)).toThrow(/not invertible/);
  };

  it('below the 512-bit DH floor (widened moduli), tiny exponents included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 511 }).chain((bits) => fc.tuple(sized(bits, true), exponentUpTo(600), fc.bigInt({ min: 2n, max: 1n << 600n }))),
        check,
      ),
      { numRuns: 100 },
    );
  });

  it('at the sizes the RSA road takes for public exponents (512 to 3072 bits), exponents below and above the modulus', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 512, max: 3072 }).chain((bits) => fc.tuple(sized(bits, true), exponentUpTo(3200), fc.bigInt({ min: 2n, max: 1n << 3100n }))),
        check,
      ),
      { numRuns: 25 },
    );
  });

  it('a result of 1, which OpenSSL refuses as a DH secret (the CRT half of decrypting 0: c^(p−1) ≡ 1 mod p²)', () => {
    for (const f of [FIXTURE_2048, FIXTURE_3072]) {
      const { p } = f.keys[0]!;
      const p2 = p * p;
      const b = modPowRef(3n, p, p2); // in the subgroup of order p − 1
      expect(modPowSecret(b, p - 1n, p2)).toBe(1n);
      expect(modPowSecret(b, 2n * (p - 1n), p2)).toBe(1n);
      expect(modPowSecret(b, p - 2n, p2)).toBe(modPowRef(b, p - 2n, p2));
    }
  });

  it('on real secret moduli: a fixture prime, its square, and N² (decryption and Π^mod sizes)', () => {
    const rng = seededRng('modpow-secret');
    for (const f of [FIXTURE_2048, FIXTURE_3072]) {
      const { p, q } = f.keys[0]!;
      for (const [m, eBits] of [[p, 8], [p * p, 1536], [(p * q) ** 2n, 256], [(p * q) ** 2n, 3072]] as const) {
        const e = randomBelow(1n << BigInt(eBits), rng) | 1n;
        const b = randomBelow(m, rng);
        expect(modPowSecret(b, e, m)).toBe(modPowRef(b, e, m));
      }
    }
  });

  it('edge cases: trivial bases and exponents, m = 1, even and non-positive moduli refused', () => {
    const m = (1n << 2048n) - 159n;
    expect(modPowSecret(0n, 5n, m)).toBe(0n);
    expect(modPowSecret(1n, m + 5n, m)).toBe(1n);
    expect(modPowSecret(m - 1n, 6n, m)).toBe(1n);
    expect(modPowSecret(m - 1n, 7n, m)).toBe(m - 1n);
    expect(modPowSecret(5n, 0n, m)).toBe(1n);
    expect(modPowSecret(3n, -1n, 7n)).toBe(5n);
    expect(modPowSecret(5n, 3n, 1n)).toBe(0n);
    expect(() => modPowSecret(5n, 3n, m + 1n)).toThrow(/odd modulus/);
    expect(() => modPowSecret(5n, 3n, 0n)).toThrow(RangeError);
    expect(() => modPowSecret(3n, -1n, 9n)).toThrow(/not invertible/);
  });
});

describe('inverse, gcd, CRT, isqrt', () => {
  it('egcd gives Bézout coefficients and modInverse inverts', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 1n << 512n }), fc.bigInt({ min: 2n, max: 1n << 512n }), (a, m) => {
        const { g, x, y } = egcd(a, m);
        expect(a * x + m * y).toBe(g);
        expect(g).toBe(gcd(a, m));
        if (g === 1n) expect((a * modInverse(a, m)) % m).toBe(1n % m);
        else expect(() => modInverse(a, m)).toThrow(/not invertible/);
      }),
    );
  });

  it('crt recombines residues modulo coprime moduli', () => {
    fc.assert(
      // Two distinct primes by construction (no fc.pre discarding runs).
      fc.property(fc.bigInt({ min: 0n, max: 1n << 300n }), fc.uniqueArray(fc.constantFrom(...SMALL_PRIMES), { minLength: 2, maxLength: 2 }), (x, [m1, m2]) => {
        const r = crt(x % m1!, m1!, x % m2!, m2!);
        expect(r).toBe(x % (m1! * m2!));
      }),
    );
  });

  it('isqrt is the floor square root', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 1n << 3072n }), (a) => {
        const r = isqrt(a);
        expect(r * r <= a && (r + 1n) * (r + 1n) > a).toBe(true);
      }),
    );
    expect(() => isqrt(-1n)).toThrow(RangeError);
  });
});

describe('Jacobi symbol', () => {
  it('equals the Legendre symbol (Euler criterion) on primes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SMALL_PRIMES), fc.bigInt({ min: -(1n << 200n), max: 1n << 200n }), (p, a) => {
        const euler = modPowRef(a, (p - 1n) / 2n, p);
        const legendre = euler === 0n ? 0 : euler === 1n ? 1 : -1;
        expect(jacobi(a, p)).toBe(legendre);
      }),
      { numRuns: 300 },
    );
  });

  it('equals the Legendre symbol on 1024- and 1536-bit fixture primes', () => {
    const rng = seededRng('jacobi-big');
    for (const f of [FIXTURE_2048, FIXTURE_3072]) {
      const p = f.keys[0]!.p;
      for (let i = 0; i < 4; i++) {
        const a = randomBelow(p, rng);
        const euler = modPow(a, (p - 1n) / 2n, p);
        expect(jacobi(a, p)).toBe(euler === 1n ? 1 : euler === 0n ? 0 : -1);
      }
    }
  });

  it('is multiplicative in the modulus and zero off the units', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 1n << 128n }), fc.constantFrom(...SMALL_PRIMES), fc.constantFrom(...SMALL_PRIMES), (a, p, q) => {
        // `|| 0` folds the −0 that 0 · −1 gives in floating point.
        expect(jacobi(a, p * q)).toBe(jacobi(a, p) * jacobi(a, q) || 0);
        expect(jacobi(a, p * q) === 0).toBe(gcd(a, p * q) !== 1n);
      }),
    );
    expect(() => jacobi(3n, 8n)).toThrow(RangeError);
  });
});

describe('random sampling from an injected rng', () => {
  it('randomBelow stays in [0, bound) and covers small ranges uniformly', () => {
    const rng = seededRng('randomBelow');
    const counts = [0, 0, 0, 0, 0];
    for (let i = 0; i < 5000; i++) counts[Number(randomBelow(5n, rng))]!++;
    for (const c of counts) expect(c).toBeGreaterThan(850);
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 1n << 4096n }), (bound) => {
        const x = randomBelow(bound, rng);
        expect(x >= 0n && x < bound).toBe(true);
      }),
    );
    expect(randomBelow(1n, rng)).toBe(0n);
    expect(() => randomBelow(0n, rng)).toThrow(RangeError);
  });

  it('randomSymmetric stays in [−b, b] and reaches both signs; randomUnit is a unit', () => {
    const rng = seededRng('randomSymmetric');
    const xs = Array.from({ length: 200 }, () => randomSymmetric(1n << 64n, rng));
    expect(xs.every((x) => inSymmetricRange(x, 1n << 64n))).toBe(true);
    expect(xs.some((x) => x < 0n) && xs.some((x) => x > 0n)).toBe(true);
    for (let i = 0; i < 50; i++) expect(gcd(randomUnit(3n * 5n * 7n, rng), 105n)).toBe(1n);
    expect(bitLength(randomBelow(1n << 2048n, rng))).toBeLessThanOrEqual(2048);
  });
});

describe('primality through OpenSSL', () => {
  it('accepts primes and rejects composites and tiny values', () => {
    for (const p of SMALL_PRIMES) expect(isProbablePrime(p)).toBe(true);
    expect(isProbablePrime((2n ** 127n - 1n) * (2n ** 61n - 1n))).toBe(false);
    expect(isProbablePrime(1n)).toBe(false);
    expect(isProbablePrime(0n)).toBe(false);
  });
});
