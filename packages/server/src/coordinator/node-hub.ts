/**
 * The coordinator's view of its signer nodes: accepts their Noise connections (pinned by the
 * cluster manifest), relays their end-to-end traffic (relay-hub.ts), records when each was last
 * seen, and carries signed requests to them and their results back. A request to a node that is
 * offline, or that goes offline before answering, fails at once with NODE_OFFLINE naming it.
 * Nodes attached to other coordinator instances are reached through the node router: a request's
 * reference begins with the name of the instance that made it, so that whichever instance holds
 * the node when it answers passes the answer back.
 */
import { randomUUID } from 'node:crypto';
import type { KeyPair } from '@mpc-wallet/core';
import { SecureServer } from '../transport/endpoint.js';
import type { SecureConnection } from '../transport/connection.js';
import { encodeControl } from '../transport/envelope.js';
import { type ClusterManifest, nodePins } from '../session/manifest.js';
import type { SignedRequest } from '../session/request.js';
import type { NodeRegistryStore } from '../stores/types.js';
import type { RequestResult } from '../session/request.js';
import { RelayHub } from './relay-hub.js';
import { type Logger, silentLogger } from '../log.js';
import type { AuditLog } from './audit.js';
import type { ClusterBus } from '../bus/types.js';
import { InProcessBus } from '../bus/in-process.js';
import { type ControlMessage, DEFAULT_NODE_ROUTER_OPTIONS, NodeRouter, type NodeRouterOptions } from './node-router.js';

/** A node's report that it has sent round `round` of `protocol` for a request. */
export interface NodeProgress {
  node: number;
  protocol: string;
  round: number;
}

interface Pending {
  node: number;
  /** The instance that held the node when the request went out: losing it there loses the request. */
  via: string;
  resolve: (r: RequestResult) => void;
  progress: ((p: NodeProgress) => void) | undefined;
  timer: NodeJS.Timeout;
}

export interface NodeStatus {
  id: number;
  name: string;
  noisePublicKey: string;
  status: 'online' | 'offline';
  lastSeen: string | null;
}

/** How often a node's last sign of life is written to the registry. */
const LAST_SEEN_WRITE_MS = 5_000;

export class NodeHub {
  private readonly server: SecureServer;
  private readonly relay: RelayHub;
  private readonly online = new Map<number, SecureConnection>();
  private readonly lastSeen = new Map<number, Date>();
  private readonly persistedSeen = new Map<number, number>();
  private readonly pending = new Map<string, Pending>();
  private readonly idOf: Map<string, number>;
  private readonly router: NodeRouter;
  /** Other instances' requests passed to this instance's nodes and not answered yet: wire reference → node. */
  private readonly relaying = new Map<string, number>();
  private draining = false;

  constructor(
    private readonly manifest: ClusterManifest,
    staticKey: KeyPair,
    private readonly registry: NodeRegistryStore,
    private readonly logger: Logger = silentLogger,
    /** A node said hello after connecting, listing the pending shares it holds. */
    private readonly onHello: (node: number, pending: { keyId: string; version: number }[]) => void = () => {},
    /** Absent: nothing is audited (tests of other parts). */
    private readonly audit?: Pick<AuditLog, 'tryRecord'>,
    /** Shared with the other coordinator instances; one of this process's own by default. */
    bus: ClusterBus = new InProcessBus(),
    routerOptions: NodeRouterOptions = DEFAULT_NODE_ROUTER_OPTIONS,
  ) {
    this.idOf = new Map(manifest.nodes.map((n) => [n.name, n.id] as const));
    this.router = new NodeRouter(
      bus,
      this.idOf,
      {
        fromNode: (node, message) => this.onNodeMessage(node, message),
        left: (node, via) => this.fail(node, 'NODE_OFFLINE', `node ${node} left its coordinator instance`, via),
        toLocalNode: (node, message) => this.toLocalNode(node, message),
      },
      routerOptions,
      logger,
    );
    this.relay = new RelayHub({ logger, bus: this.router, onControl: (from, message) => this.onControl(from, message) });
    this.server = new SecureServer({
      name: manifest.coordinator.name,
      staticKey,
      trusted: nodePins(manifest),
      keepAliveMs: 5_000,
      idleTimeoutMs: 20_000,
      logger,
      onConnection: (conn, peer) => this.attach(conn, peer.name),
    });
  }

  listen(where: { host?: string; tcpPort?: number; wsPort?: number }) {
    return this.server.listen(where);
  }

  /** This instance's name among the coordinator instances (fresh per process). */
  get instance(): string {
    return this.router.instance;
  }

  /**
   * Before a graceful stop: requests under way between this instance's nodes and any instance
   * finish (up to `timeoutMs`); other instances' new requests are turned away meanwhile, so that
   * none is cut off in the middle when the nodes move to another instance.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    const deadline = Date.now() + timeoutMs;
    while ((this.pending.size > 0 || this.relaying.size > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  async close(): Promise<void> {
    this.router.close();
    await this.server.close();
    for (const p of this.pending.values()) clearTimeout(p.timer);
  }

  private attach(conn: SecureConnection, name: string): void {
    const id = this.idOf.get(name)!;
    const previous = this.online.get(id);
    if (previous && previous !== conn) this.fail(id, 'NODE_OFFLINE', 'node reconnected; its earlier connection is gone', this.instance);
    this.online.set(id, conn);
    this.router.holdLocal(id);
    this.relay.attach(conn, { name, staticKey: new Uint8Array(0), handshakeHash: new Uint8Array(0) });
    this.seen(id);
    this.tellPeers(id, 'peer-joined');
    conn.on('close', () => {
      if (this.online.get(id) !== conn) return;
      this.online.delete(id);
      for (const [ref, node] of this.relaying) if (node === id) this.relaying.delete(ref);
      this.router.releaseLocal(id);
      this.fail(id, 'NODE_OFFLINE', `node ${id} disconnected`, this.instance);
      this.tellPeers(id, 'peer-left');
      this.logger.warn('node offline', { node: id });
      void this.audit?.tryRecord({ action: 'node.offline', actor: `node:${id}`, subject: `node:${id}`, details: { name } });
    });
    this.logger.info('node online', { node: id });
    void this.audit?.tryRecord({ action: 'node.online', actor: `node:${id}`, subject: `node:${id}`, details: { name } });
  }

  /**
   * Tells the other online nodes, on every instance, that `id` came or went: their end-to-end
   * links to it belong to its previous connection (or process) and are dead, so they drop them
   * and dial afresh.
   */
  private tellPeers(id: number, type: 'peer-joined' | 'peer-left'): void {
    this.router.announcePeers(type, id);
  }

  /** Another instance's control message for a node this instance holds. */
  private toLocalNode(node: number, message: ControlMessage): void {
    const ref = typeof message.ref === 'string' && message.type === 'request' ? message.ref : undefined;
    if (ref === undefined) {
      this.sendLocal(node, message);
      return;
    }
    const owner = ownerOf(ref);
    const refused = (why: string) => this.router.toInstance(owner, node, { type: 'result', ref, result: { ok: false, error: { code: 'NODE_OFFLINE', message: why, waitingFor: [node] } } });
    if (this.draining) return refused(`node ${node}'s coordinator instance is stopping`);
    this.relaying.set(ref, node);
    if (!this.sendLocal(node, message)) {
      this.relaying.delete(ref);
      refused(`node ${node} is unreachable`);
    }
  }

  /** A control message to a node this instance holds; false when it holds none by that id. */
  private sendLocal(node: number, message: ControlMessage): boolean {
    const conn = this.online.get(node);
    if (!conn) return false;
    conn.send(encodeControl(message)).catch(() => this.fail(node, 'NODE_OFFLINE', `node ${node} is unreachable`, this.instance));
    return true;
  }

  private seen(id: number): void {
    const at = new Date();
    this.lastSeen.set(id, at);
    // Every control message counts as a sign of life; the registry row (for other instances and
    // restarts) is written at most once per interval, not once per result.
    const persisted = this.persistedSeen.get(id);
    if (persisted !== undefined && at.getTime() - persisted < LAST_SEEN_WRITE_MS) return;
    this.persistedSeen.set(id, at.getTime());
    this.registry.touch(id, at).catch((e: unknown) => this.logger.warn('node registry not updated', { node: id, reason: (e as Error).message }));
  }

  private onControl(from: string, message: Record<string, unknown>): void {
    const id = this.idOf.get(from);
    if (id === undefined) return;
    this.seen(id);
    if (message.type === 'hello') {
      const pending = Array.isArray(message.pending) ? message.pending.filter(isPendingEntry).slice(0, 1000) : [];
      this.onHello(id, pending);
      return;
    }
    if (typeof message.ref !== 'string') return;
    const owner = ownerOf(message.ref);
    if (owner !== this.instance) {
      // Asked by another instance (or by one this node was attached to before): the answer goes there.
      if (message.type === 'result') this.relaying.delete(message.ref);
      if (message.type === 'result' || message.type === 'progress') this.router.toInstance(owner, id, message);
      return;
    }
    this.onNodeMessage(id, message);
  }

  /** A node's answer to one of this instance's requests, from its own connection or forwarded by the instance holding it. */
  private onNodeMessage(id: number, message: ControlMessage): void {
    if (typeof message.ref !== 'string') return;
    const p = this.pending.get(message.ref);
    // A node answers only for itself: a result under another node's reference is ignored.
    if (!p || p.node !== id) return;
    if (message.type === 'progress') {
      const { protocol, round } = message;
      if (typeof protocol === 'string' && protocol.length <= 64 && Number.isSafeInteger(round) && (round as number) > 0 && (round as number) <= 1000) p.progress?.({ node: id, protocol, round: round as number });
      return;
    }
    if (message.type !== 'result') return;
    this.pending.delete(message.ref);
    clearTimeout(p.timer);
    p.resolve(parseResult(message.result));
  }

  /** Fails every request waiting on `node` that went to it through instance `via` (all of them without `via`). */
  private fail(node: number, code: string, message: string, via?: string): void {
    for (const [ref, p] of this.pending) {
      if (p.node !== node || (via !== undefined && p.via !== via)) continue;
      this.pending.delete(ref);
      clearTimeout(p.timer);
      p.resolve({ ok: false, error: { code, message, waitingFor: [node] } });
    }
  }

  /** Whether some coordinator instance (this one included) holds node `id` now. */
  isOnline(id: number): boolean {
    return this.router.isOnline(id);
  }

  onlineNodes(): number[] {
    return this.router.onlineNodes();
  }

  status(): NodeStatus[] {
    return this.manifest.nodes.map((n) => ({
      id: n.id,
      name: n.name,
      noisePublicKey: n.noisePublicKey,
      status: this.isOnline(n.id) ? 'online' : 'offline',
      lastSeen: (this.online.has(n.id) ? this.lastSeen.get(n.id) : (this.router.seenAt(n.id) ?? this.lastSeen.get(n.id)))?.toISOString() ?? null,
    }));
  }

  /**
   * Tells a node to stop the protocol of request `ref` because `offline` will not take part: it
   * answers at once (naming them) instead of at its protocol timeout. A node acts on this only
   * for a request it is running; cancelling is no more than a coordinator can do by not relaying.
   */
  cancel(node: number, ref: string, offline: number[]): void {
    const message: CancelMessage & ControlMessage = { type: 'cancel', ref: this.wireRef(ref), offline };
    if (!this.sendLocal(node, message)) this.router.toRemoteNode(node, message);
  }

  /** A request's reference as the node sees it: this instance's name, then the caller's reference. */
  private wireRef(ref: string): string {
    return `${this.instance}/${ref}`;
  }

  /** Sends a signed request to one node and waits for its result (or its absence, named). */
  request(node: number, signed: SignedRequest, timeoutMs: number, ref: string = randomUUID(), progress?: (p: NodeProgress) => void): Promise<RequestResult> {
    const via = this.router.whereIs(node);
    if (via === undefined) return Promise.resolve({ ok: false, error: { code: 'NODE_OFFLINE', message: `node ${node} is offline`, waitingFor: [node] } });
    const wire = this.wireRef(ref);
    return new Promise<RequestResult>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(wire);
        resolve({ ok: false, error: { code: 'NODE_TIMEOUT', message: `node ${node} did not answer in time`, waitingFor: [node] } });
      }, timeoutMs);
      this.pending.set(wire, { node, via, resolve, progress, timer });
      const message = { type: 'request', ref: wire, signed };
      if (via === this.instance ? !this.sendLocal(node, message) : !this.router.toRemoteNode(node, message)) this.fail(node, 'NODE_OFFLINE', `node ${node} is unreachable`, via);
    });
  }
}

/** Control messages the coordinator sends besides requests. */
export interface CancelMessage {
  type: 'cancel';
  ref: string;
  /** The parties that will not answer: the node's protocol stops waiting for them. */
  offline: number[];
}

/** The instance that made a request, from its wire reference (NodeHub.wireRef); empty when it names none. */
function ownerOf(ref: string): string {
  return ref.slice(0, Math.max(0, ref.indexOf('/')));
}

function isPendingEntry(v: unknown): v is { keyId: string; version: number } {
  const e = v as { keyId?: unknown; version?: unknown } | null;
  return typeof e?.keyId === 'string' && e.keyId.length <= 64 && Number.isSafeInteger(e.version);
}

function parseResult(v: unknown): RequestResult {
  const r = v as RequestResult | null;
  if (r && r.ok === true && typeof r.output === 'object' && r.output !== null) return r;
  if (r && r.ok === false && typeof r.error === 'object' && r.error !== null && typeof r.error.code === 'string') {
    const culprits = Array.isArray(r.error.culprits) ? r.error.culprits.filter(Number.isInteger) : undefined;
    const waitingFor = Array.isArray(r.error.waitingFor) ? r.error.waitingFor.filter(Number.isInteger) : undefined;
    return { ok: false, error: { code: r.error.code.slice(0, 64), message: String(r.error.message).slice(0, 500), ...(culprits ? { culprits } : {}), ...(waitingFor ? { waitingFor } : {}) } };
  }
  return { ok: false, error: { code: 'NODE_ERROR', message: 'malformed result' } };
}

/**
 * The committee members signing picks when nobody chooses: the online ones not `excluded`, in
 * committee order, of which the first `threshold` sign. Pools fill for the same set, so that a
 * pooled presignature is there for the quorum a signature will use.
 */
export function availableSigners(key: { parties: readonly number[] }, isOnline: (id: number) => boolean, excluded: ReadonlySet<number> = new Set()): number[] {
  return key.parties.filter((p) => isOnline(p) && !excluded.has(p));
}
