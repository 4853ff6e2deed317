/**
 * MpcWalletClient: every route of the API (v1), grouped by what it is about. Each method says
 * whether it may be retried (http.ts explains the two modes); signing calls carry an
 * Idempotency-Key, generated per call unless the caller passes one, and the same on every retry.
 */
import { randomUUID } from 'node:crypto';
import { CLIENT_ERROR_CODES, MpcWalletError } from './errors.js';
import { type CallOptions, Transport } from './http.js';
import { type RetryOptions, DEFAULT_RETRIES, checkRetryOptions, sleep } from './retry.js';
import { paginate } from './pages.js';
import { type StreamOptions, type SubscribeOptions, type Subscription, stream, subscribe } from './events.js';
import type * as T from './types.js';

export interface ClientOptions {
  /** The coordinator's base URL, e.g. http://127.0.0.1:8080. */
  url: string | URL;
  /** An API key (mpcw_…) or a session token; healthz and readyz need none. */
  apiKey?: string;
  /** Another fetch (tests, proxies, instrumentation); the global one by default. */
  fetch?: typeof fetch;
  retries?: Partial<RetryOptions>;
  /** Per attempt (a signature, a key generation's first answer): 60 s by default. */
  timeoutMs?: number;
  /** Told before each retry's wait. */
  onRetry?: (info: { attempt: number; delayMs: number; error: MpcWalletError }) => void;
}

/** Options of the calls that sign: their Idempotency-Key (a new UUID per call when absent). */
export interface SignOptions extends CallOptions {
  idempotencyKey?: string;
}

export interface WaitOptions {
  /** Give up after this long (WAIT_TIMEOUT); 10 minutes by default: ECDSA key generation can take minutes. */
  timeoutMs?: number;
  /** Between polls; 500 ms by default. */
  intervalMs?: number;
  /** After each poll that found the key still pending. */
  onProgress?: (key: T.Key, elapsedMs: number) => void;
  signal?: AbortSignal;
}

/** A refresh runs the protocol before it answers: minutes for a large ECDSA committee. */
const REFRESH_TIMEOUT_MS = 10 * 60_000;

const seg = (value: string, what: string): string => {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${what} must be a non-empty string`);
  return encodeURIComponent(value);
};

const idempotencyKeyOf = (opts: SignOptions | undefined): string => {
  const key = opts?.idempotencyKey ?? randomUUID();
  if (key.length < 1 || key.length > 200) throw new TypeError('idempotencyKey must be 1 to 200 characters');
  return key;
};

const callOptions = (opts: CallOptions | undefined): CallOptions => ({ ...(opts?.signal ? { signal: opts.signal } : {}), ...(opts?.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) });

export class MpcWalletClient {
  readonly keys: KeysApi;
  readonly signatures: SignaturesApi;
  readonly chains: ChainsApi;
  readonly nodes: NodesApi;
  readonly audit: AuditApi;
  readonly apiKeys: ApiKeysApi;
  readonly sessions: SessionsApi;
  readonly events: EventsApi;
  readonly webhooks: WebhooksApi;
  private readonly http: Transport;

  constructor(opts: ClientOptions) {
    let url: URL;
    try {
      url = new URL(String(opts.url));
    } catch {
      throw new TypeError(`url must be an http(s) URL, not ${JSON.stringify(String(opts.url))}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('url must be an http(s) URL');
    // The API's routes are relative to the base: keep a path prefix (behind a proxy) as a folder.
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    const timeoutMs = opts.timeoutMs ?? 60_000;
    if (!(timeoutMs > 0)) throw new TypeError('timeoutMs must be positive');
    const fetchImpl = opts.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function') throw new TypeError('no fetch: pass one in the options');
    this.http = new Transport({
      url,
      ...(opts.apiKey !== undefined ? { apiKey: opts.apiKey } : {}),
      fetch: fetchImpl,
      retries: checkRetryOptions({ ...DEFAULT_RETRIES, ...opts.retries }),
      timeoutMs,
      ...(opts.onRetry ? { onRetry: opts.onRetry } : {}),
    });
    this.keys = new KeysApi(this.http);
    this.signatures = new SignaturesApi(this.http, this.keys);
    this.chains = new ChainsApi(this.http);
    this.nodes = new NodesApi(this.http);
    this.audit = new AuditApi(this.http);
    this.apiKeys = new ApiKeysApi(this.http);
    this.sessions = new SessionsApi(this.http);
    this.events = new EventsApi(this.http, { ...DEFAULT_RETRIES, ...opts.retries });
    this.webhooks = new WebhooksApi(this.http);
  }

  /** GET /healthz: the coordinator process answers. */
  async health(opts?: CallOptions): Promise<T.Health> {
    return (await this.http.call<T.Health>({ method: 'GET', path: 'healthz', retry: 'idempotent', anonymous: true, ...callOptions(opts) })).body;
  }

  /** GET /readyz: whether enough nodes are online to sign (503 "not-ready" is an answer here, not an error). */
  async ready(opts?: CallOptions): Promise<T.Readiness> {
    return (await this.http.call<T.Readiness>({ method: 'GET', path: 'readyz', retry: 'idempotent', anonymous: true, answers: [503], ...callOptions(opts) })).body;
  }
}

class KeysApi {
  constructor(private readonly http: Transport) {}

  /**
   * POST /v1/keys: starts key generation. FROST keys usually answer active; ECDSA keys answer
   * `pending` (then waitUntilActive). Not retried after a network error (it could make a second
   * key), only when the server refused it before acting (RATE_LIMITED, NOT_ENOUGH_NODES).
   */
  async create(request: T.CreateKeyRequest, opts?: CallOptions): Promise<T.Key> {
    return (await this.http.call<T.Key>({ method: 'POST', path: 'v1/keys', body: request, retry: 'unprocessed-only', refusedBefore: ['NOT_ENOUGH_NODES'], ...callOptions(opts) })).body;
  }

  /** GET /v1/keys: a page of keys in id order, after the key id `after`. */
  async list(query: { limit?: number; after?: string } = {}, opts?: CallOptions): Promise<T.KeyPage> {
    return (await this.http.call<T.KeyPage>({ method: 'GET', path: 'v1/keys', query, retry: 'idempotent', ...callOptions(opts) })).body;
  }

  /** Every key, a page at a time. */
  all(query: { limit?: number } = {}, opts?: CallOptions): AsyncGenerator<T.Key, void, undefined> {
    const limit = query.limit ?? 100;
    return paginate(
      (after: string | undefined) => this.list({ limit, ...(after !== undefined ? { after } : {}) }, opts),
      // The route names no next cursor: a full page may have more after its last id.
      (page) => ({ items: page.keys, next: page.keys.length === limit ? page.keys.at(-1)?.id : undefined }),
    );
  }

  /** GET /v1/keys/{id}. */
  async get(id: string, opts?: CallOptions): Promise<T.Key> {
    return (await this.http.call<T.Key>({ method: 'GET', path: `v1/keys/${seg(id, 'id')}`, retry: 'idempotent', ...callOptions(opts) })).body;
  }

  /** GET /v1/keys/{id}/pools: how full the key's nonce or presignature pools are. */
  async pools(id: string, opts?: CallOptions): Promise<T.PoolLevels> {
    return (await this.http.call<T.PoolLevels>({ method: 'GET', path: `v1/keys/${seg(id, 'id')}/pools`, retry: 'idempotent', ...callOptions(opts) })).body;
  }

  /**
   * POST /v1/keys/{id}/refresh: new shares, same public key, version + 1. Not idempotent (a
   * second refresh makes another version), so retried only when refused before it started.
   */
  async refresh(id: string, opts?: CallOptions): Promise<T.Key> {
    return (await this.http.call<T.Key>({ method: 'POST', path: `v1/keys/${seg(id, 'id')}/refresh`, retry: 'unprocessed-only', refusedBefore: ['NOT_ENOUGH_NODES'], timeoutMs: REFRESH_TIMEOUT_MS, ...callOptions(opts) })).body;
  }

  /** Polls the key until it is no longer pending: resolves with it active, throws KEY_FAILED or WAIT_TIMEOUT. */
  async waitUntilActive(id: string, opts: WaitOptions = {}): Promise<T.Key> {
    const timeoutMs = opts.timeoutMs ?? 10 * 60_000;
    const intervalMs = opts.intervalMs ?? 500;
    const started = Date.now();
    for (;;) {
      const key = await this.get(id, opts.signal ? { signal: opts.signal } : undefined);
      if (key.status === 'active') return key;
      if (key.status === 'failed') throw new MpcWalletError({ status: 0, code: CLIENT_ERROR_CODES.KEY_FAILED, message: `key ${id} failed: ${JSON.stringify(key.failure ?? null)}`, retriable: false, cause: key.failure });
      const elapsed = Date.now() - started;
      opts.onProgress?.(key, elapsed);
      if (elapsed + intervalMs > timeoutMs) throw new MpcWalletError({ status: 0, code: CLIENT_ERROR_CODES.WAIT_TIMEOUT, message: `key ${id} is still ${key.status} after ${Math.round(elapsed / 1000)} s`, retriable: true });
      await sleep(intervalMs, opts.signal);
    }
  }

  /** POST /v1/keys/{id}/signatures: one signature (idempotent by its Idempotency-Key). */
  async sign(id: string, request: T.SignRequest, opts?: SignOptions): Promise<T.Signature> {
    return (await this.http.call<T.Signature>({ method: 'POST', path: `v1/keys/${seg(id, 'id')}/signatures`, body: request, retry: 'idempotent', idempotencyKey: idempotencyKeyOf(opts), ...callOptions(opts) })).body;
  }

  /** POST /v1/keys/{id}/signatures:batch: up to 256, each a signature or its own error, in order. */
  async signBatch(id: string, request: T.BatchSignRequest, opts?: SignOptions): Promise<T.BatchItem[]> {
    const answer = await this.http.call<{ signatures: T.BatchItem[] }>({ method: 'POST', path: `v1/keys/${seg(id, 'id')}/signatures:batch`, body: request, retry: 'idempotent', idempotencyKey: idempotencyKeyOf(opts), ...callOptions(opts) });
    return answer.body.signatures;
  }

  /** POST /v1/keys/{id}/addresses: the key's (or a derived child's) address on a chain. Pure: retried freely. */
  async address(id: string, request: T.AddressRequest, opts?: CallOptions): Promise<T.Address> {
    return (await this.http.call<T.Address>({ method: 'POST', path: `v1/keys/${seg(id, 'id')}/addresses`, body: request, retry: 'idempotent', ...callOptions(opts) })).body;
  }

  /** POST /v1/keys/{id}/transactions: signs a chain's unsigned transaction (idempotent by its Idempotency-Key). */
  async signTransaction(id: string, request: T.TransactionRequest, opts?: SignOptions): Promise<T.SignedTransaction> {
    return (await this.http.call<T.SignedTransaction>({ method: 'POST', path: `v1/keys/${seg(id, 'id')}/transactions`, body: request, retry: 'idempotent', idempotencyKey: idempotencyKeyOf(opts), ...callOptions(opts) })).body;
  }

  /** POST /v1/keys/{id}/messages: signs a message under a chain's standard (idempotent by its Idempotency-Key). */
  async signMessage(id: string, request: T.MessageRequest, opts?: SignOptions): Promise<T.SignedMessage> {
    return (await this.http.call<T.SignedMessage>({ method: 'POST', path: `v1/keys/${seg(id, 'id')}/messages`, body: request, retry: 'idempotent', idempotencyKey: idempotencyKeyOf(opts), ...callOptions(opts) })).body;
  }
}

class SignaturesApi {
  constructor(
    private readonly http: Transport,
    private readonly keys: KeysApi,
  ) {}

  /** POST /v1/keys/{keyId}/signatures (the same as keys.sign). */
  sign(keyId: string, request: T.SignRequest, opts?: SignOptions): Promise<T.Signature> {
    return this.keys.sign(keyId, request, opts);
  }

  /** POST /v1/keys/{keyId}/signatures:batch (the same as keys.signBatch). */
  batch(keyId: string, request: T.BatchSignRequest, opts?: SignOptions): Promise<T.BatchItem[]> {
    return this.keys.signBatch(keyId, request, opts);
  }

  /** GET /v1/signatures/{id}: a request's status and result. */
  async get(id: string, opts?: CallOptions): Promise<T.SignatureRequest> {
    return (await this.http.call<T.SignatureRequest>({ method: 'GET', path: `v1/signatures/${seg(id, 'id')}`, retry: 'idempotent', ...callOptions(opts) })).body;
  }

  /** GET /v1/signatures: newest first, a page. */
  async list(query: T.SignatureListQuery = {}, opts?: CallOptions): Promise<T.SignaturePage> {
    return (await this.http.call<T.SignaturePage>({ method: 'GET', path: 'v1/signatures', query: { ...query }, retry: 'idempotent', ...callOptions(opts) })).body;
  }

  /** Every signature request matching `query`, a page at a time. */
  all(query: Omit<T.SignatureListQuery, 'cursor'> = {}, opts?: CallOptions): AsyncGenerator<T.SignatureRequest, void, undefined> {
    return paginate(
      (cursor: string | undefined) => this.list({ ...query, ...(cursor !== undefined ? { cursor } : {}) }, opts),
      (page) => ({ items: page.signatures, next: page.next }),
    );
  }
}

class ChainsApi {
  constructor(private readonly http: Transport) {}

  /** GET /v1/chains: the supported chains. */
  async list(opts?: CallOptions): Promise<T.Chain[]> {
    return (await this.http.call<{ chains: T.Chain[] }>({ method: 'GET', path: 'v1/chains', retry: 'idempotent', ...callOptions(opts) })).body.chains;
  }
}

class NodesApi {
  constructor(private readonly http: Transport) {}

  /** GET /v1/nodes: each signer node, online or not. */
  async list(opts?: CallOptions): Promise<T.Node[]> {
    return (await this.http.call<T.Node[]>({ method: 'GET', path: 'v1/nodes', retry: 'idempotent', ...callOptions(opts) })).body;
  }
}

class AuditApi {
  constructor(private readonly http: Transport) {}

  /** GET /v1/audit: entries with seq > after. */
  async list(query: { after?: number; limit?: number } = {}, opts?: CallOptions): Promise<T.AuditPage> {
    return (await this.http.call<T.AuditPage>({ method: 'GET', path: 'v1/audit', query: { ...query }, retry: 'idempotent', ...callOptions(opts) })).body;
  }

  /** Every entry after `after`, a page at a time. */
  all(query: { after?: number; limit?: number } = {}, opts?: CallOptions): AsyncGenerator<T.AuditEntry, void, undefined> {
    return paginate(
      (after: number | undefined) => this.list({ ...query, ...(after !== undefined ? { after } : {}) }, opts),
      (page) => ({ items: page.entries, next: page.next }),
    );
  }

  /** GET /v1/audit/verify: walks the whole chain (its time grows with the log). */
  async verify(opts?: CallOptions): Promise<T.AuditVerification> {
    return (await this.http.call<T.AuditVerification>({ method: 'GET', path: 'v1/audit/verify', retry: 'idempotent', ...callOptions(opts) })).body;
  }
}

class ApiKeysApi {
  constructor(private readonly http: Transport) {}

  /** POST /v1/api-keys: a new key; its token is in this answer only. Not retried once sent (a second key). */
  async create(request: T.CreateApiKeyRequest, opts?: CallOptions): Promise<T.CreatedApiKey> {
    return (await this.http.call<T.CreatedApiKey>({ method: 'POST', path: 'v1/api-keys', body: request, retry: 'unprocessed-only', ...callOptions(opts) })).body;
  }

  /** GET /v1/api-keys. */
  async list(opts?: CallOptions): Promise<T.ApiKey[]> {
    return (await this.http.call<{ apiKeys: T.ApiKey[] }>({ method: 'GET', path: 'v1/api-keys', retry: 'idempotent', ...callOptions(opts) })).body.apiKeys;
  }

  /** DELETE /v1/api-keys/{prefix}: revoking twice leaves it revoked, so it is retried. */
  async revoke(prefix: string, opts?: CallOptions): Promise<T.ApiKey> {
    return (await this.http.call<T.ApiKey>({ method: 'DELETE', path: `v1/api-keys/${seg(prefix, 'prefix')}`, retry: 'idempotent', ...callOptions(opts) })).body;
  }
}

class SessionsApi {
  constructor(private readonly http: Transport) {}

  /** POST /v1/sessions: a session token. A lost answer's token expires unused, so it is retried. */
  async create(request: T.CreateSessionRequest = {}, opts?: CallOptions): Promise<T.Session> {
    return (await this.http.call<T.Session>({ method: 'POST', path: 'v1/sessions', body: request, retry: 'idempotent', ...callOptions(opts) })).body;
  }
}

class EventsApi {
  constructor(
    private readonly http: Transport,
    private readonly retries: RetryOptions,
  ) {}

  /** GET /v1/events: stored events after `after`. */
  async list(query: T.EventListQuery = {}, opts?: CallOptions): Promise<T.EventPage> {
    const { types, ...rest } = query;
    return (await this.http.call<T.EventPage>({ method: 'GET', path: 'v1/events', query: { ...rest, ...(types?.length ? { types: types.join(',') } : {}) }, retry: 'idempotent', ...callOptions(opts) })).body;
  }

  /** Every stored event after `after`, a page at a time (then it ends: `subscribe` follows new ones). */
  all(query: T.EventListQuery = {}, opts?: CallOptions): AsyncGenerator<T.WalletEvent, void, undefined> {
    return paginate(
      (after: number | undefined) => this.list({ ...query, ...(after !== undefined ? { after } : {}) }, opts),
      (page) => ({ items: page.events, next: page.next }),
    );
  }

  /** Follows the stream over WebSocket, reconnecting and resuming after the last event delivered. */
  subscribe(opts: SubscribeOptions): Subscription {
    return subscribe(this.target(), opts);
  }

  /** The stream as an async iterator (leaving the loop closes it). */
  stream(opts: StreamOptions = {}): AsyncIterableIterator<T.StreamEvent> {
    return stream(this.target(), opts);
  }

  private target() {
    return { url: this.http.url, ...(this.http.apiKey !== undefined ? { apiKey: this.http.apiKey } : {}), retries: this.retries };
  }
}

class WebhooksApi {
  constructor(private readonly http: Transport) {}

  /** POST /v1/webhooks: its secret is in this answer only. Not retried once sent (a second webhook). */
  async create(request: T.CreateWebhookRequest, opts?: CallOptions): Promise<T.CreatedWebhook> {
    return (await this.http.call<T.CreatedWebhook>({ method: 'POST', path: 'v1/webhooks', body: request, retry: 'unprocessed-only', ...callOptions(opts) })).body;
  }

  /** GET /v1/webhooks. */
  async list(opts?: CallOptions): Promise<T.Webhook[]> {
    return (await this.http.call<{ webhooks: T.Webhook[] }>({ method: 'GET', path: 'v1/webhooks', retry: 'idempotent', ...callOptions(opts) })).body.webhooks;
  }

  /** GET /v1/webhooks/{id}. */
  async get(id: string, opts?: CallOptions): Promise<T.Webhook> {
    return (await this.http.call<T.Webhook>({ method: 'GET', path: `v1/webhooks/${seg(id, 'id')}`, retry: 'idempotent', ...callOptions(opts) })).body;
  }

  /** DELETE /v1/webhooks/{id}: answers the webhook deleted. Retried: after a lost answer the retry may say WEBHOOK_NOT_FOUND (it is gone either way). */
  async delete(id: string, opts?: CallOptions): Promise<T.Webhook> {
    return (await this.http.call<T.Webhook>({ method: 'DELETE', path: `v1/webhooks/${seg(id, 'id')}`, retry: 'idempotent', ...callOptions(opts) })).body;
  }

  /** GET /v1/webhooks/{id}/deliveries: a page. */
  async deliveries(id: string, query: T.DeliveryListQuery = {}, opts?: CallOptions): Promise<T.DeliveryPage> {
    return (await this.http.call<T.DeliveryPage>({ method: 'GET', path: `v1/webhooks/${seg(id, 'id')}/deliveries`, query: { ...query }, retry: 'idempotent', ...callOptions(opts) })).body;
  }

  /** Every delivery of a webhook matching `query`, a page at a time. */
  allDeliveries(id: string, query: Omit<T.DeliveryListQuery, 'cursor'> = {}, opts?: CallOptions): AsyncGenerator<T.Delivery, void, undefined> {
    return paginate(
      (cursor: string | undefined) => this.deliveries(id, { ...query, ...(cursor !== undefined ? { cursor } : {}) }, opts),
      (page) => ({ items: page.deliveries, next: page.next }),
    );
  }

  /** POST /v1/webhooks/{id}/deliveries/{deliveryId}/replay: sends it again. Not retried once sent (a second send). */
  async replay(id: string, deliveryId: string, opts?: CallOptions): Promise<T.Delivery> {
    return (await this.http.call<T.Delivery>({ method: 'POST', path: `v1/webhooks/${seg(id, 'id')}/deliveries/${seg(deliveryId, 'deliveryId')}/replay`, retry: 'unprocessed-only', ...callOptions(opts) })).body;
  }
}
