/**
 * The two prime-order groups the core works in, behind one small interface so that every
 * protocol is written once. All arithmetic is @noble/curves; this file only fixes encodings and
 * the validation every decoded value goes through.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { mulAddUnsafe } from '@noble/curves/abstract/curve.js';
import { bytesToNumberBE, bytesToNumberLE, numberToBytesBE, numberToBytesLE } from '@noble/curves/utils.js';
import { jacobi, mod, modInverse } from '../bigint/arith.js';

/** The operations of a curve point that the core relies on (shared by both noble point classes). */
export interface GroupPoint {
  add(other: GroupPoint): GroupPoint;
  subtract(other: GroupPoint): GroupPoint;
  negate(): GroupPoint;
  multiply(scalar: bigint): GroupPoint;
  multiplyUnsafe(scalar: bigint): GroupPoint;
  equals(other: GroupPoint): boolean;
  is0(): boolean;
  toBytes(compressed?: boolean): Uint8Array;
  toAffine(): { x: bigint; y: bigint };
}

export type CurveName = 'secp256k1' | 'ed25519';

export interface Curve {
  readonly name: CurveName;
  /** Order of the prime-order group. */
  readonly order: bigint;
  readonly scalarLength: number;
  readonly pointLength: number;
  readonly base: GroupPoint;
  readonly identity: GroupPoint;
  /** Canonical scalar encoding (big-endian for secp256k1, little-endian for ed25519). */
  encodeScalar(s: bigint): Uint8Array;
  /** Strict decoding: exact length, canonical (< order). */
  decodeScalar(bytes: Uint8Array): bigint;
  /** Compressed point encoding; the identity is never encoded. */
  encodePoint(p: GroupPoint): Uint8Array;
  /**
   * Strict decoding: exact length, on curve, canonical, not identity, and (unless the caller
   * checks the subgroup itself, later and more cheaply) in the prime-order subgroup.
   */
  decodePoint(bytes: Uint8Array, subgroupCheck?: boolean): GroupPoint;
  /** Whether a point lies in the prime-order subgroup (always true for secp256k1, cofactor 1). */
  inPrimeSubgroup(p: GroupPoint): boolean;
  /** h, the index of the prime-order group in the curve's points (1 for secp256k1, 8 for ed25519). */
  readonly cofactor: bigint;
  /**
   * [h]P for any curve point P: always in the prime-order group (the points form a cyclic group of
   * order h·ℓ on both curves). A few doublings, where a subgroup check costs a multiplication.
   */
  clearCofactor(p: GroupPoint): GroupPoint;
  /** Length of an affine encoding: both coordinates, each in the curve's byte order. */
  readonly affineLength: number;
  /**
   * x ‖ y: longer than the compressed form, but decoded without a square root (a fifth of a
   * multiplication's cost less), for points a party publishes for others to use at once.
   */
  encodeAffine(p: GroupPoint): Uint8Array;
  /**
   * Strict decoding of `encodeAffine`: canonical coordinates of a point on the curve, not the
   * identity. No subgroup check: callers check the subgroup (or clear the cofactor) themselves.
   */
  decodeAffine(bytes: Uint8Array): GroupPoint;
  /** Interprets a byte string as an integer in the curve's scalar byte order (no reduction). */
  bytesToNumber(bytes: Uint8Array): bigint;
  /** s·G in constant time (for secret scalars). */
  mulBase(s: bigint): GroupPoint;
  /** s·G in variable time: only for public scalars (verification). */
  mulBasePublic(s: bigint): GroupPoint;
  /** Σ sᵢ·Pᵢ for public points and scalars (variable time). */
  sumOfProducts(points: GroupPoint[], scalars: bigint[]): GroupPoint;
}

export { mod };

/** a⁻¹ mod n (the bigint layer's inverse, with zero named as such). */
export function invert(a: bigint, n: bigint): bigint {
  if (mod(a, n) === 0n) throw new RangeError('inverse of zero');
  return modInverse(a, n);
}

type NoblePointClass = {
  BASE: GroupPoint;
  ZERO: GroupPoint;
  fromBytes(bytes: Uint8Array): GroupPoint & { assertValidity(): void };
  fromAffine(p: { x: bigint; y: bigint }): GroupPoint & { assertValidity(): void };
  Fn: { ORDER: bigint };
  Fp: { ORDER: bigint; BYTES: number };
};

function makeCurve(
  name: CurveName,
  Point: NoblePointClass,
  littleEndian: boolean,
  pointLength: number,
  cofactor: bigint,
  checkSubgroup: (p: GroupPoint) => boolean,
): Curve {
  const order = Point.Fn.ORDER;
  const scalarLength = 32;
  /**
   * Each point's encoding, computed once: encoding costs a field inversion, and a protocol encodes
   * the same commitments and keys for several hashes and signatures. Points are immutable.
   */
  const encodings = new WeakMap<GroupPoint, Uint8Array>();
  const toBytes = littleEndian ? numberToBytesLE : numberToBytesBE;
  const toNumber = littleEndian ? bytesToNumberLE : bytesToNumberBE;
  return Object.freeze({
    name,
    order,
    scalarLength,
    pointLength,
    base: Point.BASE,
    identity: Point.ZERO,
    encodeScalar(s: bigint): Uint8Array {
      if (s < 0n || s >= order) throw new RangeError('scalar out of range');
      return toBytes(s, scalarLength);
    },
    decodeScalar(bytes: Uint8Array): bigint {
      if (!(bytes instanceof Uint8Array) || bytes.length !== scalarLength) {
        throw new TypeError(`scalar must be ${scalarLength} bytes`);
      }
      const s = toNumber(bytes);
      if (s >= order) throw new RangeError('scalar is not canonical');
      return s;
    },
    encodePoint(p: GroupPoint): Uint8Array {
      let bytes = encodings.get(p);
      if (!bytes) {
        if (p.is0()) throw new RangeError('cannot encode the identity element');
        bytes = p.toBytes(true);
        encodings.set(p, bytes);
      }
      return bytes.slice();
    },
    decodePoint(bytes: Uint8Array, subgroupCheck = true): GroupPoint {
      if (!(bytes instanceof Uint8Array) || bytes.length !== pointLength) {
        throw new TypeError(`point must be ${pointLength} bytes`);
      }
      let p: GroupPoint & { assertValidity(): void };
      try {
        p = Point.fromBytes(bytes);
        p.assertValidity();
      } catch {
        throw new RangeError('invalid point encoding');
      }
      if (p.is0()) throw new RangeError('point is the identity');
      if (subgroupCheck && !checkSubgroup(p)) throw new RangeError('point is not in the prime-order subgroup');
      // Reject non-canonical encodings (e.g. ed25519 y ≥ p or x=0 with sign bit set).
      const again = p.toBytes(true);
      for (let i = 0; i < pointLength; i++) {
        if (again[i] !== bytes[i]) throw new RangeError('point encoding is not canonical');
      }
      encodings.set(p, again);
      return p;
    },
    inPrimeSubgroup: checkSubgroup,
    cofactor,
    clearCofactor(p: GroupPoint): GroupPoint {
      let q = p;
      // h is a power of two on both curves: log₂ h doublings.
      for (let k = cofactor; k > 1n; k >>= 1n) q = q.add(q);
      return q;
    },
    affineLength: 2 * Point.Fp.BYTES,
    encodeAffine(p: GroupPoint): Uint8Array {
      if (p.is0()) throw new RangeError('cannot encode the identity element');
      const { x, y } = p.toAffine();
      const out = new Uint8Array(2 * Point.Fp.BYTES);
      out.set(toBytes(x, Point.Fp.BYTES), 0);
      out.set(toBytes(y, Point.Fp.BYTES), Point.Fp.BYTES);
      return out;
    },
    decodeAffine(bytes: Uint8Array): GroupPoint {
      const len = Point.Fp.BYTES;
      if (!(bytes instanceof Uint8Array) || bytes.length !== 2 * len) throw new TypeError(`an affine point must be ${2 * len} bytes`);
      const x = toNumber(bytes.subarray(0, len));
      const y = toNumber(bytes.subarray(len));
      if (x >= Point.Fp.ORDER || y >= Point.Fp.ORDER) throw new RangeError('affine coordinates are not canonical');
      let p: GroupPoint & { assertValidity(): void };
      try {
        p = Point.fromAffine({ x, y });
        p.assertValidity();
      } catch {
        throw new RangeError('not a point of the curve');
      }
      if (p.is0()) throw new RangeError('point is the identity');
      return p;
    },
    bytesToNumber: toNumber,
    mulBase(s: bigint): GroupPoint {
      const k = mod(s, order);
      return k === 0n ? Point.ZERO : Point.BASE.multiply(k);
    },
    mulBasePublic(s: bigint): GroupPoint {
      const k = mod(s, order);
      return k === 0n ? Point.ZERO : Point.BASE.multiplyUnsafe(k);
    },
    sumOfProducts(points: GroupPoint[], scalars: bigint[]): GroupPoint {
      if (points.length !== scalars.length) throw new RangeError('length mismatch');
      if (points.length === 0) return Point.ZERO;
      if (points.length === 1) {
        const k = mod(scalars[0]!, order);
        return k === 0n ? Point.ZERO : points[0]!.multiplyUnsafe(k);
      }
      return mulAddUnsafe(
        Point as never,
        points as never[],
        scalars.map((s) => mod(s, order)),
      ) as unknown as GroupPoint;
    },
  });
}

const edPoint = ed25519.Point as unknown as NoblePointClass;
const secpPoint = secp256k1.Point as unknown as NoblePointClass;

export const SECP256K1: Curve = makeCurve('secp256k1', secpPoint, false, 33, 1n, () => true);
/** [ℓ]P = 0 by a scalar multiplication: the reference ed25519 subgroup check (≈1 ms here). */
export function ed25519TorsionFreeByOrder(p: GroupPoint): boolean {
  return (p as unknown as { isTorsionFree(): boolean }).isTorsionFree();
}

/*
 * A faster exact ed25519 subgroup check, by halving instead of multiplying by ℓ (1.5–2× faster:
 * three square roots and a few Jacobi symbols instead of 253 doublings). Variable time, like the
 * reference: for public points.
 *
 * E(F_p) is cyclic of order 8ℓ, so the prime-order subgroup is exactly 8E: P is in it iff P can
 * be halved three times. On the birationally equivalent Montgomery curve v² = u(u² + Au + 1),
 * whose only rational 2-torsion point is (0, 0) (A² − 4 is not a square), a point is in 2E iff u
 * is a square (the 2-descent map u ↦ u mod squares has kernel of index 2, and the unique
 * index-2 subgroup of a cyclic group is 2E). The u of the four halves of (u, v) are the roots of
 * (z² + αz + 1)(z² + βz + 1) with α, β = −2u ± 2v/√u; the rational halves (Q and Q + (0, 0);
 * (0, 0) ∈ 4E, so either decides) are the roots of the factor whose discriminant is a square. Their
 * product is 1 and their sum −α, so a root is a square iff 2 − α is one ((√s + 1/√s)² = 2 − α).
 * A state we found no curve point to reach (a zero where a nonzero square is expected) falls back
 * to the reference check; the tests require the halving to decide every point they try.
 */
const edFp = ed25519.Point.Fp;
const ED_P = edFp.ORDER;
const MONT_A = 486662n;
/** √(−(A + 2)): the scale of the Edwards-to-Montgomery map v = √(−(A + 2))·u/x (RFC 7748). */
const MONT_SCALE = edFp.sqrt(edFp.neg(MONT_A + 2n));
const INV2 = edFp.inv(2n);
const fe = (a: bigint) => edFp.create(a);
const isSquare = (a: bigint) => jacobi(a, ED_P) === 1;
const isNonSquare = (a: bigint) => jacobi(a, ED_P) === -1;

/**
 * α of the rational halves of the Montgomery point (u, v), u a nonzero square, given r = v/√u;
 * undefined if neither factor splits.
 */
function rationalHalvesAlpha(u: bigint, r: bigint): bigint | undefined {
  for (const alpha of [fe(-2n * u + 2n * r), fe(-2n * u - 2n * r)]) {
    if (isSquare(fe(alpha * alpha - 4n))) return alpha;
  }
  return undefined;
}

/** P ∈ 8E by halving: true or false where exact, undefined for the states the reference decides. */
export function ed25519InSubgroupByHalving(p: GroupPoint): boolean | undefined {
  const { x, y } = p.toAffine();
  if (x === 0n) return y === 1n; // the identity, or the point of order 2
  // One inversion gives 1/(1 − y) and 1/x (y ≠ 1 when x ≠ 0).
  const inv = edFp.inv(fe(x * (1n - y)));
  const u = fe((1n + y) * x * inv); // (1 + y)/(1 − y)
  if (isNonSquare(u)) return false; // P ∉ 2E
  if (!isSquare(u)) return undefined;
  const xInv = fe((1n - y) * inv);
  const v = fe(MONT_SCALE * u * xInv);
  const alpha = rationalHalvesAlpha(u, fe(MONT_SCALE * edFp.sqrt(u) * xInv)); // v/√u = √(−(A + 2))·√u/x
  if (alpha === undefined) return undefined;
  // Q = (s, vs), a rational half of P: vs from the tangent at Q, whose slope λ has λ² = u + A + 2s.
  const s = fe((-alpha + edFp.sqrt(fe(alpha * alpha - 4n))) * INV2);
  if (isNonSquare(s)) return false; // Q ∉ 2E, so P ∉ 4E
  if (!isSquare(s)) return undefined;
  const lambda = edFp.div(fe(2n * (u + MONT_A + 2n * s) * (s - u) - (3n * s * s + 2n * MONT_A * s + 1n)), fe(2n * v));
  const vs = fe(lambda * (s - u) - v);
  const alphaQ = rationalHalvesAlpha(s, edFp.div(vs, edFp.sqrt(s)));
  if (alphaQ === undefined) return undefined;
  // P ∈ 8E iff Q ∈ 4E iff Q's rational halves are in 2E.
  const last = jacobi(fe(2n - alphaQ), ED_P);
  return last === 0 ? undefined : last === 1;
}

/** The ed25519 subgroup check decoding uses: by halving, exact against the reference (test/math/curve.test.ts). */
export function ed25519InPrimeSubgroup(p: GroupPoint): boolean {
  return ed25519InSubgroupByHalving(p) ?? ed25519TorsionFreeByOrder(p);
}

export const ED25519: Curve = makeCurve('ed25519', edPoint, true, 32, 8n, ed25519InPrimeSubgroup);

export const CURVES: Record<CurveName, Curve> = { secp256k1: SECP256K1, ed25519: ED25519 };

/** Uniform random nonzero scalar from an injected RNG (64 bytes reduced: bias < 2^-250). */
export function randomScalar(curve: Curve, rng: (n: number) => Uint8Array): bigint {
  for (;;) {
    const s = mod(bytesToNumberBE(rng(64)), curve.order);
    if (s !== 0n) return s;
  }
}
