/**
 * `mpc-wallet api-keys create|list|revoke`: the coordinator's API keys through its API (an admin
 * key's file in `--api-key-file`). `create` prints the new token once: it is not shown again.
 */
import { API_KEY_SCOPES, type ApiKey, type ApiKeyScope } from '@mpc-wallet/sdk';
import { ApiUsageError, type Output, parseCommand, printJson } from './api.js';

export const API_KEYS_USAGE = `usage: mpc-wallet api-keys create --name NAME --scopes sign,keys:read [--expires-at 2027-01-01T00:00:00Z] [API]
       mpc-wallet api-keys list [API]
       mpc-wallet api-keys revoke --prefix PREFIX [API]
  scopes: ${API_KEY_SCOPES.join(', ')}; needs an admin key. create prints the token once.`;

const row = (k: ApiKey) => `${k.prefix}  ${(k.revokedAt ? 'revoked' : k.expiresAt && Date.parse(k.expiresAt) <= Date.now() ? 'expired' : 'active').padEnd(7)}  ${k.scopes.join(',').padEnd(28)} ${(k.expiresAt ?? 'never').padEnd(24)}  ${k.name}`;

export async function apiKeys(args: string[], stdout: Output): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'create') {
    const cmd = parseCommand(rest, { strings: ['name', 'scopes', 'expires-at'] });
    const name = cmd.option('name');
    const scopes = cmd.option('scopes');
    const expiresAt = cmd.option('expires-at');
    if (!name) throw new ApiUsageError('--name is required');
    if (!scopes) throw new ApiUsageError(`--scopes is required (comma-separated: ${API_KEY_SCOPES.join(', ')})`);
    // The server checks the scopes too; its refusal names the one it refused.
    const created = await (await cmd.client()).apiKeys.create({ name, scopes: scopes.split(',') as ApiKeyScope[], ...(expiresAt ? { expiresAt } : {}) });
    if (cmd.json) printJson(stdout, created);
    else stdout.write(`${row(created)}\ntoken (shown once, store it now): ${created.token}\n`);
    return 0;
  }
  if (sub === 'list') {
    const cmd = parseCommand(rest, {});
    const keys = await (await cmd.client()).apiKeys.list();
    if (cmd.json) printJson(stdout, keys);
    else for (const k of keys) stdout.write(`${row(k)}\n`);
    return 0;
  }
  if (sub === 'revoke') {
    const cmd = parseCommand(rest, { strings: ['prefix'] });
    const prefix = cmd.option('prefix');
    if (!prefix || !/^[0-9a-f]{12}$/.test(prefix)) throw new ApiUsageError('--prefix must be the key prefix (12 hex digits)');
    const revoked = await (await cmd.client()).apiKeys.revoke(prefix);
    stdout.write(cmd.json ? `${JSON.stringify(revoked)}\n` : `${row(revoked)}\n`);
    return 0;
  }
  throw new ApiUsageError(`unknown api-keys command "${sub ?? ''}" (expected: create, list, revoke)`);
}
