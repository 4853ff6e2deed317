/**
 * Request and response schemas as values (JSON Schema), shared by the routes and, later, by the
 * OpenAPI document, WebSocket and GraphQL layers.
 */
import { ECDSA_HASHES, SCHEMES } from '../session/request.js';
import { API_KEY_SCOPES } from '../stores/types.js';
import { SIGNATURE_STATUSES } from '../stores/validate.js';

const hex = { type: 'string', pattern: '^([0-9a-fA-F]{2})*$', maxLength: 2 * 1024 * 1024 } as const;

export const createKeyBody = {
  type: 'object',
  additionalProperties: false,
  required: ['scheme', 'threshold', 'parties'],
  properties: {
    scheme: { type: 'string', enum: SCHEMES },
    threshold: { type: 'integer', minimum: 1, maximum: 255 },
    parties: { type: 'integer', minimum: 1, maximum: 255 },
    label: { type: 'string', maxLength: 200 },
  },
} as const;

const signers = { type: 'array', items: { type: 'integer', minimum: 1, maximum: 65535 }, minItems: 1, maxItems: 255 } as const;
/** A non-hardened derivation path (its steps are checked where it is used). */
const path = { type: 'string', pattern: '^m(/[0-9]{1,10}){0,255}$' } as const;

export const signBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    message: hex,
    hash: { type: 'string', enum: ECDSA_HASHES },
    digest: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
    signers,
    path,
  },
} as const;

/** Most items of one batch signature request. */
export const MAX_BATCH_ITEMS = 256;

export const batchSignBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    messages: { type: 'array', items: hex, minItems: 1, maxItems: MAX_BATCH_ITEMS },
    hash: { type: 'string', enum: ECDSA_HASHES },
    digests: { type: 'array', items: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' }, minItems: 1, maxItems: MAX_BATCH_ITEMS },
    signers,
    path,
  },
  // One kind of item per batch: messages (with their hash for ECDSA) or raw digests.
  oneOf: [{ required: ['messages'] }, { required: ['digests'] }],
} as const;

/** Where an address or a transaction's key is: a chain id, an optional path and address format. */
const chainTarget = {
  chain: { type: 'string', pattern: '^[a-z0-9-]{1,64}$' },
  path,
  format: { type: 'string', minLength: 1, maxLength: 64 },
} as const;

export const addressBody = {
  type: 'object',
  additionalProperties: false,
  required: ['chain'],
  properties: chainTarget,
} as const;

export const transactionBody = {
  type: 'object',
  additionalProperties: false,
  required: ['chain', 'transaction'],
  properties: {
    ...chainTarget,
    // The chain's own unsigned form (a PSBT in base64, EVM fields, …): checked by packages/chains.
    transaction: {},
    signers,
  },
} as const;

export const messageBody = {
  type: 'object',
  additionalProperties: false,
  required: ['chain', 'message'],
  properties: {
    ...chainTarget,
    // The message in the standard's form ({ text } for EIP-191, the typed data for EIP-712, …): checked by packages/chains.
    message: {},
    standard: { type: 'string', minLength: 1, maxLength: 64 },
    signers,
  },
} as const;

/** A key's (or signature request's) id. */
const id = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;

export const keyIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id },
} as const;

/** Most records of one page: keys, and the rest (signature requests, audit entries). */
export const MAX_KEYS_PAGE = 500;
export const MAX_PAGE = 1000;

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    // Query strings are text; the route converts (body fields are never coerced).
    limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' },
    after: { type: 'string', maxLength: 64 },
  },
} as const;

export const idempotencyHeaders = {
  type: 'object',
  properties: { 'idempotency-key': { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

/** A page size of 1 to MAX_PAGE, as query text (the route converts it). */
const pageLimit = { type: 'string', pattern: '^([1-9][0-9]{0,2}|1000)$' } as const;

export const auditListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    // A seq (entries after it are listed) and a page size up to 1000; converted by the route.
    after: { type: 'string', pattern: '^(0|[1-9][0-9]{0,14})$' },
    limit: pageLimit,
  },
} as const;

/** Distinct API key scopes, at least one. */
const scopes = { type: 'array', items: { type: 'string', enum: API_KEY_SCOPES }, minItems: 1, maxItems: API_KEY_SCOPES.length, uniqueItems: true } as const;

export const createApiKeyBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'scopes'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    scopes,
    // RFC 3339 with a time zone, e.g. 2027-01-01T00:00:00Z.
    expiresAt: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$' },
  },
} as const;

export const apiKeyPrefixParams = {
  type: 'object',
  required: ['prefix'],
  properties: { prefix: { type: 'string', pattern: '^[0-9a-f]{12}$' } },
} as const;

export const signatureListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    keyId: id,
    status: { type: 'string', enum: SIGNATURE_STATUSES },
    // The previous page's `next`.
    cursor: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,400}$' },
    limit: pageLimit,
  },
} as const;

export const createSessionBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    scopes,
    // Seconds, 15 minutes when absent; an hour at most.
    ttlSeconds: { type: 'integer', minimum: 60, maximum: 3600 },
  },
} as const;
