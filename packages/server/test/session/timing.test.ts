import { describe, expect, it } from 'vitest';
import { StageTimes, reportedTiming } from '../../src/session/timing.js';

describe('stage times', () => {
  it('sums each stage, renders a Server-Timing header and JSON', async () => {
    const t = new StageTimes();
    t.add('store', 1.25);
    t.add('store', 0.5);
    await t.measure('protocol', () => new Promise((r) => setTimeout(r, 5)));
    expect(t.toJSON().store).toBe(1.75);
    expect(t.toJSON().protocol).toBeGreaterThanOrEqual(4);
    expect(t.serverTiming()).toMatch(/^store;dur=1\.750, protocol;dur=\d+\.\d{3}$/);
  });

  it('times an operation that throws', async () => {
    const t = new StageTimes();
    await expect(t.measure('store', () => Promise.reject(new Error('disk gone')))).rejects.toThrow('disk gone');
    expect(Object.keys(t.toJSON())).toEqual(['store']);
  });

  it("keeps a node's report only when it is a small map of non-negative finite numbers", () => {
    expect(reportedTiming({ check: 0.1, 'store': 2 })).toEqual({ check: 0.1, store: 2 });
    for (const bad of [null, 'x', [1], { check: -1 }, { check: Infinity }, { check: '1' }, { 'Bad Name': 1 }, Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`s${String.fromCharCode(97 + i)}`, 1]))]) {
      expect(reportedTiming(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });
});
