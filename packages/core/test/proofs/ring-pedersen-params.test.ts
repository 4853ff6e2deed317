import { describe, expect, it } from 'vitest';
import { randomBelow, randomUnit } from '../../src/bigint/arith.js';
import { modPow } from '../../src/bigint/node-crypto.js';
import { type SecurityLevel } from '../../src/paillier/security-level.js';
import { utf8 } from '../../src/bytes.js';
import { DecodeError } from '../../src/engine/codec.js';
import { seededRng } from '../../src/rng.js';
import { type RingPedersenSecret } from '../../src/paillier/ring-pedersen.js';
import { type ProofContext } from '../../src/proofs/paillier-context.js';
import { decodePrmProof, encodePrmProof, prmChallenges, proveRingPedersen, verifyRingPedersen } from '../../src/proofs/ring-pedersen-params.js';
import { FIXTURE_2048, FIXTURE_3072 } from '../fixtures/paillier-fixtures.js';

const ctx: ProofContext = { sessionId: utf8('session-A'), prover: 3, keyId: utf8('key-1') };
const rng = seededRng('pi-prm');

describe.each([
  ['2048-bit (tss-lib) level', FIXTURE_2048],
  ['3072-bit default level', FIXTURE_3072],
] as const)('Π^prm at the %s', (_name, fx) => {
  const { level, ringPedersen: secret } = fx;
  const { params } = secret;
  const proof = proveRingPedersen(level, ctx, secret, rng);

  it('a valid proof verifies, also after encode/decode', () => {
    expect(verifyRingPedersen(level, ctx, params, decodePrmProof(level, params, encodePrmProof(params, proof)))).toBe(true);
  });

  it('a replayed proof fails for another session, party, key or level', () => {
    expect(verifyRingPedersen(level, { ...ctx, sessionId: utf8('session-B') }, params, proof)).toBe(false);
    expect(verifyRingPedersen(level, { ...ctx, prover: 4 }, params, proof)).toBe(false);
    expect(verifyRingPedersen(level, { ...ctx, keyId: utf8('key-2') }, params, proof)).toBe(false);
    const other: SecurityLevel = { ...level, name: 'other' };
    expect(verifyRingPedersen(other, ctx, params, proof)).toBe(false);
  });
});

describe('Π^prm adversarial (2048-bit level)', () => {
  const { level, ringPedersen: secret } = FIXTURE_2048;
  const { params } = secret;
  const proof = proveRingPedersen(level, ctx, secret, rng);

  it('uses m challenge bits, both values occurring', () => {
    const bits = prmChallenges(level, ctx, params, proof.commitments);
    expect(bits.length).toBe(level.repetitions);
    expect(bits.includes(0) && bits.includes(1)).toBe(true);
  });

  it('rejects s outside the claimed relation: a prover with a wrong λ fails', () => {
    // s′ = t^λ′ for some λ′ the prover does not use: the claimed relation s′ = t^λ is false.
    const sPrime = modPow(params.t, randomBelow(secret.phi, rng), params.n);
    const lying: RingPedersenSecret = { ...secret, params: { ...params, s: sPrime } };
    const forged = proveRingPedersen(level, ctx, lying, rng);
    expect(verifyRingPedersen(level, ctx, lying.params, forged)).toBe(false);
    // and s a random unit, most likely not even in ⟨t⟩.
    const random: RingPedersenSecret = { ...secret, params: { ...params, s: randomUnit(params.n, rng) } };
    expect(verifyRingPedersen(level, ctx, random.params, proveRingPedersen(level, ctx, random, rng))).toBe(false);
    // the valid proof does not carry over to other parameters
    expect(verifyRingPedersen(level, ctx, { ...params, s: sPrime }, proof)).toBe(false);
  });

  it('rejects bad parameters whatever the proof', () => {
    for (const bad of [{ ...params, s: 1n }, { ...params, t: params.n - 1n }, { ...params, n: params.n + 2n }, { ...params, s: params.t }]) {
      expect(verifyRingPedersen(level, ctx, bad, proof)).toBe(false);
    }
    expect(verifyRingPedersen(FIXTURE_3072.level, ctx, params, proof)).toBe(false);
  });

  it('malformed parameters are refused even with a proof that verifies for them', () => {
    // s = t: the relation holds with λ = 1, so the project's prover makes a valid proof for it.
    const sIsT: RingPedersenSecret = { ...secret, params: { ...params, s: params.t }, lambda: 1n };
    expect(verifyRingPedersen(level, ctx, sIsT.params, proveRingPedersen(level, ctx, sIsT, rng))).toBe(false);
    // A 2048-bit N̂ proven at the 3072-bit level: only the size check refuses it.
    const big = FIXTURE_3072.level;
    expect(verifyRingPedersen(big, ctx, params, proveRingPedersen(big, ctx, secret, rng))).toBe(false);
  });

  it('tampering fails: a commitment, a response, out-of-range values, wrong count', () => {
    const A = [...proof.commitments];
    const z = [...proof.responses];
    const withA = (i: number, v: bigint) => ({ commitments: A.map((a, j) => (j === i ? v : a)), responses: z });
    const withZ = (i: number, v: bigint) => ({ commitments: A, responses: z.map((x, j) => (j === i ? v : x)) });
    expect(verifyRingPedersen(level, ctx, params, withA(5, (A[5]! * params.t) % params.n))).toBe(false);
    expect(verifyRingPedersen(level, ctx, params, withZ(5, z[5]! + 1n))).toBe(false);
    expect(verifyRingPedersen(level, ctx, params, withZ(5, z[5]! + secret.phi))).toBe(false);
    expect(verifyRingPedersen(level, ctx, params, withZ(5, -1n))).toBe(false);
    expect(verifyRingPedersen(level, ctx, params, withA(5, 0n))).toBe(false);
    expect(verifyRingPedersen(level, ctx, params, { commitments: A.slice(1), responses: z.slice(1) })).toBe(false);
  });

  it('decoding is strict', () => {
    const bytes = encodePrmProof(params, proof);
    expect(() => decodePrmProof(level, params, bytes.subarray(2))).toThrow(DecodeError);
    const count = bytes.slice();
    count[1] = 0;
    expect(() => decodePrmProof(level, params, count)).toThrow(/repetitions/);
    const big = bytes.slice();
    big.fill(0xff, 2, 2 + 256);
    expect(() => decodePrmProof(level, params, big)).toThrow(/out of range/);
  });
});
