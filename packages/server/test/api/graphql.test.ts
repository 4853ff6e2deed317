/**
 * The GraphQL route in this process, on stand-in services: authentication as /v1, the answer's
 * shape and status for each kind of refusal, queries by GET (mutations refused), the document limits (depth, expanded fields, root
 * fields), root fields counted against the key's rate limit, arguments checked by
 * the REST schemas, and unexpected errors answered without their message. The cluster test
 * (test/cluster/graphql.test.ts) signs through it for real.
 */
import { describe, expect, it } from 'vitest';
import { getIntrospectionQuery } from 'graphql';
import { ApiError } from '../../src/errors.js';
import type { ApiServices } from '../../src/api/services.js';
import type { KeyRecord } from '../../src/stores/types.js';
import { API_KEY, testApp } from './harness.js';

const KEY: KeyRecord = {
  id: 'k1',
  scheme: 'eddsa-ed25519',
  threshold: 2,
  parties: [1, 2, 3],
  publicKey: 'ab'.repeat(32),
  status: 'active',
  label: 'treasury',
  version: 1,
  failure: null,
  certificate: null,
  createdAt: new Date('2026-01-01T00:00:00Z'),
  updatedAt: new Date('2026-01-02T00:00:00Z'),
};

/** Stand-ins for the services the tests reach; `calls` records what the keys service was asked. */
function stubServices() {
  const calls: unknown[] = [];
  const services = {
    keys: {
      list: async (opts: unknown) => (calls.push(opts), [KEY]),
      get: async (id: string) => {
        if (id === KEY.id) return KEY;
        throw new ApiError('KEY_NOT_FOUND', `no key ${id}`);
      },
      create: async () => {
        throw new Error('the database password is hunter2');
      },
    },
  } as unknown as Partial<ApiServices>;
  return { services, calls };
}

function graphqlApp(rateLimits = {}) {
  const { services, calls } = stubServices();
  const made = testApp({ services, rateLimits });
  const post = (payload: unknown, token = API_KEY) => made.app.inject({ method: 'POST', url: '/graphql', headers: { authorization: `Bearer ${token}` }, payload: payload as object });
  return { ...made, post, calls };
}

/** A query `levels` fields deep through introspection's type references. */
const deep = (levels: number) => `{ __type(name: "Key") { ${'ofType { '.repeat(levels - 2)}name${' }'.repeat(levels - 2)} } }`;

describe('GraphQL route', () => {
  it('answers a query with the REST view of each record; a field error leaves the others their data', async () => {
    const { post, calls } = graphqlApp();
    const res = await post({ query: '{ keys(limit: 1) { keys { id scheme threshold parties committee label createdAt } next } key(id: "nope") { id } nodes { id } }' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.data).toEqual({
      keys: { keys: [{ id: 'k1', scheme: 'eddsa-ed25519', threshold: 2, parties: 3, committee: [1, 2, 3], label: 'treasury', createdAt: '2026-01-01T00:00:00.000Z' }], next: 'k1' },
      key: null,
      nodes: [],
    });
    expect(body.errors).toEqual([{ message: 'no key nope', locations: [{ line: 1, column: 90 }], path: ['key'], extensions: { code: 'KEY_NOT_FOUND', retriable: false } }]);
    expect(calls).toEqual([{ limit: 1 }]);
  });

  it('refuses without a valid key with 401 in GraphQL form, before reading the document', async () => {
    const { app } = graphqlApp();
    for (const authorization of [undefined, 'Bearer not-the-key-0123456789']) {
      const res = await app.inject({ method: 'POST', url: '/graphql', headers: authorization ? { authorization } : {}, payload: 'not even json', });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ errors: [{ message: 'send Authorization: Bearer <api key>', extensions: { code: 'UNAUTHORIZED', retriable: false } }] });
    }
  });

  it('answers 400 in GraphQL form for a body, document or variables that do not fit', async () => {
    const { post } = graphqlApp();
    const cases: [unknown, string, RegExp][] = [
      [{ query: '{ keys { keys { id } }' }, 'QUERY_INVALID', /Syntax Error: Expected Name, found <EOF>/],
      [{ query: '{ keys { secret } }' }, 'QUERY_INVALID', /Cannot query field "secret" on type "KeyPage"/],
      [{ query: 'query A { nodes { id } } query B { nodes { id } }' }, 'QUERY_INVALID', /name one in operationName/],
      [{ query: 'query A { nodes { id } }', operationName: 'C' }, 'QUERY_INVALID', /no operation named C/],
      [{ query: 'subscription { keys { next } }' }, 'QUERY_INVALID', /the schema has no subscription operations/],
      [{ query: 'query ($n: Int) { keys(limit: $n) { next } }', variables: { n: 'ten' } }, 'VALIDATION_FAILED', /Variable "\$n" got invalid value "ten"/],
      [{ query: 'query ($a: UInt53) { auditEntries(after: $a) { next } }', variables: { a: -1 } }, 'VALIDATION_FAILED', /UInt53 cannot represent -1/],
      [{ query: '{ nodes { id } }', extra: 1 }, 'VALIDATION_FAILED', /must NOT have additional properties/],
      [{}, 'VALIDATION_FAILED', /must have required property 'query'/],
    ];
    for (const [payload, code, message] of cases) {
      const res = await post(payload);
      const { errors } = res.json() as { errors: { message: string; extensions: { code: string; retriable: boolean } }[] };
      expect([res.statusCode, errors[0]!.extensions], JSON.stringify(payload)).toEqual([400, { code, retriable: false }]);
      expect(errors[0]!.message).toMatch(message);
    }
  });

  it('runs the standard introspection query and refuses documents past the limits', async () => {
    const { post } = graphqlApp();
    const introspection = await post({ query: getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true }) });
    expect(introspection.statusCode).toBe(200);
    expect(introspection.json().data.__schema.mutationType).toMatchObject({ name: 'Mutation' });
    expect((await post({ query: deep(15) })).statusCode).toBe(200);

    // A fragment spreading the previous one twice, 20 times over: a small document of 2^20 fields.
    const bomb = ['query { __schema { ...F20 } }', 'fragment F0 on __Schema { description }', ...Array.from({ length: 20 }, (_, i) => `fragment F${i + 1} on __Schema { ...F${i} ...F${i} }`)].join('\n');
    const aliases = `{ ${Array.from({ length: 21 }, (_, i) => `n${i}: nodes { id }`).join(' ')} }`;
    const cases: [string, RegExp][] = [
      [deep(16), /16 fields deep; at most 15/],
      [bomb, /selects 1048577 fields \(fragments expanded\); at most 1000/],
      [aliases, /asks 21 root fields; at most 20/],
    ];
    for (const [query, message] of cases) {
      const res = await post({ query });
      expect([res.statusCode, res.json().errors[0].extensions.code], query.slice(0, 60)).toEqual([400, 'QUERY_TOO_COMPLEX']);
      expect(res.json().errors[0].message).toMatch(message);
    }
    // Introspection nesting fields in fields is graphql-js's own refusal.
    const nested = await post({ query: '{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }' });
    expect([nested.statusCode, nested.json().errors[0].extensions.code, nested.json().errors[0].message]).toEqual([400, 'QUERY_INVALID', 'Maximum introspection depth exceeded']);
    // Parsing stops at its token bound.
    const long = await post({ query: `{ ${'nodes { id } '.repeat(3000)} }` });
    expect([long.statusCode, long.json().errors[0].extensions.code]).toEqual([400, 'QUERY_INVALID']);
    expect(long.json().errors[0].message).toMatch(/Document contains more that 10000 tokens/);
  });

  it('runs a query sent with GET; a mutation sent with GET is refused before it runs (405)', async () => {
    const { app } = graphqlApp();
    const get = (params: Record<string, string>) => app.inject({ method: 'GET', url: '/graphql', query: params, headers: { authorization: `Bearer ${API_KEY}` } });
    const query = await get({ query: 'query ($id: ID!) { key(id: $id) { id label } }', variables: JSON.stringify({ id: 'k1' }) });
    expect([query.statusCode, query.json()]).toEqual([200, { data: { key: { id: 'k1', label: 'treasury' } } }]);
    const mutation = await get({ query: 'mutation { createKey(scheme: "eddsa-ed25519", threshold: 2, parties: 3) { id } }' });
    expect([mutation.statusCode, mutation.headers.allow, mutation.json().errors[0].extensions]).toEqual([405, 'POST', { code: 'METHOD_NOT_ALLOWED', retriable: false }]);
    for (const variables of ['{', '[1]', 'null']) {
      const bad = await get({ query: '{ nodes { id } }', variables });
      expect([bad.statusCode, bad.json().errors[0].extensions.code], variables).toEqual([400, 'VALIDATION_FAILED']);
    }
    expect((await app.inject({ method: 'GET', url: '/graphql', query: { query: '{ nodes { id } }' } })).statusCode).toBe(401);
  });

  it('counts each root field against the key\'s rate limit', async () => {
    const { post } = graphqlApp({ perKey: 5 });
    expect((await post({ query: '{ a: nodes { id } b: nodes { id } c: nodes { id } }' })).statusCode).toBe(200);
    const over = await post({ query: '{ a: nodes { id } b: nodes { id } c: nodes { id } }' });
    expect(over.statusCode).toBe(429);
    expect(over.headers['retry-after']).toMatch(/^[0-9]+$/);
    expect(over.json().errors[0].extensions).toEqual({ code: 'RATE_LIMITED', retriable: true, retryAfter: Number(over.headers['retry-after']) });
  });

  it('checks arguments as the REST routes do, refuses a field without its scope (audited with the field), and never answers an unexpected error\'s message', async () => {
    const { post, keyWith, audited } = graphqlApp();
    const args = await post({ query: `mutation { createKey(scheme: "rsa", threshold: 2, parties: 3) { id } sign(keyId: "not an id!", message: "00") { id } signBatch(keyId: "k1", messages: ["zz"]) { error { code } } }` });
    expect(res200(args).errors.map((e) => [e.path[0], e.extensions.code, e.message])).toEqual([
      ['createKey', 'VALIDATION_FAILED', 'argument scheme must be equal to one of the allowed values'],
      ['sign', 'VALIDATION_FAILED', 'argument keyId must match pattern "^[A-Za-z0-9_-]{1,64}$"'],
      ['signBatch', 'VALIDATION_FAILED', 'argument messages must match pattern "^([0-9a-fA-F]{2})*$"'],
    ]);
    const limits = await post({ query: '{ keys(limit: 501) { next } signatures(limit: 0) { next } }' });
    expect(res200(limits).errors.map((e) => e.message)).toEqual(['limit must be 1 to 500', 'limit must be 1 to 1000']);
    const threshold = await post({ query: 'mutation { createKey(scheme: "eddsa-ed25519", threshold: 3, parties: 2) { id } }' });
    expect(res200(threshold).errors[0]!.message).toBe('threshold must not exceed parties');

    const reader = await keyWith('keys:read');
    const mixed = await post({ query: '{ key(id: "k1") { id } auditEntries { entries { seq } } }' }, reader);
    expect(mixed.json().data).toEqual({ key: { id: 'k1' }, auditEntries: null });
    expect(res200(mixed).errors.map((e) => [e.path[0], e.extensions.code, e.message])).toEqual([['auditEntries', 'FORBIDDEN', 'this API key lacks the scope audit:read']]);
    expect(audited.filter((e) => e.action === 'auth.forbidden')).toEqual([
      { action: 'auth.forbidden', actor: expect.stringMatching(/^api-key:/), subject: 'api', details: { scope: 'audit:read', method: 'POST', route: '/graphql', field: 'Query.auditEntries', skippedBefore: 0 } },
    ]);

    const internal = await post({ query: 'mutation { createKey(scheme: "eddsa-ed25519", threshold: 2, parties: 3) { id } }' });
    expect(res200(internal).errors).toEqual([{ message: 'internal error', locations: [{ line: 1, column: 12 }], path: ['createKey'], extensions: { code: 'INTERNAL', retriable: false } }]);
    expect(internal.body).not.toContain('hunter2');
  });
});

type FieldErrors = { errors: { message: string; path: string[]; extensions: { code: string } }[] };

/** An answer of a request that ran: 200, with its field errors. */
function res200(res: { statusCode: number; json(): unknown }): FieldErrors {
  expect(res.statusCode).toBe(200);
  return res.json() as FieldErrors;
}
