/**
 * The two prime-order groups the core works in, behind one small interface so that every
 * protocol is written once. All arithmetic is @noble/curves; this file only fixes encodings and
 * the validation every decoded value goes through.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { mulAddUnsafe } from '@noble/curves/abstract/curve.js';
import { bytesToNumberBE, bytesToNumberLE, numberToBytesBE, numberToBytesLE } from '@noble/curves/utils.js';
import { mod, modInverse } from '../bigint/arith.js';

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
  Fn: { ORDER: bigint };
};

// The subgroup check costs a full scalar multiplication on ed25519 (≈1 ms here).
function makeCurve(
  name: CurveName,
  Point: NoblePointClass,
  littleEndian: boolean,
  pointLength: number,
  checkSubgroup: (p: GroupPoint) => boolean,
): Curve {
  const order = Point.Fn.ORDER;
  const scalarLength = 32;
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
      if (p.is0()) throw new RangeError('cannot encode the identity element');
      return p.toBytes(true);
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
      return p;
    },
    inPrimeSubgroup: checkSubgroup,
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

export const SECP256K1: Curve = makeCurve('secp256k1', secpPoint, false, 33, () => true);
export const ED25519: Curve = makeCurve('ed25519', edPoint, true, 32, (p) =>
  (p as unknown as { isTorsionFree(): boolean }).isTorsionFree(),
);

export const CURVES: Record<CurveName, Curve> = { secp256k1: SECP256K1, ed25519: ED25519 };

/** Uniform random nonzero scalar from an injected RNG (64 bytes reduced: bias < 2^-250). */
export function randomScalar(curve: Curve, rng: (n: number) => Uint8Array): bigint {
  for (;;) {
    const s = mod(bytesToNumberBE(rng(64)), curve.order);
    if (s !== 0n) return s;
  }
}
