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
 * Round 2 — every receiver echoes, signed, the digests and signatures of all round-1 broadcasts;
 *   a mismatch convicts the equivocating dealer. A bad echo convicts its echoer: the complaint
 *   carries the signed echo, and what makes an echo bad (malformed, omitting or inventing a
 *   broadcast, a forged dealer signature) every peer can check on the echo alone.
 * Round 3 — every receiver signs a confirmation: digests of the run's context (session, parties,
 *   threshold, the old key), of the transcript (every round-1 broadcast digest) and of the public
 *   output (curve, threshold, receivers, the summed commitment, whose constant is the group key).
 * Output — receiver j: sⱼ = Σᵢ fᵢ(j), every receiver's verification share Σᵢ Cᵢ(k), the group key
 *   Σᵢ Cᵢ,₀, and the certificate: every receiver's signed confirmation of the same digests. Each
 *   received share is checked against its commitment; a bad one aborts with the dealer named.
 *
 * Agreement. A party's output is final only with the certificate. Before confirming, an honest
 * party that aborts withholds its confirmation, so no party can ever hold a certificate: everyone
 * aborts (on the complaint's evidence, or as 'peer-aborted' when it proves nothing) and keeps its
 * old share. After the echo round every correctly configured honest party holds the same
 * transcript, hence the same digests: a signed confirmation with the same context digest but
 * another transcript or output convicts its signer ('bad-confirmation'); one with another context
 * digest aborts as 'confirmation-mismatch' naming nobody (the parties were configured differently).
 * A peer can still make the last round end differently for different parties (withhold or spoil
 * its confirmation to some): no fixed number of rounds prevents that without a broadcast channel.
 * Hence the certificate: a party that has confirmed (`confirmed`) keeps its pending share, whether
 * it then waits or aborts, and completes with `completeWith` from a certificate relayed by anyone.
 *
 * When to delete the old share: once the output (which carries the certificate) is held — every
 * receiver has then signed that it holds its share of this very output. Never on an abort; and a
 * party that aborted after confirming keeps its pending share too, since a peer may hold the
 * certificate. Only receivers confirm: they hold the new shares, and the old shares held by the
 * dealers are what gets deleted. A dealer outside the new committee takes part as a listener: it
 * checks the public side of the run (broadcasts, echoes, the summed commitment) and the
 * receivers' confirmations, and its output (share null) carries the same certificate, which is
 * what allows it to delete its old share. Old shareholders outside the run check a relayed
 * certificate with `openDealingCertificate`.
 *
 * Subgroup checks (ed25519, cofactor 8): instead of one full multiplication per received
 * coefficient commitment, each Cᵢ,₀ and each coefficient of the summed commitment is checked;
 * those make the key and every verification share torsion-free. A failure is traced back to the
 * dealer whose commitment has a small-order component. (A receiver's own share check
 * fᵢ(j)·G = Cᵢ(j) is an equality in the full group and needs no extra check.)
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes, u32be, utf8 } from '../../bytes.js';
import { type ProtocolMessage, Reader, Writer } from '../../engine/codec.js';
import { ProtocolAbort, blame, withEvidence } from '../../engine/errors.js';
import {
  type BroadcastSlot,
  type OpenedBroadcast,
  type PartyIdentity,
  checkEcho,
  checkEchoAlone,
  encodeEcho,
  openBroadcast,
  openForwarded,
  judgeEquivocation,
  ownBroadcast,
  signBroadcast,
  unwrapSigned,
} from '../../engine/identity.js';
import {
  type Complaint,
  type Inbox,
  type Outcome,
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

/**
 * The result of a dealing. The old share may be deleted once this is held (see the module
 * comment): the certificate shows that every receiver confirmed holding its share of this output.
 */
export interface DealingOutput {
  /** This party's new share; null for a dealer outside the new committee. */
  share: KeyShare | null;
  /** Every receiver's signed confirmation of the same run, transcript and output (`openDealingCertificate`). */
  certificate: Uint8Array;
}

const RECEIVER_ROUNDS = [
  { broadcast: true, direct: true }, // commitments (+ proof), shares
  { broadcast: true, direct: false }, // signed echoes
  { broadcast: true, direct: false }, // signed confirmations
] as const;

/** A dealer outside the new committee gets every broadcast but no share. */
const LISTENER_ROUNDS = [
  { broadcast: true, direct: false },
  { broadcast: true, direct: false },
  { broadcast: true, direct: false },
] as const;

const DIGEST_LENGTH = 32;
/** A confirmation: context, transcript and output digests. */
const CONFIRMATION_LENGTH = 3 * DIGEST_LENGTH;

export class Dealing extends RoundBasedProtocol<DealingOutput> {
  private readonly curve: Curve;
  private readonly dealers: number[];
  private readonly receivers: number[];
  private readonly cfg: DealingConfig;
  private ownShare: bigint | undefined;
  private readonly seen = new Map<number, OpenedBroadcast>();
  private readonly commitments = new Map<number, GroupPoint[]>();
  /** This party's output and the confirmation it signed (a listener: would sign), once computed. */
  private pending: { share: KeyShare | null; confirmation: Uint8Array } | undefined;
  /** Signed confirmations by receiver, this party's own included. */
  private readonly confirmations = new Map<number, Uint8Array>();
  /** Set when a relayed certificate completed this party (`completeWith`). */
  private completed: DealingOutput | undefined;

  constructor(cfg: DealingConfig) {
    const name = `${cfg.mode.kind}/${cfg.curve}`;
    super(name, cfg.session, cfg.self, cfg.receivers.includes(cfg.self) ? RECEIVER_ROUNDS : LISTENER_ROUNDS, cfg.sessions);
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
    this.commitments.set(this.self, commitment);
    this.seen.set(this.self, ownBroadcast(signed, this.self));
    return { outgoing };
  }

  protected onRound(round: number, inbox: Inbox): RoundResult<DealingOutput> {
    if (round === 1) return this.onDealings(inbox);
    return round === 2 ? this.onEchoes(inbox) : this.onConfirmations(inbox);
  }

  private onDealings(inbox: Inbox): RoundResult<DealingOutput> {
    const { curve, cfg } = this;
    let share = this.ownShare ?? 0n;
    for (const dealer of this.sendersOf(1)) {
      const signedBroadcast = inbox.broadcast.get(dealer)!;
      const opened = openBroadcast(cfg.identity, this.slot(1, dealer), signedBroadcast);
      this.seen.set(dealer, opened);
      if (!this.isReceiver) {
        // A listener checks the public side only; the receivers check it too, with evidence.
        this.commitments.set(dealer, this.checkCommitment(dealer, opened.payload));
        continue;
      }
      const signedShare = inbox.direct.get(dealer)!;
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
    if (!this.isReceiver) return { outgoing: [] };
    this.ownShare = share;
    // Signed, so that a bad echo convicts its echoer at every peer (see judgeComplaint).
    const echo = signBroadcast(cfg.identity.secretKey, this.slot(2, this.self), encodeEcho(this.seen));
    return { outgoing: [{ to: null, payload: echo }] };
  }

  /**
   * Everything a receiver checks about one dealer's round-1 messages, from the point of view of
   * `receiver` — used for this party's own dealings and to judge another receiver's complaint.
   * Blames the dealer on any failure.
   */
  private checkDealing(dealer: number, dealing: Uint8Array, shareBytes: Uint8Array, receiver: number): { commitment: GroupPoint[]; share: bigint } {
    const { curve } = this;
    const commitment = this.checkCommitment(dealer, dealing);
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

  /** The public side of a dealer's round-1 broadcast: encoding, C₀'s subgroup, and the proof or the old share. */
  private checkCommitment(dealer: number, dealing: Uint8Array): GroupPoint[] {
    const { curve, cfg } = this;
    const { commitment, proof } = decodeFrom(dealer, 'dealing', () => {
      const r = new Reader(dealing);
      const c = r.points(curve, cfg.threshold, false);
      const p = cfg.mode.kind === 'dkg' ? decodeSchnorrProof(curve, r.bytes(curve.pointLength + curve.scalarLength)) : undefined;
      r.end();
      return { commitment: c, proof: p };
    });
    // The proof of knowledge is sound only in the prime-order subgroup: a small-order component
    // passes it whenever the challenge is a multiple of its order, which a dealer can grind for.
    // Higher coefficients are checked once, in the sum (onEchoes).
    if (!curve.inPrimeSubgroup(commitment[0]!)) blame('bad-commitment', dealer, 'committed constant has a small-order component');
    if (cfg.mode.kind === 'dkg') {
      if (!verifySchnorr(curve, commitment[0]!, this.proofContext(dealer), proof!)) {
        blame('bad-proof', dealer, 'proof of knowledge of the dealt secret does not verify');
      }
    } else {
      const expected = cfg.mode.old.verificationShares.get(dealer)!.multiplyUnsafe(this.dealerWeight(dealer));
      if (!commitment[0]!.equals(expected)) blame('bad-commitment', dealer, 'dealt constant does not match the old verification share');
    }
    return commitment;
  }

  /**
   * Judges a peer's complaint by repeating the complainer's check on its evidence, which convicts
   * either the accused or, when the evidence is in order, the complainer:
   *  · about a dealer (bad share, proof or commitment, malformed): the dealer's signed broadcast
   *    and signed share;
   *  · 'bad-echo': the echoer's signed echo, checked on its own (checkEchoAlone);
   *  · 'bad-confirmation': the signer's signed confirmation, against this party's own digests
   *    (undefined until it has them);
   *  · 'equivocation': two signed digests for one of the accused's slots (any round).
   */
  protected override judgeComplaint(from: number, complaint: Complaint): Verdict | undefined {
    const [accused] = complaint.culprits;
    if (complaint.culprits.length !== 1 || accused === undefined || !this.isParticipant(accused) || accused === from) return undefined;
    // Without evidence there is nothing to check; the complaint stands unverified.
    const { evidence } = complaint;
    if (evidence.length === 0) return undefined;
    const { identity } = this.cfg;
    if (complaint.code === 'equivocation') return judgeEquivocation(identity, [1, 2, 3].map((round) => this.slot(round, accused)), from, evidence);
    if (complaint.code === 'bad-echo' || complaint.code === 'bad-confirmation') {
      if (!this.receivers.includes(accused)) return undefined;
      const round = complaint.code === 'bad-echo' ? 2 : 3;
      const signed = openForwarded(identity, this.slot(round, accused), evidence);
      // Evidence not signed by the accused clears it.
      if (!signed) return falseComplaint(from, accused);
      if (round === 2) return recheck(from, accused, () => checkEchoAlone(identity, (d) => this.slot(1, d), this.dealers, accused, signed.payload, this.seen));
      return this.pending ? recheck(from, accused, () => this.checkConfirmation(accused, signed.payload)) : undefined;
    }
    const aboutDealing = ['bad-share', 'bad-proof', 'bad-commitment', 'malformed-message'].includes(complaint.code);
    if (!aboutDealing || !this.dealers.includes(accused) || !this.receivers.includes(from)) return undefined;
    try {
      const r = new Reader(evidence);
      const signedBroadcast = r.varBytes(evidence.length);
      const signedShare = r.varBytes(evidence.length);
      r.end();
      const dealing = openBroadcast(identity, this.slot(1, accused), signedBroadcast).payload;
      const share = openBroadcast(identity, this.slot(1, accused, from), signedShare).payload;
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
      const signed = inbox.broadcast.get(echoer)!;
      // A bad signature proves nothing to others: this party alone aborts on it, and its peers
      // stop as 'peer-aborted' when they wait for its confirmation.
      const echo = openBroadcast(cfg.identity, this.slot(2, echoer), signed).payload;
      withEvidence(signed, () => checkEchoAlone(cfg.identity, (d) => this.slot(1, d), this.dealers, echoer, echo, this.seen));
      // What remains is a different, dealer-signed digest: the dealer equivocated (with evidence).
      checkEcho(cfg.identity, (from) => this.slot(1, from), this.seen, echoer, echo);
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
    const confirmation = new Uint8Array(CONFIRMATION_LENGTH);
    confirmation.set(this.contextDigest(), 0);
    confirmation.set(this.transcriptDigest(), DIGEST_LENGTH);
    confirmation.set(this.outputDigest(summed), 2 * DIGEST_LENGTH);
    if (!this.isReceiver) {
      this.pending = { share: null, confirmation };
      return { outgoing: [] };
    }
    const verificationShares = new Map<number, GroupPoint>();
    for (const j of this.receivers) verificationShares.set(j, evaluateCommitment(curve, summed, BigInt(j)));
    const secretShare = this.ownShare!;
    this.ownShare = undefined;
    if (!curve.mulBase(secretShare).equals(verificationShares.get(this.self)!)) throw new Error('share sum inconsistent');
    const share: KeyShare = { curve: cfg.curve, threshold: cfg.threshold, parties: this.receivers, self: this.self, secretShare, publicKey, verificationShares };
    // From here on this party keeps its new share until a certificate arrives (module comment).
    this.pending = { share, confirmation };
    const signed = signBroadcast(cfg.identity.secretKey, this.slot(3, this.self), confirmation);
    this.confirmations.set(this.self, signed);
    return { outgoing: [{ to: null, payload: signed }] };
  }

  private onConfirmations(inbox: Inbox): RoundResult<DealingOutput> {
    for (const signer of this.sendersOf(3)) {
      const signed = inbox.broadcast.get(signer)!;
      const { payload } = openBroadcast(this.cfg.identity, this.slot(3, signer), signed);
      withEvidence(signed, () => this.checkConfirmation(signer, payload));
      this.confirmations.set(signer, signed);
    }
    return { output: { share: this.pending!.share, certificate: encodeCertificate(this.confirmations) } };
  }

  /** Compares a receiver's confirmation with this party's own digests. */
  private checkConfirmation(signer: number, confirmation: Uint8Array): void {
    const mine = this.pending!.confirmation;
    if (confirmation.length !== CONFIRMATION_LENGTH) blame('bad-confirmation', signer, 'malformed confirmation');
    if (!equalBytes(confirmation.subarray(0, DIGEST_LENGTH), mine.subarray(0, DIGEST_LENGTH))) {
      // Either party may be the one configured differently: nothing proves who.
      blame('confirmation-mismatch', [], `party ${signer} confirmed a run configured differently`);
    }
    // Same configuration, so an honest signer holds this party's transcript and output.
    if (!equalBytes(confirmation, mine)) blame('bad-confirmation', signer, 'confirmed another transcript or output');
  }

  /**
   * True once this party computed its output (a receiver: and signed its confirmation). From then
   * on an abort may be overtaken by a certificate that a peer holds: keep this instance (its
   * pending share) and call `completeWith` when a certificate is relayed.
   */
  get confirmed(): boolean {
    return this.pending !== undefined;
  }

  /**
   * This party's new share once computed (null for a dealer outside the new committee), in the
   * same step that produces its confirmation: a node stores it durably before that confirmation
   * leaves, since confirming says "I hold my share".
   */
  get pendingShare(): KeyShare | null | undefined {
    return this.pending?.share;
  }

  /**
   * What this party's confirmation says (context, transcript and output digests), once computed:
   * kept with the pending share, it lets a party that lost this instance (a crash) check a relayed
   * certificate later — `openDealingCertificate` must return exactly these bytes.
   */
  get pendingConfirmation(): Uint8Array | undefined {
    return this.pending?.confirmation.slice();
  }

  /**
   * Completes from a certificate relayed by anyone (confirmations are self-authenticating), for a
   * party that confirmed but is missing some confirmations (withheld, or spoilt so that it
   * aborted). Returns the output, or undefined when the certificate does not confirm this
   * party's own digests (or it has none yet). Afterwards `receive` reports the output.
   */
  completeWith(certificate: Uint8Array): DealingOutput | undefined {
    if (this.completed) return this.completed;
    if (!this.pending) return undefined;
    const confirmed = openDealingCertificate(this.cfg.identity, { protocol: this.protocol, session: this.session, receivers: this.receivers }, certificate);
    if (!confirmed || !equalBytes(confirmed, this.pending.confirmation)) return undefined;
    this.completed = { share: this.pending.share, certificate };
    return this.completed;
  }

  override receive(msg: ProtocolMessage): Outcome<DealingOutput> {
    return this.completed ? { status: 'done', outgoing: [], output: this.completed } : super.receive(msg);
  }

  override waitingFor(): number[] {
    return this.completed ? [] : super.waitingFor();
  }

  /** What the parties must agree on before the run starts: who, what threshold, which old key. */
  private contextDigest(): Uint8Array {
    const { curve, cfg } = this;
    const w = new Writer()
      .varBytes(utf8('mpc-wallet/v1/dealing/context'))
      .varBytes(utf8(this.protocol))
      .varBytes(this.session)
      .u16(cfg.threshold)
      .varBytes(u32beList(this.dealers))
      .varBytes(u32beList(this.receivers));
    if (cfg.mode.kind === 'reshare') {
      w.varBytes(pointBytes(curve, cfg.mode.old.publicKey));
      for (const d of this.dealers) w.varBytes(pointBytes(curve, cfg.mode.old.verificationShares.get(d)!)).scalar(curve, this.dealerWeight(d));
    }
    return sha256(w.finish());
  }

  /** Every round-1 broadcast, as the echo round made every party agree on it. */
  private transcriptDigest(): Uint8Array {
    const w = new Writer().varBytes(utf8('mpc-wallet/v1/dealing/transcript')).varBytes(this.session).varBytes(u32beList(this.dealers));
    for (const d of this.dealers) w.varBytes(this.seen.get(d)!.digest);
    return sha256(w.finish());
  }

  /** The public output: the summed commitment fixes the group key and every verification share. */
  private outputDigest(summed: readonly GroupPoint[]): Uint8Array {
    const { curve, cfg } = this;
    const w = new Writer().varBytes(utf8('mpc-wallet/v1/dealing/output')).varBytes(utf8(cfg.curve)).u16(cfg.threshold).varBytes(u32beList(this.receivers));
    for (const C of summed) w.varBytes(pointBytes(curve, C));
    return sha256(w.finish());
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

/** A point for hashing; the identity (which has no encoding) as an empty string. */
function pointBytes(curve: Curve, P: GroupPoint): Uint8Array {
  return P.is0() ? new Uint8Array(0) : curve.encodePoint(P);
}

function encodeCertificate(confirmations: ReadonlyMap<number, Uint8Array>): Uint8Array {
  const w = new Writer().u16(confirmations.size);
  for (const [id, signed] of [...confirmations].sort((a, b) => a[0] - b[0])) w.u16(id).varBytes(signed);
  return w.finish();
}

/**
 * Opens a dealing certificate: returns the confirmation (context, transcript and output digests)
 * that every receiver of the run signed, or undefined when a receiver's entry is missing or
 * extra, not signed by it, or differs from the others. Anyone with the identity keys can check
 * one, e.g. an old shareholder outside the run before it deletes its old share.
 */
export function openDealingCertificate(
  identity: Pick<PartyIdentity, 'publicKeys'>,
  run: { protocol: string; session: Uint8Array; receivers: readonly number[] },
  certificate: Uint8Array,
): Uint8Array | undefined {
  try {
    const r = new Reader(certificate);
    const count = r.u16();
    if (count !== run.receivers.length) return undefined;
    let confirmed: Uint8Array | undefined;
    for (const id of [...run.receivers].sort((a, b) => a - b)) {
      if (r.u16() !== id) return undefined;
      const slot = { protocol: run.protocol, session: run.session, round: 3, from: id };
      const opened = openForwarded(identity, slot, r.varBytes(certificate.length));
      if (!opened || opened.payload.length !== CONFIRMATION_LENGTH || (confirmed && !equalBytes(confirmed, opened.payload))) return undefined;
      confirmed = opened.payload;
    }
    r.end();
    return confirmed;
  } catch {
    return undefined;
  }
}
