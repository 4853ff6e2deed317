/**
 * Request and response schemas as values (JSON Schema), shared by the routes, the OpenAPI
 * document and the GraphQL layer (which checks its arguments against the bodies here).
 */
import { ERROR_CODES } from '../errors.js';
import { ECDSA_HASHES, SCHEMES } from '../session/request.js';
import { API_KEY_SCOPES, DELIVERY_STATUSES } from '../stores/types.js';
import { EVENT_TYPES } from '../coordinator/events.js';
import { KEY_STATUSES, SIGNATURE_STATUSES } from '../stores/validate.js';

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

// Answers. Every REST route declares its success answer and the Error. Fastify serializes an
// answer by its schema and drops every property the schema does not name: each schema below names
// every field its view can carry, and the open shapes (a signature request's result, an audit
// entry's details, a transaction's summary, a key's failure) accept any JSON.

const text = { type: 'string' } as const;
const integer = { type: 'integer' } as const;
const nodeIds = { type: 'array', items: integer } as const;
const nullableText = { type: 'string', nullable: true } as const;
/** Any JSON value (serialized as it is). */
const anyJson = {} as const;
const ref = (id: string) => ({ $ref: `${id}#` }) as const;

/** The API's error answer (errors.ts): its code, a message for people, and the details the code names. */
const errorBody = {
  type: 'object',
  required: ['code', 'message', 'retriable'],
  properties: {
    code: { type: 'string', enum: Object.keys(ERROR_CODES) },
    message: text,
    retriable: { type: 'boolean' },
    culprits: nodeIds,
    waitingFor: nodeIds,
    gone: nodeIds,
    reason: text,
    retryAfter: integer,
  },
} as const;

const errorReply = { $id: 'Error', type: 'object', required: ['error'], properties: { error: errorBody } } as const;

const keyReply = {
  $id: 'Key',
  type: 'object',
  required: ['id', 'scheme', 'threshold', 'parties', 'committee', 'publicKey', 'status', 'label', 'version', 'createdAt', 'updatedAt'],
  properties: {
    id: text,
    scheme: { type: 'string', enum: SCHEMES },
    threshold: integer,
    parties: integer,
    committee: nodeIds,
    publicKey: nullableText,
    status: { type: 'string', enum: KEY_STATUSES },
    label: nullableText,
    version: integer,
    chainCode: text,
    xpub: text,
    failure: anyJson,
    createdAt: text,
    updatedAt: text,
  },
} as const;

/** A signature as signing answers it (coordinator/signing.ts SignatureResponse). */
const signatureReply = {
  $id: 'Signature',
  type: 'object',
  required: ['id', 'keyId', 'signature', 'publicKey', 'signers', 'pooled'],
  properties: {
    id: text,
    keyId: text,
    signature: text,
    recoveryId: integer,
    digest: text,
    publicKey: text,
    path: text,
    signers: nodeIds,
    pooled: { type: 'boolean' },
    presignature: { type: 'string', enum: ['made-for-this-digest'] },
  },
} as const;

const signatureRequestReply = {
  $id: 'SignatureRequest',
  type: 'object',
  required: ['id', 'keyId', 'status', 'result', 'createdAt', 'updatedAt'],
  properties: { id: text, keyId: text, status: { type: 'string', enum: SIGNATURE_STATUSES }, result: anyJson, createdAt: text, updatedAt: text },
} as const;

const nodeReply = {
  $id: 'Node',
  type: 'object',
  required: ['id', 'name', 'status', 'noisePublicKey', 'lastSeen'],
  properties: { id: integer, name: text, status: { type: 'string', enum: ['online', 'offline'] }, noisePublicKey: text, lastSeen: nullableText },
} as const;

const auditEntryReply = {
  $id: 'AuditEntry',
  type: 'object',
  required: ['seq', 'at', 'action', 'actor', 'subject', 'details', 'prevHash', 'hash'],
  properties: { seq: integer, at: text, action: text, actor: text, subject: text, details: { type: 'object', additionalProperties: true }, prevHash: text, hash: text },
} as const;

const apiKeyReply = {
  $id: 'ApiKey',
  type: 'object',
  required: ['prefix', 'name', 'scopes', 'createdAt', 'expiresAt', 'revokedAt'],
  properties: { prefix: text, name: text, scopes: { type: 'array', items: { type: 'string', enum: API_KEY_SCOPES } }, createdAt: text, expiresAt: nullableText, revokedAt: nullableText },
} as const;

/** The schemas answers refer to by id (the app adds them; the OpenAPI document lists them as components). */
export const SHARED_REPLIES = [errorReply, keyReply, signatureReply, signatureRequestReply, nodeReply, auditEntryReply, apiKeyReply];

/** A route's answers: `success` by status, every 4xx and 5xx the Error. */
export const replies = (success: Record<number, object>) => ({ ...success, '4xx': ref('Error'), '5xx': ref('Error') });

export const keyReplyRef = ref('Key');
export const signatureReplyRef = ref('Signature');
export const signatureRequestReplyRef = ref('SignatureRequest');
export const apiKeyReplyRef = ref('ApiKey');

export const keyListReply = { type: 'object', required: ['keys'], properties: { keys: { type: 'array', items: keyReplyRef } } } as const;

export const signatureListReply = { type: 'object', required: ['signatures'], properties: { signatures: { type: 'array', items: signatureRequestReplyRef }, next: text } } as const;

/** A batch answers each item's signature or its error, in order. */
export const batchSignReply = {
  type: 'object',
  required: ['signatures'],
  properties: { signatures: { type: 'array', items: { anyOf: [signatureReplyRef, { type: 'object', required: ['error'], properties: { error: errorBody } }] } } },
} as const;

export const poolsReply = {
  type: 'object',
  required: ['keyId', 'version', 'enabled'],
  properties: {
    keyId: text,
    version: integer,
    enabled: { type: 'boolean' },
    nonces: { type: 'array', items: { type: 'object', required: ['node', 'size', 'depth'], properties: { node: integer, size: integer, depth: integer } } },
    presignatures: { type: 'array', items: { type: 'object', required: ['signers', 'size', 'depth'], properties: { signers: nodeIds, size: integer, depth: integer } } },
  },
} as const;

export const nodeListReply = { type: 'array', items: ref('Node') } as const;

export const auditListReply = { type: 'object', required: ['entries'], properties: { entries: { type: 'array', items: ref('AuditEntry') }, next: integer } } as const;

export const auditVerificationReply = {
  type: 'object',
  required: ['ok', 'entries', 'checkpoints'],
  properties: { ok: { type: 'boolean' }, entries: integer, checkpoints: integer, firstBroken: { type: 'object', required: ['seq', 'reason'], properties: { seq: integer, reason: text } } },
} as const;

export const chainListReply = {
  type: 'object',
  required: ['chains'],
  properties: { chains: { type: 'array', items: { type: 'object', required: ['id', 'name', 'scheme', 'formats'], properties: { id: text, name: text, scheme: { type: 'string', enum: SCHEMES }, formats: { type: 'array', items: text } } } } },
} as const;

/** An address of a key (or of its child along `path`), and the key it is of. */
const addressFields = { keyId: text, chain: text, format: text, path: text, address: text, publicKey: text } as const;
const addressRequired = ['keyId', 'chain', 'format', 'path', 'address', 'publicKey'] as const;
/** Each signing item's signature request and signature. */
const itemSignatures = { type: 'array', items: { type: 'object', required: ['id', 'signature'], properties: { id: text, signature: text } } } as const;

export const addressReply = { type: 'object', required: addressRequired, properties: addressFields } as const;

export const transactionReply = {
  type: 'object',
  required: [...addressRequired, 'signedTransaction', 'txHash', 'signatures', 'summary'],
  // The summary is the chain's own (packages/chains TransactionSummary).
  properties: { ...addressFields, signedTransaction: text, txHash: text, signatures: itemSignatures, summary: { type: 'object', additionalProperties: true } },
} as const;

export const messageReply = {
  type: 'object',
  required: [...addressRequired, 'signature', 'signatures'],
  properties: { ...addressFields, standard: text, signature: text, signatures: itemSignatures },
} as const;

export const apiKeyListReply = { type: 'object', required: ['apiKeys'], properties: { apiKeys: { type: 'array', items: apiKeyReplyRef } } } as const;

/** A new API key: its record and, this once, its token. */
export const createdApiKeyReply = { type: 'object', required: [...apiKeyReply.required, 'token'], properties: { ...apiKeyReply.properties, token: text } } as const;

export const sessionReply = {
  type: 'object',
  required: ['token', 'expiresAt', 'scopes'],
  properties: { token: text, expiresAt: text, scopes: apiKeyReply.properties.scopes },
} as const;

export const statusReply = { type: 'object', required: ['status'], properties: { status: text } } as const;

export const readinessReply = {
  type: 'object',
  required: ['status', 'nodesOnline', 'dependencies'],
  properties: {
    status: { type: 'string', enum: ['ready', 'not-ready'] },
    nodesOnline: integer,
    /** Each store and bus the instance needs: whether it answered just now. */
    dependencies: { type: 'object', additionalProperties: { type: 'string', enum: ['up', 'down'] } },
  },
} as const;
