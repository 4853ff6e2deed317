/** The API app in this process, on services enough for authentication: for the route-table and GraphQL tests. */
import { createHash, randomBytes } from 'node:crypto';
import { type DeclaredRoute, buildApp } from '../../src/api/app.js';
import type { ApiServices } from '../../src/api/services.js';
import { Metrics } from '../../src/coordinator/metrics.js';
import { ApiKeyService } from '../../src/coordinator/api-keys.js';
import { SessionTokens } from '../../src/coordinator/session-tokens.js';
import { DEFAULT_RATE_LIMITS, type RateLimitOptions, RateLimiter } from '../../src/coordinator/rate-limits.js';
import { MemorySessionStore } from '../../src/stores/memory/session-store.js';
import type { AuditEvent, ApiKeyRecord, ApiKeyScope, ApiKeyStore } from '../../src/stores/types.js';
import type { AuditLog } from '../../src/coordinator/audit.js';

/** The start-up key: every scope. */
export const API_KEY = 'test_route_table_0123456789abcdef';

/** API keys in memory, for the key service (the SQL store has its own tests). */
function memoryApiKeys(): ApiKeyStore {
  const keys = new Map<string, ApiKeyRecord>();
  return {
    create: async (r) => void keys.set(r.prefix, r),
    get: async (prefix) => keys.get(prefix),
    list: async () => [...keys.values()],
    revoke: async () => false,
  };
}

export interface TestAppOptions {
  metricsPublic?: boolean;
  rateLimits?: Partial<RateLimitOptions>;
  /** Services the routes call (absent ones fail in their handler: 500, never 401 or 403). */
  services?: Partial<ApiServices>;
}

/**
 * The app with services enough for the routes that answer without a key; `audited` collects what
 * the API wrote to the audit log.
 */
export function testApp(opts: TestAppOptions = {}) {
  const hub = { onlineNodes: () => [], status: () => [] };
  const audited: Omit<AuditEvent, 'at'>[] = [];
  const audit = { lastSeq: () => 0, tryRecord: async (e: Omit<AuditEvent, 'at'>) => void audited.push(e), record: async (e: Omit<AuditEvent, 'at'>) => void audited.push(e) } as unknown as AuditLog;
  const apiKeys = new ApiKeyService(memoryApiKeys(), [createHash('sha256').update(API_KEY).digest('hex')], audit, new SessionTokens(randomBytes(32)));
  const services = {
    hub,
    audit,
    apiKeys,
    // The route-table walk fails authentication on purpose, far more often than an address may.
    limiter: new RateLimiter(new MemorySessionStore(), { ...DEFAULT_RATE_LIMITS, failedAuthPerIp: 1_000_000, ...opts.rateLimits }),
    pools: undefined,
    metrics: new Metrics({ hub, pools: undefined, audit } as unknown as ConstructorParameters<typeof Metrics>[0]),
    metricsPublic: opts.metricsPublic ?? true,
    readyWhenOnline: 2,
    dependencies: {},
    ...opts.services,
  } as unknown as ApiServices;
  const routes: { method: string; url: string; scope: ApiKeyScope | 'any' | undefined }[] = [];
  const onRoute = (r: DeclaredRoute) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') routes.push({ method, url: r.url, scope: r.config?.scope });
  };
  /** A token of an API key with exactly `scopes`. */
  const keyWith = async (...scopes: ApiKeyScope[]) => (await apiKeys.create({ name: scopes.join(' '), scopes }, { actor: 'test', scopes: new Set(['admin']), keyPrefix: '0123456789ab', session: false })).token;
  return { app: buildApp(services, { onRoute }), routes, apiKeys, services, audited, keyWith };
}
