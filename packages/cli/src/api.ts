/**
 * What the commands that talk to a running coordinator share: `--url`, `--api-key-file`, `--json`,
 * and one request helper. The key is read from its file and goes in the header only, never in
 * output or errors.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

export class ApiUsageError extends Error {}

export interface Output {
  write(s: string): unknown;
}

const COMMON = { url: { type: 'string', default: 'http://127.0.0.1:8080' }, 'api-key-file': { type: 'string' }, json: { type: 'boolean', default: false } } as const;

/** A command's flags: the common ones, and `extra` (string-valued) by name. */
export interface ApiOptions {
  base: URL;
  keyFile: string;
  json: boolean;
  option(name: string): string | undefined;
}

/** Parses a command's flags (the common ones and the string flags `extra`); no positional arguments. */
export function apiOptions(args: string[], extra: readonly string[]): ApiOptions {
  const options = { ...COMMON, ...Object.fromEntries(extra.map((name) => [name, { type: 'string' } as const])) };
  const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
  if (positionals.length) throw new ApiUsageError(`unexpected argument: ${positionals[0]}`);
  const all = values as Record<string, string | boolean | undefined>;
  const keyFile = all['api-key-file'];
  if (typeof keyFile !== 'string') throw new ApiUsageError('--api-key-file is required (e.g. .mpc-wallet/admin-api-key)');
  let base: URL;
  try {
    base = new URL(String(all.url));
  } catch {
    throw new ApiUsageError('--url must be an http(s) URL');
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new ApiUsageError('--url must be an http(s) URL');
  return { base, keyFile, json: all.json === true, option: (name) => (typeof all[name] === 'string' ? all[name] : undefined) };
}

/** One API request; an error answer throws with its status and code. */
export async function request(base: URL, keyFile: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const apiKey = (await readFile(keyFile, 'utf8')).trim();
  const res = await fetch(new URL(path, base), {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    const error = answer.error as { code?: string; message?: string } | undefined;
    throw new Error(`${path}: HTTP ${res.status}${error?.code ? ` ${error.code}: ${error.message}` : ''}`);
  }
  return answer;
}
