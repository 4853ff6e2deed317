import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { numberToBytesBE, numberToBytesLE } from '@noble/curves/utils.js';
import { bytesToHex, concatBytes, hexToBytes } from '../../src/bytes.js';
import {
  CURVES,
  ED25519,
  SECP256K1,
  type Curve,
  type GroupPoint,
  ed25519InPrimeSubgroup,
  ed25519InSubgroupByHalving,
  ed25519TorsionFreeByOrder,
  invert,
  mod,
  randomScalar,
} from '../../src/math/curve.js';
import { seededRng } from '../../src/rng.js';

const ED_ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;
const SECP_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const ED_P = 2n ** 255n - 19n;
const SECP_P = 2n ** 256n - 2n ** 32n - 977n;

const BOTH: readonly Curve[] = [ED25519, SECP256K1];

/** Scalars are little-endian on ed25519, big-endian on secp256k1. */
function rawScalarBytes(curve: Curve, n: bigint): Uint8Array {
  return curve === ED25519 ? numberToBytesLE(n, 32) : numberToBytesBE(n, 32);
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

const EdPoint = ed25519.Point;
type EdPointT = InstanceType<typeof EdPoint>;

/**
 * A generator of the ed25519 torsion subgroup (order exactly 8), derived from a curve point
 * Q = P + T: P = 8⁻¹·(8·Q) is its prime-order part, so Q − P is its torsion part.
 */
function torsionGenerator(): EdPointT {
  const inv8 = invert(8n, ED_ORDER);
  for (let y = 2n; y < 1000n; y++) {
    let q: EdPointT;
    try {
      q = EdPoint.fromBytes(numberToBytesLE(y, 32));
    } catch {
      continue;
    }
    const p = q.multiplyUnsafe(8n).multiplyUnsafe(inv8);
    const t = q.subtract(p);
    if (!t.multiplyUnsafe(4n).is0()) return t;
  }
  throw new Error('no torsion generator found');
}

const T8 = torsionGenerator();
/** The 8 points of the torsion subgroup, k·T for k = 0..7. */
const TORSION: EdPointT[] = Array.from({ length: 8 }, (_, k) => (k === 0 ? EdPoint.ZERO : T8.multiplyUnsafe(BigInt(k))));

/** The well-known encodings of the 8 small-order ed25519 points. */
const KNOWN_SMALL_ORDER = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
];

describe('curve constants', () => {
  it('have the expected orders and lengths', () => {
    expect(ED25519.order).toBe(ED_ORDER);
    expect(SECP256K1.order).toBe(SECP_ORDER);
    expect([ED25519.scalarLength, ED25519.pointLength]).toEqual([32, 32]);
    expect([SECP256K1.scalarLength, SECP256K1.pointLength]).toEqual([32, 33]);
    expect(CURVES.ed25519).toBe(ED25519);
    expect(CURVES.secp256k1).toBe(SECP256K1);
    expect(ED25519.name).toBe('ed25519');
    expect(SECP256K1.name).toBe('secp256k1');
  });

  it('encode the standard base points', () => {
    expect(bytesToHex(ED25519.encodePoint(ED25519.base))).toBe('5866666666666666666666666666666666666666666666666666666666666666');
    expect(bytesToHex(SECP256K1.encodePoint(SECP256K1.base))).toBe(
      '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798',
    );
    for (const c of BOTH) expect(c.identity.is0()).toBe(true);
  });
});

describe.each(BOTH.map((c) => [c.name, c] as const))('%s scalars', (_name, curve) => {
  it('encode in the curve byte order', () => {
    expect(bytesToHex(curve.encodeScalar(1n))).toBe(curve === ED25519 ? '01' + '00'.repeat(31) : '00'.repeat(31) + '01');
    expect(curve.decodeScalar(rawScalarBytes(curve, 0x0102n))).toBe(0x0102n);
    expect(curve.decodeScalar(new Uint8Array(32))).toBe(0n);
    expect(curve.decodeScalar(rawScalarBytes(curve, curve.order - 1n))).toBe(curve.order - 1n);
    expect(curve.bytesToNumber(rawScalarBytes(curve, 12345n))).toBe(12345n);
  });

  it('decodeScalar rejects wrong lengths', () => {
    for (const len of [0, 1, 31, 33, 64]) {
      expect(() => curve.decodeScalar(new Uint8Array(len))).toThrow(TypeError);
      expect(() => curve.decodeScalar(new Uint8Array(len))).toThrow('scalar must be 32 bytes');
    }
    expect(() => curve.decodeScalar([...new Uint8Array(32)] as unknown as Uint8Array)).toThrow(TypeError);
  });

  it('decodeScalar rejects non-canonical scalars (>= order)', () => {
    for (const v of [curve.order, curve.order + 1n, curve.order * 2n - 1n, 2n ** 255n, 2n ** 256n - 1n]) {
      if (v < curve.order || v >= 2n ** 256n) continue;
      expect(() => curve.decodeScalar(rawScalarBytes(curve, v))).toThrow(RangeError);
      expect(() => curve.decodeScalar(rawScalarBytes(curve, v))).toThrow('scalar is not canonical');
    }
    expect(() => curve.decodeScalar(new Uint8Array(32).fill(0xff))).toThrow(RangeError);
  });

  it('bytesToNumber does not reduce', () => {
    expect(curve.bytesToNumber(new Uint8Array(32).fill(0xff))).toBe(2n ** 256n - 1n);
  });

  it('encodeScalar rejects out-of-range values', () => {
    for (const v of [-1n, curve.order, curve.order + 1n, 2n ** 256n]) {
      expect(() => curve.encodeScalar(v)).toThrow(RangeError);
    }
  });

  it('scalar encode/decode round trip (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: curve.order - 1n }), (s) => {
        const bytes = curve.encodeScalar(s);
        expect(bytes.length).toBe(32);
        expect(curve.decodeScalar(bytes)).toBe(s);
        expect(curve.bytesToNumber(bytes)).toBe(s);
      }),
      { numRuns: 300 },
    );
  });

  it('point encode/decode round trip (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: curve.order - 1n }), (k) => {
        const p = curve.mulBase(k);
        const bytes = curve.encodePoint(p);
        expect(bytes.length).toBe(curve.pointLength);
        const q = curve.decodePoint(bytes);
        expect(q.equals(p)).toBe(true);
        expect(bytesToHex(curve.encodePoint(q))).toBe(bytesToHex(bytes));
      }),
      { numRuns: 40 },
    );
  });

  it('random byte strings either decode canonically or throw RangeError', () => {
    const rng = seededRng(`random-points-${curve.name}`);
    let decoded = 0;
    let rejected = 0;
    for (let i = 0; i < 400; i++) {
      const bytes = rng(curve.pointLength);
      // Give secp256k1 strings a valid prefix half of the time so that some decode.
      if (curve === SECP256K1 && i % 2 === 0) bytes[0] = 2 + (bytes[0]! & 1);
      let p: GroupPoint;
      try {
        p = curve.decodePoint(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(RangeError);
        rejected++;
        continue;
      }
      decoded++;
      expect(p.is0()).toBe(false);
      expect(curve.inPrimeSubgroup(p)).toBe(true);
      expect(bytesToHex(curve.encodePoint(p))).toBe(bytesToHex(bytes));
    }
    expect(decoded).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  });

  it('affine encode/decode round trip (property), and noble reads the same coordinates', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: curve.order - 1n }), (k) => {
        const p = curve.mulBase(k);
        const bytes = curve.encodeAffine(p);
        expect(bytes.length).toBe(curve.affineLength);
        expect(curve.decodeAffine(bytes).equals(p)).toBe(true);
        const { x, y } = p.toAffine();
        const field = (v: bigint) => (curve.name === 'ed25519' ? numberToBytesLE(v, 32) : numberToBytesBE(v, 32));
        expect(bytesToHex(bytes)).toBe(bytesToHex(concatBytes(field(x), field(y))));
      }),
      { numRuns: 20 },
    );
  });

  it('decodeAffine refuses a point off the curve, a non-canonical coordinate, the identity and wrong lengths', () => {
    const p = curve.encodeAffine(curve.mulBase(7n));
    const offCurve = p.slice();
    offCurve[0]! ^= 1;
    expect(() => curve.decodeAffine(offCurve)).toThrow(RangeError);
    const fieldOrder = curve.name === 'ed25519' ? 2n ** 255n - 19n : secp256k1.Point.Fp.ORDER;
    const { y } = curve.mulBase(7n).toAffine();
    const field = (v: bigint) => (curve.name === 'ed25519' ? numberToBytesLE(v, 32) : numberToBytesBE(v, 32));
    expect(() => curve.decodeAffine(concatBytes(field(fieldOrder), field(y)))).toThrow(/canonical/);
    expect(() => curve.decodeAffine(concatBytes(field(y), field(fieldOrder + 1n)))).toThrow(/canonical/);
    const identity = curve.name === 'ed25519' ? concatBytes(field(0n), field(1n)) : concatBytes(field(0n), field(0n));
    expect(() => curve.decodeAffine(identity)).toThrow(RangeError);
    expect(() => curve.decodeAffine(p.subarray(1))).toThrow(TypeError);
    expect(() => curve.encodeAffine(curve.identity)).toThrow(RangeError);
  });

  it('encodePoint rejects the identity', () => {
    expect(() => curve.encodePoint(curve.identity)).toThrow(RangeError);
    expect(() => curve.encodePoint(curve.mulBase(0n))).toThrow('cannot encode the identity element');
  });

  it('decodePoint rejects wrong lengths', () => {
    const good = curve.encodePoint(curve.mulBase(7n));
    for (const bytes of [
      new Uint8Array(0),
      good.subarray(0, good.length - 1),
      concatBytes(good, new Uint8Array(1)),
      new Uint8Array(64),
      new Uint8Array(65),
    ]) {
      expect(() => curve.decodePoint(bytes)).toThrow(TypeError);
      expect(() => curve.decodePoint(bytes)).toThrow(`point must be ${curve.pointLength} bytes`);
    }
    expect(() => curve.decodePoint([...good] as unknown as Uint8Array)).toThrow(TypeError);
  });

  it('mulBase reduces modulo the order', () => {
    expect(curve.mulBase(0n).is0()).toBe(true);
    expect(curve.mulBase(curve.order).is0()).toBe(true);
    expect(curve.mulBase(curve.order + 1n).equals(curve.base)).toBe(true);
    expect(curve.mulBase(-1n).equals(curve.base.negate())).toBe(true);
    expect(curve.mulBase(2n).equals(curve.base.add(curve.base))).toBe(true);
    expect(curve.mulBasePublic(0n).is0()).toBe(true);
    expect(curve.mulBasePublic(curve.order + 3n).equals(curve.mulBase(3n))).toBe(true);
    expect(curve.mulBasePublic(-2n).equals(curve.mulBase(curve.order - 2n))).toBe(true);
  });

  it('mulBasePublic equals mulBase (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }), (k) => {
        expect(curve.mulBasePublic(k).equals(curve.mulBase(k))).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it('sumOfProducts equals the naive sum (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.bigInt({ min: 1n, max: curve.order - 1n }), fc.bigInt({ min: -(2n ** 260n), max: 2n ** 260n })), {
          minLength: 0,
          maxLength: 4,
        }),
        (pairs) => {
          const points = pairs.map(([k]) => curve.mulBase(k));
          const scalars = pairs.map(([, s]) => s);
          const expected = pairs.reduce((acc, [k, s]) => acc.add(curve.mulBase(mod(k * s, curve.order))), curve.identity);
          expect(curve.sumOfProducts(points, scalars).equals(expected)).toBe(true);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('sumOfProducts edge cases', () => {
    const g = curve.base;
    const h = curve.mulBase(5n);
    expect(curve.sumOfProducts([], []).is0()).toBe(true);
    expect(curve.sumOfProducts([g], [0n]).is0()).toBe(true);
    expect(curve.sumOfProducts([g], [curve.order]).is0()).toBe(true);
    expect(curve.sumOfProducts([g, h], [0n, 0n]).is0()).toBe(true);
    expect(curve.sumOfProducts([g, h], [5n, -1n]).is0()).toBe(true);
    expect(curve.sumOfProducts([g, h], [1n, 0n]).equals(g)).toBe(true);
    expect(curve.sumOfProducts([curve.identity, h], [3n, 2n]).equals(curve.mulBase(10n))).toBe(true);
    expect(curve.sumOfProducts([curve.identity], [3n]).is0()).toBe(true);
    expect(curve.sumOfProducts([g, g.negate()], [1n, 1n]).is0()).toBe(true);
    expect(() => curve.sumOfProducts([g, h], [1n])).toThrow(RangeError);
    expect(() => curve.sumOfProducts([g], [])).toThrow('length mismatch');
  });

  it('randomScalar is uniform-looking, nonzero, below the order and deterministic', () => {
    const a = seededRng('random-scalar');
    const b = seededRng('random-scalar');
    for (let i = 0; i < 50; i++) {
      const s = randomScalar(curve, a);
      expect(s).toBe(randomScalar(curve, b));
      expect(s > 0n && s < curve.order).toBe(true);
    }
  });

  it('randomScalar retries when the reduced value is zero', () => {
    const zero = new Uint8Array(64);
    const multipleOfOrder = numberToBytesBE(curve.order * 3n, 64);
    const five = numberToBytesBE(5n, 64);
    const outputs = [zero, multipleOfOrder, five];
    let calls = 0;
    const rng = (n: number) => {
      expect(n).toBe(64);
      return outputs[calls++]!;
    };
    expect(randomScalar(curve, rng)).toBe(5n);
    expect(calls).toBe(3);
  });
});

describe('ed25519 strict point decoding', () => {
  it('the derived torsion subgroup is exactly the well-known list of small-order encodings', () => {
    expect(T8.multiplyUnsafe(8n).is0()).toBe(true);
    expect(T8.multiplyUnsafe(4n).is0()).toBe(false);
    const encodings = TORSION.map((t) => bytesToHex(t.toBytes()));
    expect(new Set(encodings).size).toBe(8);
    expect([...encodings].sort()).toEqual([...KNOWN_SMALL_ORDER].sort());
  });

  it('rejects the identity encoding', () => {
    const bytes = hexToBytes(KNOWN_SMALL_ORDER[0]!);
    expect(() => ED25519.decodePoint(bytes)).toThrow(RangeError);
    expect(() => ED25519.decodePoint(bytes, false)).toThrow(RangeError);
  });

  it('rejects every small-order point', () => {
    for (const hex of KNOWN_SMALL_ORDER) {
      expect(() => ED25519.decodePoint(hexToBytes(hex)), hex).toThrow(RangeError);
    }
    for (const t of TORSION.slice(1)) {
      expect(() => ED25519.decodePoint(t.toBytes())).toThrow('point is not in the prime-order subgroup');
      expect(ED25519.inPrimeSubgroup(t as unknown as GroupPoint)).toBe(false);
    }
  });

  it('rejects mixed-order points (prime-order point + small-order point)', () => {
    const rng = seededRng('mixed-order');
    for (let k = 1; k < 8; k++) {
      const p = ED25519.mulBase(randomScalar(ED25519, rng)) as unknown as EdPointT;
      const mixed = p.add(TORSION[k]!);
      expect(mixed.is0()).toBe(false);
      expect(() => ED25519.decodePoint(mixed.toBytes())).toThrow(RangeError);
      expect(() => ED25519.decodePoint(mixed.toBytes())).toThrow('point is not in the prime-order subgroup');
      expect(ED25519.inPrimeSubgroup(mixed as unknown as GroupPoint)).toBe(false);
      // The prime-order part alone is accepted.
      expect(ED25519.decodePoint(p.toBytes()).equals(p as unknown as GroupPoint)).toBe(true);
      expect(ED25519.inPrimeSubgroup(p as unknown as GroupPoint)).toBe(true);
    }
  });

  it('accepts a mixed-order point only when the caller opts out of the subgroup check', () => {
    const p = ED25519.mulBase(12345n) as unknown as EdPointT;
    const mixed = p.add(TORSION[3]!);
    const decoded = ED25519.decodePoint(mixed.toBytes(), false);
    expect(decoded.equals(mixed as unknown as GroupPoint)).toBe(true);
    expect(ED25519.inPrimeSubgroup(decoded)).toBe(false);
  });

  it('rejects non-canonical y (y >= p), with either sign bit', () => {
    let count = 0;
    for (let k = 0n; k < 2n ** 255n - ED_P; k++) {
      for (const sign of [0, 0x80]) {
        const bytes = numberToBytesLE(ED_P + k, 32);
        bytes[31]! |= sign;
        expect(() => ED25519.decodePoint(bytes), bytesToHex(bytes)).toThrow(RangeError);
        expect(() => ED25519.decodePoint(bytes, false), bytesToHex(bytes)).toThrow(RangeError);
        count++;
      }
    }
    expect(count).toBe(38);
  });

  it('rejects x = 0 with the sign bit set', () => {
    // y = 1 (identity) and y = p − 1 (the point of order 2), both with x = 0.
    for (const hex of [
      '0100000000000000000000000000000000000000000000000000000000000080',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    ]) {
      expect(() => ED25519.decodePoint(hexToBytes(hex), false)).toThrow(RangeError);
    }
  });

  it('rejects y coordinates that are not on the curve', () => {
    let found = 0;
    for (let y = 2n; y < 60n && found < 10; y++) {
      const bytes = numberToBytesLE(y, 32);
      let onCurve = true;
      try {
        EdPoint.fromBytes(bytes);
      } catch {
        onCurve = false;
      }
      if (onCurve) continue;
      found++;
      expect(() => ED25519.decodePoint(bytes)).toThrow('invalid point encoding');
      bytes[31]! |= 0x80;
      expect(() => ED25519.decodePoint(bytes)).toThrow('invalid point encoding');
    }
    expect(found).toBe(10);
  });

  it('accepts both signs of a valid point and distinguishes them', () => {
    const p = ED25519.mulBase(99n);
    const enc = ED25519.encodePoint(p);
    const negEnc = ED25519.encodePoint(p.negate());
    expect(bytesToHex(negEnc.subarray(0, 31))).toBe(bytesToHex(enc.subarray(0, 31)));
    expect(negEnc[31]! ^ enc[31]!).toBe(0x80);
    expect(ED25519.decodePoint(negEnc).equals(p.negate())).toBe(true);
  });
});

// The check decoding uses (by halving) against the reference [ℓ]P = 0, on every coset of the
// prime-order subgroup: a prime-order point plus each of the 8 torsion points, and its negation.
describe('ed25519 subgroup check by halving', () => {
  // The halving itself must decide (its fallback to the reference is for states none of these
  // points reach), so a broken shortcut cannot hide behind the fallback.
  const both = (p: EdPointT) => {
    const q = p as unknown as GroupPoint;
    expect(ed25519InSubgroupByHalving(q)).toBe(ed25519InPrimeSubgroup(q));
    return [ed25519InPrimeSubgroup(q), ed25519TorsionFreeByOrder(q)];
  };

  it('is the curve\'s check', () => {
    expect(ED25519.inPrimeSubgroup).toBe(ed25519InPrimeSubgroup);
  });

  it('agrees with [ℓ]P = 0 on the 8 torsion points', () => {
    TORSION.forEach((t, k) => expect(both(t), `torsion point ${k}`).toEqual([k === 0, k === 0]));
  });

  it('agrees with [ℓ]P = 0 on k·G + T for every torsion point T, and on the negations', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: ED_ORDER - 1n }), (k) => {
        const p = EdPoint.BASE.multiply(k);
        TORSION.forEach((t, j) => {
          const mixed = p.add(t);
          expect(both(mixed), `k=${k}, torsion ${j}`).toEqual([j === 0, j === 0]);
          expect(both(mixed.negate()), `−(k=${k}), torsion ${j}`).toEqual([j === 0, j === 0]);
        });
      }),
      { numRuns: 40 },
    );
  });

  it('agrees with [ℓ]P = 0 on arbitrary curve points (random y)', () => {
    let checked = 0;
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        let p: EdPointT;
        try {
          p = EdPoint.fromBytes(bytes);
        } catch {
          return; // not a y of the curve
        }
        checked++;
        const [fast, reference] = both(p);
        expect(fast).toBe(reference);
      }),
      { numRuns: 300 },
    );
    expect(checked).toBeGreaterThan(50);
  });
});

describe('secp256k1 strict point decoding', () => {
  const g = SECP256K1.encodePoint(SECP256K1.base);

  /** Smallest x ≥ start (below 2^32) whose y² = x³ + 7 has (has not) a square root. */
  function findX(start: bigint, onCurve: boolean): bigint {
    for (let x = start; ; x++) {
      const ok = (() => {
        try {
          secp256k1.Point.fromBytes(concatBytes(Uint8Array.of(2), numberToBytesBE(x, 32)));
          return true;
        } catch {
          return false;
        }
      })();
      if (ok === onCurve) return x;
    }
  }

  it('rejects the uncompressed form of a valid point', () => {
    const uncompressed = secp256k1.Point.BASE.toBytes(false);
    expect(uncompressed.length).toBe(65);
    expect(() => SECP256K1.decodePoint(uncompressed)).toThrow(TypeError);
  });

  it('rejects bad prefixes', () => {
    for (const prefix of [0x00, 0x01, 0x04, 0x05, 0x06, 0x07, 0xff]) {
      const bytes = g.slice();
      bytes[0] = prefix;
      expect(() => SECP256K1.decodePoint(bytes), `prefix ${prefix}`).toThrow(RangeError);
    }
  });

  it('accepts both parities of the base point', () => {
    const other = g.slice();
    other[0] = 0x05 - g[0]!;
    expect(SECP256K1.decodePoint(other).equals(SECP256K1.base.negate())).toBe(true);
  });

  it('rejects the all-zero encoding and x = 0', () => {
    expect(() => SECP256K1.decodePoint(new Uint8Array(33))).toThrow(RangeError);
    const x0 = new Uint8Array(33);
    x0[0] = 2;
    expect(() => SECP256K1.decodePoint(x0)).toThrow(RangeError);
    x0[0] = 3;
    expect(() => SECP256K1.decodePoint(x0)).toThrow(RangeError);
  });

  it('rejects x not on the curve', () => {
    let x = 1n;
    for (let i = 0; i < 10; i++) {
      x = findX(x, false);
      for (const prefix of [2, 3]) {
        const bytes = concatBytes(Uint8Array.of(prefix), numberToBytesBE(x, 32));
        expect(() => SECP256K1.decodePoint(bytes)).toThrow('invalid point encoding');
      }
      x++;
    }
  });

  it('rejects non-canonical x (x >= p)', () => {
    const x0 = findX(1n, true);
    // x0 itself is a valid point…
    expect(SECP256K1.decodePoint(concatBytes(Uint8Array.of(2), numberToBytesBE(x0, 32))).is0()).toBe(false);
    // …but x0 + p, p itself, and 2^256 − 1 are not valid encodings.
    for (const x of [SECP_P, SECP_P + 1n, SECP_P + x0, 2n ** 256n - 1n]) {
      for (const prefix of [2, 3]) {
        expect(() => SECP256K1.decodePoint(concatBytes(Uint8Array.of(prefix), numberToBytesBE(x, 32)))).toThrow(RangeError);
      }
    }
  });

  it('every valid point is in the prime-order subgroup (cofactor 1)', () => {
    expect(SECP256K1.inPrimeSubgroup(SECP256K1.mulBase(3n))).toBe(true);
  });
});

describe('mod and invert', () => {
  it('mod returns the canonical representative (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 520n), max: 2n ** 520n }), fc.bigInt({ min: 1n, max: 2n ** 300n }), (a, n) => {
        const r = mod(a, n);
        expect(r >= 0n && r < n).toBe(true);
        expect((a - r) % n).toBe(0n);
        expect(mod(r, n)).toBe(r);
        expect(mod(a + n, n)).toBe(r);
      }),
      { numRuns: 500 },
    );
    expect(mod(-1n, 7n)).toBe(6n);
    expect(mod(-7n, 7n)).toBe(0n);
    expect(mod(7n, 7n)).toBe(0n);
    expect(mod(-8n, 7n)).toBe(6n);
  });

  it('invert modulo the group orders (property)', () => {
    for (const order of [ED_ORDER, SECP_ORDER]) {
      fc.assert(
        fc.property(fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }), (a) => {
          if (mod(a, order) === 0n) {
            expect(() => invert(a, order)).toThrow(RangeError);
            return;
          }
          const inv = invert(a, order);
          expect(inv >= 1n && inv < order).toBe(true);
          expect(mod(a * inv, order)).toBe(1n);
          expect(invert(inv, order)).toBe(mod(a, order));
        }),
        { numRuns: 300 },
      );
    }
  });

  it('invert modulo arbitrary moduli: inverse iff coprime (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }), fc.bigInt({ min: 2n, max: 2n ** 100n }), (a, n) => {
        if (gcd(mod(a, n), n) === 1n) {
          const inv = invert(a, n);
          expect(inv >= 0n && inv < n).toBe(true);
          expect(mod(a * inv, n)).toBe(1n);
        } else {
          expect(() => invert(a, n)).toThrow(RangeError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('invert edge cases', () => {
    expect(() => invert(0n, ED_ORDER)).toThrow('inverse of zero');
    expect(() => invert(ED_ORDER, ED_ORDER)).toThrow('inverse of zero');
    expect(() => invert(-3n * SECP_ORDER, SECP_ORDER)).toThrow('inverse of zero');
    expect(() => invert(6n, 9n)).toThrow('not invertible');
    expect(invert(1n, 7n)).toBe(1n);
    expect(invert(-1n, 7n)).toBe(6n);
    expect(invert(3n, 7n)).toBe(5n);
    expect(invert(2n, ED_ORDER)).toBe((ED_ORDER + 1n) / 2n);
  });
});
