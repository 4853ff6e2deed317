/**
 * Where each signer node is attached among the coordinator instances, and the routes to it over
 * the cluster bus (bus/): node↔node frames (the relay's RelayBus), control messages to a node
 * held elsewhere, and a node's answers back to the instance that asked. Every instance
 * announces the nodes it holds every `announceMs` and at once when that changes; an instance
 * not heard from for `expireMs` holds none. A single instance on the in-process bus takes the
 * local paths only.
 */
import { randomBytes } from 'node:crypto';
import type { ClusterBus, RelayBus, RelayedFrame } from '../bus/types.js';
import { type Logger, silentLogger } from '../log.js';

export interface NodeRouterOptions {
  announceMs: number;
  expireMs: number;
}

export const DEFAULT_NODE_ROUTER_OPTIONS: NodeRouterOptions = { announceMs: 1_000, expireMs: 3_500 };

/** A control message as nodes and the coordinator exchange it (transport/envelope.ts CONTROL). */
export type ControlMessage = Record<string, unknown>;

export interface NodeRouterHandlers {
  /** A node's message that the instance holding it forwarded here (results and progress of this instance's requests). */
  fromNode(node: number, message: ControlMessage): void;
  /** Instance `via` (this one or another) no longer holds `node`: what was sent to it there is lost. */
  left(node: number, via: string): void;
  /** A control message for a node this instance holds. */
  toLocalNode(node: number, message: ControlMessage): void;
}

interface Presence {
  nodes: Set<number>;
  /** When the instance last announced itself. */
  at: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const json = (v: unknown) => encoder.encode(JSON.stringify(v));
const INSTANCE = /^[A-Za-z0-9_-]{1,64}$/;

export class NodeRouter implements RelayBus {
  /** This instance's name on the bus: fresh per process, so a restarted instance is a new one. */
  readonly instance = randomBytes(8).toString('hex');
  private readonly local = new Set<number>();
  private readonly localFrames = new Map<number, (frame: RelayedFrame) => void>();
  private readonly remote = new Map<string, Presence>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly nodeSubscriptions = new Map<number, () => void>();
  private readonly frameSubscriptions = new Map<number, () => void>();
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  /** Every node id of the manifest. */
  private readonly known: ReadonlySet<number>;

  constructor(
    private readonly bus: ClusterBus,
    /** Node ids by name (the cluster manifest). */
    private readonly ids: ReadonlyMap<string, number>,
    private readonly handlers: NodeRouterHandlers,
    private readonly options: NodeRouterOptions = DEFAULT_NODE_ROUTER_OPTIONS,
    private readonly logger: Logger = silentLogger,
  ) {
    this.known = new Set(ids.values());
    this.unsubscribe.push(
      bus.subscribe('presence', (data) => this.guarded('presence', () => this.onPresence(JSON.parse(decoder.decode(data))))),
      bus.subscribe(`instance.${this.instance}`, (data) => this.guarded('node message', () => this.onForwarded(JSON.parse(decoder.decode(data))))),
      bus.subscribe('peers', (data) => this.guarded('peer notice', () => this.onPeers(JSON.parse(decoder.decode(data))))),
      bus.onStatus((connected) => (connected ? this.announce() : this.forgetRemote())),
    );
    this.timer = setInterval(() => {
      this.expire();
      this.announce();
    }, options.announceMs);
    this.timer.unref();
    this.announce();
  }

  /** A bus message that cannot be read is dropped and logged: it never stops the instance. */
  private guarded(what: string, handle: () => void): void {
    try {
      handle();
    } catch (e) {
      this.logger.warn('bus message refused', { what, reason: (e as Error).message });
    }
  }

  private announce(leaving = false): void {
    // Once it said it is leaving, nodes closing their connections change nothing for the others.
    if (this.closed) return;
    this.closed = leaving;
    this.bus.publish('presence', json({ instance: this.instance, nodes: leaving ? [] : [...this.local], ...(leaving ? { leaving } : {}) }));
  }

  private onPresence(m: { instance?: unknown; nodes?: unknown; leaving?: unknown }): void {
    if (typeof m.instance !== 'string' || !INSTANCE.test(m.instance) || m.instance === this.instance || !Array.isArray(m.nodes)) return;
    const nodes = new Set(m.nodes.filter((n): n is number => typeof n === 'number' && this.known.has(n)));
    const previous = this.remote.get(m.instance);
    if (m.leaving === true) this.remote.delete(m.instance);
    else this.remote.set(m.instance, { nodes, at: Date.now() });
    for (const n of previous?.nodes ?? []) if (!nodes.has(n)) this.handlers.left(n, m.instance);
  }

  /**
   * The bus is down: what went to other instances' nodes, and node↔node frames between them and
   * this instance's nodes, may be lost. Their requests fail now (to be retried) rather than at
   * their timeout, and this instance's nodes drop their links to those nodes (a lost frame would
   * break the end-to-end session anyway). Presence announcements bring them back.
   */
  private forgetRemote(): void {
    const lost = [...this.remote];
    this.remote.clear();
    for (const [instance, p] of lost) {
      for (const n of p.nodes) {
        this.handlers.left(n, instance);
        for (const local of this.local) if (local !== n) this.handlers.toLocalNode(local, { type: 'peer-left', node: n });
      }
    }
  }

  /** Instances not heard from for `expireMs` are gone (killed): their nodes were lost with them. */
  private expire(): void {
    const now = Date.now();
    for (const [instance, p] of this.remote) {
      if (now - p.at <= this.options.expireMs) continue;
      this.remote.delete(instance);
      this.logger.warn('coordinator instance silent; its nodes are taken as lost', { instance, nodes: [...p.nodes] });
      for (const n of p.nodes) this.handlers.left(n, instance);
    }
  }

  /** The instance holding `node` now (this one first), or undefined when none does. */
  whereIs(node: number): string | undefined {
    if (this.local.has(node)) return this.instance;
    let best: [string, Presence] | undefined;
    const now = Date.now();
    for (const entry of this.remote) {
      if (entry[1].nodes.has(node) && now - entry[1].at <= this.options.expireMs && (!best || entry[1].at > best[1].at)) best = entry;
    }
    return best?.[0];
  }

  isOnline(node: number): boolean {
    return this.whereIs(node) !== undefined;
  }

  /** Every node some instance holds, ascending. */
  onlineNodes(): number[] {
    return [...this.known].filter((n) => this.isOnline(n)).sort((a, b) => a - b);
  }

  /** When the instance holding a remote node last announced it. */
  seenAt(node: number): Date | undefined {
    const via = this.whereIs(node);
    const p = via && this.remote.get(via);
    return p ? new Date(p.at) : undefined;
  }

  /** This instance holds `node` now; control messages for it from other instances come to handlers.toLocalNode. */
  holdLocal(node: number): void {
    this.local.add(node);
    this.nodeSubscriptions.get(node)?.();
    this.nodeSubscriptions.set(
      node,
      this.bus.subscribe(`control.${node}`, (data) => this.guarded('control', () => this.handlers.toLocalNode(node, JSON.parse(decoder.decode(data))))),
    );
    this.announce();
  }

  releaseLocal(node: number): void {
    this.local.delete(node);
    this.nodeSubscriptions.get(node)?.();
    this.nodeSubscriptions.delete(node);
    this.announce();
  }

  /** Sends a control message to a node that another instance holds; false when none does. */
  toRemoteNode(node: number, message: ControlMessage): boolean {
    if (!this.isOnline(node)) return false;
    this.bus.publish(`control.${node}`, json(message));
    return true;
  }

  /** Passes a node's message to the instance that made the request it answers. */
  toInstance(instance: string, node: number, message: ControlMessage): void {
    if (!INSTANCE.test(instance)) return;
    this.bus.publish(`instance.${instance}`, json({ node, message }));
  }

  private onForwarded(m: { node?: unknown; message?: unknown }): void {
    if (typeof m.node !== 'number' || typeof m.message !== 'object' || m.message === null) return;
    this.handlers.fromNode(m.node, m.message as ControlMessage);
  }

  /** Tells every node, wherever attached, that `node` came or went (NodeHub.tellPeers). */
  announcePeers(type: 'peer-joined' | 'peer-left', node: number): void {
    this.bus.publish('peers', json({ type, node }));
  }

  private onPeers(m: { type?: unknown; node?: unknown }): void {
    if ((m.type !== 'peer-joined' && m.type !== 'peer-left') || typeof m.node !== 'number') return;
    for (const other of this.local) if (other !== m.node) this.handlers.toLocalNode(other, { type: m.type, node: m.node });
  }

  // RelayBus: frames between nodes.

  publish(to: string, frame: RelayedFrame): boolean {
    const id = this.ids.get(to);
    if (id === undefined) return false;
    const deliver = this.localFrames.get(id);
    if (deliver) {
      deliver(frame);
      return true;
    }
    if (!this.isOnline(id)) return false;
    this.bus.publish(`frame.${id}`, encodeFrame(frame));
    return true;
  }

  attach(name: string, deliver: (frame: RelayedFrame) => void): () => void {
    const id = this.ids.get(name);
    if (id === undefined) return () => {};
    this.localFrames.set(id, deliver);
    this.frameSubscriptions.get(id)?.();
    const unsubscribe = this.bus.subscribe(`frame.${id}`, (data) => this.guarded('frame', () => deliver(decodeFrame(data))));
    this.frameSubscriptions.set(id, unsubscribe);
    return () => {
      unsubscribe();
      if (this.localFrames.get(id) !== deliver) return;
      this.localFrames.delete(id);
      this.frameSubscriptions.delete(id);
    };
  }

  /** Tells the other instances this one holds nothing any more, and stops listening. */
  close(): void {
    clearInterval(this.timer);
    this.announce(true);
    for (const u of [...this.unsubscribe, ...this.nodeSubscriptions.values(), ...this.frameSubscriptions.values()]) u();
    this.nodeSubscriptions.clear();
    this.frameSubscriptions.clear();
  }
}

/** A frame on the bus: sender name length (1 byte), sender name, tag length (1 byte), tag, frame. */
export function encodeFrame(f: RelayedFrame): Uint8Array {
  const from = encoder.encode(f.from);
  if (from.length > 255 || f.tag.length > 255) throw new RangeError('sender name or tag too long');
  const out = new Uint8Array(2 + from.length + f.tag.length + f.frame.length);
  out[0] = from.length;
  out.set(from, 1);
  out[1 + from.length] = f.tag.length;
  out.set(f.tag, 2 + from.length);
  out.set(f.frame, 2 + from.length + f.tag.length);
  return out;
}

export function decodeFrame(bytes: Uint8Array): RelayedFrame {
  const fromLength = bytes[0];
  if (fromLength === undefined || bytes.length < 2 + fromLength) throw new RangeError('truncated frame');
  const tagLength = bytes[1 + fromLength]!;
  const start = 2 + fromLength + tagLength;
  if (bytes.length < start) throw new RangeError('truncated frame');
  return { from: decoder.decode(bytes.subarray(1, 1 + fromLength)), tag: bytes.slice(2 + fromLength, start), frame: bytes.slice(start) };
}
