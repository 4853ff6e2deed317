/**
 * API keys with scopes. A key is a token `mpcw_<prefix>_<secret>`: the prefix (12 hex digits) is
 * public and finds the stored record, which holds only the token's SHA-256, compared in constant
 * time. The token is shown once, at creation. Keys expire when created with an expiry and stop
 * working when revoked; the keys an operator put in files at start-up (`apiKeyHashes`, the local
 * cluster's admin key) hold every scope.
 *
 * Records are cached per instance for `cacheMs` (5 s): a revocation takes effect at once on the
 * instance that made it and within that time on the others.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../errors.js';
import { StoreError } from '../stores/errors.js';
import { API_KEY_SCOPES, type ApiKeyRecord, type ApiKeyScope, type ApiKeyStore } from '../stores/types.js';
import type { AuditLog } from './audit.js';
import { type SessionTokens, looksLikeJwt } from './session-tokens.js';

const TOKEN = /^mpcw_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$/;
/** Records kept per instance at most (a flood of unknown prefixes cannot grow it further). */
const MAX_CACHED = 10_000;

/** Who a request comes from, as the audit log names it, and what it may do. */
export interface Principal {
  actor: string;
  scopes: ReadonlySet<ApiKeyScope>;
  /** The API key it authenticated with, by prefix (a start-up key: its hash's first 12 hex digits). */
  keyPrefix: string;
  /** Whether it came with a session token rather than the key itself. */
  session: boolean;
}

export type AuthFailure = 'missing' | 'malformed' | 'unknown-key' | 'expired' | 'revoked';

/** An API key as the API shows it: never its hash. */
export function apiKeyView(k: ApiKeyRecord) {
  return {
    prefix: k.prefix,
    name: k.name,
    scopes: k.scopes,
    createdAt: k.createdAt.toISOString(),
    expiresAt: k.expiresAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
  };
}

/** Whether `scopes` reach a route of `scope` (`any`: every authenticated caller, obtaining a session token for itself). */
export function allows(scopes: ReadonlySet<ApiKeyScope>, scope: ApiKeyScope | 'any'): boolean {
  return scope === 'any' || scopes.has('admin') || scopes.has(scope);
}

const sha256 = (token: string) => createHash('sha256').update(token).digest();

export class ApiKeyService {
  private readonly cache = new Map<string, { record: ApiKeyRecord | undefined; at: number }>();
  /** The start-up keys' hashes, each with its prefix (the hash's first 12 hex digits). */
  private readonly bootstrap: { hash: Buffer; prefix: string }[];

  constructor(
    private readonly store: ApiKeyStore,
    bootstrapHashes: readonly string[],
    private readonly audit: AuditLog,
    private readonly tokens: SessionTokens,
    private readonly cacheMs = 5_000,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.bootstrap = bootstrapHashes.map((h) => ({ hash: Buffer.from(h, 'hex'), prefix: h.slice(0, 12) }));
  }

  /** The principal an `Authorization` header names (an API key or a session token), or why it names none. */
  async authenticate(header: string | undefined): Promise<Principal | { failure: AuthFailure }> {
    if (header === undefined) return { failure: 'missing' };
    const token = /^Bearer ([\x21-\x7e]{16,4096})$/.exec(header)?.[1];
    if (!token) return { failure: 'malformed' };
    if (looksLikeJwt(token)) return this.fromSession(token);
    const digest = sha256(token);
    const prefix = TOKEN.exec(token)?.[1];
    if (prefix === undefined) {
      // A start-up key: every stored hash compared, in constant time.
      let matched: string | undefined;
      for (const b of this.bootstrap) if (timingSafeEqual(digest, b.hash)) matched = b.prefix;
      if (matched === undefined) return { failure: 'unknown-key' };
      return { actor: `api-key:${matched}`, scopes: new Set(API_KEY_SCOPES), keyPrefix: matched, session: false };
    }
    const record = await this.lookup(prefix);
    if (!record || !timingSafeEqual(digest, Buffer.from(record.hash, 'hex'))) return { failure: 'unknown-key' };
    const unusable = this.unusable(record);
    if (unusable) return { failure: unusable };
    return { actor: `api-key:${prefix}`, scopes: new Set(record.scopes), keyPrefix: prefix, session: false };
  }

  /**
   * A session token for the caller, with the scopes asked for (default: all of the caller's),
   * never more than its key holds. Only an API key obtains one: a session cannot extend itself.
   */
  async createSession(by: Principal, input: { scopes?: ApiKeyScope[]; seconds: number }): Promise<{ token: string; expiresAt: string; scopes: ApiKeyScope[] }> {
    if (by.session) throw new ApiError('FORBIDDEN', 'a session token cannot obtain another; use the API key');
    const scopes = [...new Set(input.scopes ?? (by.scopes.has('admin') ? ['admin' as const] : [...by.scopes]))];
    const beyond = scopes.filter((s) => !allows(by.scopes, s));
    if (beyond.length) throw new ApiError('FORBIDDEN', `this API key does not hold ${beyond.join(', ')}`);
    const { token, expiresAt } = await this.tokens.issue({ actor: by.actor, keyPrefix: by.keyPrefix, scopes }, input.seconds);
    await this.audit.record({ action: 'session.created', actor: by.actor, subject: `api-key:${by.keyPrefix}`, details: { scopes, expiresAt: expiresAt.toISOString() } });
    return { token, expiresAt: expiresAt.toISOString(), scopes };
  }

  /** A session token's principal: valid, and its key still usable (revoking a key ends its sessions). */
  private async fromSession(token: string): Promise<Principal | { failure: AuthFailure }> {
    const claims = await this.tokens.verify(token);
    if (!claims) return { failure: 'unknown-key' };
    let held: ReadonlySet<ApiKeyScope>;
    if (this.bootstrap.some((b) => b.prefix === claims.keyPrefix)) held = new Set(API_KEY_SCOPES);
    else {
      const record = await this.lookup(claims.keyPrefix);
      if (!record) return { failure: 'unknown-key' };
      const unusable = this.unusable(record);
      if (unusable) return { failure: unusable };
      held = new Set(record.scopes);
    }
    return { actor: claims.actor, scopes: new Set(claims.scopes.filter((s) => allows(held, s))), keyPrefix: claims.keyPrefix, session: true };
  }

  private unusable(record: ApiKeyRecord): 'revoked' | 'expired' | undefined {
    if (record.revokedAt) return 'revoked';
    if (record.expiresAt && record.expiresAt <= this.now()) return 'expired';
    return undefined;
  }

  /** A new key: its token (shown this once) and its record's view. */
  async create(input: { name: string; scopes: ApiKeyScope[]; expiresAt?: Date }, by: Principal): Promise<{ token: string; key: ReturnType<typeof apiKeyView> }> {
    const createdAt = this.now();
    if (input.expiresAt && input.expiresAt <= createdAt) throw new ApiError('VALIDATION_FAILED', 'expiresAt must be in the future');
    const prefix = randomBytes(6).toString('hex');
    const token = `mpcw_${prefix}_${randomBytes(32).toString('base64url')}`;
    const record: ApiKeyRecord = { prefix, hash: sha256(token).toString('hex'), name: input.name, scopes: [...new Set(input.scopes)], createdAt, expiresAt: input.expiresAt ?? null, revokedAt: null };
    try {
      await this.store.create(record);
    } catch (e) {
      if (e instanceof StoreError) throw new ApiError('VALIDATION_FAILED', e.message);
      throw e;
    }
    this.cache.delete(prefix);
    await this.audit.record({ action: 'api-key.created', actor: by.actor, subject: `api-key:${prefix}`, details: { name: record.name, scopes: record.scopes, expiresAt: record.expiresAt?.toISOString() ?? null } });
    return { token, key: apiKeyView(record) };
  }

  async list(): Promise<ReturnType<typeof apiKeyView>[]> {
    return (await this.store.list()).map(apiKeyView);
  }

  async revoke(prefix: string, by: Principal): Promise<ReturnType<typeof apiKeyView>> {
    const at = this.now();
    const revoked = await this.store.revoke(prefix, at);
    this.cache.delete(prefix);
    const record = await this.store.get(prefix);
    if (!record) throw new ApiError('API_KEY_NOT_FOUND', `no API key with prefix ${prefix}`);
    if (revoked) await this.audit.record({ action: 'api-key.revoked', actor: by.actor, subject: `api-key:${prefix}`, details: { name: record.name } });
    return apiKeyView(record);
  }

  private async lookup(prefix: string): Promise<ApiKeyRecord | undefined> {
    const cached = this.cache.get(prefix);
    if (cached && Date.now() - cached.at < this.cacheMs) return cached.record;
    const record = await this.store.get(prefix);
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(prefix, { record, at: Date.now() });
    return record;
  }
}
