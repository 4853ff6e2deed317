/**
 * Agreement before commit in refresh and resharing (issue #8 item 3): no honest party ends on new
 * shares while another stays on old ones, and the certificate says when an old share may go.
 */
import { MemorySessionRegistry } from '../../../src/engine/protocol.js';
import { describe, expect, it } from 'vitest';
import {
  CURVES,
  type CurveName,
  type KeyShare,
  type ProtocolMessage,
  Writer,
  createRefresh,
  openDealingCertificate,
  seededRng,
  signBroadcast,
  simulate,
  unwrapSigned,
} from '../../../src/index.js';
import { type Committee, runDkg, secretOf, session, replacePartyOne } from '../../helpers.js';

function refreshParties(c: Committee, seed: string) {
  const rng = seededRng(seed);
  const shares = [...c.shares.values()].sort((a, b) => a.self - b.self);
  const parties = shares.map((share) => createRefresh({ sessions: new MemorySessionRegistry(), share, session: session(seed), identity: c.identities.get(share.self)!, rng }));
  return { rng, parties };
}

describe('refresh: split-echo adversary', () => {
  for (const curve of ['secp256k1', 'ed25519'] as CurveName[]) {
    it(`${curve} 3-of-4 refresh, echoer 3 sends a good echo to 1 and 4 and a signed garbage echo to 2: every honest party aborts naming 3, all stay on their old shares`, () => {
      const old = runDkg(curve, 3, 4, `refresh-split-echo-${curve}`);
      for (const seed of [0, 1, 2]) {
        const { rng, parties } = refreshParties(old, `refresh-split-echo-${curve}-${seed}`);
        const result = simulate(parties, rng, {
          reorder: seed > 0,
          tamper: (m: ProtocolMessage, to) => {
            if (m.from !== 3 || m.round !== 2 || to !== 2) return m;
            const echo = unwrapSigned(3, m.payload).payload.slice();
            echo[2 + 2 + 64 + 9]! ^= 1; // the first entry's dealer signature
            return { ...m, payload: signBroadcast(old.identities.get(3)!.secretKey, { protocol: m.protocol, session: m.session, round: 2, from: 3 }, echo) };
          },
        });
        for (const id of [1, 2, 4]) {
          expect(result.outputs.has(id), `party ${id}`).toBe(false);
          expect(result.aborts.get(id)!.code, `party ${id}`).toBe('bad-echo');
          expect([...result.aborts.get(id)!.culprits], `party ${id}`).toEqual([3]);
        }
        // no certificate exists: party 2 never confirmed
        expect(parties[1]!.confirmed).toBe(false);
        expect(parties[0]!.completeWith(new Writer().u16(0).finish())).toBeUndefined();
      }
      // the old shares, kept by every honest party, still hold the key without the cheater
      const shares = [1, 2, 4].map((id) => old.shares.get(id)!);
      expect(CURVES[curve].mulBase(secretOf(shares)).equals(shares[0]!.publicKey)).toBe(true);
    });
  }

  it('a refresh confirmation withheld from one party: it completes from the certificate, and every new share matches', () => {
    const old = runDkg('ed25519', 3, 4, 'refresh-withheld');
    const { rng, parties } = refreshParties(old, 'refresh-withheld-run');
    const result = simulate(parties, rng, { tamper: (m, to) => (m.from === 2 && m.round === 3 && to === 1 ? null : m) });
    expect(result.stalled.get(1)).toEqual([2]);
    const out = parties[0]!.completeWith(result.outputs.get(3)!.certificate)!;
    const fresh = [out.share!, ...[2, 3, 4].map((id) => result.outputs.get(id)!.share!)];
    const pk = old.shares.get(1)!.publicKey;
    expect(CURVES.ed25519.mulBase(secretOf(fresh.slice(0, 3))).equals(pk)).toBe(true);
    expect(CURVES.ed25519.mulBase(secretOf(fresh.slice(1))).equals(pk)).toBe(true);
  });
});

describe('resharing: dealers outside the new committee', () => {
  it('{1,2,3} → {2,3,4}, dealers {1,2}: the departing dealer holds the receivers’ certificate (its licence to delete its old share) and is not needed for it', () => {
    const old = runDkg('secp256k1', 2, 3, 'reshare-listener', [4]);
    const seed = 'reshare-listener-run';
    const { pub, parties, rng } = replacePartyOne(old, seed);
    const result = simulate(parties, rng, { reorder: true });
    expect(result.aborts.size).toBe(0);
    const departing = result.outputs.get(1)!;
    expect(departing.share).toBeNull();
    const certificate = result.outputs.get(2)!.certificate;
    for (const id of [1, 3, 4]) expect(result.outputs.get(id)!.certificate).toEqual(certificate);
    // signed by the three receivers only
    const run = { protocol: parties[0]!.protocol, session: session(seed), receivers: [2, 3, 4] };
    expect(openDealingCertificate(old.identities.get(3)!, run, certificate)).toHaveLength(96);
    expect(openDealingCertificate(old.identities.get(3)!, { ...run, receivers: [1, 2, 3, 4] }, certificate)).toBeUndefined();
    const fresh = [2, 3, 4].map((id) => result.outputs.get(id)!.share as KeyShare);
    expect(CURVES.secp256k1.mulBase(secretOf(fresh.slice(1))).equals(pub.publicKey)).toBe(true);
  });

  it('a receiver withholding its confirmation from the departing dealer: the dealer waits, then completes from a relayed certificate', () => {
    const old = runDkg('ed25519', 2, 3, 'reshare-listener-withheld', [4]);
    const seed = 'reshare-listener-withheld-run';
    const { parties, rng } = replacePartyOne(old, seed);
    const result = simulate(parties, rng, { tamper: (m, to) => (m.from === 4 && m.round === 3 && to === 1 ? null : m) });
    expect(result.stalled.get(1)).toEqual([4]);
    expect(parties[0]!.confirmed).toBe(true);
    const out = parties[0]!.completeWith(result.outputs.get(3)!.certificate)!;
    expect(out.share).toBeNull();
    expect(out.certificate).toEqual(result.outputs.get(4)!.certificate);
  });
});
