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
  Writer,
} from '../../src/index.js';
import { expectBlame, ids, runDkg, secretOf, session } from '../helpers.js';

const CURVE_NAMES: CurveName[] = ['secp256k1', 'ed25519'];

function dkgParties(curve: CurveName, t: number, n: number, seed: string) {
  const rng = seededRng(seed);
  const identities = generateIdentities(ids(n), rng);
  const parties = ids(n).map((self) => createDkg({ curve, session: session(seed), self, parties: ids(n), threshold: t, identity: identities.get(self)!, rng }));
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
        const result = simulate(parties, rng, { drop: 0.3, duplicate: 0.3, reorder: true });
        expect(result.aborts.size).toBe(0);
        expect(result.outputs.size).toBe(4);
        checkCommittee([...result.outputs.values()] as KeyShare[], 2);
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
    expect(() => createDkg({ ...base, threshold: 4 })).toThrow(RangeError);
    expect(() => createDkg({ ...base, threshold: 0 })).toThrow(RangeError);
    expect(() => createDkg({ ...base, threshold: 2, self: 4 })).toThrow(RangeError);
    expect(() => createDkg({ ...base, threshold: 2, parties: [1, 1, 2] })).toThrow(RangeError);
    expect(() => createDkg({ ...base, threshold: 2, session: new Uint8Array(0) })).toThrow(RangeError);
  });
});

describe('DKG adversaries are named', () => {
  for (const curve of CURVE_NAMES) {
    it(`${curve}: a wrong share from party 2 → party 1 blames 2 (bad-share)`, () => {
      const { rng, parties } = dkgParties(curve, 2, 3, `badshare-${curve}`);
      const c = CURVES[curve];
      const result = simulate(parties, rng, {
        tamper: (m, to) => {
          if (m.from !== 2 || m.round !== 1 || m.to !== 1 || to !== 1) return m;
          const wrong = (c.decodeScalar(m.payload) + 1n) % c.order;
          return { ...m, payload: new Writer().scalar(c, wrong).finish() };
        },
      });
      const [abort] = expectBlame(result, [2], 'bad-share', [1]);
      expect(abort!.message).not.toMatch(/[0-9a-f]{64}/); // no secret material in errors
    });

    it(`${curve}: a proof of knowledge replayed from another session → everyone blames 2 (bad-proof)`, () => {
      const seed = `badproof-${curve}`;
      const { rng, identities, parties } = dkgParties(curve, 2, 3, seed);
      // Party 2's twin in another session, fed the same randomness: same polynomial, proof bound to the other session.
      const twinRng = seededRng('twin');
      const honestRng = seededRng('twin');
      const honest2 = createDkg({ curve, session: session(seed), self: 2, parties: ids(3), threshold: 2, identity: identities.get(2)!, rng: honestRng });
      const twin = createDkg({ curve, session: session('another session'), self: 2, parties: ids(3), threshold: 2, identity: identities.get(2)!, rng: twinRng });
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
      const other = createDkg({ curve, session: session(seed), self: 2, parties: ids(3), threshold: 2, identity: identities.get(2)!, rng: seededRng('other') });
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

    it(`${curve}: a lying echo (forged digest) → the echoer 3 is blamed (bad-echo)`, () => {
      const { rng, parties } = dkgParties(curve, 2, 3, `badecho-${curve}`);
      const result = simulate(parties, rng, {
        tamper: (m) => {
          if (m.from !== 3 || m.round !== 2) return m;
          const payload = m.payload.slice();
          payload[2 + 2 + 5]! ^= 0x40; // inside the first entry's digest
          return { ...m, payload };
        },
      });
      expectBlame(result, [3], 'bad-echo', [1, 2]);
    });

    it(`${curve}: every payload of party 3 corrupted → only 3 is ever blamed`, () => {
      const { rng, parties } = dkgParties(curve, 2, 3, `corrupt-${curve}`);
      const result = simulate(parties, rng, { corrupt: [3], reorder: true });
      expectBlame(result, [3], undefined, [1, 2]);
    });
  }

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
