/**
 * `mpc-wallet audit verify` and `mpc-wallet audit list`: the coordinator's audit log through its
 * API. `verify` exits 0 when the whole chain is intact and 1 naming the first broken entry.
 */
import { ApiUsageError, type Output, apiOptions, request } from './api.js';

const LIST_OPTIONS = ['after', 'limit'];

export async function audit(args: string[], stdout: Output): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'verify') {
    const { option, base, keyFile, json } = apiOptions(rest, LIST_OPTIONS);
    if (option('after') !== undefined || option('limit') !== undefined) throw new ApiUsageError('verify walks the whole log: --after and --limit are for list');
    const result = (await request(base, keyFile, 'GET', '/v1/audit/verify')) as { ok: boolean; entries: number; checkpoints: number; firstBroken?: { seq: number; reason: string } };
    if (json) stdout.write(`${JSON.stringify(result)}\n`);
    else if (result.ok) stdout.write(`audit log intact: ${result.entries} entries, ${result.checkpoints} signed checkpoints\n`);
    else stdout.write(`audit log BROKEN at entry ${result.firstBroken?.seq}: ${result.firstBroken?.reason} (${result.entries} entries intact before it)\n`);
    return result.ok ? 0 : 1;
  }
  if (sub === 'list') {
    const { option, base, keyFile, json } = apiOptions(rest, LIST_OPTIONS);
    const after = option('after');
    const limit = option('limit');
    for (const [name, value] of [['after', after], ['limit', limit]] as const) {
      if (value !== undefined && !/^[0-9]{1,15}$/.test(value)) throw new ApiUsageError(`--${name} must be a non-negative integer`);
    }
    const query = new URLSearchParams({ ...(after ? { after } : {}), ...(limit ? { limit } : {}) });
    const { entries } = (await request(base, keyFile, 'GET', `/v1/audit?${query}`)) as { entries: { seq: number; at: string; action: string; actor: string; subject: string; details: unknown }[] };
    if (json) stdout.write(`${JSON.stringify(entries)}\n`);
    else for (const e of entries) stdout.write(`${String(e.seq).padStart(6)}  ${e.at}  ${e.action.padEnd(20)} ${e.actor.padEnd(22)} ${e.subject}  ${JSON.stringify(e.details)}\n`);
    return 0;
  }
  throw new ApiUsageError(`unknown audit command "${sub ?? ''}" (expected: verify, list)`);
}
