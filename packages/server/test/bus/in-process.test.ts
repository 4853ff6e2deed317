import { describe, expect, it } from 'vitest';
import { InProcessBus, LocalRelayBus } from '../../src/bus/in-process.js';
import type { ClusterBus, RelayedFrame } from '../../src/bus/types.js';

const frame = (from: string): RelayedFrame => ({ from, tag: new Uint8Array(16), frame: Uint8Array.of(1) });

describe('local relay bus', () => {
  it('delivers to the attached node only, and reports a node nobody holds', () => {
    const bus = new LocalRelayBus();
    const got: string[] = [];
    bus.attach('node-1', (f) => got.push(`1<${f.from}`));
    bus.attach('node-2', (f) => got.push(`2<${f.from}`));
    expect(bus.publish('node-2', frame('node-1'))).toBe(true);
    expect(bus.publish('node-3', frame('node-1'))).toBe(false);
    expect(got).toEqual(['2<node-1']);
  });

  it('a reconnected node keeps its new delivery when the old connection detaches late', () => {
    const bus = new LocalRelayBus();
    const got: string[] = [];
    const detachOld = bus.attach('node-1', () => got.push('old'));
    bus.attach('node-1', () => got.push('new'));
    detachOld();
    expect(bus.publish('node-1', frame('node-2'))).toBe(true);
    expect(got).toEqual(['new']);
  });
});

describe('in-process cluster bus', () => {
  it('delivers a subject to each of its subscriptions until unsubscribed, and nothing of other subjects', async () => {
    const bus: ClusterBus = new InProcessBus();
    const got: string[] = [];
    const offA = bus.subscribe('a', (d) => got.push(`a1:${d[0]}`));
    bus.subscribe('a', (d) => got.push(`a2:${d[0]}`));
    bus.subscribe('b', (d) => got.push(`b:${d[0]}`));
    bus.publish('a', Uint8Array.of(1));
    offA();
    await bus.publishDurable('a', Uint8Array.of(2), 'id-2');
    expect(got).toEqual(['a1:1', 'a2:1', 'a2:2']);
  });

  it('a handler unsubscribing while a message is delivered does not skip the others', () => {
    const bus = new InProcessBus();
    const got: number[] = [];
    const off = bus.subscribe('s', () => {
      got.push(1);
      off();
    });
    bus.subscribe('s', () => got.push(2));
    bus.publish('s', new Uint8Array(0));
    bus.publish('s', new Uint8Array(0));
    expect(got).toEqual([1, 2, 2]);
  });
});
