/**
 * Checking a webhook delivery on the receiving side (Standard Webhooks): the signature is
 * HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<body>` with the secret's bytes (the base64
 * after `whsec_`), sent as `v1,<base64>` (several, space-separated, while a secret rotates).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WalletEvent } from './types.js';

export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
}

/** Header names as Node gives them (lower case), or a Headers object. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

export interface VerifyOptions {
  /** How far the timestamp may be from now, either way (replay protection); 5 minutes by default. */
  toleranceSeconds?: number;
  now?: () => number;
}

/**
 * The event in a delivery whose signature and timestamp check out; throws WebhookVerificationError
 * otherwise. Pass the body exactly as received (bytes or text): a re-serialized JSON differs.
 */
export function verifyWebhook(secret: string, headers: WebhookHeaders, body: string | Uint8Array, opts: VerifyOptions = {}): WalletEvent {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError('missing webhook-id, webhook-timestamp or webhook-signature');
  if (!/^[0-9]{1,12}$/.test(timestamp)) throw new WebhookVerificationError('webhook-timestamp is not a Unix time in seconds');
  const tolerance = opts.toleranceSeconds ?? 300;
  const now = Math.floor((opts.now ?? Date.now)() / 1000);
  if (Math.abs(now - Number(timestamp)) > tolerance) throw new WebhookVerificationError('webhook-timestamp is too far from now');
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  const expected = signWebhook(secret, id, Number(timestamp), text);
  const matches = signatures.split(' ').some((candidate) => {
    const [version, value] = candidate.split(',', 2);
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    const wanted = Buffer.from(expected, 'base64');
    return given.length === wanted.length && timingSafeEqual(given, wanted);
  });
  if (!matches) throw new WebhookVerificationError('no valid v1 signature');
  try {
    return JSON.parse(text) as WalletEvent;
  } catch {
    throw new WebhookVerificationError('the body is not JSON');
  }
}

/** The base64 v1 signature of a delivery (what the coordinator sends; tests and proxies use it). */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  if (!secret.startsWith('whsec_')) throw new WebhookVerificationError('a webhook secret starts with whsec_');
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  if (key.length === 0) throw new WebhookVerificationError('the webhook secret is empty');
  return createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}
