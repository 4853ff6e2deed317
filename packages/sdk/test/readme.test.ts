/**
 * Runs the README's TypeScript examples against a real local cluster, so that they stay true:
 * the first block (Connect) is the prelude of every other, each runs as a module of its own
 * importing the built package, with MPC_WALLET_URL and MPC_WALLET_API_KEY set. Blocks fenced
 * `ts no-run` (a long-running server) are type-checked by readers only.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { clusterForFile } from '../../server/test/cluster/local-cluster.js';
import { markdownBlocks } from './markdown.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const blocks = markdownBlocks(await readFile(join(packageDir, 'README.md'), 'utf8'), 'ts');
const [prelude, ...examples] = blocks.filter((b) => !b.info.includes('no-run'));
const cluster = clusterForFile();
let dir = '';
const saved = { url: process.env.MPC_WALLET_URL, key: process.env.MPC_WALLET_API_KEY };

beforeAll(async () => {
  // Inside the package, so that `@mpc-wallet/sdk` resolves as it does for a user (node_modules → dist).
  dir = await mkdtemp(join(packageDir, '.readme-'));
  process.env.MPC_WALLET_URL = cluster.url;
  process.env.MPC_WALLET_API_KEY = cluster.apiKey;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  for (const [name, value] of [['MPC_WALLET_URL', saved.url], ['MPC_WALLET_API_KEY', saved.key]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('README examples against a local cluster', () => {
  it('the README has a prelude and examples', () => {
    expect(prelude?.code).toContain('new MpcWalletClient');
    expect(examples.length).toBeGreaterThanOrEqual(6);
  });

  for (const [i, block] of [prelude!, ...examples].entries()) {
    it(`block ${i + 1} (README line ${block.line}): ${block.code.split('\n')[0]!.slice(0, 60)}`, async () => {
      const file = join(dir, `example-${i + 1}.ts`);
      await writeFile(file, i === 0 ? block.code : `${prelude!.code}\n${block.code}`);
      const logged: unknown[][] = [];
      const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logged.push(args));
      try {
        await import(pathToFileURL(file).href);
      } finally {
        log.mockRestore();
      }
      // Every example prints what it got: an example that printed nothing did not run its calls.
      expect(logged.length).toBeGreaterThan(0);
    }, 120_000);
  }
});
