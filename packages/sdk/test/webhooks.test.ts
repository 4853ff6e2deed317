/** verifyWebhook: the Standard Webhooks test vector, tampering, stale timestamps, rotated secrets. */
import { describe, expect, it } from 'vitest';
import { WebhookVerificationError, signWebhook, verifyWebhook } from '../src/index.js';

// From the Standard Webhooks specification's reference libraries.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TIMESTAMP = 1614265330;
const BODY = '{"test": 2432232314}';
const SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
const at = { now: () => TIMESTAMP * 1000 };
const headers = (signature = SIGNATURE, timestamp = String(TIMESTAMP)) => ({ 'webhook-id': ID, 'webhook-timestamp': timestamp, 'webhook-signature': signature });

describe('verifyWebhook', () => {
  it('accepts the reference vector (record headers, Headers, bytes) and returns the parsed body', () => {
    expect(`v1,${signWebhook(SECRET, ID, TIMESTAMP, BODY)}`).toBe(SIGNATURE);
    expect(verifyWebhook(SECRET, headers(), BODY, at)).toEqual({ test: 2432232314 });
    expect(verifyWebhook(SECRET, new Headers(headers()), new TextEncoder().encode(BODY), at)).toEqual({ test: 2432232314 });
    // During a secret rotation the sender signs with both.
    expect(verifyWebhook(SECRET, headers(`v1,AAAA ${SIGNATURE}`), BODY, at)).toEqual({ test: 2432232314 });
  });

  it('refuses a changed body, another secret, a stale or future timestamp, missing headers and other versions', () => {
    const refused = (fn: () => unknown, message: RegExp) => expect(fn).toThrow(expect.objectContaining({ name: 'WebhookVerificationError', message: expect.stringMatching(message) }));
    refused(() => verifyWebhook(SECRET, headers(), '{"test": 2432232315}', at), /no valid v1 signature/);
    refused(() => verifyWebhook('whsec_' + Buffer.from('other').toString('base64'), headers(), BODY, at), /no valid/);
    refused(() => verifyWebhook(SECRET, headers(), BODY, { now: () => (TIMESTAMP + 301) * 1000 }), /too far/);
    refused(() => verifyWebhook(SECRET, headers(), BODY, { now: () => (TIMESTAMP - 301) * 1000 }), /too far/);
    refused(() => verifyWebhook(SECRET, { 'webhook-id': ID, 'webhook-timestamp': String(TIMESTAMP) }, BODY, at), /missing/);
    refused(() => verifyWebhook(SECRET, headers(SIGNATURE.replace('v1,', 'v2,')), BODY, at), /no valid/);
    refused(() => verifyWebhook(SECRET, headers(SIGNATURE, '16142653x0'), BODY, at), /Unix time/);
    expect(() => verifyWebhook('not-a-secret', headers(), BODY, at)).toThrow(WebhookVerificationError);
    expect(verifyWebhook(SECRET, headers(), BODY, { ...at, toleranceSeconds: 10 })).toBeTruthy();
  });
});
