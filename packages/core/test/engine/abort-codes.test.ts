import { describe, expect, it } from 'vitest';
import { ABORT_CODES, isAbortCode } from '../../src/engine/abort-codes.js';

describe('abort codes', () => {
  it('each code is lower-case kebab (a complaint carries it) with a one-line meaning', () => {
    for (const [code, info] of Object.entries(ABORT_CODES)) {
      expect(code).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(info.meaning).toMatch(/^[^\n]{10,}$/);
      expect(['named', 'none', 'named-or-none']).toContain(info.culprits);
    }
  });

  it('isAbortCode accepts exactly the listed codes, not inherited names', () => {
    expect(isAbortCode('bad-proof')).toBe(true);
    for (const code of ['no-such-code', '', 'toString', 'constructor', '__proto__', 'hasOwnProperty']) expect(isAbortCode(code)).toBe(false);
  });
});
