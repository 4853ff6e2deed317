/**
 * The HTTP API (v1): thin routes that validate by schema and call a service; errors in one
 * vocabulary (errors.ts) as `{ "error": { "code", "message", ... } }`. GraphQL (graphql/) answers
 * at /graphql through the same authentication step, services and vocabulary.
 */
import Fastify, { type FastifyInstance, type FastifyError } from 'fastify';
import swagger, { type FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import { ApiError, ERROR_CODES } from '../errors.js';
import { requestError } from './http-errors.js';
import type { ApiServices } from './services.js';
import { SHARED_REPLIES, readinessReply, replies, statusReply } from './schemas.js';
import { keyRoutes } from './routes/keys.js';
import { nodeRoutes } from './routes/nodes.js';
import { chainRoutes } from './routes/chains.js';
import { auditRoutes } from './routes/audit.js';
import type { Principal } from '../coordinator/api-keys.js';
import { ApiAccess } from './access.js';
import type { ApiKeyScope } from '../stores/types.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { sessionRoutes } from './routes/sessions.js';
import { eventRoutes } from './routes/events.js';
import { webhookRoutes } from './routes/webhooks.js';
import { graphqlRoutes } from './graphql/route.js';

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
    const error = requestError(err);
    if (!error) {
      app.log.error(err);
      return reply.status(500).send(new ApiError('INTERNAL', 'internal error').toJSON());
    }
    if (error.details?.retryAfter !== undefined) void reply.header('retry-after', String(error.details.retryAfter));
    return reply.status(error.status).send(error.toJSON());
  });
  app.setNotFoundHandler((_request, reply) => reply.status(404).send(new ApiError('NOT_FOUND', 'no such route').toJSON()));

  // Route templates only (a bounded label set); requests that matched no route as one.
  app.addHook('onResponse', async (request, reply) => {
    services.metrics.httpRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });

  // Answers' shared schemas, by id: the OpenAPI document's components, named so.
  for (const schema of SHARED_REPLIES) app.addSchema(schema);
  // The OpenAPI document of every route registered after it (below), from their schemas: /docs/json, a page at /docs.
  void app.register(swagger, { openapi: OPENAPI, refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) } });
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
  },
  security: [{ apiKey: [] }],
};

/** Routes that answer without an API key declare it (the OpenAPI document shows them open). */
const open = { security: [] } as const;

/** How long a dependency may take to answer a readiness check. */
const READINESS_TIMEOUT_MS = 1_000;

/** Whether `check` resolves (to anything but false) in time. */
async function answers(check: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), READINESS_TIMEOUT_MS)));
  try {
    return (await Promise.race([check().then((r) => r !== false), late])) === true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

async function routes(app: FastifyInstance, services: ApiServices): Promise<void> {
  const access = new ApiAccess(services);

  app.get('/healthz', { schema: { ...open, response: replies({ 200: statusReply }) } }, async () => ({ status: 'ok' }));
  const metricsReply = { 200: { description: 'Prometheus text exposition', content: { 'text/plain': { schema: { type: 'string' } } } } };
  app.get('/metrics', { schema: { ...(services.metricsPublic ? open : {}), response: replies(metricsReply) } }, async (request, reply) => {
    if (!services.metricsPublic) await access.authenticate(request);
    const { contentType, body } = await services.metrics.expose();
    return reply.type(contentType).send(body);
  });
  // Not ready is an answer too (503), in the same form.
  app.get('/readyz', { schema: { ...open, response: { ...replies({ 200: readinessReply }), 503: readinessReply } } }, async (_request, reply) => {
    const online = services.hub.onlineNodes().length;
    const dependencies = Object.fromEntries(await Promise.all(Object.entries(services.dependencies).map(async ([name, check]) => [name, (await answers(check)) ? 'up' : 'down'] as const)));
    const ready = online >= services.readyWhenOnline && Object.values(dependencies).every((d) => d === 'up');
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', nodesOnline: online, dependencies });
  });

  app.decorateRequest('principal', null);
  app.register(async (v1) => {
    v1.addHook('onRequest', async (request) => {
      const principal = await access.authenticate(request);
      access.authorize(principal, request.routeOptions.config.scope ?? 'admin', request);
      await access.admit(principal, request);
      request.principal = principal;
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
  app.register(graphqlRoutes, { services, access });
}
