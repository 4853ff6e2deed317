/**
 * POST /graphql (GET for queries, the document in the URL): graphql-js behind a thin route. The caller authenticates as for /v1 (the same step,
 * before the body is read); the document is parsed with a token bound, validated, measured
 * against QUERY_LIMITS, and counted against the key's rate limit as one request per root field;
 * each root field then checks its own scope (schema.ts).
 *
 * Answers follow GraphQL over HTTP: `{ data, errors? }` with 200 once execution started (a field's
 * error leaves the others' data); `{ errors }` with the error's status when the request is refused
 * before (401, 429, 400 for a document that does not parse, validate, fit the limits or whose
 * variables do not fit, 405 for a mutation sent with GET). Every error carries `extensions: { code, retriable, ... }` from errors.ts.
 */
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { type DocumentNode, type GraphQLError, execute, getOperationAST, parse, specifiedRules, validate } from 'graphql';
import { ApiError, ERROR_CODES, type ErrorCode } from '../../errors.js';
import type { ApiAccess } from '../access.js';
import { requestError } from '../http-errors.js';
import type { ApiServices } from '../services.js';
import { type GraphqlContext, graphqlSchema } from './schema.js';
import { QUERY_LIMITS, exceeded, measure } from './limits.js';

/** Lexer tokens one document may hold: parsing stops there (a huge document costs no more to refuse). */
const MAX_TOKENS = 10_000;

const graphqlBody = {
  type: 'object',
  additionalProperties: false,
  required: ['query'],
  properties: {
    query: { type: 'string', minLength: 1, maxLength: 100_000 },
    operationName: { type: 'string', maxLength: 200, nullable: true },
    variables: { type: 'object', nullable: true },
    // GraphQL over HTTP lets clients send extensions; none is used here.
    extensions: { type: 'object', nullable: true },
  },
} as const;

/** A query sent with GET: the fields of the POST body, `variables` as JSON text. */
const graphqlQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['query'],
  properties: {
    query: graphqlBody.properties.query,
    operationName: { type: 'string', maxLength: 200 },
    variables: { type: 'string', maxLength: 100_000 },
  },
} as const;

/** A GraphQL error as answered (GraphQL over HTTP): the extensions are the API's error vocabulary. */
export const graphqlError = {
  type: 'object',
  required: ['message', 'extensions'],
  properties: {
    message: { type: 'string' },
    locations: { type: 'array', items: { type: 'object', properties: { line: { type: 'integer' }, column: { type: 'integer' } } } },
    path: { type: 'array', items: {} },
    extensions: {
      type: 'object',
      required: ['code', 'retriable'],
      properties: {
        code: { type: 'string' },
        retriable: { type: 'boolean' },
        culprits: { type: 'array', items: { type: 'integer' } },
        waitingFor: { type: 'array', items: { type: 'integer' } },
        gone: { type: 'array', items: { type: 'integer' } },
        reason: { type: 'string' },
        retryAfter: { type: 'integer' },
      },
    },
  },
} as const;

interface GraphqlRequest {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

export const graphqlRoutes: FastifyPluginAsync<{ services: ApiServices; access: ApiAccess }> = async (app, { services, access }) => {
  const { schema, rootValue } = graphqlSchema(services, access);

  // A refusal before execution, in GraphQL's shape with the error's own status.
  app.setErrorHandler((err: FastifyError | ApiError, request, reply) => {
    let error = requestError(err);
    if (!error) {
      request.log.error(err);
      error = new ApiError('INTERNAL', 'internal error');
    }
    if (error.details?.retryAfter !== undefined) void reply.header('retry-after', String(error.details.retryAfter));
    return reply.status(error.status).send({ errors: [{ message: error.message, extensions: error.extensions() }] });
  });

  // Before the body is read, as for /v1.
  app.addHook('onRequest', async (request) => {
    request.principal = await access.authenticate(request);
  });

  /** Parses, checks, counts and runs one request; `GET` runs queries only. */
  const answer = async (request: FastifyRequest, reply: FastifyReply, { query, operationName, variables }: GraphqlRequest) => {
    const principal = request.principal!;
    const refused = (code: ErrorCode, errors: readonly Pick<GraphQLError, 'message' | 'locations'>[]) =>
      reply.status(ERROR_CODES[code].status).send({ errors: errors.map((e) => ({ message: e.message, ...(e.locations ? { locations: e.locations } : {}), extensions: { code, retriable: ERROR_CODES[code].retriable } })) });
    // A refused document counts as one request against the key's limit.
    const refuse = async (code: ErrorCode, errors: readonly Pick<GraphQLError, 'message' | 'locations'>[]) => {
      await access.admit(principal, request);
      return refused(code, errors);
    };

    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: MAX_TOKENS });
    } catch (e) {
      return refuse('QUERY_INVALID', [e as GraphQLError]);
    }
    const invalid = validate(schema, document, specifiedRules, { maxErrors: 20 });
    if (invalid.length) return refuse('QUERY_INVALID', invalid);
    const operation = getOperationAST(document, operationName ?? undefined);
    if (!operation) return refuse('QUERY_INVALID', [{ message: operationName ? `no operation named ${operationName}` : 'the document holds several operations: name one in operationName', locations: undefined }]);
    if (!schema.getRootType(operation.operation)) return refuse('QUERY_INVALID', [{ message: `the schema has no ${operation.operation} operations`, locations: undefined }]);
    // GET must not change anything (GraphQL over HTTP): a link or a prefetch never signs.
    if (request.method === 'GET' && operation.operation !== 'query') {
      void reply.header('allow', 'POST');
      return refuse('METHOD_NOT_ALLOWED', [{ message: `send a ${operation.operation} with POST`, locations: undefined }]);
    }
    const size = measure(schema, document, operation);
    const tooMuch = exceeded(size, QUERY_LIMITS);
    if (tooMuch) return refuse('QUERY_TOO_COMPLEX', [{ message: tooMuch, locations: undefined }]);

    await access.admit(principal, request, size.operations);
    const context: GraphqlContext = { request, principal };
    const result = await execute({ schema, document, rootValue, contextValue: context, variableValues: variables ?? undefined, operationName: operationName ?? undefined });
    // No data: the variables did not fit the operation, and nothing ran.
    if (!('data' in result)) return refused('VALIDATION_FAILED', result.errors ?? []);
    const errors = result.errors?.map((e) => {
      const original = e.originalError;
      const error = original instanceof ApiError ? original : new ApiError('INTERNAL', 'internal error');
      if (!(original instanceof ApiError)) request.log.error(original ?? e);
      return { message: error.message, ...(e.locations ? { locations: e.locations } : {}), ...(e.path ? { path: e.path } : {}), extensions: error.extensions() };
    });
    return { data: result.data, ...(errors ? { errors } : {}) };
  };

  const response = {
    200: { type: 'object', properties: { data: { type: 'object', nullable: true, additionalProperties: true }, errors: { type: 'array', items: graphqlError } } },
    '4xx': { type: 'object', required: ['errors'], properties: { errors: { type: 'array', items: graphqlError } } },
  };
  const description = 'GraphQL: the schema is served by introspection. Each root field needs the scope of its REST route.';
  app.post<{ Body: GraphqlRequest }>('/graphql', { schema: { description, body: graphqlBody, response } }, (request, reply) => answer(request, reply, request.body));
  app.get<{ Querystring: { query: string; operationName?: string; variables?: string } }>('/graphql', { schema: { description, querystring: graphqlQuery, response } }, (request, reply) => {
    const { query, operationName, variables } = request.query;
    return answer(request, reply, { query, ...(operationName !== undefined ? { operationName } : {}), ...(variables !== undefined ? { variables: variablesOf(variables) } : {}) });
  });
};

/** GET's `variables`: JSON text of an object. */
function variablesOf(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // refused below
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ApiError('VALIDATION_FAILED', 'variables must be the JSON text of an object');
  return value as Record<string, unknown>;
}
