/** Entry point of the `mpc-wallet` command. Exit codes: EXIT in api.ts (0 ok, 1 failure, 2 usage, 3 not found, 4 unauthorized, 5 unreachable). */
import { parseArgs } from 'node:util';
import { parseHex, systemRng, seededRng, MAX_PARTIES } from '@mpc-wallet/core';
import { SCHEMES, type Scheme, simulateSign } from './simulate.js';
import { simulateEcdsa, simulateEcdsaFromTssLib } from './ecdsa.js';
import { ClusterUsageError, coordinator, node, up } from './cluster.js';
import { ChainsUsageError, address, chains } from './chains.js';
import { MpcWalletError } from '@mpc-wallet/sdk';
import { AUDIT_USAGE, audit } from './audit.js';
import { API_KEYS_USAGE, apiKeys } from './api-keys.js';
import { ApiUsageError, EXIT, apiFailure } from './api.js';
import { KEYS_USAGE, keys } from './keys.js';
import { SIGN_USAGE, sign } from './sign.js';
import { NODES_USAGE, STATUS_USAGE, nodes, status } from './status.js';
import { EVENTS_USAGE, events } from './events.js';
import { WEBHOOKS_USAGE, webhooks } from './webhooks.js';

export class UsageError extends Error {}

interface Output {
  write(s: string): unknown;
  isTTY?: boolean;
}

const ALL_SCHEMES = [...Object.keys(SCHEMES), 'ecdsa-secp256k1'];

const CLUSTER_USAGE = `usage: mpc-wallet up [--port 8080] [--home .mpc-wallet] [--coordinators 1] [--paillier-bits 3072|2048] [POOLS]
       mpc-wallet coordinator --home DIR --manifest FILE [--port 8080] [--node-host 127.0.0.1] [--node-port 8081] [--api-keys-from DIR] [--metrics-auth] [LIMITS] [POOLS]
       mpc-wallet node --home DIR --manifest FILE --name NAME --coordinator tcp://HOST:PORT[,tcp://HOST:PORT...] [--paillier-bits 3072|2048]
  stores: DATABASE_URL (PostgreSQL), REDIS_URL, NATS_URL from the environment; several coordinator
  instances (up --coordinators N: HTTP on --port + i) need all three
  POOLS: [--nonce-pool-depth 32] [--presign-pool-depth 8]  items kept ready per key (0: none)
  LIMITS: [--rate-limit-per-ip 120000] [--rate-limit-per-key 60000] [--failed-auth-per-ip 50]  per minute (0: no limit, except failed authentications)`;

const SIMULATE_USAGE = `usage: mpc-wallet simulate sign --scheme <${ALL_SCHEMES.join('|')}>
         --threshold T --parties N --signers 1,3 --message <hex> [--refresh] [--seed <text>] [--json]
       mpc-wallet simulate sign --scheme ecdsa-secp256k1 --from-tss-lib <dir> --signers 0,1,2 --message <hex32> [--json]
  runs the protocols in this process, without a cluster`;

const CHAINS_USAGE = `usage: mpc-wallet chains [--json]
       mpc-wallet address --chain <id> --public-key <hex> [--format <f>] [--path m/0/1 --chain-code <hex>] [--json]
  offline: the supported chains, and an address computed from a public key`;

/** What every command that calls the API takes, and what its exit codes mean. */
const API_USAGE = `API: [--url http://127.0.0.1:8080 | env MPC_WALLET_URL] --api-key-file FILE | env MPC_WALLET_API_KEY  [--json]
  tables for people by default; --json prints JSON (one object per line for events) for scripts
exit codes: 0 ok, 1 failure, 2 usage error, 3 not found (HTTP 404), 4 API key refused or lacking
  the scope (401, 403), 5 coordinator unreachable (connection refused, timeout)`;

/** Each command's help (`mpc-wallet <command> --help`). */
const COMMAND_USAGE: Record<string, string> = {
  up: CLUSTER_USAGE,
  coordinator: CLUSTER_USAGE,
  node: CLUSTER_USAGE,
  simulate: SIMULATE_USAGE,
  chains: CHAINS_USAGE,
  address: CHAINS_USAGE,
  keys: `${KEYS_USAGE}\n${API_USAGE}`,
  sign: `${SIGN_USAGE}\n${API_USAGE}`,
  nodes: `${NODES_USAGE}\n${API_USAGE}`,
  status: `${STATUS_USAGE}\n${API_USAGE}`,
  events: `${EVENTS_USAGE}\n${API_USAGE}`,
  webhooks: `${WEBHOOKS_USAGE}\n${API_USAGE}`,
  'api-keys': `${API_KEYS_USAGE}\n${API_USAGE}`,
  audit: `${AUDIT_USAGE}\n${API_USAGE}`,
};

const USAGE = `usage: mpc-wallet <command> [...]  (mpc-wallet <command> --help for its flags)
  run a cluster:   up, coordinator, node
  keys and signing (through a coordinator's API):
                   keys create|list|show|refresh, sign, nodes, status, events,
                   webhooks create|list|delete|deliveries|replay, api-keys create|list|revoke, audit list|verify
  offline:         simulate sign, chains, address

${CLUSTER_USAGE}
${SIMULATE_USAGE}
${CHAINS_USAGE}
${KEYS_USAGE}
${SIGN_USAGE}
${NODES_USAGE}
${STATUS_USAGE}
${EVENTS_USAGE}
${WEBHOOKS_USAGE}
${API_KEYS_USAGE}
${AUDIT_USAGE}
${API_USAGE}`;

function positiveInt(value: string | undefined, name: string): number {
  if (value === undefined) throw new UsageError(`--${name} is required`);
  if (!/^[0-9]+$/.test(value)) throw new UsageError(`--${name} must be a positive integer`);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer`);
  return n;
}

export function parseSimulateSign(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    options: {
      scheme: { type: 'string' },
      threshold: { type: 'string' },
      parties: { type: 'string' },
      signers: { type: 'string' },
      message: { type: 'string' },
      refresh: { type: 'boolean', default: false },
      seed: { type: 'string' },
      json: { type: 'boolean', default: false },
      'from-tss-lib': { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length) throw new UsageError(`unexpected argument: ${positionals[0]}`);
  if (!values.scheme) throw new UsageError('--scheme is required');
  if (!ALL_SCHEMES.includes(values.scheme)) throw new UsageError(`unknown scheme "${values.scheme}" (expected ${ALL_SCHEMES.join(', ')})`);
  const fromTssLib = values['from-tss-lib'];
  if (fromTssLib !== undefined && values.scheme !== 'ecdsa-secp256k1') throw new UsageError('--from-tss-lib applies to --scheme ecdsa-secp256k1 only');
  if (fromTssLib !== undefined && values.refresh) throw new UsageError('--from-tss-lib always reshares; --refresh does not apply');
  const threshold = fromTssLib === undefined ? positiveInt(values.threshold, 'threshold') : 0;
  const parties = fromTssLib === undefined ? positiveInt(values.parties, 'parties') : 0;
  if (parties > MAX_PARTIES) throw new UsageError(`--parties must be at most ${MAX_PARTIES}`);
  if (threshold > parties) throw new UsageError(`--threshold ${threshold} exceeds --parties ${parties}`);
  if (values.signers === undefined) throw new UsageError('--signers is required');
  const signers = values.signers.split(',').map((s) => {
    if (!/^[0-9]+$/.test(s.trim())) throw new UsageError(`--signers: "${s}" is not a party number`);
    const id = Number(s.trim());
    if (fromTssLib !== undefined) {
      if (id > 0xffff) throw new UsageError(`--signers: file index ${id} is too large`);
    } else if (id < 1 || id > parties) {
      throw new UsageError(`--signers: party ${id} is not in 1..${parties}`);
    }
    return id;
  });
  if (new Set(signers).size !== signers.length) throw new UsageError('--signers lists a party twice');
  if (fromTssLib === undefined && signers.length < threshold) throw new UsageError(`--signers names ${signers.length} parties; the threshold is ${threshold}`);
  if (values.message === undefined) throw new UsageError('--message is required');
  let message: Uint8Array;
  try {
    message = parseHex(values.message, '--message');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.scheme === 'ecdsa-secp256k1' && message.length !== 32) throw new UsageError('--message must be a 32-byte digest (64 hex digits) for ecdsa-secp256k1');
  return {
    scheme: values.scheme as Scheme | 'ecdsa-secp256k1',
    fromTssLib,
    threshold,
    parties,
    signers,
    message,
    refresh: values.refresh ?? false,
    rng: values.seed === undefined ? systemRng : seededRng(values.seed),
    json: values.json ?? false,
  };
}

export async function run(argv: string[], stdout: Output, stderr: Output): Promise<number> {
  try {
    const [command, sub, ...rest] = argv;
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      stdout.write(`${USAGE}\n`);
      return command === undefined ? EXIT.USAGE : EXIT.OK;
    }
    // `--help` anywhere after a command prints that command's help (and does nothing else).
    if (argv.includes('--help') || argv.includes('-h')) {
      const usage = COMMAND_USAGE[command];
      if (usage === undefined) throw new UsageError(`unknown command "${command}"`);
      stdout.write(`${usage}\n`);
      return EXIT.OK;
    }
    if (command === 'up') return await up([sub, ...rest].filter((a): a is string => a !== undefined), stderr);
    if (command === 'coordinator') return await coordinator([sub, ...rest].filter((a): a is string => a !== undefined));
    if (command === 'node') return await node([sub, ...rest].filter((a): a is string => a !== undefined));
    if (command === 'chains') return chains([sub, ...rest].filter((a): a is string => a !== undefined), stdout);
    if (command === 'address') return address([sub, ...rest].filter((a): a is string => a !== undefined), stdout);
    const args = [sub, ...rest].filter((a): a is string => a !== undefined);
    if (command === 'audit') return await audit(args, stdout);
    if (command === 'api-keys') return await apiKeys(args, stdout);
    if (command === 'keys') return await keys(args, stdout, stderr);
    if (command === 'sign') return await sign(args, stdout);
    if (command === 'nodes') return await nodes(args, stdout);
    if (command === 'status') return await status(args, stdout);
    if (command === 'events') return await events(args, stdout, stderr);
    if (command === 'webhooks') return await webhooks(args, stdout);
    if (command !== 'simulate') throw new UsageError(`unknown command "${command}"`);
    if (sub !== 'sign') throw new UsageError(`unknown simulate protocol "${sub ?? ''}" (expected: sign)`);
    const { json, fromTssLib, scheme, ...opts } = parseSimulateSign(rest);
    const result =
      scheme === 'ecdsa-secp256k1'
        ? fromTssLib !== undefined
          ? await simulateEcdsaFromTssLib({ dir: fromTssLib, fileIndices: opts.signers, message: opts.message, rng: opts.rng })
          : await simulateEcdsa(opts)
        : simulateSign({ ...opts, scheme });
    if (json) stdout.write(`${JSON.stringify(result)}\n`);
    else {
      stdout.write(
        `${result.scheme} ${result.threshold}-of-${result.parties}, signers ${result.signers.join(',')}\n` +
          `public key: ${result.publicKey}\nmessage:    ${result.message}\nsignature:  ${result.signature}\n`,
      );
    }
    return 0;
  } catch (e) {
    if (e instanceof MpcWalletError) {
      const { message, code } = apiFailure(e);
      stderr.write(`mpc-wallet: ${message}\n`);
      return code;
    }
    if (e instanceof UsageError || e instanceof ClusterUsageError || e instanceof ChainsUsageError || e instanceof ApiUsageError || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) {
      stderr.write(`mpc-wallet: ${e.message}\n`);
      return EXIT.USAGE;
    }
    stderr.write(`mpc-wallet: ${(e as Error).message}\n`);
    return EXIT.FAILURE;
  }
}
