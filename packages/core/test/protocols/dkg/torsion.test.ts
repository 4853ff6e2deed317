/**
 * DKG on Ed25519 (cofactor 8): dealings with small-order components (issue #13 item 1). A dealer
 * here is built by hand, signs with its own identity key, and adds a torsion point from
 * @noble/curves to an otherwise honest commitment.
 */
import { MemorySessionRegistry } from '../../../src/engine/protocol.js';
import { describe, expect, it } from 'vitest';
import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js';
import {
  CURVES,
  type GroupPoint,
  type ProtocolMessage,
  Writer,
  commitPolynomial,
  createDkg,
  encodeSchnorrProof,
  evaluatePolynomial,
  generateIdentities,
  proveSchnorr,
  randomPolynomial,
  seededRng,
  signBroadcast,
  simulate,
  u32be,
  utf8,
  verifySchnorr,
} from '../../../src/index.js';
import { ids, session } from '../../helpers.js';

const curve = CURVES.ed25519;
const torsion = ED25519_TORSION_SUBGROUP.map((hex) => ed25519.Point.fromHex(hex) as GroupPoint);
const orderOf = (T: GroupPoint) => [1, 2, 4, 8].find((k) => T.multiplyUnsafe(BigInt(k)).is0())!;
const T2 = torsion.find((T) => orderOf(T) === 2)!;
const T8 = torsion.find((T) => orderOf(T) === 8)!;

const T = 3;
const N = 4;
const CHEAT = 2;

/**
 * Runs a 3-of-4 DKG in which dealer 2's round-1 messages are replaced by a hand-made dealing:
 * `torsionAt[k]` is added to the commitment of coefficient k; the proof of knowledge is ground
 * until it verifies for the altered constant (possible when the challenge kills the torsion).
 */
function runWithCheat(seed: string, torsionAt: (GroupPoint | undefined)[]) {
  const rng = seededRng(seed);
  const identities = generateIdentities(ids(N), rng);
  const parties = ids(N).map((self) => createDkg({ sessions: new MemorySessionRegistry(), curve: 'ed25519', session: session(seed), self, parties: ids(N), threshold: T, identity: identities.get(self)!, rng }));
  const coeffs = randomPolynomial(curve, 0n, T, rng).slice(1); // T random coefficients
  const commitment = commitPolynomial(curve, coeffs).map((C, k) => (torsionAt[k] ? C.add(torsionAt[k]) : C));
  const context = new Writer()
    .varBytes(utf8(parties[0]!.protocol))
    .varBytes(session(seed))
    .u16(CHEAT)
    .u16(T)
    .varBytes(new Uint8Array(ids(N).flatMap((id) => [...u32be(id)])))
    .finish();
  let proof = proveSchnorr(curve, coeffs[0]!, commitment[0]!, context, rng);
  while (!verifySchnorr(curve, commitment[0]!, context, proof)) proof = proveSchnorr(curve, coeffs[0]!, commitment[0]!, context, rng);
  const dealing = new Writer().points(curve, commitment).bytes(encodeSchnorrProof(curve, proof)).finish();
  const key = identities.get(CHEAT)!.secretKey;
  const tamper = (m: ProtocolMessage): ProtocolMessage => {
    if (m.from !== CHEAT || m.round !== 1) return m;
    const slot = { protocol: m.protocol, session: m.session, round: 1, from: CHEAT };
    if (m.to === null) return { ...m, payload: signBroadcast(key, slot, dealing) };
    const share = new Writer().scalar(curve, evaluatePolynomial(curve, coeffs, BigInt(m.to))).finish();
    return { ...m, payload: signBroadcast(key, { ...slot, to: m.to }, share) };
  };
  return simulate(parties, rng, { tamper, reorder: true });
}

describe('ed25519 DKG: dealings with small-order components', () => {
  it('a dealer whose C0 has a small-order component (with a proof ground to verify) is named bad-commitment by every honest party', () => {
    const result = runWithCheat('torsion-c0', [T8]);
    for (const id of [1, 3, 4]) {
      expect(result.outputs.has(id)).toBe(false);
      const abort = result.aborts.get(id)!;
      expect(abort.code).toBe('bad-commitment');
      expect([...abort.culprits]).toEqual([CHEAT]);
      // the round-1 check, not the deferred one (which would find it too, but a round later)
      expect(abort.reason).toMatch(/committed constant has a small-order component/);
    }
  });

  it('a dealer whose higher coefficients have a small-order component (every share check passes) is named through blameTorsion', () => {
    // T₂ added to C₁ and C₂ adds (j + j²)·T₂ = 0 to Cᵢ(j) for every j: the shares all verify.
    const result = runWithCheat('torsion-higher', [undefined, T2, T2]);
    for (const id of [1, 3, 4]) {
      expect(result.outputs.has(id)).toBe(false);
      const abort = result.aborts.get(id)!;
      expect(abort.code).toBe('bad-commitment');
      expect([...abort.culprits]).toEqual([CHEAT]);
      expect(abort.reason).toMatch(/^commitment has a small-order component/);
    }
  });

  it('the hand-made dealing without torsion passes every dealing and echo check (the harness itself is sound)', () => {
    const result = runWithCheat('torsion-none', []);
    // Party 2's own instance dealt another polynomial, so the run still fails later, on that
    // inconsistency; but no dealing check rejects the hand-made dealing, and only 2 is named.
    for (const id of [1, 3, 4]) {
      const abort = result.aborts.get(id)!;
      expect(['bad-commitment', 'bad-share', 'bad-proof', 'malformed-message']).not.toContain(abort.code);
      expect([...abort.culprits].filter((c) => c !== CHEAT)).toEqual([]);
    }
  });
});
