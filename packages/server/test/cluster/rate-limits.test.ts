import { describe, expect, it } from 'vitest';
import { clusterForFile } from './local-cluster.js';
import { apiClient } from './http.js';

const WINDOW_MS = 2_000;
const perKey = clusterForFile({ nodes: 1, rateLimits: { perKey: 10 } });
const perAddress = clusterForFile({ nodes: 1, rateLimits: { perIp: 12, failedAuthPerIp: 3, windowMs: WINDOW_MS } });

async function readerKey(cluster: typeof perKey, name: string) {
  const created = await cluster.call('POST', '/v1/api-keys', { name, scopes: ['keys:read'] });
  expect(created.status).toBe(201);
  return apiClient(() => cluster.url, created.body.token as string);
}

describe('cluster: rate limits', () => {
  it('a flood with one API key is cut at its limit (429, Retry-After) and does not starve another key', async () => {
    const flooder = await readerKey(perKey, 'flooder');
    const quiet = await readerKey(perKey, 'quiet');
    const flood = await Promise.all(Array.from({ length: 40 }, () => flooder('GET', '/v1/keys')));
    expect(flood.filter((r) => r.status === 200)).toHaveLength(10);
    const refused = flood.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(30);
    for (const r of refused) {
      expect([r.status, r.body.error.code, r.body.error.retriable]).toEqual([429, 'RATE_LIMITED', true]);
      const retryAfter = Number(r.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(r.body.error.retryAfter).toBe(retryAfter);
    }
    // The other key has its whole share.
    const others = await Promise.all(Array.from({ length: 10 }, () => quiet('GET', '/v1/keys')));
    expect(others.map((r) => r.status)).toEqual(Array(10).fill(200));
    // Health is never limited.
    expect((await fetch(`${perKey.url}/healthz`)).status).toBe(200);
  });

  it('failed authentications from an address stop it before any key is checked, until the window ends; then the address limit', async () => {
    const cluster = perAddress;
    const wrong = apiClient(() => cluster.url, 'mpcw_0123456789ab_' + 'A'.repeat(43));
    const window = Date.now();
    for (let i = 0; i < 3; i++) expect((await wrong('GET', '/v1/keys')).status).toBe(401);
    const blocked = await wrong('GET', '/v1/keys');
    expect([blocked.status, blocked.body.error.code]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Even the right key is refused from that address meanwhile: guessing gains nothing.
    expect((await cluster.call('GET', '/v1/keys')).status).toBe(429);

    await new Promise((r) => setTimeout(r, Math.max(0, window + WINDOW_MS + 200 - Date.now())));
    const answers = [];
    for (let i = 0; i < 14; i++) answers.push((await cluster.call('GET', '/v1/keys')).status);
    expect(answers).toEqual([...Array(12).fill(200), 429, 429]);
  });
});
