// Shared by the benchmark files: the measuring harness (median of batches, baseline batches
// interleaved; timed runs with their spread for slow work), the report line and row, the
// Paillier fixtures, and the standalone runner.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const QUICK = process.argv.includes('--quick');
const TARGET_MS = QUICK ? 500 : 2500;

/** ms per op of one batch of about `ms` milliseconds. */
function batch(fn, ms, minIterations) {
  let iterations = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms || iterations < minIterations) {
    fn();
    iterations++;
    elapsed = performance.now() - start;
  }
  return elapsed / iterations;
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A TCP port free on the loopback interface just now. */
export const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** Polls `check` (a throw counts as not yet) until it holds; fails naming `what`, with `context()` (e.g. the processes' last logs). */
export async function until(check, what, timeoutMs, context = () => '') {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${context()}`);
    await sleep(50);
  }
}

/**
 * Median over 5 batches (after a warm-up) of ms per op. With a baseline function, batches of
 * the two alternate, so both figures come from the same stretch of time and their ratio holds
 * even when this shared machine's speed drifts.
 */
export function measure(fn, minIterations = 5, baselineFn) {
  for (let i = 0; i < 3; i++) fn();
  const own = [];
  const base = [];
  for (let b = 0; b < 5; b++) {
    own.push(batch(fn, TARGET_MS / 5, Math.ceil(minIterations / 5)));
    if (baselineFn) base.push(batch(baselineFn, TARGET_MS / 10, 1));
  }
  return baselineFn ? { ms: median(own), baselineMs: median(base) } : median(own);
}

/**
 * For work too slow to batch (seconds per call): `runs` timed calls, each followed by a short
 * batch of the baseline (when given) so that the two share the machine's conditions. Returns the
 * median ms with the fastest and slowest run, and the baseline's median.
 */
export async function timeRuns(fn, runs, baselineFn) {
  const times = [];
  const base = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn(i);
    times.push(performance.now() - t);
    if (baselineFn) base.push(batch(baselineFn, TARGET_MS / 10, 1));
  }
  return { ms: median(times), min: Math.min(...times), max: Math.max(...times), runs, baselineMs: baselineFn ? median(base) : undefined };
}

/**
 * A report function that prints one line per figure and appends its row to `rows`. `spread`
 * (from timeRuns) adds the sample count and the fastest and slowest sample.
 */
export function makeReport(rows) {
  return function report(group, name, msPerOp, baseline, spread) {
    const row = { group, name, msPerOp: +msPerOp.toFixed(4), opsPerSec: +(1000 / msPerOp).toFixed(1) };
    if (spread) Object.assign(row, { samples: spread.runs, minMs: +spread.min.toFixed(3), maxMs: +spread.max.toFixed(3) });
    if (baseline) {
      row.baseline = baseline.name;
      row.baselineMsPerOp = +baseline.ms.toFixed(4);
      row.ratio = +(msPerOp / baseline.ms).toFixed(2);
    }
    rows.push(row);
    const range = spread ? ` (median of ${spread.runs}, ${spread.min.toPrecision(3)}–${spread.max.toPrecision(3)} ms)` : '';
    const base = baseline ? `   baseline ${baseline.name} ${baseline.ms.toFixed(3)} ms → ×${row.ratio}` : '';
    console.log(`${group.padEnd(8)} ${name.padEnd(44)} ${msPerOp.toFixed(3).padStart(9)} ms/op ${row.opsPerSec.toFixed(0).padStart(7)} ops/s${range}${base}`);
  };
}

/** Runs one benchmark section on its own (`node bench/<file>.js`) when `meta` is the entry module. */
export async function runIfMain(meta, section) {
  if (meta.url === `file://${process.argv[1]}`) await section({ measure, report: makeReport([]) });
}

const fixtureFile = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'core', 'test', 'fixtures', 'paillier.json');
let fixtures;
const big = (h) => BigInt('0x' + h);

/**
 * The safe-prime fixtures of a security level (scripts/gen-paillier-fixtures.mjs): the key
 * prime pairs, then the ring-Pedersen pair with its s, t and λ.
 */
export function paillierFixture(level) {
  fixtures ??= JSON.parse(readFileSync(fixtureFile, 'utf8'));
  const f = fixtures.levels[level.name];
  const rp = f.ringPedersen;
  return {
    keys: f.keys.map((k) => ({ p: big(k.p), q: big(k.q) })),
    ringPedersen: { p: big(rp.p), q: big(rp.q), s: big(rp.s), t: big(rp.t), lambda: big(rp.lambda) },
  };
}
