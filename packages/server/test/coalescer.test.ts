import { describe, expect, it } from 'vitest';
import { Coalescer } from '../src/coalescer.js';

/** A flush that records its batches and answers after the test lets it. */
function recorder(answer: (inputs: number[]) => number[] | Promise<number[]> = (xs) => xs.map((x) => x * 10)) {
  const batches: number[][] = [];
  let release: () => void = () => undefined;
  let gate = Promise.resolve();
  return {
    batches,
    hold() {
      gate = new Promise<void>((r) => (release = r));
    },
    release: () => release(),
    flush: async (inputs: number[]) => {
      batches.push(inputs);
      await gate;
      return answer(inputs);
    },
  };
}

describe('Coalescer', () => {
  it('runs the calls of one turn together as soon as the caller yields, and the calls made meanwhile as one batch after it', async () => {
    const r = recorder();
    const c = new Coalescer(r.flush, 100);
    r.hold();
    const first = [1, 2].map((x) => c.run(x));
    expect(r.batches).toEqual([]);
    await Promise.resolve();
    expect(r.batches).toEqual([[1, 2]]);
    const rest = [3, 4, 5].map((x) => c.run(x));
    r.release();
    expect(await Promise.all(first)).toEqual([10, 20]);
    expect(await Promise.all(rest)).toEqual([30, 40, 50]);
    expect(r.batches).toEqual([[1, 2], [3, 4, 5]]);
  });

  it('splits a long queue into batches of at most maxBatch', async () => {
    const r = recorder();
    const c = new Coalescer(r.flush, 2);
    r.hold();
    const all = [1, 2, 3, 4, 5, 6].map((x) => c.run(x));
    r.release();
    expect(await Promise.all(all)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(r.batches).toEqual([[1, 2], [3, 4], [5, 6]]);
  });

  it('a failed batch fails its own calls only; the next batch runs', async () => {
    const r = recorder((xs) => {
      if (xs.includes(2)) throw new Error('statement failed');
      return xs;
    });
    const c = new Coalescer(r.flush, 2);
    r.hold();
    const calls = [1, 2, 3, 4].map((x) => c.run(x).then((v) => v, (e: Error) => e.message));
    r.release();
    expect(await Promise.all(calls)).toEqual(['statement failed', 'statement failed', 3, 4]);
  });

  it('a flush with a result count other than its inputs fails them all', async () => {
    const c = new Coalescer(async (xs: number[]) => xs.slice(1), 10);
    await expect(c.run(1)).rejects.toThrow(/gave 0 results for 1 inputs/);
  });

  it('refuses a batch size below one', () => {
    expect(() => new Coalescer(async (xs: number[]) => xs, 0)).toThrow(RangeError);
  });
});
