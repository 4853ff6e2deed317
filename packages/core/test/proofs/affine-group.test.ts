/**
 * Π^aff-g, the checks that integer-proofs.test.ts does not isolate (issue 13, one test per
 * verifier or decoder check): the exact bound of z₂, non-canonical and non-unit statements,
 * non-unit Y, S and T with every earlier equation right, and the decoder's byte bounds. A
 * cheating prover here is the honest algorithm with its choices exposed (y = 0 makes z₂ = β,
 * which it picks).
 */
import { describe, expect, it } from 'vitest';
import { mod, randomSymmetric, randomUnit } from '../../src/bigint/arith.js';
import { byteLengthOf, writeResidue, writeSigned } from '../../src/bigint/codec.js';
import { modPow } from '../../src/bigint/node-crypto.js';
import { DecodeError, Writer } from '../../src/engine/codec.js';
import { seededRng } from '../../src/rng.js';
import { SECP256K1 } from '../../src/math/curve.js';
import { encrypt, encryptRandom, paillierSecretKey } from '../../src/paillier/paillier.js';
import { ringPedersenCommit } from '../../src/paillier/ring-pedersen.js';
import { mulSigned, pow2, responseBytes } from '../../src/proofs/integer-challenge.js';
import { type ProofContext } from '../../src/proofs/paillier-context.js';
import {
  type AffGProof,
  type AffGStatement,
  type AffGWitness,
  affGChallenge,
  decodeAffGProof,
  encodeAffGProof,
  proveAffG,
  verifyAffG,
} from '../../src/proofs/affine-group.js';
import { FIXTURE_2048 } from '../fixtures/paillier-fixtures.js';

const rng = seededRng('pi-aff-g-checks');
const level = FIXTURE_2048.level;
const rp = FIXTURE_2048.ringPedersen.params;
const pHat = FIXTURE_2048.ringPedersen.p;
const proverSk = paillierSecretKey(FIXTURE_2048.keys[0]!.p, FIXTURE_2048.keys[0]!.q, { level });
const verifierSk = paillierSecretKey(FIXTURE_2048.keys[1]!.p, FIXTURE_2048.keys[1]!.q, { level });
const P = proverSk.publicKey; // N₁
const V = verifierSk.publicKey; // N₀
const curve = SECP256K1;
const ctx: ProofContext = { sessionId: new TextEncoder().encode('presign-session-1'), prover: 2, keyId: new Uint8Array(32).fill(9) };
const z2Bound = pow2(level.ellPrime + level.epsilon);

type Forged = AffGProof & { e: bigint };

/** The honest prover with its mask β and its commitments S and T open to the caller. */
function forge(st: AffGStatement, wit: AffGWitness, beta: bigint, open: { S?: bigint; T?: bigint } = {}): Forged {
  const alpha = randomSymmetric(pow2(level.ell + level.epsilon), rng);
  const r = randomUnit(V.n, rng);
  const rY = randomUnit(P.n, rng);
  const gamma = randomSymmetric(pow2(level.ell + level.epsilon) * rp.n, rng);
  const m = randomSymmetric(pow2(level.ell) * rp.n, rng);
  const delta = randomSymmetric(pow2(level.ellPrime + level.epsilon) * rp.n, rng);
  const mu = randomSymmetric(pow2(level.ellPrime) * rp.n, rng);
  const c = {
    A: (modPow(st.C, alpha, V.n2) * encrypt(V, beta, r)) % V.n2,
    Bx: mulSigned(curve, curve.base, alpha),
    By: encrypt(P, beta, rY),
    E: ringPedersenCommit(rp, alpha, gamma),
    S: open.S ?? ringPedersenCommit(rp, wit.x, m),
    F: ringPedersenCommit(rp, beta, delta),
    T: open.T ?? ringPedersenCommit(rp, wit.y, mu),
  };
  const e = affGChallenge(level, ctx, rp, st, c);
  return {
    ...c,
    z1: alpha + e * wit.x,
    z2: beta + e * wit.y,
    z3: gamma + e * m,
    z4: delta + e * mu,
    w: mod(r * modPow(wit.rho, e, V.n), V.n),
    wY: mod(rY * modPow(wit.rhoY, e, P.n), P.n),
    e,
  };
}

/** Forges with fresh masks until the challenge is negative: a non-unit base then cannot be inverted. */
function forgeNegative(make: () => Forged): Forged {
  for (;;) {
    const f = make();
    if (f.e < 0n) return f;
  }
}

describe('Π^aff-g checks one by one (2048-bit level)', () => {
  const kEnc = encryptRandom(V, 0x5555n * 99991n, rng).ciphertext;
  const x = 0xabcdef0123n;
  const y = -(1n << BigInt(level.ellPrime - 2)) + 12345n;
  const statement = (y: bigint) => {
    const dMask = encryptRandom(V, y, rng);
    const yEnc = encryptRandom(P, y, rng);
    const st: AffGStatement = { curve, verifierKey: V, proverKey: P, C: kEnc, D: (modPow(kEnc, x, V.n2) * dMask.ciphertext) % V.n2, Y: yEnc.ciphertext, X: curve.mulBase(x) };
    return { st, wit: { x, y, rho: dMask.nonce, rhoY: yEnc.nonce } };
  };
  const { st, wit } = statement(y);
  const proof = proveAffG(level, ctx, rp, st, wit, rng);
  const beta = () => randomSymmetric(z2Bound / 2n, rng);

  it('z₂ = ±2^(ℓ′+ε) is accepted and one past it refused (a prover of y = 0 picks z₂ = β)', () => {
    const zero = statement(0n);
    const wider = { ...level, epsilon: level.epsilon + 1 }; // same transcript: every equation holds
    // (z₁ is out of reach the same way: x = 0 makes X the identity, which is refused)
    for (const z2 of [z2Bound, -z2Bound]) expect(verifyAffG(level, ctx, rp, zero.st, forge(zero.st, zero.wit, z2))).toBe(true);
    for (const z2 of [z2Bound + 1n, -z2Bound - 1n]) {
      const cheat = forge(zero.st, zero.wit, z2);
      expect(cheat.z2).toBe(z2);
      expect(verifyAffG(wider, ctx, rp, zero.st, cheat)).toBe(true);
      expect(verifyAffG(level, ctx, rp, zero.st, cheat)).toBe(false);
    }
  });

  it('non-canonical C, D (+ N₀²) and Y (+ N₁²) with a proof made for them are refused; negative ones too, without throwing', () => {
    for (const bad of [{ ...st, C: st.C + V.n2 }, { ...st, D: st.D + V.n2 }, { ...st, Y: st.Y + P.n2 }]) {
      expect(verifyAffG(level, ctx, rp, bad, proveAffG(level, ctx, rp, bad, wit, rng))).toBe(false);
    }
    for (const bad of [{ ...st, C: st.C - V.n2 }, { ...st, D: st.D - V.n2 }, { ...st, Y: st.Y - P.n2 }]) {
      expect(verifyAffG(level, ctx, rp, bad, proof)).toBe(false);
    }
  });

  it('C and D sharing a factor with N₀ are refused without throwing (C^z₁ with z₁ < 0, D^e with e < 0 would invert them)', () => {
    const negative = { ...proof, z1: proof.z1 < 0n ? proof.z1 : -proof.z1 };
    for (let j = 1n; j <= 4n; j++) expect(verifyAffG(level, ctx, rp, { ...st, C: verifierSk.p * j }, negative)).toBe(false);
    const badD = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n].map((j) => ({ ...st, D: verifierSk.p * j }));
    expect(badD.some((b) => affGChallenge(level, ctx, rp, b, proof) < 0n)).toBe(true);
    for (const b of badD) expect(verifyAffG(level, ctx, rp, b, proof)).toBe(false);
  });

  it('a non-unit Y with the D and curve equations right and a negative challenge is refused without throwing', () => {
    const badY = { ...st, Y: proverSk.p * 3n };
    const cheat = forgeNegative(() => forge(badY, wit, beta()));
    expect(mulSigned(curve, curve.base, cheat.z1).equals(cheat.Bx.add(mulSigned(curve, st.X, cheat.e)))).toBe(true);
    expect(verifyAffG(level, ctx, rp, badY, cheat)).toBe(false);
  });

  it('non-unit S and T, every equation before theirs right and a negative challenge, are refused without throwing', () => {
    for (const open of [{ S: pHat * 2n }, { T: pHat * 3n }]) {
      const cheat = forgeNegative(() => forge(st, wit, beta(), open));
      expect(encrypt(P, cheat.z2, cheat.wY)).toBe((cheat.By * modPow(st.Y, cheat.e, P.n2)) % P.n2);
      expect(verifyAffG(level, ctx, rp, st, cheat)).toBe(false);
    }
  });

  it('decoding: z₁, z₂ and z₃, z₄ up to their byte bounds, one byte more refused, and no trailing bytes', () => {
    const small = responseBytes(level, level.ellPrime + level.epsilon);
    const large = small + byteLengthOf(rp.n);
    const encoded = (zs: bigint[]): Uint8Array => {
      const w = new Writer();
      writeResidue(w, proof.A, V.n2);
      w.point(curve, proof.Bx);
      writeResidue(w, proof.By, P.n2);
      for (const u of [proof.E, proof.S, proof.F, proof.T]) writeResidue(w, u, rp.n);
      for (const z of zs) writeSigned(w, z);
      writeResidue(w, proof.w, V.n);
      writeResidue(w, proof.wY, P.n);
      return w.finish();
    };
    const longest = (bytes: number) => pow2(8 * bytes) - 1n;
    const zs = [proof.z1, proof.z2, proof.z3, proof.z4];
    expect(decodeAffGProof(level, st, rp, encoded([longest(small), -longest(small), longest(large), -longest(large)])).z4).toBe(-longest(large));
    for (let i = 0; i < 4; i++) {
      const over = zs.slice();
      over[i] = pow2(8 * (i < 2 ? small : large));
      expect(() => decodeAffGProof(level, st, rp, encoded(over))).toThrow(/too long/);
    }
    expect(() => decodeAffGProof(level, st, rp, new Uint8Array([...encodeAffGProof(st, rp, proof), 0]))).toThrow(DecodeError);
  });
});
