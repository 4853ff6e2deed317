/**
 * FROST signing as a protocol instance for the engine. Every signer broadcasts its commitment,
 * signed by its identity key (round 1), then its signature share (round 2); every signer
 * aggregates and verifies, and a bad share aborts naming its sender. With commitments taken from
 * a pool beforehand (each signed by its owner when it was made) the commitment round is skipped:
 * one online round.
 *
 * Agreement: each share message is signed and carries the digest of the signing package its
 * sender signed for (suite, group key, tweak, message, commitments) and the signed commitments
 * it used. When a peer's digest differs from this party's, the difference is explained without
 * blaming an honest signer: a signer that signed two different commitments for one slot is
 * convicted on both signatures (every peer rechecks them); otherwise the inputs handed to the
 * signers disagree (different messages, keys, tweaks or commitment lists, which only whoever
 * handed them out can cause) and the abort is 'signing-package-mismatch' naming nobody.
 */
import { equalBytes } from '../../bytes.js';
import { Reader, Writer } from '../../engine/codec.js';
import { ProtocolAbort, blame } from '../../engine/errors.js';
import { type BroadcastSlot, type PartyIdentity, equivocationEvidence, judgeEquivocation, openBroadcast, openForwarded, signBroadcast } from '../../engine/identity.js';
import {
  type Complaint,
  type Inbox,
  type RoundResult,
  type Rng,
  type SessionRegistry,
  type Verdict,
  RoundBasedProtocol,
  decodeFrom,
  falseComplaint,
  partySet,
} from '../../engine/protocol.js';
import {
  type SignedCommitment,
  commitmentSignatureValid,
  decodeSignedCommitment,
  encodeSignedCommitment,
  poolProtocol,
  pooledEquivocation,
  slotEquivocation,
} from './nonce-pool.js';
import {
  type AggregateResult,
  type FrostSigningKey,
  type NonceCommitment,
  type SignatureShare,
  type SigningNonces,
  aggregate,
  checkCommitment,
  commit,
  signShare,
  signingPackageDigest,
  verifySignatureShare,
} from './sign.js';

export interface FrostSignConfig {
  /** This party's used-session registry; the instance refuses to start under a used id. */
  sessions: SessionRegistry;
  key: FrostSigningKey;
  /** This party's identity key (signs its commitment and share message) and every signer's public key. */
  identity: PartyIdentity;
  session: Uint8Array;
  /** The signing set (at least the threshold), including this party. */
  signers: readonly number[];
  message: Uint8Array;
  rng: Rng;
  /** Signed commitments of every signer (from the coordinator) and this signer's nonces for its own (taken from its pool). */
  pooled?: { commitments: readonly SignedCommitment[]; nonces: SigningNonces };
}

const DIGEST_LENGTH = 64;
const MAX_SIGNED_COMMITMENT = 1024;

interface ShareMessage {
  digest: Uint8Array;
  share: SignatureShare;
  /** The signed commitments the sender signed with, one per signer in ascending order. */
  commitments: Uint8Array[];
}

export class FrostSign extends RoundBasedProtocol<AggregateResult> {
  private readonly cfg: FrostSignConfig;
  private readonly signers: number[];
  private nonces: SigningNonces | undefined;
  private readonly commitments = new Map<number, NonceCommitment>();
  /** Each signer's commitment in the signed form this party holds it (its evidence of who signed what). */
  private readonly signedCommitments = new Map<number, Uint8Array>();
  private readonly pooledBySigner = new Map<number, SignedCommitment>();
  /** The digest of the signing package this party signed for (set when it signs). */
  private digest: Uint8Array | undefined;
  private ownShare: SignatureShare | undefined;
  /** The encoding of the group commitment R this party sent with its share. */
  private ownR: Uint8Array | undefined;

  constructor(cfg: FrostSignConfig) {
    const rounds = cfg.pooled ? [{ broadcast: true, direct: false }] : [
      { broadcast: true, direct: false },
      { broadcast: true, direct: false },
    ];
    super(`frost-sign/${cfg.key.suite.name}`, cfg.session, Number(cfg.key.identifier), rounds, cfg.sessions);
    this.cfg = cfg;
    this.signers = signingSet(cfg.key, cfg.identity, cfg.signers);
    if (cfg.pooled) {
      for (const sc of cfg.pooled.commitments) this.pooledBySigner.set(Number(sc.commitment.identifier), sc);
      if (this.signers.some((s) => !this.pooledBySigner.has(s)) || this.pooledBySigner.size !== this.signers.length) {
        throw new RangeError('pooled commitments do not match the signing set');
      }
      this.nonces = cfg.pooled.nonces;
    }
  }

  protected isParticipant(id: number): boolean {
    return this.signers.includes(id);
  }

  protected sendersOf(): readonly number[] {
    return this.signers.filter((s) => s !== this.self);
  }

  private get shareRound(): number {
    return this.cfg.pooled ? 1 : 2;
  }

  private slot(round: number, from: number): BroadcastSlot {
    return { protocol: this.protocol, session: this.session, round, from };
  }

  protected onStart(): RoundResult<AggregateResult> {
    if (this.cfg.pooled) {
      this.checkPooled();
      return { outgoing: [this.shareMessage()] };
    }
    this.nonces = commit(this.cfg.key, this.cfg.rng);
    const { curve } = this.cfg.key.suite;
    const payload = new Writer().point(curve, this.nonces.commitment.hiding).point(curve, this.nonces.commitment.binding).finish();
    const signed = signBroadcast(this.cfg.identity.secretKey, this.slot(1, this.self), payload);
    this.commitments.set(this.self, this.nonces.commitment);
    this.signedCommitments.set(this.self, signed);
    return { outgoing: [{ to: null, payload: signed }] };
  }

  private checkPooled(): void {
    const { suite } = this.cfg.key;
    for (const s of this.signers) {
      const sc = this.pooledBySigner.get(s)!;
      checkPooledCommitment(this.cfg.identity, this.cfg.key, sc);
      this.commitments.set(s, sc.commitment);
      this.signedCommitments.set(s, encodeSignedCommitment(suite, sc));
    }
  }

  private shareMessage() {
    const { curve } = this.cfg.key.suite;
    const pkg = this.signingPackage();
    this.digest = signingPackageDigest(this.cfg.key, pkg);
    this.ownShare = signShare(this.cfg.key, this.nonces!, pkg);
    // The nonces are spent: drop them so this instance can never sign with them again.
    this.nonces = undefined;
    this.ownR = curve.encodePoint(this.ownShare.groupCommitment!);
    const w = new Writer().bytes(this.digest).scalar(curve, this.ownShare.share).bytes(this.ownR).u16(this.signers.length);
    for (const s of this.signers) w.varBytes(this.signedCommitments.get(s)!);
    return { to: null, payload: signBroadcast(this.cfg.identity.secretKey, this.slot(this.shareRound, this.self), w.finish()) };
  }

  private signingPackage() {
    return { message: this.cfg.message, commitments: this.signers.map((s) => this.commitments.get(s)!) };
  }

  protected onRound(round: number, inbox: Inbox): RoundResult<AggregateResult> {
    if (round < this.shareRound) {
      for (const [from, bytes] of inbox.broadcast) this.acceptCommitment(from, bytes);
      return { outgoing: [this.shareMessage()] };
    }
    const received = new Map<number, { message: ShareMessage; signed: Uint8Array }>();
    for (const [from, bytes] of inbox.broadcast) {
      const { payload } = openBroadcast(this.cfg.identity, this.slot(this.shareRound, from), bytes);
      received.set(from, { message: decodeFrom(from, 'signature share', () => this.decodeShareMessage(from, payload)), signed: bytes });
    }
    this.checkAgreement(received);
    const shares = [this.ownShare!, ...[...received.values()].map((r) => r.message.share)];
    try {
      return { output: aggregate(this.cfg.key, this.signingPackage(), shares) };
    } catch (e) {
      // The culprits' signed share messages let every peer repeat the check.
      if (e instanceof ProtocolAbort && e.code === 'bad-signature-share') blame(e.code, e.culprits, e.reason, shareEvidence(e.culprits, received));
      if (e instanceof RangeError) blame('bad-signing-package', [], e.message);
      throw e;
    }
  }

  private acceptCommitment(from: number, bytes: Uint8Array): void {
    const { payload } = openBroadcast(this.cfg.identity, this.slot(1, from), bytes);
    const { suite } = this.cfg.key;
    const c = decodeFrom(from, 'nonce commitment', () => {
      const r = new Reader(payload);
      // The subgroup check is checkCommitment's (it remembers the points it checked).
      const c = { identifier: BigInt(from), hiding: r.point(suite.curve, false), binding: r.point(suite.curve, false) };
      r.end();
      checkCommitment(suite, c);
      return c;
    });
    this.commitments.set(from, c);
    this.signedCommitments.set(from, bytes);
  }

  private decodeShareMessage(from: number, payload: Uint8Array): ShareMessage {
    const { curve } = this.cfg.key.suite;
    const r = new Reader(payload);
    const digest = r.bytes(DIGEST_LENGTH);
    const share = r.scalar(curve);
    // The R this party computed itself, when the sender reports the same bytes: no decoding and
    // no subgroup check for the common case (a differing R is decoded strictly and judged).
    const reported = r.bytes(curve.pointLength);
    const own = this.ownShare?.groupCommitment;
    const groupCommitment = own && this.ownR && equalBytes(reported, this.ownR) ? own : new Reader(reported).point(curve);
    if (r.u16() !== this.signers.length) throw new RangeError('commitment list of the wrong length');
    const commitments = this.signers.map(() => r.varBytes(MAX_SIGNED_COMMITMENT));
    r.end();
    return { digest, share: { identifier: BigInt(from), share, groupCommitment }, commitments };
  }

  /**
   * Every share must be for the package this party signed. A difference convicts a signer that
   * signed two commitments for one slot (its two signatures are the evidence); otherwise nobody
   * among the signers can be shown to have cheated.
   */
  private checkAgreement(received: ReadonlyMap<number, { message: ShareMessage }>): void {
    const differing = [...received].filter(([, r]) => !equalBytes(r.message.digest, this.digest!));
    for (const [, { message }] of differing) {
      this.signers.forEach((s, i) => {
        const mine = this.signedCommitments.get(s)!;
        const theirs = message.commitments[i]!;
        if (equalBytes(mine, theirs)) return;
        const evidence = this.equivocationEvidence(s, mine, theirs);
        if (evidence) blame('equivocation', s, 'signed two different nonce commitments for one slot', evidence);
      });
    }
    if (differing.length) {
      blame('signing-package-mismatch', [], `parties ${differing.map(([id]) => id).join(', ')} signed for a different signing package (message, key, tweak or commitments)`);
    }
  }

  /** Evidence (slot session, slot round, two signed digests) that `signer` signed both commitments for one slot. */
  private equivocationEvidence(signer: number, mine: Uint8Array, theirs: Uint8Array): Uint8Array | undefined {
    if (this.cfg.pooled) {
      let other: SignedCommitment;
      try {
        other = decodeSignedCommitment(this.cfg.key.suite, theirs);
      } catch {
        return undefined;
      }
      return pooledEquivocation(this.cfg.identity, this.cfg.key, this.pooledBySigner.get(signer)!, other);
    }
    const slot = this.slot(1, signer);
    return slotEquivocation(slot, equivocationEvidence(this.cfg.identity, slot, mine, theirs));
  }

  protected override judgeComplaint(from: number, complaint: Complaint): Verdict | undefined {
    // The engine's own equivocation abort (two messages on one channel) carries no evidence: not judged here.
    if (complaint.code === 'equivocation' && complaint.evidence.length === 0) return undefined;
    if (complaint.code === 'equivocation' && complaint.culprits.length === 1) return this.judgeCommitmentEquivocation(from, complaint.culprits[0]!, complaint.evidence);
    if (complaint.code === 'bad-signature-share' && this.digest) return this.judgeShares(from, complaint);
    return undefined;
  }

  private judgeCommitmentEquivocation(complainer: number, accused: number, evidence: Uint8Array): Verdict {
    let slot: BroadcastSlot;
    let proof: Uint8Array;
    try {
      const r = new Reader(evidence);
      const session = r.varBytes(256);
      const round = r.u32();
      proof = r.bytes(4 * DIGEST_LENGTH);
      r.end();
      // Two-round mode: the accused's round-1 broadcast of this session; pooled: a slot of its pool.
      slot = this.cfg.pooled ? { protocol: poolProtocol(this.cfg.key.suite), session, round, from: accused } : this.slot(1, accused);
    } catch {
      return falseComplaint(complainer, accused);
    }
    return judgeEquivocation(this.cfg.identity, [slot], complainer, proof);
  }

  /** Repeats the share check on the accused's signed share messages, under this party's package. */
  private judgeShares(complainer: number, complaint: Complaint): Verdict | undefined {
    let entries: { from: number; signed: Uint8Array }[];
    try {
      const r = new Reader(complaint.evidence);
      entries = Array.from({ length: r.u16() }, () => ({ from: r.u16(), signed: r.varBytes(1 << 16) }));
      r.end();
    } catch {
      return falseComplaint(complainer, complaint.culprits[0] ?? 0);
    }
    const guilty: number[] = [];
    for (const { from, signed } of entries) {
      const opened = this.signers.includes(from) ? openForwarded(this.cfg.identity, this.slot(this.shareRound, from), signed) : undefined;
      if (!opened) return falseComplaint(complainer, from);
      let message: ShareMessage;
      try {
        message = this.decodeShareMessage(from, opened.payload);
      } catch {
        guilty.push(from);
        continue;
      }
      // Signed for another package: this party's own agreement check will report that.
      if (!equalBytes(message.digest, this.digest!)) return undefined;
      if (!verifySignatureShare(this.cfg.key, this.signingPackage(), message.share)) guilty.push(from);
    }
    if (!guilty.length) return falseComplaint(complainer, complaint.culprits[0] ?? 0);
    return { code: 'bad-signature-share', culprits: guilty, reason: `signature share does not verify (reported by ${complainer}, checked here)` };
  }
}

/** The signing set, ascending: this party among at least the threshold of committee members with identity keys. */
function signingSet(key: FrostSigningKey, identity: PartyIdentity, signers: readonly number[]): number[] {
  const set = partySet(signers, 'signers');
  if (!set.includes(Number(key.identifier))) throw new RangeError('this party is not a signer');
  if (set.length < key.threshold) throw new RangeError('fewer signers than the threshold');
  for (const s of set) {
    if (!key.verifyingShares.has(BigInt(s))) throw new RangeError(`signer ${s} is not in the committee`);
    if (!identity.publicKeys.has(s)) throw new RangeError(`signer ${s} has no identity key`);
  }
  return set;
}

/**
 * Pooled commitments come through the coordinator. One whose signature does not verify was not
 * made by its owner, so it is the coordinator's doing and no signer is named; a validly signed
 * commitment outside the prime-order group is its owner's.
 */
function checkPooledCommitment(identity: PartyIdentity, key: FrostSigningKey, sc: SignedCommitment): void {
  const signer = Number(sc.commitment.identifier);
  if (!commitmentSignatureValid(identity, key, sc)) blame('bad-commitment-signature', [], `the pooled commitment handed out for party ${signer} is not signed by it`);
  try {
    checkCommitment(key.suite, sc.commitment);
  } catch {
    blame('bad-commitment', signer, 'signed a nonce commitment outside the prime-order group');
  }
}

/**
 * Pooled FROST with the coordinator as aggregator, RFC 9591's own division of roles: no message
 * between signers. The signer checks the commitments it is handed as FrostSign does, computes its
 * share, and gives the share with the group commitment R it used to the aggregator, which
 * verifies the signature and, when it does not verify, every share (`aggregate`, naming the
 * culprits). A share is no secret: it reveals nothing that the signature does not. `own` is this
 * signer's commitment, matched by the caller against its stored nonces: its signature proves
 * nothing to the signer that made it, so it is not checked.
 */
export function signPooledShare(cfg: {
  key: FrostSigningKey;
  identity: PartyIdentity;
  signers: readonly number[];
  message: Uint8Array;
  pooled: NonNullable<FrostSignConfig['pooled']>;
}): SignatureShare {
  const { key, pooled } = cfg;
  const signers = signingSet(key, cfg.identity, cfg.signers);
  const self = Number(key.identifier);
  if (pooled.commitments.length !== signers.length || pooled.commitments.some((sc, i) => sc.commitment.identifier !== BigInt(signers[i]!))) {
    throw new RangeError('pooled commitments do not match the signing set');
  }
  for (const sc of pooled.commitments) if (Number(sc.commitment.identifier) !== self) checkPooledCommitment(cfg.identity, key, sc);
  return signShare(key, pooled.nonces, { message: cfg.message, commitments: pooled.commitments.map((sc) => sc.commitment) });
}

function shareEvidence(culprits: readonly number[], received: ReadonlyMap<number, { signed: Uint8Array }>): Uint8Array {
  const w = new Writer().u16(culprits.filter((id) => received.has(id)).length);
  for (const id of culprits) {
    const r = received.get(id);
    if (r) w.u16(id).varBytes(r.signed);
  }
  return w.finish();
}
