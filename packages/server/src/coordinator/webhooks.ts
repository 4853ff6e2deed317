/**
 * Webhooks: registered URLs receive the events (events.ts) of the types they chose, as JSON
 * POSTed and signed after the Standard Webhooks specification (headers `webhook-id`,
 * `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`).
 *
 * Every delivery is a row before it is attempted: events become deliveries by following the
 * audit log from each webhook's cursor (one instance at a time, under a session-store lock; a
 * delivery is unique per webhook and event, so a repeat is harmless), and any instance takes due
 * deliveries for a lease (rows locked by another are skipped). A failed attempt is retried with
 * exponential backoff; after `maxAttempts` the delivery is failed and stays listed, and an
 * operator may replay it. Receivers deduplicate by `webhook-id`, which is the same on every
 * attempt.
 *
 * A webhook's secret is derived from the coordinator's request key and the webhook id (HKDF), so
 * it is never stored: the database alone cannot forge a delivery. It is shown once, at creation.
 */
import { randomUUID } from 'node:crypto';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ApiError } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';
import type { DeliveryRecord, DeliveryStatus, SessionStore, WebhookRecord, WebhookStore } from '../stores/types.js';
import type { AuditLog } from './audit.js';
import { type ApiEvent, EVENT_TYPES, type EventFeed, selectTypes } from './events.js';
import { decodeCursor, nextCursor } from './page-cursor.js';

export interface WebhookOptions {
  /** How often an instance looks for new events and due deliveries. */
  pollMs: number;
  /** How long a receiver has to answer an attempt. */
  timeoutMs: number;
  /** The wait after the first failed attempt; each later wait is 4× the one before, up to `maxRetryMs`. */
  firstRetryMs: number;
  maxRetryMs: number;
  /** Attempts before a delivery is failed (a replay starts a new count). */
  maxAttempts: number;
  /** Attempts one instance makes at once. */
  concurrency: number;
}

export const DEFAULT_WEBHOOK_OPTIONS: WebhookOptions = { pollMs: 1000, timeoutMs: 10_000, firstRetryMs: 5_000, maxRetryMs: 6 * 3600_000, maxAttempts: 8, concurrency: 8 };

const MAX_URL = 2048;
const PAGE = 500;
const ENQUEUE_LOCK = 'webhooks/enqueue';
const SECRET_PREFIX = 'whsec_';
/** Appends within this time after one are looked at together (under load, one look per batch of appends rather than per append). */
const GATHER_MS = 50;

/** A webhook as the API shows it (never its secret). */
export interface WebhookView {
  id: string;
  url: string;
  types: string[];
  description?: string;
  createdBy: string;
  createdAt: string;
}

export interface DeliveryView {
  id: string;
  webhookId: string;
  eventSeq: number;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt?: string;
  lastStatus?: number;
  lastError?: string;
  createdAt: string;
  updatedAt: string;
}

function webhookView(w: WebhookRecord): WebhookView {
  return { id: w.id, url: w.url, types: w.types, ...(w.description !== null ? { description: w.description } : {}), createdBy: w.createdBy, createdAt: w.createdAt.toISOString() };
}

function deliveryView(d: DeliveryRecord): DeliveryView {
  return {
    id: d.id,
    webhookId: d.webhookId,
    eventSeq: d.eventSeq,
    eventType: d.eventType,
    status: d.status,
    attempts: d.attempts,
    ...(d.status === 'pending' && d.nextAttemptAt ? { nextAttemptAt: d.nextAttemptAt.toISOString() } : {}),
    ...(d.lastStatus !== null ? { lastStatus: d.lastStatus } : {}),
    ...(d.lastError !== null ? { lastError: d.lastError } : {}),
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
}

/** A URL the coordinator may post to: http(s), no credentials in it (they would show in every list). */
function checkUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ApiError('VALIDATION_FAILED', 'url is not an absolute URL');
  }
  if (url.length > MAX_URL) throw new ApiError('VALIDATION_FAILED', `url is longer than ${MAX_URL} characters`);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new ApiError('VALIDATION_FAILED', 'url must be http or https');
  if (parsed.username || parsed.password) throw new ApiError('VALIDATION_FAILED', 'url must not carry credentials: the receiver checks the signature instead');
  return parsed;
}

/** The Standard Webhooks signature header value for one attempt. */
export function webhookSignature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  return `v1,${Buffer.from(hmac(sha256, key, new TextEncoder().encode(`${id}.${timestamp}.${body}`))).toString('base64')}`;
}

export class WebhookService {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private tickAgain = false;
  /** Whether the last look found webhooks (an append then triggers a look at once). */
  private anyWebhooks = true;
  private unfollow: (() => void) | undefined;
  private gathering: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: WebhookStore,
    private readonly feed: EventFeed,
    private readonly audit: AuditLog,
    private readonly sessions: SessionStore,
    /** The coordinator's request key: webhook secrets are derived from it. */
    private readonly secretKey: Uint8Array,
    private readonly options: WebhookOptions = DEFAULT_WEBHOOK_OPTIONS,
    private readonly logger: Logger = silentLogger,
    private readonly post: typeof fetch = fetch,
  ) {}

  private secretOf(id: string): string {
    const key = hkdf(sha256, this.secretKey, new TextEncoder().encode('mpc-wallet/v1/webhook-secret'), new TextEncoder().encode(id), 32);
    return SECRET_PREFIX + Buffer.from(key).toString('base64');
  }

  /** Registers a URL for the events of `types` (every type when absent) from now on; its secret is in this answer only. */
  async create(input: { url: string; types?: string[]; description?: string }, by: string): Promise<WebhookView & { secret: string }> {
    const url = checkUrl(input.url);
    const types = [...selectTypes(input.types, { progress: false })];
    const record: WebhookRecord = { id: randomUUID(), url: input.url, types, description: input.description ?? null, createdBy: by, createdAt: new Date(), deletedAt: null, cursor: await this.audit.head() };
    await this.store.create(record);
    // The origin only: a URL's path or query may hold a receiver's token.
    await this.audit.record({ action: 'webhook.created', actor: by, subject: `webhook:${record.id}`, details: { origin: url.origin, types } });
    this.anyWebhooks = true;
    return { ...webhookView(record), secret: this.secretOf(record.id) };
  }

  async list(): Promise<WebhookView[]> {
    return (await this.store.list()).map(webhookView);
  }

  private async live(id: string): Promise<WebhookRecord> {
    const webhook = await this.store.get(id);
    if (!webhook || webhook.deletedAt) throw new ApiError('WEBHOOK_NOT_FOUND', `no webhook ${id}`);
    return webhook;
  }

  async get(id: string): Promise<WebhookView> {
    return webhookView(await this.live(id));
  }

  /** Stops deliveries to it: pending ones are failed; the records stay. */
  async delete(id: string, by: string): Promise<WebhookView> {
    const webhook = await this.live(id);
    if (!(await this.store.delete(id, new Date()))) throw new ApiError('WEBHOOK_NOT_FOUND', `no webhook ${id}`);
    await this.audit.record({ action: 'webhook.deleted', actor: by, subject: `webhook:${id}`, details: { origin: new URL(webhook.url).origin } });
    return webhookView(webhook);
  }

  async deliveries(id: string, opts: { status?: DeliveryStatus; cursor?: string; limit: number }): Promise<{ deliveries: DeliveryView[]; next?: string }> {
    await this.live(id);
    const before = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor);
    const page = await this.store.deliveries(id, { ...(opts.status ? { status: opts.status } : {}), ...(before ? { before } : {}), limit: opts.limit });
    return { deliveries: page.map(deliveryView), ...nextCursor(page, opts.limit) };
  }

  /** Sends a delivery again (same id and body, a new signature), whatever its state, with a fresh count of attempts. */
  async replay(id: string, deliveryId: string, by: string): Promise<DeliveryView> {
    await this.live(id);
    const delivery = await this.store.replay(id, deliveryId, new Date());
    if (!delivery) throw new ApiError('DELIVERY_NOT_FOUND', `webhook ${id} has no delivery ${deliveryId}`);
    await this.audit.record({ action: 'webhook.replayed', actor: by, subject: `webhook:${id}`, details: { delivery: deliveryId, eventSeq: delivery.eventSeq } });
    this.schedule();
    return deliveryView(delivery);
  }

  start(): void {
    this.timer ??= setInterval(() => this.schedule(), this.options.pollMs);
    this.timer.unref();
    this.unfollow ??= this.audit.onAppended(() => this.wake());
  }

  /** The audit log grew (here or on another instance): look for deliveries soon, appends of the next moments gathered into one look. */
  wake(): void {
    if (!this.timer || !this.anyWebhooks || this.gathering) return;
    this.gathering = setTimeout(() => {
      this.gathering = undefined;
      this.schedule();
    }, GATHER_MS);
  }

  /** Stops looking; an attempt under way finishes (its delivery is settled). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.unfollow?.();
    this.unfollow = undefined;
    clearTimeout(this.gathering);
    this.gathering = undefined;
    this.tickAgain = false;
    await this.ticking;
  }

  /** One look at a time; a look asked for meanwhile runs after it. */
  private schedule(): void {
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    this.ticking = (async () => {
      try {
        do {
          this.tickAgain = false;
          await this.enqueue();
          await this.deliverDue();
        } while (this.tickAgain && this.timer);
      } catch (e) {
        this.logger.warn('webhook deliveries paused', { reason: (e as Error).message });
      } finally {
        this.ticking = undefined;
      }
    })();
  }

  /** Turns events after the webhooks' cursors into deliveries; one instance at a time. */
  private async enqueue(): Promise<void> {
    const webhooks = await this.store.list();
    this.anyWebhooks = webhooks.length > 0;
    if (!this.anyWebhooks) return;
    const token = await this.sessions.lock(ENQUEUE_LOCK, 60_000);
    if (!token) return;
    try {
      // Entries up to the head read now are all committed (seqs are taken under a lock, in commit order).
      const head = await this.audit.head();
      const chosen = webhooks.map((w) => ({ webhook: w, types: new Set(w.types) }));
      for (let from = Math.min(...webhooks.map((w) => w.cursor)); from < head; ) {
        const events = (await this.feed.page({ after: from, limit: PAGE, types: new Set(EVENT_TYPES) })).filter((e) => e.seq <= head);
        const reached = events.length === PAGE ? events.at(-1)!.seq : head;
        const now = new Date();
        const deliveries = events.flatMap((event) => chosen.filter(({ webhook, types }) => event.seq > webhook.cursor && types.has(event.type)).map(({ webhook }) => this.deliveryOf(webhook, event, now)));
        await this.store.enqueue(deliveries, new Map(webhooks.map((w) => [w.id, reached])));
        for (const w of webhooks) w.cursor = Math.max(w.cursor, reached);
        from = reached;
      }
    } finally {
      await this.sessions.unlock(ENQUEUE_LOCK, token);
    }
  }

  private deliveryOf(webhook: WebhookRecord, event: ApiEvent, now: Date): DeliveryRecord {
    return { id: randomUUID(), webhookId: webhook.id, eventSeq: event.seq, eventType: event.type, payload: JSON.stringify(event), status: 'pending', attempts: 0, nextAttemptAt: now, lastStatus: null, lastError: null, createdAt: now, updatedAt: now };
  }

  private async deliverDue(): Promise<void> {
    for (;;) {
      const due = await this.store.claimDue(new Date(), this.options.timeoutMs + 5_000, this.options.concurrency);
      await Promise.all(due.map((d) => this.attempt(d)));
      if (due.length < this.options.concurrency) return;
    }
  }

  private async attempt(d: DeliveryRecord): Promise<void> {
    const webhook = await this.store.get(d.webhookId);
    if (!webhook || webhook.deletedAt) return;
    const timestamp = Math.floor(Date.now() / 1000);
    let lastStatus: number | null = null;
    let lastError: string | null = null;
    try {
      const response = await this.post(webhook.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'mpc-wallet-webhooks/1',
          'webhook-id': d.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': webhookSignature(this.secretOf(webhook.id), d.id, timestamp, d.payload),
        },
        body: d.payload,
      });
      lastStatus = response.status;
      await response.body?.cancel();
      if (response.status < 200 || response.status > 299) lastError = `the receiver answered ${response.status}`;
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      lastError = err.name === 'TimeoutError' ? `no answer within ${this.options.timeoutMs} ms` : `not reached (${err.cause?.code ?? err.name})`;
    }
    const delivered = lastError === null;
    const final = delivered || d.attempts >= this.options.maxAttempts;
    const wait = Math.min(this.options.firstRetryMs * 4 ** (d.attempts - 1), this.options.maxRetryMs) * (0.8 + 0.4 * Math.random());
    await this.store.settle(d.id, d.attempts, { status: delivered ? 'delivered' : final ? 'failed' : 'pending', lastStatus, lastError, nextAttemptAt: final ? null : new Date(Date.now() + wait) }, new Date());
    if (!delivered) this.logger.info('webhook delivery failed', { webhook: webhook.id, delivery: d.id, attempt: d.attempts, status: lastStatus, final });
  }
}
