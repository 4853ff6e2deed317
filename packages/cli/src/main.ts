/** Entry point of the `mpc-wallet` command. Usage errors exit with code 2, failures with 1. */
import { parseArgs } from 'node:util';
import { parseHex, systemRng, seededRng, MAX_PARTIES } from '@mpc-wallet/core';
import { SCHEMES, type Scheme, simulateSign } from './simulate.js';
import { simulateEcdsa, simulateEcdsaFromTssLib } from './ecdsa.js';
import { ClusterUsageError, coordinator, node, up } from './cluster.js';
import { ChainsUsageError, address, chains } from './chains.js';
import { audit } from './audit.js';
import { apiKeys } from './api-keys.js';
import { ApiUsageError } from './api.js';

export class UsageError extends Error {}

interface Output {
  write(s: string): unknown;
}

const ALL_SCHEMES = [...Object.keys(SCHEMES), 'ecdsa-secp256k1'];

const USAGE = `usage: mpc-wallet up [--port 8080] [--home .mpc-wallet] [--paillier-bits 3072|2048] [POOLS]
       mpc-wallet coordinator --home DIR --manifest FILE [--port 8080] [--node-port 8081] [--api-keys-from DIR] [--metrics-auth] [LIMITS] [POOLS]
       mpc-wallet node --home DIR --manifest FILE --name NAME --coordinator tcp://HOST:PORT [--paillier-bits 3072|2048]
       mpc-wallet simulate sign --scheme <${ALL_SCHEMES.join('|')}>
         --threshold T --parties N --signers 1,3 --message <hex> [--refresh] [--seed <text>] [--json]
       mpc-wallet simulate sign --scheme ecdsa-secp256k1 --from-tss-lib <dir> --signers 0,1,2 --message <hex32> [--json]
       mpc-wallet chains [--json]
       mpc-wallet address --chain <id> --public-key <hex> [--format <f>] [--path m/0/1 --chain-code <hex>] [--json]
       mpc-wallet audit verify|list --api-key-file FILE [--url http://127.0.0.1:8080] [--after SEQ --limit N] [--json]
       mpc-wallet api-keys create --name NAME --scopes sign,keys:read [--expires-at 2027-01-01T00:00:00Z] | list | revoke --prefix P
         --api-key-file FILE [--url http://127.0.0.1:8080] [--json]
  POOLS: [--nonce-pool-depth 32] [--presign-pool-depth 8]  items kept ready per key (0: none)
  LIMITS: [--rate-limit-per-ip 120000] [--rate-limit-per-key 60000] [--failed-auth-per-ip 50]  per minute (0: no limit, except failed authentications)`;

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
      return command === undefined ? 2 : 0;
    }
    if (command === 'up') return await up([sub, ...rest].filter((a): a is string => a !== undefined), stderr);
    if (command === 'coordinator') return await coordinator([sub, ...rest].filter((a): a is string => a !== undefined));
    if (command === 'node') return await node([sub, ...rest].filter((a): a is string => a !== undefined));
    if (command === 'chains') return chains([sub, ...rest].filter((a): a is string => a !== undefined), stdout);
    if (command === 'address') return address([sub, ...rest].filter((a): a is string => a !== undefined), stdout);
    if (command === 'audit') return await audit([sub, ...rest].filter((a): a is string => a !== undefined), stdout);
    if (command === 'api-keys') return await apiKeys([sub, ...rest].filter((a): a is string => a !== undefined), stdout);
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
    if (e instanceof UsageError || e instanceof ClusterUsageError || e instanceof ChainsUsageError || e instanceof ApiUsageError || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) {
      stderr.write(`mpc-wallet: ${e.message}\n`);
      return 2;
    }
    stderr.write(`mpc-wallet: ${(e as Error).message}\n`);
    return 1;
  }
}
