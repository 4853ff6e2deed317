/** Distributed key generation: every committee member deals; see `dealing.ts`. */
import type { PartyIdentity } from '../../engine/identity.js';
import type { Rng, SessionRegistry } from '../../engine/protocol.js';
import type { CurveName } from '../../math/curve.js';
import { Dealing } from './dealing.js';

export interface DkgConfig {
  curve: CurveName;
  session: Uint8Array;
  self: number;
  parties: readonly number[];
  threshold: number;
  identity: PartyIdentity;
  sessions: SessionRegistry;
  rng: Rng;
}

export function createDkg(cfg: DkgConfig): Dealing {
  return new Dealing({ ...cfg, dealers: cfg.parties, receivers: cfg.parties, mode: { kind: 'dkg' } });
}

export { Dealing, type DealingConfig, type DealingMode, type DealingOutput, openDealingCertificate } from './dealing.js';
