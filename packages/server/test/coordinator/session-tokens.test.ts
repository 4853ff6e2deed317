import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { EPOCH_MS, SessionTokens } from '../../src/coordinator/session-tokens.js';

const claims = { actor: 'api-key:0123456789ab', keyPrefix: '0123456789ab', scopes: ['sign' as const] };

function clock(at: number) {
  const c = { now: at };
  return { c, now: () => c.now };
}

describe('session tokens', () => {
  it('verify what they issued until expiry, across one key rotation and not two', async () => {
    const secret = randomBytes(32);
    const start = 100 * EPOCH_MS + EPOCH_MS - 60_000;
    const { c, now } = clock(start);
    const tokens = new SessionTokens(secret, now);
    const { token, expiresAt } = await tokens.issue(claims, 3600);
    expect(expiresAt.getTime()).toBe(Math.floor(start / 1000) * 1000 + 3_600_000);
    expect(await tokens.verify(token)).toEqual({ ...claims, expiresAt });
    // Another instance with the same coordinator key verifies it too, after the epoch turned.
    c.now = start + 120_000;
    expect(await new SessionTokens(secret, now).verify(token)).toEqual({ ...claims, expiresAt });
    c.now = start + 3_601_000;
    expect(await tokens.verify(token)).toBeUndefined();
    // A token of two epochs ago is refused even when its own expiry claims later (it cannot, but its key is gone).
    c.now = start + 2 * EPOCH_MS;
    expect(await tokens.verify(token)).toBeUndefined();
  });

  it('refuses a token altered, signed with another key, unsigned, with a forged kid, or with scopes it cannot have', async () => {
    const secret = randomBytes(32);
    const tokens = new SessionTokens(secret);
    const { token } = await tokens.issue(claims, 600);
    const [h, p, s] = token.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const altered = `${h}.${Buffer.from(JSON.stringify({ ...payload, scp: ['admin'] })).toString('base64url')}.${s}`;
    expect(await tokens.verify(altered)).toBeUndefined();
    expect(await tokens.verify(`${token.slice(0, -2)}AA`)).toBeUndefined();
    expect(await new SessionTokens(randomBytes(32)).verify(token)).toBeUndefined();
    const unsigned = new UnsecuredJWT(payload).encode();
    expect(await tokens.verify(unsigned)).toBeUndefined();
    const epoch = Math.floor(Date.now() / EPOCH_MS);
    const key = (tokens as unknown as { key(e: number): Uint8Array }).key(epoch);
    const sign = (extra: Record<string, unknown>, kid = String(epoch)) =>
      new SignJWT({ ...payload, ...extra }).setProtectedHeader({ alg: 'HS256', kid }).sign(key);
    expect(await tokens.verify(await sign({}))).toMatchObject(claims);
    expect(await tokens.verify(await sign({}, `${epoch + 1}`))).toBeUndefined();
    expect(await tokens.verify(await sign({}, '01'))).toBeUndefined();
    expect(await tokens.verify(await sign({ scp: ['root'] }))).toBeUndefined();
    expect(await tokens.verify(await sign({ scp: [] }))).toBeUndefined();
    expect(await tokens.verify(await sign({ aud: 'elsewhere' }))).toBeUndefined();
    expect(await tokens.verify(await sign({ akp: 'not-a-prefix' }))).toBeUndefined();
    await expect(tokens.issue(claims, 3601)).rejects.toThrow(RangeError);
  });
});
