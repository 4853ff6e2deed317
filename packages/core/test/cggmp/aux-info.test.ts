/**
 * Auxiliary-information protocol at the 2048-bit level, with the safe primes of the test
 * fixtures (generating them takes minutes): every party ends with every other party's proven
 * Paillier modulus and ring-Pedersen parameters, and each kind of misbehaviour is named.
 */
import { describe, expect, it } from 'vitest';
import { AuxInfoProtocol, type AuxInfo } from '../../src/protocols/cggmp/aux-info.js';
import { generateIdentities, signBroadcast, unwrapSigned } from '../../src/engine/identity.js';
import { seededRng } from '../../src/engine/rng.js';
import { simulate } from '../../src/engine/simulator.js';
import { Writer } from '../../src/engine/codec.js';
import { decrypt, encryptRandom } from '../../src/paillier/paillier.js';
import { FIXTURE_2048 } from '../fixtures/paillier-fixtures.js';

const level = FIXTURE_2048.level;
const primes = [FIXTURE_2048.keys[0]!, FIXTURE_2048.keys[1]!, { p: FIXTURE_2048.ringPedersen.p, q: FIXTURE_2048.ringPedersen.q }];
const parties = [1, 2, 3];

function setup(seed: string) {
  const rng = seededRng(seed);
  const identities = generateIdentities(parties, rng);
  const session = new TextEncoder().encode(`aux-${seed}`);
  const instances = parties.map((self, i) => new AuxInfoProtocol({ session, self, parties, identity: identities.get(self)!, level, primes: primes[i]!, rng }));
  return { rng, identities, instances };
}

describe('CGGMP auxiliary information', () => {
  it('three parties exchange proven Paillier and ring-Pedersen parameters', () => {
    const { rng, instances } = setup('honest');
    const result = simulate(instances, rng, { reorder: true });
    expect(result.aborts.size).toBe(0);
    const outputs = result.outputs as Map<number, AuxInfo>;
    expect(outputs.size).toBe(3);
    for (const out of outputs.values()) {
      expect([...out.parties.keys()]).toEqual(parties);
      for (const id of parties) {
        expect(out.parties.get(id)!.paillier.n).toBe(outputs.get(id)!.paillier.publicKey.n);
        expect(out.parties.get(id)!.ringPedersen).toEqual(outputs.get(id)!.ringPedersen.params);
        // the ring-Pedersen modulus is the Paillier modulus
        expect(out.parties.get(id)!.ringPedersen.n).toBe(out.parties.get(id)!.paillier.n);
      }
      const { ciphertext } = encryptRandom(out.parties.get(out.self)!.paillier, 42n, rng);
      expect(decrypt(out.paillier, ciphertext)).toBe(42n);
    }
  });

  it('a party whose reveal differs from its commitment is named (bad-decommitment)', () => {
    const { rng, identities, instances } = setup('decommit');
    const result = simulate(instances, rng, {
      tamper: (m) => {
        if (m.from !== 2 || m.round !== 2) return m;
        const { payload } = unwrapSigned(2, m.payload);
        const changed = payload.slice();
        changed[10]! ^= 1; // inside the modulus
        return { ...m, payload: signBroadcast(identities.get(2)!.secretKey, { protocol: m.protocol, session: m.session, round: 2, from: 2 }, changed) };
      },
    });
    for (const id of [1, 3]) {
      expect(result.aborts.get(id)!.code).toBe('bad-decommitment');
      expect([...result.aborts.get(id)!.culprits]).toEqual([2]);
    }
  });

  it('a Π^fac made for another verifier is refused and its prover named (bad-proof)', () => {
    const { rng, instances } = setup('fac-swap');
    const result = simulate(instances, rng, {
      // the relay hands party 1 the proof party 3 made against party 2's parameters
      tamper: (m) => (m.from === 3 && m.round === 3 ? (m.to === 1 ? null : { ...m, to: 1 }) : m),
    });
    expect(result.aborts.get(1)!.code).toBe('bad-proof');
    expect([...result.aborts.get(1)!.culprits]).toEqual([3]);
    expect(result.outputs.has(1)).toBe(false);
  });

  it('garbage in place of the commitment is named (malformed-message)', () => {
    const { rng, identities, instances } = setup('garbage');
    const result = simulate(instances, rng, {
      tamper: (m) =>
        m.from === 1 && m.round === 1
          ? { ...m, payload: signBroadcast(identities.get(1)!.secretKey, { protocol: m.protocol, session: m.session, round: 1, from: 1 }, new Writer().u8(7).finish()) }
          : m,
    });
    for (const id of [2, 3]) {
      expect(result.aborts.get(id)!.code).toBe('malformed-message');
      expect([...result.aborts.get(id)!.culprits]).toEqual([1]);
    }
  });

  it('refuses primes that are not safe primes', () => {
    const identities = generateIdentities(parties, seededRng('x'));
    expect(
      () =>
        new AuxInfoProtocol({ session: new Uint8Array(8), self: 1, parties, identity: identities.get(1)!, level, primes: FIXTURE_2048.smallFactor, rng: seededRng('y') }),
    ).toThrow();
  });
});
