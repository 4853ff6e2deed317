/**
 * Unique sessions (issue "Core hardening", item 2). An honest party that ran a protocol twice under
 * one session id would sign two different messages for the same slot, and a relay that hands the
 * first run's message to some peers and the second run's to others gets it convicted of
 * equivocation. Every instance claims its (protocol, session) in the party's registry before it
 * computes or signs anything, so the second run never produces a message.
 */
import { describe, expect, it } from 'vitest';
import {
  FROST_ED25519,
  FrostSign,
  MemorySessionRegistry,
  PresignProtocol,
  type ProtocolMessage,
  SessionReuseError,
  createDkg,
  frostSigningKey,
  generateIdentities,
  seededRng,
  sessionRegistries,
  simulate,
} from '../../src/index.js';
import { ids, runDkg, session } from '../helpers.js';
import { ecdsaCommittee } from '../protocols/cggmp/ecdsa-setup.js';

describe('MemorySessionRegistry', () => {
  it('grants a (protocol, session) once, and independently per protocol', () => {
    const registry = new MemorySessionRegistry();
    const s = session('registry');
    expect(registry.claim('dkg/secp256k1', s)).toBe(true);
    expect(registry.claim('dkg/secp256k1', s)).toBe(false);
    expect(registry.claim('dkg/secp256k1', s.slice())).toBe(false);
    expect(registry.claim('reshare/secp256k1', s)).toBe(true);
    expect(registry.claim('dkg/secp256k1', session('registry-2'))).toBe(true);
  });
});

describe('reused session id', () => {
  const parties = ids(3);
  const sid = session('reused-dkg');

  /** Runs a DKG among 1..3 under `sid`; `tamper` is the relay. */
  function dkgRun(seed: string, registries: Map<number, MemorySessionRegistry>, tamper?: (m: ProtocolMessage, to: number) => ProtocolMessage | null) {
    const rng = seededRng(seed);
    const identities = generateIdentities(parties, seededRng('reused-dkg-identities'));
    const instances = parties.map((self) =>
      createDkg({ curve: 'ed25519', session: sid, self, parties, threshold: 2, identity: identities.get(self)!, sessions: registries.get(self)!, rng }),
    );
    return { instances, run: () => simulate(instances, rng, tamper ? { tamper } : {}) };
  }

  it('control: a party without a registry that runs a DKG twice under one id is framed for equivocation by a replaying relay', () => {
    // Run 1 completes; the relay keeps party 2's round-1 messages to party 3.
    const recorded = new Map<string, ProtocolMessage>();
    const first = dkgRun('run-1', sessionRegistries(parties), (m, to) => {
      if (m.from === 2 && m.round === 1 && to === 3) recorded.set(m.to === null ? 'b' : 'd', m);
      return m;
    }).run();
    expect(first.aborts.size).toBe(0);
    // Run 2 under the same id with registries that forget: party 3 gets run 1's (validly signed) dealing.
    const second = dkgRun('run-2', sessionRegistries(parties), (m, to) => (m.from === 2 && m.round === 1 && to === 3 ? recorded.get(m.to === null ? 'b' : 'd')! : m)).run();
    for (const honest of [1, 3]) {
      expect(second.aborts.get(honest)?.code).toBe('equivocation');
      expect(second.aborts.get(honest)?.culprits).toEqual([2]);
    }
  });

  it('the same attack with every party keeping its registry: the second run is refused before anything is signed', () => {
    const registries = sessionRegistries(parties);
    expect(dkgRun('run-1', registries).run().aborts.size).toBe(0);
    const { instances } = dkgRun('run-2', registries);
    for (const instance of instances) {
      expect(() => instance.start()).toThrow(SessionReuseError);
      // Nothing was produced and the instance never ran: it has nothing to wait for or to sign.
      expect(instance.waitingFor()).toEqual([]);
    }
  });

  it('FROST signing refuses a reused id, so a second signature share under it is never made', () => {
    const { shares, identities } = runDkg('ed25519', 2, 3, 'reused-frost');
    const registry = new MemorySessionRegistry();
    const make = () =>
      new FrostSign({ key: frostSigningKey(FROST_ED25519, shares.get(1)!), identity: identities.get(1)!, session: session('reused-frost'), signers: [1, 2], message: new Uint8Array([1]), rng: seededRng('f'), sessions: registry });
    expect(make().start().status).toBe('continue');
    expect(() => make().start()).toThrow(SessionReuseError);
  });

  it('CGGMP presigning refuses a reused id before its round-1 messages are made', () => {
    const { committee, aux } = ecdsaCommittee('reused-presign');
    const registry = new MemorySessionRegistry();
    const make = () =>
      new PresignProtocol({ key: committee.shares.get(1)!, aux: aux.get(1)!, signers: [1, 2], session: session('reused-presign'), identity: committee.identities.get(1)!, sessions: registry, rng: seededRng('p') });
    expect(make().start().outgoing.length).toBeGreaterThan(0);
    expect(() => make().start()).toThrow(SessionReuseError);
  }, 120_000);
});
