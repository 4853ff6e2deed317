import { MemorySessionRegistry } from '../src/engine/protocol.js';
import { describe, expect, it } from 'vitest';
import { createDkg, createRefresh, generateIdentities, interpolateAtZero, seededRng, simulate, CURVES, type KeyShare } from '../src/index.js';

describe('smoke', () => {
  it('dkg + refresh', () => {
    const rng = seededRng('smoke');
    const ids = [1, 2, 3];
    const identities = generateIdentities(ids, rng);
    const session = new Uint8Array(32).fill(1);
    for (const curve of ['secp256k1', 'ed25519'] as const) {
      const res = simulate(ids.map((self) => createDkg({ sessions: new MemorySessionRegistry(), curve, session, self, parties: ids, threshold: 2, identity: identities.get(self)!, rng })), rng, { reorder: true, drop: 0.2, duplicate: 0.2 });
      expect(res.aborts.size).toBe(0);
      const shares = [...res.outputs.values()].map((o) => o.share as KeyShare);
      expect(shares.length).toBe(3);
      const c = CURVES[curve];
      const x = interpolateAtZero(c, shares.slice(0, 2).map((s) => ({ x: BigInt(s.self), y: s.secretShare })));
      expect(c.mulBase(x).equals(shares[0]!.publicKey)).toBe(true);
      const session2 = new Uint8Array(32).fill(2);
      const res2 = simulate(shares.map((share) => createRefresh({ sessions: new MemorySessionRegistry(), share, session: session2, identity: identities.get(share.self)!, rng })), rng);
      expect(res2.aborts.size).toBe(0);
      const shares2 = [...res2.outputs.values()].map((o) => o.share as KeyShare);
      expect(shares2[0]!.publicKey.equals(shares[0]!.publicKey)).toBe(true);
      expect(shares2[0]!.secretShare).not.toBe(shares[0]!.secretShare);
    }
  });
});
