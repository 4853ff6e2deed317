import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hex } from '@scure/base';
import { fromRlp, toRlp, type Hex } from 'viem';
import { rlpDecode, rlpEncode, rlpUint, uintBytes, type RlpItem } from '../src/rlp.js';
import { ChainInputError } from '../src/errors.js';

const item: fc.Arbitrary<RlpItem> = fc.letrec<{ item: RlpItem }>((tie) => ({
  item: fc.oneof(
    // At most 6 levels: the decoder refuses nesting past 8 (tested below), viem does not.
    { depthSize: 'small', withCrossShrink: true, maxDepth: 6 },
    // Lengths around the 55-byte short/long boundary matter most.
    fc.oneof(fc.uint8Array({ maxLength: 3 }), fc.uint8Array({ minLength: 54, maxLength: 58 }), fc.uint8Array({ maxLength: 300 })),
    fc.array(tie('item'), { maxLength: 5 }),
  ),
})).item;

/** An RLP item as viem writes it: hex strings in nested arrays. */
type HexItem = Hex | readonly HexItem[];

function toViem(value: RlpItem): HexItem {
  return value instanceof Uint8Array ? (`0x${hex.encode(value)}` as Hex) : value.map(toViem);
}

function refusal(bytes: Uint8Array): string | undefined {
  try {
    rlpDecode(bytes, 'test');
  } catch (error) {
    if (error instanceof ChainInputError && error.code === 'malformed-transaction') return error.message;
    throw error;
  }
  return undefined;
}

describe('RLP', () => {
  it('encodes as viem does and decodes back to the same item', () => {
    fc.assert(
      fc.property(item, (value) => {
        const encoded = rlpEncode(value);
        expect(`0x${hex.encode(encoded)}`).toBe(toRlp(toViem(value)));
        expect(toViem(rlpDecode(encoded, 'test'))).toEqual(toViem(value));
      }),
      { numRuns: 300 },
    );
  });

  it('accepts only canonical encodings: whatever it decodes re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        if (refusal(bytes) === undefined) expect(rlpEncode(rlpDecode(bytes, 'test'))).toEqual(bytes);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses every truncation and every trailing byte', () => {
    fc.assert(
      fc.property(item, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 4 }), (value, cut, trailing) => {
        const encoded = rlpEncode(value);
        expect(refusal(encoded.subarray(0, cut % encoded.length))).toBeDefined();
        expect(refusal(Uint8Array.of(...encoded, ...trailing))).toMatch(/trail the RLP item/);
      }),
      { numRuns: 300 },
    );
  });

  it("accepts exactly what viem's strict decoder accepts, as the same item", () => {
    // (viem reads empty input as an empty string; there is no item there.)
    const inputs = fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 80 }), item.map((value) => rlpEncode(value)));
    fc.assert(
      fc.property(inputs, (bytes) => {
        let viem: HexItem | undefined;
        try {
          viem = fromRlp(`0x${hex.encode(bytes)}`, 'hex');
        } catch {
          viem = undefined;
        }
        const reason = refusal(bytes);
        expect([reason === undefined, viem !== undefined]).toEqual([viem !== undefined, reason === undefined]);
        if (viem !== undefined) expect(toViem(rlpDecode(bytes, 'test'))).toEqual(viem);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses non-canonical headers, lengths past the end and deep nesting', () => {
    expect(refusal(Uint8Array.of(0x81, 0x05))).toMatch(/byte below 0x80/);
    expect(refusal(Uint8Array.of(0xb8, 0x02, 0xaa, 0xbb))).toMatch(/long form/);
    expect(refusal(Uint8Array.of(0xf8, 0x01, 0x80))).toMatch(/long form/);
    expect(refusal(Uint8Array.of(0xb9, 0x00, 0x38, ...new Uint8Array(56)))).toMatch(/leading zero/);
    expect(refusal(Uint8Array.of(0xbf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))).toMatch(/runs past the end/);
    expect(refusal(Uint8Array.of(0xc2, 0x82, 0x01))).toMatch(/runs past the end/);
    // Nine nested lists: deeper than any transaction; eight are read.
    expect(refusal(Uint8Array.of(0xc8, 0xc7, 0xc6, 0xc5, 0xc4, 0xc3, 0xc2, 0xc1, 0xc0))).toMatch(/nest deeper/);
    expect(refusal(Uint8Array.of(0xc7, 0xc6, 0xc5, 0xc4, 0xc3, 0xc2, 0xc1, 0xc0))).toBeUndefined();
  });

  it('reads scalars without leading zeros, within their bit size', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }), (value) => {
        expect(rlpUint(uintBytes(value), 256, 'x')).toBe(value);
      }),
    );
    expect(uintBytes(0n)).toEqual(new Uint8Array(0));
    expect(() => rlpUint(Uint8Array.of(0, 1), 256, 'x')).toThrow(/leading zero/);
    expect(() => rlpUint(new Uint8Array(9).fill(1), 64, 'x')).toThrow(/longer than 64 bits/);
    expect(() => rlpUint([], 64, 'x')).toThrow(/not a list/);
  });
});
