/**
 * The coordinator's side of the node↔node relay (transport/envelope.ts): forwards envelopes
 * between nodes known by their authenticated names, through the relay bus (bus/), so that a node
 * attached to another instance is reached too; it never decrypts anything. Control messages on
 * the same connections go to the coordinator's handler.
 */
import { type Envelope, CONTROL, ENVELOPE, decodeControl, decodeEnvelope, encodeEnvelope } from '../transport/envelope.js';
import type { PeerInfo, SecureConnection } from '../transport/connection.js';
import { type Logger, silentLogger } from '../log.js';
import { LocalRelayBus } from '../bus/in-process.js';
import type { RelayBus } from '../bus/types.js';

/** What the coordinator may do to relayed frames — the hook a test uses to play a malicious relay. */
export type RelayInterceptor = (e: { from: string; to: string; tag: Uint8Array; frame: Uint8Array }) => { to: string; tag: Uint8Array; frame: Uint8Array }[];

export class RelayHub {
  private readonly nodes = new Map<string, SecureConnection>();

  private readonly bus: RelayBus;

  constructor(
    private readonly opts: {
      logger?: Logger;
      intercept?: RelayInterceptor;
      /** Shared with the other coordinator instances; one of this process's own by default. */
      bus?: RelayBus;
      /** Control messages from a node (its requests' results, heartbeats): the coordinator's business, not the relay's. */
      onControl?: (from: string, message: Record<string, unknown>, conn: SecureConnection) => void;
    } = {},
  ) {
    this.bus = opts.bus ?? new LocalRelayBus();
  }

  /** Registers an open node connection (e.g. from SecureServer's onConnection). */
  attach(conn: SecureConnection, peer: PeerInfo): void {
    const previous = this.nodes.get(peer.name);
    if (previous && previous !== conn) previous.close('replaced by a newer connection');
    this.nodes.set(peer.name, conn);
    const detach = this.bus.attach(peer.name, (d) => {
      conn.send(encodeEnvelope({ type: ENVELOPE.DELIVER, peer: d.from, tag: d.tag, frame: d.frame })).catch(() => undefined);
    });
    conn.on('close', () => {
      detach();
      if (this.nodes.get(peer.name) === conn) this.nodes.delete(peer.name);
    });
    conn.on('message', (m) => this.onEnvelope(peer.name, conn, m));
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
      if (this.bus.publish(d.to, { from, tag: d.tag, frame: d.frame })) continue;
      conn.send(encodeEnvelope({ type: ENVELOPE.UNREACHABLE, peer: d.to, tag: d.tag, frame: new Uint8Array(0) })).catch(() => undefined);
    }
  }
}

