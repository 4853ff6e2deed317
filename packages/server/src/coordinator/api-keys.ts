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

const TOKEN = /^mpcw_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$/;
/** Records kept per instance at most (a flood of unknown prefixes cannot grow it further). */
const MAX_CACHED = 10_000;

/** Who a request comes from, as the audit log names it, and what it may do. */
export interface Principal {
  actor: string;
  scopes: ReadonlySet<ApiKeyScope>;
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

export function allows(principal: Principal, scope: ApiKeyScope): boolean {
  return principal.scopes.has('admin') || principal.scopes.has(scope);
}

const sha256 = (token: string) => createHash('sha256').update(token).digest();

export class ApiKeyService {
  private readonly cache = new Map<string, { record: ApiKeyRecord | undefined; at: number }>();
  private readonly bootstrap: Buffer[];

  constructor(
    private readonly store: ApiKeyStore,
    bootstrapHashes: readonly string[],
    private readonly audit: AuditLog,
    private readonly cacheMs = 5_000,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.bootstrap = bootstrapHashes.map((h) => Buffer.from(h, 'hex'));
  }

  /** The principal an `Authorization` header names, or why it names none. */
  async authenticate(header: string | undefined): Promise<Principal | { failure: AuthFailure }> {
    if (header === undefined) return { failure: 'missing' };
    const token = /^Bearer ([\x21-\x7e]{16,200})$/.exec(header)?.[1];
    if (!token) return { failure: 'malformed' };
    const digest = sha256(token);
    const prefix = TOKEN.exec(token)?.[1];
    if (prefix === undefined) {
      // A start-up key: every stored hash compared, in constant time.
      let matched: Buffer | undefined;
      for (const h of this.bootstrap) if (timingSafeEqual(digest, h)) matched = h;
      return matched ? { actor: `api-key:${matched.toString('hex').slice(0, 12)}`, scopes: new Set(API_KEY_SCOPES) } : { failure: 'unknown-key' };
    }
    const record = await this.lookup(prefix);
    if (!record || !timingSafeEqual(digest, Buffer.from(record.hash, 'hex'))) return { failure: 'unknown-key' };
    if (record.revokedAt) return { failure: 'revoked' };
    if (record.expiresAt && record.expiresAt <= this.now()) return { failure: 'expired' };
    return { actor: `api-key:${prefix}`, scopes: new Set(record.scopes) };
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
