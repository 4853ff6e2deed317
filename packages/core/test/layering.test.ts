/**
 * The module graph of packages/core/src points one way, bottom up. Every relative import or
 * re-export (type-only ones too: they are dependencies all the same) is an edge; the graph must
 * have no circle, and no module may import a module of a higher layer. Test folders mirror
 * source folders.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const SRC = join(here, '..', 'src');

/**
 * Layers, lowest first; a module belongs to the first entry naming it or a folder holding it.
 * The wire codec (Reader/Writer) sits at the bottom: the big-integer codec and the proofs encode
 * with it, and it depends on nothing.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['bytes.ts', 'rng.ts', 'engine/codec.ts'],
  ['bigint/'],
  ['math/'],
  ['paillier/'],
  ['proofs/'],
  ['engine/'],
  ['protocols/', 'noise/'],
  ['index.ts'],
];

type Graph = ReadonlyMap<string, readonly string[]>;

function walk(dir: string, keep: (path: string) => boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return [...(keep(path) ? [path] : []), ...walk(path, keep)];
    return keep(path) ? [path] : [];
  });
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

/** Module (path under src, e.g. "engine/codec.ts") → the modules it imports or re-exports. */
function sourceGraph(): Graph {
  const files = walk(SRC, (p) => p.endsWith('.ts') && !statSync(p).isDirectory()).map((p) => toPosix(relative(SRC, p)));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(join(SRC, file), 'utf8'), true, true);
    const targets = importedFiles
      .map((f) => f.fileName)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => posix.normalize(posix.join(posix.dirname(file), spec)).replace(/\.js$/, '.ts'));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** One circle of the graph as a path (first module repeated at the end), or undefined. */
export function findCycle(graph: Graph): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (state.get(next) === undefined) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of [...graph.keys()].sort()) {
    if (state.get(node) === undefined) {
      const cycle = visit(node);
      if (cycle) return cycle;
    }
  }
  return undefined;
}

export function layerOf(module: string, layers: readonly (readonly string[])[] = LAYERS): number | undefined {
  const i = layers.findIndex((entries) => entries.some((e) => (e.endsWith('/') ? module.startsWith(e) : module === e)));
  return i < 0 ? undefined : i;
}

/** Every edge from a module to a module of a higher layer, as "a → b". */
export function upwardImports(graph: Graph, layers: readonly (readonly string[])[] = LAYERS): string[] {
  const bad: string[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) {
      const a = layerOf(from, layers);
      const b = layerOf(to, layers);
      if (a !== undefined && b !== undefined && b > a) bad.push(`${from} → ${to}`);
    }
  }
  return bad.sort();
}

describe('layering of packages/core/src', () => {
  const graph = sourceGraph();

  it('the checks themselves find a circle and an upward import', () => {
    const toy: Graph = new Map([
      ['bytes.ts', []],
      ['math/a.ts', ['bytes.ts', 'engine/b.ts']],
      ['engine/b.ts', ['engine/c.ts']],
      ['engine/c.ts', ['math/a.ts']],
    ]);
    expect(findCycle(toy)).toEqual(['engine/b.ts', 'engine/c.ts', 'math/a.ts', 'engine/b.ts']);
    expect(upwardImports(toy)).toEqual(['math/a.ts → engine/b.ts']);
    expect(findCycle(new Map([['a.ts', ['b.ts']], ['b.ts', []]]))).toBeUndefined();
  });

  it('every import names an existing module', () => {
    const missing = [...graph].flatMap(([from, targets]) => targets.filter((t) => !graph.has(t)).map((t) => `${from} → ${t}`));
    expect(missing).toEqual([]);
  });

  it('has no import circle', () => {
    const cycle = findCycle(graph);
    expect(cycle && cycle.join(' → ')).toBeUndefined();
  });

  it('every module belongs to a layer', () => {
    expect([...graph.keys()].filter((m) => layerOf(m) === undefined)).toEqual([]);
  });

  it('no module imports a higher layer', () => {
    expect(upwardImports(graph)).toEqual([]);
  });

  it('test folders mirror source folders', () => {
    const isDir = (p: string) => statSync(p).isDirectory();
    const testDirs = walk(here, isDir).map((p) => toPosix(relative(here, p)));
    const strays = testDirs.filter((d) => d !== 'fixtures' && !existsSync(join(SRC, d)));
    expect(strays).toEqual([]);
  });
});
