import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesToHex, concatBytes, hexToBytes, utf8 } from '../../src/bytes.js';
import { ED25519, SECP256K1, type Curve } from '../../src/math/curve.js';
import {
  DecodeError,
  MAX_PAYLOAD,
  type ProtocolMessage,
  Reader,
  WIRE_VERSION,
  Writer,
  decodeMessage,
  encodeMessage,
} from '../../src/engine/codec.js';
import { seededRng } from '../../src/rng.js';

const sample: ProtocolMessage = {
  protocol: 'dkg/ed25519',
  session: Uint8Array.of(0xaa, 0xbb),
  round: 2,
  from: 3,
  to: null,
  payload: Uint8Array.of(1, 2, 3),
};

/** The documented layout of `sample`. */
const SAMPLE_HEX =
  '01' + // version
  '0b' + bytesToHex(utf8('dkg/ed25519')) + // protocol
  '02' + 'aabb' + // session
  '0002' + // round
  '0003' + // from
  '0000' + // to (broadcast)
  '00000003' + '010203'; // payload

const printable = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));

const messageArb: fc.Arbitrary<ProtocolMessage> = fc.record({
  protocol: fc.string({ unit: printable, minLength: 1, maxLength: 255 }),
  session: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  round: fc.integer({ min: 0, max: 0xffff }),
  from: fc.integer({ min: 1, max: 0xffff }),
  to: fc.option(fc.integer({ min: 1, max: 0xffff }), { nil: null }),
  payload: fc.uint8Array({ maxLength: 300 }),
});

function expectDecodeError(bytes: Uint8Array, message?: string | RegExp): void {
  let error: unknown;
  try {
    decodeMessage(bytes);
  } catch (e) {
    error = e;
  }
  expect(error, bytesToHex(bytes)).toBeInstanceOf(DecodeError);
  if (message !== undefined) expect((error as Error).message).toMatch(message);
}

/** Builds an envelope byte by byte, so that malformed fields can be expressed. */
function rawEnvelope(o: {
  version?: number;
  protocol?: Uint8Array;
  protoLen?: number;
  session?: Uint8Array;
  sessionLen?: number;
  round?: number;
  from?: number;
  to?: number;
  payload?: Uint8Array;
  payloadLen?: number;
}): Uint8Array {
  const protocol = o.protocol ?? utf8('p');
  const session = o.session ?? Uint8Array.of(7);
  const payload = o.payload ?? Uint8Array.of(9);
  return new Writer()
    .u8(o.version ?? 1)
    .u8(o.protoLen ?? protocol.length)
    .bytes(protocol)
    .u8(o.sessionLen ?? session.length)
    .bytes(session)
    .u16(o.round ?? 1)
    .u16(o.from ?? 1)
    .u16(o.to ?? 0)
    .u32(o.payloadLen ?? payload.length)
    .bytes(payload)
    .finish();
}

describe('message envelope', () => {
  it('has the documented layout', () => {
    expect(WIRE_VERSION).toBe(1);
    expect(bytesToHex(encodeMessage(sample))).toBe(SAMPLE_HEX);
    const direct = encodeMessage({ ...sample, to: 0x0102, round: 0xfffe, from: 0xffff });
    expect(bytesToHex(direct)).toBe(SAMPLE_HEX.replace('000200030000', 'fffeffff0102'));
    const decoded = decodeMessage(hexToBytes(SAMPLE_HEX));
    expect(decoded).toEqual(sample);
    expect(decoded.to).toBeNull();
  });

  it('encode/decode round trip (property)', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        const bytes = encodeMessage(m);
        const back = decodeMessage(bytes);
        expect(back.protocol).toBe(m.protocol);
        expect(bytesToHex(back.session)).toBe(bytesToHex(m.session));
        expect(back.round).toBe(m.round);
        expect(back.from).toBe(m.from);
        expect(back.to).toBe(m.to);
        expect(bytesToHex(back.payload)).toBe(bytesToHex(m.payload));
        expect(bytesToHex(encodeMessage(back))).toBe(bytesToHex(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('decoded fields do not alias the input buffer', () => {
    const bytes = encodeMessage(sample);
    const m = decodeMessage(bytes);
    bytes.fill(0);
    expect(bytesToHex(m.session)).toBe('aabb');
    expect(bytesToHex(m.payload)).toBe('010203');
  });

  it('accepts the extreme valid field sizes', () => {
    const m: ProtocolMessage = {
      protocol: '~'.repeat(255),
      session: new Uint8Array(64).fill(1),
      round: 0xffff,
      from: 0xffff,
      to: 0xffff,
      payload: new Uint8Array(0),
    };
    expect(decodeMessage(encodeMessage(m))).toEqual(m);
  });

  it('encodeMessage rejects invalid fields', () => {
    const bad: Partial<ProtocolMessage>[] = [
      { protocol: '' },
      { protocol: 'x'.repeat(256) },
      { session: new Uint8Array(0) },
      { session: new Uint8Array(65) },
      { from: 0 },
      { from: -1 },
      { from: 0x10000 },
      { from: 1.5 },
      { to: 0 },
      { to: 0x10000 },
      { round: -1 },
      { round: 0x10000 },
      { round: 2.5 },
    ];
    for (const b of bad) expect(() => encodeMessage({ ...sample, ...b }), JSON.stringify(b)).toThrow(RangeError);
  });

  // Regression: the encoder used to accept protocol identifiers the decoder rejects (printable
  // ASCII 0x21..0x7e only), producing envelopes no receiver could decode.
  it('encodeMessage rejects protocol ids that decodeMessage would reject', () => {
    for (const protocol of ['dkg ed25519', 'tab\there', 'dkg/é', '\u007f']) {
      expect(() => encodeMessage({ ...sample, protocol })).toThrow(RangeError);
    }
  });

  it('rejects unsupported versions', () => {
    for (const version of [0, 2, 0x7f, 0xff]) {
      const bytes = encodeMessage(sample);
      bytes[0] = version;
      expectDecodeError(bytes, `unsupported wire version ${version}`);
    }
  });

  it('rejects every truncation', () => {
    for (const m of [sample, { ...sample, to: 5, payload: new Uint8Array(0) }]) {
      const bytes = encodeMessage(m);
      for (let len = 0; len < bytes.length; len++) expectDecodeError(bytes.subarray(0, len), 'truncated input');
    }
  });

  it('rejects trailing bytes', () => {
    const bytes = encodeMessage(sample);
    for (const extra of [Uint8Array.of(0), Uint8Array.of(1, 2, 3), bytes]) {
      expectDecodeError(concatBytes(bytes, extra), 'trailing bytes');
    }
  });

  it('rejects an empty protocol id', () => {
    expectDecodeError(rawEnvelope({ protocol: new Uint8Array(0) }), 'empty protocol id');
  });

  it('rejects non-printable protocol ids', () => {
    for (const c of [0x00, 0x09, 0x0a, 0x20, 0x7f, 0x80, 0xc3, 0xff]) {
      expectDecodeError(rawEnvelope({ protocol: Uint8Array.of(0x61, c, 0x62) }), 'protocol id is not printable ascii');
    }
    expectDecodeError(rawEnvelope({ protocol: utf8('dkg/é') }), 'protocol id is not printable ascii');
    // The printable bounds themselves are fine.
    expect(decodeMessage(rawEnvelope({ protocol: Uint8Array.of(0x21, 0x7e) })).protocol).toBe('!~');
  });

  it('rejects session lengths 0 and > 64', () => {
    expectDecodeError(rawEnvelope({ session: new Uint8Array(0) }), 'bad session id length');
    for (const len of [65, 100, 255]) {
      // Enough bytes follow, so only the length check can fail.
      expectDecodeError(rawEnvelope({ session: new Uint8Array(len) }), 'bad session id length');
    }
    expect(decodeMessage(rawEnvelope({ session: new Uint8Array(64) })).session.length).toBe(64);
  });

  it('rejects sender 0', () => {
    expectDecodeError(rawEnvelope({ from: 0 }), 'sender 0 is invalid');
  });

  it('maps recipient 0 to a broadcast', () => {
    expect(decodeMessage(rawEnvelope({ to: 0 })).to).toBeNull();
    expect(decodeMessage(rawEnvelope({ to: 9 })).to).toBe(9);
  });

  it('rejects payload lengths that exceed the input or the maximum', () => {
    expectDecodeError(rawEnvelope({ payload: Uint8Array.of(1, 2), payloadLen: 3 }), 'truncated input');
    expectDecodeError(rawEnvelope({ payload: Uint8Array.of(1, 2), payloadLen: 1 }), 'trailing bytes');
    expectDecodeError(rawEnvelope({ payload: new Uint8Array(0), payloadLen: MAX_PAYLOAD + 1 }), 'field too long');
    expectDecodeError(rawEnvelope({ payload: new Uint8Array(0), payloadLen: 0xffffffff }), 'field too long');
    // A length of exactly MAX_PAYLOAD is allowed by the bound (the input is then simply short).
    expectDecodeError(rawEnvelope({ payload: new Uint8Array(0), payloadLen: MAX_PAYLOAD }), 'truncated input');
  });

  it('fuzz: random byte strings decode or throw DecodeError, never anything else', () => {
    const rng = seededRng('codec-fuzz');
    const valid = encodeMessage({ ...sample, to: 2, payload: new Uint8Array(10).fill(5) });
    let decoded = 0;
    for (let i = 0; i < 4000; i++) {
      let bytes: Uint8Array;
      const kind = i % 4;
      if (kind === 0) {
        bytes = rng(rng(1)[0]! % 96);
      } else if (kind === 1) {
        // Plausible prefix, random rest.
        bytes = concatBytes(Uint8Array.of(1, 1 + (rng(1)[0]! % 8)), rng(rng(1)[0]! % 64));
      } else {
        // A valid envelope with a few random bytes mutated, or cut, or extended.
        bytes = valid.slice();
        const flips = 1 + (rng(1)[0]! % 3);
        for (let f = 0; f < flips; f++) bytes[rng(1)[0]! % bytes.length] = rng(1)[0]!;
        if (kind === 3) bytes = bytes.subarray(0, rng(1)[0]! % (bytes.length + 1));
      }
      let m: ProtocolMessage;
      try {
        m = decodeMessage(bytes);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw new Error(`non-DecodeError for ${bytesToHex(bytes)}`, { cause: e });
        continue;
      }
      decoded++;
      // Whatever decodes is canonical: re-encoding gives back the same bytes.
      expect(bytesToHex(encodeMessage(m))).toBe(bytesToHex(bytes));
    }
    expect(decoded).toBeGreaterThan(50);
  });
});

describe('Writer', () => {
  it('writes big-endian integers and length-prefixed bytes', () => {
    const out = new Writer().u8(0xab).u16(0x0102).u32(0xdeadbeef).varBytes(Uint8Array.of(7, 8)).bytes(Uint8Array.of(9)).finish();
    expect(bytesToHex(out)).toBe('ab' + '0102' + 'deadbeef' + '00000002' + '0708' + '09');
    expect(new Writer().finish().length).toBe(0);
  });

  it('rejects out-of-range integers', () => {
    for (const n of [-1, 0x10000, 1.5, NaN, Infinity]) expect(() => new Writer().u16(n), `${n}`).toThrow(RangeError);
    for (const n of [-1, 2 ** 32, 0.5, NaN]) expect(() => new Writer().u32(n), `${n}`).toThrow(RangeError);
    expect(bytesToHex(new Writer().u16(0xffff).u32(0xffffffff).finish())).toBe('ffffffffffff');
  });

  it('rejects values without a canonical curve encoding', () => {
    expect(() => new Writer().scalar(ED25519, ED25519.order)).toThrow(RangeError);
    expect(() => new Writer().point(SECP256K1, SECP256K1.identity)).toThrow(RangeError);
    expect(() => new Writer().points(ED25519, [ED25519.base, ED25519.identity])).toThrow(RangeError);
  });
});

describe('Reader', () => {
  it('reads what Writer wrote (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.uint8Array({ maxLength: 40 }),
        (a, b, c, d) => {
          const r = new Reader(new Writer().u8(a).u16(b).u32(c).varBytes(d).finish());
          expect(r.u8()).toBe(a);
          expect(r.u16()).toBe(b);
          expect(r.u32()).toBe(c);
          expect(bytesToHex(r.varBytes(40))).toBe(bytesToHex(d));
          r.end();
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads u32 correctly at an unaligned offset of a subarray', () => {
    const backing = Uint8Array.of(0x55, 0x01, 0xde, 0xad, 0xbe, 0xef, 0x66);
    const r = new Reader(backing.subarray(1, 6));
    expect(r.u8()).toBe(1);
    expect(r.u32()).toBe(0xdeadbeef);
    r.end();
  });

  it('throws DecodeError on every out-of-bounds read', () => {
    expect(() => new Reader(new Uint8Array(0)).u8()).toThrow(DecodeError);
    expect(() => new Reader(Uint8Array.of(1)).u16()).toThrow('truncated input');
    expect(() => new Reader(Uint8Array.of(1, 2, 3)).u32()).toThrow(DecodeError);
    expect(() => new Reader(Uint8Array.of(1, 2)).bytes(3)).toThrow(DecodeError);
    expect(() => new Reader(Uint8Array.of(1, 2)).bytes(-1)).toThrow(DecodeError);
    expect(() => new Reader(Uint8Array.of(0, 0, 0, 2, 1)).varBytes(10)).toThrow('truncated input');
    expect(() => new Reader(Uint8Array.of(0, 0, 0, 11, ...new Uint8Array(11))).varBytes(10)).toThrow('field too long');
    const r = new Reader(Uint8Array.of(1, 2));
    expect(bytesToHex(r.bytes(2))).toBe('0102');
    expect(() => r.u8()).toThrow(DecodeError);
    expect(bytesToHex(r.bytes(0))).toBe('');
    r.end();
  });

  it('end() rejects unread bytes', () => {
    const r = new Reader(Uint8Array.of(1, 2));
    r.u8();
    expect(() => r.end()).toThrow('trailing bytes');
    r.u8();
    expect(() => r.end()).not.toThrow();
  });

  it('returns copies, not views of the input', () => {
    const data = Uint8Array.of(1, 2, 3);
    const out = new Reader(data).bytes(3);
    out[0] = 99;
    expect(data[0]).toBe(1);
  });

  for (const curve of [ED25519, SECP256K1] as Curve[]) {
    it(`${curve.name}: scalars and points round-trip and invalid ones are DecodeErrors`, () => {
      const P = curve.mulBase(12345n);
      const Q = curve.mulBase(678n);
      const bytes = new Writer().scalar(curve, 42n).point(curve, P).points(curve, [P, Q]).finish();
      expect(bytes.length).toBe(32 + curve.pointLength + 2 + 2 * curve.pointLength);
      const r = new Reader(bytes);
      expect(r.scalar(curve)).toBe(42n);
      expect(r.point(curve).equals(P)).toBe(true);
      const ps = r.points(curve, 2);
      expect(ps[0]!.equals(P) && ps[1]!.equals(Q)).toBe(true);
      r.end();

      expect(() => new Reader(new Uint8Array(32).fill(0xff)).scalar(curve)).toThrow('invalid scalar');
      expect(() => new Reader(new Uint8Array(31)).scalar(curve)).toThrow('truncated input');
      expect(() => new Reader(new Uint8Array(curve.pointLength).fill(0xff)).point(curve)).toThrow('invalid point');
      expect(() => new Reader(new Uint8Array(curve.pointLength - 1)).point(curve)).toThrow('truncated input');
      expect(() => new Reader(bytes.subarray(32 + curve.pointLength)).points(curve, 3)).toThrow('expected 3 points, got 2');
      expect(() => new Reader(bytes.subarray(32 + curve.pointLength)).points(curve, 1)).toThrow(DecodeError);
      expect(() => new Reader(bytes.subarray(32 + curve.pointLength, bytes.length - 1)).points(curve, 2)).toThrow('truncated input');
      for (const f of [
        () => new Reader(new Uint8Array(32).fill(0xff)).scalar(curve),
        () => new Reader(new Uint8Array(curve.pointLength)).point(curve),
      ]) {
        expect(f).toThrow(DecodeError);
      }
    });
  }

  it('ed25519: a small-order point is a DecodeError unless the subgroup check is deferred', () => {
    const order4 = new Uint8Array(32); // y = 0: a point of order 4
    expect(() => new Reader(order4).point(ED25519)).toThrow(DecodeError);
    const p = new Reader(order4).point(ED25519, false);
    expect(ED25519.inPrimeSubgroup(p)).toBe(false);
  });

  it('ed25519: a list of points with a small-order one is a DecodeError by default, read as is only when deferred', () => {
    const mixed = ED25519.base.add(ED25519.decodePoint(new Uint8Array(32), false)); // G + a point of order 4
    const bytes = new Writer().points(ED25519, [ED25519.base, mixed]).finish();
    expect(() => new Reader(bytes).points(ED25519, 2)).toThrow(DecodeError);
    const read = new Reader(bytes).points(ED25519, 2, false);
    expect(read[1]!.equals(mixed)).toBe(true);
  });
});
