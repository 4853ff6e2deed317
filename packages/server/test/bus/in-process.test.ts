import { describe, expect, it } from 'vitest';
import { InProcessBus } from '../../src/bus/in-process.js';
import type { RelayedFrame } from '../../src/bus/types.js';

const frame = (from: string): RelayedFrame => ({ from, tag: new Uint8Array(16), frame: Uint8Array.of(1) });

describe('in-process relay bus', () => {
  it('delivers to the attached node only, and reports a node nobody holds', () => {
    const bus = new InProcessBus();
    const got: string[] = [];
    bus.attach('node-1', (f) => got.push(`1<${f.from}`));
    bus.attach('node-2', (f) => got.push(`2<${f.from}`));
    expect(bus.publish('node-2', frame('node-1'))).toBe(true);
    expect(bus.publish('node-3', frame('node-1'))).toBe(false);
    expect(got).toEqual(['2<node-1']);
  });

  it('a reconnected node keeps its new delivery when the old connection detaches late', () => {
    const bus = new InProcessBus();
    const got: string[] = [];
    const detachOld = bus.attach('node-1', () => got.push('old'));
    bus.attach('node-1', () => got.push('new'));
    detachOld();
    expect(bus.publish('node-1', frame('node-2'))).toBe(true);
    expect(got).toEqual(['new']);
  });
});
