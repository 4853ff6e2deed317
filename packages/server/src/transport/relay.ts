/**
 * End-to-end channels between signer nodes, relayed by the coordinator.
 *
 * Each node keeps one secure connection to the coordinator. Node↔node protocol traffic travels
 * inside it as relay envelopes, and each pair of nodes runs its own Noise session (IK, keys
 * pinned) inside those envelopes, so the coordinator sees only ciphertext, session tags and who
 * talks to whom. The session tag is bound into the inner handshake's prologue: frames spliced
 * from another session, like tampered, replayed, reordered or dropped ones, fail authentication
 * and abort that session.
 *
 * Envelopes (application messages on the node↔coordinator connection):
 *   FORWARD     0x10 ‖ u8 len ‖ recipient name ‖ tag(16) ‖ frame      node → coordinator
 *   DELIVER     0x11 ‖ u8 len ‖ sender name    ‖ tag(16) ‖ frame      coordinator → node
 *   UNREACHABLE 0x12 ‖ u8 len ‖ recipient name ‖ tag(16)              coordinator → node
 * The coordinator writes the sender's name from the authenticated outer connection.
 */
import { randomBytes } from 'node:crypto';
import { bytesToHex, concatBytes, hexToBytes, MAX_NOISE_MESSAGE, type KeyPair, utf8 } from '@mpc-wallet/core';
import type { FrameChannel } from './channel.js';
import { SecureConnection, type PeerInfo, type SecureConnectionOptions, PATTERN_BYTE } from './connection.js';
import { type Logger, silentLogger } from '../log.js';

export const ENVELOPE = { FORWARD: 0x10, DELIVER: 0x11, UNREACHABLE: 0x12 } as const;
export const TAG_LENGTH = 16;

export interface Envelope {
  type: number;
  peer: string;
  tag: Uint8Array;
  frame: Uint8Array;
}

export function encodeEnvelope(e: Envelope): Uint8Array {
  const name = utf8(e.peer);
  if (name.length === 0 || name.length > 255) throw new RangeError('bad peer name');
  if (e.tag.length !== TAG_LENGTH) throw new RangeError('bad session tag');
  return concatBytes(Uint8Array.of(e.type, name.length), name, e.tag, e.frame);
}

export function decodeEnvelope(bytes: Uint8Array): Envelope {
  const type = bytes[0];
  if (type !== ENVELOPE.FORWARD && type !== ENVELOPE.DELIVER && type !== ENVELOPE.UNREACHABLE) throw new RangeError('unknown envelope type');
  const nameLength = bytes[1] ?? 0;
  if (nameLength === 0 || bytes.length < 2 + nameLength + TAG_LENGTH) throw new RangeError('truncated envelope');
  const peer = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(2, 2 + nameLength));
  const tag = bytes.slice(2 + nameLength, 2 + nameLength + TAG_LENGTH);
  const frame = bytes.slice(2 + nameLength + TAG_LENGTH);
  if (type === ENVELOPE.UNREACHABLE ? frame.length !== 0 : frame.length === 0 || frame.length > MAX_NOISE_MESSAGE) {
    throw new RangeError('bad envelope frame length');
  }
  return { type, peer, tag, frame };
}

/** What the coordinator may do to relayed frames — the hook a test uses to play a malicious relay. */
export type RelayInterceptor = (e: { from: string; to: string; tag: Uint8Array; frame: Uint8Array }) => { to: string; tag: Uint8Array; frame: Uint8Array }[];

/**
 * The coordinator's side: forwards envelopes between the connected nodes it knows by their
 * authenticated names. It never decrypts anything.
 */
export class RelayHub {
  private readonly nodes = new Map<string, SecureConnection>();

  constructor(
    private readonly opts: { logger?: Logger; intercept?: RelayInterceptor } = {},
  ) {}

  /** Registers an open node connection (e.g. from SecureServer's onConnection). */
  attach(conn: SecureConnection, peer: PeerInfo): void {
    const previous = this.nodes.get(peer.name);
    if (previous && previous !== conn) previous.close('replaced by a newer connection');
    this.nodes.set(peer.name, conn);
    conn.on('close', () => {
      if (this.nodes.get(peer.name) === conn) this.nodes.delete(peer.name);
    });
    conn.on('message', (m) => this.onEnvelope(peer.name, conn, m));
  }

  private onEnvelope(from: string, conn: SecureConnection, bytes: Uint8Array): void {
    let e: Envelope;
    try {
      e = decodeEnvelope(bytes);
      if (e.type !== ENVELOPE.FORWARD) throw new RangeError('nodes may only forward');
    } catch (err) {
      (this.opts.logger ?? silentLogger).warn('relay envelope refused', { from, reason: (err as Error).message });
      conn.close('malformed relay envelope');
      return;
    }
    const deliveries = this.opts.intercept ? this.opts.intercept({ from, to: e.peer, tag: e.tag, frame: e.frame }) : [{ to: e.peer, tag: e.tag, frame: e.frame }];
    for (const d of deliveries) {
      const target = this.nodes.get(d.to);
      const reply = target
        ? { conn: target, env: { type: ENVELOPE.DELIVER, peer: from, tag: d.tag, frame: d.frame } }
        : { conn, env: { type: ENVELOPE.UNREACHABLE, peer: d.to, tag: d.tag, frame: new Uint8Array(0) } };
      reply.conn.send(encodeEnvelope(reply.env)).catch(() => undefined);
    }
  }
}

export interface RelayEndpointOptions {
  /** This node's name and static key, used for the inner node↔node sessions too. */
  name: string;
  staticKey: KeyPair;
  /** Pinned peer nodes: hex static key → name. */
  peers: ReadonlyMap<string, string>;
  /** Called for every inbound end-to-end session that completed its handshake. */
  onSession?: (session: SecureConnection, peer: PeerInfo) => void;
  logger?: Logger;
  /** Passed to the inner sessions (timeouts, sizes). */
  sessionOptions?: Partial<Pick<SecureConnectionOptions, 'handshakeTimeoutMs' | 'keepAliveMs' | 'idleTimeoutMs' | 'maxMessageBytes'>>;
}

/**
 * A node's side: multiplexes end-to-end sessions with other nodes over its connection to the
 * coordinator.
 */
export class RelayEndpoint {
  private readonly channels = new Map<string, RelayChannel>();

  constructor(
    private readonly coordinator: SecureConnection,
    private readonly opts: RelayEndpointOptions,
  ) {
    coordinator.on('message', (m) => this.onEnvelope(m));
    coordinator.on('close', (reason) => {
      for (const ch of [...this.channels.values()]) ch.gone(`coordinator connection closed: ${reason}`);
    });
  }

  /** Opens an end-to-end session with `peer` (its static key must be pinned). */
  async connect(peer: string): Promise<SecureConnection> {
    const key = [...this.opts.peers].find(([, name]) => name === peer)?.[0];
    if (!key) throw new Error(`peer ${peer} is not pinned`);
    const channel = this.channel(peer, new Uint8Array(randomBytes(TAG_LENGTH)));
    const session = new SecureConnection(channel, {
      ...this.opts.sessionOptions,
      role: 'initiator',
      name: this.opts.name,
      staticKey: this.opts.staticKey,
      trusted: this.opts.peers,
      remoteStatic: hexToBytes(key),
      context: channel.tag,
      ...(this.opts.logger ? { logger: this.opts.logger } : {}),
    });
    await session.opened();
    return session;
  }

  private channel(peer: string, tag: Uint8Array): RelayChannel {
    const id = channelId(peer, tag);
    const ch = new RelayChannel(peer, tag, (frame) => this.forward(peer, tag, frame), () => this.channels.delete(id));
    this.channels.set(id, ch);
    return ch;
  }

  private forward(peer: string, tag: Uint8Array, frame: Uint8Array): void {
    this.coordinator.send(encodeEnvelope({ type: ENVELOPE.FORWARD, peer, tag, frame })).catch(() => undefined);
  }

  private onEnvelope(bytes: Uint8Array): void {
    let e: Envelope;
    try {
      e = decodeEnvelope(bytes);
    } catch (err) {
      (this.opts.logger ?? silentLogger).warn('relay envelope refused', { reason: (err as Error).message });
      return;
    }
    const id = channelId(e.peer, e.tag);
    const existing = this.channels.get(id);
    if (e.type === ENVELOPE.UNREACHABLE) {
      existing?.gone(`peer ${e.peer} is not connected to the coordinator`);
      return;
    }
    if (e.type !== ENVELOPE.DELIVER) return;
    if (existing) {
      existing.deliver(e.frame);
      return;
    }
    // A new inbound session must start with a handshake frame from a pinned peer name.
    if (e.frame[0] !== PATTERN_BYTE.IK && e.frame[0] !== PATTERN_BYTE.XX) return;
    if (![...this.opts.peers.values()].includes(e.peer)) {
      (this.opts.logger ?? silentLogger).warn('relay session refused', { peer: e.peer, reason: 'peer is not pinned' });
      return;
    }
    const ch = this.channel(e.peer, e.tag);
    const session = new SecureConnection(ch, {
      ...this.opts.sessionOptions,
      role: 'responder',
      name: this.opts.name,
      staticKey: this.opts.staticKey,
      trusted: this.opts.peers,
      context: e.tag,
      ...(this.opts.logger ? { logger: this.opts.logger } : {}),
    });
    session.on('open', (peer) => {
      // The relay names the sender; the handshake proves who it is. They must agree.
      if (peer.name !== e.peer) session.close('relay sender name does not match the authenticated peer');
      else this.opts.onSession?.(session, peer);
    });
    ch.deliver(e.frame);
  }
}

function channelId(peer: string, tag: Uint8Array): string {
  return `${peer}/${bytesToHex(tag)}`;
}

/** The frame channel of one relayed end-to-end session. */
class RelayChannel implements FrameChannel {
  private readonly frameListeners: ((f: Uint8Array) => void)[] = [];
  private readonly closeListeners: ((why: string) => void)[] = [];
  private closed = false;

  constructor(
    readonly peer: string,
    readonly tag: Uint8Array,
    private readonly sendFrame: (frame: Uint8Array) => void,
    private readonly release: () => void,
  ) {}

  get remote(): string {
    return `relay:${this.peer}/${bytesToHex(this.tag).slice(0, 8)}`;
  }

  get bufferedBytes(): number {
    return 0;
  }

  send(frame: Uint8Array): void {
    if (this.closed) return;
    this.sendFrame(frame);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.release();
  }

  deliver(frame: Uint8Array): void {
    if (!this.closed) for (const l of this.frameListeners) l(frame);
  }

  gone(why: string): void {
    if (this.closed) return;
    this.closed = true;
    this.release();
    for (const l of this.closeListeners) l(why);
  }

  onFrame(l: (f: Uint8Array) => void): void {
    this.frameListeners.push(l);
  }
  onClose(l: (why: string) => void): void {
    this.closeListeners.push(l);
  }
  onDrain(): void {}
}
