/**
 * Session requests: what the coordinator asks signer nodes to do. Each request is a JSON text
 * signed with the coordinator's Ed25519 request key; a node verifies the signature over the exact
 * bytes it received (no re-canonicalisation), checks that the request is fresh, and claims the
 * session id in its own store before acting (node/checks.ts). The signature makes a request
 * attributable; it does not make the coordinator trusted: what a node signs it computes itself.
 */
import { ed25519Sign, ed25519Verify, bytesToHex, hexToBytes, utf8, concatBytes } from '@mpc-wallet/core';

import { SCHEMES, type Scheme } from '../stores/types.js';

export { SCHEMES, type Scheme };
export const ECDSA_HASHES = ['sha256', 'sha256d', 'keccak256', 'sha512half'] as const;
export type EcdsaHash = (typeof ECDSA_HASHES)[number];

interface Common {
  /** The request this session serves (the coordinator's record id). */
  id: string;
  /** 32 random bytes, hex: every protocol of this request runs under it; never reused. */
  session: string;
  /** Milliseconds since the epoch. */
  issuedAt: number;
  expiresAt: number;
}

export type SessionRequest = Common &
  (
    | { kind: 'keygen'; keyId: string; scheme: Scheme; threshold: number; parties: number[] }
    | { kind: 'refresh'; keyId: string; version: number; parties: number[] }
    /**
     * Finish a dealing this node confirmed but did not see end (it crashed or lost its peers):
     * `certificate` carries every receiver's signed confirmation, which the node checks itself.
     */
    | { kind: 'complete'; keyId: string; version: number; certificate: string }
    /**
     * What the node holds of a key (public facts only): its share versions, the versions of
     * dealings it confirmed but did not see end, the dealing (run and certificate) behind its
     * latest share, and whether the request with session `run` is still in progress there — how
     * a coordinator that lost a refresh's outcome learns it.
     */
    | { kind: 'key-status'; keyId: string; run: string }
    /** CGGMP auxiliary information, made once per committee and reused by its keys. */
    | { kind: 'aux'; parties: number[] }
    /**
     * A signature. Schnorr/EdDSA: `message` is signed as it is. ECDSA: the node hashes `message`
     * with `hash`; or, with `digest` instead, signs that raw digest with a presignature made for it
     * in this very request. Or `transaction`: the node parses the chain's unsigned transaction
     * itself (packages/chains), checks it is the key's, and signs its `item`-th signing item —
     * never a digest the coordinator computed.
     *
     * `path` (non-hardened, `m/0/1`): sign with the key derived along it from the key's chain code;
     * the node derives it itself and draws on the key's own pools.
     *
     * Pooled (one item per signature, taken from the node's store before anything is computed):
     * `commitments` (FROST, with `message`): one signed nonce commitment per signer, hex, in
     * ascending signer order; `presignature` (ECDSA, only with `message` and `hash`, never with a
     * raw digest: CVE-2025-66017): the item id of a presignature the signers made beforehand.
     */
    | {
        kind: 'sign';
        keyId: string;
        version: number;
        signers: number[];
        path?: string;
        message?: string;
        hash?: EcdsaHash;
        digest?: string;
        transaction?: TransactionItem;
        commitments?: string[];
        presignature?: string;
      }
    /**
     * FROST signature shares from pooled nonces for the coordinator to aggregate (RFC 9591's
     * roles: no message between the signers), for one or more messages at once (concurrent
     * signatures with one key and quorum). Each item names its signature request, its message
     * and one signed commitment per signer in ascending signer order; each is taken, computed
     * and answered (a share and the group commitment R, or its own failure) on its own.
     */
    | { kind: 'sign-shares'; keyId: string; version: number; signers: number[]; items: ShareItem[] }
    /**
     * FROST nonce pairs for the pool: the node makes `count`, stores each sealed, and returns
     * their commitments signed by its identity key.
     */
    | { kind: 'nonces'; keyId: string; version: number; count: number }
    /**
     * CGGMP presignatures for the pool: the signers run `count` presignings (sub-session i =
     * sha256(session ‖ u32 i)), each stores its share sealed, and returns the item ids (hex of the
     * sub-sessions).
     */
    | { kind: 'presign'; keyId: string; version: number; signers: number[]; count: number }
    /**
     * The coordinator's pool lists are gone (its in-memory session store started empty): no one
     * will ask for the pooled items this node holds, so it drops them all.
     */
    | { kind: 'drop-items' }
  );

export type RequestKind = SessionRequest['kind'];

/** One signing item of a chain transaction, as a `sign` request carries it. */
export interface TransactionItem {
  /** A chain id of packages/chains. */
  chain: string;
  /** Address format; the chain's default for the key's scheme when absent. */
  format?: string;
  /** The chain's unsigned transaction, as the API received it (JSON). */
  input: unknown;
  /** Which of the transaction's signing items this request signs (0-based). */
  item: number;
  /**
   * Present for a message under the chain's signing standard (EIP-191, EIP-712, BIP-322, Solana
   * off-chain, …) instead of a transaction: `input` is the message; `standard` names it (the
   * chain's default when absent).
   */
  message?: { standard?: string };
}

/** Most signing items one transaction may have (a Bitcoin input each). */
export const MAX_TRANSACTION_ITEMS = 256;

/** One signature of a `sign-shares` request. */
export interface ShareItem {
  /** The signature request it is for (the node's record names it). */
  id: string;
  message: string;
  commitments: string[];
}

/** A node's answer to a request: its output, or a failure naming its cause (and whom it blames or waited for). */
export type RequestResult = { ok: true; output: Record<string, unknown> } | { ok: false; error: { code: string; message: string; culprits?: number[]; waitingFor?: number[] } };

/** Most nonce pairs one `nonces` request makes. */
export const MAX_NONCES_PER_REQUEST = 100;
/** Most signatures one `sign-shares` request carries. */
export const MAX_SHARE_ITEMS = 256;
/** Most presignatures one `presign` request makes (each is seconds of work). */
export const MAX_PRESIGNATURES_PER_REQUEST = 20;
/** Longest signed commitment accepted (the encoding is 150–152 bytes; room for larger suites). */
const MAX_SIGNED_COMMITMENT_BYTES = 1024;

export interface SignedRequest {
  /** The request as JSON text, exactly as signed. */
  request: string;
  /** Ed25519 signature (hex) over `DOMAIN ‖ request`. */
  signature: string;
}

const DOMAIN = utf8('mpc-wallet/v1/session-request\n');

export function signRequest(request: SessionRequest, secretKey: Uint8Array): SignedRequest {
  const text = JSON.stringify(request);
  return { request: text, signature: bytesToHex(ed25519Sign(concatBytes(DOMAIN, utf8(text)), secretKey)) };
}

export class RequestRefused extends Error {
  constructor(
    readonly code: 'BAD_REQUEST_SIGNATURE' | 'STALE_REQUEST' | 'MALFORMED_REQUEST' | 'SESSION_REUSED' | 'REQUEST_NOT_ALLOWED' | 'POOL_ITEM_GONE' | 'TRANSACTION_REFUSED',
    message: string,
  ) {
    super(message);
    this.name = 'RequestRefused';
  }
}

const HEX = /^[0-9a-f]*$/;
const ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Clock skew a node tolerates between its clock and the coordinator's. */
const MAX_SKEW_MS = 30_000;
/** A request may not ask to stay valid longer than this. */
const MAX_LIFETIME_MS = 10 * 60_000;

function partyList(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > 255) throw new RequestRefused('MALFORMED_REQUEST', `${what} must be a non-empty list`);
  for (const id of v) if (!Number.isInteger(id) || id < 1 || id > 0xffff) throw new RequestRefused('MALFORMED_REQUEST', `${what} must hold party numbers`);
  const sorted = [...(v as number[])].sort((a, b) => a - b);
  if (new Set(sorted).size !== sorted.length || sorted.some((id, i) => id !== v[i])) throw new RequestRefused('MALFORMED_REQUEST', `${what} must be ascending and distinct`);
  return sorted;
}

function count(v: unknown, what: string, max: number): number {
  const n = positive(v, what);
  if (n > max) throw new RequestRefused('MALFORMED_REQUEST', `${what} must be at most ${max}`);
  return n;
}

function hexField(v: unknown, what: string, bytes?: number, max = 1 << 20): string {
  if (typeof v !== 'string' || !HEX.test(v) || v.length % 2 !== 0 || v.length / 2 > max) throw new RequestRefused('MALFORMED_REQUEST', `${what} must be lowercase hex`);
  if (bytes !== undefined && v.length !== 2 * bytes) throw new RequestRefused('MALFORMED_REQUEST', `${what} must be ${bytes} bytes`);
  return v;
}

function idField(v: unknown, what: string): string {
  if (typeof v !== 'string' || !ID.test(v)) throw new RequestRefused('MALFORMED_REQUEST', `${what} is not a valid id`);
  return v;
}

function pathField(v: unknown): string {
  if (typeof v !== 'string' || v.length > 4096 || !/^m(\/[0-9]{1,10})*$/.test(v)) throw new RequestRefused('MALFORMED_REQUEST', 'path must be a non-hardened derivation path such as m/0/1');
  return v;
}

function transactionField(v: unknown): TransactionItem {
  const t = v as Record<string, unknown> | null;
  if (typeof t !== 'object' || t === null || Array.isArray(t)) throw new RequestRefused('MALFORMED_REQUEST', 'transaction must be an object');
  if (typeof t.chain !== 'string' || !ID.test(t.chain)) throw new RequestRefused('MALFORMED_REQUEST', 'transaction.chain is not a chain id');
  if (t.format !== undefined && (typeof t.format !== 'string' || t.format.length > 64)) throw new RequestRefused('MALFORMED_REQUEST', 'transaction.format must be a short string');
  if (!Number.isSafeInteger(t.item) || (t.item as number) < 0 || (t.item as number) >= MAX_TRANSACTION_ITEMS) throw new RequestRefused('MALFORMED_REQUEST', 'transaction.item must be a signing item index');
  if (t.input === undefined) throw new RequestRefused('MALFORMED_REQUEST', 'transaction.input is missing');
  const out: TransactionItem = { chain: t.chain, ...(t.format !== undefined ? { format: t.format as string } : {}), input: t.input, item: t.item as number };
  if (t.message !== undefined) {
    const m = t.message as Record<string, unknown> | null;
    if (typeof m !== 'object' || m === null || Array.isArray(m) || Object.keys(m).some((k) => k !== 'standard')) throw new RequestRefused('MALFORMED_REQUEST', 'transaction.message must be { standard? }');
    if (m.standard !== undefined && (typeof m.standard !== 'string' || m.standard.length > 64)) throw new RequestRefused('MALFORMED_REQUEST', 'transaction.message.standard must be a short string');
    out.message = m.standard === undefined ? {} : { standard: m.standard as string };
  }
  return out;
}

function positive(v: unknown, what: string): number {
  if (!Number.isSafeInteger(v) || (v as number) < 1) throw new RequestRefused('MALFORMED_REQUEST', `${what} must be a positive integer`);
  return v as number;
}

/**
 * Verifies a signed request against the coordinator's request key and parses it strictly: an
 * unknown kind or field type is refused, never guessed at. Freshness is checked against `now`.
 */
export function openRequest(signed: unknown, coordinatorKey: Uint8Array, now: number): SessionRequest {
  const s = signed as Partial<SignedRequest> | null;
  if (typeof s?.request !== 'string' || typeof s.signature !== 'string' || s.request.length > 1 << 21) throw new RequestRefused('MALFORMED_REQUEST', 'not a signed request');
  const signature = HEX.test(s.signature) && s.signature.length === 128 ? hexToBytes(s.signature) : undefined;
  if (!signature || !ed25519Verify(signature, concatBytes(DOMAIN, utf8(s.request)), coordinatorKey)) {
    throw new RequestRefused('BAD_REQUEST_SIGNATURE', 'request is not signed by the coordinator');
  }
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(s.request) as Record<string, unknown>;
  } catch {
    throw new RequestRefused('MALFORMED_REQUEST', 'request is not JSON');
  }
  if (typeof r !== 'object' || r === null) throw new RequestRefused('MALFORMED_REQUEST', 'request is not an object');
  const common: Common = {
    id: idField(r.id, 'id'),
    session: hexField(r.session, 'session', 32),
    issuedAt: positive(r.issuedAt, 'issuedAt'),
    expiresAt: positive(r.expiresAt, 'expiresAt'),
  };
  if (common.issuedAt > now + MAX_SKEW_MS || common.expiresAt <= now || common.expiresAt - common.issuedAt > MAX_LIFETIME_MS) {
    throw new RequestRefused('STALE_REQUEST', 'request is not fresh');
  }
  switch (r.kind) {
    case 'keygen': {
      if (!SCHEMES.includes(r.scheme as Scheme)) throw new RequestRefused('MALFORMED_REQUEST', 'unknown scheme');
      const parties = partyList(r.parties, 'parties');
      const threshold = positive(r.threshold, 'threshold');
      if (threshold > parties.length) throw new RequestRefused('MALFORMED_REQUEST', 'threshold exceeds parties');
      return { ...common, kind: 'keygen', keyId: idField(r.keyId, 'keyId'), scheme: r.scheme as Scheme, threshold, parties };
    }
    case 'refresh':
      return { ...common, kind: 'refresh', keyId: idField(r.keyId, 'keyId'), version: positive(r.version, 'version'), parties: partyList(r.parties, 'parties') };
    case 'complete':
      return { ...common, kind: 'complete', keyId: idField(r.keyId, 'keyId'), version: positive(r.version, 'version'), certificate: hexField(r.certificate, 'certificate', undefined, 1 << 16) };
    case 'key-status':
      return { ...common, kind: 'key-status', keyId: idField(r.keyId, 'keyId'), run: hexField(r.run, 'run', 32) };
    case 'aux':
      return { ...common, kind: 'aux', parties: partyList(r.parties, 'parties') };
    case 'sign': {
      const out: SessionRequest = { ...common, kind: 'sign', keyId: idField(r.keyId, 'keyId'), version: positive(r.version, 'version'), signers: partyList(r.signers, 'signers') };
      if ([r.message, r.digest, r.transaction].filter((v) => v !== undefined).length !== 1) throw new RequestRefused('MALFORMED_REQUEST', 'exactly one of message, digest and transaction');
      if (r.path !== undefined) out.path = pathField(r.path);
      if (r.message !== undefined) out.message = hexField(r.message, 'message');
      if (r.digest !== undefined) out.digest = hexField(r.digest, 'digest', 32);
      if (r.transaction !== undefined) {
        if (r.hash !== undefined) throw new RequestRefused('MALFORMED_REQUEST', "a transaction's hashes are the chain's");
        out.transaction = transactionField(r.transaction);
      }
      if (r.hash !== undefined) {
        if (!ECDSA_HASHES.includes(r.hash as EcdsaHash)) throw new RequestRefused('MALFORMED_REQUEST', 'unknown hash');
        out.hash = r.hash as EcdsaHash;
      }
      if (r.commitments !== undefined && r.presignature !== undefined) throw new RequestRefused('MALFORMED_REQUEST', 'at most one of commitments and presignature');
      if (r.commitments !== undefined) {
        if (out.digest !== undefined || out.hash !== undefined) throw new RequestRefused('MALFORMED_REQUEST', 'pooled commitments sign a message or a transaction, without a hash');
        if (!Array.isArray(r.commitments) || r.commitments.length !== out.signers.length) throw new RequestRefused('MALFORMED_REQUEST', 'commitments must be one per signer');
        out.commitments = r.commitments.map((c) => hexField(c, 'commitment', undefined, MAX_SIGNED_COMMITMENT_BYTES));
      }
      if (r.presignature !== undefined) {
        // A pooled presignature's R is known before the digest is: only a digest the node computes
        // itself from the message may use it (CVE-2025-66017).
        if (out.digest !== undefined || (out.message !== undefined && out.hash === undefined)) throw new RequestRefused('MALFORMED_REQUEST', 'a pooled presignature signs a message with its hash, or a transaction, never a raw digest');
        out.presignature = hexField(r.presignature, 'presignature', 32);
      }
      return out;
    }
    case 'sign-shares': {
      const signers = partyList(r.signers, 'signers');
      if (!Array.isArray(r.items) || r.items.length < 1 || r.items.length > MAX_SHARE_ITEMS) throw new RequestRefused('MALFORMED_REQUEST', `items: 1 to ${MAX_SHARE_ITEMS}`);
      const items = r.items.map((item: unknown): ShareItem => {
        const i = item as Record<string, unknown> | null;
        if (typeof i !== 'object' || i === null) throw new RequestRefused('MALFORMED_REQUEST', 'an item is an object');
        if (!Array.isArray(i.commitments) || i.commitments.length !== signers.length) throw new RequestRefused('MALFORMED_REQUEST', 'commitments must be one per signer');
        return { id: idField(i.id, 'item id'), message: hexField(i.message, 'message'), commitments: i.commitments.map((c) => hexField(c, 'commitment', undefined, MAX_SIGNED_COMMITMENT_BYTES)) };
      });
      return { ...common, kind: 'sign-shares', keyId: idField(r.keyId, 'keyId'), version: positive(r.version, 'version'), signers, items };
    }
    case 'nonces':
      return { ...common, kind: 'nonces', keyId: idField(r.keyId, 'keyId'), version: positive(r.version, 'version'), count: count(r.count, 'count', MAX_NONCES_PER_REQUEST) };
    case 'presign':
      return {
        ...common,
        kind: 'presign',
        keyId: idField(r.keyId, 'keyId'),
        version: positive(r.version, 'version'),
        signers: partyList(r.signers, 'signers'),
        count: count(r.count, 'count', MAX_PRESIGNATURES_PER_REQUEST),
      };
    case 'drop-items':
      return { ...common, kind: 'drop-items' };
    default:
      throw new RequestRefused('MALFORMED_REQUEST', 'unknown request kind');
  }
}
