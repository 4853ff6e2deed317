/**
 * Who may call the API, with what, and how often: the one authentication step of /v1, /metrics
 * and /graphql. Authentication runs under the client address's rate limits and counts failures;
 * a scope check refuses with 403 `FORBIDDEN`; an admitted request counts against its API key's
 * limit.
 *
 * Audited without flooding the log or delaying requests: per API key, its first success (or
 * refusal for want of a scope) in a minute; per client address, its first failure in a minute;
 * each with how many were skipped. Never a token: a key is named by its public prefix (a start-up
 * key by its stored hash's first 12 hex digits), a failure by the client address.
 */
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';
import { AuditSampler } from '../coordinator/audit.js';
import { type Principal, allows } from '../coordinator/api-keys.js';
import type { ApiKeyScope } from '../stores/types.js';
import type { ApiServices } from './services.js';

export class ApiAccess {
  private readonly sampler = new AuditSampler(60_000);

  constructor(private readonly services: Pick<ApiServices, 'apiKeys' | 'audit' | 'limiter'>) {}

  /** The request's principal, under the address's rate limits; a failure is counted, audited and answered 401. */
  async authenticate(request: FastifyRequest): Promise<Principal> {
    const { limiter, apiKeys, audit } = this.services;
    await limiter.beforeAuth(request.ip);
    const auth = await apiKeys.authenticate(request.headers.authorization);
    if (!('failure' in auth)) return auth;
    await limiter.authFailed(request.ip);
    const skipped = this.sampler.take(`failed ${request.ip}`);
    if (skipped !== undefined) {
      void audit.tryRecord({ action: 'auth.failed', actor: `ip:${request.ip}`, subject: 'api', details: { reason: auth.failure, method: request.method, route: routeOf(request), skippedBefore: skipped } });
    }
    throw new ApiError('UNAUTHORIZED', 'send Authorization: Bearer <api key>');
  }

  /** Refuses (403, audited) a principal without `scope`; `field` names the GraphQL field asked for. */
  authorize(principal: Principal, scope: ApiKeyScope | 'any', request: FastifyRequest, field?: string): void {
    if (allows(principal.scopes, scope)) return;
    const skipped = this.sampler.take(`forbidden ${principal.actor} ${scope}`);
    if (skipped !== undefined) {
      void this.services.audit.tryRecord({
        action: 'auth.forbidden',
        actor: principal.actor,
        subject: 'api',
        details: { scope, method: request.method, route: routeOf(request), ...(field !== undefined ? { field } : {}), skippedBefore: skipped },
      });
    }
    throw new ApiError('FORBIDDEN', `this API key lacks the scope ${scope}`);
  }

  /** Counts the request (`requests`: its operations) against its key's limit and samples its success for the audit log. */
  async admit(principal: Principal, request: FastifyRequest, requests = 1): Promise<void> {
    await this.services.limiter.forKey(principal.actor, requests);
    const skipped = this.sampler.take(`ok ${principal.actor}`);
    if (skipped !== undefined) {
      void this.services.audit.tryRecord({ action: 'auth.succeeded', actor: principal.actor, subject: 'api', details: { ip: request.ip, method: request.method, route: routeOf(request), skippedBefore: skipped } });
    }
  }
}

const routeOf = (request: FastifyRequest) => request.routeOptions.url ?? 'unknown';
