/** Webhooks and their deliveries in the metadata database (migration 8). */
import { StoreError } from '../errors.js';
import { DELIVERY_STATUSES, type DeliveryRecord, type DeliveryStatus, type WebhookRecord, type WebhookStore } from '../types.js';
import { checkDate, checkInteger, checkName, checkOneOf, checkOptionalString } from '../validate.js';
import type { SqlClient } from './client.js';
import { valueRows } from './coalesce.js';

const MAX_URL = 2048;
const MAX_TYPES = 64;
/** An event as a webhook body: ids, codes and hashes (coordinator/events.ts), far below this. */
const MAX_PAYLOAD = 128 * 1024;
const MAX_ERROR = 500;
const MAX_PAGE = 1000;

interface WebhookRow {
  id: string;
  url: string;
  types: string[];
  description: string | null;
  created_by: string;
  created_at: Date;
  deleted_at: Date | null;
  cursor: string;
}

interface DeliveryRow {
  id: string;
  webhook_id: string;
  event_seq: string;
  event_type: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date | null;
  last_status: number | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
}

// bigint reads as text from `pg` and as BigInt from PGlite: read as text, one conversion.
const WEBHOOK_COLUMNS = 'id, url, types, description, created_by, created_at, deleted_at, cursor::text AS cursor';
const DELIVERY_COLUMNS = 'id, webhook_id, event_seq::text AS event_seq, event_type, payload, status, attempts, next_attempt_at, last_status, last_error, created_at, updated_at';

function toWebhook(r: WebhookRow): WebhookRecord {
  return { id: r.id, url: r.url, types: r.types, description: r.description, createdBy: r.created_by, createdAt: r.created_at, deletedAt: r.deleted_at, cursor: Number(r.cursor) };
}

function toDelivery(r: DeliveryRow): DeliveryRecord {
  return {
    id: r.id,
    webhookId: r.webhook_id,
    eventSeq: Number(r.event_seq),
    eventType: r.event_type,
    payload: r.payload,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastStatus: r.last_status,
    lastError: r.last_error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const checkSeq = (what: string, value: unknown) => checkInteger(what, value, 0, Number.MAX_SAFE_INTEGER);

function checkWebhook(w: WebhookRecord): WebhookRecord {
  if (typeof w !== 'object' || w === null) throw new StoreError('a webhook must be an object');
  if (!Array.isArray(w.types) || w.types.length === 0 || w.types.length > MAX_TYPES) throw new StoreError(`a webhook names 1 to ${MAX_TYPES} event types`);
  return {
    id: checkName('webhook id', w.id, 64),
    url: checkName('webhook url', w.url, MAX_URL),
    types: w.types.map((t) => checkName('event type', t, 64)),
    description: checkOptionalString('description', w.description, 500),
    createdBy: checkName('creator', w.createdBy),
    createdAt: checkDate('creation time', w.createdAt),
    deletedAt: w.deletedAt === null ? null : checkDate('deletion time', w.deletedAt),
    cursor: checkSeq('cursor', w.cursor),
  };
}

function checkDelivery(d: DeliveryRecord): DeliveryRecord {
  if (typeof d !== 'object' || d === null) throw new StoreError('a delivery must be an object');
  if (typeof d.payload !== 'string' || d.payload.length > MAX_PAYLOAD) throw new StoreError(`a delivery payload is a string of at most ${MAX_PAYLOAD} characters`);
  return {
    id: checkName('delivery id', d.id, 64),
    webhookId: checkName('webhook id', d.webhookId, 64),
    eventSeq: checkSeq('event seq', d.eventSeq),
    eventType: checkName('event type', d.eventType, 64),
    payload: d.payload,
    status: checkOneOf('delivery status', d.status, DELIVERY_STATUSES),
    attempts: checkInteger('attempts', d.attempts, 0, 1_000_000),
    nextAttemptAt: d.nextAttemptAt === null ? null : checkDate('next attempt', d.nextAttemptAt),
    lastStatus: d.lastStatus === null ? null : checkInteger('last status', d.lastStatus, 0, 999),
    lastError: checkOptionalString('last error', d.lastError, MAX_ERROR),
    createdAt: checkDate('creation time', d.createdAt),
    updatedAt: checkDate('update time', d.updatedAt),
  };
}

export function sqlWebhookStore(sql: SqlClient): WebhookStore {
  return {
    async create(record) {
      const w = checkWebhook(record);
      const rows = await sql.query(
        `INSERT INTO webhooks (id, url, types, description, created_by, created_at, deleted_at, cursor) VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING RETURNING 1 AS created`,
        [w.id, w.url, JSON.stringify(w.types), w.description, w.createdBy, w.createdAt, w.deletedAt, w.cursor],
      );
      if (rows.length === 0) throw new StoreError('a webhook with this id exists');
    },
    async get(id) {
      const rows = await sql.query<WebhookRow>(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1`, [checkName('webhook id', id, 64)]);
      return rows[0] && toWebhook(rows[0]);
    },
    async list() {
      const rows = await sql.query<WebhookRow>(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE deleted_at IS NULL ORDER BY created_at, id`);
      return rows.map(toWebhook);
    },
    async delete(id, at) {
      const when = checkDate('deletion time', at);
      return sql.transaction(async (tx) => {
        const rows = await tx.query('UPDATE webhooks SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL RETURNING 1 AS deleted', [checkName('webhook id', id, 64), when]);
        if (rows.length === 0) return false;
        await tx.query(`UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, last_error = 'the webhook was deleted', updated_at = $2 WHERE webhook_id = $1 AND status = 'pending'`, [id, when]);
        return true;
      });
    },
    async enqueue(deliveries, cursors) {
      const checked = deliveries.map(checkDelivery);
      const moves = [...cursors].map(([id, seq]) => [checkName('webhook id', id, 64), checkSeq('cursor', seq)] as const);
      if (checked.length === 0 && moves.length === 0) return;
      await sql.transaction(async (tx) => {
        // At most a page of events times the webhooks: split so a statement stays under PostgreSQL's 65535 parameters.
        for (let i = 0; i < checked.length; i += 1000) {
          const chunk = checked.slice(i, i + 1000);
          await tx.query(
            `INSERT INTO webhook_deliveries (id, webhook_id, event_seq, event_type, payload, status, attempts, next_attempt_at, last_status, last_error, created_at, updated_at) VALUES ${valueRows(chunk.length, 12)} ON CONFLICT (webhook_id, event_seq) DO NOTHING`,
            chunk.flatMap((d) => [d.id, d.webhookId, d.eventSeq, d.eventType, d.payload, d.status, d.attempts, d.nextAttemptAt, d.lastStatus, d.lastError, d.createdAt, d.updatedAt]),
          );
        }
        for (const [id, seq] of moves) await tx.query('UPDATE webhooks SET cursor = GREATEST(cursor, $2) WHERE id = $1', [id, seq]);
      });
    },
    async claimDue(now, leaseMs, limit) {
      const at = checkDate('now', now);
      const rows = await sql.query<DeliveryRow>(
        `UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = $2, updated_at = $1
         WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING ${DELIVERY_COLUMNS}`,
        [at, new Date(at.getTime() + checkInteger('lease', leaseMs, 1, 3_600_000)), checkInteger('limit', limit, 1, MAX_PAGE)],
      );
      return rows.map(toDelivery).sort((a, b) => a.nextAttemptAt!.getTime() - b.nextAttemptAt!.getTime() || a.eventSeq - b.eventSeq);
    },
    async settle(id, claimed, outcome, at) {
      const rows = await sql.query(
        `UPDATE webhook_deliveries SET status = $3, last_status = $4, last_error = $5, next_attempt_at = $6, updated_at = $7 WHERE id = $1 AND attempts = $2 AND status = 'pending' RETURNING 1 AS settled`,
        [
          checkName('delivery id', id, 64),
          checkInteger('attempts', claimed, 1, 1_000_000),
          checkOneOf('delivery status', outcome.status, DELIVERY_STATUSES),
          outcome.lastStatus === null ? null : checkInteger('last status', outcome.lastStatus, 0, 999),
          checkOptionalString('last error', outcome.lastError, MAX_ERROR),
          outcome.nextAttemptAt === null ? null : checkDate('next attempt', outcome.nextAttemptAt),
          checkDate('settle time', at),
        ],
      );
      return rows.length === 1;
    },
    async deliveries(webhookId, opts) {
      const params: unknown[] = [checkName('webhook id', webhookId, 64)];
      const param = (value: unknown) => `$${params.push(value)}`;
      const where = ['webhook_id = $1'];
      if (opts.status !== undefined) where.push(`status = ${param(checkOneOf('status', opts.status, DELIVERY_STATUSES))}`);
      if (opts.before !== undefined) where.push(`(created_at, id) < (${param(checkDate('cursor time', opts.before.createdAt))}, ${param(checkName('cursor id', opts.before.id, 64))})`);
      const limit = param(checkInteger('limit', opts.limit, 1, MAX_PAGE));
      const rows = await sql.query<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ${limit}`, params);
      return rows.map(toDelivery);
    },
    async replay(webhookId, deliveryId, at) {
      const rows = await sql.query<DeliveryRow>(
        `UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $3, updated_at = $3 WHERE id = $2 AND webhook_id = $1 RETURNING ${DELIVERY_COLUMNS}`,
        [checkName('webhook id', webhookId, 64), checkName('delivery id', deliveryId, 64), checkDate('replay time', at)],
      );
      return rows[0] && toDelivery(rows[0]);
    },
  };
}
