/**
 * Session tokens: short-lived JWTs (HS256, `jose`) that an API key holder obtains for interactive
 * use, with at most the key's scopes. The signing key rotates every `EPOCH_MS`: epoch e's key is
 * HKDF-SHA256 of the coordinator's request key with the epoch number, named by `kid`, so every
 * coordinator instance (they share the request key) issues and verifies the same tokens without
 * storing a secret, and the request key itself cannot be learnt from a token. A token is accepted
 * under its epoch's key and the one before; tokens live at most an hour, well within an epoch.
 */
import { randomBytes } from 'node:crypto';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { SignJWT, jwtVerify } from 'jose';
import { API_KEY_SCOPES, type ApiKeyScope } from '../stores/types.js';

export const EPOCH_MS = 24 * 3600_000;
export const MAX_SESSION_SECONDS = 3600;
const ISSUER = 'mpc-wallet';
const AUDIENCE = 'mpc-wallet/v1/api';
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export interface SessionClaims {
  /** Who the token speaks for: the API key's actor (`api-key:<prefix>`). */
  actor: string;
  /** The issuing key's prefix (a start-up key: its hash's first 12 hex digits), checked again on every use. */
  keyPrefix: string;
  scopes: ApiKeyScope[];
  expiresAt: Date;
}

export const looksLikeJwt = (token: string) => JWT.test(token);

export class SessionTokens {
  private readonly keys = new Map<number, Uint8Array>();

  constructor(
    private readonly secret: Uint8Array,
    private readonly now: () => number = Date.now,
  ) {}

  private key(epoch: number): Uint8Array {
    let k = this.keys.get(epoch);
    if (!k) {
      k = hkdf(sha256, this.secret, new TextEncoder().encode('mpc-wallet/v1/session-token-key'), new TextEncoder().encode(String(epoch)), 32);
      // Two epochs are ever in use; older keys go.
      for (const e of this.keys.keys()) if (e < epoch - 1) this.keys.delete(e);
      this.keys.set(epoch, k);
    }
    return k;
  }

  async issue(claims: Omit<SessionClaims, 'expiresAt'>, seconds: number): Promise<{ token: string; expiresAt: Date }> {
    if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_SESSION_SECONDS) throw new RangeError(`a session lasts 1 to ${MAX_SESSION_SECONDS} seconds`);
    const now = this.now();
    const epoch = Math.floor(now / EPOCH_MS);
    const iat = Math.floor(now / 1000);
    const token = await new SignJWT({ scp: claims.scopes, akp: claims.keyPrefix })
      .setProtectedHeader({ alg: 'HS256', kid: String(epoch) })
      .setSubject(claims.actor)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(iat + seconds)
      .setJti(randomBytes(12).toString('base64url'))
      .sign(this.key(epoch));
    return { token, expiresAt: new Date((iat + seconds) * 1000) };
  }

  /** The claims of a token this coordinator issued that is still valid; undefined otherwise. */
  async verify(token: string): Promise<SessionClaims | undefined> {
    if (!looksLikeJwt(token)) return undefined;
    const current = Math.floor(this.now() / EPOCH_MS);
    try {
      const { payload } = await jwtVerify(
        token,
        (header) => {
          const epoch = Number(header.kid);
          if (header.alg !== 'HS256' || !Number.isSafeInteger(epoch) || String(epoch) !== header.kid || (epoch !== current && epoch !== current - 1)) throw new Error('unknown key');
          return this.key(epoch);
        },
        { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'], requiredClaims: ['exp', 'iat', 'sub', 'jti'], currentDate: new Date(this.now()), maxTokenAge: MAX_SESSION_SECONDS },
      );
      const { sub, scp, akp, exp } = payload;
      if (typeof sub !== 'string' || typeof akp !== 'string' || !/^[0-9a-f]{12}$/.test(akp) || typeof exp !== 'number') return undefined;
      if (!Array.isArray(scp) || scp.length === 0 || !scp.every((s) => (API_KEY_SCOPES as readonly unknown[]).includes(s))) return undefined;
      return { actor: sub, keyPrefix: akp, scopes: scp as ApiKeyScope[], expiresAt: new Date(exp * 1000) };
    } catch {
      return undefined;
    }
  }
}
