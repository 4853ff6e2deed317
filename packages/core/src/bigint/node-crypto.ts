/**
 * Big-integer work through `node:crypto`, for CPU work only (no I/O; core's other uses of it are
 * the Noise primitives in `noise/suites.ts` and the identity-key Ed25519 in `engine/ed25519.ts`):
 *
 * - fast modular exponentiation through OpenSSL. Node exposes no bignum API, but an RSA
 *   public-key operation with RSA_NO_PADDING is exactly base^e mod n in OpenSSL's Montgomery
 *   code, so a JWK whose `n` is the modulus and `e` the exponent turns `publicEncrypt` into
 *   modexp (measured here about 6× faster than V8 BigInt at 2048 bits; see bench/bigint.js).
 *   OpenSSL refuses e ≥ n, and above 3072-bit moduli any e over 64 bits. Those cases go
 *   through finite-field Diffie–Hellman instead: `computeSecret(base)` with the exponent set as
 *   private key is base^e mod p for any e and any p up to 10000 bits (OpenSSL does not require
 *   p to be prime), with the one restriction 1 < base < p − 1; that road uses OpenSSL's
 *   constant-time exponentiation. Odd moduli neither road takes go through chunked RSA calls,
 *   even ones through the BigInt reference;
 * - `modPowSecret`, for a secret exponent or a secret modulus: always the constant-time DH road;
 * - safe primes and primality tests from OpenSSL's generator.
 *
 * `modPowRef` in `./arith.ts` is the reference both paths are property-tested against.
 *
 * Constant time, and what stays outside it (the residue; also docs/security-checks.md). The RSA
 * road runs OpenSSL's variable-time BN_mod_exp_mont (its exponent is public by design) and V8
 * BigInt is variable-time throughout, so every secret exponent (k, γ, key shares, proof nonces
 * and witnesses, ring-Pedersen λ) and every exponentiation modulo a secret (Paillier p,
 * q, p², q² in decryption and key-owner encryption, the Π^mod and Π^prm roots) goes through
 * `modPowSecret`: DH_compute_key flags the private key BN_FLG_CONSTTIME, so OpenSSL takes
 * BN_mod_exp_mont_consttime (fixed window, cache-safe table gather). Outside that:
 * - the exponent's length in 64-bit words, which BN_bin2bn takes from the value (secret
 *   exponents are full-length draws, so this is their public size);
 * - the sign of a signed exponent, which costs a BigInt inversion of the base when negative;
 *   the signed secrets (proof masks α, β, γ, μ, ν and MtA masks) are uniform draws that
 *   dominate what they mask by 2^ε, so their sign is, but for 2^−ε, that of a public response;
 * - the trivial bases 0, 1 and m − 1 and exponent 0, answered without OpenSSL (a branch on the
 *   base, which is public wherever the exponent is secret);
 * - moduli above OpenSSL's 10000-bit DH limit or even (none is secret: the largest secret-
 *   exponent modulus is N² of a 3072-bit N), which fall back to `modPow`;
 * - all other BigInt arithmetic on secrets: products, reductions, CRT recombination, modular
 *   inverses and Jacobi symbols modulo p and q in key setup and the Π^mod prover, and the
 *   secret bases of public-exponent powers (ρ^N, ρ^e). V8 offers no constant-time bignum.
 * The DH contexts are cached per modulus, so a secret modulus stays in the cache (as in the key
 * object that uses it) until evicted; JS cannot erase a bigint either way.
 */
import {
  type DiffieHellman,
  constants,
  checkPrimeSync,
  createDiffieHellman,
  createPublicKey,
  generatePrime,
  publicEncrypt,
} from 'node:crypto';
import { bitLength, mod, modInverse, modPowRef } from './arith.js';

/** OpenSSL's limits for an RSA public operation (OPENSSL_RSA_MAX_MODULUS_BITS etc.). */
const MAX_MODULUS_BITS = 16384;
const SMALL_MODULUS_BITS = 3072;
const MAX_LARGE_EXPONENT_BITS = 64;
/** OPENSSL_DH_MAX_MODULUS_BITS, and the 512-bit floor below which OpenSSL refuses DH. */
const DH_MAX_MODULUS_BITS = 10000;
const DH_MIN_MODULUS_BITS = 512;

function toBuffer(a: bigint, byteLength = 0): Buffer {
  let hex = a.toString(16);
  if (hex.length % 2 === 1) hex = '0' + hex;
  return Buffer.from(hex.padStart(2 * byteLength, '0'), 'hex');
}

function toBase64Url(a: bigint): string {
  return toBuffer(a).toString('base64url');
}

function fromBuffer(b: Buffer): bigint {
  return b.length === 0 ? 0n : BigInt('0x' + b.toString('hex'));
}

/**
 * DH contexts per modulus. Node runs DH_check (a primality test of the "prime") when it builds
 * one, which for a Paillier N² costs more than the exponentiation itself (measured: 68 ms
 * against 42 ms at 6144 bits; about 40 ms for a 1536-bit prime p), so contexts are kept for the
 * moduli in use: per peer N² and N̂ (ring-Pedersen commitments take this road), and the own
 * p, q, p², q², N — room for committees of a dozen or more.
 */
const dhContexts = new Map<bigint, DiffieHellman>();
const DH_CONTEXT_LIMIT = 64;
const ONE = Buffer.of(1);

function dhContext(m: bigint): DiffieHellman {
  let dh = dhContexts.get(m);
  if (dh) {
    dhContexts.delete(m); // re-inserted below: the map's order is least recently used first
  } else {
    dh = createDiffieHellman(toBuffer(m), toBuffer(2n));
    if (dhContexts.size >= DH_CONTEXT_LIMIT) dhContexts.delete(dhContexts.keys().next().value!);
  }
  dhContexts.set(m, dh);
  return dh;
}

/**
 * base^e mod m through DH: 1 < base < m − 1, e > 0, m within OpenSSL's DH size limits. OpenSSL
 * refuses to return a shared secret of 1 (e.g. a Paillier decryption of 0 half-way: c^(p−1) ≡ 1
 * mod p²); that case alone is answered by the BigInt reference, so its timing tells no more than
 * the refusal already did: that the result is 1.
 */
function dhPow(base: bigint, e: bigint, m: bigint, byteLength: number): bigint {
  const dh = dhContext(m);
  dh.setPrivateKey(toBuffer(e));
  try {
    return fromBuffer(dh.computeSecret(toBuffer(base, byteLength)));
  } catch (err) {
    const r = modPowRef(base, e, m);
    if (r !== 1n) throw err;
    return r;
  } finally {
    // The exponent may be secret: do not leave it in the cached context.
    dh.setPrivateKey(ONE);
  }
}

/** One OpenSSL call: base^e mod m with 0 ≤ base < m, 0 < e < m, m odd. */
function opensslPow(base: bigint, e: bigint, m: bigint, byteLength: number): bigint {
  const key = createPublicKey({ key: { kty: 'RSA', n: toBase64Url(m), e: toBase64Url(e) }, format: 'jwk' });
  return fromBuffer(publicEncrypt({ key, padding: constants.RSA_NO_PADDING }, toBuffer(base, byteLength)));
}

/**
 * The arguments of a fast exponentiation (m > 0) reduced to 1 < b < m − 1 and e > 0, or the
 * answer where no exponentiation is needed: m = 1, e = 0, b ∈ {0, 1, m − 1}. A negative exponent
 * inverts the base (throws if it is not invertible).
 */
function reduceArguments(base: bigint, exponent: bigint, m: bigint): bigint | { b: bigint; e: bigint } {
  if (m === 1n) return 0n;
  let b = mod(base, m);
  let e = exponent;
  if (e < 0n) {
    b = modInverse(b, m);
    e = -e;
  }
  if (e === 0n) return 1n;
  if (b <= 1n) return b;
  if (b === m - 1n) return (e & 1n) === 0n ? 1n : b;
  return { b, e };
}

/**
 * base^exponent mod m, through OpenSSL where it can be, else through the BigInt reference.
 * A negative exponent inverts the base first (throws if not invertible). Only the DH road is
 * constant-time; the RSA road and the BigInt reference are not, so timing may depend on the
 * exponent: this is for public exponents and moduli (verifiers, public keys). Secret ones go
 * through `modPowSecret`.
 */
export function modPow(base: bigint, exponent: bigint, m: bigint): bigint {
  if (m <= 0n) throw new RangeError('modulus must be positive');
  const reduced = reduceArguments(base, exponent, m);
  if (typeof reduced === 'bigint') return reduced;
  const { b, e } = reduced;
  const mBits = bitLength(m);
  const odd = (m & 1n) === 1n;
  const byteLength = Math.ceil(mBits / 8);
  if (odd && mBits <= SMALL_MODULUS_BITS && e < m) return opensslPow(b, e, m, byteLength);
  // Even moduli (never a Paillier or ring-Pedersen modulus) stay on the reference: OpenSSL's
  // Montgomery code needs an odd modulus, and Node refuses some even DH primes outright.
  if (!odd || mBits > MAX_MODULUS_BITS) return modPowRef(b, e, m);
  if (mBits >= DH_MIN_MODULUS_BITS && mBits <= DH_MAX_MODULUS_BITS) return dhPow(b, e, m, byteLength);
  // Chunks of w bits: 2^w and every chunk stay below m and within OpenSSL's exponent limit.
  const w = mBits <= SMALL_MODULUS_BITS ? mBits - 1 : MAX_LARGE_EXPONENT_BITS - 1;
  const shift = 1n << BigInt(w);
  const mask = shift - 1n;
  const chunks: bigint[] = [];
  for (let rest = e; rest > 0n; rest >>= BigInt(w)) chunks.push(rest & mask);
  let acc = 1n;
  for (let i = chunks.length - 1; i >= 0; i--) {
    if (acc !== 1n) acc = opensslPow(acc, shift, m, byteLength);
    const c = chunks[i]!;
    if (c !== 0n) acc = (acc * opensslPow(b, c, m, byteLength)) % m;
  }
  return acc;
}

/**
 * base^exponent mod m when the exponent or the modulus is secret: always OpenSSL's constant-time
 * exponentiation (the DH road), also for exponents or moduli small enough for the faster
 * variable-time roads. A modulus below OpenSSL's 512-bit DH floor is widened to m·K for an odd
 * K that lifts it to the floor; (b^e mod m·K) mod m = b^e mod m. The modulus must be odd.
 * What stays outside constant time is listed at the top of this file.
 */
export function modPowSecret(base: bigint, exponent: bigint, m: bigint): bigint {
  if (m <= 0n) throw new RangeError('modulus must be positive');
  if ((m & 1n) === 0n) throw new RangeError('secret modular exponentiation needs an odd modulus');
  const reduced = reduceArguments(base, exponent, m);
  if (typeof reduced === 'bigint') return reduced;
  const { b, e } = reduced;
  const mBits = bitLength(m);
  if (mBits > DH_MAX_MODULUS_BITS) return modPow(b, e, m);
  const wide = mBits < DH_MIN_MODULUS_BITS ? m * ((1n << BigInt(DH_MIN_MODULUS_BITS - mBits)) + 1n) : m;
  const r = dhPow(b, e, wide, Math.ceil(bitLength(wide) / 8));
  return wide === m ? r : r % m;
}

/**
 * A random safe prime p (p and (p − 1)/2 prime) of exactly `bits` bits, from OpenSSL, computed
 * off the calling thread (in libuv's pool) since it takes seconds at Paillier sizes.
 */
export function generateSafePrime(bits: number): Promise<bigint> {
  if (!Number.isInteger(bits) || bits < 16) return Promise.reject(new RangeError('bad prime size'));
  return new Promise((resolve, reject) => {
    generatePrime(bits, { safe: true, bigint: true }, (err, prime) => (err ? reject(err) : resolve(prime)));
  });
}

/**
 * Miller–Rabin through OpenSSL at its default round count (a composite passes with probability
 * at most 2⁻⁶⁴). Verifiers use it only to reject a prime modulus, where a prime always answers
 * true, so that error can only make an honest composite look prime, never the reverse.
 */
export function isProbablePrime(n: bigint): boolean {
  if (n < 2n) return false;
  return checkPrimeSync(n);
}
