import { MemorySessionRegistry } from '../../../src/engine/protocol.js';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CURVES,
  type CurveName,
  type KeyShare,
  type ProtocolMessage,
  Dealing,
  createDkg,
  checkKeyShare,
  decodeKeyShare,
  encodeKeyShare,
  generateIdentities,
  openBroadcast,
  seededRng,
  signBroadcast,
  simulate,
  unwrapSigned,
  encodeComplaint,
  COMPLAINT_ROUND,
  Writer,
} from '../../../src/index.js';
import { expectBlame, ids, runDkg, secretOf, session } from '../../helpers.js';

const CURVE_NAMES: CurveName[] = ['secp256k1', 'ed25519'];

function dkgParties(curve: CurveName, t: number, n: number, seed: string) {
  const rng = seededRng(seed);
  const identities = generateIdentities(ids(n), rng);
  const parties = ids(n).map((self) => createDkg({ sessions: new MemorySessionRegistry(), curve, session: session(seed), self, parties: ids(n), threshold: t, identity: identities.get(self)!, rng }));
  return { rng, identities, parties };
}

function checkCommittee(shares: KeyShare[], t: number) {
  const curve = CURVES[shares[0]!.curve];
  const pk = shares[0]!.publicKey;
  for (const s of shares) {
    expect(s.publicKey.equals(pk)).toBe(true);
    expect(s.threshold).toBe(t);
    for (const [id, Y] of s.verificationShares) expect(Y.equals(shares[0]!.verificationShares.get(id)!)).toBe(true);
    checkKeyShare(s);
  }
  // any t shares reconstruct the key; t−1 do not
  expect(curve.mulBase(secretOf(shares.slice(0, t))).equals(pk)).toBe(true);
  expect(curve.mulBase(secretOf(shares.slice(-t))).equals(pk)).toBe(true);
  if (t > 1) expect(curve.mulBase(secretOf(shares.slice(0, t - 1))).equals(pk)).toBe(false);
}

describe('DKG', () => {
  for (const curve of CURVE_NAMES) {
    for (const [t, n] of [[1, 1], [1, 3], [2, 3], [3, 3], [3, 5]] as const) {
      it(`${curve} ${t}-of-${n}: consistent shares, any t reconstruct, t−1 do not`, () => {
        const { shares } = runDkg(curve, t, n);
        checkCommittee([...shares.values()], t);
      });
    }
  }

  it('ed25519 17-of-32 completes with consistent shares', () => {
    const { shares } = runDkg('ed25519', 17, 32);
    checkCommittee([...shares.values()], 17);
  }, 120_000);

  it('completes under loss with retransmission, duplication and reordering (many seeds)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.constantFrom(...CURVE_NAMES), (seed, curve) => {
        const { rng, parties } = dkgParties(curve, 2, 4, `faults-${seed}`);
        const result = simulate(parties, rng, { drop: 0.3, duplicate: 0.3, delay: 0.3, reorder: seed % 2 === 0 });
        expect(result.aborts.size).toBe(0);
        expect(result.outputs.size).toBe(4);
        checkCommittee([...result.outputs.values()].map((o) => o.share as KeyShare), 2);
      }),
      { numRuns: 12 },
    );
  });

  it('a silent party stalls the others, who name it in waitingFor', () => {
    const { rng, parties } = dkgParties('secp256k1', 2, 3, 'silent');
    const result = simulate(parties, rng, { silent: [2] });
    expect(result.outputs.size).toBe(0);
    expect(result.stalled.get(1)).toEqual([2]);
    expect(result.stalled.get(3)).toEqual([2]);
  });

  it('key shares round-trip through their encoding and reject tampering', () => {
    const { shares } = runDkg('ed25519', 2, 3);
    const s = shares.get(2)!;
    const bytes = encodeKeyShare(s);
    const back = decodeKeyShare(bytes);
    expect(back.secretShare).toBe(s.secretShare);
    expect(back.publicKey.equals(s.publicKey)).toBe(true);
    const tampered = bytes.slice();
    tampered[tampered.length - 1]! ^= 1; // secret share no longer matches its verification share
    expect(() => decodeKeyShare(tampered)).toThrow();
    expect(() => decodeKeyShare(bytes.subarray(0, bytes.length - 1))).toThrow();
  });

  it('rejects bad configurations', () => {
    const identities = generateIdentities(ids(3), seededRng('cfg'));
    const base = { curve: 'ed25519' as const, session: session('cfg'), self: 1, parties: ids(3), identity: identities.get(1)!, rng: seededRng('r') };
    expect(() => createDkg({ sessions: new MemorySessionRegistry(), ...base, threshold: 4 })).toThrow(RangeError);
    expect(() => createDkg({ sessions: new MemorySessionRegistry(), ...base, threshold: 0 })).toThrow(RangeError);
    expect(() => createDkg({ sessions: new MemorySessionRegistry(), ...base, threshold: 2, self: 4 })).toThrow(RangeError);
    expect(() => createDkg({ sessions: new MemorySessionRegistry(), ...base, threshold: 2, parties: [1, 1, 2] })).toThrow(RangeError);
    expect(() => createDkg({ sessions: new MemorySessionRegistry(), ...base, threshold: 2, session: new Uint8Array(0) })).toThrow(RangeError);
  });
});

describe('DKG adversaries are named', () => {
  for (const curve of CURVE_NAMES) {
    it(`${curve}: a wrong (validly signed) share from party 2 → 1 blames 2, and 3 agrees on 1's evidence`, () => {
      const { rng, identities, parties } = dkgParties(curve, 2, 3, `badshare-${curve}`);
      const c = CURVES[curve];
      const result = simulate(parties, rng, {
        tamper: (m, to) => {
          if (m.from !== 2 || m.round !== 1 || m.to !== 1 || to !== 1) return m;
          const slot = { protocol: m.protocol, session: m.session, round: 1, from: 2, to: 1 };
          const share = c.decodeScalar(unwrapSigned(2, m.payload).payload);
          const wrong = new Writer().scalar(c, (share + 1n) % c.order).finish();
          return { ...m, payload: signBroadcast(identities.get(2)!.secretKey, slot, wrong) };
        },
      });
      const aborts = expectBlame(result, [2], 'bad-share', [1, 3]);
      expect(aborts).toHaveLength(2);
      expect(result.aborts.get(1)!.evidence!.length).toBeGreaterThan(0);
      expect(result.aborts.get(3)!.reason).toMatch(/reported by 1, checked here/);
      expect(result.aborts.get(1)!.message).not.toMatch(/[0-9a-f]{64}/); // no secret material in errors
    });

    it(`${curve}: a false accusation (evidence that clears the dealer) convicts the accuser`, () => {
      const seed = `false-complaint-${curve}`;
      const { rng, identities, parties } = dkgParties(curve, 2, 3, seed);
      // Party 3 pretends party 2's share was bad, attaching party 2's genuine signed messages.
      const held = new Map<string, Uint8Array>();
      const result = simulate(parties, rng, {
        tamper: (m, to) => {
          if (m.from === 2 && m.round === 1 && to === 3) held.set(m.to === null ? 'b' : 'd', m.payload);
          if (m.from === 3 && m.round === 2 && held.size === 2) {
            const evidence = new Writer().varBytes(held.get('b')!).varBytes(held.get('d')!).finish();
            const complaint = encodeComplaint({ code: 'bad-share', culprits: [2], evidence, sentThrough: 1 });
            return { ...m, round: COMPLAINT_ROUND, payload: complaint };
          }
          return m;
        },
      });
      void identities;
      expectBlame(result, [3], 'false-complaint', [1, 2]);
    });

    it(`${curve}: a proof of knowledge replayed from another session → everyone blames 2 (bad-proof)`, () => {
      const seed = `badproof-${curve}`;
      const { rng, identities, parties } = dkgParties(curve, 2, 3, seed);
      // Party 2's twin in another session, fed the same randomness: same polynomial, proof bound to the other session.
      const twinRng = seededRng('twin');
      const honestRng = seededRng('twin');
      const honest2 = createDkg({ sessions: new MemorySessionRegistry(), curve, session: session(seed), self: 2, parties: ids(3), threshold: 2, identity: identities.get(2)!, rng: honestRng });
      const twin = createDkg({ sessions: new MemorySessionRegistry(), curve, session: session('another session'), self: 2, parties: ids(3), threshold: 2, identity: identities.get(2)!, rng: twinRng });
      const twinOut = twin.start();
      parties[1] = honest2;
      const proofLength = CURVES[curve].pointLength + CURVES[curve].scalarLength;
      const result = simulate(parties, rng, {
        tamper: (m) => {
          if (m.from !== 2 || m.round !== 1 || m.to !== null) return m;
          const slot = { protocol: m.protocol, session: m.session, round: 1, from: 2 };
          const mine = openBroadcast(identities.get(1)!, slot, m.payload).payload;
          const twinMsg = twinOut.outgoing.find((o) => o.to === null)!;
          const theirs = openBroadcast(identities.get(1)!, { ...slot, session: twinMsg.session }, twinMsg.payload).payload;
          const forged = new Uint8Array(mine);
          forged.set(theirs.subarray(theirs.length - proofLength), mine.length - proofLength);
          return { ...m, payload: signBroadcast(identities.get(2)!.secretKey, slot, forged) };
        },
      });
      expectBlame(result, [2], 'bad-proof', [1, 3]);
      expect(result.aborts.has(1) && result.aborts.has(3)).toBe(true);
    });

    it(`${curve}: equivocation (two validly signed dealings) → caught in the echo round, 2 blamed`, () => {
      const seed = `equivocate-${curve}`;
      const { rng, identities, parties } = dkgParties(curve, 2, 3, seed);
      const other = createDkg({ sessions: new MemorySessionRegistry(), curve, session: session(seed), self: 2, parties: ids(3), threshold: 2, identity: identities.get(2)!, rng: seededRng('other') });
      const alternative = other.start().outgoing;
      const result = simulate(parties, rng, {
        tamper: (m, to) => {
          if (m.from !== 2 || m.round !== 1 || to !== 3) return m;
          return alternative.find((o) => o.to === m.to)!;
        },
      });
      expectBlame(result, [2], 'equivocation', [1, 3]);
      expect(result.aborts.has(1) && result.aborts.has(3)).toBe(true);
    });

    it(`${curve}: simulator equivocation of a broadcast → 2 blamed by everyone (echo or share check)`, () => {
      const seed = `equivocate-sim-${curve}`;
      const { rng, identities, parties } = dkgParties(curve, 2, 4, seed);
      const other = createDkg({ sessions: new MemorySessionRegistry(), curve, session: session(seed), self: 2, parties: ids(4), threshold: 2, identity: identities.get(2)!, rng: seededRng('other') });
      const variant = other.start().outgoing.find((o) => o.to === null)!.payload;
      const result = simulate(parties, rng, { equivocate: { from: 2, recipients: [3, 4], variant: () => variant }, reorder: true });
      expect(result.outputs.size).toBe(0);
      for (const id of [1, 3, 4]) expect([...result.aborts.get(id)!.culprits]).toEqual([2]);
      // 3 and 4 find shares that do not match the variant; 1 convicts 2 on their signed evidence
      // or, had the echoes come first, on the two signed digests
      expect(['bad-share', 'equivocation']).toContain(result.aborts.get(1)!.code);
      expect(result.aborts.get(3)!.code).toBe('bad-share');
    });

    it(`${curve}: a lying echo (forged digest, signed by its echoer) → the echoer 3 is blamed (bad-echo)`, () => {
      const { rng, identities, parties } = dkgParties(curve, 2, 3, `badecho-${curve}`);
      const result = simulate(parties, rng, {
        tamper: (m) => {
          if (m.from !== 3 || m.round !== 2) return m;
          const echo = unwrapSigned(3, m.payload).payload.slice();
          echo[2 + 2 + 5]! ^= 0x40; // inside the first entry's digest
          return { ...m, payload: signBroadcast(identities.get(3)!.secretKey, { protocol: m.protocol, session: m.session, round: 2, from: 3 }, echo) };
        },
      });
      expectBlame(result, [3], 'bad-echo', [1, 2]);
      expect(result.outputs.size).toBe(0);
    });

    it(`${curve}: every payload of party 3 corrupted → only 3 is ever blamed`, () => {
      const { rng, parties } = dkgParties(curve, 2, 3, `corrupt-${curve}`);
      const result = simulate(parties, rng, { corrupt: [3], reorder: true });
      expectBlame(result, [3], undefined, [1, 2]);
    });
  }

  it('an unverifiable complaint stops the peers once they would wait on the complainer (peer-aborted)', () => {
    const { rng, parties } = dkgParties('secp256k1', 2, 3, 'unverifiable');
    const result = simulate(parties, rng, {
      // party 1 alone gets party 3's broadcast with a broken signature: nothing it can prove
      tamper: (m, to) => (m.from === 3 && m.round === 1 && m.to === null && to === 1 ? { ...m, payload: m.payload.map((b, i) => (i === m.payload.length - 1 ? b ^ 1 : b)) } : m),
    });
    expect(result.aborts.get(1)!.code).toBe('bad-signature');
    expect([...result.aborts.get(1)!.culprits]).toEqual([3]);
    for (const id of [2, 3]) {
      expect(result.aborts.get(id)!.code).toBe('peer-aborted');
      expect([...result.aborts.get(id)!.culprits]).toEqual([]);
      expect(result.aborts.get(id)!.reason).toMatch(/party 1 aborted \(bad-signature, blaming 3\)/);
    }
    expect(result.stalled.size).toBe(0);
  });

  it('messages from outside the committee or another session are ignored', () => {
    const { rng, parties } = dkgParties('ed25519', 2, 3, 'outsiders');
    const junk: ProtocolMessage = { protocol: parties[0]!.protocol, session: session('other'), round: 1, from: 2, to: null, payload: new Uint8Array(10) };
    parties[0]!.start();
    expect(parties[0]!.receive(junk).status).toBe('continue');
    expect(parties[0]!.receive({ ...junk, session: parties[0]!.session, from: 9 }).status).toBe('continue');
    expect(parties[0]!.waitingFor()).toEqual([2, 3]);
    void rng;
    expect(parties[0]).toBeInstanceOf(Dealing);
  });
});
