/**
 * The API's requests and answers as the SDK sees them. Written here, not imported from the
 * server (DESIGN §3: the SDK imports nothing server-side); the README's API table is the contract.
 */

export const SCHEMES = ['ecdsa-secp256k1', 'schnorr-bip340', 'eddsa-ed25519'] as const;
export type Scheme = (typeof SCHEMES)[number];

export const ECDSA_HASHES = ['sha256', 'sha256d', 'keccak256', 'sha512half'] as const;
export type EcdsaHash = (typeof ECDSA_HASHES)[number];

export const API_KEY_SCOPES = ['keys:read', 'keys:create', 'sign', 'audit:read', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export type KeyStatus = 'pending' | 'active' | 'failed';
export type SignatureStatus = 'pending' | 'completed' | 'failed';

export interface Health {
  status: 'ok';
}

export interface Readiness {
  status: 'ready' | 'not-ready';
  nodesOnline: number;
}

export interface Node {
  id: number;
  name: string;
  status: 'online' | 'offline';
  noisePublicKey: string;
  lastSeen: string | null;
}

export interface CreateKeyRequest {
  scheme: Scheme;
  threshold: number;
  parties: number;
  label?: string;
}

/** A key: `parties` is the committee size, `committee` its node ids. */
export interface Key {
  id: string;
  scheme: Scheme;
  threshold: number;
  parties: number;
  committee: number[];
  /** Null until key generation completes. */
  publicKey: string | null;
  status: KeyStatus;
  label: string | null;
  version: number;
  chainCode?: string;
  xpub?: string;
  /** Why key generation failed (the API error it ended with). */
  failure?: unknown;
  createdAt: string;
  updatedAt: string;
}

export interface KeyPage {
  keys: Key[];
}

export type PoolLevels =
  | { keyId: string; version: number; enabled: boolean; nonces: { node: number; size: number; depth: number }[] }
  | { keyId: string; version: number; enabled: boolean; presignatures: { signers: number[]; size: number; depth: number }[] }
  | { keyId: string; version: number; enabled: false };

/** One signature: a message (hex; with `hash` for ECDSA) or, for ECDSA, a raw 32-byte `digest`. */
export interface SignRequest {
  message?: string;
  hash?: EcdsaHash;
  digest?: string;
  /** Committee members (ascending) to sign; the coordinator picks a quorum when absent. */
  signers?: number[];
  /** A non-hardened derivation path such as m/0/1. */
  path?: string;
}

export interface BatchSignRequest {
  messages?: string[];
  hash?: EcdsaHash;
  digests?: string[];
  signers?: number[];
  path?: string;
}

export interface Signature {
  id: string;
  keyId: string;
  signature: string;
  recoveryId?: number;
  digest?: string;
  publicKey: string;
  path?: string;
  signers: number[];
  pooled: boolean;
  presignature?: 'made-for-this-digest';
}

export interface ApiErrorBody {
  code: string;
  message: string;
  retriable: boolean;
  culprits?: number[];
  waitingFor?: number[];
  gone?: number[];
  reason?: string;
  retryAfter?: number;
}

/** An item of a batch: its signature, or the error it failed with. */
export type BatchItem = Signature | { error: ApiErrorBody };

export interface SignatureRequest {
  id: string;
  keyId: string;
  status: SignatureStatus;
  /** The signature once completed, the error once failed, null while pending. */
  result: Signature | ApiErrorBody | null;
  createdAt: string;
  updatedAt: string;
}

export interface SignatureListQuery {
  keyId?: string;
  status?: SignatureStatus;
  limit?: number;
  cursor?: string;
}

export interface SignaturePage {
  signatures: SignatureRequest[];
  next?: string;
}

export interface Chain {
  id: string;
  name: string;
  scheme: Scheme;
  formats: string[];
}

export interface AddressRequest {
  chain: string;
  path?: string;
  format?: string;
}

export interface Address {
  keyId: string;
  chain: string;
  format: string;
  path: string;
  address: string;
  publicKey: string;
}

export interface TransactionRequest extends AddressRequest {
  /** The chain's unsigned transaction in its own form (a PSBT in base64, EVM fields, …). */
  transaction: unknown;
  signers?: number[];
}

export interface TransactionSummary {
  chain: string;
  from: string;
  transfers: { to: string; amount: string; asset?: string }[];
  fee?: string;
  chainId?: string;
  notes?: string[];
}

export interface SignedTransaction extends Address {
  signedTransaction: string;
  txHash: string;
  signatures: { id: string; signature: string }[];
  summary: TransactionSummary;
}

export interface MessageRequest extends AddressRequest {
  /** The message in the standard's form (EVM eip191: { text } or { hex }; eip712: the typed data; …). */
  message: unknown;
  standard?: string;
  signers?: number[];
}

export interface SignedMessage extends Address {
  standard?: string;
  signature: string;
  signatures: { id: string; signature: string }[];
}

export interface AuditEntry {
  seq: number;
  at: string;
  action: string;
  actor: string;
  subject: string;
  details: unknown;
  prevHash: string;
  hash: string;
}

export interface AuditPage {
  entries: AuditEntry[];
  next?: number;
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  checkpoints: number;
  firstBroken?: { seq: number; reason: string };
}

export interface CreateApiKeyRequest {
  name: string;
  scopes: ApiKeyScope[];
  /** RFC 3339 with a time zone, e.g. 2027-01-01T00:00:00Z. */
  expiresAt?: string;
}

export interface ApiKey {
  prefix: string;
  name: string;
  scopes: ApiKeyScope[];
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

/** A new API key: `token` is in this answer only. */
export interface CreatedApiKey extends ApiKey {
  token: string;
}

export interface CreateSessionRequest {
  scopes?: ApiKeyScope[];
  /** 60 to 3600; 900 when absent. */
  ttlSeconds?: number;
}

export interface Session {
  token: string;
  expiresAt: string;
  scopes: ApiKeyScope[];
}

/** Stored events, as the coordinator names them (key.created: asked for; key.completed: its key generation ended). */
export const EVENT_TYPES = [
  'key.created',
  'key.completed',
  'key.failed',
  'key.refreshed',
  'key.refresh-failed',
  'signature.created',
  'signature.completed',
  'signature.failed',
  'node.online',
  'node.offline',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Live progress on the stream only: not stored, so without a seq, never resumed or posted to webhooks. */
export const PROGRESS_TYPES = ['key.progress', 'signature.progress'] as const;
export type ProgressType = (typeof PROGRESS_TYPES)[number];

/** What happened: `subject` is the key id, the signature request id, or `node:<id>`. */
export interface WalletEvent {
  seq: number;
  type: EventType | (string & {});
  at: string;
  subject: string;
  data: Record<string, unknown>;
}

/** A node has sent a round of a key's generation or refresh, or of a signature (stream only). */
export interface ProgressEvent {
  type: ProgressType;
  at: string;
  subject: string;
  data: { node: number; protocol: string; round: number };
}

/** What the stream delivers: stored events (with a seq) and progress reports (without). */
export type StreamEvent = WalletEvent | ProgressEvent;

export function isProgress(event: StreamEvent): event is ProgressEvent {
  return !('seq' in event) || typeof (event as { seq?: unknown }).seq !== 'number';
}

export interface EventListQuery {
  after?: number;
  /** Event types or families such as `signature.*`. */
  types?: string[];
  limit?: number;
}

export interface EventPage {
  events: WalletEvent[];
  next?: number;
}

export interface CreateWebhookRequest {
  url: string;
  types?: string[];
  description?: string;
}

export interface Webhook {
  id: string;
  url: string;
  /** Event types or families it receives (every type when it was created without). */
  types: string[];
  description?: string;
  /** Who registered it (api-key:<prefix>, …). */
  createdBy: string;
  createdAt: string;
}

/** A new webhook: `secret` (whsec_…) is in this answer only. */
export interface CreatedWebhook extends Webhook {
  secret: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface Delivery {
  id: string;
  webhookId: string;
  eventSeq: number;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatus?: number;
  lastError?: string;
  nextAttemptAt?: string;
  createdAt: string;
  updatedAt: string;
}

export interface DeliveryListQuery {
  status?: DeliveryStatus;
  limit?: number;
  cursor?: string;
}

export interface DeliveryPage {
  deliveries: Delivery[];
  next?: string;
}
