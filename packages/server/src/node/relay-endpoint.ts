/**
 * A node's side of the node↔node relay (transport/envelope.ts): multiplexes end-to-end Noise
 * sessions with other nodes over its one connection to the coordinator.
 */
import { randomBytes } from 'node:crypto';
import { bytesToHex, hexToBytes, type KeyPair } from '@mpc-wallet/core';
import type { FrameChannel } from '../transport/channel.js';
import { SecureConnection, type PeerInfo, type SecureConnectionOptions, PATTERN_BYTE } from '../transport/connection.js';
import { type Envelope, ENVELOPE, TAG_LENGTH, decodeEnvelope, encodeEnvelope, isEnvelope } from '../transport/envelope.js';
import { type Logger, silentLogger } from '../log.js';

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
    // Control messages on this connection are the node's business (node/coordinator-link.ts).
    if (!isEnvelope(bytes)) return;
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
