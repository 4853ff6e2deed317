/**
 * A Noise-secured connection over any frame channel (TCP, WebSocket, or a relay through the
 * coordinator). Handshake: Noise_IK when the initiator knows the responder's static key, else
 * Noise_XX (first contact); either way the peer's static key must be pinned, or the connection
 * is refused. After the handshake, application messages of any size up to `maxMessageBytes` are
 * cut into records that fit Noise's 65535-byte limit. Any violation — a bad frame, a failed
 * decryption (tampering, replay, reordering, loss), a stall, an oversized message — closes this
 * connection with a reason; nothing escapes as an exception.
 *
 * The exact bytes are specified in docs/wire.md.
 */
import { HandshakeState, type KeyPair, type NoiseCrypto, NoiseError, TAGLEN, MAX_NOISE_MESSAGE, type TransportPair, bytesToHex, concatBytes, utf8 } from '@mpc-wallet/core';
import type { FrameChannel } from './channel.js';
import { type Logger, silentLogger } from '../log.js';

export const WIRE_VERSION = 1;
const MAGIC = utf8('MPCW');
const PROLOGUE_PREFIX = utf8('mpc-wallet/noise/v1');

/** First byte of the initiator's first frame: which handshake pattern follows. */
export const PATTERN_BYTE = { IK: 0x49, XX: 0x58 } as const;

/** Record types inside Noise transport messages. */
export const RECORD = { MORE: 0x01, END: 0x02, PING: 0x03, PONG: 0x04, CLOSE: 0x05 } as const;

/** Largest record body: Noise message limit minus tag and record type byte. */
export const MAX_RECORD_BODY = MAX_NOISE_MESSAGE - TAGLEN - 1;

export interface SecureConnectionOptions {
  role: 'initiator' | 'responder';
  staticKey: KeyPair;
  /** The name this endpoint announces; the peer checks it against its pin. */
  name: string;
  /** Pinned peers: hex of static public key → the name it must announce. Anyone else is refused. */
  trusted: ReadonlyMap<string, string>;
  /**
   * First contact (enrolment): asked about a key that is not pinned, once the peer has proven it
   * holds that key and announced its name; returning true accepts it (the caller then pins it).
   */
  acceptUnknown?: (staticKey: Uint8Array, name: string) => boolean;
  /** Initiator only: the responder's static key, which selects Noise_IK; without it, Noise_XX. */
  remoteStatic?: Uint8Array;
  /** Bytes bound into the handshake prologue (e.g. a relay session tag); both sides must agree. */
  context?: Uint8Array;
  /** Noise primitives: native OpenSSL unless given (NOISE_NOBLE is the reference, for benchmarks). */
  crypto?: NoiseCrypto;
  handshakeTimeoutMs?: number;
  /**
   * Responder only: close when no complete frame arrived within this long. Much shorter than the
   * handshake timeout, so a connection that sends nothing holds a handshake slot only briefly.
   */
  firstFrameTimeoutMs?: number;
  /** Send a ping after this long without sending anything. */
  keepAliveMs?: number;
  /** Close after this long without receiving anything. */
  idleTimeoutMs?: number;
  maxMessageBytes?: number;
  /** `send()` waits while more than this many bytes are buffered. */
  highWaterMark?: number;
  logger?: Logger;
}

export interface PeerInfo {
  name: string;
  staticKey: Uint8Array;
  handshakeHash: Uint8Array;
}

/**
 * 'confirming': an IK responder has finished the handshake but waits for the first authenticated
 * record, because IK's first message carries nothing fresh from the responder and could be a
 * replay; only the genuine initiator can produce a record under the new keys.
 */
type State = 'handshake' | 'confirming' | 'open' | 'closed';

export class SecureConnection {
  private state: State = 'handshake';
  private handshake: HandshakeState | undefined;
  private transport: TransportPair | undefined;
  private readonly opts: Required<Omit<SecureConnectionOptions, 'remoteStatic' | 'context' | 'acceptUnknown' | 'crypto'>> &
    Pick<SecureConnectionOptions, 'remoteStatic' | 'context' | 'acceptUnknown' | 'crypto'>;
  private fragments: Uint8Array[] = [];
  private fragmentBytes = 0;
  private timers: NodeJS.Timeout[] = [];
  private lastReceived = Date.now();
  private lastSent = Date.now();
  /** Set when the connection opens (after key confirmation, for an IK responder). */
  private peerInfo: PeerInfo | undefined;
  /** The peer the handshake revealed, while an IK responder waits for key confirmation. */
  private unconfirmedPeer: PeerInfo | undefined;
  private receivedAny = false;
  private closeReason: string | undefined;
  private pattern: keyof typeof PATTERN_BYTE | undefined;
  /** The peer's name, set when its hello passes the pin check. */
  private remoteName: string | undefined;
  private readonly listeners = {
    open: [] as ((peer: PeerInfo) => void)[],
    message: [] as ((data: Uint8Array) => void)[],
    close: [] as ((reason: string) => void)[],
  };
  private drainWaiters: (() => void)[] = [];

  constructor(
    private readonly channel: FrameChannel,
    options: SecureConnectionOptions,
  ) {
    this.opts = {
      handshakeTimeoutMs: 5_000,
      firstFrameTimeoutMs: 2_000,
      keepAliveMs: 15_000,
      idleTimeoutMs: 45_000,
      maxMessageBytes: 16 * 1024 * 1024,
      highWaterMark: 1024 * 1024,
      logger: silentLogger,
      ...options,
    };
    channel.onFrame((frame) => this.onFrame(frame));
    channel.onClose((why) => this.fail(why));
    channel.onDrain(() => this.releaseWaiters());
    this.timers.push(
      setTimeout(() => (this.state === 'handshake' || this.state === 'confirming') && this.fail('handshake timeout'), this.opts.handshakeTimeoutMs).unref(),
    );
    if (options.role === 'responder') {
      this.timers.push(setTimeout(() => !this.receivedAny && this.fail('first frame timeout'), this.opts.firstFrameTimeoutMs).unref());
    }
    if (options.role === 'initiator') this.startInitiator();
  }

  /** The authenticated peer, once the connection is open (see `opened()`). */
  get peer(): PeerInfo | undefined {
    return this.peerInfo;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Why the connection closed, once it has. */
  get closedBecause(): string | undefined {
    return this.closeReason;
  }

  on(event: 'open', listener: (peer: PeerInfo) => void): this;
  on(event: 'message', listener: (data: Uint8Array) => void): this;
  on(event: 'close', listener: (reason: string) => void): this;
  on(event: 'open' | 'message' | 'close', listener: (arg: never) => void): this {
    (this.listeners[event] as unknown[]).push(listener);
    return this;
  }

  /**
   * Resolves with the peer once the connection is open — for an IK responder, only after key
   * confirmation (the initiator's first authenticated record); rejects if it closes first.
   */
  opened(): Promise<PeerInfo> {
    if (this.peerInfo) return Promise.resolve(this.peerInfo);
    if (this.state === 'closed') return Promise.reject(new Error(this.closeReason));
    return new Promise((resolve, reject) => {
      this.on('open', resolve);
      this.on('close', (reason) => reject(new Error(reason)));
    });
  }

  /** Sends one application message; waits while the channel is congested. */
  async send(message: Uint8Array): Promise<void> {
    if (this.state !== 'open') throw new Error(`connection is ${this.state}`);
    if (message.length > this.opts.maxMessageBytes) throw new RangeError('message exceeds the maximum size');
    for (let offset = 0; ; offset += MAX_RECORD_BODY) {
      const end = Math.min(offset + MAX_RECORD_BODY, message.length);
      this.sendRecord(end === message.length ? RECORD.END : RECORD.MORE, message.subarray(offset, end));
      if (end === message.length) break;
    }
    while (this.state === 'open' && this.channel.bufferedBytes > this.opts.highWaterMark) {
      await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    }
  }

  /** Closes with a reason the peer is told (when the channel is still open). */
  close(reason = 'closed'): void {
    if (this.state === 'open') {
      try {
        this.sendRecord(RECORD.CLOSE, utf8(reason.slice(0, 200)));
      } catch {
        // the channel is already gone
      }
    }
    this.shutdown(reason, true);
  }

  private prologue(pattern: keyof typeof PATTERN_BYTE): Uint8Array {
    return concatBytes(PROLOGUE_PREFIX, Uint8Array.of(PATTERN_BYTE[pattern]), this.opts.context ?? new Uint8Array(0));
  }

  private hello(): Uint8Array {
    const name = utf8(this.opts.name);
    if (name.length > 255) throw new RangeError('name too long');
    return concatBytes(MAGIC, Uint8Array.of(WIRE_VERSION, name.length), name);
  }

  private startInitiator(): void {
    const pattern = this.opts.remoteStatic ? 'IK' : 'XX';
    this.pattern = pattern;
    this.handshake = new HandshakeState({
      pattern,
      initiator: true,
      prologue: this.prologue(pattern),
      s: this.opts.staticKey,
      ...(this.opts.remoteStatic ? { rs: this.opts.remoteStatic } : {}),
      ...(this.opts.crypto ? { crypto: this.opts.crypto } : {}),
    });
    // IK sends the hello in the first message (encrypted to the responder); XX in its third.
    const first = this.handshake.writeMessage(pattern === 'IK' ? this.hello() : new Uint8Array(0));
    this.channel.send(concatBytes(Uint8Array.of(PATTERN_BYTE[pattern]), first));
  }

  private onFrame(frame: Uint8Array): void {
    if (this.state === 'closed') return;
    this.lastReceived = Date.now();
    this.receivedAny = true;
    try {
      if (this.state === 'handshake') this.onHandshakeFrame(frame);
      else this.onTransportFrame(frame);
    } catch (e) {
      this.fail(e instanceof NoiseError || e instanceof ProtocolViolation ? e.message : 'internal error');
    }
  }

  private onHandshakeFrame(frame: Uint8Array): void {
    if (!this.handshake) {
      // Responder, first frame: the pattern byte, then Noise message 1.
      const patternByte = frame[0];
      const pattern = patternByte === PATTERN_BYTE.IK ? 'IK' : patternByte === PATTERN_BYTE.XX ? 'XX' : undefined;
      if (!pattern) throw new ProtocolViolation('unknown handshake pattern');
      this.pattern = pattern;
      this.handshake = new HandshakeState({
        pattern,
        initiator: false,
        prologue: this.prologue(pattern),
        s: this.opts.staticKey,
        ...(this.opts.crypto ? { crypto: this.opts.crypto } : {}),
      });
      frame = frame.subarray(1);
    }
    const hs = this.handshake;
    if (hs.isMyTurn) throw new ProtocolViolation('unexpected handshake frame');
    const payload = hs.readMessage(frame);
    // Every message that makes the peer's static key known carries its hello; no other does.
    if (hs.remoteStatic) this.checkHello(payload, hs.remoteStatic);
    else if (payload.length > 0) throw new ProtocolViolation('unexpected handshake payload');
    if (!hs.isComplete && hs.isMyTurn) {
      // Our hello goes in the first message that encrypts it: responder's reply (IK: msg 2,
      // XX: msg 2 carries our static key), initiator's msg 3 in XX.
      this.channel.send(hs.writeMessage(this.hello()));
    }
    if (hs.isComplete) this.openTransport(hs);
  }

  private checkHello(payload: Uint8Array, remoteStatic: Uint8Array): void {
    if (payload.length < 6 || !MAGIC.every((b, i) => payload[i] === b)) throw new ProtocolViolation('malformed hello');
    if (payload[4] !== WIRE_VERSION) throw new ProtocolViolation(`unsupported wire version ${payload[4]}`);
    const nameLength = payload[5]!;
    if (payload.length !== 6 + nameLength) throw new ProtocolViolation('malformed hello');
    let name: string;
    try {
      name = new TextDecoder('utf-8', { fatal: true }).decode(payload.subarray(6));
    } catch {
      throw new ProtocolViolation('malformed hello');
    }
    const pinned = this.opts.trusted.get(bytesToHex(remoteStatic));
    if (pinned === undefined) {
      if (!this.opts.acceptUnknown?.(remoteStatic.slice(), name)) throw new ProtocolViolation('peer static key is not pinned');
    } else if (pinned !== name) {
      throw new ProtocolViolation('peer name does not match its pinned key');
    }
    this.remoteName = name;
  }

  private openTransport(hs: HandshakeState): void {
    // Both patterns reveal the peer's static key, with its hello, before they complete.
    this.transport = hs.split();
    this.unconfirmedPeer = { name: this.remoteName!, staticKey: hs.remoteStatic!, handshakeHash: hs.handshakeHash };
    this.handshake = undefined;
    if (this.pattern === 'IK') {
      if (this.opts.role === 'responder') {
        // Neither `peer` nor `opened()` may report a peer that a replayed message 1 names.
        this.state = 'confirming';
        return;
      }
      // Key confirmation for the responder: the first record under the new keys.
      this.sendRecord(RECORD.PING, new Uint8Array(0));
    }
    this.announceOpen();
  }

  private announceOpen(): void {
    this.state = 'open';
    this.peerInfo = this.unconfirmedPeer;
    this.unconfirmedPeer = undefined;
    this.opts.logger.info('secure connection open', { remote: this.channel.remote, peer: this.peerInfo!.name });
    const tick = Math.max(10, Math.min(this.opts.keepAliveMs, this.opts.idleTimeoutMs) / 2);
    this.timers.push(
      setInterval(() => {
        const now = Date.now();
        if (now - this.lastReceived > this.opts.idleTimeoutMs) this.fail('idle timeout');
        else if (now - this.lastSent > this.opts.keepAliveMs) this.safeRecord(RECORD.PING, new Uint8Array(0));
      }, tick).unref(),
    );
    for (const l of this.listeners.open) l(this.peerInfo!);
  }

  private onTransportFrame(frame: Uint8Array): void {
    let record: Uint8Array;
    try {
      record = this.transport!.receive.decryptWithAd(new Uint8Array(0), frame);
    } catch {
      // Noise counters make every frame single-use and ordered: any of these fails the tag.
      throw new ProtocolViolation('record authentication failed (frame tampered, replayed, reordered, lost or from another session)');
    }
    if (this.state === 'confirming') this.announceOpen();
    if (record.length === 0) throw new ProtocolViolation('empty record');
    const body = record.subarray(1);
    switch (record[0]) {
      case RECORD.MORE:
      case RECORD.END: {
        // An empty MORE would let a peer grow the fragment list without growing its size.
        if (record[0] === RECORD.MORE && body.length === 0) throw new ProtocolViolation('empty fragment');
        this.fragmentBytes += body.length;
        if (this.fragmentBytes > this.opts.maxMessageBytes) throw new ProtocolViolation('message too large');
        this.fragments.push(body);
        if (record[0] === RECORD.END) {
          const message = this.fragments.length === 1 ? this.fragments[0]! : concatBytes(...this.fragments);
          this.fragments = [];
          this.fragmentBytes = 0;
          for (const l of this.listeners.message) l(message);
        }
        return;
      }
      case RECORD.PING:
        if (body.length) throw new ProtocolViolation('malformed ping');
        this.safeRecord(RECORD.PONG, new Uint8Array(0));
        return;
      case RECORD.PONG:
        if (body.length) throw new ProtocolViolation('malformed pong');
        return;
      case RECORD.CLOSE: {
        const reason = new TextDecoder().decode(body).replace(/[^\x20-\x7e]/g, '?');
        this.opts.logger.info('secure connection closed by peer', { remote: this.channel.remote, peer: this.peerInfo?.name, reason: `peer closed: ${reason}` });
        this.shutdown(`peer closed: ${reason}`, true);
        return;
      }
      default:
        throw new ProtocolViolation('unknown record type');
    }
  }

  private sendRecord(type: number, body: Uint8Array): void {
    const frame = this.transport!.send.encryptWithAd(new Uint8Array(0), [Uint8Array.of(type), body]);
    this.channel.send(frame);
    this.lastSent = Date.now();
  }

  private safeRecord(type: number, body: Uint8Array): void {
    try {
      this.sendRecord(type, body);
    } catch {
      this.shutdown('send failed', true);
    }
  }

  /** Closes because of a fault; an open peer is told the reason in a CLOSE record. */
  private fail(reason: string): void {
    if (this.state === 'closed') return;
    this.opts.logger.warn('secure connection closed', { remote: this.channel.remote, peer: this.peerInfo?.name, reason });
    if (this.state === 'open') {
      try {
        this.sendRecord(RECORD.CLOSE, utf8(reason));
      } catch {
        // the channel is already gone
      }
    }
    this.shutdown(reason, true);
  }

  private shutdown(reason: string, closeChannel: boolean): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closeReason = reason;
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    this.handshake = undefined;
    this.transport = undefined;
    this.unconfirmedPeer = undefined;
    this.fragments = [];
    if (closeChannel) this.channel.close();
    this.releaseWaiters();
    for (const l of this.listeners.close) l(reason);
  }

  private releaseWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }
}

/** A peer broke the wire protocol; the message is a fixed, secret-free reason. */
export class ProtocolViolation extends Error {}
