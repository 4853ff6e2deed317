/** Shared fixtures for protocol tests: keys made by a real DKG over the simulator. */
import { MemorySessionRegistry } from '../src/engine/protocol.js';
import { expect } from 'vitest';
import {
  type CurveName,
  type KeyShare,
  type PartyIdentity,
  type ProtocolAbort,
  type ProtocolMessage,
  type SimulationResult,
  createDkg,
  createReshare,
  generateIdentities,
  publicPackageOf,
  signBroadcast,
  unwrapSigned,
  interpolateAtZero,
  seededRng,
  simulate,
  CURVES,
} from '../src/index.js';

export function ids(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

export interface Committee {
  curve: CurveName;
  identities: Map<number, PartyIdentity>;
  shares: Map<number, KeyShare>;
}

export function session(label: string): Uint8Array {
  return new TextEncoder().encode(label.padEnd(32, '.')).slice(0, 32);
}

export function runDkg(curve: CurveName, t: number, n: number, seed = `dkg-${curve}-${t}-${n}`, extraIdentities: number[] = []): Committee {
  const rng = seededRng(seed);
  const identities = generateIdentities([...ids(n), ...extraIdentities], rng);
  const result = simulate(
    ids(n).map((self) => createDkg({ sessions: new MemorySessionRegistry(), curve, session: session(seed), self, parties: ids(n), threshold: t, identity: identities.get(self)!, rng })),
    rng,
  );
  expect(result.aborts.size).toBe(0);
  expect(result.outputs.size).toBe(n);
  return { curve, identities, shares: new Map(ids(n).map((id) => [id, result.outputs.get(id)!.share as KeyShare])) };
}

/** The secret the shares of `who` interpolate to (test oracle only). */
export function secretOf(shares: KeyShare[]): bigint {
  const curve = CURVES[shares[0]!.curve];
  return interpolateAtZero(curve, shares.map((s) => ({ x: BigInt(s.self), y: s.secretShare })));
}

/** Asserts every party aborted or stalled, that at least one aborted, and that all aborts blame exactly `culprits`. */
export function expectBlame<T>(result: SimulationResult<T>, culprits: number[], code?: string, honest: number[] = []): ProtocolAbort[] {
  expect(result.aborts.size).toBeGreaterThan(0);
  const aborts = [...result.aborts.entries()].filter(([id]) => honest.length === 0 || honest.includes(id)).map(([, a]) => a);
  expect(aborts.length).toBeGreaterThan(0);
  for (const a of aborts) {
    expect([...a.culprits]).toEqual(culprits);
    if (code) expect(a.code).toBe(code);
  }
  return aborts;
}

/**
 * Replacing party 1 of a 2-of-3 key by party 4: dealers {1, 2} reshare to {2, 3, 4}, threshold 2.
 * `old` must hold an identity for party 4 (runDkg's extraIdentities). One instance per party 1..4.
 */
export function replacePartyOne(old: Committee, seed: string, rng = seededRng(seed)) {
  const pub = publicPackageOf(old.shares.get(1)!);
  const parties = [1, 2, 3, 4].map((self) =>
    createReshare({
      sessions: new MemorySessionRegistry(),
      old: pub,
      ...(self <= 2 ? { oldShare: old.shares.get(self)! } : {}),
      self,
      session: session(seed),
      identity: old.identities.get(self)!,
      dealers: [1, 2],
      receivers: [2, 3, 4],
      threshold: 2,
      rng,
    }),
  );
  return { pub, parties, rng };
}

/**
 * `m` with its signed payload replaced by `edit(payload)` and signed again, for the same slot
 * (broadcast or direct), with the sender's own key: what a cheating sender, which holds that key,
 * can send. `edit` receives a copy.
 */
export function resign(identities: ReadonlyMap<number, PartyIdentity>, m: ProtocolMessage, edit: (payload: Uint8Array) => Uint8Array): ProtocolMessage {
  const { payload } = unwrapSigned(m.from, m.payload);
  const slot = { protocol: m.protocol, session: m.session, round: m.round, from: m.from, ...(m.to === null ? {} : { to: m.to }) };
  return { ...m, payload: signBroadcast(identities.get(m.from)!.secretKey, slot, edit(payload)) };
}
