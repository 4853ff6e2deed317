/**
 * CGGMP security parameters, in one object per level.
 *
 * Sources:
 * - Canetti, Gennaro, Goldfeder, Makriyannis, Peled, "UC Non-Interactive, Proactive, Threshold
 *   ECDSA with Identifiable Aborts", IACR eprint 2021/060, latest revision ("CGGMP24"),
 *   concrete-security section: κ = 128, ε, ℓ, ℓ′ and the statistical repetitions m.
 * - LFDT-Lockness/cggmp21, branch cggmp24, `cggmp24/src/security_level.rs`, which follows that
 *   revision with `SecurityLevel128 { epsilon: 230, ell: 256, ell_prime: 848, m: 128,
 *   q: 2^128 }`, 3072-bit Paillier moduli, and accepts peer moduli of at least 3071 bits
 *   (8·384 − 1: a product of two 1536-bit primes can have 3071 bits).
 * - bnb-chain/tss-lib: 2048-bit Paillier moduli and NTilde from 1024-bit safe primes
 *   (`paillierModulusLen = 2048`); its own Π^mod uses only 80 iterations, which we do not copy:
 *   imported keys are proven again with this library's m.
 */
export interface SecurityLevel {
  /** Identifier, bound into every proof transcript so proofs at one level never verify at another. */
  readonly name: string;
  /** Target computational security in bits (factoring-equivalent for the Paillier size). */
  readonly kappa: number;
  /** Size of the Paillier / ring-Pedersen moduli this level generates. */
  readonly paillierBits: number;
  /** Smallest peer modulus accepted (a product of two k-bit primes may have 2k − 1 bits). */
  readonly minPaillierBits: number;
  /** ℓ: range of the secrets (bits) that range proofs cover. */
  readonly ell: number;
  /** ℓ′: range of the masks in the affine-operation proofs (bits). */
  readonly ellPrime: number;
  /** ε: slack of the range proofs (bits). */
  readonly epsilon: number;
  /** m: repetitions of the binary-challenge proofs Π^mod and Π^prm (soundness error 2^−m). */
  readonly repetitions: number;
  /** log₂ q: challenges of the integer proofs (Π^fac and later Π^enc, Π^aff-g, Π^log*) lie in ±q. */
  readonly challengeBits: number;
}

/** Default: 128-bit security per the CGGMP24 revision (see the sources above). */
export const SECURITY_LEVEL_128: SecurityLevel = Object.freeze({
  name: 'cggmp24/128',
  kappa: 128,
  paillierBits: 3072,
  minPaillierBits: 3071,
  ell: 256,
  ellPrime: 848,
  epsilon: 230,
  repetitions: 128,
  challengeBits: 128,
});

/**
 * For key shares imported from bnb-chain/tss-lib, whose Paillier keys are 2048 bits (about
 * 112-bit factoring security). Proof parameters stay those of the default level: the range
 * bounds ℓ + ℓ′ + ε still fit well inside a 2048-bit modulus.
 */
export const SECURITY_LEVEL_TSS_LIB_2048: SecurityLevel = Object.freeze({
  name: 'tss-lib/2048',
  kappa: 112,
  paillierBits: 2048,
  minPaillierBits: 2047,
  ell: 256,
  ellPrime: 848,
  epsilon: 230,
  repetitions: 128,
  challengeBits: 128,
});

export const SECURITY_LEVELS: readonly SecurityLevel[] = [SECURITY_LEVEL_128, SECURITY_LEVEL_TSS_LIB_2048];

/** Bits of each safe prime of a modulus at this level. */
export function primeBits(level: SecurityLevel): number {
  return level.paillierBits / 2;
}
