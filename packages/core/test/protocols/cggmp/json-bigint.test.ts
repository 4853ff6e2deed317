import { describe, expect, it } from 'vitest';
import { type JsonValue, JsonNonInteger, TssLibImportError, parseJsonWithBigInts } from '../../../src/protocols/cggmp/json-bigint.js';

type Obj = Map<string, JsonValue>;

describe('strict big-integer JSON parser', () => {
  it('keeps integers exact, strings untouched (digits inside strings are not numbers)', () => {
    const big = '123456789012345678901234567890123456789012345678901234567890';
    const v = parseJsonWithBigInts(
      `{"a":"${big}","b":${big},"c":-${big},"d":[0,1.5,2e3,"x\\"${big}\\"y"],"e":"\\u0031\\n${big}","f":true,"g":null}`,
    ) as Obj;
    expect(v.get('a')).toBe(big);
    expect(v.get('b')).toBe(BigInt(big));
    expect(v.get('c')).toBe(-BigInt(big));
    const d = v.get('d') as JsonValue[];
    expect(d[0]).toBe(0n);
    expect(d[1]).toBeInstanceOf(JsonNonInteger);
    expect((d[1] as JsonNonInteger).text).toBe('1.5');
    expect((d[2] as JsonNonInteger).text).toBe('2e3');
    expect(d[3]).toBe(`x"${big}"y`);
    expect(v.get('e')).toBe(`1\n${big}`);
    expect(v.get('f')).toBe(true);
    expect(v.get('g')).toBe(null);
    // What the parser exists for: plain JSON.parse rounds.
    expect(BigInt((JSON.parse(`{"b":${big}}`) as { b: number }).b)).not.toBe(BigInt(big));
  });

  it.each([
    ['', /unexpected end/],
    ['{', /unexpected end of input/],
    ['{1:2}', /expected a member name/],
    ['{"a":1,}', /member name/],
    ['[1,2', /unexpected end of input/],
    ['[1 2]', /expected ','/],
    ['{"a":01}', /expected ','/],
    ['{"a":1}x', /trailing content/],
    ['{"a":1,"a":2}', /duplicate member name/],
    ['{"a":"\u0001"}', /control character/],
    ['{"a":"\\q"}', /bad escape/],
    ['{"a":-}', /bad number/],
    ['{"a":1.}', /bad number/],
    ['{"a":tru}', /unexpected token/],
    ['[' .repeat(100) + ']'.repeat(100), /too deep/],
    ['not json', /unexpected token/],
    ['garbage', /unexpected character/],
    ['{"a":12', /offset 7: unexpected end of input/],
  ])('rejects %j', (text, pattern) => {
    expect(() => parseJsonWithBigInts(text)).toThrow(TssLibImportError);
    expect(() => parseJsonWithBigInts(text)).toThrow(pattern);
  });

  it('__proto__ is an ordinary member name', () => {
    const v = parseJsonWithBigInts('{"__proto__":1}') as Obj;
    expect(v.get('__proto__')).toBe(1n);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
