import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesToHex } from '../../src/bytes.js';
import { type ProtocolMessage } from '../../src/engine/codec.js';
import { generateIdentities, signBroadcast } from '../../src/engine/identity.js';
import { seededRng } from '../../src/rng.js';
import { type SimulationResult, type SimulatorFaults, simulate } from '../../src/engine/simulator.js';
import { ECHO_PROTOCOL, EchoToy, type ToyConfig, type ToyOutput, ToyProtocol, frame, toySession, xor } from './toy.js';

const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** Toy parties with per-party randomness, so that their values do not depend on the network. */
function toyParties(n: number, seed: string, overrides: Partial<ToyConfig> = {}): ToyProtocol[] {
  return ids(n).map(
    (self) => new ToyProtocol({ session: toySession(seed), self, parties: ids(n), rng: seededRng(`${seed}/party-${self}`), ...overrides }),
  );
}

function run(n: number, seed: string, faults: SimulatorFaults = {}, overrides: Partial<ToyConfig> = {}) {
  const parties = toyParties(n, seed, overrides);
  const result = simulate(parties, seededRng(`${seed}/network`), faults);
  return { parties, result };
}

function expectAllDone(result: SimulationResult<unknown>, n: number): void {
  expect(result.aborts.size).toBe(0);
  expect(result.stalled.size).toBe(0);
  expect(result.outputs.size).toBe(n);
}

function serialise(result: SimulationResult<ToyOutput>): string[] {
  return [...result.outputs].sort((a, b) => a[0] - b[0]).map(([id, o]) => `${id}:${bytesToHex(o.common)}:${bytesToHex(o.direct)}`);
}

describe('simulator with the toy protocol', () => {
  it('completes without faults, with the expected number of deliveries', () => {
    const { parties, result } = run(3, 'plain');
    expectAllDone(result, 3);
    // 3 broadcasts to 2 peers + 6 direct messages.
    expect(result.deliveries).toBe(12);
    const common = parties.reduce<Uint8Array>((acc, p) => xor(acc, p.ownValue), new Uint8Array(32));
    for (const o of result.outputs.values()) expect(bytesToHex(o.common)).toBe(bytesToHex(common));
  });

  it('is deterministic for a given seed', () => {
    const faults = { drop: 0.3, duplicate: 0.3, reorder: true };
    const a = run(4, 'det', faults).result;
    const b = run(4, 'det', faults).result;
    expect(a.deliveries).toBe(b.deliveries);
    expect(serialise(a)).toEqual(serialise(b));
  });

  it('completes under drop 0.3 + duplicate 0.3 + reorder for many seeds, with the fault-free result (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 12 }), fc.integer({ min: 2, max: 5 }), (seed, n) => {
        const reference = run(n, seed).result;
        expectAllDone(reference, n);
        const { result } = run(n, seed, { drop: 0.3, duplicate: 0.3, reorder: true });
        expectAllDone(result, n);
        expect(serialise(result)).toEqual(serialise(reference));
        expect(result.deliveries).toBeGreaterThanOrEqual(reference.deliveries);
      }),
      { numRuns: 30 },
    );
  });

  it('completes with signed broadcasts under faults (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 12 }), (seed) => {
        const identities = generateIdentities(ids(3), seededRng(`${seed}/ids`));
        const parties = ids(3).map(
          (self) =>
            new ToyProtocol({ session: toySession(seed), self, parties: ids(3), rng: seededRng(`${seed}/${self}`), identity: identities.get(self)! }),
        );
        const result = simulate(parties, seededRng(seed), { drop: 0.3, duplicate: 0.3, reorder: true });
        expectAllDone(result, 3);
        expect(new Set([...result.outputs.values()].map((o) => bytesToHex(o.common))).size).toBe(1);
      }),
      { numRuns: 8 },
    );
  });

  it('a silent party leaves the others stalled, waiting for it', () => {
    const { result } = run(3, 'silent', { silent: [3] });
    expect(result.outputs.size).toBe(0);
    expect(result.aborts.size).toBe(0);
    // Parties 1 and 2 never get party 3's round-1 broadcast; party 3 completes round 1 but never
    // gets the round-2 messages of 1 and 2, which are themselves stuck in round 1.
    expect(new Map([...result.stalled].sort((a, b) => a[0] - b[0]))).toEqual(
      new Map([
        [1, [3]],
        [2, [3]],
        [3, [1, 2]],
      ]),
    );
  });

  it('a silent party among many: everyone else waits for it (with drops and reordering)', () => {
    const { result } = run(5, 'silent-5', { silent: [2], drop: 0.2, reorder: true, duplicate: 0.2 });
    expect(result.outputs.size).toBe(0);
    expect(result.aborts.size).toBe(0);
    for (const id of [1, 3, 4, 5]) expect(result.stalled.get(id)).toEqual([2]);
    expect(result.stalled.get(2)).toEqual([1, 3, 4, 5]);
  });

  it('a link that drops everything stalls exactly the parties that depend on it', () => {
    const tamper = (m: ProtocolMessage, to: number) => (m.from === 1 && to === 2 ? null : m);
    const { result } = run(3, 'cut-link', { tamper });
    expect(result.outputs.size).toBe(0);
    expect(result.aborts.size).toBe(0);
    expect(new Map([...result.stalled].sort((a, b) => a[0] - b[0]))).toEqual(
      new Map([
        [1, [2]],
        [2, [1]],
        [3, [2]],
      ]),
    );
  });

  it('a party whose payloads are corrupted is named by every honest party (checksummed payloads)', () => {
    for (const seed of ['corrupt-a', 'corrupt-b', 'corrupt-c']) {
      const { result } = run(4, seed, { corrupt: [2], reorder: seed !== 'corrupt-a' });
      expect(result.outputs.size).toBe(0);
      for (const honest of [1, 3, 4]) {
        const abort = result.aborts.get(honest);
        expect(abort, `party ${honest}`).toBeDefined();
        expect(abort!.code).toBe('malformed-message');
        expect([...abort!.culprits]).toEqual([2]);
      }
      // Nobody blames an honest party; the corrupt party itself does not finish.
      for (const a of result.aborts.values()) if (a.culprits.length > 0) expect([...a.culprits]).toEqual([2]);
      expect(result.aborts.has(2) || result.stalled.has(2)).toBe(true);
    }
  });

  it('a party whose signed payloads are corrupted is named by every honest party', () => {
    for (const seed of ['sig-corrupt-a', 'sig-corrupt-b', 'sig-corrupt-c', 'sig-corrupt-d']) {
      const identities = generateIdentities(ids(3), seededRng(`${seed}/ids`));
      const parties = ids(3).map(
        (self) => new ToyProtocol({ session: toySession(seed), self, parties: ids(3), rng: seededRng(`${seed}/${self}`), identity: identities.get(self)! }),
      );
      const result = simulate(parties, seededRng(seed), { corrupt: [3] });
      expect(result.outputs.size).toBe(0);
      for (const honest of [1, 2]) {
        const abort = result.aborts.get(honest)!;
        expect(abort, `party ${honest}`).toBeDefined();
        // A flipped bit in the length prefix breaks the framing; anywhere else, the signature.
        expect(['bad-signature', 'malformed-message']).toContain(abort.code);
        expect([...abort.culprits]).toEqual([3]);
      }
    }
  });

  it('drops and duplicates cost extra deliveries but change nothing else', () => {
    const reference = run(3, 'costs').result;
    expect(reference.deliveries).toBe(12);
    for (const faults of [{ drop: 0.5 }, { duplicate: 0.5 }, { drop: 0.3, duplicate: 0.3, reorder: true }]) {
      const { result } = run(3, 'costs', faults);
      expectAllDone(result, 3);
      expect(result.deliveries, JSON.stringify(faults)).toBeGreaterThan(12);
      expect(serialise(result)).toEqual(serialise(reference));
    }
  });

  it('corrupt flips exactly one bit of each payload the party sends', () => {
    const parties = toyParties(3, 'one-bit');
    const original = frame(parties[1]!.ownValue);
    const seen: number[] = [];
    const tamper = (m: ProtocolMessage) => {
      if (m.from === 2 && m.round === 1) {
        let bits = 0;
        for (let i = 0; i < original.length; i++) for (let x = original[i]! ^ m.payload[i]!; x; x >>= 1) bits += x & 1;
        seen.push(bits);
      }
      return m;
    };
    simulate(parties, seededRng('one-bit/network'), { corrupt: [2], tamper });
    expect(seen).toEqual([1, 1]);
  });

  // Regression: the simulator used to ignore the byteOffset of the RNG's array, so an RNG handing
  // out views into a larger buffer drove it with the wrong bytes. Here the RNG returns
  // 80 00 00 00 (random() = 0.5), so the corrupted bit must be bit 256 of the 512-bit payload.
  it('uses the bytes the RNG returns, even when they are a view into a larger buffer', () => {
    const backing = Uint8Array.of(0, 0, 0, 0, 0x80, 0, 0, 0);
    const viewRng = (n: number) => {
      expect(n).toBe(4);
      return backing.subarray(4, 8);
    };
    const parties = toyParties(2, 'view-rng');
    const original = frame(parties[0]!.ownValue);
    let flipped = -1;
    const tamper = (m: ProtocolMessage) => {
      if (m.from === 1 && m.round === 1) flipped = original.findIndex((b, i) => b !== m.payload[i]);
      return m;
    };
    simulate(parties, viewRng, { corrupt: [1], tamper });
    expect(flipped).toBe(32);
  });

  it('rejects duplicate party identifiers', () => {
    const parties = toyParties(2, 'dup');
    expect(() => simulate([...parties, parties[0]!], seededRng('dup'))).toThrow(RangeError);
  });
});

describe('simulator with echo broadcast', () => {
  function echoParties(n: number, seed: string) {
    const identities = generateIdentities(ids(n), seededRng(`${seed}/ids`));
    const parties = ids(n).map(
      (self) => new EchoToy({ session: toySession(seed), self, parties: ids(n), rng: seededRng(`${seed}/${self}`), identity: identities.get(self)! }),
    );
    return { identities, parties };
  }

  it('completes under faults (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 12 }), (seed) => {
        const { parties } = echoParties(3, seed);
        const result = simulate(parties, seededRng(seed), { drop: 0.3, duplicate: 0.3, reorder: true });
        expectAllDone(result, 3);
        expect(new Set([...result.outputs.values()].map(bytesToHex)).size).toBe(1);
      }),
      { numRuns: 8 },
    );
  });

  it('a sender that signs different broadcasts for different recipients is convicted by the echoes', () => {
    const seed = 'equivocate';
    const { identities, parties } = echoParties(4, seed);
    // Party 2 sends a second, validly signed value to party 4 only.
    const tamper = (m: ProtocolMessage, to: number): ProtocolMessage => {
      if (m.from !== 2 || m.round !== 1 || to !== 4) return m;
      const slot = { protocol: ECHO_PROTOCOL, session: m.session, round: 1, from: 2 };
      return { ...m, payload: signBroadcast(identities.get(2)!.secretKey, slot, frame(new Uint8Array(32).fill(0x42))) };
    };
    const result = simulate(parties, seededRng(seed), { tamper, reorder: true });
    expect(result.outputs.size).toBe(0);
    for (const honest of [1, 3, 4]) {
      const abort = result.aborts.get(honest);
      expect(abort, `party ${honest}`).toBeDefined();
      expect(abort!.code).toBe('equivocation');
      expect([...abort!.culprits]).toEqual([2]);
    }
  });

  it('an echoer that lies about a broadcast is convicted (bad-echo)', () => {
    const seed = 'lying-echo';
    const { parties } = echoParties(3, seed);
    // Party 3 replaces the digest of party 1's broadcast in its echo without a valid signature.
    const tamper = (m: ProtocolMessage): ProtocolMessage => {
      if (m.from !== 3 || m.round !== 2) return m;
      const payload = m.payload.slice();
      payload[2 + 2 + 1]! ^= 1; // first entry (party 1): a digest byte
      return { ...m, payload };
    };
    const result = simulate(parties, seededRng(seed), { tamper });
    // Only the liar, which saw honest echoes, finishes.
    expect([...result.outputs.keys()]).toEqual([3]);
    for (const honest of [1, 2]) {
      const abort = result.aborts.get(honest);
      expect(abort, `party ${honest}`).toBeDefined();
      expect(abort!.code).toBe('bad-echo');
      expect([...abort!.culprits]).toEqual([3]);
    }
  });
});
