/**
 * Runs the README's shell examples against a real local cluster through the CLI's in-process
 * run(): every line of the `sh` blocks (not `sh no-run`) that calls `mpc-wallet`, in order, with
 * MPC_WALLET_URL and MPC_WALLET_API_KEY set as the README's setup does. The shell it understands
 * is what the examples use: quotes, `$VAR`, `VAR=$(mpc-wallet … | jq -r .field)`, `# comments`;
 * a line ending in `# exits N` must exit N, every other line 0.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterForFile } from '../../server/test/cluster/local-cluster.js';
import { markdownBlocks } from '../../sdk/test/markdown.js';
import { cli } from './stand-in.js';

const readme = await readFile(join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md'), 'utf8');
const lines = markdownBlocks(readme, 'sh')
  .filter((b) => !b.info.includes('no-run'))
  .flatMap((b) => b.code.split('\n').map((text, i) => ({ text: text.trim(), line: b.line + 1 + i })))
  .filter((l) => /^(mpc-wallet |[A-Z_]+=\$\(mpc-wallet )/.test(l.text));

const cluster = clusterForFile();
const vars: Record<string, string> = {};
/** Each line's output, by README line. */
const outputs = new Map<number, string>();
const saved = { url: process.env.MPC_WALLET_URL, key: process.env.MPC_WALLET_API_KEY };

beforeAll(() => {
  process.env.MPC_WALLET_URL = cluster.url;
  process.env.MPC_WALLET_API_KEY = cluster.apiKey;
});
afterAll(() => {
  for (const [name, value] of [['MPC_WALLET_URL', saved.url], ['MPC_WALLET_API_KEY', saved.key]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('CLI README examples against a local cluster', () => {
  it('the README has examples of every API command', () => {
    for (const command of ['status', 'nodes', 'keys create', 'keys show', 'keys list', 'keys refresh', 'sign', 'events', 'webhooks create', 'api-keys create', 'audit verify']) {
      expect(lines.some((l) => l.text.includes(`mpc-wallet ${command}`)), command).toBe(true);
    }
  });

  for (const { text, line } of lines) {
    it(`README line ${line}: ${text.slice(0, 70)}`, async () => {
      const { assign, argv, field, exits } = parseLine(text, vars);
      const r = await cli(...argv);
      outputs.set(line, r.out);
      expect({ code: r.code, err: r.err }, r.out).toEqual({ code: exits, err: exits === 0 ? '' : expect.stringMatching(/^mpc-wallet: /) });
      if (assign) {
        const value = (JSON.parse(r.out) as Record<string, unknown>)[field!];
        expect(typeof value, `${assign}=.${field}`).toBe('string');
        vars[assign] = value as string;
      }
    }, 120_000);
  }

  it('the same --idempotency-key twice answers the same signature request', () => {
    const twice = lines.filter((l) => l.text.includes('--idempotency-key')).map((l) => JSON.parse(outputs.get(l.line) ?? 'null') as { id: string; signature: string } | null);
    expect(twice).toHaveLength(2);
    expect(twice[0]?.id).toBeTruthy();
    expect(twice[1]).toEqual(twice[0]);
  });
});

/** One example line as argv (after `mpc-wallet`), with its assignment and expected exit code. */
function parseLine(text: string, env: Record<string, string>): { assign?: string; field?: string; argv: string[]; exits: number } {
  const exits = /#\s*exits\s+(\d+)\s*$/.exec(text);
  const assignment = /^([A-Z_]+)=\$\((.*) \| jq -r \.([A-Za-z]+)\)$/.exec(stripComment(text));
  const command = assignment ? assignment[2]! : stripComment(text);
  const words = shellWords(command, env);
  if (words[0] !== 'mpc-wallet') throw new Error(`not an mpc-wallet line: ${text}`);
  return { ...(assignment ? { assign: assignment[1]!, field: assignment[3]! } : {}), argv: words.slice(1), exits: exits ? Number(exits[1]) : 0 };
}

function stripComment(text: string): string {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || text[i - 1] === ' ')) return text.slice(0, i).trimEnd();
  }
  return text;
}

/** Words as a POSIX shell splits them: single quotes literal, double quotes and bare words expand $VAR. */
function shellWords(text: string, env: Record<string, string>): string[] {
  const words: string[] = [];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[1] !== undefined) words.push(m[1]);
    else {
      const raw = m[2] ?? m[3]!;
      words.push(
        raw.replace(/\$([A-Z_]+)/g, (_, name: string) => {
          if (env[name] === undefined) throw new Error(`$${name} is not set by an earlier example`);
          return env[name]!;
        }),
      );
    }
  }
  return words;
}
