/**
 * `mpc-wallet audit verify` and `mpc-wallet audit list`: the coordinator's audit log through its
 * API. `verify` exits 0 when the whole chain is intact and 1 naming the first broken entry.
 */
import { ApiUsageError, type Output, parseCommand, positiveInt, printJson, seqOption } from './api.js';

export const AUDIT_USAGE = `usage: mpc-wallet audit verify [API]
       mpc-wallet audit list [--after SEQ] [--limit N] [API]
  verify  walks the whole hash chain and its signed checkpoints: exit 0 intact, 1 broken
  list    entries with seq > SEQ (default 0), at most N (1-1000, default 100)`;

export async function audit(args: string[], stdout: Output): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'verify') {
    const cmd = parseCommand(rest, {});
    const result = await (await cmd.client()).audit.verify();
    if (cmd.json) printJson(stdout, result);
    else if (result.ok) stdout.write(`audit log intact: ${result.entries} entries, ${result.checkpoints} signed checkpoints\n`);
    else stdout.write(`audit log BROKEN at entry ${result.firstBroken?.seq}: ${result.firstBroken?.reason} (${result.entries} entries intact before it)\n`);
    return result.ok ? 0 : 1;
  }
  if (sub === 'list') {
    const cmd = parseCommand(rest, { strings: ['after', 'limit'] });
    const after = seqOption(cmd.option('after'), 'after');
    const limit = positiveInt(cmd.option('limit'), 'limit', 1000);
    const { entries } = await (await cmd.client()).audit.list({ ...(after !== undefined ? { after } : {}), ...(limit !== undefined ? { limit } : {}) });
    if (cmd.json) printJson(stdout, entries);
    else for (const e of entries) stdout.write(`${String(e.seq).padStart(6)}  ${e.at}  ${e.action.padEnd(20)} ${e.actor.padEnd(22)} ${e.subject}  ${JSON.stringify(e.details)}\n`);
    return 0;
  }
  throw new ApiUsageError(`unknown audit command "${sub ?? ''}" (expected: verify, list)`);
}
