/**
 * Presigning's identification step: a signer that announces a wrong δᵢ or Sᵢ (signed, with every
 * earlier proof valid) makes the consistency check fail at every signer; the honest ones then run
 * identification and convict exactly the liars. Also: equivocation in round 3 is caught by the
 * round-4 echo, a forged forwarded conversion convicts its forwarder, a signer that misses a
 * round-5 echo agrees on the complaint's evidence, every abort erases the run's secrets, and an
 * honest run never sends an identification message. (Four-party collusion: presign-collusion.test.ts.)
 */
import { MemorySessionRegistry } from '../../../src/engine/protocol.js';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuxInfo } from '../../../src/protocols/cggmp/aux-info.js';
import { PresignProtocol, type Round3Values } from '../../../src/protocols/cggmp/presign.js';
import type { Presignature } from '../../../src/protocols/cggmp/presignature.js';
import { seededRng } from '../../../src/rng.js';
import { type SimulatorFaults, simulate } from '../../../src/engine/simulator.js';
import { type ProtocolMessage, Reader, Writer } from '../../../src/engine/codec.js';
import { signBroadcast, unwrapSigned } from '../../../src/engine/identity.js';
import { SECP256K1, mod } from '../../../src/math/curve.js';
import { concatBytes } from '../../../src/bytes.js';
import { byteLengthOf } from '../../../src/bigint/codec.js';
import { encryptRandom } from '../../../src/paillier/paillier.js';
import { proveEnc, verifyEnc } from '../../../src/proofs/paillier-encryption-range.js';
import type { ProofContext } from '../../../src/proofs/paillier-context.js';
import { LyingPresign } from './lying-presign.js';
import { ecdsaCommittee, level } from './ecdsa-setup.js';
import type { Committee } from '../../helpers.js';

const curve = SECP256K1;
const signers = [1, 2, 3];

let committee: Committee;
let aux: Map<number, AuxInfo>;

beforeAll(() => {
  ({ committee, aux } = ecdsaCommittee('identification'));
}, 120_000);

const liars = {
  delta: (v: Round3Values) => ({ ...v, delta: mod(v.delta + 1n, curve.order) }),
  S: (v: Round3Values) => ({ ...v, S: v.S.add(curve.base) }),
};

function run(seed: string, lies: Record<number, (v: Round3Values) => Round3Values> = {}, faults: SimulatorFaults = {}) {
  const rng = seededRng(seed);
  const session = new TextEncoder().encode(`identification-${seed}`);
  const parties = signers.map((self) => {
    const cfg = { key: committee.shares.get(self)!, aux: aux.get(self)!, signers, session, identity: committee.identities.get(self)!, sessions: new MemorySessionRegistry(), rng };
    const lie = lies[self];
    return lie ? new LyingPresign(cfg, lie) : new PresignProtocol(cfg);
  });
  return { ...simulate(parties, rng, faults), parties };
}

/** Party 2's round-3 broadcast with δ₂ + 1, signed with party 2's key (it equivocates). */
function alterDelta(m: ProtocolMessage): Uint8Array {
  const { payload } = unwrapSigned(2, m.payload);
  const delta = new Reader(payload).scalar(curve);
  const altered = concatBytes(new Writer().scalar(curve, mod(delta + 1n, curve.order)).finish(), payload.subarray(32));
  return signBroadcast(committee.identities.get(2)!.secretKey, { protocol: m.protocol, session: m.session, round: 3, from: 2 }, altered);
}

/** Counts deliveries of identification (round-5) messages. */
function countRound5(): { faults: SimulatorFaults; count: () => number } {
  let n = 0;
  return {
    faults: {
      tamper: (m) => {
        if (m.round === 5) n++;
        return m;
      },
    },
    count: () => n,
  };
}

describe('CGGMP presigning: identification of the culprit', () => {
  it('an honest run outputs after the round-3 echo and sends no identification message', () => {
    const probe = countRound5();
    const result = run('honest', {}, probe.faults);
    expect(result.aborts.size).toBe(0);
    expect(result.outputs.size).toBe(3);
    const R = [...result.outputs.values()].map((p) => (p as Presignature).pub.R);
    expect(R.every((r) => r.equals(R[0]!))).toBe(true);
    expect(probe.count()).toBe(0);
    expect(result.parties.some((p) => p.hasSecrets())).toBe(false);
  });

  it('a signer announcing a wrong δᵢ is convicted by Π^dec at every honest signer', () => {
    const probe = countRound5();
    const result = run('lie-delta', { 2: liars.delta }, probe.faults);
    expect(result.outputs.size).toBe(0);
    for (const honest of [1, 3]) {
      const abort = result.aborts.get(honest)!;
      expect(abort.code).toBe('presign-inconsistent');
      expect([...abort.culprits]).toEqual([2]);
      expect(abort.reason).toMatch(/^δ·G does not match ΣΔ; identification convicts party 2: Π\^dec/);
    }
    expect(probe.count()).toBeGreaterThan(0);
    // every instance dropped k, γ, χ, w and the conversions' masks when it aborted
    expect(result.parties.map((p) => p.hasSecrets())).toEqual([false, false, false]);
  });

  it('a signer announcing a wrong Sᵢ is convicted by Π^log* at every honest signer', () => {
    const result = run('lie-S', { 3: liars.S });
    for (const honest of [1, 2]) {
      const abort = result.aborts.get(honest)!;
      expect(abort.code).toBe('presign-inconsistent');
      expect([...abort.culprits]).toEqual([3]);
      expect(abort.reason).toMatch(/^ΣS does not match δ·X; identification convicts party 3: Π\^log\*/);
    }
  });

  it('two liars are both convicted, and only they', () => {
    const result = run('two-liars', { 1: liars.delta, 3: liars.S });
    const abort = result.aborts.get(2)!;
    expect(abort.code).toBe('presign-inconsistent');
    expect([...abort.culprits]).toEqual([1, 3]);
  });

  it('a liar about Δᵢ is caught earlier, by Π^log* for Δ (bad-proof)', () => {
    const result = run('lie-Delta', { 2: (v) => ({ ...v, Delta: v.Delta.add(curve.base) }) });
    for (const honest of [1, 3]) {
      expect(result.aborts.get(honest)!.code).toBe('bad-proof');
      expect([...result.aborts.get(honest)!.culprits]).toEqual([2]);
    }
  });

  it('a signer that forwards a conversion its sender did not sign is convicted with the liar', () => {
    // party 2 lies about δ₂; in identification party 3 alters the conversion it forwards from
    // party 1, and signs its round-5 broadcast so altered with its own key
    const result = run(
      'forged-forward',
      { 2: liars.delta },
      {
        tamper: (m) => {
          if (m.round !== 5 || m.from !== 3 || m.to !== null) return m;
          const payload = unwrapSigned(3, m.payload).payload.slice();
          const width = byteLengthOf(aux.get(3)!.paillier.publicKey.n2); // H and Ĥ, then Π^mul
          const mulLength = new DataView(payload.buffer, 2 * width, 4).getUint32(0);
          const forwarded = 2 * width + 4 + mulLength; // the first forwarded conversion: party 1's
          payload[forwarded + 4 + 4 + 20]! ^= 1; // inside its signed D
          return { ...m, payload: signBroadcast(committee.identities.get(3)!.secretKey, { protocol: m.protocol, session: m.session, round: 5, from: 3 }, payload) };
        },
      },
    );
    const abort = result.aborts.get(1)!;
    expect(abort.code).toBe('presign-inconsistent');
    expect([...abort.culprits]).toEqual([2, 3]);
    expect(abort.reason).toMatch(/party 3: forwarded a conversion that party 1 did not sign/);
  });

  it('different round-3 broadcasts to different signers are caught by the round-4 echo (equivocation)', () => {
    const result = run('equivocate', {}, {
      equivocate: { from: 2, recipients: [3], variant: (m) => (m.round === 3 ? alterDelta(m) : m.payload) },
    });
    for (const honest of [1, 3]) {
      const abort = result.aborts.get(honest)!;
      expect(abort.code).toBe('equivocation');
      expect([...abort.culprits]).toEqual([2]);
    }
  });

  it('a signer that cannot see the equivocation itself convicts on the complaint’s evidence', () => {
    // as above, but party 2 withholds its echo from party 3, so only party 1's complaint tells it
    const result = run('equivocate-judged', {}, {
      equivocate: { from: 2, recipients: [3], variant: (m) => (m.round === 3 ? alterDelta(m) : m.payload) },
      tamper: (m, to) => (m.from === 2 && m.round === 4 && to === 3 ? null : m),
    });
    const abort = result.aborts.get(3)!;
    expect(abort.code).toBe('equivocation');
    expect([...abort.culprits]).toEqual([2]);
    expect(abort.reason).toMatch(/reported by 1/);
  });

  it('a signer that misses a round-6 echo repeats identification on the complaint’s evidence and agrees', () => {
    // party 2 lies about δ₂ and withholds its echo of round 5 (and its complaint) from party 3:
    // only party 1's complaint, carrying every signed round-5 broadcast, can tell party 3 the verdict
    const result = run('identification-judged', { 2: liars.delta }, {
      tamper: (m, to) => (m.from === 2 && m.round >= 6 && to === 3 ? null : m),
    });
    for (const honest of [1, 3]) {
      const abort = result.aborts.get(honest)!;
      expect(abort.code).toBe('presign-inconsistent');
      expect([...abort.culprits]).toEqual([2]);
    }
    expect(result.aborts.get(3)!.reason).toMatch(/party 2: Π\^dec.*\(reported by 1, checked here\)$/);
  });

  it('an identification broadcast whose signature does not verify is blamed on its sender', () => {
    // party 2 lies about δ₂; party 3's round-5 broadcast reaches party 1 altered after signing
    const result = run('unsigned-5', { 2: liars.delta }, {
      tamper: (m, to) => {
        if (m.round !== 5 || m.from !== 3 || to !== 1) return m;
        const payload = m.payload.slice();
        payload[100]! ^= 1;
        return { ...m, payload };
      },
    });
    const abort = result.aborts.get(1)!;
    expect(abort.code).toBe('bad-signature');
    expect([...abort.culprits]).toEqual([3]);
  });

  it('an abort in round 1 erases k and γ too', () => {
    const result = run('early-abort', {}, { corrupt: [2] });
    for (const honest of [1, 3]) expect(result.aborts.has(honest)).toBe(true);
    expect(result.parties.map((p) => p.hasSecrets())).toEqual([false, false, false]);
  });

  it('every proof binds a digest of all auxiliary information and of the signer set', () => {
    const session = new TextEncoder().encode('setup-digest');
    const rng = seededRng('setup-digest');
    const make = (self: number, who: number[], a = aux.get(self)!) =>
      new PresignProtocol({ sessions: new MemorySessionRegistry(), key: committee.shares.get(self)!, aux: a, signers: who, session, identity: committee.identities.get(self)!, rng });
    const ctx = (p: PresignProtocol) => (p as unknown as { ctx(prover: number): ProofContext }).ctx(1);
    const a1 = aux.get(1)!;
    const p3 = a1.parties.get(3)!;
    const otherT = { ...a1, parties: new Map([...a1.parties, [3, { ...p3, ringPedersen: { ...p3.ringPedersen, t: p3.ringPedersen.s } }]]) };
    const same = ctx(make(1, signers));
    expect(ctx(make(2, signers)).setup).toEqual(same.setup); // the same at every signer
    const others = [ctx(make(1, [1, 2])), ctx(make(1, signers, otherT))];
    for (const other of others) expect(other.setup).not.toEqual(same.setup);
    // a proof made under one setup does not verify under another
    const rp = aux.get(2)!.parties.get(2)!.ringPedersen;
    const paillier = a1.paillier.publicKey;
    const k = 12345n;
    const { ciphertext, nonce } = encryptRandom(paillier, k, rng);
    const proof = proveEnc(level, same, rp, { paillier, ciphertext }, { k, rho: nonce }, rng);
    expect(verifyEnc(level, same, rp, { paillier, ciphertext }, proof)).toBe(true);
    for (const other of others) expect(verifyEnc(level, other, rp, { paillier, ciphertext }, proof)).toBe(false);
  });
});
