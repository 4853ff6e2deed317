import type { FastifyPluginAsync } from 'fastify';
import type { DeliveryStatus } from '../../stores/types.js';
import type { ApiServices } from '../services.js';
import { createWebhookBody, createdWebhook, deliveryListQuery, deliveryParams, deliverySchema, webhookIdParams, webhookSchema } from '../schemas.js';

const admin = { scope: 'admin' } as const;

export const webhookRoutes: FastifyPluginAsync<ApiServices> = async (app, { webhooks }) => {
  // The secret is in this answer only: the coordinator derives it again when signing.
  app.post<{ Body: { url: string; types?: string[]; description?: string } }>(
    '/webhooks',
    { config: admin, schema: { body: createWebhookBody, response: { 201: createdWebhook } } },
    async (request, reply) => reply.status(201).send(await webhooks.create(request.body, request.principal!.actor)),
  );

  app.get('/webhooks', { config: admin, schema: { response: { 200: { type: 'object', required: ['webhooks'], properties: { webhooks: { type: 'array', items: webhookSchema } } } } } }, async () => ({ webhooks: await webhooks.list() }));

  app.get<{ Params: { id: string } }>('/webhooks/:id', { config: admin, schema: { params: webhookIdParams, response: { 200: webhookSchema } } }, async (request) => webhooks.get(request.params.id));

  app.delete<{ Params: { id: string } }>('/webhooks/:id', { config: admin, schema: { params: webhookIdParams, response: { 200: webhookSchema } } }, async (request) =>
    webhooks.delete(request.params.id, request.principal!.actor),
  );

  app.get<{ Params: { id: string }; Querystring: { status?: DeliveryStatus; cursor?: string; limit?: string } }>(
    '/webhooks/:id/deliveries',
    {
      config: admin,
      schema: {
        params: webhookIdParams,
        querystring: deliveryListQuery,
        response: { 200: { type: 'object', required: ['deliveries'], properties: { deliveries: { type: 'array', items: deliverySchema }, next: { type: 'string' } } } },
      },
    },
    async (request) => {
      const { status, cursor, limit } = request.query;
      return webhooks.deliveries(request.params.id, { ...(status ? { status } : {}), ...(cursor ? { cursor } : {}), limit: Number(limit ?? 100) });
    },
  );

  app.post<{ Params: { id: string; deliveryId: string } }>(
    '/webhooks/:id/deliveries/:deliveryId/replay',
    { config: admin, schema: { params: deliveryParams, response: { 202: deliverySchema } } },
    async (request, reply) => reply.status(202).send(await webhooks.replay(request.params.id, request.params.deliveryId, request.principal!.actor)),
  );
};
