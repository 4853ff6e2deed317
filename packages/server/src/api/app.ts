/**
 * The HTTP API (v1): thin routes that validate by schema and call a service; errors in one
 * vocabulary (errors.ts) as `{ "error": { "code", "message", ... } }`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyError } from 'fastify';
import { ApiError } from '../errors.js';
import type { ApiServices } from './services.js';
import { keyRoutes } from './routes/keys.js';
import { nodeRoutes } from './routes/nodes.js';
import { chainRoutes } from './routes/chains.js';
import { auditRoutes } from './routes/audit.js';
import { AuditSampler } from '../coordinator/audit.js';

const BODY_LIMIT = 4 * 1024 * 1024;

/** The stored hash the bearer token's SHA-256 equals (every hash compared in constant time), or why none does. */
function authenticate(header: string | undefined, hashes: readonly string[]): { hash: string } | { failure: 'missing' | 'malformed' | 'unknown-key' } {
  if (header === undefined) return { failure: 'missing' };
  const token = /^Bearer ([\x21-\x7e]{16,200})$/.exec(header)?.[1];
  if (!token) return { failure: 'malformed' };
  const digest = createHash('sha256').update(token).digest();
  let matched: string | undefined;
  for (const h of hashes) if (timingSafeEqual(digest, Buffer.from(h, 'hex'))) matched = h;
  return matched ? { hash: matched } : { failure: 'unknown-key' };
}

export function buildApp(services: ApiServices, opts: { logger?: boolean } = {}): FastifyInstance {
  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: BODY_LIMIT, ajv: { customOptions: { removeAdditional: false, coerceTypes: false } } });

  app.setErrorHandler((err: FastifyError | ApiError, _request, reply) => {
    if (err instanceof ApiError) return reply.status(err.status).send(err.toJSON());
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

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/metrics', async (request, reply) => {
    if (!services.metricsPublic && 'failure' in authenticate(request.headers.authorization, services.apiKeyHashes)) {
      throw new ApiError('UNAUTHORIZED', 'send Authorization: Bearer <api key>');
    }
    const { contentType, body } = await services.metrics.expose();
    return reply.type(contentType).send(body);
  });
  app.get('/readyz', async (_request, reply) => {
    const online = services.hub.onlineNodes().length;
    const ready = online >= services.readyWhenOnline;
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', nodesOnline: online });
  });

  // Audited without flooding the log or delaying requests: per API key, its first success in a
  // minute; per client address, its first failure in a minute; each with how many were skipped.
  // Never the key itself: a success names the key by its stored hash's prefix, a failure by nothing.
  const sampler = new AuditSampler(60_000);
  app.register(async (v1) => {
    v1.addHook('onRequest', async (request) => {
      const auth = authenticate(request.headers.authorization, services.apiKeyHashes);
      const route = request.routeOptions.url ?? 'unknown';
      if ('failure' in auth) {
        const skipped = sampler.take(`failed ${request.ip}`);
        if (skipped !== undefined) void services.audit.tryRecord({ action: 'auth.failed', actor: `ip:${request.ip}`, subject: 'api', details: { reason: auth.failure, method: request.method, route, skippedBefore: skipped } });
        throw new ApiError('UNAUTHORIZED', 'send Authorization: Bearer <api key>');
      }
      const skipped = sampler.take(`ok ${auth.hash}`);
      if (skipped !== undefined) void services.audit.tryRecord({ action: 'auth.succeeded', actor: `api-key:${auth.hash.slice(0, 12)}`, subject: 'api', details: { ip: request.ip, method: request.method, route, skippedBefore: skipped } });
    });
    await v1.register(nodeRoutes, services);
    await v1.register(keyRoutes, services);
    await v1.register(chainRoutes, services);
    await v1.register(auditRoutes, services);
  }, { prefix: '/v1' });
  return app;
}
