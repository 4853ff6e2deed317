/**
 * The round-based protocol engine (DESIGN §5). A protocol instance is a pure state machine:
 * `start()` returns the first messages, `receive()` returns more messages, a result, or an abort
 * naming the guilty parties. It never touches I/O or clocks; randomness is injected.
 *
 * The base class owns everything that is the same for every protocol: envelope checks, buffering
 * of early messages, duplicate suppression, equivocation detection on one channel, and the
 * terminal states. Subclasses only say who sends in each round and what a round computes.
 */
import { bytesToHex, equalBytes } from '../bytes.js';
import { MAX_PAYLOAD, type ProtocolMessage, Reader, Writer } from './codec.js';
import { type AbortCode, isAbortCode } from './abort-codes.js';
import { ProtocolAbort, blame } from './errors.js';

/**
 * Round number of complaint messages. A party that detects misbehaviour broadcasts a complaint
 * (code, culprits, evidence, and the last round it sent) to its peers, so that they stop too:
 * at once when the evidence convinces them (or convicts the complainer of a false accusation),
 * otherwise as soon as they would need a message the complainer will no longer send.
 */
export const COMPLAINT_ROUND = 0xffff;

export interface Complaint {
  code: AbortCode;
  culprits: number[];
  evidence: Uint8Array;
  /** The complainer sent all its messages of rounds ≤ sentThrough before it stopped. */
  sentThrough: number;
}

export function encodeComplaint(c: Complaint): Uint8Array {
  const code = new TextEncoder().encode(c.code);
  const w = new Writer().u8(code.length).bytes(code).u16(c.sentThrough).u16(c.culprits.length);
  for (const id of c.culprits) w.u16(id);
  return w.varBytes(c.evidence).finish();
}

export function decodeComplaint(bytes: Uint8Array): Complaint {
  const r = new Reader(bytes);
  const codeBytes = r.bytes(r.u8());
  const code = new TextDecoder().decode(codeBytes);
  if (!isAbortCode(code)) throw new RangeError('unknown complaint code');
  const sentThrough = r.u16();
  const culprits = Array.from({ length: r.u16() }, () => r.u16());
  // Bounded by the message itself: presigning's identification evidence is every signer's proofs.
  const evidence = r.varBytes(MAX_PAYLOAD);
  r.end();
  return { code, culprits, evidence, sentThrough };
}

/** A verdict on a complaint: whom the evidence convicts (possibly the complainer). */
export interface Verdict {
  code: AbortCode;
  culprits: number[];
  reason: string;
}

/** `Rng` lives in the bottom layer (bigint, Paillier and the proofs draw from it); protocols import it from here. */
export type { Rng } from '../rng.js';

/**
 * The session ids one party has used (DESIGN §5). A party that ran two instances of one protocol
 * under one session id would sign two different messages for the same slot, and any peer could
 * then have it convicted of equivocation; so an instance claims its (protocol, session) here before
 * it produces anything, and a claimed id is refused for good. Core does no I/O: the signer node
 * injects a registry backed by its own store (claim must be atomic there); tests and simulations
 * use `MemorySessionRegistry`, one per party.
 */
export interface SessionRegistry {
  /** Marks (protocol, session) as used by this party; false when it was already used. */
  claim(protocol: string, session: Uint8Array): boolean;
}

/** An in-memory registry: single use for the lifetime of the object. */
export class MemorySessionRegistry implements SessionRegistry {
  private readonly used = new Set<string>();

  claim(protocol: string, session: Uint8Array): boolean {
    const id = `${protocol}\u0000${bytesToHex(session)}`;
    if (this.used.has(id)) return false;
    this.used.add(id);
    return true;
  }
}

/** One fresh in-memory registry per party (simulations and tests). */
export function sessionRegistries(ids: readonly number[]): Map<number, MemorySessionRegistry> {
  return new Map(ids.map((id) => [id, new MemorySessionRegistry()] as const));
}

/** `start()` of an instance whose session id this party has used before. Nothing was sent. */
export class SessionReuseError extends Error {
  constructor(protocol: string) {
    super(`session id already used for ${protocol}; refusing to run it again`);
    this.name = 'SessionReuseError';
  }
}

export type Outcome<T> =
  | { status: 'continue'; outgoing: ProtocolMessage[] }
  | { status: 'done'; outgoing: ProtocolMessage[]; output: T }
  | { status: 'aborted'; outgoing: ProtocolMessage[]; abort: ProtocolAbort };

export interface Protocol<T> {
  readonly protocol: string;
  readonly session: Uint8Array;
  readonly self: number;
  start(): Outcome<T>;
  receive(msg: ProtocolMessage): Outcome<T>;
  /** Parties whose messages for the current round have not arrived (for timeouts and blame). */
  waitingFor(): number[];
}

/** What one party expects from each sender in a round. */
export interface RoundSpec {
  broadcast: boolean;
  direct: boolean;
}

/** The messages of one round, keyed by sender. */
export interface Inbox {
  broadcast: Map<number, Uint8Array>;
  direct: Map<number, Uint8Array>;
}

export interface Outgoing {
  to: number | null;
  payload: Uint8Array;
}

export type RoundResult<T> = { outgoing: Outgoing[] } | { outgoing?: Outgoing[]; output: T };

export abstract class RoundBasedProtocol<T> implements Protocol<T> {
  /** Rounds numbered from 1; `rounds[r-1]` describes what arrives in round r. */
  private readonly rounds: readonly RoundSpec[];
  private current = 0;
  private state: 'new' | 'running' | 'done' | 'aborted' = 'new';
  private output: T | undefined;
  private abortValue: ProtocolAbort | undefined;
  /** Every accepted message by (round, sender, kind), for duplicate and equivocation checks. */
  private readonly received = new Map<string, Uint8Array>();
  /** Complaints this party could not verify, by complainer. */
  private readonly complaints = new Map<number, Complaint>();

  protected constructor(
    readonly protocol: string,
    readonly session: Uint8Array,
    readonly self: number,
    rounds: readonly RoundSpec[],
    private readonly sessions: SessionRegistry,
  ) {
    if (session.length === 0 || session.length > 64) throw new RangeError('session id must be 1..64 bytes');
    this.rounds = rounds;
  }

  /** Parties from which this party expects messages in `round`. */
  protected abstract sendersOf(round: number): readonly number[];
  /** Every party of the protocol run; messages from anyone else are ignored. */
  protected abstract isParticipant(id: number): boolean;
  /** Produces the first round's messages (or finishes at once). */
  protected abstract onStart(): RoundResult<T>;
  /** Handles the complete inbox of `round`; throws ProtocolAbort (via `blame`) on misbehaviour. */
  protected abstract onRound(round: number, inbox: Inbox): RoundResult<T>;

  /**
   * Checks a peer's complaint against its evidence. Returns whom it convicts, or undefined when
   * this protocol cannot check that kind of complaint. Must not throw.
   */
  protected judgeComplaint(_from: number, _complaint: Complaint): Verdict | undefined {
    return undefined;
  }

  /**
   * Drops the secrets this instance holds. Called whenever it aborts, whichever round or
   * complaint led there, and when an error escapes it (it is not used again after either).
   * JS cannot overwrite a bigint in place: dropping the reference is what can be done.
   */
  protected eraseSecrets(): void {}

  start(): Outcome<T> {
    return this.erasingOnAbort(() => this.startRunning());
  }

  receive(msg: ProtocolMessage): Outcome<T> {
    return this.erasingOnAbort(() => this.deliver(msg));
  }

  private erasingOnAbort(run: () => Outcome<T>): Outcome<T> {
    try {
      const outcome = run();
      if (outcome.status === 'aborted') this.eraseSecrets();
      return outcome;
    } catch (e) {
      this.eraseSecrets();
      throw e;
    }
  }

  private startRunning(): Outcome<T> {
    if (this.state !== 'new') throw new Error('protocol already started');
    // Claimed before anything is computed or signed: a reused id produces nothing to convict.
    if (!this.sessions.claim(this.protocol, this.session)) throw new SessionReuseError(this.protocol);
    this.state = 'running';
    return this.step(() => this.onStart());
  }

  private deliver(msg: ProtocolMessage): Outcome<T> {
    if (this.state === 'done') return { status: 'done', outgoing: [], output: this.output as T };
    if (this.state === 'aborted') return { status: 'aborted', outgoing: [], abort: this.abortValue! };
    // Not for this instance, or from outside the party set: not attributable, so ignored.
    if (msg.protocol !== this.protocol || !equalBytes(msg.session, this.session)) return this.idle();
    if (!this.isParticipant(msg.from) || msg.from === this.self) return this.idle();
    if (msg.to !== null && msg.to !== this.self) return this.idle();
    if (msg.round === COMPLAINT_ROUND) return this.onComplaint(msg);
    try {
      this.accept(msg);
    } catch (e) {
      return this.fail(e);
    }
    if (this.state === 'new') return this.idle();
    return this.step(() => undefined);
  }

  private onComplaint(msg: ProtocolMessage): Outcome<T> {
    if (msg.to !== null) return this.fail(new ProtocolAbort('unexpected-message', [msg.from], 'complaint sent as a direct message'));
    let complaint: Complaint;
    try {
      complaint = decodeComplaint(msg.payload);
    } catch {
      return this.fail(new ProtocolAbort('malformed-message', [msg.from], 'malformed complaint'));
    }
    const verdict = this.judgeComplaint(msg.from, complaint);
    if (verdict) return this.fail(new ProtocolAbort(verdict.code, verdict.culprits, verdict.reason), false);
    if (!this.complaints.has(msg.from)) this.complaints.set(msg.from, complaint);
    return this.state === 'running' ? this.step(() => undefined) : this.idle();
  }

  /**
   * Aborts when this party waits for a message that a complainer will no longer send: on the
   * complaint's evidence if it can check it now (it may have arrived before this party held what
   * checking needs), otherwise as 'peer-aborted'.
   */
  private checkStalledOnComplainer(): void {
    for (const id of this.waitingFor()) {
      const c = this.complaints.get(id);
      if (c && this.current > c.sentThrough) {
        const verdict = this.judgeComplaint(id, c);
        if (verdict) blame(verdict.code, verdict.culprits, verdict.reason);
        blame('peer-aborted', [], `party ${id} aborted (${c.code}, blaming ${c.culprits.join(', ') || 'nobody'}); unverified here`);
      }
    }
  }

  waitingFor(): number[] {
    if (this.state !== 'running' || this.current > this.rounds.length) return [];
    return this.sendersOf(this.current).filter((id) => !this.hasAll(this.current, id));
  }

  private idle(): Outcome<T> {
    return { status: 'continue', outgoing: [] };
  }

  private accept(msg: ProtocolMessage): void {
    const spec = this.rounds[msg.round - 1];
    const kind = msg.to === null ? 'b' : 'd';
    if (!spec || !(kind === 'b' ? spec.broadcast : spec.direct) || !this.sendersOf(msg.round).includes(msg.from)) {
      blame('unexpected-message', msg.from, `unexpected ${kind === 'b' ? 'broadcast' : 'direct'} message in round ${msg.round}`);
    }
    const key = `${msg.round}/${msg.from}/${kind}`;
    const previous = this.received.get(key);
    if (previous) {
      if (equalBytes(previous, msg.payload)) return; // a harmless duplicate
      blame('equivocation', msg.from, `two different round-${msg.round} messages from the same sender`);
    }
    this.received.set(key, msg.payload);
  }

  private hasAll(round: number, from: number): boolean {
    const spec = this.rounds[round - 1]!;
    return (!spec.broadcast || this.received.has(`${round}/${from}/b`)) && (!spec.direct || this.received.has(`${round}/${from}/d`));
  }

  private inbox(round: number): Inbox {
    const inbox: Inbox = { broadcast: new Map(), direct: new Map() };
    for (const from of this.sendersOf(round)) {
      const b = this.received.get(`${round}/${from}/b`);
      const d = this.received.get(`${round}/${from}/d`);
      if (b) inbox.broadcast.set(from, b);
      if (d) inbox.direct.set(from, d);
    }
    return inbox;
  }

  /** Runs `first`, then every round whose inbox is complete, collecting outgoing messages. */
  private step(first: () => RoundResult<T> | undefined): Outcome<T> {
    const outgoing: ProtocolMessage[] = [];
    try {
      let result = first();
      for (;;) {
        if (result) {
          // A handler's messages belong to the round after the one it consumed.
          for (const o of result.outgoing ?? []) outgoing.push(this.envelope(this.current + 1, o));
          if ('output' in result) {
            this.state = 'done';
            this.output = result.output;
            this.received.clear();
            return { status: 'done', outgoing, output: result.output };
          }
          this.current++;
        }
        if (this.current > this.rounds.length) throw new Error('protocol ran past its last round');
        if (this.current === 0 || !this.sendersOf(this.current).every((id) => this.hasAll(this.current, id))) {
          this.checkStalledOnComplainer();
          return { status: 'continue', outgoing };
        }
        result = this.onRound(this.current, this.inbox(this.current));
      }
    } catch (e) {
      // Messages produced before the failure are still sent: peers may need them to judge.
      const failed = this.fail(e);
      return { ...failed, outgoing: [...outgoing, ...failed.outgoing] };
    }
  }

  private envelope(round: number, o: Outgoing): ProtocolMessage {
    return { protocol: this.protocol, session: this.session, round, from: this.self, to: o.to, payload: o.payload };
  }

  /** Enters the aborted state; a misbehaviour detected here is announced to the peers. */
  private fail(e: unknown, announce = true): Outcome<T> & { status: 'aborted' } {
    // Programming errors are not blame: they propagate to the caller unchanged.
    if (!(e instanceof ProtocolAbort)) throw e;
    const sentThrough = this.current;
    this.state = 'aborted';
    this.abortValue = e;
    this.received.clear();
    const outgoing: ProtocolMessage[] = [];
    if (announce && e.code !== 'peer-aborted') {
      const payload = encodeComplaint({ code: e.code, culprits: [...e.culprits], evidence: e.evidence ?? new Uint8Array(0), sentThrough });
      outgoing.push(this.envelope(COMPLAINT_ROUND, { to: null, payload }));
    }
    return { status: 'aborted', outgoing, abort: e };
  }
}

/** The verdict on a complaint whose evidence clears the accused: the complainer is convicted. */
export function falseComplaint(complainer: number, accused: number): Verdict {
  return { code: 'false-complaint', culprits: [complainer], reason: `party ${complainer} accused party ${accused} on evidence that clears it` };
}

/**
 * Repeats a complainer's check on its evidence: whom the check blames is convicted, or the
 * complainer when the check passes.
 */
export function recheck(complainer: number, accused: number, check: () => void): Verdict {
  try {
    check();
  } catch (e) {
    if (e instanceof ProtocolAbort) return { code: e.code, culprits: [...e.culprits], reason: `${e.reason} (reported by ${complainer}, checked here)` };
    throw e;
  }
  return falseComplaint(complainer, accused);
}

/**
 * Decodes a payload from `from`; any decoding failure is that sender's fault.
 */
export function decodeFrom<V>(from: number, what: string, decode: () => V): V {
  try {
    return decode();
  } catch (e) {
    if (e instanceof ProtocolAbort) throw e;
    return blame('malformed-message', from, `malformed ${what}`);
  }
}

/** A party list as protocols keep it: ascending, non-empty, distinct identifiers in 1..65535. */
export function partySet(ids: readonly number[], what: string): number[] {
  const sorted = [...ids].sort((a, b) => a - b);
  if (sorted.length === 0) throw new RangeError(`${what} must not be empty`);
  for (let i = 0; i < sorted.length; i++) {
    const id = sorted[i]!;
    if (!Number.isInteger(id) || id < 1 || id > 0xffff) throw new RangeError(`${what}: bad identifier ${id}`);
    if (i > 0 && sorted[i - 1] === id) throw new RangeError(`${what}: duplicate identifier ${id}`);
  }
  return sorted;
}
