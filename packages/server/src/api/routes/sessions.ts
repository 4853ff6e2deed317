import type { FastifyPluginAsync } from 'fastify';
import type { ApiKeyScope } from '../../stores/types.js';
import type { ApiServices } from '../services.js';
import { createSessionBody, replies, sessionReply } from '../schemas.js';

export const sessionRoutes: FastifyPluginAsync<ApiServices> = async (app, { apiKeys }) => {
  // Any API key obtains a session token for itself, with at most its own scopes.
  app.post<{ Body: { scopes?: ApiKeyScope[]; ttlSeconds?: number } }>('/sessions', { config: { scope: 'any' }, schema: { body: createSessionBody, response: replies({ 201: sessionReply }) } }, async (request, reply) => {
    const { scopes, ttlSeconds } = request.body;
    return reply.status(201).send(await apiKeys.createSession(request.principal!, { ...(scopes ? { scopes } : {}), seconds: ttlSeconds ?? DEFAULT_SESSION_SECONDS }));
  });
};

const DEFAULT_SESSION_SECONDS = 900;
