/**
 * The GraphQL schema (SDL) and its root fields. Every root field names the scope it needs — the
 * scope of the REST route that does the same (`rest`, checked by the route-table test) — and is
 * refused with `FORBIDDEN` before its service is called. Arguments are checked against the REST
 * bodies' own schemas (schemas.ts) and converted by the same functions (requests.ts); answers are
 * the REST views (views.ts).
 */
import { GraphQLError, GraphQLScalarType, Kind, buildSchema } from 'graphql';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../../errors.js';
import type { Principal } from '../../coordinator/api-keys.js';
import { type ApiKeyScope, type SignatureStatus } from '../../stores/types.js';
import { SIGNATURE_STATUSES } from '../../stores/validate.js';
import type { ApiAccess } from '../access.js';
import type { ApiServices } from '../services.js';
import { type BatchSignBody, type CreateKeyBody, type SignBody, batchSignInputs, createKeyInput, signInput } from '../requests.js';
import { MAX_KEYS_PAGE, MAX_PAGE, batchSignBody, createKeyBody, idempotencyHeaders, keyIdParams, listQuery, signBody, signatureListQuery } from '../schemas.js';
import { entryView, keyView, nodeView, signatureView } from '../views.js';

const SDL = /* GraphQL */ `
"""A non-negative integer of up to 53 bits (an audit log's sequence numbers outgrow GraphQL's 32-bit Int)."""
scalar UInt53

"""Any JSON value: a signature request's result, an audit entry's details, a key's failure."""
scalar JSON

enum SignatureStatus { ${SIGNATURE_STATUSES.join(' ')} }

"""A threshold key; \`parties\` is the committee size, \`committee\` its node ids."""
type Key {
  id: ID!
  scheme: String!
  threshold: Int!
  parties: Int!
  committee: [Int!]!
  publicKey: String
  status: String!
  label: String
  version: Int!
  chainCode: String
  """BIP32 extended public key (secp256k1 keys with a chain code)."""
  xpub: String
  """Why key generation failed (abort code and culprits)."""
  failure: JSON
  createdAt: String!
  updatedAt: String!
}

type KeyPage {
  keys: [Key!]!
  """The \`after\` of the next page; absent on the last one."""
  next: ID
}

"""A signature as signing answers it; ECDSA adds recoveryId and the digest signed."""
type Signature {
  id: ID!
  keyId: ID!
  signature: String!
  recoveryId: Int
  digest: String
  publicKey: String!
  path: String
  signers: [Int!]!
  pooled: Boolean!
  presignature: String
}

"""An error in the API's vocabulary: a batch item that failed."""
type ItemError {
  code: String!
  message: String!
  retriable: Boolean!
  culprits: [Int!]
  waitingFor: [Int!]
  gone: [Int!]
  reason: String
}

"""One item of a batch: its signature, or its error."""
type BatchItem {
  signature: Signature
  error: ItemError
}

"""A recorded signature request; \`result\` is its signature, or its error."""
type SignatureRequest {
  id: ID!
  keyId: ID!
  status: SignatureStatus!
  result: JSON
  createdAt: String!
  updatedAt: String!
}

type SignaturePage {
  signatures: [SignatureRequest!]!
  """The \`cursor\` of the next page; absent on the last one."""
  next: String
}

type Node {
  id: Int!
  name: String!
  status: String!
  noisePublicKey: String!
  lastSeen: String
}

type AuditEntry {
  seq: UInt53!
  at: String!
  action: String!
  actor: String!
  subject: String!
  details: JSON!
  prevHash: String!
  hash: String!
}

type AuditPage {
  entries: [AuditEntry!]!
  """The \`after\` of the next page; absent when this one is empty."""
  next: UInt53
}

type AuditBreak {
  seq: UInt53!
  reason: String!
}

type AuditVerification {
  ok: Boolean!
  entries: UInt53!
  checkpoints: UInt53!
  firstBroken: AuditBreak
}

type Query {
  """Keys in id order, after the key \`after\` (scope keys:read)."""
  keys(limit: Int = 100, after: ID): KeyPage
  key(id: ID!): Key
  """A signature request by id (scope keys:read)."""
  signature(id: ID!): SignatureRequest
  """Signature requests, newest first (scope keys:read)."""
  signatures(keyId: ID, status: SignatureStatus, cursor: String, limit: Int = 100): SignaturePage
  nodes: [Node!]
  """Audit entries after the sequence number \`after\` (scope audit:read)."""
  auditEntries(after: UInt53 = 0, limit: Int = 100): AuditPage
  """Walks the whole hash chain and its checkpoints: its time grows with the log (scope audit:read)."""
  auditVerification: AuditVerification
}

type Mutation {
  """Starts key generation (scope keys:create); an ECDSA key is pending until its aux info is made."""
  createKey(scheme: String!, threshold: Int!, parties: Int!, label: String): Key
  refreshKey(id: ID!): Key
  """One signature (scope sign): a message (ECDSA: with its hash) or a 32-byte digest, hex."""
  sign(keyId: ID!, message: String, hash: String, digest: String, signers: [Int!], path: String, idempotencyKey: String): Signature
  """Up to 256 signatures in one request (scope sign): messages or digests; each item answers its signature or its error."""
  signBatch(keyId: ID!, messages: [String!], hash: String, digests: [String!], signers: [Int!], path: String, idempotencyKey: String): [BatchItem!]
}
`;

/** What every resolver is given: the HTTP request and its authenticated principal. */
export interface GraphqlContext {
  request: FastifyRequest;
  principal: Principal;
}

type Args = Record<string, unknown>;

interface RootField {
  scope: ApiKeyScope;
  /** The REST route that does the same, whose scope this field's must equal. */
  rest: string;
  resolve(args: Args, context: GraphqlContext): Promise<unknown>;
}

/** Each root field's scope and matching REST route (for the route-table test). */
export type RootFieldAccess = Record<string, { scope: ApiKeyScope; rest: string }>;

/** The schema, its root values (resolvers guarded by scope) and each root field's access. */
export function graphqlSchema(services: ApiServices, access: ApiAccess) {
  const fields = rootFields(services);
  const schema = buildSchema(SDL);
  defineUInt53(schema.getType('UInt53') as GraphQLScalarType);
  const declared = [schema.getQueryType(), schema.getMutationType()].flatMap((type) => Object.keys(type?.getFields() ?? {}).map((f) => `${type!.name}.${f}`));
  const defined = Object.entries(fields).flatMap(([type, byName]) => Object.keys(byName).map((f) => `${type}.${f}`));
  // An unguarded field or a resolver without a field is a programming error: refuse to start.
  if (declared.sort().join() !== defined.sort().join()) throw new Error(`GraphQL root fields and resolvers differ: ${declared.join(', ')} / ${defined.join(', ')}`);

  const rootValue: Record<string, (args: Args, context: GraphqlContext) => Promise<unknown>> = {};
  const fieldAccess: RootFieldAccess = {};
  for (const [type, byName] of Object.entries(fields)) {
    for (const [name, field] of Object.entries(byName)) {
      const path = `${type}.${name}`;
      fieldAccess[path] = { scope: field.scope, rest: field.rest };
      // Called as `rootValue[name](args, context, info)` by graphql-js's default resolver.
      rootValue[name] = (args: Args, context: GraphqlContext) => {
        access.authorize(context.principal, field.scope, context.request, path);
        return field.resolve(withoutNulls(args), context);
      };
    }
  }
  return { schema, rootValue, fieldAccess };
}

function rootFields({ keys, signing, hub, audit }: ApiServices): { Query: Record<string, RootField>; Mutation: Record<string, RootField> } {
  return {
    Query: {
      keys: {
        scope: 'keys:read',
        rest: 'GET /v1/keys',
        async resolve(args, { request }) {
          const limit = pageSize(args.limit, MAX_KEYS_PAGE);
          const { after } = checked<{ after?: string }>(request, listQuery, args.after !== undefined ? { after: args.after } : {});
          const list = await keys.list({ limit, ...(after !== undefined ? { after } : {}) });
          return { keys: list.map(keyView), ...(list.length === limit ? { next: list.at(-1)!.id } : {}) };
        },
      },
      key: { scope: 'keys:read', rest: 'GET /v1/keys/:id', resolve: async (args, { request }) => keyView(await keys.get(recordId(request, args.id))) },
      signature: { scope: 'keys:read', rest: 'GET /v1/signatures/:id', resolve: async (args, { request }) => signatureView(await signing.get(recordId(request, args.id))) },
      signatures: {
        scope: 'keys:read',
        rest: 'GET /v1/signatures',
        async resolve({ limit, ...filter }, { request }) {
          const { keyId, status, cursor } = checked<{ keyId?: string; status?: SignatureStatus; cursor?: string }>(request, signatureListQuery, filter);
          const size = pageSize(limit, MAX_PAGE);
          const page = await signing.list({ ...(keyId ? { keyId } : {}), ...(status ? { status } : {}), ...(cursor ? { cursor } : {}), limit: size });
          return { signatures: page.signatures.map(signatureView), ...(page.next ? { next: page.next } : {}) };
        },
      },
      nodes: { scope: 'keys:read', rest: 'GET /v1/nodes', resolve: async () => hub.status().map(nodeView) },
      auditEntries: {
        scope: 'audit:read',
        rest: 'GET /v1/audit',
        async resolve(args) {
          const limit = pageSize(args.limit, MAX_PAGE);
          const entries = await audit.list({ after: args.after as number, limit });
          return { entries: entries.map(entryView), ...(entries.length ? { next: entries.at(-1)!.seq } : {}) };
        },
      },
      auditVerification: { scope: 'audit:read', rest: 'GET /v1/audit/verify', resolve: () => audit.verify() },
    },
    Mutation: {
      createKey: {
        scope: 'keys:create',
        rest: 'POST /v1/keys',
        async resolve(args, { request, principal }) {
          const input = createKeyInput(checked<CreateKeyBody>(request, createKeyBody, args));
          return keyView(await keys.create(input, principal.actor));
        },
      },
      refreshKey: { scope: 'keys:create', rest: 'POST /v1/keys/:id/refresh', resolve: async (args, { request, principal }) => keyView(await keys.refresh(recordId(request, args.id), principal.actor)) },
      sign: {
        scope: 'sign',
        rest: 'POST /v1/keys/:id/signatures',
        async resolve({ keyId, idempotencyKey, ...body }, { request, principal }) {
          const [id, input, idempotencyKeyChecked] = [recordId(request, keyId, 'keyId'), signInput(checked<SignBody>(request, signBody, body), principal.actor), idempotency(request, idempotencyKey)];
          return signing.sign(id, input, idempotencyKeyChecked);
        },
      },
      signBatch: {
        scope: 'sign',
        rest: 'POST /v1/keys/:id/signatures::batch',
        async resolve({ keyId, idempotencyKey, ...body }, { request, principal }) {
          const [id, inputs, idempotencyKeyChecked] = [recordId(request, keyId, 'keyId'), batchSignInputs(checked<BatchSignBody>(request, batchSignBody, body), principal.actor), idempotency(request, idempotencyKey)];
          const items = await signing.signBatch(id, inputs, idempotencyKeyChecked);
          return items.map((item) => ('error' in item ? { error: item.error } : { signature: item }));
        },
      },
    },
  };
}

/**
 * `value` (arguments) checked against a REST schema by the app's own validator, as a REST body
 * is, or VALIDATION_FAILED naming the argument (`argument`: when the schema names it otherwise).
 */
function checked<T>(request: FastifyRequest, schema: object, value: unknown, argument?: string): T {
  const validate = request.compileValidationSchema(schema);
  if (validate(value)) return value as T;
  const first = validate.errors?.[0];
  const name = argument ?? first?.instancePath.split('/')[1];
  throw new ApiError('VALIDATION_FAILED', `${name ? `argument ${name} ` : ''}${first?.message ?? 'is invalid'}`);
}

/** A key's or signature request's id, checked as the REST path parameter. */
const recordId = (request: FastifyRequest, id: unknown, argument = 'id') => checked<{ id: string }>(request, keyIdParams, { id }, argument).id;

/** An idempotency key, checked as the REST header. */
function idempotency(request: FastifyRequest, key: unknown): string | undefined {
  if (key === undefined) return undefined;
  return checked<Record<string, string>>(request, idempotencyHeaders, { 'idempotency-key': key }, 'idempotencyKey')['idempotency-key'];
}

/** A page size of 1 to `max` (the REST routes' bounds). */
function pageSize(limit: unknown, max: number): number {
  if (typeof limit !== 'number' || limit < 1 || limit > max) throw new ApiError('VALIDATION_FAILED', `limit must be 1 to ${max}`);
  return limit;
}

/** GraphQL's explicit null is an absent argument here, as an absent field is in a REST body. */
function withoutNulls(args: Args): Args {
  return Object.fromEntries(Object.entries(args).filter(([, v]) => v !== null));
}

/** UInt53: a JSON number that is a non-negative safe integer, both ways. */
function defineUInt53(type: GraphQLScalarType): void {
  const safe = (value: unknown): number => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new GraphQLError(`UInt53 cannot represent ${String(value)}`);
    return value;
  };
  type.serialize = safe;
  type.parseValue = safe;
  type.parseLiteral = (node) => {
    if (node.kind !== Kind.INT) throw new GraphQLError('UInt53 must be an integer literal', { nodes: node });
    return safe(Number(node.value));
  };
}
