/**
 * In-memory network for running n protocol instances in one process, with faults: message loss
 * (with retransmission, or permanent silence of a party), delay and reordering, duplication,
 * corruption of a party's payloads, and arbitrary tampering (e.g. equivocation by a party that
 * signs two different broadcasts). Every delivery goes through the wire codec.
 */
import { decodeMessage, encodeMessage, type ProtocolMessage } from './codec.js';
import { ProtocolAbort } from './errors.js';
import type { Outcome, Protocol, Rng } from './protocol.js';

export interface SimulatorFaults {
  /** Probability that a delivery is lost in transit and retransmitted later. */
  drop?: number;
  /** Probability that a delivery is also delivered a second time. */
  duplicate?: number;
  /** Probability that a delivery is held back and overtaken by a random part of the traffic queued after it. */
  delay?: number;
  /** Deliver in random order instead of FIFO. */
  reorder?: boolean;
  /** Parties whose outgoing messages are lost for good (a crashed or silent party). */
  silent?: readonly number[];
  /** Flip one random bit in every payload these parties send. */
  corrupt?: readonly number[];
  /**
   * A party that tells different recipients different things: its broadcasts reach the listed
   * recipients with the payload `variant` returns (an adversary holding the party's keys can sign it).
   */
  equivocate?: { from: number; recipients: readonly number[]; variant: (msg: ProtocolMessage) => Uint8Array };
  /**
   * Arbitrary adversary on the wire: sees each (message, recipient) and returns the message to
   * deliver instead, or null to drop it.
   */
  tamper?: (msg: ProtocolMessage, recipient: number) => ProtocolMessage | null;
}

export interface SimulationResult<T> {
  outputs: Map<number, T>;
  aborts: Map<number, ProtocolAbort>;
  /** Parties still waiting when the network went quiet, with whom they wait for. */
  stalled: Map<number, number[]>;
  deliveries: number;
}

interface Delivery {
  to: number;
  bytes: Uint8Array;
}

const MAX_DELIVERIES = 1_000_000;

export function simulate<T>(parties: readonly Protocol<T>[], rng: Rng, faults: SimulatorFaults = {}): SimulationResult<T> {
  const byId = new Map(parties.map((p) => [p.self, p] as const));
  if (byId.size !== parties.length) throw new RangeError('duplicate party identifiers');
  const random = () => {
    const b = rng(4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0) / 2 ** 32;
  };
  const queue: Delivery[] = [];
  const outputs = new Map<number, T>();
  const aborts = new Map<number, ProtocolAbort>();

  const post = (outcome: Outcome<T>, id: number) => {
    if (outcome.status === 'done' && !outputs.has(id)) outputs.set(id, outcome.output);
    if (outcome.status === 'aborted' && !aborts.has(id)) aborts.set(id, outcome.abort);
    if (faults.silent?.includes(id)) return;
    for (const msg of outcome.outgoing) {
      const recipients = msg.to === null ? [...byId.keys()].filter((r) => r !== id) : [msg.to];
      for (const to of recipients) {
        let m: ProtocolMessage | null = msg;
        if (faults.corrupt?.includes(id) && m.payload.length > 0) {
          const payload = m.payload.slice();
          const bit = Math.floor(random() * payload.length * 8);
          payload[bit >> 3]! ^= 1 << (bit & 7);
          m = { ...m, payload };
        }
        const eq = faults.equivocate;
        if (eq && m.from === eq.from && m.to === null && eq.recipients.includes(to)) m = { ...m, payload: eq.variant(m) };
        if (faults.tamper) m = faults.tamper(m, to);
        // A tamperer may also re-address a direct message.
        if (m) queue.push({ to: m.to ?? to, bytes: encodeMessage(m) });
      }
    }
  };

  for (const p of parties) post(p.start(), p.self);
  let deliveries = 0;
  while (queue.length > 0) {
    if (++deliveries > MAX_DELIVERIES) throw new Error('simulation did not converge');
    const index = faults.reorder ? Math.floor(random() * queue.length) : 0;
    const [d] = queue.splice(index, 1) as [Delivery];
    if (faults.drop && random() < faults.drop) {
      queue.push(d); // lost; the transport retransmits it after everything now in flight
      continue;
    }
    if (faults.delay && random() < faults.delay) {
      queue.splice(Math.floor(random() * (queue.length + 1)), 0, d); // overtaken by some later traffic
      continue;
    }
    if (faults.duplicate && random() < faults.duplicate) queue.push(d);
    const party = byId.get(d.to);
    if (!party) continue;
    post(party.receive(decodeMessage(d.bytes)), d.to);
  }
  const stalled = new Map<number, number[]>();
  for (const p of parties) {
    if (!outputs.has(p.self) && !aborts.has(p.self)) stalled.set(p.self, p.waitingFor());
  }
  return { outputs, aborts, stalled, deliveries };
}
