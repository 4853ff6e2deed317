/**
 * The API's route table, walked: every route the app declares is in the OpenAPI document (which a
 * standard validator accepts) with its success answer and the Error, none but health, readiness, metrics (when configured open) and
 * the documentation answers without an API key, and every /v1 route declares the scope it needs
 * and answers a key without it with 403; every GraphQL root field needs its REST route's scope.
 */
import { describe, expect, it } from 'vitest';
import { compileErrors, validate } from '@readme/openapi-parser';
import { ERROR_CODES } from '../../src/errors.js';
import { API_KEY_SCOPES } from '../../src/stores/types.js';
import { ApiAccess } from '../../src/api/access.js';
import { graphqlSchema } from '../../src/api/graphql/schema.js';
import { API_KEY, testApp } from './harness.js';

function app(metricsPublic: boolean, failedAuthPerIp = 1_000_000) {
  return testApp({ metricsPublic, rateLimits: { failedAuthPerIp } });
}

/** The error code of a REST answer, or of a GraphQL answer's first error. */
const errorCode = (body: { error?: { code: string }; errors?: { extensions: { code: string } }[] }) => body.error?.code ?? body.errors?.[0]?.extensions.code;

/** Each GraphQL root field asked alone, with arguments that pass validation. */
const FIELD_QUERIES: Record<string, string> = {
  'Query.keys': '{ keys { keys { id } } }',
  'Query.key': '{ key(id: "k1") { id } }',
  'Query.signature': '{ signature(id: "s1") { id } }',
  'Query.signatures': '{ signatures { next } }',
  'Query.nodes': '{ nodes { id } }',
  'Query.auditEntries': '{ auditEntries { next } }',
  'Query.auditVerification': '{ auditVerification { ok } }',
  'Mutation.createKey': 'mutation { createKey(scheme: "eddsa-ed25519", threshold: 2, parties: 3) { id } }',
  'Mutation.refreshKey': 'mutation { refreshKey(id: "k1") { id } }',
  'Mutation.sign': 'mutation { sign(keyId: "k1", message: "00") { signature } }',
  'Mutation.signBatch': `mutation { signBatch(keyId: "k1", digests: ["${'00'.repeat(32)}"]) { error { code } } }`,
};

/** A concrete path for a route template. */
const concrete = (url: string) => url.replace(/:id/g, 'k1').replace('::', ':').replace('/*', '/index.html');
const isDocs = (url: string) => url === '/docs' || url.startsWith('/docs/');

describe('API route table', () => {
  it('the OpenAPI document at /docs/json is valid and lists every route the app declares', async () => {
    const { app: server, routes } = app(true);
    await server.ready();
    const body = (await server.inject('/docs/json')).json();
    type Response = { content?: Record<string, { schema?: { $ref?: string; properties?: Record<string, unknown> } }> };
    const doc = body as { paths: Record<string, Record<string, { security?: unknown[]; responses?: Record<string, Response> }>>; info: { description: string }; components: { schemas: { Error: { properties: { error: { properties: { code: { enum: string[] } } } } } } } };
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
    // Every route documents its success answer (fastify serializes by it) and its errors: the
    // Error component, or for /graphql its GraphQL form.
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const responses = op.responses ?? {};
        const success = Object.keys(responses).filter((status) => /^2[0-9][0-9]$/.test(status));
        expect(success, `${method} ${p}`).not.toEqual([]);
        for (const status of success) expect(Object.values(responses[status]!.content ?? {})[0]?.schema, `${method} ${p} ${status}`).toBeDefined();
        const errors = responses['4XX']?.content?.['application/json']?.schema;
        if (p === '/graphql') expect(errors?.properties?.errors, p).toBeDefined();
        else expect(errors, `${method} ${p}`).toEqual({ $ref: '#/components/schemas/Error' });
      }
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
          else expect([res.statusCode, errorCode(res.json())], `${r.method} ${url} with ${authorization ?? 'no key'}`).toEqual([401, 'UNAUTHORIZED']);
        }
      }
    });
  }

  it('every /v1 route declares its scope; a key reaches exactly the routes of its scopes, admin all', async () => {
    const { app: server, routes, keyWith } = app(true);
    await server.ready();
    const v1 = routes.filter((r) => r.url.startsWith('/v1/'));
    for (const r of v1) expect([...API_KEY_SCOPES, 'any'], `${r.method} ${r.url}`).toContain(r.scope);
    // Any key may only obtain a session token for itself.
    expect(v1.filter((r) => r.scope === 'any').map((r) => `${r.method} ${r.url}`)).toEqual(['POST /v1/sessions']);
    // Each scope is some route's: none is dead, and key management is admin's alone.
    expect(new Set(v1.map((r) => r.scope))).toEqual(new Set([...API_KEY_SCOPES, 'any']));
    expect(v1.filter((r) => r.url.startsWith('/v1/api-keys')).every((r) => r.scope === 'admin')).toBe(true);
    for (const scope of API_KEY_SCOPES) {
      const token = await keyWith(scope);
      for (const r of v1) {
        const res = await server.inject({ method: r.method as 'GET', url: concrete(r.url), headers: { authorization: `Bearer ${token}` }, ...(r.method === 'POST' ? { payload: {} } : {}) });
        const reached = scope === 'admin' || scope === r.scope || r.scope === 'any';
        if (reached) expect([401, 403], `${scope}: ${r.method} ${r.url}`).not.toContain(res.statusCode);
        else expect([res.statusCode, res.json().error.code], `${scope}: ${r.method} ${r.url}`).toEqual([403, 'FORBIDDEN']);
      }
    }
  });

  it('every GraphQL root field needs the scope of its REST route; a key reaches exactly the fields of its scopes, admin all', async () => {
    const { app: server, routes, services, keyWith } = app(true);
    await server.ready();
    const { fieldAccess } = graphqlSchema(services, new ApiAccess(services));
    // Every field is walked (a new one needs its query below).
    expect(Object.keys(fieldAccess).sort()).toEqual(Object.keys(FIELD_QUERIES).sort());
    for (const [field, { scope, rest }] of Object.entries(fieldAccess)) {
      const route = routes.find((r) => `${r.method} ${r.url}` === rest);
      expect(route, `${field}: ${rest}`).toBeDefined();
      expect(scope, `${field} and ${rest}`).toBe(route!.scope);
    }
    for (const scope of API_KEY_SCOPES) {
      const token = await keyWith(scope);
      for (const [field, query] of Object.entries(FIELD_QUERIES)) {
        const res = await server.inject({ method: 'POST', url: '/graphql', headers: { authorization: `Bearer ${token}` }, payload: { query } });
        const { data, errors } = res.json() as { data: Record<string, unknown>; errors?: { extensions: { code: string } }[] };
        expect(res.statusCode, `${scope}: ${field}`).toBe(200);
        if (scope === 'admin' || scope === fieldAccess[field]!.scope) {
          // Reached: the field runs (and fails for want of its service here), never refused.
          expect(errors?.map((e) => e.extensions.code) ?? [], `${scope}: ${field}`).not.toContain('FORBIDDEN');
        } else {
          expect([data, errors?.map((e) => e.extensions.code)], `${scope}: ${field}`).toEqual([{ [field.split('.')[1]!]: null }, ['FORBIDDEN']]);
        }
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
