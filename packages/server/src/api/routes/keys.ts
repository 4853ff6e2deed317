import type { FastifyPluginAsync } from 'fastify';
import { ApiError } from '../../errors.js';
import { StageTimes } from '../../session/timing.js';
import type { SignatureStatus } from '../../stores/types.js';
import type { ApiServices } from '../services.js';
import { type BatchSignBody, type CreateKeyBody, type SignBody, batchSignInputs, createKeyInput, signInput } from '../requests.js';
import { keyView, signatureView } from '../views.js';
import {
  MAX_KEYS_PAGE,
  batchSignBody,
  batchSignReply,
  createKeyBody,
  idempotencyHeaders,
  keyIdParams,
  keyListReply,
  keyReplyRef,
  listQuery,
  poolsReply,
  replies,
  signBody,
  signatureListQuery,
  signatureListReply,
  signatureReplyRef,
  signatureRequestReplyRef,
} from '../schemas.js';

export const keyRoutes: FastifyPluginAsync<ApiServices> = async (app, { keys, signing, pools }) => {
  app.post<{ Body: CreateKeyBody }>('/keys', { config: { scope: 'keys:create' }, schema: { body: createKeyBody, response: replies({ 201: keyReplyRef, 202: keyReplyRef }) } }, async (request, reply) => {
    const key = await keys.create(createKeyInput(request.body), request.principal!.actor);
    return reply.status(key.status === 'pending' ? 202 : 201).send(keyView(key));
  });

  app.get<{ Querystring: { limit?: string; after?: string } }>('/keys', { config: { scope: 'keys:read' }, schema: { querystring: listQuery, response: replies({ 200: keyListReply }) } }, async (request) => {
    const list = await keys.list({ limit: Math.min(Number(request.query.limit ?? 100), MAX_KEYS_PAGE), ...(request.query.after ? { after: request.query.after } : {}) });
    return { keys: list.map(keyView) };
  });

  app.get<{ Params: { id: string } }>('/keys/:id', { config: { scope: 'keys:read' }, schema: { params: keyIdParams, response: replies({ 200: keyReplyRef }) } }, async (request) => keyView(await keys.get(request.params.id)));

  // How warm the key's pools are (operators; the cluster benchmark waits on it).
  app.get<{ Params: { id: string } }>('/keys/:id/pools', { config: { scope: 'keys:read' }, schema: { params: keyIdParams, response: replies({ 200: poolsReply }) } }, async (request) => {
    const key = await keys.get(request.params.id);
    if (key.status !== 'active') throw new ApiError('KEY_NOT_ACTIVE', `key ${key.id} is ${key.status}`);
    return { keyId: key.id, version: key.version, enabled: pools !== undefined, ...(pools ? await pools.levels(key) : {}) };
  });

  app.post<{ Params: { id: string } }>('/keys/:id/refresh', { config: { scope: 'keys:create' }, schema: { params: keyIdParams, response: replies({ 200: keyReplyRef }) } }, async (request) =>
    keyView(await keys.refresh(request.params.id, request.principal!.actor)),
  );

  app.post<{ Params: { id: string }; Body: SignBody; Headers: { 'idempotency-key'?: string } }>(
    '/keys/:id/signatures',
    { config: { scope: 'sign' }, schema: { params: keyIdParams, body: signBody, headers: idempotencyHeaders, response: replies({ 200: signatureReplyRef }) } },
    async (request, reply) => {
      const times = new StageTimes();
      const response = await signing.sign(request.params.id, signInput(request.body, request.principal!.actor), request.headers['idempotency-key'], times);
      // Where the time went (coordinator stages, then the signers' own as node-*): see bench/cluster.js.
      void reply.header('server-timing', times.serverTiming());
      return response;
    },
  );

  app.post<{ Params: { id: string }; Body: BatchSignBody; Headers: { 'idempotency-key'?: string } }>(
    // `::` is find-my-way's escaped colon: the route is /keys/{id}/signatures:batch.
    '/keys/:id/signatures::batch',
    { config: { scope: 'sign' }, schema: { params: keyIdParams, body: batchSignBody, headers: idempotencyHeaders, response: replies({ 200: batchSignReply }) } },
    async (request) => ({ signatures: await signing.signBatch(request.params.id, batchSignInputs(request.body, request.principal!.actor), request.headers['idempotency-key']) }),
  );

  app.get<{ Params: { id: string } }>('/signatures/:id', { config: { scope: 'keys:read' }, schema: { params: keyIdParams, response: replies({ 200: signatureRequestReplyRef }) } }, async (request) => signatureView(await signing.get(request.params.id)));

  app.get<{ Querystring: { keyId?: string; status?: SignatureStatus; cursor?: string; limit?: string } }>(
    '/signatures',
    { config: { scope: 'keys:read' }, schema: { querystring: signatureListQuery, response: replies({ 200: signatureListReply }) } },
    async (request) => {
      const { keyId, status, cursor, limit } = request.query;
      const page = await signing.list({ ...(keyId ? { keyId } : {}), ...(status ? { status } : {}), ...(cursor ? { cursor } : {}), limit: Number(limit ?? 100) });
      return { signatures: page.signatures.map(signatureView), ...(page.next ? { next: page.next } : {}) };
    },
  );
};
