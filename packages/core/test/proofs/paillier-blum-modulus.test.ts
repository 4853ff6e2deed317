import { describe, expect, it } from 'vitest';
import { crt, gcd, jacobi, modInverse, modPowRef, randomUnit } from '../../src/bigint/arith.js';
import { modPow } from '../../src/bigint/node-crypto.js';
import { type SecurityLevel } from '../../src/paillier/security-level.js';
import { utf8 } from '../../src/bytes.js';
import { seededRng } from '../../src/rng.js';
import { DecodeError } from '../../src/engine/codec.js';
import {
  type ModProof,
  decodeModProof,
  encodeModProof,
  isPlausibleBlumModulus,
  modChallenges,
  proveModulus,
  verifyModulus,
} from '../../src/proofs/paillier-blum-modulus.js';
import { type ProofContext } from '../../src/proofs/paillier-context.js';
import { FIXTURE_2048, FIXTURE_3072, NON_BLUM, SQUARE_FACTOR } from '../fixtures/paillier-fixtures.js';

const ctx: ProofContext = { sessionId: utf8('session-A'), prover: 1, keyId: utf8('key-1') };
const rng = seededRng('pi-mod');

describe.each([
  ['2048-bit (tss-lib) level', FIXTURE_2048],
  ['3072-bit default level', FIXTURE_3072],
] as const)('Π^mod at the %s', (_name, fx) => {
  const { level } = fx;
  const { p, q } = fx.keys[0]!;
  const n = p * q;
  const proof = proveModulus(level, ctx, p, q, rng);

  it('a valid proof verifies, also after encode/decode', () => {
    expect(verifyModulus(level, ctx, n, proof)).toBe(true);
    const bytes = encodeModProof(n, proof);
    expect(verifyModulus(level, ctx, n, decodeModProof(level, n, bytes))).toBe(true);
  });

  it('a proof replayed into another session, for another party or key, or at another level fails', () => {
    expect(verifyModulus(level, { ...ctx, sessionId: utf8('session-B') }, n, proof)).toBe(false);
    expect(verifyModulus(level, { ...ctx, prover: 2 }, n, proof)).toBe(false);
    expect(verifyModulus(level, { ...ctx, keyId: utf8('key-2') }, n, proof)).toBe(false);
    const other: SecurityLevel = { ...level, name: `${level.name}-other` };
    expect(verifyModulus(other, ctx, n, proof)).toBe(false);
  });
});

/** A fourth root of v modulo the Blum prime p, or undefined when v has none (0 is its own root). */
function fourthRootModPrime(v: bigint, p: bigint): bigint | undefined {
  const r = modPow(v, ((p + 1n) / 4n) ** 2n % (p - 1n), p);
  return modPow(r, 4n, p) === v % p ? r : undefined;
}

/**
 * A cheating prover's proof around a w of its choosing: every answer computed the way the honest
 * prover computes it (fourth roots by CRT, N-th roots with d = N⁻¹ mod φ), so that the proof
 * satisfies every equation and only the checks on w itself can refuse it. Undefined when some
 * challenge has no answer for that w.
 */
function proofAround(level: SecurityLevel, n: bigint, p: bigint, q: bigint, w: bigint): ModProof | undefined {
  const d = modInverse(n, (p - 1n) * (q - 1n));
  const reps = [];
  for (const y of modChallenges(level, ctx, n, w)) {
    const z = crt(modPow(y, d % (p - 1n), p), p, modPow(y, d % (q - 1n), q), q);
    let rep: ModProof['reps'][number] | undefined;
    for (const a of [0, 1] as const) {
      for (const b of [0, 1] as const) {
        if (rep) continue;
        const target = (((a ? n - 1n : 1n) * (b ? w : 1n)) % n) * y % n;
        const rp = fourthRootModPrime(target, p);
        const rq = fourthRootModPrime(target, q);
        if (rp === undefined || rq === undefined) continue;
        const x = crt(rp, p, rq, q);
        if (x !== 0n) rep = { x, a, b, z };
      }
    }
    if (!rep) return undefined;
    reps.push(rep);
  }
  return { w, reps };
}

/** Every per-repetition equation of the verifier, without its checks on w: x⁴ = (−1)^a·w^b·y, z^N = y. */
function equationsHold(level: SecurityLevel, n: bigint, proof: ModProof): boolean {
  const ys = modChallenges(level, ctx, n, proof.w);
  return (
    proof.reps.length === level.repetitions &&
    proof.reps.every(({ x, a, b, z }, i) => {
      const expected = (((a ? n - 1n : 1n) * (b ? proof.w : 1n)) % n) * ys[i]! % n;
      return x > 0n && x < n && z > 0n && z < n && modPow(x, 4n, n) === expected && modPow(z, n, n) === ys[i];
    })
  );
}

describe('Π^mod adversarial (2048-bit level)', () => {
  const { level } = FIXTURE_2048;
  const { p, q } = FIXTURE_2048.keys[0]!;
  const n = p * q;
  const proof = proveModulus(level, ctx, p, q, rng);

  it('challenges: m of them, units, pairwise distinct, bound to w and to the context', () => {
    const ys = modChallenges(level, ctx, n, proof.w);
    expect(ys.length).toBe(level.repetitions);
    expect(new Set(ys).size).toBe(ys.length);
    const ys2 = modChallenges(level, { ...ctx, prover: 2 }, n, proof.w);
    expect(ys2.some((y, i) => y === ys[i])).toBe(false);
  });

  it('tampering with any field fails', () => {
    const reps = proof.reps.map((r) => ({ ...r }));
    const flip = (f: (r: (typeof reps)[number]) => void): ModProof => {
      const copy = reps.map((r) => ({ ...r }));
      f(copy[17]!);
      return { w: proof.w, reps: copy };
    };
    expect(verifyModulus(level, ctx, n, flip((r) => (r.x = (r.x * 2n) % n)))).toBe(false);
    expect(verifyModulus(level, ctx, n, flip((r) => (r.z = (r.z + 1n) % n)))).toBe(false);
    expect(verifyModulus(level, ctx, n, flip((r) => (r.a = r.a ? 0 : 1)))).toBe(false);
    expect(verifyModulus(level, ctx, n, flip((r) => (r.b = r.b ? 0 : 1)))).toBe(false);
    expect(verifyModulus(level, ctx, n, flip((r) => (r.x = 0n)))).toBe(false);
    expect(verifyModulus(level, ctx, n, flip((r) => (r.z = r.z + n)))).toBe(false);
    expect(verifyModulus(level, ctx, n, { w: proof.w, reps: reps.slice(1) })).toBe(false);
    expect(verifyModulus(level, ctx, n, { w: proof.w, reps: [...reps, reps[0]!] })).toBe(false); // a trailing extra repetition
    expect(verifyModulus(level, ctx, n, { w: (proof.w * 4n) % n, reps })).toBe(false);
    expect(verifyModulus(level, ctx, n, { w: proof.w, reps: [...reps.slice(1), reps[0]!] })).toBe(false);
    const bytes = encodeModProof(n, proof);
    const t = bytes.slice();
    t[100] = t[100]! ^ 1;
    expect(verifyModulus(level, ctx, n, decodeModProof(level, n, t))).toBe(false);
  });

  it('rejects w with Jacobi symbol +1 or sharing a factor with N (the missing-check bugs)', () => {
    let w1: bigint;
    do w1 = randomUnit(n, rng);
    while (jacobi(w1, n) !== 1);
    expect(verifyModulus(level, ctx, n, { ...proof, w: w1 })).toBe(false);
    expect(verifyModulus(level, ctx, n, { ...proof, w: p })).toBe(false);
    expect(verifyModulus(level, ctx, n, { ...proof, w: 0n })).toBe(false);
  });

  it('a proof built around a w sharing a factor with N (every answer valid) is refused by the w check', () => {
    // w ≡ 0 (mod p): with b = 1 every target is 0 mod p, whose fourth root is 0, and one sign makes
    // it a residue mod q, so every challenge has an answer; only the check on w can catch it.
    const w = (p * randomUnit(n, rng)) % n;
    expect(gcd(w, n)).toBe(p);
    const cheat = proofAround(level, n, p, q, w)!;
    expect(cheat).toBeDefined();
    expect(equationsHold(level, n, cheat)).toBe(true);
    expect(equationsHold(level, n, proof)).toBe(true); // the helper accepts the honest proof too
    expect(verifyModulus(level, ctx, n, cheat)).toBe(false);
  });

  it('a proof built around w + N (same residue, so same symbols) is refused by the range check on w', () => {
    const cheat = proofAround(level, n, p, q, proof.w + n)!;
    expect(equationsHold(level, n, cheat)).toBe(true);
    expect(verifyModulus(level, ctx, n, cheat)).toBe(false);
  });

  it('a proof built around a unit w of Jacobi symbol +1 (every answer valid) is refused by the w check', () => {
    // w = −u² has Jacobi(w|p) = Jacobi(w|q) = −1 (−1 is a non-residue mod a Blum prime), so only
    // challenges with Jacobi(y|p) = Jacobi(y|q) have an answer: the cheater grinds u until all of
    // them do, feasible with few repetitions (the soundness the Jacobi check protects), hence 6.
    const few: SecurityLevel = { ...level, repetitions: 6 };
    let cheat: ModProof | undefined;
    for (let tries = 0; !cheat && tries < 5_000; tries++) {
      const u = randomUnit(n, rng);
      const w = n - (u * u) % n;
      if (modChallenges(few, ctx, n, w).every((y) => jacobi(y, p) === jacobi(y, q))) cheat = proofAround(few, n, p, q, w);
    }
    expect(cheat).toBeDefined();
    expect(jacobi(cheat!.w, n)).toBe(1);
    expect(gcd(cheat!.w, n)).toBe(1n);
    expect(equationsHold(few, n, cheat!)).toBe(true);
    expect(verifyModulus(few, ctx, n, proveModulus(few, ctx, p, q, rng))).toBe(true); // the level alone is not what refuses
    expect(verifyModulus(few, ctx, n, cheat!)).toBe(false);
  });

  it('a prime N ≡ 3 (mod 4) has a valid proof (fourth roots exist, z = y is an N-th root): the primality check alone refuses it', () => {
    // At a test level that admits 1024-bit moduli, so that a fixture prime can stand in for N.
    const small: SecurityLevel = { ...level, name: 'test/1024', minPaillierBits: 1023 };
    const prime = p;
    expect(prime % 4n).toBe(3n);
    let w: bigint;
    do w = randomUnit(prime, rng);
    while (jacobi(w, prime) !== -1);
    const root4 = ((prime + 1n) / 4n) ** 2n % (prime - 1n);
    const reps = modChallenges(small, ctx, prime, w).map((y) => {
      // −1 and w are both non-residues mod the prime: one of y, −y, w·y, −w·y... a = 1 flips y's class
      const a = jacobi(y, prime) === 1 ? (0 as const) : (1 as const);
      const target = a ? prime - y : y;
      return { x: modPow(target, root4, prime), a, b: 0 as const, z: y };
    });
    const forged: ModProof = { w, reps };
    expect(equationsHold(small, prime, forged)).toBe(true);
    expect(verifyModulus(small, ctx, prime, forged)).toBe(false);
  });

  it('an undersized modulus with a valid proof is refused (the size check before the proof)', () => {
    const small: SecurityLevel = { ...level, name: 'test/1024', minPaillierBits: 1023 };
    expect(verifyModulus(small, ctx, n, proveModulus(small, ctx, p, q, rng))).toBe(true);
    const big = FIXTURE_3072.level;
    expect(verifyModulus(big, ctx, n, proveModulus(big, ctx, p, q, rng))).toBe(false);
  });

  it('rejects even, prime, square and undersized moduli before looking at the proof', () => {
    expect(isPlausibleBlumModulus(n, level)).toBe(true);
    expect(isPlausibleBlumModulus(n + 1n, level)).toBe(false);
    expect(isPlausibleBlumModulus(p * p, level)).toBe(false);
    expect(isPlausibleBlumModulus(FIXTURE_2048.smallFactor.q, level)).toBe(false);
    expect(isPlausibleBlumModulus(n, FIXTURE_3072.level)).toBe(false);
    expect(verifyModulus(FIXTURE_3072.level, ctx, n, proof)).toBe(false);
  });

  it('a non-Blum modulus (p ≡ 1 mod 4) cannot be proven: the prover refuses and some challenge has no answer', () => {
    const { p: pb, q: qb } = NON_BLUM;
    const nb = pb * qb;
    expect(pb % 4n).toBe(1n);
    expect(() => proveModulus(level, ctx, pb, qb, rng)).toThrow(/Blum/);
    expect(isPlausibleBlumModulus(nb, level)).toBe(true);
    let w: bigint;
    do w = randomUnit(nb, rng);
    while (jacobi(w, nb) !== -1);
    // y′ has a fourth root mod p ≡ 1 (mod 4) iff y′^((p−1)/4) ≡ 1; mod the Blum q iff it is a residue.
    const answerable = (y: bigint) =>
      [0n, 1n].some((a) =>
        [0n, 1n].some((b) => {
          const yp = (((a ? -1n : 1n) * (b ? w : 1n) * y) % nb + nb) % nb;
          return modPowRef(yp, (pb - 1n) / 4n, pb) === 1n && modPowRef(yp, (qb - 1n) / 2n, qb) === 1n;
        }),
      );
    const ys = modChallenges(level, ctx, nb, w);
    expect(ys.filter((y) => !answerable(y)).length).toBeGreaterThan(0);
    // The transplanted honest proof for another modulus fails too.
    expect(verifyModulus(level, ctx, nb, proof)).toBe(false);
  });

  it('a modulus with a square factor (N = p²·q) fails: N-th roots do not exist for its challenges', () => {
    const { p: ps, q: qs, n: ns } = SQUARE_FACTOR;
    expect(ns).toBe(ps * ps * qs);
    expect(isPlausibleBlumModulus(ns, level)).toBe(true);
    let w: bigint;
    do w = randomUnit(ns, rng);
    while (jacobi(w, ns) !== -1);
    // y is an N-th power mod p² only if y^(p−1) ≡ 1 (mod p²), since p | N and p ∤ (p − 1).
    const ys = modChallenges(level, ctx, ns, w);
    const p2 = ps * ps;
    expect(ys.every((y) => modPowRef(y, ps - 1n, p2) !== 1n)).toBe(true);
    const forged: ModProof = { w, reps: ys.map((y) => ({ x: 1n, a: 0, b: 0, z: y })) };
    expect(verifyModulus(level, ctx, ns, forged)).toBe(false);
  });

  it('a prime cube (N = p³, neither prime nor square) fails the same way', () => {
    const { p: ps } = SQUARE_FACTOR;
    const nc = ps ** 3n;
    expect(isPlausibleBlumModulus(nc, level)).toBe(true);
    let w: bigint;
    do w = randomUnit(nc, rng);
    while (jacobi(w, nc) !== -1);
    const ys = modChallenges(level, ctx, nc, w);
    expect(ys.every((y) => modPowRef(y, ps - 1n, ps * ps) !== 1n)).toBe(true);
    expect(verifyModulus(level, ctx, nc, { w, reps: ys.map((y) => ({ x: 1n, a: 0, b: 0, z: y })) })).toBe(false);
  });

  it('decoding is strict: wrong length, repetition count, non-bit selectors, out-of-range residues', () => {
    const bytes = encodeModProof(n, proof);
    expect(() => decodeModProof(level, n, bytes.subarray(1))).toThrow(DecodeError);
    expect(() => decodeModProof(level, n, new Uint8Array([...bytes, 0]))).toThrow(DecodeError);
    const count = bytes.slice();
    count[1] = 127;
    expect(() => decodeModProof(level, n, count)).toThrow(/repetitions/);
    const len = (n.toString(2).length + 7) >> 3;
    const sel = bytes.slice();
    sel[2 + len + len] = 2;
    expect(() => decodeModProof(level, n, sel)).toThrow(/bit/);
    const big = bytes.slice();
    big.fill(0xff, 2, 2 + len);
    expect(() => decodeModProof(level, n, big)).toThrow(/out of range/);
  });
});

describe('Π^mod checks one by one (2048-bit level)', () => {
  const { level } = FIXTURE_2048;
  const { p, q } = FIXTURE_2048.keys[0]!;
  const n = p * q;
  const proof = proveModulus(level, ctx, p, q, rng);
  const withRep = (i: number, change: Partial<ModProof['reps'][number]>): ModProof => ({
    w: proof.w,
    reps: proof.reps.map((r, j) => (j === i ? { ...r, ...change } : r)),
  });

  it('x + N and x − N (the same fourth power modulo N) are refused by the range check on x', () => {
    const x = proof.reps[3]!.x;
    expect(verifyModulus(level, ctx, n, withRep(3, { x }))).toBe(true);
    expect(verifyModulus(level, ctx, n, withRep(3, { x: x + n }))).toBe(false);
    expect(verifyModulus(level, ctx, n, withRep(3, { x: x - n }))).toBe(false);
  });

  it('a selector 2 where the answer used 1 (the equations treat any non-zero as 1) is refused by the bit checks', () => {
    const i = proof.reps.findIndex((r) => r.a === 1);
    const j = proof.reps.findIndex((r) => r.b === 1);
    expect(verifyModulus(level, ctx, n, withRep(i, { a: 2 as 1 }))).toBe(false);
    expect(verifyModulus(level, ctx, n, withRep(j, { b: 2 as 1 }))).toBe(false);
  });

  it('decoding refuses a modulus below 2 before reading (N = 1 would decode all-zero bytes)', () => {
    const m = level.repetitions;
    const zeros = new Uint8Array(2 + (1 + 2 * m) + 2 * m);
    zeros[0] = m >> 8;
    zeros[1] = m & 0xff;
    expect(() => decodeModProof(level, 1n, zeros)).toThrow(/bad modulus/);
  });

  it('malformed proof objects are refused without throwing', () => {
    const reps = proof.reps as ModProof['reps'];
    const bad: unknown[] = [
      { w: proof.w, reps: reps.map(() => null) },
      { w: proof.w, reps: undefined },
      { w: Number(proof.w % 1000n), reps },
      { w: proof.w, reps: reps.map((r) => ({ ...r, x: Number(r.x % 1000n) })) },
    ];
    for (const b of bad) expect(verifyModulus(level, ctx, n, b as ModProof)).toBe(false);
    expect(isPlausibleBlumModulus(Number(n % 1000n) as unknown as bigint, level)).toBe(false);
  });
});
