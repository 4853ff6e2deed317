/**
 * Proactive refresh and resharing, both as a dealing in which old shareholders deal their
 * Lagrange-weighted shares (see `../dkg/dealing.ts`). The public key never changes; every new
 * share is fresh, so old and new shares do not combine.
 */
import type { PartyIdentity } from '../../engine/identity.js';
import type { Rng, SessionRegistry } from '../../engine/protocol.js';
import { Dealing } from '../dkg/dealing.js';
import { type KeyShare, type PublicKeyPackage, publicPackageOf } from '../key-share.js';

export interface RefreshConfig {
  share: KeyShare;
  session: Uint8Array;
  identity: PartyIdentity;
  sessions: SessionRegistry;
  rng: Rng;
}

/** Refresh: the whole committee deals and receives, same threshold. */
export function createRefresh(cfg: RefreshConfig): Dealing {
  const { share } = cfg;
  return new Dealing({
    curve: share.curve,
    session: cfg.session,
    self: share.self,
    identity: cfg.identity,
    sessions: cfg.sessions,
    dealers: share.parties,
    receivers: share.parties,
    threshold: share.threshold,
    mode: { kind: 'reshare', old: publicPackageOf(share), oldShare: share.secretShare },
    rng: cfg.rng,
  });
}

export interface ReshareConfig {
  /** The existing key's public package (every participant must hold the same one). */
  old: PublicKeyPackage;
  /** This party's old share, when it is one of the dealers. */
  oldShare?: KeyShare;
  self: number;
  session: Uint8Array;
  identity: PartyIdentity;
  /** Old shareholders that deal: at least the old threshold of them. */
  dealers: readonly number[];
  /** The new committee. */
  receivers: readonly number[];
  /** The new threshold. */
  threshold: number;
  sessions: SessionRegistry;
  rng: Rng;
}

/** Resharing to a new committee and/or threshold with the same public key. */
export function createReshare(cfg: ReshareConfig): Dealing {
  if (cfg.oldShare && cfg.oldShare.self !== cfg.self) throw new RangeError('old share belongs to another party');
  return new Dealing({
    curve: cfg.old.curve,
    session: cfg.session,
    self: cfg.self,
    identity: cfg.identity,
    sessions: cfg.sessions,
    dealers: cfg.dealers,
    receivers: cfg.receivers,
    threshold: cfg.threshold,
    mode: { kind: 'reshare', old: cfg.old, ...(cfg.oldShare ? { oldShare: cfg.oldShare.secretShare } : {}) },
    rng: cfg.rng,
  });
}
