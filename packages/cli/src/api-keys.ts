/**
 * `mpc-wallet api-keys create|list|revoke`: the coordinator's API keys through its API (an admin
 * key's file in `--api-key-file`). `create` prints the new token once: it is not shown again.
 */
import { ApiUsageError, type Output, apiOptions, request } from './api.js';

interface KeyView {
  prefix: string;
  name: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

const row = (k: KeyView) => `${k.prefix}  ${(k.revokedAt ? 'revoked' : k.expiresAt && Date.parse(k.expiresAt) <= Date.now() ? 'expired' : 'active').padEnd(7)}  ${k.scopes.join(',').padEnd(28)} ${(k.expiresAt ?? 'never').padEnd(24)}  ${k.name}`;

export async function apiKeys(args: string[], stdout: Output): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'create') {
    const { option, base, keyFile, json } = apiOptions(rest, ['name', 'scopes', 'expires-at']);
    const name = option('name');
    const scopes = option('scopes');
    const expiresAt = option('expires-at');
    if (!name) throw new ApiUsageError('--name is required');
    if (!scopes) throw new ApiUsageError('--scopes is required (comma-separated: keys:read, keys:create, sign, audit:read, admin)');
    const body = { name, scopes: scopes.split(','), ...(expiresAt ? { expiresAt } : {}) };
    const created = (await request(base, keyFile, 'POST', '/v1/api-keys', body)) as unknown as KeyView & { token: string };
    if (json) stdout.write(`${JSON.stringify(created)}\n`);
    else stdout.write(`${row(created)}\ntoken (shown once, store it now): ${created.token}\n`);
    return 0;
  }
  if (sub === 'list') {
    const { base, keyFile, json } = apiOptions(rest, []);
    const { apiKeys: keys } = (await request(base, keyFile, 'GET', '/v1/api-keys')) as { apiKeys: KeyView[] };
    if (json) stdout.write(`${JSON.stringify(keys)}\n`);
    else for (const k of keys) stdout.write(`${row(k)}\n`);
    return 0;
  }
  if (sub === 'revoke') {
    const { option, base, keyFile, json } = apiOptions(rest, ['prefix']);
    const prefix = option('prefix');
    if (!prefix || !/^[0-9a-f]{12}$/.test(prefix)) throw new ApiUsageError('--prefix must be the key prefix (12 hex digits)');
    const revoked = (await request(base, keyFile, 'DELETE', `/v1/api-keys/${prefix}`)) as unknown as KeyView;
    stdout.write(json ? `${JSON.stringify(revoked)}\n` : `${row(revoked)}\n`);
    return 0;
  }
  throw new ApiUsageError(`unknown api-keys command "${sub ?? ''}" (expected: create, list, revoke)`);
}
