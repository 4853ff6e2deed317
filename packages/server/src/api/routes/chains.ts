import type { FastifyPluginAsync } from 'fastify';
import { listChains } from '@mpc-wallet/chains';
import type { AddressRequest, MessageRequest, TransactionRequest } from '../../coordinator/chains.js';
import type { ApiServices } from '../services.js';
import { addressBody, idempotencyHeaders, keyIdParams, messageBody, transactionBody } from '../schemas.js';

export const chainRoutes: FastifyPluginAsync<ApiServices> = async (app, { chains }) => {
  app.get('/chains', { config: { scope: 'keys:read' } }, async () => ({ chains: listChains() }));

  app.post<{ Params: { id: string }; Body: AddressRequest }>('/keys/:id/addresses', { config: { scope: 'keys:read' }, schema: { params: keyIdParams, body: addressBody } }, async (request) =>
    chains.address(request.params.id, request.body),
  );

  app.post<{ Params: { id: string }; Body: TransactionRequest; Headers: { 'idempotency-key'?: string } }>(
    '/keys/:id/transactions',
    { config: { scope: 'sign' }, schema: { params: keyIdParams, body: transactionBody, headers: idempotencyHeaders } },
    async (request) => chains.signTransaction(request.params.id, request.body, request.headers['idempotency-key'], request.principal!.actor),
  );

  app.post<{ Params: { id: string }; Body: MessageRequest; Headers: { 'idempotency-key'?: string } }>(
    '/keys/:id/messages',
    { config: { scope: 'sign' }, schema: { params: keyIdParams, body: messageBody, headers: idempotencyHeaders } },
    async (request) => chains.signMessage(request.params.id, request.body, request.headers['idempotency-key'], request.principal!.actor),
  );
};
