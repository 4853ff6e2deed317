import type { FastifyPluginAsync } from 'fastify';
import type { ApiKeyScope } from '../../stores/types.js';
import type { ApiServices } from '../services.js';
import { apiKeyListReply, apiKeyPrefixParams, apiKeyReplyRef, createApiKeyBody, createdApiKeyReply, replies } from '../schemas.js';

const admin = { scope: 'admin' } as const;

export const apiKeyRoutes: FastifyPluginAsync<ApiServices> = async (app, { apiKeys }) => {
  // The token is in this answer only: the coordinator keeps its hash.
  app.post<{ Body: { name: string; scopes: ApiKeyScope[]; expiresAt?: string } }>('/api-keys', { config: admin, schema: { body: createApiKeyBody, response: replies({ 201: createdApiKeyReply }) } }, async (request, reply) => {
    const { name, scopes, expiresAt } = request.body;
    const { token, key } = await apiKeys.create({ name, scopes, ...(expiresAt !== undefined ? { expiresAt: new Date(expiresAt) } : {}) }, request.principal!);
    return reply.status(201).send({ ...key, token });
  });

  app.get('/api-keys', { config: admin, schema: { response: replies({ 200: apiKeyListReply }) } }, async () => ({ apiKeys: await apiKeys.list() }));

  app.delete<{ Params: { prefix: string } }>('/api-keys/:prefix', { config: admin, schema: { params: apiKeyPrefixParams, response: replies({ 200: apiKeyReplyRef }) } }, async (request) => apiKeys.revoke(request.params.prefix, request.principal!));
};
