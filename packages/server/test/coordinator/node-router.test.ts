import { afterEach, describe, expect, it, vi } from 'vitest';
import { InProcessBus } from '../../src/bus/in-process.js';
import type { ClusterBus } from '../../src/bus/types.js';
import { type ControlMessage, NodeRouter, decodeFrame, encodeFrame } from '../../src/coordinator/node-router.js';
import { MemoryLogger } from '../../src/log.js';

const ids = new Map([
  ['node-1', 1],
  ['node-2', 2],
  ['node-3', 3],
]);

/** A bus shared by instances, from which one instance's publications can be cut (a partition, or a process frozen or killed). */
class PartitionableBus implements ClusterBus {
  muted = false;
  private readonly listeners = new Set<(connected: boolean) => void>();
  constructor(private readonly inner: InProcessBus) {}
  /** The connection to the others lost (false) or back (true), as the NATS client reports it. */
  status(connected: boolean) {
    this.muted = !connected;
    for (const l of this.listeners) l(connected);
  }
  get connected() {
    return !this.muted;
  }
  publish(subject: string, data: Uint8Array) {
    if (!this.muted) this.inner.publish(subject, data);
  }
  subscribe(subject: string, handler: (data: Uint8Array) => void) {
    return this.inner.subscribe(subject, handler);
  }
  publishDurable(subject: string, data: Uint8Array) {
    return this.inner.publishDurable(subject, data);
  }
  onStatus(listener: (connected: boolean) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  close() {
    return Promise.resolve();
  }
}

interface Instance {
  router: NodeRouter;
  bus: PartitionableBus;
  fromNode: [number, ControlMessage][];
  left: [number, string][];
  toLocalNode: [number, ControlMessage][];
  logger: MemoryLogger;
}

let routers: NodeRouter[] = [];

function instance(shared: InProcessBus): Instance {
  const bus = new PartitionableBus(shared);
  const seen: Omit<Instance, 'router' | 'bus'> = { fromNode: [], left: [], toLocalNode: [], logger: new MemoryLogger() };
  const router = new NodeRouter(
    bus,
    ids,
    { fromNode: (n, m) => seen.fromNode.push([n, m]), left: (n, via) => seen.left.push([n, via]), toLocalNode: (n, m) => seen.toLocalNode.push([n, m]) },
    { announceMs: 100, expireMs: 350 },
    seen.logger,
  );
  routers.push(router);
  return { router, bus, ...seen };
}

/** Instances on one bus, the i-th holding the nodes of `holdings[i]`. */
function instances(holdings: number[][]): Instance[] {
  const shared = new InProcessBus();
  return holdings.map((nodes) => {
    const one = instance(shared);
    for (const n of nodes) one.router.holdLocal(n);
    return one;
  });
}

afterEach(() => {
  for (const r of routers) r.close();
  routers = [];
  vi.useRealTimers();
});

describe('node router', () => {
  it('knows which instance holds each node, and forgets a node its instance released', () => {
    const shared = new InProcessBus();
    const a = instance(shared);
    const b = instance(shared);
    a.router.holdLocal(1);
    b.router.holdLocal(2);
    expect(a.router.whereIs(1)).toBe(a.router.instance);
    expect(a.router.whereIs(2)).toBe(b.router.instance);
    expect(b.router.whereIs(1)).toBe(a.router.instance);
    expect(a.router.onlineNodes()).toEqual([1, 2]);
    expect(a.router.isOnline(3)).toBe(false);
    b.router.releaseLocal(2);
    expect(a.router.isOnline(2)).toBe(false);
    expect(a.left).toEqual([[2, b.router.instance]]);
  });

  it('carries frames to a node held by another instance, and refuses a node nobody holds', () => {
    const shared = new InProcessBus();
    const a = instance(shared);
    const b = instance(shared);
    const got: string[] = [];
    b.router.holdLocal(2);
    b.router.attach('node-2', (f) => got.push(`${f.from}:${f.frame[0]}`));
    expect(a.router.publish('node-2', { from: 'node-1', tag: new Uint8Array(16), frame: Uint8Array.of(7) })).toBe(true);
    expect(a.router.publish('node-3', { from: 'node-1', tag: new Uint8Array(16), frame: Uint8Array.of(8) })).toBe(false);
    expect(a.router.publish('node-9', { from: 'node-1', tag: new Uint8Array(16), frame: Uint8Array.of(9) })).toBe(false);
    expect(got).toEqual(['node-1:7']);
  });

  it('sends control messages to a remote node and its answers back to the asking instance', () => {
    const shared = new InProcessBus();
    const a = instance(shared);
    const b = instance(shared);
    b.router.holdLocal(2);
    expect(a.router.toRemoteNode(2, { type: 'request', ref: `${a.router.instance}/r1` })).toBe(true);
    expect(a.router.toRemoteNode(3, { type: 'request', ref: `${a.router.instance}/r2` })).toBe(false);
    expect(b.toLocalNode).toEqual([[2, { type: 'request', ref: `${a.router.instance}/r1` }]]);
    b.router.toInstance(a.router.instance, 2, { type: 'result', ref: `${a.router.instance}/r1` });
    expect(a.fromNode).toEqual([[2, { type: 'result', ref: `${a.router.instance}/r1` }]]);
    expect(b.fromNode).toEqual([]);
  });

  it('tells every instance’s other nodes that a node came or went', () => {
    const [a, b] = instances([[1], [2, 3]]) as [Instance, Instance];
    a.router.announcePeers('peer-joined', 1);
    expect(b.toLocalNode).toEqual([
      [2, { type: 'peer-joined', node: 1 }],
      [3, { type: 'peer-joined', node: 1 }],
    ]);
    expect(a.toLocalNode).toEqual([]);
  });

  it('an instance that leaves, or falls silent, loses its nodes for the others', () => {
    vi.useFakeTimers();
    const [a, b, c] = instances([[], [2], [3]]) as [Instance, Instance, Instance];
    b.router.close();
    expect(a.left).toEqual([[2, b.router.instance]]);
    expect(a.router.isOnline(2)).toBe(false);
    c.bus.muted = true;
    vi.advanceTimersByTime(300);
    expect(a.router.isOnline(3)).toBe(true);
    vi.advanceTimersByTime(200);
    expect(a.router.isOnline(3)).toBe(false);
    expect(a.left).toEqual([
      [2, b.router.instance],
      [3, c.router.instance],
    ]);
    expect(a.logger.entries.some((e) => e.message.includes('silent') && e.fields.instance === c.router.instance)).toBe(true);
  });

  it('its bus lost: the other instances’ nodes are lost at once (their requests fail, local nodes drop their links to them) and found again once it is back', () => {
    const [a, b] = instances([[1], [2, 3]]) as [Instance, Instance];
    a.bus.status(false);
    expect(a.left).toEqual([
      [2, b.router.instance],
      [3, b.router.instance],
    ]);
    expect(a.toLocalNode).toEqual([
      [1, { type: 'peer-left', node: 2 }],
      [1, { type: 'peer-left', node: 3 }],
    ]);
    expect(a.router.onlineNodes()).toEqual([1]);
    a.bus.status(true);
    b.router.holdLocal(2); // b's next announcement
    expect(a.router.onlineNodes()).toEqual([1, 2, 3]);
    expect(b.router.onlineNodes()).toEqual([1, 2, 3]);
  });

  it('a reconnected node is found at its newest instance', () => {
    vi.useFakeTimers();
    const shared = new InProcessBus();
    const a = instance(shared);
    const b = instance(shared);
    const c = instance(shared);
    b.router.holdLocal(2);
    vi.advanceTimersByTime(50);
    c.router.holdLocal(2);
    expect(a.router.whereIs(2)).toBe(c.router.instance);
  });

  it('drops and logs bus messages it cannot read, and keeps working', () => {
    const shared = new InProcessBus();
    const a = instance(shared);
    const b = instance(shared);
    const junk = new TextEncoder().encode('{not json');
    shared.publish('presence', junk);
    shared.publish(`instance.${a.router.instance}`, junk);
    shared.publish('peers', junk);
    shared.publish('presence', new TextEncoder().encode(JSON.stringify({ instance: '../evil', nodes: [1] })));
    shared.publish('presence', new TextEncoder().encode(JSON.stringify({ instance: 'x', nodes: [99, 'a'] })));
    b.router.holdLocal(2);
    b.router.attach('node-2', () => {});
    shared.publish('frame.2', Uint8Array.of(200));
    expect(a.logger.entries.filter((e) => e.message === 'bus message refused').map((e) => e.fields.what)).toEqual(['presence', 'node message', 'peer notice']);
    expect(b.logger.entries.filter((e) => e.message === 'bus message refused').map((e) => e.fields.what)).toEqual(['presence', 'peer notice', 'frame']);
    expect(a.router.onlineNodes()).toEqual([2]);
  });
});

describe('frame codec', () => {
  it('round-trips and refuses truncated frames', () => {
    const f = { from: 'node-1', tag: Uint8Array.from({ length: 16 }, (_, i) => i), frame: Uint8Array.of(1, 2, 3) };
    expect(decodeFrame(encodeFrame(f))).toEqual(f);
    const bytes = encodeFrame(f);
    expect(() => decodeFrame(bytes.subarray(0, 5))).toThrow(RangeError);
    expect(() => decodeFrame(new Uint8Array(0))).toThrow(RangeError);
  });
});
