/**
 * Request and response schemas as values (JSON Schema), shared by the routes and, later, by the
 * OpenAPI document, WebSocket and GraphQL layers.
 */
import { ECDSA_HASHES, SCHEMES } from '../session/request.js';
import { API_KEY_SCOPES, DELIVERY_STATUSES } from '../stores/types.js';
import { EVENT_TYPES } from '../coordinator/events.js';
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

/** A page size of 1 to 1000, as query text (the route converts it). */
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

/** A seq of the audit log, as query text (events after it). */
const seq = { type: 'string', pattern: '^(0|[1-9][0-9]{0,14})$' } as const;

export const eventsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    // The last seq received (a resume); the REST page starts at 0 without it, the stream at the present.
    after: seq,
    // Comma-separated event types or families (`signature.*`); checked by the route.
    types: { type: 'string', maxLength: 1000 },
    limit: pageLimit,
  },
} as const;

/** An event (coordinator/events.ts): on the stream, in pages, and as a webhook body. */
export const eventSchema = {
  type: 'object',
  required: ['seq', 'type', 'at', 'subject', 'data'],
  properties: {
    seq: { type: 'integer' },
    type: { type: 'string', enum: EVENT_TYPES },
    at: { type: 'string', format: 'date-time' },
    subject: { type: 'string' },
    data: { type: 'object', additionalProperties: true },
  },
} as const;

export const eventPage = {
  type: 'object',
  required: ['events'],
  properties: { events: { type: 'array', items: eventSchema }, next: { type: 'integer' } },
} as const;

const eventTypes = { type: 'array', items: { type: 'string', minLength: 1, maxLength: 64 }, minItems: 1, maxItems: 64, uniqueItems: true } as const;

export const createWebhookBody = {
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  properties: {
    url: { type: 'string', minLength: 1, maxLength: 2048 },
    // Event types or families (`key.*`); every type when absent.
    types: eventTypes,
    description: { type: 'string', maxLength: 500 },
  },
} as const;

export const webhookIdParams = keyIdParams;

export const deliveryParams = {
  type: 'object',
  required: ['id', 'deliveryId'],
  properties: { id, deliveryId: id },
} as const;

export const deliveryListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: DELIVERY_STATUSES },
    cursor: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,400}$' },
    limit: pageLimit,
  },
} as const;

export const webhookSchema = {
  type: 'object',
  required: ['id', 'url', 'types', 'createdBy', 'createdAt'],
  properties: {
    id: { type: 'string' },
    url: { type: 'string' },
    types: { type: 'array', items: { type: 'string' } },
    description: { type: 'string' },
    createdBy: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const createdWebhook = {
  ...webhookSchema,
  required: [...webhookSchema.required, 'secret'],
  properties: { ...webhookSchema.properties, secret: { type: 'string', description: 'whsec_<base64>: shown in this answer only' } },
} as const;

export const deliverySchema = {
  type: 'object',
  required: ['id', 'webhookId', 'eventSeq', 'eventType', 'status', 'attempts', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    webhookId: { type: 'string' },
    eventSeq: { type: 'integer' },
    eventType: { type: 'string' },
    status: { type: 'string', enum: DELIVERY_STATUSES },
    attempts: { type: 'integer' },
    nextAttemptAt: { type: 'string', format: 'date-time' },
    lastStatus: { type: 'integer' },
    lastError: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;
