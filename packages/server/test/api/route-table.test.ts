/**
 * The API's route table, walked: every route the app declares is in the OpenAPI document (which a
 * standard validator accepts), none but health, readiness, metrics (when configured open) and
 * the documentation answers without an API key, and every /v1 route declares the scope it needs
 * and answers a key without it with 403.
 */
import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { compileErrors, validate } from '@readme/openapi-parser';
import { type DeclaredRoute, buildApp } from '../../src/api/app.js';
import type { ApiServices } from '../../src/api/services.js';
import { Metrics } from '../../src/coordinator/metrics.js';
import { ERROR_CODES } from '../../src/errors.js';
import { ApiKeyService } from '../../src/coordinator/api-keys.js';
import { SessionTokens } from '../../src/coordinator/session-tokens.js';
import { DEFAULT_RATE_LIMITS, RateLimiter } from '../../src/coordinator/rate-limits.js';
import { MemorySessionStore } from '../../src/stores/memory/session-store.js';
import type { AuditLog } from '../../src/coordinator/audit.js';
import { API_KEY_SCOPES, type ApiKeyRecord, type ApiKeyScope, type ApiKeyStore } from '../../src/stores/types.js';

const API_KEY = 'test_route_table_0123456789abcdef';

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

/**
 * Services enough for the routes that answer without a key; the others' services are absent, so
 * a request that passes authentication fails in its handler (500), never with 401 or 403.
 */
function app(metricsPublic: boolean, failedAuthPerIp = 1_000_000) {
  const hub = { onlineNodes: () => [], status: () => [] };
  const audit = { lastSeq: () => 0, tryRecord: async () => {}, record: async () => {} } as unknown as AuditLog;
  const apiKeys = new ApiKeyService(memoryApiKeys(), [createHash('sha256').update(API_KEY).digest('hex')], audit, new SessionTokens(randomBytes(32)));
  const services = {
    hub,
    audit,
    apiKeys,
    // The walk fails authentication on purpose, far more often than an address may.
    limiter: new RateLimiter(new MemorySessionStore(), { ...DEFAULT_RATE_LIMITS, failedAuthPerIp }),
    pools: undefined,
    metrics: new Metrics({ hub, pools: undefined, audit } as unknown as ConstructorParameters<typeof Metrics>[0]),
    metricsPublic,
    readyWhenOnline: 2,
  } as unknown as ApiServices;
  const routes: { method: string; url: string; scope: ApiKeyScope | 'any' | undefined }[] = [];
  const onRoute = (r: DeclaredRoute) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') routes.push({ method, url: r.url, scope: r.config?.scope });
  };
  return { app: buildApp(services, { onRoute }), routes, apiKeys };
}

/** A concrete path for a route template. */
const concrete = (url: string) => url.replace(/:id/g, 'k1').replace('::', ':').replace('/*', '/index.html');
const isDocs = (url: string) => url === '/docs' || url.startsWith('/docs/');

describe('API route table', () => {
  it('the OpenAPI document at /docs/json is valid and lists every route the app declares', async () => {
    const { app: server, routes } = app(true);
    await server.ready();
    const body = (await server.inject('/docs/json')).json();
    const doc = body as { paths: Record<string, Record<string, { security?: unknown[] }>>; info: { description: string }; components: { schemas: { Error: { properties: { error: { properties: { code: { enum: string[] } } } } } } } };
    // The validator dereferences in place: it gets its own copy.
    const result = await validate(structuredClone(body) as Parameters<typeof validate>[0]);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);

    const api = routes.filter((r) => !isDocs(r.url));
    expect(api.length).toBeGreaterThan(15);
    for (const r of api) {
      // Fastify's `::` is a literal colon; `:name` a parameter, `{name}` in OpenAPI.
      const path = r.url
        .split('::')
        .map((part) => part.replace(/:([A-Za-z]+)/g, (_, name: string) => `{${name}}`))
        .join(':');
      expect(doc.paths[path]?.[r.method.toLowerCase()], `${r.method} ${r.url}`).toBeDefined();
    }
    // And nothing else: the document holds exactly the declared routes.
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect(documented).toHaveLength(api.length);
    // The open routes say so; every other route asks for the bearer key (the document's default).
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const op of Object.values(ops)) expect(op.security, p).toEqual(['/healthz', '/readyz', '/metrics'].includes(p) ? [] : undefined);
    }
    // Every error code is documented, with its status and meaning.
    expect(doc.components.schemas.Error.properties.error.properties.code.enum).toEqual(Object.keys(ERROR_CODES));
    for (const [code, e] of Object.entries(ERROR_CODES)) expect(doc.info.description).toContain(`| \`${code}\` | ${e.status} |`);
    expect((await server.inject('/docs')).statusCode).toBe(200);
  });

  for (const metricsPublic of [true, false]) {
    it(`nothing but health, readiness, documentation${metricsPublic ? ' and metrics' : ''} answers without an API key (metrics ${metricsPublic ? 'open' : 'behind a key'})`, async () => {
      const { app: server, routes } = app(metricsPublic);
      await server.ready();
      const open = new Set(['GET /healthz', 'GET /readyz', ...(metricsPublic ? ['GET /metrics'] : [])]);
      expect(routes.length).toBeGreaterThan(20);
      for (const r of routes) {
        const url = concrete(r.url);
        for (const authorization of [undefined, 'Bearer not-the-key-0123456789', `Basic ${API_KEY}`]) {
          const res = await server.inject({ method: r.method as 'GET', url, headers: authorization ? { authorization } : {}, ...(r.method === 'POST' ? { payload: {} } : {}) });
          if (open.has(`${r.method} ${r.url}`) || isDocs(r.url)) expect(res.statusCode, `${r.method} ${url}`).not.toBe(401);
          else expect([res.statusCode, res.json().error.code], `${r.method} ${url} with ${authorization ?? 'no key'}`).toEqual([401, 'UNAUTHORIZED']);
        }
      }
    });
  }

  it('every /v1 route declares its scope; a key reaches exactly the routes of its scopes, admin all', async () => {
    const { app: server, routes, apiKeys } = app(true);
    await server.ready();
    const v1 = routes.filter((r) => r.url.startsWith('/v1/'));
    for (const r of v1) expect([...API_KEY_SCOPES, 'any'], `${r.method} ${r.url}`).toContain(r.scope);
    // Any key may only obtain a session token for itself.
    expect(v1.filter((r) => r.scope === 'any').map((r) => `${r.method} ${r.url}`)).toEqual(['POST /v1/sessions']);
    // Each scope is some route's: none is dead, and key management is admin's alone.
    expect(new Set(v1.map((r) => r.scope))).toEqual(new Set([...API_KEY_SCOPES, 'any']));
    expect(v1.filter((r) => r.url.startsWith('/v1/api-keys')).every((r) => r.scope === 'admin')).toBe(true);
    const by = { actor: 'test', scopes: new Set(API_KEY_SCOPES), keyPrefix: '0123456789ab', session: false };
    for (const scope of API_KEY_SCOPES) {
      const { token } = await apiKeys.create({ name: scope, scopes: [scope] }, by);
      for (const r of v1) {
        const res = await server.inject({ method: r.method as 'GET', url: concrete(r.url), headers: { authorization: `Bearer ${token}` }, ...(r.method === 'POST' ? { payload: {} } : {}) });
        const reached = scope === 'admin' || scope === r.scope || r.scope === 'any';
        if (reached) expect([401, 403], `${scope}: ${r.method} ${r.url}`).not.toContain(res.statusCode);
        else expect([res.statusCode, res.json().error.code], `${scope}: ${r.method} ${r.url}`).toEqual([403, 'FORBIDDEN']);
      }
    }
  });

  it('metrics behind a key count failed authentications like /v1: guessing there stops at the limit too', async () => {
    const { app: server } = app(false, 2);
    await server.ready();
    const wrong = { authorization: 'Bearer not-the-key-0123456789' };
    for (let i = 0; i < 2; i++) expect((await server.inject({ url: '/metrics', headers: wrong })).statusCode).toBe(401);
    for (const url of ['/metrics', '/v1/keys']) {
      const res = await server.inject({ url, headers: { authorization: `Bearer ${API_KEY}` } });
      expect([res.statusCode, res.json().error.code], url).toEqual([429, 'RATE_LIMITED']);
    }
  });
});
