import { describe, expect, it } from 'vitest';
import { bytesToHex, concatBytes, utf8 } from '../../src/bytes.js';
import { SECURITY_LEVEL_128 } from '../../src/paillier/security-level.js';
import { Transcript } from '../../src/math/transcript.js';
import { modChallenges } from '../../src/proofs/paillier-blum-modulus.js';
import { type ProofContext, assertProofContext, challengeBelow, expandChallenge, proofTranscript } from '../../src/proofs/paillier-context.js';
import { FIXTURE_2048 } from '../fixtures/paillier-fixtures.js';

const ctx: ProofContext = { sessionId: utf8('ab'), prover: 1, keyId: utf8('c') };
const digestOf = (c: ProofContext, ...values: bigint[]) => {
  const t = proofTranscript('test-domain', SECURITY_LEVEL_128, c);
  values.forEach((v) => t.appendBigInt('v', v));
  return bytesToHex(t.digest());
};

describe('Fiat–Shamir encoding for the Paillier proofs', () => {
  it('moving bytes between fields changes the challenge (α-shuffle / RUSTSEC-2024-0393)', () => {
    // Same concatenation "abc", split differently between session and key id.
    expect(digestOf(ctx)).not.toBe(digestOf({ ...ctx, sessionId: utf8('a'), keyId: utf8('bc') }));
    // Same concatenated integer bytes 0x0102 ‖ 0x03 versus 0x01 ‖ 0x0203.
    expect(digestOf(ctx, 0x0102n, 0x03n)).not.toBe(digestOf(ctx, 0x01n, 0x0203n));
    // A value split into two versus kept whole, and leading-zero-free minimal encodings.
    expect(digestOf(ctx, 0x010203n)).not.toBe(digestOf(ctx, 0x01n, 0x0203n));
    expect(digestOf(ctx, 0n)).not.toBe(digestOf(ctx));
    expect(digestOf(ctx, 0n, 1n)).not.toBe(digestOf(ctx, 1n));
  });

  it('appendBigInt frames the minimal big-endian bytes and refuses negatives', () => {
    const a = new Transcript('d').appendBigInt('x', 0x0102n).digest();
    const b = new Transcript('d').appendBytes('x', Uint8Array.of(1, 2)).digest();
    expect(bytesToHex(a)).toBe(bytesToHex(b));
    const zero = new Transcript('d').appendBigInt('x', 0n).digest();
    expect(bytesToHex(zero)).toBe(bytesToHex(new Transcript('d').appendBytes('x', new Uint8Array(0)).digest()));
    expect(() => new Transcript('d').appendBigInt('x', -1n)).toThrow(RangeError);
  });

  it('per-repetition streams are independent: index, label, seed and attempt all matter', () => {
    const seed = new Uint8Array(64).fill(7);
    const base = bytesToHex(expandChallenge(seed, 'y', 0, 100));
    expect(bytesToHex(expandChallenge(seed, 'y', 1, 100))).not.toBe(base);
    expect(bytesToHex(expandChallenge(seed, 'z', 0, 100))).not.toBe(base);
    expect(bytesToHex(expandChallenge(concatBytes(seed.subarray(1), Uint8Array.of(8)), 'y', 0, 100))).not.toBe(base);
    expect(expandChallenge(seed, 'y', 0, 100).length).toBe(100);
    expect(bytesToHex(expandChallenge(seed, 'y', 0, 40))).toBe(base.slice(0, 80));
    expect(bytesToHex(expandChallenge(seed, 'y', 0, 100, 1))).not.toBe(base);
    expect(challengeBelow(seed, 'y', 0, 0, 1n << 300n)).not.toBe(challengeBelow(seed, 'y', 0, 1, 1n << 300n));
  });

  it('Π^mod never gives two repetitions the same challenge', () => {
    const { p, q } = FIXTURE_2048.keys[1]!;
    for (const w of [2n, 3n, 5n]) {
      const ys = modChallenges(FIXTURE_2048.level, ctx, p * q, w);
      expect(new Set(ys).size).toBe(ys.length);
    }
  });

  it('contexts are validated', () => {
    expect(() => assertProofContext({ ...ctx, sessionId: new Uint8Array(0) })).toThrow(/session/);
    expect(() => assertProofContext({ ...ctx, sessionId: new Uint8Array(65) })).toThrow(/session/);
    expect(() => assertProofContext({ ...ctx, prover: 0 })).toThrow(/prover/);
    expect(() => assertProofContext({ ...ctx, prover: 1.5 })).toThrow(/prover/);
    expect(() => assertProofContext({ ...ctx, keyId: new Uint8Array(65) })).toThrow(/key/);
    expect(() => assertProofContext(ctx)).not.toThrow();
  });

  it('each field is checked on its own: its type, the bounds (64 bytes, 65535) and the optional setup digest; every transcript checks', () => {
    expect(() => assertProofContext({ ...ctx, sessionId: new Uint8Array(64), keyId: new Uint8Array(64), prover: 0xffff, setup: new Uint8Array(64) })).not.toThrow();
    expect(() => assertProofContext({ ...ctx, sessionId: [1, 2] as unknown as Uint8Array })).toThrow(/session/);
    expect(() => assertProofContext({ ...ctx, prover: 0x10000 })).toThrow(/prover/);
    expect(() => assertProofContext({ ...ctx, keyId: 'key' as unknown as Uint8Array })).toThrow(/key/);
    expect(() => assertProofContext({ ...ctx, setup: new Uint8Array(65) })).toThrow(/setup/);
    expect(() => assertProofContext({ ...ctx, setup: 'digest' as unknown as Uint8Array })).toThrow(/setup/);
    expect(() => proofTranscript('test-domain', SECURITY_LEVEL_128, { ...ctx, prover: 0 })).toThrow(/prover/);
  });

  it('challengeBelow draws 128 bits more than the modulus has: no visible bias where the modulus is far from a power of 256', () => {
    const m = 192n; // 256 mod 192 = 64: one byte reduced would give the values below 64 twice the weight
    const draws = Array.from({ length: 3000 }, (_, i) => challengeBelow(utf8('seed'), 'bias', i, 0, m));
    const low = draws.filter((x) => x < 64n).length / draws.length; // 1/3 unbiased, 1/2 with one byte
    expect(low).toBeGreaterThan(0.3);
    expect(low).toBeLessThan(0.37);
  });

  it('the setup digest, when present, is bound: with it, without it and another one give three challenges', () => {
    const digests = [digestOf(ctx), digestOf({ ...ctx, setup: utf8('setup-1') }), digestOf({ ...ctx, setup: utf8('setup-2') })];
    expect(new Set(digests).size).toBe(3);
  });
});
