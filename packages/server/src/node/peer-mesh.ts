/**
 * A node's end-to-end links to the other signer nodes, and the protocol-message transport built
 * on them. Links are Noise sessions relayed by the coordinator (node/relay-endpoint.ts); one per
 * peer is kept open and reused by every protocol session. A message is accepted only when its
 * `from` is the party the authenticated link belongs to, then filed by (protocol, session); a
 * message for a session this node has not started yet waits in a small bounded buffer (peers
 * may start a moment earlier). Each peer has a budget of its own there: a peer that floods it
 * with messages for sessions that never start loses its own early messages, never another's —
 * else an honest peer's dropped message would make this node's run time out naming that peer.
 */
import { type ProtocolMessage, decodeMessage, encodeMessage } from '@mpc-wallet/core';
import type { PeerInfo, SecureConnection } from '../transport/connection.js';
import type { RelayEndpoint } from './relay-endpoint.js';
import { type ProtocolTransport, sessionKey } from '../session/runner.js';
import { type Logger, silentLogger } from '../log.js';

/** Per peer: early messages kept per session, sessions with early messages, their bytes; and how long they wait. */
const MAX_EARLY_PER_SESSION = 64;
const MAX_EARLY_SESSIONS = 256;
const MAX_EARLY_BYTES = 32 * 1024 * 1024;
const EARLY_TTL_MS = 60_000;

interface EarlyMessages {
  at: number;
  bytes: number;
  messages: ProtocolMessage[];
}

/** One peer's early messages by session, their bytes, and whether its surplus is being dropped (logged once per spell). */
interface PeerEarly {
  sessions: Map<string, EarlyMessages>;
  bytes: number;
  dropping: boolean;
}

export class PeerMesh implements ProtocolTransport {
  private endpoint: RelayEndpoint | undefined;
  private readonly links = new Map<number, SecureConnection>();
  private readonly dialing = new Map<number, Promise<SecureConnection>>();
  private readonly handlers = new Map<string, (m: ProtocolMessage) => void>();
  private readonly early = new Map<number, PeerEarly>();
  private readonly idOf: Map<string, number>;

  constructor(
    readonly self: number,
    /** Peer party number → node name (from the cluster manifest). */
    private readonly peers: ReadonlyMap<number, string>,
    private readonly logger: Logger = silentLogger,
  ) {
    this.idOf = new Map([...peers].map(([id, name]) => [name, id] as const));
  }

  /** Uses a new coordinator connection's relay; links of the old one are gone with it. */
  useEndpoint(endpoint: RelayEndpoint | undefined): void {
    this.endpoint = endpoint;
    for (const link of this.links.values()) link.close('coordinator connection replaced');
    this.links.clear();
    this.dialing.clear();
  }

  /** Drops the links to `peer`, whose coordinator connection changed (it restarted or left). */
  dropLinks(peer: number): void {
    const link = this.links.get(peer);
    this.links.delete(peer);
    this.dialing.delete(peer);
    link?.close('peer reconnected to the coordinator');
  }

  /** An end-to-end session a peer opened (RelayEndpoint's onSession). */
  accept(session: SecureConnection, peer: PeerInfo): void {
    const id = this.idOf.get(peer.name);
    if (id === undefined) {
      session.close('unknown peer');
      return;
    }
    this.listen(id, session);
    if (!this.links.has(id)) this.links.set(id, session);
  }

  private listen(id: number, session: SecureConnection): void {
    session.on('message', (bytes) => this.onMessage(id, bytes));
    session.on('close', () => {
      if (this.links.get(id) === session) this.links.delete(id);
    });
  }

  private link(to: number): Promise<SecureConnection> {
    const open = this.links.get(to);
    if (open) return Promise.resolve(open);
    const pending = this.dialing.get(to);
    if (pending) return pending;
    const name = this.peers.get(to);
    const endpoint = this.endpoint;
    if (name === undefined) return Promise.reject(new Error(`party ${to} is not a known peer`));
    if (!endpoint) return Promise.reject(new Error('not connected to the coordinator'));
    const dial = endpoint.connect(name).then(
      (session) => {
        this.dialing.delete(to);
        this.listen(to, session);
        this.links.set(to, session);
        return session;
      },
      (e: unknown) => {
        this.dialing.delete(to);
        throw e;
      },
    );
    this.dialing.set(to, dial);
    return dial;
  }

  private sendTo(to: number, bytes: Uint8Array): void {
    this.link(to)
      .then((link) => link.send(bytes))
      .catch((e: unknown) => this.logger.warn('peer message not sent', { to, reason: (e as Error).message }));
  }

  send(message: ProtocolMessage, participants?: readonly number[]): void {
    const bytes = encodeMessage(message);
    if (message.to !== null) this.sendTo(message.to, bytes);
    else for (const id of participants ?? this.peers.keys()) if (id !== this.self) this.sendTo(id, bytes);
  }

  /** A transport that broadcasts to `participants` only. */
  forParties(participants: readonly number[]): ProtocolTransport {
    return { send: (m) => this.send(m, participants), subscribe: (p, s, h) => this.subscribe(p, s, h) };
  }

  subscribe(protocol: string, session: Uint8Array, handler: (m: ProtocolMessage) => void): () => void {
    const key = sessionKey(protocol, session);
    this.handlers.set(key, handler);
    for (const peer of this.early.keys()) for (const m of this.takeEarly(peer, key)) handler(m);
    return () => {
      if (this.handlers.get(key) === handler) this.handlers.delete(key);
    };
  }

  private onMessage(from: number, bytes: Uint8Array): void {
    let m: ProtocolMessage;
    try {
      m = decodeMessage(bytes);
    } catch (e) {
      this.logger.warn('malformed peer message dropped', { from, reason: (e as Error).message });
      return;
    }
    if (m.from !== from || (m.to !== null && m.to !== this.self)) {
      this.logger.warn('peer message with a forged sender or another recipient dropped', { from, claimed: m.from });
      return;
    }
    const key = sessionKey(m.protocol, m.session);
    const handler = this.handlers.get(key);
    if (handler) {
      handler(m);
      return;
    }
    this.keepEarly(from, key, m, bytes.length);
  }

  private keepEarly(from: number, key: string, m: ProtocolMessage, size: number): void {
    const now = Date.now();
    const peer = this.early.get(from) ?? { sessions: new Map<string, EarlyMessages>(), bytes: 0, dropping: false };
    this.early.set(from, peer);
    for (const [k, v] of peer.sessions) if (now - v.at > EARLY_TTL_MS) this.takeEarly(from, k);
    const entry = peer.sessions.get(key);
    const fits = peer.bytes + size <= MAX_EARLY_BYTES && (entry ? entry.messages.length < MAX_EARLY_PER_SESSION : peer.sessions.size < MAX_EARLY_SESSIONS);
    if (!fits) {
      if (!peer.dropping) this.logger.warn('early peer messages dropped: that peer has too many waiting', { from, protocol: m.protocol });
      peer.dropping = true;
      return;
    }
    peer.dropping = false;
    if (entry) {
      entry.messages.push(m);
      entry.bytes += size;
    } else {
      peer.sessions.set(key, { at: now, bytes: size, messages: [m] });
    }
    peer.bytes += size;
  }

  /** Removes and returns what `peer` sent early for a session. */
  private takeEarly(peer: number, key: string): ProtocolMessage[] {
    const early = this.early.get(peer);
    const entry = early?.sessions.get(key);
    if (!early || !entry) return [];
    early.sessions.delete(key);
    early.bytes -= entry.bytes;
    return entry.messages;
  }
}
