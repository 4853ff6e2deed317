import type { FastifyPluginAsync } from 'fastify';
import { listChains } from '@mpc-wallet/chains';
import type { AddressRequest, MessageRequest, TransactionRequest } from '../../coordinator/chains.js';
import type { ApiServices } from '../services.js';
import { addressBody, addressReply, chainListReply, idempotencyHeaders, keyIdParams, messageBody, messageReply, replies, transactionBody, transactionReply } from '../schemas.js';

export const chainRoutes: FastifyPluginAsync<ApiServices> = async (app, { chains }) => {
  app.get('/chains', { config: { scope: 'keys:read' }, schema: { response: replies({ 200: chainListReply }) } }, async () => ({ chains: listChains() }));

  app.post<{ Params: { id: string }; Body: AddressRequest }>('/keys/:id/addresses', { config: { scope: 'keys:read' }, schema: { params: keyIdParams, body: addressBody, response: replies({ 200: addressReply }) } }, async (request) =>
    chains.address(request.params.id, request.body),
  );

  app.post<{ Params: { id: string }; Body: TransactionRequest; Headers: { 'idempotency-key'?: string } }>(
    '/keys/:id/transactions',
    { config: { scope: 'sign' }, schema: { params: keyIdParams, body: transactionBody, headers: idempotencyHeaders, response: replies({ 200: transactionReply }) } },
    async (request) => chains.signTransaction(request.params.id, request.body, request.headers['idempotency-key'], request.principal!.actor),
  );

  app.post<{ Params: { id: string }; Body: MessageRequest; Headers: { 'idempotency-key'?: string } }>(
    '/keys/:id/messages',
    { config: { scope: 'sign' }, schema: { params: keyIdParams, body: messageBody, headers: idempotencyHeaders, response: replies({ 200: messageReply }) } },
    async (request) => chains.signMessage(request.params.id, request.body, request.headers['idempotency-key'], request.principal!.actor),
  );
};
