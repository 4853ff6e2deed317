/**
 * Attacks on FROST agreement and blame: whoever cheats — a signer that equivocates on its
 * commitment, a coordinator that hands signers different inputs, a party that accuses falsely —
 * every honest signer reaches the same verdict, and no honest signer is ever named.
 */
import type { AbortCode } from '../../../src/engine/abort-codes.js';
import { MemorySessionRegistry } from '../../../src/engine/protocol.js';
import { describe, expect, it } from 'vitest';
import {
  COMPLAINT_ROUND,
  CommitmentBook,
  FrostSign,
  NoncePool,
  type ProtocolMessage,
  type SignedCommitment,
  Writer,
  commit,
  encodeComplaint,
  frostSigningKey,
  ownBroadcast,
  poolSlot,
  seededRng,
  signBroadcast,
  simulate,
  unwrapSigned,
} from '../../../src/index.js';
import { resign, session } from '../../helpers.js';
import { type FrostCommittee, SUITES, committee, expectEveryHonestAbort, message, twoRound } from './fixtures.js';

/** Pools for `signers`, and the pooled FrostSign instance of one signer given a commitment list. */
function pooledRun(c: FrostCommittee, signers: number[], seed: string) {
  const rng = seededRng(seed);
  const keys = new Map(signers.map((id) => [id, frostSigningKey(c.suite, c.shares.get(id)!)] as const));
  const pools = new Map(signers.map((id) => [id, new NoncePool(keys.get(id)!, c.identities.get(id)!, rng)] as const));
  const party = (id: number, commitments: SignedCommitment[], msg = message) =>
    new FrostSign({
      sessions: new MemorySessionRegistry(),
      key: keys.get(id)!,
      identity: c.identities.get(id)!,
      session: session(seed),
      signers,
      message: msg,
      rng,
      pooled: { commitments, nonces: pools.get(id)!.take(commitments.find((x) => x.commitment.identifier === BigInt(id))!.commitment) },
    });
  return { rng, keys, pools, party };
}

/** A second commitment signed by `id` for the same pool slot as `sc` (what an equivocating signer makes). */
function sameSlotCommitment(c: FrostCommittee, id: number, sc: SignedCommitment, rng: (n: number) => Uint8Array): SignedCommitment {
  const key = frostSigningKey(c.suite, c.shares.get(id)!);
  const { commitment } = commit(key, rng);
  const payload = new Writer().point(c.suite.curve, commitment.hiding).point(c.suite.curve, commitment.binding).finish();
  const signed = signBroadcast(c.identities.get(id)!.secretKey, poolSlot(key, id, sc.epoch, sc.sequence), payload);
  return { commitment, epoch: sc.epoch, sequence: sc.sequence, signature: unwrapSigned(id, signed).signature };
}

describe('FROST blame that cannot frame an honest signer', () => {
  for (const name of SUITES) {
    it(`${name}: a signer that sends different signed commitments to different peers is convicted (equivocation) by every honest signer`, () => {
      const c = committee(name);
      const rng = seededRng(`equivocate-${name}`);
      const key3 = frostSigningKey(c.suite, c.shares.get(3)!);
      const { curve } = c.suite;
      const result = simulate(twoRound(c, [1, 2, 3], `equivocate-${name}`, rng), rng, {
        equivocate: {
          from: 3,
          recipients: [2],
          variant: (m) => {
            if (m.round !== 1) return m.payload;
            const other = commit(key3, rng).commitment;
            return resign(c.identities, m, () => new Writer().point(curve, other.hiding).point(curve, other.binding).finish()).payload;
          },
        },
      });
      expectEveryHonestAbort(result, [1, 2], 'equivocation', [3]);
      // the verdict carries both signed commitments
      expect(result.aborts.get(1)!.evidence!.length).toBeGreaterThan(256);
    });

    it(`${name}: pooled, a coordinator that hands different commitment lists to different signers: every honest signer aborts (signing-package-mismatch), no signer named`, () => {
      const c = committee(name);
      const { pools, party } = pooledRun(c, [1, 2, 3], `lists-${name}`);
      const [a1, b1] = pools.get(1)!.generate(2);
      const [s2] = pools.get(2)!.generate(1);
      const [s3] = pools.get(3)!.generate(1);
      // signer 1 gets one of its own commitments, signers 2 and 3 another (both validly signed by 1)
      const result = simulate([party(1, [a1!, s2!, s3!]), party(2, [b1!, s2!, s3!]), party(3, [b1!, s2!, s3!])], seededRng('x'));
      expectEveryHonestAbort(result, [1, 2, 3], 'signing-package-mismatch', []);
    });

    it(`${name}: pooled, a coordinator that hands signers different messages: mismatch reported, nobody named`, () => {
      const c = committee(name);
      const { pools, party } = pooledRun(c, [1, 3], `messages-${name}`);
      const list = [pools.get(1)!.generate(1)[0]!, pools.get(3)!.generate(1)[0]!];
      const result = simulate([party(1, list), party(3, list, new TextEncoder().encode('pay 50 BTC to the coordinator'))], seededRng('x'));
      expectEveryHonestAbort(result, [1, 3], 'signing-package-mismatch', []);
    });

    it(`${name}: two rounds, signers given different messages report the mismatch, nobody blamed`, () => {
      const c = committee(name);
      const rng = seededRng(`msg-${name}`);
      const other = new TextEncoder().encode('pay 50 BTC to the coordinator');
      const result = simulate(twoRound(c, [1, 2, 3], `msg-${name}`, rng, (id) => (id === 2 ? { message: other } : {})), rng);
      expectEveryHonestAbort(result, [1, 2, 3], 'signing-package-mismatch', []);
    });

    it(`${name}: pooled, a commitment whose signature the coordinator forged aborts its recipients (bad-commitment-signature), no signer named`, () => {
      const c = committee(name);
      const { pools, party, keys, rng } = pooledRun(c, [1, 2, 3], `forged-${name}`);
      const [s1, s2, s3] = [1, 2, 3].map((id) => pools.get(id)!.generate(1)[0]!);
      // the coordinator puts a commitment of its own choosing under signer 3's signature
      const forged = { ...s3!, commitment: commit(keys.get(3)!, rng).commitment };
      const result = simulate([party(1, [s1!, s2!, forged]), party(2, [s1!, s2!, forged]), party(3, [s1!, s2!, s3!])], rng);
      expectEveryHonestAbort(result, [1, 2], 'bad-commitment-signature', []);
      expect(result.aborts.get(3)!.culprits).toEqual([]);
      expect(result.outputs.size).toBe(0);
    });
  }

  it('pooled: a signer that signs two commitments for one pool slot is convicted (equivocation) by every honest signer and by the book', () => {
    const c = committee('secp256k1-tr');
    const { pools, party, rng } = pooledRun(c, [1, 2, 3], 'pool-equivocation');
    const [s1, s2, s3] = [1, 2, 3].map((id) => pools.get(id)!.generate(1)[0]!);
    const s3b = sameSlotCommitment(c, 3, s3!, rng);
    const result = simulate([party(1, [s1!, s2!, s3!]), party(2, [s1!, s2!, s3b]), party(3, [s1!, s2!, s3!])], rng);
    expectEveryHonestAbort(result, [1, 2], 'equivocation', [3]);

    const book = new CommitmentBook(frostSigningKey(c.suite, c.shares.get(1)!), c.identities.get(1)!);
    book.publish(3, [s3!]);
    expect(() => book.publish(3, [s3b])).toThrow(expect.objectContaining({ code: 'equivocation', culprits: [3] }));
  });

  it('two rounds: a round-1 commitment whose signature does not verify is its sender’s (bad-signature)', () => {
    const c = committee('ed25519');
    const rng = seededRng('bad-commit-sig');
    const result = simulate(twoRound(c, [1, 2, 3], 'bad-commit-sig', rng), rng, {
      tamper: (m) => {
        if (m.from !== 2 || m.round !== 1) return m;
        const payload = m.payload.slice();
        payload[payload.length - 1]! ^= 1;
        return { ...m, payload };
      },
    });
    expectEveryHonestAbort(result, [1, 3], 'bad-signature', [2]);
  });

  it('the book names a signer that publishes a commitment with a forged signature or under another identifier', () => {
    const c = committee('ed25519');
    const key = frostSigningKey(c.suite, c.shares.get(2)!);
    const pool = new NoncePool(key, c.identities.get(2)!, seededRng('book'));
    const book = new CommitmentBook(key, c.identities.get(2)!);
    const [sc] = pool.generate(1);
    const bad = { ...sc!, signature: sc!.signature.map((b, i) => (i === 0 ? b ^ 1 : b)) };
    expect(() => book.publish(2, [bad])).toThrow(expect.objectContaining({ code: 'bad-signature', culprits: [2] }));
    expect(() => book.publish(1, [sc!])).toThrow(expect.objectContaining({ code: 'bad-commitment', culprits: [1] }));
    book.publish(2, [sc!]);
    expect(book.available(2)).toBe(1);
  });

  describe('complaints are judged on their evidence', () => {
    /** Parties 1..3 after round 1, with every round-2 message, for delivering by hand. */
    function afterRoundOne(label: string) {
      const c = committee('secp256k1');
      const rng = seededRng(label);
      const parties = twoRound(c, [1, 2, 3], label, rng);
      const round1 = parties.flatMap((p) => p.start().outgoing);
      const round2: ProtocolMessage[] = [];
      for (const p of parties) for (const m of round1) if (m.from !== p.self) round2.push(...p.receive(m).outgoing);
      expect(round2.length).toBe(3);
      return { c, parties, round1, round2, from: (id: number, msgs: ProtocolMessage[]) => msgs.find((m) => m.from === id)! };
    }
    const complaint = (template: ProtocolMessage, from: number, code: AbortCode, culprits: number[], evidence: Uint8Array): ProtocolMessage => ({
      ...template,
      round: COMPLAINT_ROUND,
      from,
      to: null,
      payload: encodeComplaint({ code, culprits, evidence, sentThrough: 2 }),
    });
    const shareEvidence = (m: ProtocolMessage) => new Writer().u16(1).u16(m.from).varBytes(m.payload).finish();

    it('a bad-share complaint backed by the accused’s own signed bad share convicts the accused', () => {
      const { c, parties, round2, from } = afterRoundOne('judge-bad-share');
      const curve = c.suite.curve;
      const bad = resign(c.identities, from(3, round2), (p) => {
        const z = curve.decodeScalar(p.subarray(64, 96));
        return new Writer().bytes(p.subarray(0, 64)).scalar(curve, (z + 1n) % curve.order).bytes(p.subarray(96)).finish();
      });
      const out = parties[0]!.receive(complaint(bad, 2, 'bad-signature-share', [3], shareEvidence(bad)));
      expect(out.status).toBe('aborted');
      if (out.status === 'aborted') expect([out.abort.code, [...out.abort.culprits]]).toEqual(['bad-signature-share', [3]]);
    });

    it('a bad-share complaint against an honest signer convicts the complainer (false-complaint)', () => {
      const { parties, round2, from } = afterRoundOne('judge-false-share');
      const good = from(3, round2);
      const out = parties[0]!.receive(complaint(good, 2, 'bad-signature-share', [3], shareEvidence(good)));
      expect(out.status).toBe('aborted');
      if (out.status === 'aborted') expect([out.abort.code, [...out.abort.culprits]]).toEqual(['false-complaint', [2]]);
    });

    it('an equivocation complaint with two signed commitments convicts the equivocator; with one forged, the complainer', () => {
      const { c, parties, round1, from } = afterRoundOne('judge-equivocation');
      const m3 = from(3, round1);
      const key3 = frostSigningKey(c.suite, c.shares.get(3)!);
      const other = commit(key3, seededRng('other')).commitment;
      const m3b = resign(c.identities, m3, () => new Writer().point(c.suite.curve, other.hiding).point(c.suite.curve, other.binding).finish());
      const [a, b] = [ownBroadcast(m3.payload, 3), ownBroadcast(m3b.payload, 3)];
      const evidence = (sigB: Uint8Array) => new Writer().varBytes(m3.session).u32(1).bytes(a.digest).bytes(a.signature).bytes(b.digest).bytes(sigB).finish();

      const convicted = parties[0]!.receive(complaint(m3, 2, 'equivocation', [3], evidence(b.signature)));
      expect(convicted.status === 'aborted' && [convicted.abort.code, [...convicted.abort.culprits]]).toEqual(['equivocation', [3]]);
      const framed = parties[1]!.receive(complaint(m3, 1, 'equivocation', [3], evidence(b.signature.map((x, i) => (i === 0 ? x ^ 1 : x)))));
      expect(framed.status === 'aborted' && [framed.abort.code, [...framed.abort.culprits]]).toEqual(['false-complaint', [1]]);
    });

    it('an equivocation complaint without evidence (the engine’s same-channel check) convicts nobody on its own', () => {
      const { parties, round1, from } = afterRoundOne('judge-no-evidence');
      const out = parties[0]!.receive(complaint(from(3, round1), 2, 'equivocation', [3], new Uint8Array(0)));
      expect(out.status).toBe('continue');
    });
  });
});
