/**
 * Plain-BigInt modular arithmetic. This module is the reference: it has no dependency beyond
 * the language, and the OpenSSL-backed fast path in `./node-crypto.ts` is tested against it.
 * Values at the boundary are validated (moduli > 1, exponents as documented) and errors carry
 * no operand values, since operands are often secret.
 */
import type { Rng } from '../rng.js';

/** Least non-negative residue of a modulo m (m > 0). */
export function mod(a: bigint, m: bigint): bigint {
  if (m <= 0n) throw new RangeError('modulus must be positive');
  const r = a % m;
  return r < 0n ? r + m : r;
}

/** Number of bits of |a|; 0 for 0. */
export function bitLength(a: bigint): number {
  if (a < 0n) a = -a;
  return a === 0n ? 0 : a.toString(2).length;
}

export function abs(a: bigint): bigint {
  return a < 0n ? -a : a;
}

export function gcd(a: bigint, b: bigint): bigint {
  a = abs(a);
  b = abs(b);
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** Extended Euclid: returns { g, x, y } with a·x + b·y = g = gcd(a, b). */
export function egcd(a: bigint, b: bigint): { g: bigint; x: bigint; y: bigint } {
  let [oldR, r] = [a, b];
  let [oldX, x] = [1n, 0n];
  let [oldY, y] = [0n, 1n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldX, x] = [x, oldX - q * x];
    [oldY, y] = [y, oldY - q * y];
  }
  if (oldR < 0n) return { g: -oldR, x: -oldX, y: -oldY };
  return { g: oldR, x: oldX, y: oldY };
}

/** a⁻¹ mod m; throws when gcd(a, m) ≠ 1. */
export function modInverse(a: bigint, m: bigint): bigint {
  if (m <= 1n) throw new RangeError('modulus must be > 1');
  const { g, x } = egcd(mod(a, m), m);
  if (g !== 1n) throw new RangeError('value is not invertible');
  return mod(x, m);
}

/**
 * Reference modular exponentiation: left-to-right sliding window (width 5 for exponents above
 * 256 bits, which cuts the multiplications by about a fifth against square-and-multiply).
 * A negative exponent means the inverse of the base raised to |e|.
 */
export function modPowRef(base: bigint, exponent: bigint, m: bigint): bigint {
  if (m <= 0n) throw new RangeError('modulus must be positive');
  if (m === 1n) return 0n;
  let b = mod(base, m);
  let e = exponent;
  if (e < 0n) {
    b = modInverse(b, m);
    e = -e;
  }
  if (e === 0n) return 1n;
  const bits = e.toString(2);
  const w = bits.length > 256 ? 5 : bits.length > 64 ? 4 : 1;
  // table[i] = b^(2i+1): the odd powers a window can end on.
  const b2 = (b * b) % m;
  const table: bigint[] = [b];
  for (let i = 1; i < 1 << (w - 1); i++) table.push((table[i - 1]! * b2) % m);
  let result = 1n;
  let i = 0;
  while (i < bits.length) {
    if (bits[i] === '0') {
      result = (result * result) % m;
      i++;
      continue;
    }
    // Longest window of at most w bits starting here that ends on a 1.
    let j = Math.min(i + w, bits.length);
    while (bits[j - 1] === '0') j--;
    const value = parseInt(bits.slice(i, j), 2);
    for (let k = i; k < j; k++) result = (result * result) % m;
    result = (result * table[(value - 1) >> 1]!) % m;
    i = j;
  }
  return result;
}

/**
 * Jacobi symbol (a / n) for odd n > 0, by quadratic reciprocity (no factorisation needed).
 * Returns 0 when gcd(a, n) ≠ 1.
 */
export function jacobi(a: bigint, n: bigint): -1 | 0 | 1 {
  if (n <= 0n || (n & 1n) === 0n) throw new RangeError('Jacobi symbol needs an odd positive modulus');
  a = mod(a, n);
  let result: 1 | -1 = 1;
  while (a !== 0n) {
    while ((a & 1n) === 0n) {
      a >>= 1n;
      const r = n & 7n;
      if (r === 3n || r === 5n) result = result === 1 ? -1 : 1;
    }
    [a, n] = [n, a];
    if ((a & 3n) === 3n && (n & 3n) === 3n) result = result === 1 ? -1 : 1;
    a %= n;
  }
  return n === 1n ? result : 0;
}

/**
 * Chinese remaindering of x ≡ a (mod m1), x ≡ b (mod m2) for coprime m1, m2, given
 * m1Inv = m1⁻¹ mod m2 (precomputed by key owners, who combine many values per key).
 * Garner's form: x = a + m1·((b − a)·m1Inv mod m2), in [0, m1·m2).
 */
export function crt(a: bigint, m1: bigint, b: bigint, m2: bigint, m1Inv: bigint = modInverse(m1, m2)): bigint {
  return mod(a, m1) + m1 * mod((b - a) * m1Inv, m2);
}

export function bytesToBigInt(bytes: Uint8Array): bigint {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex.length === 0 ? 0n : BigInt('0x' + hex);
}

/** Big-endian, exactly `length` bytes; throws if a does not fit or is negative. */
export function bigIntToBytes(a: bigint, length: number): Uint8Array {
  if (a < 0n) throw new RangeError('negative value');
  const hex = a.toString(16);
  if (hex.length > 2 * length) throw new RangeError('value does not fit');
  const padded = hex.padStart(2 * length, '0');
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = parseInt(padded.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Minimal big-endian bytes of a ≥ 0 (empty for 0), the canonical unsigned encoding. */
export function bigIntToMinimalBytes(a: bigint): Uint8Array {
  if (a < 0n) throw new RangeError('negative value');
  return bigIntToBytes(a, Math.ceil(bitLength(a) / 8));
}

/**
 * Uniform value in [0, bound) by rejection sampling on the bit length of bound − 1, so the
 * result carries no modulo bias; expected tries are below 2.
 */
export function randomBelow(bound: bigint, rng: Rng): bigint {
  if (bound <= 0n) throw new RangeError('bound must be positive');
  if (bound === 1n) return 0n;
  const bits = bitLength(bound - 1n);
  const bytes = Math.ceil(bits / 8);
  const mask = (1n << BigInt(bits)) - 1n;
  for (;;) {
    const candidate = bytesToBigInt(rng(bytes)) & mask;
    if (candidate < bound) return candidate;
  }
}

/** Uniform value in the symmetric interval [−bound, bound] (the paper's ±bound). */
export function randomSymmetric(bound: bigint, rng: Rng): bigint {
  if (bound < 0n) throw new RangeError('bound must be non-negative');
  return randomBelow(2n * bound + 1n, rng) - bound;
}

/** Uniform element of Z*_n (gcd with n equal to 1). */
export function randomUnit(n: bigint, rng: Rng): bigint {
  if (n <= 1n) throw new RangeError('modulus must be > 1');
  for (;;) {
    const r = randomBelow(n, rng);
    if (r !== 0n && gcd(r, n) === 1n) return r;
  }
}

/** ⌊√a⌋ by Newton's iteration. */
export function isqrt(a: bigint): bigint {
  if (a < 0n) throw new RangeError('negative value');
  if (a < 2n) return a;
  let x = 1n << BigInt(Math.ceil(bitLength(a) / 2));
  for (;;) {
    const y = (x + a / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** True iff a is in [−bound, bound]. */
export function inSymmetricRange(a: bigint, bound: bigint): boolean {
  return a >= -bound && a <= bound;
}
