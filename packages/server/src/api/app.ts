/**
 * The HTTP API (v1): thin routes that validate by schema and call a service; errors in one
 * vocabulary (errors.ts) as `{ "error": { "code", "message", ... } }`.
 */
import Fastify, { type FastifyInstance, type FastifyError, type FastifyRequest } from 'fastify';
import swagger, { type FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import { ApiError, ERROR_CODES } from '../errors.js';
import type { ApiServices } from './services.js';
import { keyRoutes } from './routes/keys.js';
import { nodeRoutes } from './routes/nodes.js';
import { chainRoutes } from './routes/chains.js';
import { auditRoutes } from './routes/audit.js';
import { AuditSampler } from '../coordinator/audit.js';
import { type Principal, allows } from '../coordinator/api-keys.js';
import type { ApiKeyScope } from '../stores/types.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { sessionRoutes } from './routes/sessions.js';
import { eventRoutes } from './routes/events.js';
import { webhookRoutes } from './routes/webhooks.js';

const BODY_LIMIT = 4 * 1024 * 1024;
const REQUEST_TIMEOUT_MS = 30_000;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What an API key needs to reach the route (every /v1 route declares one; none: admin only; `any`: any key). */
    scope?: ApiKeyScope | 'any';
  }
  interface FastifyRequest {
    /** Who sent the request (set for /v1 routes once authenticated). */
    principal: Principal | null;
  }
}

/** A route as the app declares it (`onRoute`: for the route-table test). */
export interface DeclaredRoute {
  method: string | string[];
  url: string;
  config?: { scope?: ApiKeyScope | 'any' };
}

export function buildApp(services: ApiServices, opts: { logger?: boolean; onRoute?: (route: DeclaredRoute) => void } = {}): FastifyInstance {
  // A client has REQUEST_TIMEOUT_MS to send its whole request (a slow sender holds no socket longer).
  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: BODY_LIMIT, requestTimeout: REQUEST_TIMEOUT_MS, ajv: { customOptions: { removeAdditional: false, coerceTypes: false } } });
  if (opts.onRoute) app.addHook('onRoute', opts.onRoute);

  app.setErrorHandler((err: FastifyError | ApiError, _request, reply) => {
    if (err instanceof ApiError) {
      if (err.details?.retryAfter !== undefined) void reply.header('retry-after', String(err.details.retryAfter));
      return reply.status(err.status).send(err.toJSON());
    }
    const e = err as FastifyError;
    if (e.validation) return reply.status(400).send(new ApiError('VALIDATION_FAILED', e.message).toJSON());
    if (e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || (e.statusCode === 400 && /JSON/i.test(e.message))) {
      return reply.status(400).send(new ApiError('INVALID_JSON', 'the body is not valid JSON').toJSON());
    }
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.status(413).send(new ApiError('PAYLOAD_TOO_LARGE', 'the body is too large').toJSON());
    if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return reply.status(400).send(new ApiError('VALIDATION_FAILED', 'send application/json').toJSON());
    app.log.error(e);
    return reply.status(500).send(new ApiError('INTERNAL', 'internal error').toJSON());
  });
  app.setNotFoundHandler((_request, reply) => reply.status(404).send(new ApiError('NOT_FOUND', 'no such route').toJSON()));

  // Route templates only (a bounded label set); requests that matched no route as one.
  app.addHook('onResponse', async (request, reply) => {
    services.metrics.httpRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });

  // The OpenAPI document of every route registered after it (below), from their schemas: /docs/json, a page at /docs.
  void app.register(swagger, { openapi: OPENAPI });
  void app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  // Event streams (GET /v1/events with an upgrade); frames of at most 64 KiB from clients, which send none.
  void app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  void app.register(async (root) => routes(root, services));
  return app;
}

/** Every error code with its HTTP status, whether to retry, and its meaning: the API's stable vocabulary. */
const ERROR_TABLE = Object.entries(ERROR_CODES)
  .map(([code, e]) => `| \`${code}\` | ${e.status} | ${e.retriable ? 'yes' : 'no'} | ${e.meaning} |`)
  .join('\n');

const OPENAPI: FastifyDynamicSwaggerOptions['openapi'] = {
  openapi: '3.0.3',
  info: {
    title: 'MPC wallet API',
    version: '1',
    description: `Threshold keys (FROST, CGGMP21) held by signer nodes, through the coordinator. Errors answer \`{ "error": { "code", "message", "retriable", ... } }\` with one of these codes (\`culprits\`, \`waitingFor\`, \`reason\` where the code says):\n\n| code | status | retry | meaning |\n|---|---|---|---|\n${ERROR_TABLE}`,
  },
  components: {
    securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key, or a session token from POST /v1/sessions' } },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message', 'retriable'],
            properties: {
              code: { type: 'string', enum: Object.keys(ERROR_CODES) },
              message: { type: 'string' },
              retriable: { type: 'boolean' },
              culprits: { type: 'array', items: { type: 'integer' } },
              waitingFor: { type: 'array', items: { type: 'integer' } },
              gone: { type: 'array', items: { type: 'integer' } },
              reason: { type: 'string' },
            },
          },
        },
      },
    },
  },
  security: [{ apiKey: [] }],
};

/** Routes that answer without an API key declare it (the OpenAPI document shows them open). */
const open = { security: [] } as const;

async function routes(app: FastifyInstance, services: ApiServices): Promise<void> {
  // Audited without flooding the log or delaying requests: per API key, its first success (or
  // refusal for want of a scope) in a minute; per client address, its first failure in a minute;
  // each with how many were skipped. Never a token: a key is named by its public prefix (a
  // start-up key by its stored hash's first 12 hex digits), a failure by the client address.
  const sampler = new AuditSampler(60_000);

  /** The request's principal, under the address's rate limits; a failure is counted, audited and answered 401. */
  const authenticated = async (request: FastifyRequest): Promise<Principal> => {
    await services.limiter.beforeAuth(request.ip);
    const auth = await services.apiKeys.authenticate(request.headers.authorization);
    if (!('failure' in auth)) return auth;
    await services.limiter.authFailed(request.ip);
    const skipped = sampler.take(`failed ${request.ip}`);
    if (skipped !== undefined) {
      void services.audit.tryRecord({ action: 'auth.failed', actor: `ip:${request.ip}`, subject: 'api', details: { reason: auth.failure, method: request.method, route: request.routeOptions.url ?? 'unknown', skippedBefore: skipped } });
    }
    throw new ApiError('UNAUTHORIZED', 'send Authorization: Bearer <api key>');
  };

  app.get('/healthz', { schema: open }, async () => ({ status: 'ok' }));
  app.get('/metrics', { schema: services.metricsPublic ? open : {} }, async (request, reply) => {
    if (!services.metricsPublic) await authenticated(request);
    const { contentType, body } = await services.metrics.expose();
    return reply.type(contentType).send(body);
  });
  app.get('/readyz', { schema: open }, async (_request, reply) => {
    const online = services.hub.onlineNodes().length;
    const ready = online >= services.readyWhenOnline;
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', nodesOnline: online });
  });

  app.decorateRequest('principal', null);
  app.register(async (v1) => {
    v1.addHook('onRequest', async (request) => {
      const auth = await authenticated(request);
      const route = request.routeOptions.url ?? 'unknown';
      const scope = request.routeOptions.config.scope ?? 'admin';
      if (!allows(auth.scopes, scope)) {
        const skipped = sampler.take(`forbidden ${auth.actor} ${scope}`);
        if (skipped !== undefined) void services.audit.tryRecord({ action: 'auth.forbidden', actor: auth.actor, subject: 'api', details: { scope, method: request.method, route, skippedBefore: skipped } });
        throw new ApiError('FORBIDDEN', `this API key lacks the scope ${scope}`);
      }
      await services.limiter.forKey(auth.actor);
      request.principal = auth;
      const skipped = sampler.take(`ok ${auth.actor}`);
      if (skipped !== undefined) void services.audit.tryRecord({ action: 'auth.succeeded', actor: auth.actor, subject: 'api', details: { ip: request.ip, method: request.method, route, skippedBefore: skipped } });
    });
    await v1.register(nodeRoutes, services);
    await v1.register(keyRoutes, services);
    await v1.register(chainRoutes, services);
    await v1.register(auditRoutes, services);
    await v1.register(apiKeyRoutes, services);
    await v1.register(sessionRoutes, services);
    await v1.register(eventRoutes, services);
    await v1.register(webhookRoutes, services);
  }, { prefix: '/v1' });
}
