/**
 * CGGMP presigning (eprint 2021/060, Fig. 7) for t-of-n keys: the signers turn their Shamir
 * shares into additive ones (wᵢ = λᵢ·xᵢ) and jointly produce a presignature (R, kᵢ, χᵢ) with
 * R = k⁻¹·G and Σχᵢ = k·x, without anyone learning k or x.
 *
 * Round 1: Kᵢ = encᵢ(kᵢ), Gᵢ = encᵢ(γᵢ) and the bound digest (if any) broadcast; Π^enc for Kᵢ
 *   to each peer (against the peer's ring-Pedersen parameters).
 * Round 2: Γᵢ = γᵢ·G broadcast, with an echo of round 1. To each peer j, two multiplicative-to-
 *   additive conversions against Kⱼ — Dⱼᵢ = Kⱼ^γᵢ·encⱼ(yᵢⱼ), Fⱼᵢ = encᵢ(yᵢⱼ) and the same with wᵢ
 *   — signed (so that j can later show what it received), each with Π^aff-g, and Π^log* that
 *   Gᵢ encrypts the discrete log of Γᵢ.
 * Round 3: Γ = ΣΓⱼ, Δᵢ = kᵢ·Γ, δᵢ = kᵢγᵢ + Σⱼ(αᵢⱼ − yᵢⱼ), χᵢ = kᵢwᵢ + Σⱼ(α̂ᵢⱼ − ŷᵢⱼ), Sᵢ = χᵢ·Γ
 *   broadcast; Π^log* that Kᵢ encrypts the discrete log of Δᵢ to base Γ, to each peer.
 * Round 4: an echo of round 3, so that every honest party decides on the same δⱼ, Δⱼ, Sⱼ.
 * Output: δ = Σδⱼ with δ·G = ΣΔⱼ and ΣSⱼ = δ·X checked; R = δ⁻¹·Γ.
 * Round 5, only when a check fails: the identification step (presign-identification.ts), one
 *   signed broadcast per party. Round 6: an echo of round 5, after which every honest party
 *   computes the same verdict from the same bytes; the abort carries those signed broadcasts, so
 *   a peer that did not see them all repeats identification on the complaint and agrees.
 *
 * Every proof is bound to the session, the prover, the key, and a digest of the setup: every
 * party's auxiliary information (N, s, t) and the signer set.
 *
 * Every proof failure and malformed message names its sender. Round 4 costs one message
 * exchange on every run; presignatures are made ahead of time, so it costs no signing latency.
 */
import { decryptSigned, encrypt, encryptRandom, type PaillierPublicKey } from '../../paillier/paillier.js';
import { randomSymmetric, randomUnit } from '../../bigint/arith.js';
import { readResidue, writeResidue, writeSigned } from '../../bigint/codec.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { equalBytes, utf8 } from '../../bytes.js';
import { modPowSecret } from '../../bigint/node-crypto.js';
import { Reader, Writer } from '../../engine/codec.js';
import { blame, withEvidence } from '../../engine/errors.js';
import { type BroadcastSlot, type OpenedBroadcast, type PartyIdentity, checkEcho, encodeEcho, judgeEquivocation, openBroadcast, openForwarded, ownBroadcast, signBroadcast } from '../../engine/identity.js';
import { type Complaint, type Inbox, type Outgoing, type RoundResult, type Rng, type SessionRegistry, type Verdict, RoundBasedProtocol, decodeFrom, falseComplaint, partySet, recheck } from '../../engine/protocol.js';
import { type GroupPoint, SECP256K1, invert, mod, randomScalar } from '../../math/curve.js';
import { lagrangeAtZero } from '../../math/polynomial.js';
import { sharedKeyPoint } from '../../math/key-table.js';
import { decodeAffGProof, encodeAffGProof, proveAffG, verifyAffG } from '../../proofs/affine-group.js';
import { decodeEncProof, encodeEncProof, proveEnc, verifyEnc } from '../../proofs/paillier-encryption-range.js';
import { decodeLogStarProof, encodeLogStarProof, proveLogStar, verifyLogStar } from '../../proofs/log-star.js';
import type { ProofContext } from '../../proofs/paillier-context.js';
import { pow2 } from '../../proofs/integer-challenge.js';
import { type KeyShare, evaluationPoint } from '../key-share.js';
import type { AuxInfo } from './aux-info.js';
import { Presignature } from './presignature.js';
import {
  type Conversion,
  type PresignTranscript,
  type SentConversion,
  decodeConversion,
  encodeConversion,
  identifyCulprits,
  proveIdentification,
} from './presign-identification.js';

const curve = SECP256K1;
const q = curve.order;

export interface PresignConfig {
  /** This party's used-session registry; the instance refuses to start under a used id. */
  sessions: SessionRegistry;
  key: KeyShare;
  aux: AuxInfo;
  /** The signing set (at least the threshold), including this party. */
  signers: readonly number[];
  session: Uint8Array;
  identity: PartyIdentity;
  rng: Rng;
  /**
   * The only 32-byte digest the presignature may sign, fixed before R exists (EcdsaSignRawDigest);
   * absent for a pooled presignature, which signs only through a hashing entry. Every signer
   * must be given the same value: it is in the signed round-1 broadcast and compared there.
   */
  boundDigest?: Uint8Array;
}

const ROUNDS = [
  { broadcast: true, direct: true },
  { broadcast: true, direct: true },
  { broadcast: true, direct: true },
  { broadcast: true, direct: false }, // echo of round 3
  { broadcast: true, direct: false }, // identification, only after a failed check
  { broadcast: true, direct: false }, // echo of round 5
] as const;

/** What each signer broadcasts in round 3. */
export interface Round3Values {
  delta: bigint;
  Delta: GroupPoint;
  S: GroupPoint;
}

/** The fields of a round-2 direct message (inside its signature). */
function round2Fields(payload: Uint8Array): { conversion: Uint8Array; psi: Uint8Array; psiHat: Uint8Array; psiPrime: Uint8Array } {
  const r = new Reader(payload);
  const out = { conversion: r.varBytes(1 << 20), psi: r.varBytes(1 << 20), psiHat: r.varBytes(1 << 20), psiPrime: r.varBytes(1 << 20) };
  r.end();
  return out;
}

/**
 * What every proof of a presigning run binds besides session, prover and key: each party's
 * auxiliary information (N, s, t) and the signer set, so that a proof never verifies for another
 * set of parameters or signers.
 */
function setupDigest(aux: AuxInfo, signers: readonly number[]): Uint8Array {
  const w = new Writer().varBytes(utf8('mpc-wallet/v1/cggmp-presign/setup')).varBytes(utf8(aux.level.name)).u16(aux.parties.size);
  for (const [id, p] of [...aux.parties].sort((a, b) => a[0] - b[0])) {
    w.u16(id);
    for (const x of [p.ringPedersen.n, p.ringPedersen.s, p.ringPedersen.t, p.paillier.n]) writeSigned(w, x);
  }
  w.u16(signers.length);
  for (const j of signers) w.u16(j);
  return sha512(w.finish());
}

interface PeerRound1 {
  K: bigint;
  G: bigint;
  /** The sender's bound digest, empty for a pooled presignature. */
  bound: Uint8Array;
}

export class PresignProtocol extends RoundBasedProtocol<Presignature> {
  private readonly cfg: PresignConfig;
  private readonly signers: number[];
  private w: bigint;
  private readonly bound: Uint8Array;
  private readonly W = new Map<number, GroupPoint>();
  private k = 0n;
  private gamma = 0n;
  private rhoK = 0n;
  private nuG = 0n;
  private K = 0n;
  private G = 0n;
  private readonly r1 = new Map<number, PeerRound1>();
  private readonly seen1 = new Map<number, OpenedBroadcast>();
  /** Round-2 conversions this party sent (with their witnesses) and received (signed, and opened). */
  private readonly conversionsOut = new Map<number, SentConversion>();
  private readonly signedRound2In = new Map<number, Uint8Array>();
  private readonly conversionsIn = new Map<number, Conversion>();
  private readonly Gammas = new Map<number, GroupPoint>();
  private Gamma: GroupPoint | undefined;
  private delta = 0n;
  private chi = 0n;
  private readonly seen3 = new Map<number, OpenedBroadcast>();
  private readonly deltaShares = new Map<number, bigint>();
  private readonly Deltas = new Map<number, GroupPoint>();
  private readonly Ss = new Map<number, GroupPoint>();
  /** Why the consistency check failed, for the verdict after identification. */
  private failure = '';
  /** The signed identification broadcasts (this party's own included), and what the echo reports. */
  private readonly signed5 = new Map<number, Uint8Array>();
  private readonly seen5 = new Map<number, OpenedBroadcast>();
  /** Digest of every party's auxiliary information and of the signer set, bound into every proof. */
  private readonly setup: Uint8Array;

  constructor(cfg: PresignConfig) {
    super(`cggmp-presign/${cfg.aux.level.name}`, cfg.session, cfg.key.self, ROUNDS, cfg.sessions);
    this.cfg = cfg;
    const { key, aux } = cfg;
    if (key.curve !== 'secp256k1') throw new RangeError('CGGMP signs with secp256k1 keys');
    if (key.evaluationPoints) throw new RangeError('an imported share must be reshared before it signs');
    this.signers = partySet(cfg.signers, 'signers');
    if (this.signers.length < key.threshold) throw new RangeError('fewer signers than the threshold');
    if (!this.signers.includes(this.self)) throw new RangeError('this party is not a signer');
    for (const j of this.signers) {
      if (!key.verificationShares.has(j)) throw new RangeError(`signer ${j} is not in the committee`);
      if (!aux.parties.has(j)) throw new RangeError(`no auxiliary information for signer ${j}`);
      if (!cfg.identity.publicKeys.has(j)) throw new RangeError(`no identity key for signer ${j}`);
    }
    if (aux.self !== this.self) throw new RangeError('auxiliary information of another party');
    if (cfg.boundDigest && cfg.boundDigest.length !== 32) throw new RangeError('the bound digest must be 32 bytes');
    this.bound = cfg.boundDigest?.slice() ?? new Uint8Array(0);
    const xs = this.signers.map((j) => evaluationPoint(key, j));
    for (const j of this.signers) {
      const lambda = lagrangeAtZero(curve, evaluationPoint(key, j), xs);
      this.W.set(j, key.verificationShares.get(j)!.multiplyUnsafe(lambda));
    }
    this.w = mod(lagrangeAtZero(curve, evaluationPoint(key, this.self), xs) * key.secretShare, q);
    this.setup = setupDigest(aux, this.signers);
  }

  protected isParticipant(id: number): boolean {
    return this.signers.includes(id);
  }

  protected sendersOf(): readonly number[] {
    return this.signers.filter((j) => j !== this.self);
  }

  private slot(round: number, from: number, to?: number): BroadcastSlot {
    return { protocol: this.protocol, session: this.session, round, from, to };
  }

  private ctx(prover: number): ProofContext {
    return { sessionId: this.session, prover, keyId: curve.encodePoint(this.cfg.key.publicKey), setup: this.setup };
  }

  private keyOf(j: number): PaillierPublicKey {
    return this.cfg.aux.parties.get(j)!.paillier;
  }

  private rpOf(j: number) {
    return this.cfg.aux.parties.get(j)!.ringPedersen;
  }

  private get level() {
    return this.cfg.aux.level;
  }

  private get own(): PaillierPublicKey {
    return this.cfg.aux.paillier.publicKey;
  }

  protected onStart(): RoundResult<Presignature> {
    const { rng } = this.cfg;
    this.k = randomScalar(curve, rng);
    this.gamma = randomScalar(curve, rng);
    const K = encryptRandom(this.own, this.k, rng);
    const G = encryptRandom(this.own, this.gamma, rng);
    [this.K, this.rhoK, this.G, this.nuG] = [K.ciphertext, K.nonce, G.ciphertext, G.nonce];
    const w = new Writer();
    writeResidue(w, this.K, this.own.n2);
    writeResidue(w, this.G, this.own.n2);
    const payload = w.varBytes(this.bound).finish();
    const signed = signBroadcast(this.cfg.identity.secretKey, this.slot(1, this.self), payload);
    // Our own round-1 broadcast, as the echo in round 2 reports it.
    this.seen1.set(this.self, ownBroadcast(signed, this.self));
    const outgoing: Outgoing[] = [{ to: null, payload: signed }];
    for (const j of this.sendersOf()) {
      const proof = proveEnc(this.level, this.ctx(this.self), this.rpOf(j), { paillier: this.own, ciphertext: this.K }, { k: this.k, rho: this.rhoK }, rng);
      outgoing.push({ to: j, payload: this.signDirect(1, j, encodeEncProof(this.own, this.rpOf(j), proof)) });
    }
    return { outgoing };
  }

  protected onRound(round: number, inbox: Inbox): RoundResult<Presignature> {
    if (round === 1) return this.round2(inbox);
    if (round === 2) return this.round3(inbox);
    if (round === 3) return this.round4(inbox);
    if (round === 4) return this.decide(inbox);
    if (round === 5) return this.echoIdentification(inbox);
    return this.identify(inbox);
  }

  /**
   * Direct messages are signed for their recipient, so that a recipient that finds one wrong can
   * show it to every peer (see judgeComplaint): its complaint carries the sender's signed
   * broadcast and direct message of that round.
   */
  private signDirect(round: number, to: number, payload: Uint8Array): Uint8Array {
    return signBroadcast(this.cfg.identity.secretKey, this.slot(round, this.self, to), payload);
  }

  /**
   * Opens the round's signed messages from j and runs `check` on their payloads; a failure
   * carries both signed messages as evidence. Returns the check's result and j's opened broadcast.
   */
  private checked<V>(round: number, j: number, inbox: Inbox, check: (broadcast: Uint8Array, direct: Uint8Array) => V): { value: V; opened: OpenedBroadcast } {
    const broadcast = inbox.broadcast.get(j)!;
    const direct = inbox.direct.get(j)!;
    const opened = openBroadcast(this.cfg.identity, this.slot(round, j), broadcast);
    const { payload } = openBroadcast(this.cfg.identity, this.slot(round, j, this.self), direct);
    const evidence = new Writer().u8(round).varBytes(broadcast).varBytes(direct).finish();
    return { value: withEvidence(evidence, () => check(opened.payload, payload)), opened };
  }

  /** Kⱼ, this party's own included. */
  private kCiphertext(j: number): bigint {
    return j === this.self ? this.K : this.r1.get(j)!.K;
  }

  private decodeRound1(j: number, payload: Uint8Array): PeerRound1 {
    const Nj = this.keyOf(j);
    return decodeFrom(j, 'round-1 ciphertexts', () => {
      const r = new Reader(payload);
      const out = { K: readResidue(r, Nj.n2), G: readResidue(r, Nj.n2), bound: r.varBytes(32) };
      r.end();
      return out;
    });
  }

  /** Round 1 from j as verifier v sees it: Π^enc for Kⱼ against v's parameters. */
  private checkRound1(j: number, v: number, broadcast: Uint8Array, direct: Uint8Array): PeerRound1 {
    const { level } = this;
    const rp = this.rpOf(v);
    const Nj = this.keyOf(j);
    const r1 = this.decodeRound1(j, broadcast);
    const proof = decodeFrom(j, 'Π^enc', () => decodeEncProof(level, Nj, rp, direct));
    if (!verifyEnc(level, this.ctx(j), rp, { paillier: Nj, ciphertext: r1.K }, proof)) blame('bad-proof', j, 'Π^enc does not verify');
    return r1;
  }

  private round2(inbox: Inbox): RoundResult<Presignature> {
    const { level } = this;
    for (const j of this.sendersOf()) {
      const { value, opened } = this.checked(1, j, inbox, (b, d) => this.checkRound1(j, this.self, b, d));
      this.seen1.set(j, opened);
      this.r1.set(j, value);
    }
    // Signers told different digests (or one pooled, one bound) must not presign: no culprit,
    // since a coordinator may have told honest signers different things.
    for (const [j, { bound }] of this.r1) {
      if (!equalBytes(bound, this.bound)) blame('presign-disagreement', [], `party ${j} was given a different bound digest`);
    }

    const GammaI = curve.mulBase(this.gamma);
    this.Gammas.set(this.self, GammaI);
    const bw = new Writer().point(curve, GammaI).varBytes(encodeEcho(this.seen1));
    const outgoing: Outgoing[] = [{ to: null, payload: signBroadcast(this.cfg.identity.secretKey, this.slot(2, this.self), bw.finish()) }];
    const { rng } = this.cfg;
    for (const j of this.sendersOf()) {
      const Nj = this.keyOf(j);
      const rpj = this.rpOf(j);
      const Kj = this.r1.get(j)!.K;
      const mta = (x: bigint, X: GroupPoint) => {
        const y = randomSymmetric(pow2(level.ellPrime), rng);
        const s = randomUnit(Nj.n, rng);
        const r = randomUnit(this.own.n, rng);
        const D = (modPowSecret(Kj, x, Nj.n2) * encrypt(Nj, y, s)) % Nj.n2;
        const F = encrypt(this.own, y, r);
        const st = { curve, verifierKey: Nj, proverKey: this.own, C: Kj, D, Y: F, X };
        const proof = proveAffG(level, this.ctx(this.self), rpj, st, { x, y, rho: s, rhoY: r }, rng);
        return { D, F, y, s, r, proof: encodeAffGProof(st, rpj, proof) };
      };
      const a = mta(this.gamma, GammaI);
      const b = mta(this.w, this.W.get(this.self)!);
      const sent: SentConversion = { D: a.D, F: a.F, y: a.y, s: a.s, r: a.r, DHat: b.D, FHat: b.F, yHat: b.y, sHat: b.s, rHat: b.r };
      this.conversionsOut.set(j, sent);
      const logStar = proveLogStar(
        level,
        this.ctx(this.self),
        rpj,
        { curve, paillier: this.own, ciphertext: this.G, base: curve.base, X: GammaI },
        { x: this.gamma, rho: this.nuG },
        rng,
      );
      const d = new Writer()
        .varBytes(encodeConversion(sent, Nj, this.own))
        .varBytes(a.proof)
        .varBytes(b.proof)
        .varBytes(encodeLogStarProof({ curve, paillier: this.own }, rpj, logStar));
      outgoing.push({ to: j, payload: this.signDirect(2, j, d.finish()) });
    }
    return { outgoing };
  }

  private decodeRound2(j: number, payload: Uint8Array): { Gamma: GroupPoint; echo: Uint8Array } {
    return decodeFrom(j, 'round-2 broadcast', () => {
      const r = new Reader(payload);
      const out = { Gamma: r.point(curve), echo: r.varBytes(1 << 16) };
      r.end();
      return out;
    });
  }

  /**
   * Round 2 from j as verifier v sees it: j's echo of round 1, then the conversions j sent v,
   * with both Π^aff-g against Kᵥ and Π^log* that Gⱼ encrypts the discrete log of Γⱼ.
   */
  private checkRound2(j: number, v: number, broadcast: Uint8Array, direct: Uint8Array): { Gamma: GroupPoint; conversion: Conversion } {
    const { level } = this;
    const rp = this.rpOf(v);
    const Nv = this.keyOf(v);
    const Nj = this.keyOf(j);
    const Kv = this.kCiphertext(v);
    const { Gamma, echo } = this.decodeRound2(j, broadcast);
    checkEcho(this.cfg.identity, (id) => this.slot(1, id), this.seen1, j, echo);
    const m = decodeFrom(j, 'round-2 conversions', () => {
      const fields = round2Fields(direct);
      const c = decodeConversion(fields.conversion, Nv, Nj);
      const stA = { curve, verifierKey: Nv, proverKey: Nj, C: Kv, D: c.D, Y: c.F, X: Gamma };
      const stB = { curve, verifierKey: Nv, proverKey: Nj, C: Kv, D: c.DHat, Y: c.FHat, X: this.W.get(j)! };
      return {
        c,
        stA,
        stB,
        psi: decodeAffGProof(level, stA, rp, fields.psi),
        psiHat: decodeAffGProof(level, stB, rp, fields.psiHat),
        psiPrime: decodeLogStarProof(level, { curve, paillier: Nj }, rp, fields.psiPrime),
      };
    });
    if (!verifyAffG(level, this.ctx(j), rp, m.stA, m.psi)) blame('bad-proof', j, 'Π^aff-g for γ does not verify');
    if (!verifyAffG(level, this.ctx(j), rp, m.stB, m.psiHat)) blame('bad-proof', j, 'Π^aff-g for the key share does not verify');
    const G = j === this.self ? this.G : this.r1.get(j)!.G;
    if (!verifyLogStar(level, this.ctx(j), rp, { curve, paillier: Nj, ciphertext: G, base: curve.base, X: Gamma }, m.psiPrime)) {
      blame('bad-proof', j, 'Π^log* for Γ does not verify');
    }
    return { Gamma, conversion: m.c };
  }

  private round3(inbox: Inbox): RoundResult<Presignature> {
    const { level } = this;
    const own = this.own;
    const sk = this.cfg.aux.paillier;
    let delta = this.k * this.gamma;
    let chi = this.k * this.w;
    for (const j of this.sendersOf()) {
      const { Gamma, conversion: c } = this.checked(2, j, inbox, (b, d) => this.checkRound2(j, this.self, b, d)).value;
      this.Gammas.set(j, Gamma);
      this.signedRound2In.set(j, inbox.direct.get(j)!);
      this.conversionsIn.set(j, c);
      const sent = this.conversionsOut.get(j)!;
      delta += decryptSigned(sk, c.D) - sent.y;
      chi += decryptSigned(sk, c.DHat) - sent.yHat;
    }
    const Gamma = this.signers.reduce((acc, j) => acc.add(this.Gammas.get(j)!), curve.identity);
    if (Gamma.is0()) blame('presign-inconsistent', [], 'Γ is the identity');
    this.Gamma = Gamma;
    this.delta = mod(delta, q);
    this.chi = mod(chi, q);
    // χᵢ = 0 happens with probability 2⁻²⁵⁶ and no peer can force it without kᵢ.
    if (this.chi === 0n) blame('presign-inconsistent', [], 'degenerate χ');
    const announced = this.announce({ delta: this.delta, Delta: Gamma.multiply(this.k), S: Gamma.multiply(this.chi) });
    const bw = new Writer().scalar(curve, announced.delta).point(curve, announced.Delta).point(curve, announced.S);
    const signed = signBroadcast(this.cfg.identity.secretKey, this.slot(3, this.self), bw.finish());
    this.seen3.set(this.self, ownBroadcast(signed, this.self));
    const outgoing: Outgoing[] = [{ to: null, payload: signed }];
    for (const j of this.sendersOf()) {
      const rpj = this.rpOf(j);
      const st = { curve, paillier: own, ciphertext: this.K, base: Gamma, X: announced.Delta };
      const proof = proveLogStar(level, this.ctx(this.self), rpj, st, { x: this.k, rho: this.rhoK }, this.cfg.rng);
      outgoing.push({ to: j, payload: this.signDirect(3, j, encodeLogStarProof({ curve, paillier: own }, rpj, proof)) });
    }
    this.deltaShares.set(this.self, announced.delta);
    this.Deltas.set(this.self, announced.Delta);
    this.Ss.set(this.self, announced.S);
    return { outgoing };
  }

  /**
   * The round-3 values this party announces: δᵢ, Δᵢ = kᵢ·Γ, Sᵢ = χᵢ·Γ as computed. A seam for
   * adversarial tests, whose cheating party announces other values (signed and with its other
   * proofs as an honest party makes them) to show that identification convicts it.
   */
  protected announce(values: Round3Values): Round3Values {
    return values;
  }

  private decodeRound3(j: number, payload: Uint8Array): Round3Values {
    return decodeFrom(j, 'round-3 broadcast', () => {
      const r = new Reader(payload);
      const out = { delta: r.scalar(curve), Delta: r.point(curve), S: r.point(curve) };
      r.end();
      return out;
    });
  }

  /** Round 3 from j as verifier v sees it: Π^log* that Kⱼ encrypts the discrete log of Δⱼ to base Γ. */
  private checkRound3(j: number, v: number, broadcast: Uint8Array, direct: Uint8Array): Round3Values {
    const { level } = this;
    const rp = this.rpOf(v);
    const Nj = this.keyOf(j);
    const b = this.decodeRound3(j, broadcast);
    const proof = decodeFrom(j, 'Π^log*', () => decodeLogStarProof(level, { curve, paillier: Nj }, rp, direct));
    if (!verifyLogStar(level, this.ctx(j), rp, { curve, paillier: Nj, ciphertext: this.kCiphertext(j), base: this.Gamma!, X: b.Delta }, proof)) {
      blame('bad-proof', j, 'Π^log* for Δ does not verify');
    }
    return b;
  }

  private round4(inbox: Inbox): RoundResult<Presignature> {
    for (const j of this.sendersOf()) {
      const { value: b, opened } = this.checked(3, j, inbox, (bc, d) => this.checkRound3(j, this.self, bc, d));
      this.seen3.set(j, opened);
      this.deltaShares.set(j, b.delta);
      this.Deltas.set(j, b.Delta);
      this.Ss.set(j, b.S);
    }
    return { outgoing: [{ to: null, payload: encodeEcho(this.seen3) }] };
  }

  private decide(inbox: Inbox): RoundResult<Presignature> {
    for (const j of this.sendersOf()) checkEcho(this.cfg.identity, (id) => this.slot(3, id), this.seen3, j, inbox.broadcast.get(j)!);
    const Gamma = this.Gamma!;
    const delta = this.signers.reduce((acc, j) => mod(acc + this.deltaShares.get(j)!, q), 0n);
    const DeltaSum = this.signers.reduce((acc, j) => acc.add(this.Deltas.get(j)!), curve.identity);
    const SSum = this.signers.reduce((acc, j) => acc.add(this.Ss.get(j)!), curve.identity);
    if (delta === 0n || !curve.mulBase(delta).equals(DeltaSum)) this.failure = 'δ·G does not match ΣΔ';
    else if (!SSum.equals(this.cfg.key.publicKey.multiply(delta))) this.failure = 'ΣS does not match δ·X';
    if (this.failure) {
      // Every honest party saw the same round-3 values (round 4), so all of them go on to identify.
      const matrix = new Map<number, Map<number, Conversion>>([[this.self, this.conversionsIn]]);
      for (const [r, c] of this.conversionsOut) matrix.set(r, new Map([[this.self, c]]));
      const payload = proveIdentification(this.transcript(), matrix, this.identificationSecrets(), this.cfg.rng);
      // The proofs are made: no secret of this run is needed any more.
      this.eraseSecrets();
      const signed = signBroadcast(this.cfg.identity.secretKey, this.slot(5, this.self), payload);
      this.signed5.set(this.self, signed);
      this.seen5.set(this.self, ownBroadcast(signed, this.self));
      return { outgoing: [{ to: null, payload: signed }] };
    }
    const R = Gamma.multiply(invert(delta, q));
    const k = this.k;
    const chi = this.chi;
    this.eraseSecrets();
    return {
      output: new Presignature(
        this.self,
        {
          R,
          Gamma,
          publicKey: sharedKeyPoint(curve, this.cfg.key.publicKey),
          signers: this.signers,
          Delta: new Map(this.Deltas),
          S: new Map(this.Ss),
          boundDigest: this.bound.length ? this.bound.slice() : undefined,
        },
        k,
        chi,
      ),
    };
  }

  /** Round 5: the identification broadcasts, signed; echoed so that every honest party judges the same bytes. */
  private echoIdentification(inbox: Inbox): RoundResult<Presignature> {
    for (const j of this.sendersOf()) {
      const signed = inbox.broadcast.get(j)!;
      this.seen5.set(j, openBroadcast(this.cfg.identity, this.slot(5, j), signed));
      this.signed5.set(j, signed);
    }
    return { outgoing: [{ to: null, payload: encodeEcho(this.seen5) }] };
  }

  private identify(inbox: Inbox): RoundResult<Presignature> {
    for (const j of this.sendersOf()) checkEcho(this.cfg.identity, (id) => this.slot(5, id), this.seen5, j, inbox.broadcast.get(j)!);
    const payloads = new Map([...this.seen5].map(([j, b]) => [j, b.payload] as const));
    const culprits = this.verdict(payloads);
    const ids = [...culprits.keys()].sort((a, b) => a - b);
    blame('presign-inconsistent', ids, this.reason(culprits), this.encodeIdentificationEvidence());
  }

  /** Identification's verdict on the round-5 payloads (presign-identification.ts). */
  private verdict(payloads: ReadonlyMap<number, Uint8Array>): Map<number, string> {
    const open = (s: number, r: number, signed: Uint8Array) => {
      const opened = openForwarded(this.cfg.identity, this.slot(2, s, r), signed);
      return opened && round2Fields(opened.payload).conversion;
    };
    return identifyCulprits(this.transcript(), payloads, open, this.self);
  }

  private reason(culprits: ReadonlyMap<number, string>): string {
    const ids = [...culprits.keys()].sort((a, b) => a - b);
    const found = ids.map((id) => `party ${id}: ${culprits.get(id)}`).join('; ');
    return `${this.failure}; identification ${ids.length ? `convicts ${found}` : 'convicts nobody'}`;
  }

  /** Every signer's signed identification broadcast: what a peer needs to repeat identification. */
  private encodeIdentificationEvidence(): Uint8Array {
    const w = new Writer().u16(this.signers.length);
    for (const j of this.signers) w.u16(j).varBytes(this.signed5.get(j)!);
    return w.finish();
  }

  /**
   * A `presign-inconsistent` complaint carries every signed identification broadcast. This party
   * repeats identification on them and convicts whom it convicts, and the complainer too if it
   * reported other culprits; evidence that is not every signer's signed broadcast convicts the
   * complainer alone, and a broadcast that differs from the one this party holds convicts its
   * signer of equivocation. Until this party has decided (round 4), the complaint waits.
   */
  private judgeIdentification(from: number, complaint: Complaint): Verdict | undefined {
    if (!this.failure) return undefined;
    const payloads = new Map<number, Uint8Array>();
    try {
      const r = new Reader(complaint.evidence);
      const n = r.u16();
      if (n !== this.signers.length) throw new RangeError('wrong number of broadcasts');
      for (const j of this.signers) {
        if (r.u16() !== j) throw new RangeError('broadcasts out of order');
        const signed = r.varBytes(complaint.evidence.length);
        const opened = openForwarded(this.cfg.identity, this.slot(5, j), signed);
        if (!opened) throw new RangeError('bad signature');
        const mine = this.seen5.get(j);
        if (mine && !equalBytes(mine.digest, opened.digest)) {
          return { code: 'equivocation', culprits: [j], reason: `party ${j} signed two different round-5 broadcasts (reported by ${from})` };
        }
        payloads.set(j, opened.payload);
      }
      r.end();
    } catch {
      return falseComplaint(from, complaint.culprits[0] ?? from);
    }
    const culprits = this.verdict(payloads);
    const ids = [...culprits.keys()].sort((a, b) => a - b);
    if (ids.length !== complaint.culprits.length || ids.some((id, i) => id !== complaint.culprits[i])) {
      // A false report convicts its sender, but the verdict stays the one every honest party
      // computes from these broadcasts: a false complaint must not let the true culprits go.
      // (A party that computed the verdict itself before the complaint came names only those.)
      culprits.set(from, 'reported an identification verdict that its evidence does not give');
    }
    return { code: 'presign-inconsistent', culprits: [...culprits.keys()], reason: `${this.reason(culprits)} (reported by ${from}, checked here)` };
  }

  /**
   * A complaint about a round-1, -2 or -3 message carries the accused's signed broadcast and
   * direct message of that round; this party repeats the complainer's check as the complainer
   * (against its parameters) and convicts the accused, or the complainer if the check passes.
   * The check needs what this party learned up to that round; until then the complaint waits.
   */
  protected override judgeComplaint(from: number, complaint: Complaint): Verdict | undefined {
    if (complaint.code === 'presign-inconsistent' && complaint.evidence.length > 0) return this.judgeIdentification(from, complaint);
    const [accused] = complaint.culprits;
    if (complaint.culprits.length !== 1 || accused === undefined || accused === from || !this.signers.includes(accused) || complaint.evidence.length === 0) {
      return undefined;
    }
    if (complaint.code === 'equivocation') {
      // from an echo check: of the round-1, -3 or -5 broadcasts (on the round-2, -4 or -6 echoes)
      return judgeEquivocation(this.cfg.identity, [this.slot(1, accused), this.slot(3, accused), this.slot(5, accused)], from, complaint.evidence);
    }
    let evidence: { round: number; broadcast: Uint8Array; direct: Uint8Array };
    try {
      const r = new Reader(complaint.evidence);
      evidence = { round: r.u8(), broadcast: r.varBytes(complaint.evidence.length), direct: r.varBytes(complaint.evidence.length) };
      r.end();
    } catch {
      return falseComplaint(from, accused);
    }
    const { round } = evidence;
    if (round < 1 || round > 3) return falseComplaint(from, accused);
    const broadcast = openForwarded(this.cfg.identity, this.slot(round, accused), evidence.broadcast);
    const direct = openForwarded(this.cfg.identity, this.slot(round, accused, from), evidence.direct);
    if (!broadcast || !direct) return falseComplaint(from, accused);
    const ready = round === 1 || (round === 2 ? this.seen1.size === this.signers.length : this.Gamma !== undefined);
    if (!ready) return undefined;
    const args = [accused, from, broadcast.payload, direct.payload] as const;
    return recheck(from, accused, () => {
      if (round === 1) this.checkRound1(...args);
      else if (round === 2) this.checkRound2(...args);
      else this.checkRound3(...args);
    });
  }

  /** The public values of this run, as the identification step needs them. */
  private transcript(): PresignTranscript {
    return {
      level: this.level,
      signers: this.signers,
      ctx: (j) => this.ctx(j),
      paillier: (j) => this.keyOf(j),
      ringPedersen: (j) => this.rpOf(j),
      K: new Map([[this.self, this.K], ...[...this.r1].map(([j, r]) => [j, r.K] as const)]),
      G: new Map([[this.self, this.G], ...[...this.r1].map(([j, r]) => [j, r.G] as const)]),
      Gammas: this.Gammas,
      Gamma: this.Gamma!,
      W: this.W,
      deltas: this.deltaShares,
      S: this.Ss,
    };
  }

  private identificationSecrets() {
    return {
      self: this.self,
      paillier: this.cfg.aux.paillier,
      k: this.k,
      rhoK: this.rhoK,
      gamma: this.gamma,
      w: this.w,
      delta: this.delta,
      chi: this.chi,
      sent: this.conversionsOut,
      receivedSigned: this.signedRound2In,
    };
  }

  /**
   * Forgets the ephemeral secrets once they are no longer needed: on output, once the
   * identification proofs are made, and on every abort (the engine calls it). JS cannot overwrite
   * a bigint in place: this drops the references, and the values stay in the heap until the
   * collector reuses it.
   */
  protected override eraseSecrets(): void {
    this.k = this.gamma = this.rhoK = this.nuG = this.chi = this.delta = this.w = 0n;
    this.conversionsOut.clear();
  }

  /** Whether this instance still holds any secret of its run (a test seam for the erasure). */
  hasSecrets(): boolean {
    return [this.k, this.gamma, this.rhoK, this.nuG, this.chi, this.delta, this.w].some((x) => x !== 0n) || this.conversionsOut.size > 0;
  }
}
