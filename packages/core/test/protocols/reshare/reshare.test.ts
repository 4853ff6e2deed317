import { MemorySessionRegistry } from '../../../src/engine/protocol.js';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ed25519 } from '@noble/curves/ed25519.js';
import { schnorr } from '@noble/curves/secp256k1.js';
import {
  CURVES,
  type CurveName,
  FROST_ED25519,
  FROST_SECP256K1_TR,
  FrostSign,
  type FrostCiphersuite,
  type KeyShare,
  createRefresh,
  createReshare,
  frostSigningKey,
  generateIdentities,
  publicPackageOf,
  seededRng,
  simulate,
  openBroadcast,
  signBroadcast,
  Reader,
  Writer,
  xOnly,
} from '../../../src/index.js';
import { type Committee, expectBlame, ids, runDkg, secretOf, session, replacePartyOne } from '../../helpers.js';

function refresh(c: Committee, seed: string, faults = {}) {
  const rng = seededRng(seed);
  const result = simulate(
    [...c.shares.values()].map((share) => createRefresh({ sessions: new MemorySessionRegistry(), share, session: session(seed), identity: c.identities.get(share.self)!, rng })),
    rng,
    faults,
  );
  return result;
}

function sign(suite: FrostCiphersuite, shares: KeyShare[], message: Uint8Array, seed: string) {
  const rng = seededRng(seed);
  const signers = shares.map((s) => s.self);
  const identities = generateIdentities(signers, rng);
  return simulate(
    shares.map((s) => new FrostSign({ sessions: new MemorySessionRegistry(), key: frostSigningKey(suite, s), identity: identities.get(s.self)!, session: session(seed), signers, message, rng })),
    rng,
  );
}

const message = new TextEncoder().encode('withdraw 10 ETH');

describe('proactive refresh', () => {
  for (const curve of ['ed25519', 'secp256k1'] as CurveName[]) {
    it(`${curve}: public key unchanged, every share changed, old+new shares cannot sign`, () => {
      const old = runDkg(curve, 2, 3);
      const result = refresh(old, `refresh-${curve}`);
      expect(result.aborts.size).toBe(0);
      const fresh = new Map([...result.outputs].map(([id, o]) => [id, o.share as KeyShare]));
      const pk = old.shares.get(1)!.publicKey;
      for (const id of ids(3)) {
        const s = fresh.get(id)!;
        expect(s.publicKey.equals(pk)).toBe(true);
        expect(s.secretShare).not.toBe(old.shares.get(id)!.secretShare);
        expect(s.verificationShares.get(id)!.equals(old.shares.get(id)!.verificationShares.get(id)!)).toBe(false);
      }
      const curveObj = CURVES[curve];
      expect(curveObj.mulBase(secretOf([fresh.get(1)!, fresh.get(3)!])).equals(pk)).toBe(true);
      // a mix of an old and a new share interpolates to a different key…
      expect(curveObj.mulBase(secretOf([old.shares.get(1)!, fresh.get(3)!])).equals(pk)).toBe(false);
      // …and signing with it fails, naming the party that used its old share
      const suite = curve === 'ed25519' ? FROST_ED25519 : FROST_SECP256K1_TR;
      const mixed = { ...fresh.get(1)!, secretShare: old.shares.get(1)!.secretShare };
      const mixedRun = sign(suite, [mixed, fresh.get(3)!], message, `mixed-${curve}`);
      expect(mixedRun.outputs.size).toBe(0);
      expectBlame(mixedRun, [1], 'bad-signature-share', [3]);
      // the new shares sign
      const ok = sign(suite, [fresh.get(2)!, fresh.get(3)!], message, `new-${curve}`);
      const sig = [...ok.outputs.values()][0]!.signature;
      if (curve === 'ed25519') expect(ed25519.verify(sig, message, curveObj.encodePoint(pk))).toBe(true);
      else expect(schnorr.verify(sig, message, xOnly(pk))).toBe(true);
    });
  }

  it('completes under loss, duplication and reordering', () => {
    const old = runDkg('secp256k1', 3, 5);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
        const result = refresh(old, `refresh-faults-${seed}`, { drop: 0.3, duplicate: 0.3, reorder: true });
        expect(result.aborts.size).toBe(0);
        expect(result.outputs.size).toBe(5);
      }),
      { numRuns: 6 },
    );
  });

  it('a dealer whose constant term is not λ·(its old share) is named (bad-commitment)', () => {
    const old = runDkg('ed25519', 2, 3);
    const seed = 'refresh-cheat';
    const rng = seededRng(seed);
    const curve = CURVES.ed25519;
    // Party 2 shifts its dealt constant term by G (and signs what it sends).
    const result = simulate(
      [...old.shares.values()].map((share) => createRefresh({ sessions: new MemorySessionRegistry(), share, session: session(seed), identity: old.identities.get(share.self)!, rng })),
      rng,
      {
        tamper: (m) => {
          if (m.from !== 2 || m.round !== 1 || m.to !== null) return m;
          const slot = { protocol: m.protocol, session: m.session, round: 1, from: 2 };
          const inner = openBroadcast(old.identities.get(1)!, slot, m.payload).payload;
          const r = new Reader(inner);
          const points = r.points(curve, 2);
          const forged = new Writer().points(curve, [points[0]!.add(curve.base), points[1]!]).finish();
          return { ...m, payload: signBroadcast(old.identities.get(2)!.secretKey, slot, forged) };
        },
      },
    );
    expectBlame(result, [2], 'bad-commitment', [1, 3]);
    expect(result.aborts.size).toBe(3);
  });

  it('a dealer cannot start with an old share that does not match its verification share', () => {
    const old = runDkg('ed25519', 2, 3);
    const cheat = { ...old.shares.get(2)!, secretShare: (old.shares.get(2)!.secretShare + 5n) % CURVES.ed25519.order };
    expect(() => createRefresh({ sessions: new MemorySessionRegistry(), share: cheat, session: session('x'), identity: old.identities.get(2)!, rng: seededRng('x') })).toThrow(/verification share/);
  });

  it('a dealer that sends a malformed commitment list is named (malformed-message)', () => {
    const old = runDkg('secp256k1', 2, 3);
    const seed = 'refresh-malformed';
    const rng = seededRng(seed);
    const result = simulate(
      [...old.shares.values()].map((share) => createRefresh({ sessions: new MemorySessionRegistry(), share, session: session(seed), identity: old.identities.get(share.self)!, rng })),
      rng,
      {
        tamper: (m) => {
          if (m.from !== 3 || m.round !== 1 || m.to !== null) return m;
          const slot = { protocol: m.protocol, session: m.session, round: 1, from: 3 };
          const inner = openBroadcast(old.identities.get(1)!, slot, m.payload).payload;
          const r = new Reader(inner);
          r.u16();
          // claim three coefficients where the threshold needs two
          const forged = new Writer().u16(3).bytes(inner.subarray(2)).finish();
          return { ...m, payload: signBroadcast(old.identities.get(3)!.secretKey, slot, forged) };
        },
      },
    );
    expectBlame(result, [3], 'malformed-message', [1, 2]);
  });
});

describe('resharing', () => {
  it('2-of-3 → 3-of-5 (dealers 1 and 3): same key, any 3 new shares sign, 2 do not reconstruct', () => {
    const old = runDkg('ed25519', 2, 3, 'reshare-235', [4, 5]);
    const seed = 'reshare-2-3-to-3-5';
    const rng = seededRng(seed);
    const pub = publicPackageOf(old.shares.get(1)!);
    const receivers = ids(5);
    const parties = receivers.map((self) =>
      createReshare({
        sessions: new MemorySessionRegistry(),
        old: pub,
        ...(self === 1 || self === 3 ? { oldShare: old.shares.get(self)! } : {}),
        self,
        session: session(seed),
        identity: old.identities.get(self)!,
        dealers: [1, 3],
        receivers,
        threshold: 3,
        rng,
      }),
    );
    const result = simulate(parties, rng, { reorder: true, duplicate: 0.2 });
    expect(result.aborts.size).toBe(0);
    const fresh = receivers.map((id) => result.outputs.get(id)!.share as KeyShare);
    expect(fresh).toHaveLength(5);
    const pk = pub.publicKey;
    const curve = CURVES.ed25519;
    for (const s of fresh) {
      expect(s.publicKey.equals(pk)).toBe(true);
      expect(s.threshold).toBe(3);
      expect(s.parties).toEqual(receivers);
    }
    expect(curve.mulBase(secretOf([fresh[0]!, fresh[2]!, fresh[4]!])).equals(pk)).toBe(true);
    expect(curve.mulBase(secretOf([fresh[1]!, fresh[3]!])).equals(pk)).toBe(false);
    const run = sign(FROST_ED25519, [fresh[1]!, fresh[3]!, fresh[4]!], message, 'reshare-sign');
    const sig = [...run.outputs.values()][0]!.signature;
    expect(ed25519.verify(sig, message, curve.encodePoint(pk))).toBe(true);
    // two signers are no longer enough
    const identity = generateIdentities([1, 2], rng).get(1)!;
    expect(() => new FrostSign({ sessions: new MemorySessionRegistry(), key: frostSigningKey(FROST_ED25519, fresh[0]!), identity, session: session('x'), signers: [1, 2], message, rng })).toThrow(/threshold/);
  });

  it('replace one party: {1,2,3} → {2,3,4}, dealers {1,2}; party 1 leaves with nothing', () => {
    const old = runDkg('secp256k1', 2, 3, 'replace', [4]);
    const seed = 'replace-party';
    const { pub, parties, rng } = replacePartyOne(old, seed);
    const result = simulate(parties, rng, { reorder: true });
    expect(result.aborts.size).toBe(0);
    expect(result.outputs.get(1)!.share).toBeNull();
    const fresh = [2, 3, 4].map((id) => result.outputs.get(id)!.share as KeyShare);
    const curve = CURVES.secp256k1;
    expect(curve.mulBase(secretOf([fresh[1]!, fresh[2]!])).equals(pub.publicKey)).toBe(true);
    // the departed party's old share does not combine with the new committee's
    expect(curve.mulBase(secretOf([old.shares.get(1)!, fresh[2]!])).equals(pub.publicKey)).toBe(false);
    const run = sign(FROST_SECP256K1_TR, [fresh[1]!, fresh[2]!], message, 'replace-sign');
    expect(schnorr.verify([...run.outputs.values()][0]!.signature, message, xOnly(pub.publicKey))).toBe(true);
  });

  it('shares evaluated at foreign points (as tss-lib keeps them) reshare to standard identifiers', () => {
    const curve = CURVES.secp256k1;
    const rng = seededRng('foreign-points');
    // A 2-of-3 key whose shares sit at large evaluation points, as tss-lib's Ks do.
    const points = new Map([[1, 10n ** 40n + 7n], [2, 10n ** 40n + 8n], [3, 10n ** 40n + 9n]]);
    const secret = 0x1234567890n;
    const slope = 0xabcdefn;
    const shareAt = (x: bigint) => (secret + slope * x) % curve.order;
    const verificationShares = new Map([...points].map(([id, x]) => [id, curve.mulBase(shareAt(x))] as const));
    const base = { curve: 'secp256k1' as const, threshold: 2, parties: [1, 2, 3], publicKey: curve.mulBase(secret), verificationShares, evaluationPoints: points };
    const imported = (self: number): KeyShare => ({ ...base, self, secretShare: shareAt(points.get(self)!) });
    expect(() => frostSigningKey(FROST_SECP256K1_TR, imported(1))).toThrow(/reshared/);
    const identities = generateIdentities(ids(3), rng);
    const seed = 'foreign-reshare';
    const result = simulate(
      ids(3).map((self) =>
        createReshare({ sessions: new MemorySessionRegistry(), old: publicPackageOf(imported(self)), oldShare: imported(self), self, session: session(seed), identity: identities.get(self)!, dealers: [1, 3], receivers: ids(3), threshold: 2, rng }),
      ),
      rng,
    );
    expect(result.aborts.size).toBe(0);
    const fresh = [1, 2, 3].map((id) => result.outputs.get(id)!.share as KeyShare);
    expect(fresh[0]!.evaluationPoints).toBeUndefined();
    expect(curve.mulBase(secretOf([fresh[0]!, fresh[1]!])).equals(base.publicKey)).toBe(true);
    const run = sign(FROST_SECP256K1_TR, [fresh[0]!, fresh[2]!], message, 'foreign-sign');
    expect(schnorr.verify([...run.outputs.values()][0]!.signature, message, xOnly(base.publicKey))).toBe(true);
  });

  it('rejects fewer dealers than the old threshold and dealers outside the old committee', () => {
    const old = runDkg('ed25519', 2, 3);
    const pub = publicPackageOf(old.shares.get(1)!);
    const identities = generateIdentities(ids(4), seededRng('id'));
    const base = { old: pub, self: 1, oldShare: old.shares.get(1)!, session: session('bad'), identity: identities.get(1)!, receivers: ids(3), threshold: 2, rng: seededRng('r') };
    expect(() => createReshare({ sessions: new MemorySessionRegistry(), ...base, dealers: [1] })).toThrow(/old threshold/);
    expect(() => createReshare({ sessions: new MemorySessionRegistry(), ...base, dealers: [1, 4] })).toThrow(/old committee/);
    expect(() => createReshare({ sessions: new MemorySessionRegistry(), ...base, dealers: [1, 2], oldShare: old.shares.get(2)! })).toThrow(/another party/);
  });
});
