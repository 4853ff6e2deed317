import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha512 } from '@noble/hashes/sha2.js';
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { bytesToHex, concatBytes, u32be, utf8 } from '../../src/bytes.js';
import { ED25519, SECP256K1, type Curve, mod } from '../../src/math/curve.js';
import { Transcript, hashToScalar } from '../../src/math/transcript.js';

type Item = readonly [label: string, data: Uint8Array];

const BOTH: readonly Curve[] = [ED25519, SECP256K1];

function digestOf(domain: string, items: readonly Item[]): string {
  const t = new Transcript(domain);
  for (const [label, data] of items) t.appendBytes(label, data);
  return bytesToHex(t.digest());
}

/** The framing the transcript promises: len(label) ‖ label ‖ len(data) ‖ data, u32 big-endian. */
function referenceDigest(domain: string, items: readonly Item[]): Uint8Array {
  const frame = (label: string, data: Uint8Array) => {
    const l = utf8(label);
    return concatBytes(u32be(l.length), l, u32be(data.length), data);
  };
  return sha512(concatBytes(frame('domain', utf8(domain)), ...items.map(([l, d]) => frame(l, d))));
}

const bytes = (...b: number[]) => Uint8Array.from(b);

const itemArb = fc.tuple(fc.string({ maxLength: 6 }), fc.uint8Array({ maxLength: 12 }));

describe('Transcript', () => {
  it('hashes exactly the documented framing', () => {
    const items: Item[] = [
      ['a', bytes(1, 2, 3)],
      ['', new Uint8Array(0)],
      ['é', bytes(0)],
    ];
    expect(digestOf('dom', items)).toBe(bytesToHex(referenceDigest('dom', items)));
    expect(digestOf('', [])).toBe(bytesToHex(sha512(concatBytes(u32be(6), utf8('domain'), u32be(0)))));
  });

  it('matches the reference framing (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.array(itemArb, { maxLength: 6 }), (domain, items) => {
        expect(digestOf(domain, items)).toBe(bytesToHex(referenceDigest(domain, items)));
      }),
      { numRuns: 200 },
    );
  });

  it('is deterministic', () => {
    const run = () =>
      new Transcript('det').appendBytes('x', bytes(1)).appendU32('n', 7).appendScalar('s', ED25519, 5n).appendPoint('P', ED25519, ED25519.base);
    expect(bytesToHex(run().digest())).toBe(bytesToHex(run().digest()));
    expect(run().challengeScalar(ED25519)).toBe(run().challengeScalar(ED25519));
  });

  it('separates domains', () => {
    const items: Item[] = [['x', bytes(1, 2)]];
    expect(digestOf('mpc-wallet/v1/a', items)).not.toBe(digestOf('mpc-wallet/v1/b', items));
    // The domain is framed too: its bytes cannot be shifted into the first label.
    expect(digestOf('ab', [['c', bytes()]])).not.toBe(digestOf('a', [['bc', bytes()]]));
    // A domain differs from an item labelled "domain".
    expect(digestOf('', [['domain', utf8('x')]])).not.toBe(digestOf('x', []));
    for (const curve of BOTH) {
      expect(hashToScalar(curve, 'd1', bytes(1))).not.toBe(hashToScalar(curve, 'd2', bytes(1)));
    }
  });

  it('moving bytes between adjacent data items changes the hash (α-shuffle class)', () => {
    const a = digestOf('d', [
      ['x', bytes(1, 2)],
      ['y', bytes(3)],
    ]);
    const b = digestOf('d', [
      ['x', bytes(1)],
      ['y', bytes(2, 3)],
    ]);
    expect(a).not.toBe(b);
    // Same labels: the boundary between two equal-labelled items matters.
    expect(digestOf('d', [['x', bytes(1, 2, 3)]])).not.toBe(
      digestOf('d', [
        ['x', bytes(1)],
        ['x', bytes(2, 3)],
      ]),
    );
  });

  it('moving bytes between a label and its data changes the hash', () => {
    expect(digestOf('d', [['ab', utf8('c')]])).not.toBe(digestOf('d', [['a', utf8('bc')]]));
    expect(digestOf('d', [['a', utf8('b')]])).not.toBe(digestOf('d', [['ab', new Uint8Array(0)]]));
    // Data of one item vs. label of the next.
    expect(digestOf('d', [['x', utf8('ab')], ['c', bytes()]])).not.toBe(digestOf('d', [['x', utf8('a')], ['bc', bytes()]]));
  });

  it('an empty item is not the same as no item, and order matters', () => {
    expect(digestOf('d', [])).not.toBe(digestOf('d', [['', bytes()]]));
    expect(digestOf('d', [['x', bytes()]])).not.toBe(digestOf('d', []));
    expect(
      digestOf('d', [
        ['x', bytes(1)],
        ['y', bytes(2)],
      ]),
    ).not.toBe(
      digestOf('d', [
        ['y', bytes(2)],
        ['x', bytes(1)],
      ]),
    );
  });

  it('any re-split of the same concatenated bytes changes the hash (property)', () => {
    // Item data of at least one byte and a move sized to the side it comes from: every run moves
    // bytes and asserts (no early return for a move larger than the data).
    const splitItemArb = fc.tuple(fc.string({ maxLength: 6 }), fc.uint8Array({ minLength: 1, maxLength: 12 }));
    fc.assert(
      fc.property(fc.array(splitItemArb, { minLength: 2, maxLength: 5 }), fc.nat(), fc.nat(), fc.boolean(), (items, at, size, leftward) => {
        // Move 1..|data| bytes across the boundary between item i and item i+1.
        const i = at % (items.length - 1);
        const [la, da] = items[i]!;
        const [lb, db] = items[i + 1]!;
        let na: Uint8Array;
        let nb: Uint8Array;
        if (!leftward) {
          const shift = 1 + (size % da.length);
          na = da.subarray(0, da.length - shift);
          nb = concatBytes(da.subarray(da.length - shift), db);
        } else {
          const shift = 1 + (size % db.length);
          na = concatBytes(da, db.subarray(0, shift));
          nb = db.subarray(shift);
        }
        const moved = items.map((it, k): Item => (k === i ? [la, na] : k === i + 1 ? [lb, nb] : it));
        expect(concatBytes(...moved.map(([, d]) => d))).toEqual(concatBytes(...items.map(([, d]) => d)));
        expect(digestOf('split', moved)).not.toBe(digestOf('split', items));
      }),
      { numRuns: 300 },
    );
  });

  it('distinct item lists hash differently (property)', () => {
    fc.assert(
      fc.property(fc.array(itemArb, { maxLength: 4 }), fc.array(itemArb, { maxLength: 4 }), (a, b) => {
        const same = a.length === b.length && a.every(([l, d], k) => l === b[k]![0] && bytesToHex(d) === bytesToHex(b[k]![1]));
        expect(digestOf('p', a) === digestOf('p', b)).toBe(same);
      }),
      { numRuns: 300 },
    );
  });

  it('appendU32/appendPoint/appendScalar are appendBytes of the canonical encodings', () => {
    for (const curve of BOTH) {
      const p = curve.mulBase(11n);
      const viaHelpers = new Transcript('enc').appendU32('n', 0x01020304).appendPoint('P', curve, p).appendScalar('s', curve, 9n);
      const viaBytes = new Transcript('enc')
        .appendBytes('n', bytes(1, 2, 3, 4))
        .appendBytes('P', curve.encodePoint(p))
        .appendBytes('s', curve.encodeScalar(9n));
      expect(bytesToHex(viaHelpers.digest())).toBe(bytesToHex(viaBytes.digest()));
    }
  });

  it('refuses values without a canonical encoding', () => {
    expect(() => new Transcript('x').appendU32('n', -1)).toThrow(RangeError);
    expect(() => new Transcript('x').appendU32('n', 2 ** 32)).toThrow(RangeError);
    expect(() => new Transcript('x').appendU32('n', 1.5)).toThrow(RangeError);
    expect(() => new Transcript('x').appendPoint('P', ED25519, ED25519.identity)).toThrow(RangeError);
    expect(() => new Transcript('x').appendScalar('s', SECP256K1, SECP256K1.order)).toThrow(RangeError);
    expect(() => new Transcript('x').appendScalar('s', SECP256K1, -1n)).toThrow(RangeError);
  });

  it('challengeScalar is SHA-512 reduced modulo the order', () => {
    for (const curve of BOTH) {
      const items: Item[] = [['m', utf8('hello')]];
      const expected = mod(bytesToNumberBE(referenceDigest('chal', items)), curve.order);
      const t = new Transcript('chal').appendBytes('m', utf8('hello'));
      const e = t.challengeScalar(curve);
      expect(e).toBe(expected);
      expect(e >= 0n && e < curve.order).toBe(true);
    }
  });

  it('cannot be used after finalisation', () => {
    const t = new Transcript('once');
    t.challengeScalar(ED25519);
    expect(() => t.digest()).toThrow();
    expect(() => t.challengeScalar(ED25519)).toThrow();
  });
});

describe('hashToScalar', () => {
  it('equals a transcript with items labelled item0, item1, …', () => {
    for (const curve of BOTH) {
      const t = new Transcript('h').appendBytes('item0', bytes(1)).appendBytes('item1', bytes(2, 3));
      expect(hashToScalar(curve, 'h', bytes(1), bytes(2, 3))).toBe(t.challengeScalar(curve));
    }
  });

  it('is injective on item boundaries', () => {
    for (const curve of BOTH) {
      const values = [
        hashToScalar(curve, 'h'),
        hashToScalar(curve, 'h', bytes()),
        hashToScalar(curve, 'h', bytes(), bytes()),
        hashToScalar(curve, 'h', bytes(1, 2), bytes(3)),
        hashToScalar(curve, 'h', bytes(1), bytes(2, 3)),
        hashToScalar(curve, 'h', bytes(1, 2, 3)),
        hashToScalar(curve, 'h', bytes(3), bytes(1, 2)),
      ];
      expect(new Set(values).size).toBe(values.length);
    }
  });
});
