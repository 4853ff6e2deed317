/**
 * Verifiable dealing: the one protocol behind DKG, proactive refresh and resharing.
 *
 * Round 1 — every dealer i picks a polynomial fᵢ of degree t′−1, broadcasts (signed) its Feldman
 *   commitment Cᵢ, and sends fᵢ(j) to each receiver j.
 *     · DKG: fᵢ(0) is random and the broadcast carries a Schnorr proof of knowledge of fᵢ(0),
 *       bound to session and dealer (no rogue-key contributions).
 *     · Refresh/reshare: fᵢ(0) = λᵢ·sᵢ (Lagrange coefficient over the dealer set times the old
 *       share), publicly checked as Cᵢ,₀ = λᵢ·Yᵢ against the old verification share, so the sum of
 *       contributions is the old secret and the public key cannot change.
 * Round 2 — every receiver echoes the digests and signatures of all round-1 broadcasts; a
 *   mismatch convicts the equivocating dealer (or a lying echoer).
 * Output — receiver j: sⱼ = Σᵢ fᵢ(j), every receiver's verification share Σᵢ Cᵢ(k), and the
 *   group key Σᵢ Cᵢ,₀. Each received share is checked against its commitment; a bad one aborts
 *   with the dealer named.
 *
 * Subgroup checks (ed25519, cofactor 8): instead of one full multiplication per received
 * coefficient commitment, each Cᵢ,₀ and each coefficient of the summed commitment is checked;
 * those make the key and every verification share torsion-free. A failure is traced back to the
 * dealer whose commitment has a small-order component. (A receiver's own share check
 * fᵢ(j)·G = Cᵢ(j) is an equality in the full group and needs no extra check.)
 */
import { u32be, utf8 } from '../../bytes.js';
import { Reader, Writer } from '../../engine/codec.js';
import { ProtocolAbort, blame } from '../../engine/errors.js';
import {
  type BroadcastSlot,
  type OpenedBroadcast,
  type PartyIdentity,
  checkEcho,
  encodeEcho,
  openBroadcast,
  judgeEquivocation,
  ownBroadcast,
  signBroadcast,
  unwrapSigned,
} from '../../engine/identity.js';
import {
  type Complaint,
  type Inbox,
  type Outgoing,
  type RoundResult,
  type Rng,
  type SessionRegistry,
  type Verdict,
  RoundBasedProtocol,
  decodeFrom,
  falseComplaint,
  partySet,
  recheck,
} from '../../engine/protocol.js';
import { CURVES, type Curve, type CurveName, type GroupPoint, mod } from '../../math/curve.js';
import {
  commitPolynomial,
  evaluateCommitment,
  evaluatePolynomial,
  lagrangeAtZero,
  randomPolynomial,
  validateThreshold,
} from '../../math/polynomial.js';
import { decodeSchnorrProof, encodeSchnorrProof, proveSchnorr, verifySchnorr } from '../../proofs/schnorr.js';
import { type KeyShare, checkPublicPackage, evaluationPoint, type PublicKeyPackage } from '../key-share.js';

export type DealingMode =
  | { kind: 'dkg' }
  | {
      kind: 'reshare';
      /** The existing key (public part, from the old committee). */
      old: PublicKeyPackage;
      /** This party's old share, when it is a dealer. */
      oldShare?: bigint;
    };

export interface DealingConfig {
  /** This party's used-session registry; the instance refuses to start under a used id. */
  sessions: SessionRegistry;
  curve: CurveName;
  session: Uint8Array;
  self: number;
  identity: PartyIdentity;
  /** Parties that deal (DKG: the committee; reshare: ≥ old threshold members of the old committee). */
  dealers: readonly number[];
  /** The committee that receives shares. */
  receivers: readonly number[];
  /** Threshold of the resulting key. */
  threshold: number;
  mode: DealingMode;
  rng: Rng;
}

/** The receivers' result; a dealer outside the new committee gets `null`. */
export type DealingOutput = KeyShare | null;

const ROUNDS = [
  { broadcast: true, direct: true }, // commitments (+ proof), shares
  { broadcast: true, direct: false }, // echoes
] as const;

export class Dealing extends RoundBasedProtocol<DealingOutput> {
  private readonly curve: Curve;
  private readonly dealers: number[];
  private readonly receivers: number[];
  private readonly cfg: DealingConfig;
  private ownShare: bigint | undefined;
  private readonly seen = new Map<number, OpenedBroadcast>();
  private readonly commitments = new Map<number, GroupPoint[]>();

  constructor(cfg: DealingConfig) {
    const name = `${cfg.mode.kind}/${cfg.curve}`;
    super(name, cfg.session, cfg.self, ROUNDS, cfg.sessions);
    this.cfg = cfg;
    this.curve = CURVES[cfg.curve];
    this.dealers = partySet(cfg.dealers, 'dealers');
    this.receivers = partySet(cfg.receivers, 'receivers');
    validateThreshold(cfg.threshold, this.receivers.length);
    if (!this.dealers.includes(cfg.self) && !this.receivers.includes(cfg.self)) {
      throw new RangeError('this party neither deals nor receives');
    }
    for (const id of new Set([...this.dealers, ...this.receivers])) {
      if (!cfg.identity.publicKeys.has(id)) throw new RangeError(`no identity key for party ${id}`);
    }
    if (cfg.mode.kind === 'dkg') {
      if (this.dealers.join() !== this.receivers.join()) throw new RangeError('in a DKG the dealers are the committee');
    } else {
      const old = cfg.mode.old;
      checkPublicPackage(old);
      if (this.dealers.length < old.threshold) throw new RangeError('fewer dealers than the old threshold');
      if (!this.dealers.every((d) => old.parties.includes(d))) throw new RangeError('a dealer is not in the old committee');
      if (this.dealers.includes(cfg.self)) {
        if (cfg.mode.oldShare === undefined) throw new RangeError('a dealer needs its old share');
        if (!this.curve.mulBase(cfg.mode.oldShare).equals(old.verificationShares.get(cfg.self)!)) {
          throw new RangeError('old share does not match its verification share');
        }
      }
    }
  }

  private get isDealer(): boolean {
    return this.dealers.includes(this.self);
  }
  private get isReceiver(): boolean {
    return this.receivers.includes(this.self);
  }

  protected isParticipant(id: number): boolean {
    return this.dealers.includes(id) || this.receivers.includes(id);
  }

  protected sendersOf(round: number): readonly number[] {
    if (!this.isReceiver) return [];
    const senders = round === 1 ? this.dealers : this.receivers;
    return senders.filter((id) => id !== this.self);
  }

  /** λᵢ over the dealer set, at the old key's evaluation points (which may be foreign, see KeyShare). */
  private dealerWeight(dealer: number): bigint {
    const old = (this.cfg.mode as Extract<DealingMode, { kind: 'reshare' }>).old;
    return lagrangeAtZero(this.curve, evaluationPoint(old, dealer), this.dealers.map((d) => evaluationPoint(old, d)));
  }

  private slot(round: number, from: number, to?: number): BroadcastSlot {
    return to === undefined ? { protocol: this.protocol, session: this.session, round, from } : { protocol: this.protocol, session: this.session, round, from, to };
  }

  /** What a proof of knowledge binds: session, dealer and the exact run parameters. */
  private proofContext(dealer: number): Uint8Array {
    return new Writer()
      .varBytes(utf8(this.protocol))
      .varBytes(this.session)
      .u16(dealer)
      .u16(this.cfg.threshold)
      .varBytes(u32beList(this.receivers))
      .finish();
  }

  protected onStart(): RoundResult<DealingOutput> {
    if (!this.isDealer) return { outgoing: [] };
    const { curve, cfg } = this;
    const mode = cfg.mode;
    const constant =
      mode.kind === 'dkg' ? undefined : mod(this.dealerWeight(this.self) * mode.oldShare!, curve.order);
    const coeffs = randomPolynomial(curve, 0n, cfg.threshold - 1, cfg.rng);
    coeffs[0] = constant ?? randomNonZero(curve, cfg.rng);
    const commitment = commitPolynomial(curve, coeffs);
    const w = new Writer().points(curve, commitment);
    if (mode.kind === 'dkg') {
      const proof = proveSchnorr(curve, coeffs[0]!, commitment[0]!, this.proofContext(this.self), cfg.rng);
      w.bytes(encodeSchnorrProof(curve, proof));
    }
    const payload = w.finish();
    const signed = signBroadcast(cfg.identity.secretKey, this.slot(1, this.self), payload);
    const outgoing: Outgoing[] = [{ to: null, payload: signed }];
    for (const j of this.receivers) {
      const share = evaluatePolynomial(curve, coeffs, BigInt(j));
      if (j === this.self) this.ownShare = share;
      else {
        // Signed, so that a receiver can prove a bad share to everyone (see judgeComplaint).
        const shareBytes = new Writer().scalar(curve, share).finish();
        outgoing.push({ to: j, payload: signBroadcast(cfg.identity.secretKey, this.slot(1, this.self, j), shareBytes) });
      }
    }
    coeffs.fill(0n);
    if (!this.isReceiver) return { outgoing, output: null };
    this.commitments.set(this.self, commitment);
    this.seen.set(this.self, ownBroadcast(signed, this.self));
    return { outgoing };
  }

  protected onRound(round: number, inbox: Inbox): RoundResult<DealingOutput> {
    return round === 1 ? this.onDealings(inbox) : this.onEchoes(inbox);
  }

  private onDealings(inbox: Inbox): RoundResult<DealingOutput> {
    const { curve, cfg } = this;
    let share = this.ownShare ?? 0n;
    for (const dealer of this.sendersOf(1)) {
      const signedBroadcast = inbox.broadcast.get(dealer)!;
      const signedShare = inbox.direct.get(dealer)!;
      const opened = openBroadcast(cfg.identity, this.slot(1, dealer), signedBroadcast);
      this.seen.set(dealer, opened);
      let checked: { commitment: GroupPoint[]; share: bigint };
      try {
        checked = this.checkDealing(dealer, opened.payload, unwrapSigned(dealer, signedShare).payload, this.self);
      } catch (e) {
        if (!(e instanceof ProtocolAbort)) throw e;
        // Make the complaint checkable by everyone: the dealer's own signatures over what it sent.
        // A direct share whose signature does not verify cannot be shown to others.
        openBroadcast(cfg.identity, this.slot(1, dealer, this.self), signedShare);
        const evidence = new Writer().varBytes(signedBroadcast).varBytes(signedShare).finish();
        throw new ProtocolAbort(e.code, e.culprits, e.reason, evidence);
      }
      this.commitments.set(dealer, checked.commitment);
      share = mod(share + checked.share, curve.order);
    }
    this.ownShare = share;
    return { outgoing: [{ to: null, payload: encodeEcho(this.seen) }] };
  }

  /**
   * Everything a receiver checks about one dealer's round-1 messages, from the point of view of
   * `receiver` — used for this party's own dealings and to judge another receiver's complaint.
   * Blames the dealer on any failure.
   */
  private checkDealing(dealer: number, dealing: Uint8Array, shareBytes: Uint8Array, receiver: number): { commitment: GroupPoint[]; share: bigint } {
    const { curve, cfg } = this;
    const { commitment, proof } = decodeFrom(dealer, 'dealing', () => {
      const r = new Reader(dealing);
      const c = r.points(curve, cfg.threshold, false);
      if (!curve.inPrimeSubgroup(c[0]!)) throw new RangeError('commitment outside the prime-order subgroup');
      const p = cfg.mode.kind === 'dkg' ? decodeSchnorrProof(curve, r.bytes(curve.pointLength + curve.scalarLength)) : undefined;
      r.end();
      return { commitment: c, proof: p };
    });
    if (cfg.mode.kind === 'dkg') {
      if (!verifySchnorr(curve, commitment[0]!, this.proofContext(dealer), proof!)) {
        blame('bad-proof', dealer, 'proof of knowledge of the dealt secret does not verify');
      }
    } else {
      const expected = cfg.mode.old.verificationShares.get(dealer)!.multiplyUnsafe(this.dealerWeight(dealer));
      if (!commitment[0]!.equals(expected)) blame('bad-commitment', dealer, 'dealt constant does not match the old verification share');
    }
    const share = decodeFrom(dealer, 'share', () => {
      const r = new Reader(shareBytes);
      const s = r.scalar(curve);
      r.end();
      return s;
    });
    if (!curve.mulBase(share).equals(evaluateCommitment(curve, commitment, BigInt(receiver)))) {
      blame('bad-share', dealer, 'dealt share does not match the dealer’s commitment');
    }
    return { commitment, share };
  }

  /**
   * Judges a receiver's complaint about a dealer. Dealing complaints carry the dealer's signed
   * broadcast and signed share: re-running the complainer's checks on them convicts either the
   * dealer or, when they are in order, the complainer. Equivocation complaints carry two signed
   * digests for one slot.
   */
  protected override judgeComplaint(from: number, complaint: Complaint): Verdict | undefined {
    const [accused] = complaint.culprits;
    if (complaint.culprits.length !== 1 || accused === undefined || !this.dealers.includes(accused) || accused === from) return undefined;
    // Without evidence there is nothing to check; the complaint stands unverified.
    if (complaint.evidence.length === 0) return undefined;
    if (complaint.code === 'equivocation') return judgeEquivocation(this.cfg.identity, [this.slot(1, accused)], from, complaint.evidence);
    if (!['bad-share', 'bad-proof', 'bad-commitment', 'malformed-message'].includes(complaint.code) || !this.receivers.includes(from)) return undefined;
    try {
      const r = new Reader(complaint.evidence);
      const signedBroadcast = r.varBytes(complaint.evidence.length);
      const signedShare = r.varBytes(complaint.evidence.length);
      r.end();
      const dealing = openBroadcast(this.cfg.identity, this.slot(1, accused), signedBroadcast).payload;
      const share = openBroadcast(this.cfg.identity, this.slot(1, accused, from), signedShare).payload;
      // checkDealing blames only the dealer
      return recheck(from, accused, () => this.checkDealing(accused, dealing, share, from));
    } catch {
      // Evidence that is malformed or not signed by the accused clears the accused.
      return falseComplaint(from, accused);
    }
  }

  private onEchoes(inbox: Inbox): RoundResult<DealingOutput> {
    const { curve, cfg } = this;
    for (const echoer of this.sendersOf(2)) {
      checkEcho(cfg.identity, (from) => this.slot(1, from), this.seen, echoer, inbox.broadcast.get(echoer)!);
    }
    // Sum of all commitments: the public polynomial of the new key.
    const summed: GroupPoint[] = [];
    for (let k = 0; k < cfg.threshold; k++) {
      let acc = curve.identity;
      for (const d of this.dealers) acc = acc.add(this.commitments.get(d)![k]!);
      summed.push(acc);
    }
    const publicKey = summed[0]!;
    if (publicKey.is0()) blame('degenerate-key', this.dealers, 'the dealt key is the identity');
    if (cfg.mode.kind === 'reshare' && !publicKey.equals(cfg.mode.old.publicKey)) {
      // Unreachable when every Cᵢ,₀ was checked; kept as the invariant the protocol promises.
      throw new Error('reshare changed the public key');
    }
    // Torsion-free coefficients make every verification share torsion-free: t checks, not n.
    if (!summed.every((C) => curve.inPrimeSubgroup(C))) this.blameTorsion();
    const verificationShares = new Map<number, GroupPoint>();
    for (const j of this.receivers) verificationShares.set(j, evaluateCommitment(curve, summed, BigInt(j)));
    const secretShare = this.ownShare!;
    this.ownShare = undefined;
    if (!curve.mulBase(secretShare).equals(verificationShares.get(this.self)!)) throw new Error('share sum inconsistent');
    return {
      output: {
        curve: cfg.curve,
        threshold: cfg.threshold,
        parties: this.receivers,
        self: this.self,
        secretShare,
        publicKey,
        verificationShares,
      },
    };
  }

  /** Names the dealers whose commitment has a coefficient outside the prime-order subgroup. */
  private blameTorsion(): never {
    const culprits = this.dealers.filter((d) => !this.commitments.get(d)!.every((C) => this.curve.inPrimeSubgroup(C)));
    return blame('bad-commitment', culprits, 'commitment has a small-order component');
  }
}

function u32beList(ids: readonly number[]): Uint8Array {
  const out = new Uint8Array(ids.length * 4);
  ids.forEach((id, i) => out.set(u32be(id), i * 4));
  return out;
}

function randomNonZero(curve: Curve, rng: Rng): bigint {
  return randomPolynomial(curve, 0n, 1, rng)[1]!;
}
