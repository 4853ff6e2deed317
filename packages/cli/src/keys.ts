/**
 * `mpc-wallet keys create|list|show|refresh`: threshold keys through the API. `create` waits
 * until the key is active (ECDSA keys take a while: a spinner on a terminal) unless `--no-wait`.
 */
import { SCHEMES, type Key, type Scheme } from '@mpc-wallet/sdk';
import { ApiUsageError, type Output, parseCommand, positiveInt, printJson, printTable } from './api.js';
import { Spinner } from './spinner.js';

export const KEYS_USAGE = `usage: mpc-wallet keys create --scheme <${SCHEMES.join('|')}> --threshold T --parties N [--label L] [--no-wait] [--wait-timeout SECONDS] [API]
       mpc-wallet keys list [--limit N] [API]
       mpc-wallet keys show <key-id> [API]
       mpc-wallet keys refresh <key-id> [API]
  create   runs key generation and waits until the key is active (--wait-timeout: 600 s by default);
           --no-wait prints the key as the coordinator first answers it (pending for ECDSA)
  list     every key (page by page), or the first N
  refresh  new shares for the same public key (version + 1)`;

const HEADER = ['ID', 'SCHEME', 'T/N', 'STATUS', 'VERSION', 'LABEL', 'PUBLIC KEY'];
const row = (k: Key) => [k.id, k.scheme, `${k.threshold}/${k.parties}`, k.status, String(k.version), k.label ?? '', k.publicKey ?? ''];

function printKey(out: Output, k: Key): void {
  const lines: [string, string | undefined][] = [
    ['id', k.id],
    ['scheme', k.scheme],
    ['threshold', `${k.threshold} of ${k.parties} (committee ${k.committee.join(',')})`],
    ['status', k.status],
    ['version', String(k.version)],
    ['label', k.label ?? undefined],
    ['public key', k.publicKey ?? undefined],
    ['xpub', k.xpub],
    ['chain code', k.chainCode],
    ['failure', k.failure === undefined ? undefined : JSON.stringify(k.failure)],
    ['created', k.createdAt],
    ['updated', k.updatedAt],
  ];
  for (const [name, value] of lines) if (value !== undefined) out.write(`${`${name}:`.padEnd(12)}${value}\n`);
}

export async function keys(args: string[], stdout: Output, stderr: Output): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'create') {
    const cmd = parseCommand(rest, { strings: ['scheme', 'threshold', 'parties', 'label', 'wait-timeout'], booleans: ['no-wait'] });
    const scheme = cmd.option('scheme');
    if (!scheme || !(SCHEMES as readonly string[]).includes(scheme)) throw new ApiUsageError(`--scheme must be one of ${SCHEMES.join(', ')}`);
    const threshold = positiveInt(cmd.option('threshold'), 'threshold', 255);
    const parties = positiveInt(cmd.option('parties'), 'parties', 255);
    if (threshold === undefined || parties === undefined) throw new ApiUsageError('--threshold and --parties are required');
    if (threshold > parties) throw new ApiUsageError(`--threshold ${threshold} exceeds --parties ${parties}`);
    const waitSeconds = positiveInt(cmd.option('wait-timeout'), 'wait-timeout') ?? 600;
    if (cmd.flag('no-wait') && cmd.option('wait-timeout') !== undefined) throw new ApiUsageError('--wait-timeout goes with waiting: drop --no-wait');
    const label = cmd.option('label');
    const client = await cmd.client();
    const spinner = new Spinner(stderr).start(`key generation: ${scheme} ${threshold}-of-${parties}`);
    let key: Key;
    try {
      key = await client.keys.create({ scheme: scheme as Scheme, threshold, parties, ...(label !== undefined ? { label } : {}) });
      if (key.status === 'pending' && !cmd.flag('no-wait')) {
        key = await client.keys.waitUntilActive(key.id, { timeoutMs: waitSeconds * 1000, onProgress: (_k, ms) => spinner.update(`key ${key.id} pending, ${Math.round(ms / 1000)} s`) });
      }
    } finally {
      spinner.stop();
    }
    if (cmd.json) printJson(stdout, key);
    else printKey(stdout, key);
    // A key that failed at once (its failure printed above) is a failed command.
    return key.status === 'failed' ? 1 : 0;
  }
  if (sub === 'list') {
    const cmd = parseCommand(rest, { strings: ['limit'] });
    const limit = positiveInt(cmd.option('limit'), 'limit');
    const listed: Key[] = [];
    for await (const k of (await cmd.client()).keys.all({ limit: Math.min(limit ?? 500, 500) })) {
      listed.push(k);
      if (listed.length === limit) break;
    }
    if (cmd.json) printJson(stdout, listed);
    else printTable(stdout, HEADER, listed.map(row));
    return 0;
  }
  if (sub === 'show' || sub === 'refresh') {
    const cmd = parseCommand(rest, { positionals: ['key-id'] });
    const client = await cmd.client();
    const id = cmd.arg('key-id')!;
    const spinner = new Spinner(stderr);
    if (sub === 'refresh') spinner.start(`refreshing key ${id}`);
    let key: Key;
    try {
      key = sub === 'show' ? await client.keys.get(id) : await client.keys.refresh(id);
    } finally {
      spinner.stop();
    }
    if (cmd.json) printJson(stdout, key);
    else printKey(stdout, key);
    return 0;
  }
  throw new ApiUsageError(`unknown keys command "${sub ?? ''}" (expected: create, list, show, refresh)`);
}
