/**
 * Ring-Pedersen parameters (N̂, s, t) as CGGMP define them: N̂ = p̂·q̂ a product of safe primes,
 * t = τ² mod N̂ for a random unit τ (so t generates, with overwhelming probability, the group of
 * quadratic residues), and s = t^λ for a secret λ ← Z_φ(N̂). Commitments s^x·t^y mod N̂ then hide
 * x statistically and bind it under the strong-RSA assumption. Whoever receives parameters
 * must check Π^prm (proofs/ring-pedersen-params.ts), which proves s ∈ ⟨t⟩.
 */
import type { Rng } from '../rng.js';
import { bitLength, gcd, randomBelow, randomUnit } from '../bigint/arith.js';
import { isProbablePrime, modPowSecret } from '../bigint/node-crypto.js';
import { type SecurityLevel } from './security-level.js';

export interface RingPedersenParams {
  readonly n: bigint;
  readonly s: bigint;
  readonly t: bigint;
}

export interface RingPedersenSecret {
  readonly params: RingPedersenParams;
  /** s = t^λ mod N̂. */
  readonly lambda: bigint;
  /** φ(N̂); the prover of Π^prm reduces exponents modulo it. */
  readonly phi: bigint;
  /** The safe primes of N̂, for CRT exponentiation by their owner. */
  readonly p: bigint;
  readonly q: bigint;
}

/** Parameters from two distinct safe primes (validated) and fresh randomness. */
export function generateRingPedersen(p: bigint, q: bigint, rng: Rng): RingPedersenSecret {
  if (p === q) throw new RangeError('ring-Pedersen primes must be distinct');
  for (const x of [p, q]) {
    if (x < 7n || !isProbablePrime(x) || !isProbablePrime((x - 1n) / 2n)) throw new RangeError('ring-Pedersen factor is not a safe prime');
  }
  const n = p * q;
  const phi = (p - 1n) * (q - 1n);
  const tau = randomUnit(n, rng);
  const t = (tau * tau) % n;
  const lambda = randomBelow(phi, rng);
  const s = modPowSecret(t, lambda, n);
  return Object.freeze({ params: Object.freeze({ n, s, t }), lambda, phi, p, q });
}

/**
 * Structural checks on received parameters, before any proof: N̂ odd and large enough, s and t
 * units other than ±1 (which generate nothing) and distinct. Π^prm must still be verified.
 */
export function isWellFormedRingPedersen(params: RingPedersenParams, level: SecurityLevel): boolean {
  const { n, s, t } = params;
  if (typeof n !== 'bigint' || typeof s !== 'bigint' || typeof t !== 'bigint') return false;
  if (n <= 3n || (n & 1n) === 0n || bitLength(n) < level.minPaillierBits) return false;
  for (const x of [s, t]) {
    if (x <= 1n || x >= n - 1n || gcd(x, n) !== 1n) return false;
  }
  return s !== t;
}

/**
 * Commitment s^x · t^y mod N̂ for signed x, y (negative exponents invert the unit base). Provers
 * commit to secrets, so both powers take the constant-time road; for a verifier's public
 * exponents that road costs about what the variable-time one does.
 */
export function ringPedersenCommit(params: RingPedersenParams, x: bigint, y: bigint): bigint {
  return (modPowSecret(params.s, x, params.n) * modPowSecret(params.t, y, params.n)) % params.n;
}
