import { describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, utf8 } from '../../src/bytes.js';
import { type ProtocolMessage, Reader, Writer } from '../../src/engine/codec.js';
import { ProtocolAbort, blame } from '../../src/engine/errors.js';
import {
  type BroadcastSlot,
  type OpenedBroadcast,
  type PartyIdentity,
  checkEcho,
  encodeEcho,
  generateIdentities,
  openBroadcast,
  provesEquivocation,
  signBroadcast,
} from '../../src/engine/identity.js';
import { type AbortCode } from '../../src/engine/abort-codes.js';
import {
  COMPLAINT_ROUND,
  type Complaint,
  type Inbox,
  type Outcome,
  type RoundResult,
  type Verdict,
  decodeComplaint,
  decodeFrom,
  encodeComplaint,
} from '../../src/engine/protocol.js';
import { seededRng } from '../../src/rng.js';
import { TOY_PROTOCOL, type ToyConfig, type ToyOutput, ToyProtocol, frame, toySession, xor } from './toy.js';

const SESSION = toySession('protocol-test');
const u32 = (n: number) => {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, false);
  return out;
};
const PARTIES = [1, 2, 3];

function makeParties(overrides: Partial<ToyConfig> = {}, parties = PARTIES): Map<number, ToyProtocol> {
  return new Map(
    parties.map((self) => [self, new ToyProtocol({ session: SESSION, self, parties, rng: seededRng(`toy-party-${self}`), ...overrides })] as const),
  );
}

/** Delivers FIFO until quiet; returns the last outcome of each party. */
function pump(parties: Map<number, ToyProtocol>, queue: ProtocolMessage[]): Map<number, Outcome<ToyOutput>> {
  const last = new Map<number, Outcome<ToyOutput>>();
  while (queue.length > 0) {
    const msg = queue.shift()!;
    const recipients = msg.to === null ? [...parties.keys()].filter((id) => id !== msg.from) : [msg.to];
    for (const to of recipients) {
      const outcome = parties.get(to)!.receive(msg);
      last.set(to, outcome);
      queue.push(...outcome.outgoing);
    }
  }
  return last;
}

function startAll(parties: Map<number, ToyProtocol>): Map<number, ProtocolMessage[]> {
  return new Map([...parties].map(([id, p]) => [id, p.start().outgoing] as const));
}

function expectAbort(outcome: Outcome<unknown>, code: string, culprits: number[]): ProtocolAbort {
  expect(outcome.status).toBe('aborted');
  if (outcome.status !== 'aborted') throw new Error('unreachable');
  expect(outcome.abort).toBeInstanceOf(ProtocolAbort);
  expect(outcome.abort.code).toBe(code);
  expect([...outcome.abort.culprits]).toEqual(culprits);
  return outcome.abort;
}

function expectIdle(outcome: Outcome<unknown>): void {
  expect(outcome).toEqual({ status: 'continue', outgoing: [] });
}

function flip(payload: Uint8Array, bit = 0): Uint8Array {
  const out = payload.slice();
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

/** Round-1 broadcasts of all parties, and the round-2 directs that parties 2 and 3 send to 1. */
function setupForParty1() {
  const parties = makeParties();
  const r1 = startAll(parties);
  const b = (id: number) => r1.get(id)![0]!;
  const p2 = parties.get(2)!;
  const p3 = parties.get(3)!;
  p2.receive(b(1));
  const out2 = p2.receive(b(3)).outgoing;
  p3.receive(b(1));
  const out3 = p3.receive(b(2)).outgoing;
  const d = (out: ProtocolMessage[]) => out.find((m) => m.to === 1)!;
  return { parties, p1: parties.get(1)!, b, d21: d(out2), d31: d(out3) };
}

/** A toy that can check complaints only once it has processed round 1. */
class JudgingToy extends ToyProtocol {
  private ready = false;

  protected override onRound(round: number, inbox: Inbox): RoundResult<ToyOutput> {
    const result = super.onRound(round, inbox);
    if (round === 1) this.ready = true;
    return result;
  }

  protected override judgeComplaint(from: number, c: Complaint): Verdict | undefined {
    return this.ready ? { code: c.code, culprits: c.culprits, reason: `checked after round 1 (reported by ${from})` } : undefined;
  }
}

describe('RoundBasedProtocol', () => {
  it('a complaint that arrives before it can be checked is judged once the party stalls on the complainer', () => {
    const [p1, p2, p3] = PARTIES.map((self) => new JudgingToy({ session: SESSION, self, parties: PARTIES, rng: seededRng(`judging-toy-${self}`) }));
    const b1 = p1!.start().outgoing[0]!;
    const b2 = p2!.start().outgoing[0]!;
    p3!.start();
    const payload = encodeComplaint({ code: 'bad-proof', culprits: [2], evidence: Uint8Array.of(1), sentThrough: 1 });
    expect(p3!.receive({ protocol: TOY_PROTOCOL, session: SESSION, round: COMPLAINT_ROUND, from: 1, to: null, payload }).status).toBe('continue');
    expect(p3!.receive(b1).status).toBe('continue');
    // round 1 complete: round 2 needs party 1, which stopped after round 1; now the complaint is checked
    const abort = expectAbort(p3!.receive(b2), 'bad-proof', [2]);
    expect(abort.reason).toMatch(/reported by 1/);
  });

  it('a complaint sent as a direct message is blamed on its sender (unexpected-message)', () => {
    const parties = makeParties();
    startAll(parties);
    const payload = encodeComplaint({ code: 'bad-proof', culprits: [2], evidence: Uint8Array.of(1), sentThrough: 1 });
    expectAbort(parties.get(3)!.receive({ protocol: TOY_PROTOCOL, session: SESSION, round: COMPLAINT_ROUND, from: 1, to: 3, payload }), 'unexpected-message', [1]);
  });

  it('a complaint whose evidence convicts stops the receiver at once, even while the complainer is not yet awaited', () => {
    const [p1, p2, p3] = PARTIES.map((self) => new JudgingToy({ session: SESSION, self, parties: PARTIES, rng: seededRng(`judging-toy-${self}`) }));
    const b1 = p1!.start().outgoing[0]!;
    const b2 = p2!.start().outgoing[0]!;
    p3!.start();
    p3!.receive(b1);
    expect(p3!.receive(b2).status).toBe('continue');
    // The complainer says it sent round 2 as well, so nothing waits on it: only the verdict can stop party 3.
    const payload = encodeComplaint({ code: 'bad-proof', culprits: [2], evidence: Uint8Array.of(1), sentThrough: 2 });
    expectAbort(p3!.receive({ protocol: TOY_PROTOCOL, session: SESSION, round: COMPLAINT_ROUND, from: 1, to: null, payload }), 'bad-proof', [2]);
  });

  it('a complainer’s first complaint stands: a later one cannot move what it claims to have sent', () => {
    const [p1, p2, p3] = PARTIES.map((self) => new JudgingToy({ session: SESSION, self, parties: PARTIES, rng: seededRng(`judging-toy-${self}`) }));
    const b1 = p1!.start().outgoing[0]!;
    const b2 = p2!.start().outgoing[0]!;
    p3!.start();
    const complaint = (sentThrough: number) =>
      ({ protocol: TOY_PROTOCOL, session: SESSION, round: COMPLAINT_ROUND, from: 1, to: null, payload: encodeComplaint({ code: 'bad-proof', culprits: [2], evidence: Uint8Array.of(1), sentThrough }) }) as const;
    expect(p3!.receive(complaint(1)).status).toBe('continue');
    expect(p3!.receive(complaint(2)).status).toBe('continue');
    p3!.receive(b1);
    // Round 2 waits on party 1, which stopped after round 1 by its first complaint: judged now.
    expectAbort(p3!.receive(b2), 'bad-proof', [2]);
  });

  it('a party that detects misbehaviour announces it: one complaint broadcast with code, culprits and the last round it sent', () => {
    const parties = makeParties();
    const first = startAll(parties);
    const p2 = parties.get(2)!;
    const bad = { ...first.get(1)![0]!, payload: Uint8Array.of(1, 2, 3) };
    expect(p2.receive(bad).status).toBe('continue');
    const outcome = p2.receive(first.get(3)![0]!); // round 1 complete: now it is checked
    expectAbort(outcome, 'malformed-message', [1]);
    expect(outcome.outgoing).toHaveLength(1);
    const announced = outcome.outgoing[0]!;
    expect({ round: announced.round, to: announced.to, from: announced.from }).toEqual({ round: COMPLAINT_ROUND, to: null, from: 2 });
    const c = decodeComplaint(announced.payload);
    expect({ code: c.code, culprits: c.culprits, sentThrough: c.sentThrough }).toEqual({ code: 'malformed-message', culprits: [1], sentThrough: 1 });
  });

  it('a party that stops on an unverified peer complaint (peer-aborted) announces nothing', () => {
    const parties = makeParties();
    const first = startAll(parties);
    const p3 = parties.get(3)!;
    const payload = encodeComplaint({ code: 'bad-proof', culprits: [2], evidence: Uint8Array.of(1), sentThrough: 1 });
    p3.receive({ protocol: TOY_PROTOCOL, session: SESSION, round: COMPLAINT_ROUND, from: 1, to: null, payload });
    p3.receive(first.get(1)![0]!);
    const outcome = p3.receive(first.get(2)![0]!);
    expectAbort(outcome, 'peer-aborted', []);
    expect(outcome.outgoing.filter((m) => m.round === COMPLAINT_ROUND)).toEqual([]);
  });

  it('a complaint naming a code outside the closed list is malformed: every receiver blames its sender', () => {
    const payload = encodeComplaint({ code: 'no-such-code' as AbortCode, culprits: [2], evidence: Uint8Array.of(1), sentThrough: 1 });
    expect(() => decodeComplaint(payload)).toThrow('unknown complaint code');
    const parties = makeParties();
    startAll(parties);
    for (const id of [2, 3]) {
      const outcome = parties.get(id)!.receive({ protocol: TOY_PROTOCOL, session: SESSION, round: COMPLAINT_ROUND, from: 1, to: null, payload });
      expectAbort(outcome, 'malformed-message', [1]);
    }
  });

  it('runs to completion and produces correct envelopes', () => {
    const parties = makeParties();
    const r1 = startAll(parties);
    for (const [id, out] of r1) {
      expect(out.length).toBe(1);
      const m = out[0]!;
      expect(m).toMatchObject({ protocol: TOY_PROTOCOL, round: 1, from: id, to: null });
      expect(bytesToHex(m.session)).toBe(bytesToHex(SESSION));
      expect(bytesToHex(m.payload)).toBe(bytesToHex(frame(parties.get(id)!.ownValue)));
    }
    // Capture the round-2 traffic to compute the expected direct outputs.
    const directs: ProtocolMessage[] = [];
    const queue = [...r1.values()].flat();
    const last = new Map<number, Outcome<ToyOutput>>();
    while (queue.length > 0) {
      const msg = queue.shift()!;
      if (msg.round === 2) directs.push(msg);
      const recipients = msg.to === null ? PARTIES.filter((id) => id !== msg.from) : [msg.to];
      for (const to of recipients) {
        const o = parties.get(to)!.receive(msg);
        last.set(to, o);
        queue.push(...o.outgoing);
      }
    }
    expect(directs.length).toBe(6);
    for (const m of directs) expect(m.to).not.toBeNull();
    const common = [...parties.values()].reduce<Uint8Array>((acc, p) => xor(acc, p.ownValue), new Uint8Array(32));
    for (const id of PARTIES) {
      const o = last.get(id)!;
      expect(o.status).toBe('done');
      if (o.status !== 'done') continue;
      expect(bytesToHex(o.output.common)).toBe(bytesToHex(common));
      const expectedDirect = directs.filter((m) => m.to === id).reduce<Uint8Array>((acc, m) => xor(acc, m.payload.subarray(0, 32)), new Uint8Array(32));
      expect(bytesToHex(o.output.direct)).toBe(bytesToHex(expectedDirect));
      expect(parties.get(id)!.waitingFor()).toEqual([]);
    }
  });

  it('buffers messages of a later round that arrive early', () => {
    const { p1, b, d21, d31 } = setupForParty1();
    expect(p1.waitingFor()).toEqual([2, 3]);
    expectIdle(p1.receive(d21));
    expectIdle(p1.receive(d31));
    expect(p1.waitingFor()).toEqual([2, 3]);
    expectIdle(p1.receive(b(2)));
    expect(p1.waitingFor()).toEqual([3]);
    const final = p1.receive(b(3));
    // Round 1 and the buffered round 2 complete in one step.
    expect(final.status).toBe('done');
    expect(final.outgoing.map((m) => [m.round, m.to])).toEqual([
      [2, 2],
      [2, 3],
    ]);
    if (final.status === 'done') expect(bytesToHex(final.output.direct)).toBe(bytesToHex(xor(d21.payload.subarray(0, 32), d31.payload.subarray(0, 32))));
  });

  it('buffers messages received before start()', () => {
    const parties = makeParties();
    const p1 = parties.get(1)!;
    const b2 = parties.get(2)!.start().outgoing[0]!;
    const b3 = parties.get(3)!.start().outgoing[0]!;
    expectIdle(p1.receive(b2));
    expectIdle(p1.receive(b3));
    expect(p1.waitingFor()).toEqual([]);
    const started = p1.start();
    expect(started.status).toBe('continue');
    expect(started.outgoing.map((m) => [m.round, m.to])).toEqual([
      [1, null],
      [2, 2],
      [2, 3],
    ]);
    expect(p1.waitingFor()).toEqual([2, 3]);
  });

  it('start() twice is a programming error', () => {
    const p = makeParties().get(1)!;
    p.start();
    expect(() => p.start()).toThrow('protocol already started');
  });

  it('rejects session ids of length 0 or > 64', () => {
    const base = { self: 1, parties: PARTIES, rng: seededRng('s') };
    expect(() => new ToyProtocol({ ...base, session: new Uint8Array(0) })).toThrow(RangeError);
    expect(() => new ToyProtocol({ ...base, session: new Uint8Array(65) })).toThrow(RangeError);
    expect(new ToyProtocol({ ...base, session: new Uint8Array(64) }).session.length).toBe(64);
    expect(new ToyProtocol({ ...base, session: new Uint8Array(1) }).session.length).toBe(1);
  });

  it('ignores exact duplicates, before and after their round is processed', () => {
    const { p1, b, d21, d31 } = setupForParty1();
    expectIdle(p1.receive(b(2)));
    expectIdle(p1.receive(b(2)));
    expectIdle(p1.receive({ ...b(2), payload: b(2).payload.slice(), session: b(2).session.slice() }));
    const afterRound1 = p1.receive(b(3));
    expect(afterRound1.status).toBe('continue');
    expect(afterRound1.outgoing.length).toBe(2);
    expectIdle(p1.receive(b(3)));
    expectIdle(p1.receive(b(2)));
    expectIdle(p1.receive(d21));
    expectIdle(p1.receive(d21));
    expect(p1.waitingFor()).toEqual([3]);
    expect(p1.receive(d31).status).toBe('done');
  });

  it('a different second broadcast for the same round aborts with equivocation', () => {
    const { p1, b } = setupForParty1();
    expectIdle(p1.receive(b(2)));
    const other = { ...b(2), payload: frame(new Uint8Array(32).fill(7)) };
    const abort = expectAbort(p1.receive(other), 'equivocation', [2]);
    expect(abort.message).toContain('blame: 2');
    expect(p1.waitingFor()).toEqual([]);
  });

  it('equivocation is detected after the round was processed, and on direct messages', () => {
    const late = setupForParty1();
    late.p1.receive(late.b(2));
    late.p1.receive(late.b(3));
    expectAbort(late.p1.receive({ ...late.b(3), payload: flip(late.b(3).payload, 5) }), 'equivocation', [3]);

    const direct = setupForParty1();
    expectIdle(direct.p1.receive(direct.d21));
    expectAbort(direct.p1.receive({ ...direct.d21, payload: flip(direct.d21.payload, 9) }), 'equivocation', [2]);
  });

  it('a message the sender may not send in that round aborts blaming the sender', () => {
    const cases: [string, (s: ReturnType<typeof setupForParty1>) => ProtocolMessage, number][] = [
      ['broadcast in a direct-only round', (s) => ({ ...s.d21, to: null }), 2],
      ['direct in a broadcast-only round', (s) => ({ ...s.b(3), to: 1 }), 3],
      ['round 0', (s) => ({ ...s.b(2), round: 0 }), 2],
      ['round past the last', (s) => ({ ...s.b(2), round: 3 }), 2],
      ['far future round', (s) => ({ ...s.d31, round: 1000 }), 3],
    ];
    for (const [what, make, culprit] of cases) {
      const s = setupForParty1();
      const outcome = s.p1.receive(make(s));
      expect(outcome.status, what).toBe('aborted');
      expectAbort(outcome, 'unexpected-message', [culprit]);
    }
  });

  it('a direct message from a party that does not send in that round is blamed on it', () => {
    // Only parties 1 and 2 send in round 2.
    const parties = makeParties({ round2Senders: [1, 2] });
    const r1 = startAll(parties);
    const p1 = parties.get(1)!;
    const p3 = parties.get(3)!;
    p3.receive(r1.get(1)![0]!);
    expect(p3.receive(r1.get(2)![0]!).outgoing).toEqual([]); // party 3 sends nothing in round 2
    p1.receive(r1.get(2)![0]!);
    expect(p1.receive(r1.get(3)![0]!).outgoing.length).toBe(2);
    expect(p1.waitingFor()).toEqual([2]);
    const forged: ProtocolMessage = { protocol: TOY_PROTOCOL, session: SESSION, round: 2, from: 3, to: 1, payload: frame(new Uint8Array(32)) };
    expectAbort(p1.receive(forged), 'unexpected-message', [3]);
  });

  it('ignores messages for another session or protocol, from non-participants or itself, or for another recipient', () => {
    const { p1, b, d21 } = setupForParty1();
    const junk = frame(new Uint8Array(32).fill(1));
    const ignored: ProtocolMessage[] = [
      // These would be equivocation or unexpected messages if they were not ignored.
      { ...b(2), session: toySession('another-session'), payload: junk },
      { ...b(2), session: SESSION.subarray(0, 15), payload: junk },
      { ...b(2), protocol: 'toy/other', payload: junk },
      { ...b(2), from: 9, round: 7 },
      { ...b(2), from: 1, payload: junk },
      { ...d21, to: 3, round: 1 },
      { ...b(2), to: 3 },
    ];
    expectIdle(p1.receive(b(2)));
    for (const m of ignored) {
      expectIdle(p1.receive(m));
      expect(p1.waitingFor()).toEqual([3]);
    }
    expect(p1.receive(b(3)).status).toBe('continue');
  });

  it('a message that fails validation aborts blaming its sender (decodeFrom)', () => {
    const { p1, b } = setupForParty1();
    p1.receive({ ...b(2), payload: flip(b(2).payload, 100) });
    expectAbort(p1.receive(b(3)), 'malformed-message', [2]);
    const s = setupForParty1();
    s.p1.receive(s.b(2));
    expectAbort(s.p1.receive({ ...s.b(3), payload: s.b(3).payload.subarray(0, 63) }), 'malformed-message', [3]);
  });

  it('after done, every message returns the same output', () => {
    const parties = makeParties();
    const last = pump(parties, [...startAll(parties).values()].flat());
    const p1 = parties.get(1)!;
    const done = last.get(1)!;
    expect(done.status).toBe('done');
    const msgs: ProtocolMessage[] = [
      { protocol: TOY_PROTOCOL, session: SESSION, round: 1, from: 2, to: null, payload: frame(new Uint8Array(32)) },
      { protocol: TOY_PROTOCOL, session: SESSION, round: 9, from: 3, to: null, payload: new Uint8Array(0) },
    ];
    for (const m of msgs) {
      const again = p1.receive(m);
      expect(again.status).toBe('done');
      expect(again.outgoing).toEqual([]);
      if (again.status === 'done' && done.status === 'done') expect(again.output).toBe(done.output);
    }
    expect(p1.waitingFor()).toEqual([]);
  });

  it('after an abort, every message returns the same abort', () => {
    const { p1, b } = setupForParty1();
    const abort = expectAbort(p1.receive({ ...b(2), round: 0 }), 'unexpected-message', [2]);
    for (const m of [b(2), b(3), { ...b(3), round: 0 }]) {
      const again = p1.receive(m);
      expect(again.status).toBe('aborted');
      expect(again.outgoing).toEqual([]);
      if (again.status === 'aborted') expect(again.abort).toBe(abort);
    }
    expect(p1.waitingFor()).toEqual([]);
  });

  it('waitingFor() lists the missing senders of the current round', () => {
    const parties = makeParties({ round2Senders: [2, 3] });
    const p1 = parties.get(1)!;
    expect(p1.waitingFor()).toEqual([]); // not started
    const r1 = startAll(parties);
    expect(p1.waitingFor()).toEqual([2, 3]);
    p1.receive(r1.get(3)![0]!);
    expect(p1.waitingFor()).toEqual([2]);
    p1.receive(r1.get(2)![0]!);
    expect(p1.waitingFor()).toEqual([2, 3]); // round 2
    // Party 2 does not expect a round-2 message from party 1 (not a round-2 sender).
    const p2 = parties.get(2)!;
    p2.receive(r1.get(1)![0]!);
    p2.receive(r1.get(3)![0]!);
    expect(p2.waitingFor()).toEqual([3]);
  });

  it('programming errors in a round handler propagate instead of blaming', () => {
    const parties = makeParties({ bug: new TypeError('oops') });
    const r1 = startAll(parties);
    const p1 = parties.get(1)!;
    p1.receive(r1.get(2)![0]!);
    expect(() => p1.receive(r1.get(3)![0]!)).toThrow(TypeError);
  });

  it('a protocol that runs past its last round is a programming error', () => {
    const parties = makeParties({ runPastEnd: true });
    expect(() => pump(parties, [...startAll(parties).values()].flat())).toThrow('protocol ran past its last round');
  });
});

describe('decodeFrom', () => {
  it('returns the decoded value', () => {
    expect(decodeFrom(4, 'thing', () => 42)).toBe(42);
  });

  it('turns any decoding error into malformed-message blaming the sender', () => {
    for (const thrown of [new Error('x'), new RangeError('y'), new TypeError('z'), 'a string']) {
      let caught: unknown;
      try {
        decodeFrom(4, 'thing', () => {
          throw thrown;
        });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(ProtocolAbort);
      expect((caught as ProtocolAbort).code).toBe('malformed-message');
      expect([...(caught as ProtocolAbort).culprits]).toEqual([4]);
      expect((caught as ProtocolAbort).message).toContain('malformed thing');
    }
    // A DecodeError from a Reader is blamed the same way.
    expect(() => decodeFrom(2, 'x', () => new Reader(new Uint8Array(0)).u8())).toThrow(ProtocolAbort);
  });

  it('passes a ProtocolAbort through unchanged', () => {
    const original = new ProtocolAbort('bad-proof', [7], 'bad proof');
    let caught: unknown;
    try {
      decodeFrom(4, 'thing', () => {
        throw original;
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(original);
  });
});

describe('ProtocolAbort and blame', () => {
  it('sorts culprits and names them in the message', () => {
    const a = new ProtocolAbort('bad-share', [3, 1, 2], 'reason');
    expect([...a.culprits]).toEqual([1, 2, 3]);
    expect(a.code).toBe('bad-share');
    expect(a.name).toBe('ProtocolAbort');
    expect(a.message).toContain('reason');
    expect(a).toBeInstanceOf(Error);
    expect(new ProtocolAbort('peer-aborted', [], 'no one').message).toBe('no one');
  });

  it('blame throws a ProtocolAbort with one or several culprits', () => {
    expect(() => blame('bad-echo', 5, 'r')).toThrow(ProtocolAbort);
    try {
      blame('bad-echo', [9, 4], 'r');
    } catch (e) {
      expect([...(e as ProtocolAbort).culprits]).toEqual([4, 9]);
      expect((e as ProtocolAbort).code).toBe('bad-echo');
    }
  });
});

describe('identity: signed broadcasts', () => {
  const ids = [1, 2, 3, 4];
  const identities = generateIdentities(ids, seededRng('identities'));
  const me = identities.get(1)!;
  const slot = (from: number, o: Partial<BroadcastSlot> = {}): BroadcastSlot => ({ protocol: 'toy/sig', session: SESSION, round: 1, from, ...o });
  const payload = utf8('hello broadcast');
  const signed2 = signBroadcast(identities.get(2)!.secretKey, slot(2), payload);

  function expectBlame(f: () => unknown, code: string, culprits: number[]): void {
    let caught: unknown;
    try {
      f();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ProtocolAbort);
    expect((caught as ProtocolAbort).code).toBe(code);
    expect([...(caught as ProtocolAbort).culprits]).toEqual(culprits);
  }

  it('generateIdentities is deterministic and shares one public-key table', () => {
    const again = generateIdentities(ids, seededRng('identities'));
    for (const id of ids) {
      const a = identities.get(id)!;
      expect(a.secretKey.length).toBe(32);
      expect(bytesToHex(a.secretKey)).toBe(bytesToHex(again.get(id)!.secretKey));
      expect(bytesToHex(a.publicKeys.get(id)!)).toBe(bytesToHex(ed25519.getPublicKey(a.secretKey)));
      expect(a.publicKeys).toBe(me.publicKeys);
    }
    expect([...me.publicKeys.keys()]).toEqual(ids);
    expect(new Set([...me.publicKeys.values()].map(bytesToHex)).size).toBe(4);
  });

  it('signs the documented message: SHA-512 over length-prefixed label, protocol, session, round, from, to and payload digest', () => {
    // An independent rebuilding of the signed message (docs/wire.md), checked with noble.
    const parts = [utf8('mpc-wallet/v1/signed'), utf8('toy/sig'), SESSION, u32(1), u32(2), u32(0), sha512(payload)];
    const message = sha512(concatBytes(...parts.flatMap((p) => [u32(p.length), p])));
    const { signature } = openBroadcast(me, slot(2), signed2);
    expect(ed25519.verify(signature, message, identities.get(2)!.publicKeys.get(2)!)).toBe(true);
  });

  it('is payload ‖ signature and opens to the payload, its digest and signature', () => {
    expect(signed2.length).toBe(4 + payload.length + 64);
    const r = new Reader(signed2);
    expect(bytesToHex(r.varBytes(1000))).toBe(bytesToHex(payload));
    const opened = openBroadcast(me, slot(2), signed2);
    expect(bytesToHex(opened.payload)).toBe(bytesToHex(payload));
    expect(bytesToHex(opened.digest)).toBe(bytesToHex(sha512(payload)));
    expect(bytesToHex(opened.signature)).toBe(bytesToHex(signed2.subarray(signed2.length - 64)));
    // Any party can open it, the sender included.
    expect(bytesToHex(openBroadcast(identities.get(2)!, slot(2), signed2).payload)).toBe(bytesToHex(payload));
  });

  it('a bad signature or tampered payload is blamed on the sender (bad-signature)', () => {
    expectBlame(() => openBroadcast(me, slot(2), flip(signed2, (signed2.length - 1) * 8)), 'bad-signature', [2]);
    expectBlame(() => openBroadcast(me, slot(2), flip(signed2, (signed2.length - 40) * 8 + 3)), 'bad-signature', [2]);
    expectBlame(() => openBroadcast(me, slot(2), flip(signed2, 4 * 8)), 'bad-signature', [2]); // first payload byte
    const zeroSig = concatBytes(signed2.subarray(0, signed2.length - 64), new Uint8Array(64));
    expectBlame(() => openBroadcast(me, slot(2), zeroSig), 'bad-signature', [2]);
  });

  it('a signature replayed into another session, round, protocol or sender slot fails', () => {
    expectBlame(() => openBroadcast(me, slot(2, { session: toySession('other-session') }), signed2), 'bad-signature', [2]);
    expectBlame(() => openBroadcast(me, slot(2, { round: 2 }), signed2), 'bad-signature', [2]);
    expectBlame(() => openBroadcast(me, slot(2, { protocol: 'toy/other' }), signed2), 'bad-signature', [2]);
    // Party 3 relays party 2's signed broadcast as its own: blamed on party 3.
    expectBlame(() => openBroadcast(me, slot(3), signed2), 'bad-signature', [3]);
  });

  it('a payload signed with another party’s key fails', () => {
    const byThree = signBroadcast(identities.get(3)!.secretKey, slot(2), payload);
    expectBlame(() => openBroadcast(me, slot(2), byThree), 'bad-signature', [2]);
  });

  it('a sender without a known key is blamed', () => {
    const outsider = generateIdentities([9], seededRng('outsider')).get(9)!;
    const signed = signBroadcast(outsider.secretKey, slot(9), payload);
    expectBlame(() => openBroadcast(me, slot(9), signed), 'bad-signature', [9]);
  });

  it('malformed framing is blamed on the sender (malformed-message)', () => {
    expectBlame(() => openBroadcast(me, slot(2), signed2.subarray(0, signed2.length - 1)), 'malformed-message', [2]);
    expectBlame(() => openBroadcast(me, slot(2), concatBytes(signed2, Uint8Array.of(0))), 'malformed-message', [2]);
    expectBlame(() => openBroadcast(me, slot(2), new Uint8Array(0)), 'malformed-message', [2]);
    const longLength = signed2.slice();
    longLength[3] = 0xff;
    expectBlame(() => openBroadcast(me, slot(2), longLength), 'malformed-message', [2]);
  });
});

describe('identity: echo broadcast', () => {
  const ids = [1, 2, 3, 4];
  const identities = generateIdentities(ids, seededRng('echo-identities'));
  const slotOf = (from: number): BroadcastSlot => ({ protocol: 'toy/echo', session: SESSION, round: 1, from });
  const payloadOf = (from: number, variant = 0) => utf8(`broadcast of ${from} #${variant}`);
  const signedOf = (from: number, variant = 0) => signBroadcast(identities.get(from)!.secretKey, slotOf(from), payloadOf(from, variant));

  /** What `viewer` saw of every broadcast (its own included), with overrides per sender. */
  function view(viewer: number, signed: Map<number, Uint8Array> = new Map()): Map<number, OpenedBroadcast> {
    const identity = identities.get(viewer)!;
    return new Map(ids.map((from) => [from, openBroadcast(identity, slotOf(from), signed.get(from) ?? signedOf(from))] as const));
  }

  function encodeEntries(entries: [number, Uint8Array, Uint8Array][]): Uint8Array {
    const w = new Writer().u16(entries.length);
    for (const [from, digest, signature] of entries) w.u16(from).bytes(digest).bytes(signature);
    return w.finish();
  }

  function entriesOf(seen: Map<number, OpenedBroadcast>): [number, Uint8Array, Uint8Array][] {
    return [...seen].map(([from, b]) => [from, b.digest, b.signature]);
  }

  function expectBlame(identity: PartyIdentity, mine: Map<number, OpenedBroadcast>, echoer: number, echo: Uint8Array, code: string, culprits: number[]) {
    let caught: unknown;
    try {
      checkEcho(identity, slotOf, mine, echoer, echo);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ProtocolAbort);
    expect((caught as ProtocolAbort).code).toBe(code);
    expect([...(caught as ProtocolAbort).culprits]).toEqual(culprits);
  }

  const me = identities.get(1)!;
  const mine = view(1);

  it('an equal echo passes', () => {
    for (const echoer of [2, 3, 4]) expect(() => checkEcho(me, slotOf, mine, echoer, encodeEcho(view(echoer)))).not.toThrow();
  });

  it('encodes entries sorted by sender', () => {
    const shuffled = new Map([...mine].reverse());
    expect(bytesToHex(encodeEcho(shuffled))).toBe(bytesToHex(encodeEcho(mine)));
    expect(encodeEcho(mine).length).toBe(2 + 4 * (2 + 64 + 64));
  });

  it('an echo showing a different payload validly signed by the sender blames the sender (equivocation)', () => {
    // Party 3 sent variant 1 to party 2 and variant 0 to everyone else.
    const echo = encodeEcho(view(2, new Map([[3, signedOf(3, 1)]])));
    expectBlame(me, mine, 2, echo, 'equivocation', [3]);
    // Symmetric: party 2's view against party 1's echo.
    expectBlame(identities.get(2)!, view(2, new Map([[3, signedOf(3, 1)]])), 1, encodeEcho(mine), 'equivocation', [3]);
  });

  it('an equivocation verdict carries both signed digests as evidence, which convicts the sender anywhere', () => {
    let caught: ProtocolAbort | undefined;
    try {
      checkEcho(me, slotOf, mine, 2, encodeEcho(view(2, new Map([[3, signedOf(3, 1)]]))));
    } catch (e) {
      caught = e as ProtocolAbort;
    }
    expect(caught?.code).toBe('equivocation');
    expect(provesEquivocation(identities.get(4)!, slotOf(3), caught!.evidence!)).toBe(true);
    expect(provesEquivocation(identities.get(4)!, slotOf(2), caught!.evidence!)).toBe(false);
  });

  it('an echo with a forged signature blames the echoer (bad-echo)', () => {
    const entries = entriesOf(view(2));
    const forgedDigest = sha512(payloadOf(3, 1));
    const forged = entries.map(([from, d, s]): [number, Uint8Array, Uint8Array] => (from === 3 ? [from, forgedDigest, new Uint8Array(64)] : [from, d, s]));
    expectBlame(me, mine, 2, encodeEntries(forged), 'bad-echo', [2]);
    // A real signature of party 3, but over the original digest, not the claimed one.
    const mismatched = entries.map(([from, d, s]): [number, Uint8Array, Uint8Array] => (from === 3 ? [from, forgedDigest, s] : [from, d, s]));
    expectBlame(me, mine, 2, encodeEntries(mismatched), 'bad-echo', [2]);
    // A valid signature by party 3 over another payload, but for another slot (another round).
    const otherRound = signBroadcast(identities.get(3)!.secretKey, { ...slotOf(3), round: 2 }, payloadOf(3, 1));
    const replayed = entries.map(([from, d, s]): [number, Uint8Array, Uint8Array] =>
      from === 3 ? [from, forgedDigest, otherRound.subarray(otherRound.length - 64)] : [from, d, s],
    );
    expectBlame(me, mine, 2, encodeEntries(replayed), 'bad-echo', [2]);
  });

  it('an echo omitting an entry blames the echoer', () => {
    const entries = entriesOf(view(2)).filter(([from]) => from !== 4);
    expectBlame(me, mine, 2, encodeEntries(entries), 'bad-echo', [2]);
    // Omitting the checking party's own broadcast is just as bad.
    expectBlame(me, mine, 2, encodeEntries(entriesOf(view(2)).filter(([from]) => from !== 1)), 'bad-echo', [2]);
    expectBlame(me, mine, 2, encodeEntries([]), 'bad-echo', [2]);
  });

  it('an echo adding an unknown entry blames the echoer', () => {
    const entries = entriesOf(view(2));
    const extra: [number, Uint8Array, Uint8Array] = [9, sha512(utf8('x')), new Uint8Array(64)];
    expectBlame(me, mine, 2, encodeEntries([...entries, extra]), 'bad-echo', [2]);
  });

  it('a malformed echo blames the echoer', () => {
    const good = encodeEcho(view(3));
    expectBlame(me, mine, 3, good.subarray(0, good.length - 1), 'malformed-message', [3]);
    expectBlame(me, mine, 3, concatBytes(good, Uint8Array.of(0)), 'malformed-message', [3]);
    expectBlame(me, mine, 3, new Uint8Array(0), 'malformed-message', [3]);
    const entries = entriesOf(view(3));
    expectBlame(me, mine, 3, encodeEntries([...entries, entries[0]!]), 'malformed-message', [3]);
  });
});
