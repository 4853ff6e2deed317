/**
 * What the commands that talk to a running coordinator share: their flags (`--url`,
 * `--api-key-file`, `--json`, `--help`), the SDK client they make from them, and what an API
 * failure prints and exits with. The API key is read from its file (or MPC_WALLET_API_KEY) and goes
 * in the header only, never in output or errors.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { CLIENT_ERROR_CODES, MpcWalletClient, MpcWalletError } from '@mpc-wallet/sdk';

export class ApiUsageError extends Error {}

export interface Output {
  write(s: string): unknown;
  /** A terminal (progress is drawn only there). */
  isTTY?: boolean;
}

/** Exit codes (USAGE and the README list them): scripts tell these cases apart. */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  /** No such key, signature, API key, webhook or delivery (HTTP 404). */
  NOT_FOUND: 3,
  /** The API key was refused or lacks the scope (HTTP 401, 403). */
  UNAUTHORIZED: 4,
  /** No answer from the coordinator (connection refused, timeout). */
  UNREACHABLE: 5,
} as const;

const DEFAULT_URL = 'http://127.0.0.1:8080';

const COMMON = {
  url: { type: 'string' },
  'api-key-file': { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

export interface CommandSpec {
  /** String-valued flags by name. */
  strings?: readonly string[];
  /** Boolean flags by name. */
  booleans?: readonly string[];
  /** Names of the positional arguments, in order; those ending in `?` may be left out. */
  positionals?: readonly string[];
}

export interface ParsedCommand {
  json: boolean;
  /** The coordinator's URL (for messages). */
  url: string;
  option(name: string): string | undefined;
  flag(name: string): boolean;
  /** The positional argument by its name in the spec. */
  arg(name: string): string | undefined;
  /** The SDK client for `--url` and the API key (read when first asked for). */
  client(): Promise<MpcWalletClient>;
}

/** Parses a command's flags and positionals (the common flags included). */
export function parseCommand(args: string[], spec: CommandSpec, env: NodeJS.ProcessEnv = process.env): ParsedCommand {
  const options = {
    ...COMMON,
    ...Object.fromEntries((spec.strings ?? []).map((name) => [name, { type: 'string' } as const])),
    ...Object.fromEntries((spec.booleans ?? []).map((name) => [name, { type: 'boolean' } as const])),
  };
  const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
  const names = spec.positionals ?? [];
  if (positionals.length > names.length) throw new ApiUsageError(`unexpected argument: ${positionals[names.length]}`);
  const missing = names.find((name, i) => !name.endsWith('?') && positionals[i] === undefined);
  if (missing) throw new ApiUsageError(`<${missing}> is required`);
  const all = values as Record<string, string | boolean | undefined>;
  const base = apiUrl(typeof all.url === 'string' ? all.url : (env.MPC_WALLET_URL ?? DEFAULT_URL));
  const keyFile = all['api-key-file'];
  // Checked now, so that a usage error comes before any request.
  if (typeof keyFile !== 'string' && !env.MPC_WALLET_API_KEY) throw new ApiUsageError('--api-key-file is required (e.g. .mpc-wallet/admin-api-key), or set MPC_WALLET_API_KEY');
  return {
    json: all.json === true,
    url: base.origin + base.pathname.replace(/\/$/, ''),
    option: (name) => (typeof all[name] === 'string' ? all[name] : undefined),
    flag: (name) => all[name] === true,
    arg: (name) => {
      const i = names.findIndex((n) => n.replace(/\?$/, '') === name);
      return i < 0 ? undefined : positionals[i];
    },
    client: async () => new MpcWalletClient({ url: base, apiKey: typeof keyFile === 'string' ? await readKey(keyFile) : env.MPC_WALLET_API_KEY! }),
  };
}

function apiUrl(value: string): URL {
  let base: URL;
  try {
    base = new URL(value);
  } catch {
    throw new ApiUsageError('--url must be an http(s) URL');
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new ApiUsageError('--url must be an http(s) URL');
  return base;
}

async function readKey(file: string): Promise<string> {
  let key: string;
  try {
    key = (await readFile(file, 'utf8')).trim();
  } catch (e) {
    throw new ApiUsageError(`cannot read --api-key-file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!key) throw new ApiUsageError(`--api-key-file ${file} is empty`);
  return key;
}

/** A positive integer flag (or undefined when absent). */
export function positiveInt(value: string | undefined, name: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]{1,15}$/.test(value) || Number(value) < 1 || Number(value) > max) throw new ApiUsageError(`--${name} must be an integer from 1 to ${max}`);
  return Number(value);
}

/** A non-negative integer flag such as a seq (or undefined when absent). */
export function seqOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^(0|[1-9][0-9]{0,14})$/.test(value)) throw new ApiUsageError(`--${name} must be a non-negative integer`);
  return Number(value);
}

/** How an API failure is printed (never with the key) and the exit code it ends with. */
export function apiFailure(e: MpcWalletError): { message: string; code: number } {
  const where = e.status ? `HTTP ${e.status} ${e.code}` : e.code;
  const extra = [e.reason ? `reason ${e.reason}` : '', e.culprits?.length ? `culprits ${e.culprits.join(',')}` : '', e.waitingFor?.length ? `waiting for ${e.waitingFor.join(',')}` : '', e.retryAfter !== undefined ? `retry after ${e.retryAfter} s` : '']
    .filter(Boolean)
    .join('; ');
  const message = `${where}: ${e.message}${extra ? ` (${extra})` : ''}`;
  if (e.status === 404) return { message, code: EXIT.NOT_FOUND };
  if (e.status === 401 || e.status === 403) return { message, code: EXIT.UNAUTHORIZED };
  if (e.code === CLIENT_ERROR_CODES.NETWORK_ERROR || e.code === CLIENT_ERROR_CODES.TIMEOUT) return { message, code: EXIT.UNREACHABLE };
  return { message, code: EXIT.FAILURE };
}

/** Prints `value` as one JSON line. */
export function printJson(out: Output, value: unknown): void {
  out.write(`${JSON.stringify(value)}\n`);
}

/** Columns padded to their widest cell, under a header row. */
export function printTable(out: Output, header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  out.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
}
