/** Fastify's own request errors in the API's vocabulary (errors.ts), for the REST and GraphQL error handlers. */
import type { FastifyError } from 'fastify';
import { ApiError } from '../errors.js';
import { isUnavailable } from '../stores/errors.js';

/** The ApiError `err` stands for; undefined for an unexpected error (the caller logs it and answers INTERNAL). */
export function requestError(err: FastifyError | ApiError): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (err.validation) return new ApiError('VALIDATION_FAILED', err.message);
  if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || (err.statusCode === 400 && /JSON/i.test(err.message))) {
    return new ApiError('INVALID_JSON', 'the body is not valid JSON');
  }
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ApiError('PAYLOAD_TOO_LARGE', 'the body is too large');
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new ApiError('VALIDATION_FAILED', 'send application/json');
  // The store's own words stay in the log: they may name hosts.
  if (isUnavailable(err)) return new ApiError('STORE_UNAVAILABLE', 'a store did not answer; retry');
  return undefined;
}
