import type { FastifyPluginAsync } from 'fastify';
import type { ApiServices } from '../services.js';
import { nodeListReply, replies } from '../schemas.js';
import { nodeView } from '../views.js';

export const nodeRoutes: FastifyPluginAsync<ApiServices> = async (app, services) => {
  app.get('/nodes', { config: { scope: 'keys:read' }, schema: { response: replies({ 200: nodeListReply }) } }, async () => services.hub.status().map(nodeView));
};
