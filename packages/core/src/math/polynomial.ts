/**
 * Shamir secret sharing over a curve's scalar field, Feldman commitments and Lagrange
 * interpolation at zero. Party identifiers are nonzero scalars (small integers in practice).
 */
import { type Curve, type GroupPoint, invert, mod, randomScalar } from './curve.js';

/** Coefficients a₀..a_{t−1}; a₀ is the shared secret. */
export type Polynomial = readonly bigint[];

export function randomPolynomial(
  curve: Curve,
  constant: bigint,
  degree: number,
  rng: (n: number) => Uint8Array,
): bigint[] {
  if (!Number.isInteger(degree) || degree < 0) throw new RangeError('degree must be a non-negative integer');
  const coeffs = [mod(constant, curve.order)];
  for (let i = 0; i < degree; i++) coeffs.push(randomScalar(curve, rng));
  return coeffs;
}

/** Horner evaluation of f(x) mod the group order. */
export function evaluatePolynomial(curve: Curve, coeffs: Polynomial, x: bigint): bigint {
  let acc = 0n;
  for (let i = coeffs.length - 1; i >= 0; i--) acc = mod(acc * x + coeffs[i]!, curve.order);
  return acc;
}

/** Feldman commitment: Cₖ = aₖ·G. */
export function commitPolynomial(curve: Curve, coeffs: Polynomial): GroupPoint[] {
  return coeffs.map((c) => curve.mulBase(c));
}

/** Σ Cₖ·xᵏ — the public image f(x)·G of a committed polynomial (Horner over points). */
export function evaluateCommitment(curve: Curve, commitment: readonly GroupPoint[], x: bigint): GroupPoint {
  let acc = curve.identity;
  const k = mod(x, curve.order);
  for (let i = commitment.length - 1; i >= 0; i--) {
    acc = acc.is0() ? commitment[i]! : acc.multiplyUnsafe(k).add(commitment[i]!);
  }
  return acc;
}

/** Checks a share against a Feldman commitment: share·G == Σ Cₖ·xᵏ. */
export function verifyShare(curve: Curve, commitment: readonly GroupPoint[], x: bigint, share: bigint): boolean {
  return curve.mulBase(share).equals(evaluateCommitment(curve, commitment, x));
}

/** Lagrange coefficient at zero of identifier `x` within the set `xs`. */
export function lagrangeAtZero(curve: Curve, x: bigint, xs: readonly bigint[]): bigint {
  const n = curve.order;
  if (new Set(xs.map((v) => mod(v, n))).size !== xs.length) throw new RangeError('duplicate identifier');
  let num = 1n;
  let den = 1n;
  let seen = false;
  for (const xj of xs) {
    if (xj === x) {
      if (seen) throw new RangeError('duplicate identifier');
      seen = true;
      continue;
    }
    num = mod(num * xj, n);
    den = mod(den * (xj - x), n);
  }
  if (!seen) throw new RangeError('identifier not in set');
  if (den === 0n) throw new RangeError('duplicate identifier');
  return mod(num * invert(den, n), n);
}

/** Interpolates f(0) from points (xᵢ, yᵢ). Used in tests and recovery tooling, never when signing. */
export function interpolateAtZero(curve: Curve, points: readonly { x: bigint; y: bigint }[]): bigint {
  const xs = points.map((p) => p.x);
  if (new Set(xs).size !== xs.length) throw new RangeError('duplicate identifier');
  let acc = 0n;
  for (const p of points) acc = mod(acc + p.y * lagrangeAtZero(curve, p.x, xs), curve.order);
  return acc;
}

/** Splits `secret` t-of-n with identifiers 1..n; returns shares and the Feldman commitment. */
export function shamirSplit(
  curve: Curve,
  secret: bigint,
  threshold: number,
  parties: number,
  rng: (n: number) => Uint8Array,
): { shares: bigint[]; commitment: GroupPoint[] } {
  validateThreshold(threshold, parties);
  const coeffs = randomPolynomial(curve, secret, threshold - 1, rng);
  const shares = [];
  for (let i = 1; i <= parties; i++) shares.push(evaluatePolynomial(curve, coeffs, BigInt(i)));
  return { shares, commitment: commitPolynomial(curve, coeffs) };
}

export const MAX_PARTIES = 255;

export function validateThreshold(threshold: number, parties: number): void {
  if (!Number.isInteger(parties) || parties < 1 || parties > MAX_PARTIES) {
    throw new RangeError(`parties must be an integer in 1..${MAX_PARTIES}`);
  }
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > parties) {
    throw new RangeError('threshold must be an integer in 1..parties');
  }
}
