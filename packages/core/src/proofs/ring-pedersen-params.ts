/**
 * Π^prm: proof that ring-Pedersen parameters are well formed, i.e. s ∈ ⟨t⟩ mod N̂ (the prover
 * knows λ with s = t^λ), CGGMP24 "Ring-Pedersen Parameters ZK". Per repetition the prover
 * commits A_i = t^a_i, gets a challenge bit e_i and answers z_i = a_i + e_i·λ mod φ(N̂); the
 * verifier checks t^z_i = A_i·s^e_i. Binary challenges give soundness 2^−m (m = 128). The m
 * bits come from one transcript over all A_i, each bit drawn for its own repetition index.
 *
 * Without this proof a party could publish s outside ⟨t⟩ and make others' range-proof
 * commitments non-hiding, leaking their secrets.
 */
import type { Rng } from '../rng.js';
import { crt, gcd, mod, modInverse, randomBelow } from '../bigint/arith.js';
import { byteLengthOf, readResidue, writeResidue } from '../bigint/codec.js';
import { modPow, modPowSecret } from '../bigint/node-crypto.js';
import { type SecurityLevel } from '../paillier/security-level.js';
import { DecodeError, Reader, Writer } from '../engine/codec.js';
import { type RingPedersenParams, type RingPedersenSecret, isWellFormedRingPedersen } from '../paillier/ring-pedersen.js';
import { type ProofContext, expandChallenge, proofTranscript } from './paillier-context.js';

const DOMAIN = 'mpc-wallet/v1/proof/ring-pedersen-params';

export interface PrmProof {
  readonly commitments: readonly bigint[];
  readonly responses: readonly bigint[];
}

/** The m challenge bits, bit i from the expansion for repetition i. */
export function prmChallenges(level: SecurityLevel, ctx: ProofContext, params: RingPedersenParams, commitments: readonly bigint[]): (0 | 1)[] {
  const t = proofTranscript(DOMAIN, level, ctx)
    .appendU32('repetitions', level.repetitions)
    .appendBigInt('N', params.n)
    .appendBigInt('s', params.s)
    .appendBigInt('t', params.t);
  commitments.forEach((a) => t.appendBigInt('A', a));
  const seed = t.digest();
  return commitments.map((_, i) => (expandChallenge(seed, 'e', i, 1)[0]! & 1) as 0 | 1);
}

export function proveRingPedersen(level: SecurityLevel, ctx: ProofContext, secret: RingPedersenSecret, rng: Rng): PrmProof {
  const { params, lambda, phi, p, q } = secret;
  if (p * q !== params.n) throw new RangeError('ring-Pedersen secret does not match its modulus');
  const pInvQ = modInverse(p, q);
  const nonces = Array.from({ length: level.repetitions }, () => randomBelow(phi, rng));
  // t^a by CRT over the owner's primes: two half-size exponentiations instead of one.
  const commitments = nonces.map((a) => crt(modPowSecret(params.t, a % (p - 1n), p), p, modPowSecret(params.t, a % (q - 1n), q), q, pInvQ));
  const bits = prmChallenges(level, ctx, params, commitments);
  const responses = nonces.map((a, i) => mod(a + BigInt(bits[i]!) * lambda, phi));
  return { commitments, responses };
}

export function verifyRingPedersen(level: SecurityLevel, ctx: ProofContext, params: RingPedersenParams, proof: PrmProof): boolean {
  try {
    if (!isWellFormedRingPedersen(params, level)) return false;
    const { commitments, responses } = proof;
    const m = level.repetitions;
    if (!Array.isArray(commitments) || !Array.isArray(responses) || commitments.length !== m || responses.length !== m) return false;
    const { n, s, t } = params;
    for (let i = 0; i < m; i++) {
      const a = commitments[i]!;
      const z = responses[i]!;
      if (typeof a !== 'bigint' || typeof z !== 'bigint') return false;
      if (a <= 0n || a >= n || gcd(a, n) !== 1n || z < 0n || z >= n) return false;
    }
    const bits = prmChallenges(level, ctx, params, commitments);
    for (let i = 0; i < m; i++) {
      const rhs = bits[i] ? (commitments[i]! * s) % n : commitments[i]!;
      if (modPow(t, responses[i]!, n) !== rhs) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** u16 m ‖ m × A ‖ m × z, all at N̂'s byte width (z < φ(N̂) < N̂). */
export function encodePrmProof(params: RingPedersenParams, proof: PrmProof): Uint8Array {
  if (proof.commitments.length !== proof.responses.length) throw new RangeError('malformed Π^prm proof');
  const w = new Writer().u16(proof.commitments.length);
  for (const a of proof.commitments) writeResidue(w, a, params.n);
  for (const z of proof.responses) writeResidue(w, z, params.n);
  return w.finish();
}

export function decodePrmProof(level: SecurityLevel, params: RingPedersenParams, bytes: Uint8Array): PrmProof {
  if (params.n <= 1n) throw new DecodeError('bad modulus');
  if (bytes.length !== 2 + 2 * level.repetitions * byteLengthOf(params.n)) throw new DecodeError('bad Π^prm proof length');
  const r = new Reader(bytes);
  if (r.u16() !== level.repetitions) throw new DecodeError('wrong number of repetitions');
  const commitments = Array.from({ length: level.repetitions }, () => readResidue(r, params.n));
  const responses = Array.from({ length: level.repetitions }, () => readResidue(r, params.n));
  r.end();
  return { commitments, responses };
}
