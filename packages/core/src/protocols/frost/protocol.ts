/**
 * FROST signing as a protocol instance for the engine. Every signer broadcasts its commitment
 * (round 1), then its signature share with the group commitment it computed (round 2); every
 * signer aggregates and verifies, and a bad share aborts naming its sender. With commitments
 * taken from a pool beforehand the commitment round is skipped: one online round.
 */
import { Reader, Writer } from '../../engine/codec.js';
import { blame } from '../../engine/errors.js';
import { type Inbox, type RoundResult, type Rng, type SessionRegistry, RoundBasedProtocol, decodeFrom, partySet } from '../../engine/protocol.js';
import { type AggregateResult, type FrostSigningKey, type NonceCommitment, type SignatureShare, type SigningNonces, aggregate, commit, signShare } from './sign.js';

export interface FrostSignConfig {
  /** This party's used-session registry; the instance refuses to start under a used id. */
  sessions: SessionRegistry;
  key: FrostSigningKey;
  session: Uint8Array;
  /** The signing set (at least the threshold), including this party. */
  signers: readonly number[];
  message: Uint8Array;
  rng: Rng;
  /** Pre-agreed commitments of every signer and this signer's nonces for its own (taken from its pool). */
  pooled?: { commitments: readonly NonceCommitment[]; nonces: SigningNonces };
}

export class FrostSign extends RoundBasedProtocol<AggregateResult> {
  private readonly cfg: FrostSignConfig;
  private readonly signers: number[];
  private nonces: SigningNonces | undefined;
  private commitments = new Map<number, NonceCommitment>();
  private ownShare: SignatureShare | undefined;

  constructor(cfg: FrostSignConfig) {
    const rounds = cfg.pooled ? [{ broadcast: true, direct: false }] : [
      { broadcast: true, direct: false },
      { broadcast: true, direct: false },
    ];
    super(`frost-sign/${cfg.key.suite.name}`, cfg.session, Number(cfg.key.identifier), rounds, cfg.sessions);
    this.cfg = cfg;
    this.signers = partySet(cfg.signers, 'signers');
    if (!this.signers.includes(this.self)) throw new RangeError('this party is not a signer');
    if (this.signers.length < cfg.key.threshold) throw new RangeError('fewer signers than the threshold');
    for (const s of this.signers) if (!cfg.key.verifyingShares.has(BigInt(s))) throw new RangeError(`signer ${s} is not in the committee`);
    if (cfg.pooled) {
      for (const c of cfg.pooled.commitments) this.commitments.set(Number(c.identifier), c);
      if (this.signers.some((s) => !this.commitments.has(s)) || this.commitments.size !== this.signers.length) {
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

  protected onStart(): RoundResult<AggregateResult> {
    if (this.cfg.pooled) return { outgoing: [this.shareMessage()] };
    this.nonces = commit(this.cfg.key, this.cfg.rng);
    this.commitments.set(this.self, this.nonces.commitment);
    const { curve } = this.cfg.key.suite;
    return { outgoing: [{ to: null, payload: new Writer().point(curve, this.nonces.commitment.hiding).point(curve, this.nonces.commitment.binding).finish() }] };
  }

  private shareMessage() {
    const { curve } = this.cfg.key.suite;
    this.ownShare = signShare(this.cfg.key, this.nonces!, this.signingPackage());
    // The nonces are spent: drop them so this instance can never sign with them again.
    this.nonces = undefined;
    return { to: null, payload: new Writer().scalar(curve, this.ownShare.share).point(curve, this.ownShare.groupCommitment!).finish() };
  }

  private signingPackage() {
    return { message: this.cfg.message, commitments: this.signers.map((s) => this.commitments.get(s)!) };
  }

  protected onRound(round: number, inbox: Inbox): RoundResult<AggregateResult> {
    const { curve } = this.cfg.key.suite;
    if (round < this.shareRound) {
      for (const [from, payload] of inbox.broadcast) {
        const c = decodeFrom(from, 'nonce commitment', () => {
          const r = new Reader(payload);
          const hiding = r.point(curve);
          const binding = r.point(curve);
          r.end();
          return { identifier: BigInt(from), hiding, binding };
        });
        this.commitments.set(from, c);
      }
      return { outgoing: [this.shareMessage()] };
    }
    const shares: SignatureShare[] = [this.ownShare!];
    for (const [from, payload] of inbox.broadcast) {
      shares.push(
        decodeFrom(from, 'signature share', () => {
          const r = new Reader(payload);
          const share = r.scalar(curve);
          const groupCommitment = r.point(curve);
          r.end();
          return { identifier: BigInt(from), share, groupCommitment };
        }),
      );
    }
    try {
      return { output: aggregate(this.cfg.key, this.signingPackage(), shares) };
    } catch (e) {
      if (e instanceof RangeError) blame('bad-signing-package', [], e.message);
      throw e;
    }
  }
}
