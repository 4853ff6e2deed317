/**
 * Paillier encryption with g = 1 + N over a modulus N = p·q of two safe primes (DESIGN §4).
 * The key owner decrypts (and may encrypt) with the Chinese remainder theorem over p² and q²,
 * which roughly quarters the cost of each exponentiation; everyone else works mod N².
 * Every ciphertext from outside is checked (0 < c < N², gcd(c, N) = 1) before use: a
 * ciphertext sharing a factor with N would leak it, and out-of-range values are malformed.
 * Exponentiations with a secret exponent or modulo a secret (p², q², φ) use `modPowSecret`,
 * OpenSSL's constant-time road; the nonce term ρ^N has a public exponent and modulus.
 */
import type { Rng } from '../rng.js';
import { bitLength, crt, gcd, mod, modInverse, randomUnit } from '../bigint/arith.js';
import { generateSafePrime, isProbablePrime, modPow, modPowSecret } from '../bigint/node-crypto.js';
import { type SecurityLevel, primeBits } from './security-level.js';

export interface PaillierPublicKey {
  readonly n: bigint;
  readonly n2: bigint;
}

export interface PaillierSecretKey {
  readonly publicKey: PaillierPublicKey;
  readonly p: bigint;
  readonly q: bigint;
  /** φ(N) = (p − 1)(q − 1). */
  readonly phi: bigint;
  readonly p2: bigint;
  readonly q2: bigint;
  /** p⁻¹ mod q and (p²)⁻¹ mod q², for Garner's recombination. */
  readonly pInvQ: bigint;
  readonly p2InvQ2: bigint;
  /** Decryption constants hp = L_p((1+N)^(p−1) mod p²)⁻¹ mod p, and hq likewise. */
  readonly hp: bigint;
  readonly hq: bigint;
}

/** Public key from a modulus received from a peer: odd, composite-sized, at the level's size. */
export function paillierPublicKey(n: bigint, level?: SecurityLevel): PaillierPublicKey {
  if (typeof n !== 'bigint' || n <= 3n || (n & 1n) === 0n) throw new RangeError('invalid Paillier modulus');
  if (level && bitLength(n) < level.minPaillierBits) throw new RangeError('Paillier modulus too small for the security level');
  return Object.freeze({ n, n2: n * n });
}

/**
 * Secret key from its primes. Checks what the protocols rely on: distinct primes, both
 * ≡ 3 mod 4 (Blum, needed by Π^mod), and safe when `requireSafe` (needed when the same modulus
 * carries ring-Pedersen parameters). Prime checks are OpenSSL Miller–Rabin.
 */
export function paillierSecretKey(p: bigint, q: bigint, opts: { requireSafe?: boolean; level?: SecurityLevel } = {}): PaillierSecretKey {
  if (p === q) throw new RangeError('Paillier primes must be distinct');
  for (const x of [p, q]) {
    if (x < 7n || (x & 3n) !== 3n) throw new RangeError('Paillier primes must be Blum primes (≡ 3 mod 4)');
    if (!isProbablePrime(x)) throw new RangeError('Paillier factor is not prime');
    if (opts.requireSafe && !isProbablePrime((x - 1n) / 2n)) throw new RangeError('Paillier factor is not a safe prime');
  }
  const publicKey = paillierPublicKey(p * q, opts.level);
  const { n } = publicKey;
  const p2 = p * p;
  const q2 = q * q;
  // (1 + N)^(p−1) ≡ 1 + (p − 1)·N (mod p²): the binomial series stops at the linear term.
  const lp = (mod(1n + (p - 1n) * n, p2) - 1n) / p;
  const lq = (mod(1n + (q - 1n) * n, q2) - 1n) / q;
  return Object.freeze({
    publicKey,
    p,
    q,
    phi: (p - 1n) * (q - 1n),
    p2,
    q2,
    pInvQ: modInverse(p, q),
    p2InvQ2: modInverse(p2, q2),
    hp: modInverse(lp, p),
    hq: modInverse(lq, q),
  });
}

/** Strict validation of a ciphertext from outside: 0 < c < N² and gcd(c, N) = 1. */
export function isValidCiphertext(pk: PaillierPublicKey, c: bigint): boolean {
  return typeof c === 'bigint' && c > 0n && c < pk.n2 && gcd(c, pk.n) === 1n;
}

export function assertCiphertext(pk: PaillierPublicKey, c: bigint): void {
  if (!isValidCiphertext(pk, c)) throw new RangeError('invalid Paillier ciphertext');
}

/** ρ must be a unit mod N; a non-unit nonce would put a factor of N into the ciphertext. */
function assertNonce(pk: PaillierPublicKey, rho: bigint): void {
  if (rho <= 0n || rho >= pk.n || gcd(rho, pk.n) !== 1n) throw new RangeError('invalid Paillier nonce');
}

/**
 * Enc(m; ρ) = (1 + N)^m · ρ^N mod N² = (1 + m·N) · ρ^N mod N². The message is taken mod N, so
 * negative values encode as N − |m|, the paper's convention for signed plaintexts.
 */
export function encrypt(pk: PaillierPublicKey, m: bigint, rho: bigint): bigint {
  assertNonce(pk, rho);
  return mod((1n + mod(m, pk.n) * pk.n) * modPow(rho, pk.n, pk.n2), pk.n2);
}

/** Encrypts with a fresh nonce; returns the nonce too, since proofs about c need it. */
export function encryptRandom(pk: PaillierPublicKey, m: bigint, rng: Rng): { ciphertext: bigint; nonce: bigint } {
  const nonce = randomUnit(pk.n, rng);
  return { ciphertext: encrypt(pk, m, nonce), nonce };
}

/** ρ^N mod N² for the key owner, by CRT over p² and q² with exponents reduced mod φ(p²), φ(q²). */
function nonceTermCrt(sk: PaillierSecretKey, rho: bigint): bigint {
  const { n } = sk.publicKey;
  const rp = modPowSecret(rho, mod(n, sk.p * (sk.p - 1n)), sk.p2);
  const rq = modPowSecret(rho, mod(n, sk.q * (sk.q - 1n)), sk.q2);
  return crt(rp, sk.p2, rq, sk.q2, sk.p2InvQ2);
}

/** Same ciphertext as `encrypt`, computed faster by the key owner. */
export function encryptWithSecret(sk: PaillierSecretKey, m: bigint, rho: bigint): bigint {
  const pk = sk.publicKey;
  assertNonce(pk, rho);
  return mod((1n + mod(m, pk.n) * pk.n) * nonceTermCrt(sk, rho), pk.n2);
}

/** Reference decryption: m = L(c^φ mod N²) · φ⁻¹ mod N with L(x) = (x − 1)/N. */
export function decryptPlain(sk: PaillierSecretKey, c: bigint): bigint {
  const pk = sk.publicKey;
  assertCiphertext(pk, c);
  const u = modPowSecret(c, sk.phi, pk.n2);
  return mod(((u - 1n) / pk.n) * modInverse(sk.phi, pk.n), pk.n);
}

/** CRT decryption: m_p = L_p(c^(p−1) mod p²)·hp mod p, likewise mod q, then recombine. */
export function decrypt(sk: PaillierSecretKey, c: bigint): bigint {
  assertCiphertext(sk.publicKey, c);
  const mp = mod(((modPowSecret(c, sk.p - 1n, sk.p2) - 1n) / sk.p) * sk.hp, sk.p);
  const mq = mod(((modPowSecret(c, sk.q - 1n, sk.q2) - 1n) / sk.q) * sk.hq, sk.q);
  return crt(mp, sk.p, mq, sk.q, sk.pInvQ);
}

/** Decryption into the signed range (−N/2, N/2], for plaintexts that may be negative. */
export function decryptSigned(sk: PaillierSecretKey, c: bigint): bigint {
  const m = decrypt(sk, c);
  return m > sk.publicKey.n / 2n ? m - sk.publicKey.n : m;
}

/**
 * The nonce ρ of a ciphertext c = (1+N)^m·ρ^N, recovered by the key owner: c ≡ ρ^N (mod N), and
 * N is invertible mod φ(N) (gcd(N, φ(N)) = 1 for a Paillier modulus). Proofs about a ciphertext
 * the owner did not make itself (a homomorphic combination of others') need it.
 */
export function nonceOf(sk: PaillierSecretKey, c: bigint): bigint {
  assertCiphertext(sk.publicKey, c);
  const { n } = sk.publicKey;
  return modPowSecret(c % n, modInverse(n, sk.phi), n);
}

/** Enc(a) ⊕ Enc(b) = Enc(a + b). */
export function addCiphertexts(pk: PaillierPublicKey, c1: bigint, c2: bigint): bigint {
  assertCiphertext(pk, c1);
  assertCiphertext(pk, c2);
  return (c1 * c2) % pk.n2;
}

/** k ⊙ Enc(a) = Enc(k·a); k may be negative (the ciphertext is a unit, so it inverts) and secret. */
export function scalarMulCiphertext(pk: PaillierPublicKey, c: bigint, k: bigint): bigint {
  assertCiphertext(pk, c);
  return modPowSecret(c, k, pk.n2);
}

/**
 * A fresh key of two safe primes at the level's size. Safe primes take seconds to minutes
 * (DESIGN §11), so production code draws them from a pool filled in the background.
 */
export async function generatePaillierSecretKey(level: SecurityLevel): Promise<PaillierSecretKey> {
  const bits = primeBits(level);
  for (;;) {
    const [p, q] = await Promise.all([generateSafePrime(bits), generateSafePrime(bits)]);
    if (p !== q) return paillierSecretKey(p, q, { requireSafe: true, level });
  }
}
