/**
 * Identifying the culprit when presigning's consistency checks fail (CGGMP21, eprint 2021/060,
 * Fig. 7 "Output" and its identification step): δ·G ≠ ΣΔⱼ, or ΣSⱼ ≠ δ·X. Every proof of rounds
 * 1–3 verified, so some party lied about a value no earlier proof covers: its δⱼ or Sⱼ, or one of
 * the MtA conversions it sent to a party other than the verifier. Each party j now proves, to
 * every verifier ℓ against ℓ's ring-Pedersen parameters:
 *
 *   - Π^mul: Hⱼ = Gⱼ^kⱼ·ρ^Nⱼ encrypts kⱼγⱼ (from Kⱼ and Gⱼ; no range, so one proof for all);
 *   - Π^mul*: Ĥⱼ = Kⱼ^wⱼ·ρ^Nⱼ encrypts kⱼwⱼ, with Wⱼ = wⱼ·G;
 *   - Π^aff-g, for each conversion it sent to a party r ∉ {j, ℓ} (r checked its own in round 2):
 *     Dᵣⱼ, Fᵣⱼ (and D̂ᵣⱼ, F̂ᵣⱼ) are well formed against Kᵣ and Γⱼ (and Wⱼ);
 *   - Π^dec: δⱼ is, mod q, the plaintext of Cⱼ = Hⱼ·Πₛ Dⱼₛ·Πₛ Fₛⱼ⁻¹ mod Nⱼ²;
 *   - Π^log* (over the wider range those plaintexts have): Sⱼ = χ̂ⱼ·Γ for the plaintext χ̂ⱼ of
 *     Ĉⱼ = Ĥⱼ·Πₛ D̂ⱼₛ·Πₛ F̂ₛⱼ⁻¹.
 *
 * If all of a party's proofs verify, its δⱼ and Sⱼ are what honest arithmetic gives, so when the
 * checks failed some party's proofs fail: at least one culprit is always found and an honest
 * party never is.
 *
 * Everything is published in one broadcast per party, which presigning signs and echoes, so that
 * the verdict is a function of the same bytes at every honest party (`identifyCulprits`), and a
 * complaint carrying those broadcasts lets any peer repeat it:
 *   - the proofs for every verifier (they are zero-knowledge, so publishing them costs nothing;
 *     a prover cannot show one verifier a valid proof and another an invalid one);
 *   - the signed round-2 conversions the party received, as received: no one can disown what it
 *     sent, and a receiver who forwards a forgery is itself convicted;
 *   - the conversions the party sent, re-published under its round-5 signature: where a receiver
 *     forwards no valid copy, the sender's own copy is used instead of leaving a gap a colluding
 *     receiver could open to shield the sender; a sender whose copy differs from the one it signed
 *     in round 2 is convicted.
 */
import { bitLength, modInverse, randomUnit } from '../../bigint/arith.js';
import { readResidue, writeResidue } from '../../bigint/codec.js';
import { modPow, modPowSecret } from '../../bigint/node-crypto.js';
import type { SecurityLevel } from '../../paillier/security-level.js';
import { Reader, Writer } from '../../engine/codec.js';
import type { Rng } from '../../engine/protocol.js';
import { type GroupPoint, SECP256K1 } from '../../math/curve.js';
import { type PaillierPublicKey, type PaillierSecretKey, decryptSigned, isValidCiphertext, nonceOf } from '../../paillier/paillier.js';
import type { RingPedersenParams } from '../../paillier/ring-pedersen.js';
import { type AffGStatement, decodeAffGProof, encodeAffGProof, proveAffG, verifyAffG } from '../../proofs/affine-group.js';
import { decodeDecProof, encodeDecProof, proveDec, verifyDec } from '../../proofs/paillier-decryption.js';
import { decodeLogStarProof, encodeLogStarProof, proveLogStar, verifyLogStar } from '../../proofs/log-star.js';
import { decodeMulProof, encodeMulProof, proveMul, verifyMul } from '../../proofs/paillier-multiplication.js';
import { decodeMulStarProof, encodeMulStarProof, proveMulStar, verifyMulStar } from '../../proofs/multiplication-star.js';
import type { ProofContext } from '../../proofs/paillier-context.js';

const curve = SECP256K1;

/** The four ciphertexts of one round-2 conversion from a sender s to a receiver r. */
export interface Conversion {
  /** Kᵣ^γₛ·encᵣ(y) and Kᵣ^wₛ·encᵣ(ŷ), under the receiver's key. */
  D: bigint;
  DHat: bigint;
  /** encₛ(y) and encₛ(ŷ), under the sender's key. */
  F: bigint;
  FHat: bigint;
}

/** A conversion as its sender keeps it: with the masks and nonces its Π^aff-g proofs need. */
export interface SentConversion extends Conversion {
  y: bigint;
  yHat: bigint;
  /** Nonces of the mask encryptions in D, D̂ (receiver's key) and of F, F̂ (sender's key). */
  s: bigint;
  sHat: bigint;
  r: bigint;
  rHat: bigint;
}

export function encodeConversion(c: Conversion, receiver: PaillierPublicKey, sender: PaillierPublicKey): Uint8Array {
  const w = new Writer();
  writeResidue(w, c.D, receiver.n2);
  writeResidue(w, c.F, sender.n2);
  writeResidue(w, c.DHat, receiver.n2);
  writeResidue(w, c.FHat, sender.n2);
  return w.finish();
}

/** Strict decoding; every ciphertext must be a unit (it is inverted or exponentiated later). */
export function decodeConversion(bytes: Uint8Array, receiver: PaillierPublicKey, sender: PaillierPublicKey): Conversion {
  const r = new Reader(bytes);
  const c = { D: readResidue(r, receiver.n2), F: readResidue(r, sender.n2), DHat: readResidue(r, receiver.n2), FHat: readResidue(r, sender.n2) };
  r.end();
  if (!isValidCiphertext(receiver, c.D) || !isValidCiphertext(receiver, c.DHat) || !isValidCiphertext(sender, c.F) || !isValidCiphertext(sender, c.FHat)) {
    throw new RangeError('conversion ciphertext is not a unit');
  }
  return c;
}

/**
 * Bits of the plaintexts of Cⱼ and Ĉⱼ: a product of two values of ℓ + ε + 1 bits plus a mask of
 * at most ℓ′ + ε + 1 bits (what Π^aff-g lets through) per peer, and the own masks subtracted.
 */
export function identificationBits(level: SecurityLevel, signerCount: number): number {
  return level.ellPrime + level.epsilon + bitLength(BigInt(signerCount)) + 4;
}

/** Everything public the identification step uses, identical at every honest party. */
export interface PresignTranscript {
  level: SecurityLevel;
  signers: readonly number[];
  ctx(prover: number): ProofContext;
  paillier(j: number): PaillierPublicKey;
  ringPedersen(j: number): RingPedersenParams;
  K: ReadonlyMap<number, bigint>;
  G: ReadonlyMap<number, bigint>;
  Gammas: ReadonlyMap<number, GroupPoint>;
  Gamma: GroupPoint;
  /** Wⱼ = λⱼ·Xⱼ: the additive key shares' public parts. */
  W: ReadonlyMap<number, GroupPoint>;
  deltas: ReadonlyMap<number, bigint>;
  S: ReadonlyMap<number, GroupPoint>;
}

/** conversions.get(r).get(s): what s sent r in round 2. */
type ConversionMatrix = ReadonlyMap<number, ReadonlyMap<number, Conversion>>;

/** Cⱼ (hat = false) or Ĉⱼ (hat = true): Hⱼ·Πₛ Dⱼₛ·Πₛ Fₛⱼ⁻¹ mod Nⱼ². */
function combined(t: PresignTranscript, conversions: ConversionMatrix, j: number, H: bigint, hat: boolean): bigint {
  const { n2 } = t.paillier(j);
  let c = H;
  for (const s of t.signers) {
    if (s === j) continue;
    const received = conversions.get(j)!.get(s)!;
    const sent = conversions.get(s)!.get(j)!;
    c = (c * (hat ? received.DHat : received.D)) % n2;
    c = (c * modInverse(hat ? sent.FHat : sent.F, n2)) % n2;
  }
  return c;
}

function affStatements(t: PresignTranscript, conversions: ConversionMatrix, prover: number, receiver: number): [AffGStatement, AffGStatement] {
  const c = conversions.get(receiver)!.get(prover)!;
  const base = { curve, verifierKey: t.paillier(receiver), proverKey: t.paillier(prover), C: t.K.get(receiver)! };
  return [
    { ...base, D: c.D, Y: c.F, X: t.Gammas.get(prover)! },
    { ...base, D: c.DHat, Y: c.FHat, X: t.W.get(prover)! },
  ];
}

export interface IdentificationSecrets {
  self: number;
  paillier: PaillierSecretKey;
  k: bigint;
  rhoK: bigint;
  gamma: bigint;
  w: bigint;
  /** δᵢ and χᵢ as this party computed them: what its proofs are about (Sᵢ = χᵢ·Γ). */
  delta: bigint;
  chi: bigint;
  sent: ReadonlyMap<number, SentConversion>;
  /** The signed round-2 conversion messages this party received, as received. */
  receivedSigned: ReadonlyMap<number, Uint8Array>;
}

/**
 * This party's identification broadcast: Hᵢ, Ĥᵢ, Π^mul, the signed conversions it received, the
 * conversions it sent, and for each verifier the proofs made against its ring-Pedersen parameters.
 */
export function proveIdentification(t: PresignTranscript, conversions: ConversionMatrix, me: IdentificationSecrets, rng: Rng): Uint8Array {
  const { level } = t;
  const i = me.self;
  const own = me.paillier.publicKey;
  const ctx = t.ctx(i);
  const bits = identificationBits(level, t.signers.length);
  const Ki = t.K.get(i)!;
  const Gi = t.G.get(i)!;
  const rhoH = randomUnit(own.n, rng);
  const H = (modPowSecret(Gi, me.k, own.n2) * modPow(rhoH, own.n, own.n2)) % own.n2;
  const rhoHHat = randomUnit(own.n, rng);
  const HHat = (modPowSecret(Ki, me.w, own.n2) * modPow(rhoHHat, own.n, own.n2)) % own.n2;
  const mul = proveMul(level, ctx, { paillier: own, X: Ki, Y: Gi, C: H }, { x: me.k, rhoX: me.rhoK, rho: rhoH }, rng);
  const C = combined(t, conversions, i, H, false);
  const CHat = combined(t, conversions, i, HHat, true);
  const z = decryptSigned(me.paillier, C);
  const zHat = decryptSigned(me.paillier, CHat);
  const rhoC = nonceOf(me.paillier, C);
  const rhoCHat = nonceOf(me.paillier, CHat);
  const S = t.Gamma.multiply(me.chi);
  const peers = t.signers.filter((x) => x !== i);

  const b = new Writer();
  writeResidue(b, H, own.n2);
  writeResidue(b, HHat, own.n2);
  b.varBytes(encodeMulProof(own, mul));
  for (const s of peers) b.varBytes(me.receivedSigned.get(s)!);
  for (const r of peers) b.varBytes(encodeConversion(me.sent.get(r)!, t.paillier(r), own));
  for (const l of peers) {
    const rp = t.ringPedersen(l);
    const d = new Writer();
    for (const r of peers) {
      if (r === l) continue;
      const sent = me.sent.get(r)!;
      const [stGamma, stW] = affStatements(t, conversions, i, r);
      d.varBytes(encodeAffGProof(stGamma, rp, proveAffG(level, ctx, rp, stGamma, { x: me.gamma, y: sent.y, rho: sent.s, rhoY: sent.r }, rng)));
      d.varBytes(encodeAffGProof(stW, rp, proveAffG(level, ctx, rp, stW, { x: me.w, y: sent.yHat, rho: sent.sHat, rhoY: sent.rHat }, rng)));
    }
    const decSt = { curve, paillier: own, ciphertext: C, x: me.delta, plaintextBits: bits };
    d.varBytes(encodeDecProof(decSt, rp, proveDec(level, ctx, rp, decSt, { y: z, rho: rhoC }, rng)));
    const mulStarSt = { curve, paillier: own, C: Ki, D: HHat, X: t.W.get(i)! };
    d.varBytes(encodeMulStarProof(mulStarSt, rp, proveMulStar(level, ctx, rp, mulStarSt, { x: me.w, rho: rhoHHat }, rng)));
    const logSt = { curve, paillier: own, ciphertext: CHat, base: t.Gamma, X: S, rangeBits: bits };
    d.varBytes(encodeLogStarProof(logSt, rp, proveLogStar(level, ctx, rp, logSt, { x: zHat, rho: rhoCHat }, rng)));
    b.varBytes(d.finish());
  }
  return b.finish();
}

/** A party's identification broadcast, decoded; `forwarded` still carries the senders' signatures. */
export interface IdentificationBroadcast {
  H: bigint;
  HHat: bigint;
  mul: Uint8Array;
  /** The signed round-2 messages the party says it received, by sender. */
  forwarded: Map<number, Uint8Array>;
  /** The conversions the party says it sent, by receiver. */
  sent: Map<number, Conversion>;
  /** The proofs made against each verifier's ring-Pedersen parameters, by verifier. */
  proofs: Map<number, Uint8Array>;
}

export function decodeIdentificationBroadcast(t: PresignTranscript, from: number, bytes: Uint8Array): IdentificationBroadcast {
  const key = t.paillier(from);
  const peers = t.signers.filter((x) => x !== from);
  const r = new Reader(bytes);
  const H = readResidue(r, key.n2);
  const HHat = readResidue(r, key.n2);
  const mul = r.varBytes(1 << 20);
  const forwarded = new Map(peers.map((s) => [s, r.varBytes(1 << 20)] as const));
  const sent = new Map(peers.map((to) => [to, decodeConversion(r.varBytes(1 << 20), t.paillier(to), key)] as const));
  const proofs = new Map(peers.map((l) => [l, r.varBytes(1 << 22)] as const));
  r.end();
  return { H, HHat, mul, forwarded, sent, proofs };
}

/**
 * Opens a forwarded round-2 message from `sender` to `receiver`: the conversion's bytes, or
 * undefined when the sender's signature does not verify; throws when the signed payload is malformed.
 */
export type OpenConversion = (sender: number, receiver: number, signed: Uint8Array) => Uint8Array | undefined;

function sameConversion(a: Conversion, b: Conversion): boolean {
  return a.D === b.D && a.F === b.F && a.DHat === b.DHat && a.FHat === b.FHat;
}

/**
 * The verdict of identification, from every signer's identification broadcast (payloads, the
 * same at every honest party after the echo): each culprit with why. `skip` is a party whose
 * proofs need no check (the caller itself, whose proofs are honest). Deterministic, so every
 * honest party, and every peer that repeats it on a complaint's evidence, names the same set.
 */
export function identifyCulprits(t: PresignTranscript, payloads: ReadonlyMap<number, Uint8Array>, open: OpenConversion, skip: number): Map<number, string> {
  const culprits = new Map<number, string>();
  const broadcasts = new Map<number, IdentificationBroadcast>();
  for (const j of t.signers) {
    try {
      broadcasts.set(j, decodeIdentificationBroadcast(t, j, payloads.get(j)!));
    } catch {
      culprits.set(j, 'malformed identification broadcast');
    }
  }
  // Without every broadcast there is no full matrix; the malformed ones are the verdict.
  if (culprits.size > 0) return culprits;
  const matrix = new Map<number, Map<number, Conversion>>();
  for (const r of t.signers) {
    const row = new Map<number, Conversion>();
    for (const s of t.signers) {
      if (s === r) continue;
      const own = broadcasts.get(s)!.sent.get(r)!;
      let received: Conversion | undefined;
      try {
        const bytes = open(s, r, broadcasts.get(r)!.forwarded.get(s)!);
        if (bytes) received = decodeConversion(bytes, t.paillier(r), t.paillier(s));
        else culprits.set(r, `forwarded a conversion that party ${s} did not sign`);
      } catch {
        // validly signed but malformed: only its signer can have made it
        culprits.set(s, `signed a malformed conversion for party ${r}`);
      }
      if (received && !sameConversion(received, own)) culprits.set(s, `re-published a conversion for party ${r} other than the one it signed`);
      row.set(s, received ?? own);
    }
    matrix.set(r, row);
  }
  for (const j of t.signers) {
    if (j === skip || culprits.has(j)) continue;
    const why = checkProver(t, matrix, j, broadcasts.get(j)!);
    if (why) culprits.set(j, why);
  }
  return culprits;
}

/** Every proof of party j, for every verifier: why j is convicted, or undefined. */
function checkProver(t: PresignTranscript, matrix: ConversionMatrix, j: number, b: IdentificationBroadcast): string | undefined {
  const key = t.paillier(j);
  try {
    if (!isValidCiphertext(key, b.H) || !isValidCiphertext(key, b.HHat)) return 'Hⱼ or Ĥⱼ is not a ciphertext';
    if (!verifyMul(t.level, t.ctx(j), { paillier: key, X: t.K.get(j)!, Y: t.G.get(j)!, C: b.H }, decodeMulProof(t.level, key, b.mul))) {
      return 'Π^mul for Hⱼ does not verify';
    }
    for (const l of t.signers) {
      if (l === j) continue;
      const why = checkIdentification(t, matrix, l, j, b, b.proofs.get(l)!);
      if (why) return `${why} (proofs for party ${l})`;
    }
  } catch {
    return 'malformed identification proofs';
  }
  return undefined;
}

/**
 * Verifies party j's identification proofs for verifier `verifier` (against its ring-Pedersen
 * parameters); returns why j is convicted, or undefined when every proof holds. `conversions`
 * must be complete; malformed encodings throw, which the caller attributes to j.
 */
export function checkIdentification(
  t: PresignTranscript,
  conversions: ConversionMatrix,
  verifier: number,
  j: number,
  broadcast: IdentificationBroadcast,
  proofs: Uint8Array,
): string | undefined {
  const { level } = t;
  const key = t.paillier(j);
  const rp = t.ringPedersen(verifier);
  const ctx = t.ctx(j);
  const bits = identificationBits(level, t.signers.length);
  const Kj = t.K.get(j)!;
  const { H, HHat } = broadcast;
  const r = new Reader(proofs);
  for (const receiver of t.signers) {
    if (receiver === j || receiver === verifier) continue;
    const [stGamma, stW] = affStatements(t, conversions, j, receiver);
    if (!verifyAffG(level, ctx, rp, stGamma, decodeAffGProof(level, stGamma, rp, r.varBytes(1 << 20)))) {
      return `Π^aff-g for the γ conversion sent to party ${receiver} does not verify`;
    }
    if (!verifyAffG(level, ctx, rp, stW, decodeAffGProof(level, stW, rp, r.varBytes(1 << 20)))) {
      return `Π^aff-g for the key-share conversion sent to party ${receiver} does not verify`;
    }
  }
  const decSt = { curve, paillier: key, ciphertext: combined(t, conversions, j, H, false), x: t.deltas.get(j)!, plaintextBits: bits };
  const dec = decodeDecProof(level, decSt, rp, r.varBytes(1 << 20));
  const mulStarSt = { curve, paillier: key, C: Kj, D: HHat, X: t.W.get(j)! };
  const mulStar = decodeMulStarProof(level, mulStarSt, rp, r.varBytes(1 << 20));
  const logSt = { curve, paillier: key, ciphertext: combined(t, conversions, j, HHat, true), base: t.Gamma, X: t.S.get(j)!, rangeBits: bits };
  const logStar = decodeLogStarProof(level, logSt, rp, r.varBytes(1 << 20));
  r.end();
  if (!verifyDec(level, ctx, rp, decSt, dec)) return 'Π^dec: δⱼ is not the decryption of its MtA sum';
  if (!verifyMulStar(level, ctx, rp, mulStarSt, mulStar)) return 'Π^mul* for Ĥⱼ does not verify';
  if (!verifyLogStar(level, ctx, rp, logSt, logStar)) return 'Π^log*: Sⱼ is not χⱼ·Γ';
  return undefined;
}
