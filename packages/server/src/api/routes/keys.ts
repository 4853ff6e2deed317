import type { FastifyPluginAsync } from 'fastify';
import { derivationRoot, encodeXpub, hexToBytes } from '@mpc-wallet/core';
import { ApiError } from '../../errors.js';
import { groupPoint } from '../../coordinator/chain-keys.js';
import { StageTimes } from '../../session/timing.js';
import type { KeyRecord, SignatureRecord, SignatureStatus } from '../../stores/types.js';
import type { ApiServices } from '../services.js';
import type { Scheme, EcdsaHash } from '../../session/request.js';
import { batchSignBody, createKeyBody, idempotencyHeaders, keyIdParams, listQuery, signBody, signatureListQuery } from '../schemas.js';

/** A key as the API shows it: `parties` is the committee size, `committee` its node ids. */
export function keyView(k: KeyRecord) {
  const xpub = xpubOf(k);
  return {
    id: k.id,
    scheme: k.scheme,
    threshold: k.threshold,
    parties: k.parties.length,
    committee: k.parties,
    publicKey: k.publicKey,
    status: k.status,
    label: k.label,
    version: k.version,
    ...(k.chainCode ? { chainCode: k.chainCode } : {}),
    ...(xpub ? { xpub } : {}),
    ...(k.failure ? { failure: JSON.parse(k.failure) as unknown } : {}),
    createdAt: k.createdAt.toISOString(),
    updatedAt: k.updatedAt.toISOString(),
  };
}

const lower = (hex: string | undefined) => hex?.toLowerCase();

/** A signature request as the API shows it (its result is the signature response, or the error). */
function signatureView(r: SignatureRecord) {
  return { id: r.id, keyId: r.keyId, status: r.status, result: r.result, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() };
}

/** A secp256k1 key's BIP32 extended public key (root of its non-hardened derivation), when it has a chain code. */
function xpubOf(k: KeyRecord): string | undefined {
  if (!k.chainCode || !k.publicPackage || k.scheme === 'eddsa-ed25519') return undefined;
  return encodeXpub(derivationRoot('secp256k1', groupPoint(k), hexToBytes(k.chainCode)));
}

export const keyRoutes: FastifyPluginAsync<ApiServices> = async (app, { keys, signing, pools }) => {
  app.post<{ Body: { scheme: Scheme; threshold: number; parties: number; label?: string } }>('/keys', { config: { scope: 'keys:create' }, schema: { body: createKeyBody } }, async (request, reply) => {
    const { scheme, threshold, parties, label } = request.body;
    if (threshold > parties) throw new ApiError('VALIDATION_FAILED', 'threshold must not exceed parties');
    const key = await keys.create({ scheme, threshold, parties, ...(label !== undefined ? { label } : {}) }, request.principal!.actor);
    return reply.status(key.status === 'pending' ? 202 : 201).send(keyView(key));
  });

  app.get<{ Querystring: { limit?: string; after?: string } }>('/keys', { config: { scope: 'keys:read' }, schema: { querystring: listQuery } }, async (request) => {
    const list = await keys.list({ limit: Math.min(Number(request.query.limit ?? 100), 500), ...(request.query.after ? { after: request.query.after } : {}) });
    return { keys: list.map(keyView) };
  });

  app.get<{ Params: { id: string } }>('/keys/:id', { config: { scope: 'keys:read' }, schema: { params: keyIdParams } }, async (request) => keyView(await keys.get(request.params.id)));

  // How warm the key's pools are (operators; the cluster benchmark waits on it).
  app.get<{ Params: { id: string } }>('/keys/:id/pools', { config: { scope: 'keys:read' }, schema: { params: keyIdParams } }, async (request) => {
    const key = await keys.get(request.params.id);
    if (key.status !== 'active') throw new ApiError('KEY_NOT_ACTIVE', `key ${key.id} is ${key.status}`);
    return { keyId: key.id, version: key.version, enabled: pools !== undefined, ...(pools ? await pools.levels(key) : {}) };
  });

  app.post<{ Params: { id: string } }>('/keys/:id/refresh', { config: { scope: 'keys:create' }, schema: { params: keyIdParams } }, async (request) => keyView(await keys.refresh(request.params.id, request.principal!.actor)));

  app.post<{ Params: { id: string }; Body: { message?: string; hash?: EcdsaHash; digest?: string; signers?: number[]; path?: string }; Headers: { 'idempotency-key'?: string } }>(
    '/keys/:id/signatures',
    { config: { scope: 'sign' }, schema: { params: keyIdParams, body: signBody, headers: idempotencyHeaders } },
    async (request, reply) => {
      const { message, hash, digest, signers, path } = request.body;
      const input = {
        ...(message !== undefined ? { message: lower(message)! } : {}),
        ...(hash ? { hash } : {}),
        ...(digest ? { digest: lower(digest)! } : {}),
        ...(signers ? { signers } : {}),
        ...(path !== undefined ? { path } : {}),
        requestedBy: request.principal!.actor,
      };
      const times = new StageTimes();
      const response = await signing.sign(request.params.id, input, request.headers['idempotency-key'], times);
      // Where the time went (coordinator stages, then the signers' own as node-*): see bench/cluster.js.
      void reply.header('server-timing', times.serverTiming());
      return response;
    },
  );

  app.post<{ Params: { id: string }; Body: { messages?: string[]; hash?: EcdsaHash; digests?: string[]; signers?: number[]; path?: string }; Headers: { 'idempotency-key'?: string } }>(
    // `::` is find-my-way's escaped colon: the route is /keys/{id}/signatures:batch.
    '/keys/:id/signatures::batch',
    { config: { scope: 'sign' }, schema: { params: keyIdParams, body: batchSignBody, headers: idempotencyHeaders } },
    async (request) => {
      const { messages, hash, digests, signers, path } = request.body;
      const common = { ...(signers ? { signers } : {}), ...(path !== undefined ? { path } : {}), requestedBy: request.principal!.actor };
      const inputs = messages
        ? messages.map((message) => ({ message: lower(message)!, ...(hash ? { hash } : {}), ...common }))
        : digests!.map((digest) => ({ digest: lower(digest)!, ...common }));
      return { signatures: await signing.signBatch(request.params.id, inputs, request.headers['idempotency-key']) };
    },
  );

  app.get<{ Params: { id: string } }>('/signatures/:id', { config: { scope: 'keys:read' }, schema: { params: keyIdParams } }, async (request) => signatureView(await signing.get(request.params.id)));

  app.get<{ Querystring: { keyId?: string; status?: SignatureStatus; cursor?: string; limit?: string } }>(
    '/signatures',
    { config: { scope: 'keys:read' }, schema: { querystring: signatureListQuery } },
    async (request) => {
      const { keyId, status, cursor, limit } = request.query;
      const page = await signing.list({ ...(keyId ? { keyId } : {}), ...(status ? { status } : {}), ...(cursor ? { cursor } : {}), limit: Number(limit ?? 100) });
      return { signatures: page.signatures.map(signatureView), ...(page.next ? { next: page.next } : {}) };
    },
  );
};
