/** Shared fixtures for the FROST protocol tests: committees with identity keys, adversaries that re-sign. */
import { MemorySessionRegistry } from '../../../src/engine/protocol.js';
import { expect } from 'vitest';
import {
  type AggregateResult,
  FROST_SUITES,
  FrostSign,
  type FrostSuiteName,
  type KeyOptions,
  type Rng,
  type SimulationResult,
  frostSigningKey,
  xOnly,
} from '../../../src/index.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { schnorr, secp256k1_FROST } from '@noble/curves/secp256k1.js';
import { runDkg, session } from '../../helpers.js';

export const SUITES: FrostSuiteName[] = ['ed25519', 'secp256k1', 'secp256k1-tr'];
export const message = new TextEncoder().encode('pay 0.5 BTC to bc1q…');

export function committee(name: FrostSuiteName, t = 2, n = 3) {
  const suite = FROST_SUITES[name];
  const c = runDkg(suite.curve.name, t, n, `frost-${name}-${t}-${n}`);
  return { suite, ...c };
}

export type FrostCommittee = ReturnType<typeof committee>;

/** Two-round signing instances for `signers`; `per` overrides the message or key options of one party. */
export function twoRound(
  c: FrostCommittee,
  signers: number[],
  label: string,
  rng: Rng,
  per: (id: number) => { message?: Uint8Array; options?: KeyOptions } = () => ({}),
): FrostSign[] {
  return signers.map(
    (id) =>
      new FrostSign({
        sessions: new MemorySessionRegistry(),
        key: frostSigningKey(c.suite, c.shares.get(id)!, per(id).options),
        identity: c.identities.get(id)!,
        session: session(label),
        signers,
        message: per(id).message ?? message,
        rng,
      }),
  );
}

/** Every honest party aborted with `code`, naming exactly `culprits` (none of them honest). */
export function expectEveryHonestAbort(result: SimulationResult<AggregateResult>, honest: number[], code: string, culprits: number[]): void {
  for (const id of honest) {
    const abort = result.aborts.get(id);
    expect(abort, `party ${id} aborted`).toBeDefined();
    expect(abort!.code).toBe(code);
    expect([...abort!.culprits]).toEqual(culprits);
    expect(abort!.culprits.some((x) => honest.includes(x))).toBe(false);
  }
  expect(honest.some((id) => result.outputs.has(id))).toBe(false);
}

/** Whether @noble/curves accepts `sig` over the fixtures' message under `key`, as this suite's signature. */
export function verifiesWithNoble(name: FrostSuiteName, key: Parameters<typeof xOnly>[0], sig: Uint8Array): boolean {
  const { curve } = FROST_SUITES[name];
  if (name === 'ed25519') return ed25519.verify(sig, message, curve.encodePoint(key));
  if (name === 'secp256k1-tr') return schnorr.verify(sig, message, xOnly(key));
  return secp256k1_FROST.verify(sig, message, curve.encodePoint(key));
}
