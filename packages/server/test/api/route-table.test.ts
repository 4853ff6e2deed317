/**
 * The API's route table, walked: every route the app declares is in the OpenAPI document (which a
 * standard validator accepts), and none but health, readiness, metrics (when configured open) and
 * the documentation answers without an API key.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { compileErrors, validate } from '@readme/openapi-parser';
import { type DeclaredRoute, buildApp } from '../../src/api/app.js';
import type { ApiServices } from '../../src/api/services.js';
import { Metrics } from '../../src/coordinator/metrics.js';
import { ERROR_CODES } from '../../src/errors.js';

const API_KEY = 'test_route_table_0123456789abcdef';

/** Services enough for the routes that answer without a key; no request with a key reaches the others here. */
function app(metricsPublic: boolean) {
  const hub = { onlineNodes: () => [], status: () => [] };
  const audit = { lastSeq: () => 0, tryRecord: async () => {} };
  const services = {
    hub,
    audit,
    pools: undefined,
    metrics: new Metrics({ hub, pools: undefined, audit } as unknown as ConstructorParameters<typeof Metrics>[0]),
    metricsPublic,
    apiKeyHashes: [createHash('sha256').update(API_KEY).digest('hex')],
    readyWhenOnline: 2,
  } as unknown as ApiServices;
  const routes: { method: string; url: string }[] = [];
  const onRoute = (r: DeclaredRoute) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') routes.push({ method, url: r.url });
  };
  return { app: buildApp(services, { onRoute }), routes };
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
        .map((part) => part.replace(/:([a-z]+)/g, (_, name: string) => `{${name}}`))
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
});
