/** Shared setup of the threshold-ECDSA tests: 2048-bit fixture primes, a DKG'd committee and its auxiliary info. */
import { MemorySessionRegistry } from '../../../src/engine/protocol.js';
import { expect } from 'vitest';
import { AuxInfoProtocol, type AuxInfo } from '../../../src/protocols/cggmp/aux-info.js';
import { seededRng } from '../../../src/rng.js';
import { simulate } from '../../../src/engine/simulator.js';
import { FIXTURE_2048 } from '../../fixtures/paillier-fixtures.js';
import { type Committee, runDkg } from '../../helpers.js';

export const level = FIXTURE_2048.level;

/** Three parties' safe-prime pairs: two fixture keys and the ring-Pedersen pair. */
export const primes = [FIXTURE_2048.keys[0]!, FIXTURE_2048.keys[1]!, { p: FIXTURE_2048.ringPedersen.p, q: FIXTURE_2048.ringPedersen.q }];

/** A 2-of-3 secp256k1 key from a real DKG, with auxiliary info among parties 1, 2 and 3. */
export function ecdsaCommittee(seed: string): { committee: Committee; aux: Map<number, AuxInfo> } {
  const committee = runDkg('secp256k1', 2, 3, `${seed}-dkg`);
  const rng = seededRng(`${seed}-aux`);
  const session = new TextEncoder().encode(`${seed}-aux`);
  const parties = [1, 2, 3];
  const result = simulate(
    parties.map((self, i) => new AuxInfoProtocol({ sessions: new MemorySessionRegistry(), session, self, parties, identity: committee.identities.get(self)!, level, primes: primes[i]!, rng })),
    rng,
  );
  expect(result.aborts.size).toBe(0);
  return { committee, aux: result.outputs as Map<number, AuxInfo> };
}
