/**
 * Fiat–Shamir plumbing shared by the Paillier-side proofs (Π^mod, Π^prm, Π^fac): the context a
 * proof is bound to, and deterministic expansion of a transcript digest into per-repetition
 * challenges. Every proof transcript absorbs the proof's domain, the security level, the
 * context (session id, prover, key id, and the setup digest where a protocol has one) and the
 * statement before any commitment, all through the length-prefixed `Transcript`, so a proof
 * from another session, party, key, setup or level — or with bytes moved between fields —
 * yields other challenges and fails.
 */
import { bitLength, bytesToBigInt, mod } from '../bigint/arith.js';
import { type SecurityLevel } from '../paillier/security-level.js';
import { Transcript } from '../math/transcript.js';
import { utf8 } from '../bytes.js';

export interface ProofContext {
  /** Protocol session identifier, 1..64 bytes. */
  readonly sessionId: Uint8Array;
  /** Index of the proving party (1..65535). */
  readonly prover: number;
  /** Identifier of the key the proof is about, 0..64 bytes (empty before the key exists). */
  readonly keyId: Uint8Array;
  /**
   * Digest of the public setup the proof is made in, 0..64 bytes, where a protocol has one (e.g.
   * presigning: every party's N, s, t and the signer set), so that a proof made for one set of
   * parameters or signers never verifies for another. Absent: the transcript is as before.
   */
  readonly setup?: Uint8Array;
}

export function assertProofContext(ctx: ProofContext): void {
  if (!(ctx.sessionId instanceof Uint8Array) || ctx.sessionId.length === 0 || ctx.sessionId.length > 64) {
    throw new RangeError('bad session id');
  }
  if (!Number.isInteger(ctx.prover) || ctx.prover < 1 || ctx.prover > 0xffff) throw new RangeError('bad prover index');
  if (!(ctx.keyId instanceof Uint8Array) || ctx.keyId.length > 64) throw new RangeError('bad key id');
  if (ctx.setup !== undefined && (!(ctx.setup instanceof Uint8Array) || ctx.setup.length > 64)) throw new RangeError('bad setup digest');
}

/** A transcript opened with the domain, level and context; the caller appends the rest. */
export function proofTranscript(domain: string, level: SecurityLevel, ctx: ProofContext): Transcript {
  assertProofContext(ctx);
  const t = new Transcript(domain)
    .appendBytes('level', utf8(level.name))
    .appendBytes('session', ctx.sessionId)
    .appendU32('prover', ctx.prover)
    .appendBytes('key', ctx.keyId);
  // Only when present, so that the transcripts of proofs without a setup stay what they were.
  return ctx.setup === undefined ? t : t.appendBytes('setup', ctx.setup);
}

/**
 * `length` pseudo-random bytes for repetition `index` (and redraw `attempt`) from a finalised
 * transcript digest: SHA-512 blocks of a fresh framed transcript (seed, label, index, attempt,
 * block counter), so streams for different repetitions, labels or attempts are independent.
 */
export function expandChallenge(seed: Uint8Array, label: string, index: number, length: number, attempt = 0): Uint8Array {
  const out = new Uint8Array(length);
  for (let block = 0, off = 0; off < length; block++) {
    const d = new Transcript('mpc-wallet/v1/proof/challenge-xof')
      .appendBytes('seed', seed)
      .appendBytes('label', utf8(label))
      .appendU32('index', index)
      .appendU32('attempt', attempt)
      .appendU32('block', block)
      .digest();
    out.set(d.subarray(0, Math.min(d.length, length - off)), off);
    off += d.length;
  }
  return out;
}

/**
 * An integer in [0, modulus) from 128 bits more than the modulus has, reduced: the bias is
 * below 2⁻¹²⁸. `attempt` lets callers redraw (e.g. to skip non-units) deterministically.
 */
export function challengeBelow(seed: Uint8Array, label: string, index: number, attempt: number, modulus: bigint): bigint {
  const bytes = Math.ceil((bitLength(modulus) + 128) / 8);
  return mod(bytesToBigInt(expandChallenge(seed, label, index, bytes, attempt)), modulus);
}
