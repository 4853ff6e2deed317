import type { FastifyPluginAsync } from 'fastify';
import type { ApiServices } from '../services.js';
import { auditListQuery, auditListReply, auditVerificationReply, replies } from '../schemas.js';
import { entryView } from '../views.js';

export const auditRoutes: FastifyPluginAsync<ApiServices> = async (app, { audit }) => {
  app.get<{ Querystring: { after?: string; limit?: string } }>('/audit', { config: { scope: 'audit:read' }, schema: { querystring: auditListQuery, response: replies({ 200: auditListReply }) } }, async (request) => {
    const entries = await audit.list({ after: Number(request.query.after ?? 0), limit: Number(request.query.limit ?? 100) });
    return { entries: entries.map(entryView), ...(entries.length ? { next: entries.at(-1)!.seq } : {}) };
  });

  // Walks the whole chain, page by page: its time grows with the length of the log.
  app.get('/audit/verify', { config: { scope: 'audit:read' }, schema: { response: replies({ 200: auditVerificationReply }) } }, async () => audit.verify());
};
