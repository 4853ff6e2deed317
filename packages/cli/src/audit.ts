/**
 * `mpc-wallet audit verify` and `mpc-wallet audit list`: the coordinator's audit log through its
 * API. `verify` exits 0 when the whole chain is intact and 1 naming the first broken entry.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

export class AuditUsageError extends Error {}

interface Output {
  write(s: string): unknown;
}

function options(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    options: { url: { type: 'string', default: 'http://127.0.0.1:8080' }, 'api-key-file': { type: 'string' }, json: { type: 'boolean', default: false }, after: { type: 'string' }, limit: { type: 'string' } },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length) throw new AuditUsageError(`unexpected argument: ${positionals[0]}`);
  if (!values['api-key-file']) throw new AuditUsageError('--api-key-file is required (e.g. .mpc-wallet/admin-api-key)');
  let base: URL;
  try {
    base = new URL(String(values.url));
  } catch {
    throw new AuditUsageError('--url must be an http(s) URL');
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new AuditUsageError('--url must be an http(s) URL');
  return { values, base };
}

/** GET of an API path with the key from its file; the key goes in the header only, never in output or errors. */
async function get(base: URL, keyFile: string, path: string): Promise<Record<string, unknown>> {
  const apiKey = (await readFile(keyFile, 'utf8')).trim();
  const res = await fetch(new URL(path, base), { headers: { authorization: `Bearer ${apiKey}` } });
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    const error = body.error as { code?: string; message?: string } | undefined;
    throw new Error(`${path}: HTTP ${res.status}${error?.code ? ` ${error.code}: ${error.message}` : ''}`);
  }
  return body;
}

export async function audit(args: string[], stdout: Output): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'verify') {
    const { values, base } = options(rest);
    if (values.after !== undefined || values.limit !== undefined) throw new AuditUsageError('verify walks the whole log: --after and --limit are for list');
    const result = (await get(base, values['api-key-file']!, '/v1/audit/verify')) as { ok: boolean; entries: number; checkpoints: number; firstBroken?: { seq: number; reason: string } };
    if (values.json) stdout.write(`${JSON.stringify(result)}\n`);
    else if (result.ok) stdout.write(`audit log intact: ${result.entries} entries, ${result.checkpoints} signed checkpoints\n`);
    else stdout.write(`audit log BROKEN at entry ${result.firstBroken?.seq}: ${result.firstBroken?.reason} (${result.entries} entries intact before it)\n`);
    return result.ok ? 0 : 1;
  }
  if (sub === 'list') {
    const { values, base } = options(rest);
    for (const [name, value] of [['after', values.after], ['limit', values.limit]] as const) {
      if (value !== undefined && !/^[0-9]{1,15}$/.test(value)) throw new AuditUsageError(`--${name} must be a non-negative integer`);
    }
    const query = new URLSearchParams({ ...(values.after ? { after: values.after } : {}), ...(values.limit ? { limit: values.limit } : {}) });
    const { entries } = (await get(base, values['api-key-file']!, `/v1/audit?${query}`)) as { entries: { seq: number; at: string; action: string; actor: string; subject: string; details: unknown }[] };
    if (values.json) stdout.write(`${JSON.stringify(entries)}\n`);
    else for (const e of entries) stdout.write(`${String(e.seq).padStart(6)}  ${e.at}  ${e.action.padEnd(20)} ${e.actor.padEnd(22)} ${e.subject}  ${JSON.stringify(e.details)}\n`);
    return 0;
  }
  throw new AuditUsageError(`unknown audit command "${sub ?? ''}" (expected: verify, list)`);
}
