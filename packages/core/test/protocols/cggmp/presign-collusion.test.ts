/**
 * Presigning's identification against two colluders among four signers (issue #8, item 5). The
 * colluders hold their own identity keys, so every lie below is validly signed. Before the
 * round-5 broadcasts were signed, echoed, and carried as evidence, honest signers convicted
 * different subsets, and a colluder could shield a liar by forwarding a corrupted copy of the
 * liar's conversion. Each test asserts the exact verdict at EVERY honest signer.
 */
import { MemorySessionRegistry } from '../../../src/engine/protocol.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuxInfoProtocol, type AuxInfo } from '../../../src/protocols/cggmp/aux-info.js';
import { PresignProtocol, type Round3Values } from '../../../src/protocols/cggmp/presign.js';
import { seededRng } from '../../../src/rng.js';
import { type SimulatorFaults, simulate } from '../../../src/engine/simulator.js';
import { type ProtocolMessage, Writer } from '../../../src/engine/codec.js';
import { COMPLAINT_ROUND, encodeComplaint } from '../../../src/engine/protocol.js';
import { mod, SECP256K1 } from '../../../src/math/curve.js';
import { byteLengthOf } from '../../../src/bigint/codec.js';
import { FIXTURE_2048 } from '../../fixtures/paillier-fixtures.js';
import { LyingPresign } from './lying-presign.js';
import { type Committee, resign, runDkg } from '../../helpers.js';

const curve = SECP256K1;
const level = FIXTURE_2048.level;
const signers = [1, 2, 3, 4];

let committee: Committee;
let aux: Map<number, AuxInfo>;

beforeAll(() => {
  committee = runDkg('secp256k1', 2, 4, 'collusion-dkg');
  const rng = seededRng('collusion-aux');
  const session = new TextEncoder().encode('collusion-aux');
  const result = simulate(
    signers.map(
      (self, i) => new AuxInfoProtocol({ sessions: new MemorySessionRegistry(), session, self, parties: signers, identity: committee.identities.get(self)!, level, primes: FIXTURE_2048.keys[i]!, rng }),
    ),
    rng,
  );
  expect(result.aborts.size).toBe(0);
  aux = result.outputs as Map<number, AuxInfo>;
}, 300_000);

const lieAboutDelta = (v: Round3Values) => ({ ...v, delta: mod(v.delta + 1n, curve.order) });

function run(seed: string, lies: Record<number, (v: Round3Values) => Round3Values>, faults: SimulatorFaults = {}) {
  const rng = seededRng(seed);
  const session = new TextEncoder().encode(`collusion-${seed}`);
  const parties = signers.map((self) => {
    const cfg = { key: committee.shares.get(self)!, aux: aux.get(self)!, signers, session, identity: committee.identities.get(self)!, sessions: new MemorySessionRegistry(), rng };
    const lie = lies[self];
    return lie ? new LyingPresign(cfg, lie) : new PresignProtocol(cfg);
  });
  return { ...simulate(parties, rng, faults), parties };
}

/** A round-5 broadcast with its payload changed in place by `edit`, signed with its sender's own key (a colluder's). */
function resignInPlace(m: ProtocolMessage, edit: (payload: Uint8Array) => void): ProtocolMessage {
  return resign(committee.identities, m, (payload) => {
    edit(payload);
    return payload;
  });
}

/**
 * Offsets inside party `from`'s identification broadcast: H, Ĥ and Π^mul, then the three signed
 * conversions it received (ascending sender), the three it sent, and its proofs for each verifier.
 */
function fields(from: number, payload: Uint8Array): number[] {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.length);
  let at = 2 * byteLengthOf(aux.get(from)!.paillier.publicKey.n2);
  const starts: number[] = [];
  for (let i = 0; i < 10; i++) {
    if (i > 0) starts.push(at);
    at += 4 + view.getUint32(at);
  }
  expect(at).toBe(payload.length);
  return starts; // [forwarded×3, sent×3, proofs×3]
}

function expectVerdict(result: ReturnType<typeof run>, honest: number[], code: string, culprits: number[]) {
  for (const id of honest) {
    const abort = result.aborts.get(id);
    expect(abort, `party ${id} aborted`).toBeDefined();
    expect(abort!.code).toBe(code);
    expect([...abort!.culprits]).toEqual(culprits);
  }
  // No honest party holds k, γ, χ or the masks after the abort.
  for (const p of result.parties) expect(p.hasSecrets()).toBe(false);
}

// Identification among four signers checks (n−1)² sets of Paillier proofs: minutes on a loaded 2-core machine.
describe('CGGMP presigning identification with two colluders among four signers', { timeout: 300_000 }, () => {
  it('a colluder that sends one honest verifier bad proofs is convicted by every honest signer, with the liar', () => {
    // party 2 lies about δ₂; party 3 (its colluder) spoils only the proofs meant for party 1, so
    // that party 1 alone would have convicted it when each verifier checked its own proofs
    const result = run('split-proofs', { 2: lieAboutDelta }, {
      tamper: (m) => {
        if (m.round !== 5 || m.from !== 3 || m.to !== null) return m;
        return resignInPlace(m, (payload) => {
          const forParty1 = fields(3, payload)[6]!;
          payload[forParty1 + 4 + 4 + 40]! ^= 1; // inside the first proof for party 1
        });
      },
    });
    expectVerdict(result, [1, 4], 'presign-inconsistent', [2, 3]);
    expect(result.aborts.get(4)!.reason).toMatch(/party 3: .*\(proofs for party 1\)/);
  });

  it('two colluders that both lie are both convicted, and only they, by every honest signer', () => {
    const lieAboutS = (v: Round3Values) => ({ ...v, S: v.S.add(curve.base) });
    const result = run('two-liars', { 2: lieAboutDelta, 3: lieAboutS });
    expectVerdict(result, [1, 4], 'presign-inconsistent', [2, 3]);
  });

  it('a colluder forwarding a corrupted copy of the liar’s conversion is convicted and does not shield the liar', () => {
    // party 2 lies about δ₂; party 3 forwards party 2's conversion to it with a bit flipped
    const result = run('shield-liar', { 2: lieAboutDelta }, {
      tamper: (m) => {
        if (m.round !== 5 || m.from !== 3 || m.to !== null) return m;
        return resignInPlace(m, (payload) => {
          const fromParty2 = fields(3, payload)[1]!;
          payload[fromParty2 + 4 + 4 + 4 + 20]! ^= 1; // inside the signed D that party 2 sent party 3
        });
      },
    });
    expectVerdict(result, [1, 4], 'presign-inconsistent', [2, 3]);
    for (const id of [1, 4]) {
      expect(result.aborts.get(id)!.reason).toMatch(/party 2: Π\^dec.*party 3: forwarded a conversion that party 2 did not sign/);
    }
  });

  it('a liar that re-publishes a conversion other than the one it signed is convicted', () => {
    // party 2 lies about δ₂ and re-publishes a different D for party 4 than the one it sent
    const result = run('republish', { 2: lieAboutDelta }, {
      tamper: (m) => {
        if (m.round !== 5 || m.from !== 2 || m.to !== null) return m;
        return resignInPlace(m, (payload) => {
          const toParty4 = fields(2, payload)[5]!;
          const D = payload.subarray(toParty4 + 4, toParty4 + 4 + byteLengthOf(aux.get(4)!.paillier.publicKey.n2));
          // D·D mod N₄² is still a unit: only the comparison with the signed copy can catch it
          const n2 = aux.get(4)!.paillier.publicKey.n2;
          const value = BigInt('0x' + Buffer.from(D).toString('hex'));
          D.set(Buffer.from(((value * value) % n2).toString(16).padStart(D.length * 2, '0'), 'hex'));
        });
      },
    });
    expectVerdict(result, [1, 3, 4], 'presign-inconsistent', [2]);
    expect(result.aborts.get(1)!.reason).toMatch(/party 2: re-published a conversion for party 4 other than the one it signed/);
  });

  it('different signed round-5 broadcasts to different signers are convicted through the round-6 echo', () => {
    // party 2 lies about δ₂; party 3 signs a different round-5 broadcast for party 4
    const result = run('equivocate-5', { 2: lieAboutDelta }, {
      tamper: (m, to) => {
        if (m.round !== 5 || m.from !== 3 || m.to !== null || to !== 4) return m;
        return resignInPlace(m, (payload) => {
          payload[payload.length - 100]! ^= 1;
        });
      },
    });
    expectVerdict(result, [1, 4], 'equivocation', [3]);
  });

  it('a false identification complaint convicts the accuser, and the liar, at every honest signer', () => {
    // party 2 lies about δ₂; instead of its round-6 echo, party 3 complains that identification
    // convicts honest party 1, with every genuine signed round-5 broadcast as its evidence
    const round5 = new Map<number, Uint8Array>();
    const result = run('false-accusation', { 2: lieAboutDelta }, {
      tamper: (m) => {
        if (m.round === 5 && m.to === null) round5.set(m.from, m.payload);
        if (m.round !== 6 || m.from !== 3) return m;
        expect(round5.size).toBe(4);
        const evidence = new Writer().u16(4);
        for (const j of signers) evidence.u16(j).varBytes(round5.get(j)!);
        const payload = encodeComplaint({ code: 'presign-inconsistent', culprits: [1], evidence: evidence.finish(), sentThrough: 6 });
        return { ...m, round: COMPLAINT_ROUND, payload };
      },
    });
    // the accuser is convicted, and the liar is not let go
    expectVerdict(result, [1, 4], 'presign-inconsistent', [2, 3]);
    for (const id of [1, 4]) {
      expect(result.aborts.get(id)!.reason).toMatch(/party 2: Π\^dec.*party 3: reported an identification verdict that its evidence does not give.*\(reported by 3, checked here\)$/);
    }
  });
});
