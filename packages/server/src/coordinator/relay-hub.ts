/**
 * The coordinator's side of the node↔node relay (transport/envelope.ts): forwards envelopes
 * between the connected nodes it knows by their authenticated names, and never decrypts
 * anything. Control messages on the same connections go to the coordinator's handler.
 */
import { type Envelope, CONTROL, ENVELOPE, decodeControl, decodeEnvelope, encodeEnvelope } from '../transport/envelope.js';
import type { PeerInfo, SecureConnection } from '../transport/connection.js';
import { type Logger, silentLogger } from '../log.js';

/** What the coordinator may do to relayed frames — the hook a test uses to play a malicious relay. */
export type RelayInterceptor = (e: { from: string; to: string; tag: Uint8Array; frame: Uint8Array }) => { to: string; tag: Uint8Array; frame: Uint8Array }[];

export class RelayHub {
  private readonly nodes = new Map<string, SecureConnection>();

  constructor(
    private readonly opts: {
      logger?: Logger;
      intercept?: RelayInterceptor;
      /** Control messages from a node (its requests' results, heartbeats): the coordinator's business, not the relay's. */
      onControl?: (from: string, message: Record<string, unknown>, conn: SecureConnection) => void;
    } = {},
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

  /** The live connection of node `name`, if any. */
  connection(name: string): SecureConnection | undefined {
    return this.nodes.get(name);
  }

  private onEnvelope(from: string, conn: SecureConnection, bytes: Uint8Array): void {
    let e: Envelope;
    try {
      if (bytes[0] === CONTROL) {
        this.opts.onControl?.(from, decodeControl(bytes), conn);
        return;
      }
      e = decodeEnvelope(bytes);
      if (e.type !== ENVELOPE.FORWARD) throw new RangeError('nodes may only forward');
    } catch (err) {
      (this.opts.logger ?? silentLogger).warn('relay envelope refused', { from, reason: (err as Error).message });
      conn.close('malformed message');
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

