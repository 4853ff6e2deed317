/**
 * Small protocols on top of the round-based engine, used by the engine and simulator tests.
 *
 * ToyProtocol (2 rounds):
 *   round 1: every party broadcasts a random 32-byte value, framed as value ‖ SHA-256(value)
 *            (the checksum makes any bit flip detectable), optionally signed with signBroadcast;
 *   round 2: every party in `round2Senders` sends each other party a direct 32-byte value
 *            (also checksummed).
 *   output:  the XOR of every party's round-1 value (identical for all parties) and the XOR of
 *            the direct values this party received (party-specific).
 *
 * EchoToy (2 rounds): round 1 a signed broadcast, round 2 the echo of every broadcast seen
 * (checkEcho); output is the XOR of all round-1 values.
 */
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, equalBytes, utf8 } from '../../src/bytes.js';
import {
  type BroadcastSlot,
  type OpenedBroadcast,
  type PartyIdentity,
  checkEcho,
  encodeEcho,
  openBroadcast,
  signBroadcast,
} from '../../src/engine/identity.js';
import { type Inbox, type Outgoing, type Rng, type RoundResult, type SessionRegistry, MemorySessionRegistry, RoundBasedProtocol, decodeFrom } from '../../src/engine/protocol.js';

export const TOY_PROTOCOL = 'toy/xor';
export const ECHO_PROTOCOL = 'toy/echo';

export function toySession(label: string): Uint8Array {
  return utf8(label.padEnd(16, '.')).slice(0, 16);
}

export function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** value ‖ SHA-256(value). */
export function frame(value: Uint8Array): Uint8Array {
  return concatBytes(value, sha256(value));
}

/** Inverse of `frame`; throws a plain Error (not a ProtocolAbort) on any inconsistency. */
export function unframe(payload: Uint8Array): Uint8Array {
  if (payload.length !== 64) throw new Error('bad length');
  const value = payload.subarray(0, 32);
  if (!equalBytes(sha256(value), payload.subarray(32))) throw new Error('bad checksum');
  return value.slice();
}

export interface ToyOutput {
  /** XOR of every party's round-1 value. */
  common: Uint8Array;
  /** XOR of the direct values this party received in round 2. */
  direct: Uint8Array;
}

export interface ToyConfig {
  session: Uint8Array;
  self: number;
  parties: readonly number[];
  rng: Rng;
  /** Parties that send direct messages in round 2 (default: everyone). */
  round2Senders?: readonly number[];
  /** Sign the round-1 broadcast with these identities. */
  identity?: PartyIdentity;
  /** Test hook: throw this from onRound(1) (a programming error, not a blame). */
  bug?: Error;
  /** Test hook: return outgoing messages from the last round instead of an output. */
  runPastEnd?: boolean;
  protocol?: string;
  /** Default: a fresh registry (each toy instance is its own party). */
  sessions?: SessionRegistry;
}

export class ToyProtocol extends RoundBasedProtocol<ToyOutput> {
  private readonly cfg: ToyConfig;
  private readonly value: Uint8Array;
  private common: Uint8Array = new Uint8Array(32);

  constructor(cfg: ToyConfig) {
    super(cfg.protocol ?? TOY_PROTOCOL, cfg.session, cfg.self, [
      { broadcast: true, direct: false },
      { broadcast: false, direct: true },
    ], cfg.sessions ?? new MemorySessionRegistry());
    this.cfg = cfg;
    this.value = cfg.rng(32);
  }

  /** The value this party broadcasts in round 1 (test oracle). */
  get ownValue(): Uint8Array {
    return this.value;
  }

  slot(from: number): BroadcastSlot {
    return { protocol: this.protocol, session: this.session, round: 1, from };
  }

  protected sendersOf(round: number): readonly number[] {
    const others = this.cfg.parties.filter((p) => p !== this.self);
    if (round === 2) return others.filter((p) => (this.cfg.round2Senders ?? this.cfg.parties).includes(p));
    return others;
  }

  protected isParticipant(id: number): boolean {
    return this.cfg.parties.includes(id);
  }

  protected onStart(): RoundResult<ToyOutput> {
    const framed = frame(this.value);
    const payload = this.cfg.identity ? signBroadcast(this.cfg.identity.secretKey, this.slot(this.self), framed) : framed;
    return { outgoing: [{ to: null, payload }] };
  }

  protected onRound(round: number, inbox: Inbox): RoundResult<ToyOutput> {
    if (round === 1) {
      if (this.cfg.bug) throw this.cfg.bug;
      let acc: Uint8Array = this.value.slice();
      for (const from of this.sendersOf(1)) {
        let payload = inbox.broadcast.get(from)!;
        if (this.cfg.identity) payload = openBroadcast(this.cfg.identity, this.slot(from), payload).payload;
        const v = decodeFrom(from, 'toy value', () => unframe(payload));
        acc = xor(acc, v);
      }
      this.common = acc;
      const outgoing: Outgoing[] = [];
      if ((this.cfg.round2Senders ?? this.cfg.parties).includes(this.self)) {
        for (const to of this.cfg.parties) if (to !== this.self) outgoing.push({ to, payload: frame(this.cfg.rng(32)) });
      }
      if (this.sendersOf(2).length === 0) return { outgoing, output: { common: this.common, direct: new Uint8Array(32) } };
      return { outgoing };
    }
    if (this.cfg.runPastEnd) return { outgoing: [] };
    let direct: Uint8Array = new Uint8Array(32);
    for (const from of this.sendersOf(2)) {
      const payload = inbox.direct.get(from)!;
      direct = xor(direct, decodeFrom(from, 'toy direct value', () => unframe(payload)));
    }
    return { output: { common: this.common, direct } };
  }
}

export interface EchoToyConfig {
  session: Uint8Array;
  self: number;
  parties: readonly number[];
  rng: Rng;
  identity: PartyIdentity;
  sessions?: SessionRegistry;
}

/** Signed broadcast + echo round: equivocation by a sender is detected and attributed. */
export class EchoToy extends RoundBasedProtocol<Uint8Array> {
  private readonly cfg: EchoToyConfig;
  private readonly value: Uint8Array;
  private readonly seen = new Map<number, OpenedBroadcast>();
  private common: Uint8Array = new Uint8Array(32);

  constructor(cfg: EchoToyConfig) {
    super(ECHO_PROTOCOL, cfg.session, cfg.self, [
      { broadcast: true, direct: false },
      { broadcast: true, direct: false },
    ], cfg.sessions ?? new MemorySessionRegistry());
    this.cfg = cfg;
    this.value = cfg.rng(32);
  }

  slot(from: number): BroadcastSlot {
    return { protocol: this.protocol, session: this.session, round: 1, from };
  }

  protected sendersOf(): readonly number[] {
    return this.cfg.parties.filter((p) => p !== this.self);
  }

  protected isParticipant(id: number): boolean {
    return this.cfg.parties.includes(id);
  }

  protected onStart(): RoundResult<Uint8Array> {
    const framed = frame(this.value);
    const signed = signBroadcast(this.cfg.identity.secretKey, this.slot(this.self), framed);
    this.seen.set(this.self, { payload: framed, digest: sha512(framed), signature: signed.subarray(signed.length - 64) });
    return { outgoing: [{ to: null, payload: signed }] };
  }

  protected onRound(round: number, inbox: Inbox): RoundResult<Uint8Array> {
    if (round === 1) {
      let acc: Uint8Array = this.value.slice();
      for (const from of this.sendersOf()) {
        const opened = openBroadcast(this.cfg.identity, this.slot(from), inbox.broadcast.get(from)!);
        this.seen.set(from, opened);
        acc = xor(acc, decodeFrom(from, 'toy value', () => unframe(opened.payload)));
      }
      this.common = acc;
      return { outgoing: [{ to: null, payload: encodeEcho(this.seen) }] };
    }
    for (const echoer of this.sendersOf()) {
      checkEcho(this.cfg.identity, (from) => this.slot(from), this.seen, echoer, inbox.broadcast.get(echoer)!);
    }
    return { output: this.common };
  }
}
