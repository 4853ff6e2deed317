/** Locates ../shared/vectors; tests that need them skip, visibly, when the folder is absent. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function findVectors(): string | undefined {
  if (process.env.MPC_VECTORS_DIR) return process.env.MPC_VECTORS_DIR;
  let dir = here;
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, '..', 'shared', 'vectors');
    if (existsSync(candidate)) return resolve(candidate);
    dir = dirname(dir);
  }
  return undefined;
}

export const VECTORS_DIR = findVectors();

if (!VECTORS_DIR) {
  console.error('[vectors] ../shared/vectors not found: official-vector tests are SKIPPED (set MPC_VECTORS_DIR)');
}

export function vectorPath(...parts: string[]): string | undefined {
  if (!VECTORS_DIR) return undefined;
  const p = join(VECTORS_DIR, ...parts);
  return existsSync(p) ? p : undefined;
}

export function readVector<T = unknown>(...parts: string[]): T | undefined {
  const p = vectorPath(...parts);
  return p ? (JSON.parse(readFileSync(p, 'utf8')) as T) : undefined;
}
