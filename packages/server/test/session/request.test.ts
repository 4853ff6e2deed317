import { describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@mpc-wallet/core';
import { RequestRefused, type SessionRequest, openRequest, signRequest } from '../../src/session/request.js';

const secret = new Uint8Array(32).fill(7);
const key = ed25519.getPublicKey(secret);
const now = 1_800_000_000_000;

function request(extra: Partial<SessionRequest> = {}): SessionRequest {
  return { id: 'r1', session: 'ab'.repeat(32), issuedAt: now, expiresAt: now + 60_000, kind: 'sign', keyId: 'k1', version: 1, signers: [1, 2], message: '00ff', ...extra } as SessionRequest;
}

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof RequestRefused) return e.code;
    throw e;
  }
  return 'accepted';
}

describe('signed session requests', () => {
  it('opens what the coordinator signed, field for field', () => {
    const r = request();
    expect(openRequest(signRequest(r, secret), key, now)).toEqual(r);
  });

  it('refuses a request signed by another key, or altered after signing', () => {
    expect(refusal(() => openRequest(signRequest(request(), new Uint8Array(32).fill(8)), key, now))).toBe('BAD_REQUEST_SIGNATURE');
    const signed = signRequest(request(), secret);
    const altered = { ...signed, request: signed.request.replace('"00ff"', '"00fe"') };
    expect(refusal(() => openRequest(altered, key, now))).toBe('BAD_REQUEST_SIGNATURE');
    expect(refusal(() => openRequest({ ...signed, signature: bytesToHex(new Uint8Array(64)) }, key, now))).toBe('BAD_REQUEST_SIGNATURE');
  });

  it('refuses stale, future-dated and overlong requests', () => {
    expect(refusal(() => openRequest(signRequest(request(), secret), key, now + 60_001))).toBe('STALE_REQUEST');
    expect(refusal(() => openRequest(signRequest(request({ issuedAt: now + 31_000, expiresAt: now + 90_000 }), secret), key, now))).toBe('STALE_REQUEST');
    expect(refusal(() => openRequest(signRequest(request({ expiresAt: now + 11 * 60_000 }), secret), key, now))).toBe('STALE_REQUEST');
  });

  it('refuses malformed fields even when signed', () => {
    const cases: Partial<SessionRequest>[] = [
      { session: 'ab'.repeat(31) },
      { session: 'AB'.repeat(32) },
      { signers: [2, 1] },
      { signers: [1, 1] },
      { signers: [] },
      { keyId: '../etc' },
      { message: '0' },
      { message: undefined },
      { digest: '00'.repeat(32) },
      { hash: 'md5' as never },
      { kind: 'export' as never },
      { version: 0 },
    ];
    for (const c of cases) expect(refusal(() => openRequest(signRequest(request(c), secret), key, now)), JSON.stringify(c)).toBe('MALFORMED_REQUEST');
    expect(refusal(() => openRequest(signRequest({ ...request(), kind: 'keygen', scheme: 'rsa' } as never, secret), key, now))).toBe('MALFORMED_REQUEST');
    expect(refusal(() => openRequest({ request: '{', signature: '' }, key, now))).toBe('BAD_REQUEST_SIGNATURE');
    expect(refusal(() => openRequest(null, key, now))).toBe('MALFORMED_REQUEST');
  });

  it('refuses a keygen whose threshold exceeds its parties', () => {
    const r = { id: 'r', session: 'cd'.repeat(32), issuedAt: now, expiresAt: now + 1000, kind: 'keygen', keyId: 'k', scheme: 'eddsa-ed25519', threshold: 3, parties: [1, 2] as number[] } as const;
    expect(refusal(() => openRequest(signRequest(r, secret), key, now))).toBe('MALFORMED_REQUEST');
    expect(openRequest(signRequest({ ...r, threshold: 2 }, secret), key, now)).toMatchObject({ kind: 'keygen', threshold: 2 });
  });

  it('opens pool requests and pooled signatures, field for field', () => {
    const base = { id: 'r2', session: 'cd'.repeat(32), issuedAt: now, expiresAt: now + 1000 };
    const nonces = { ...base, kind: 'nonces', keyId: 'k', version: 2, count: 100 } as const;
    const presign = { ...base, kind: 'presign', keyId: 'k', version: 1, signers: [1, 3], count: 20 } as const;
    const frost = request({ commitments: ['aa', 'bb'] });
    const ecdsa = request({ hash: 'keccak256', presignature: 'ef'.repeat(32) });
    for (const r of [nonces, presign, frost, ecdsa]) expect(openRequest(signRequest(r as SessionRequest, secret), key, now)).toEqual(r);
  });

  it('opens a key-status question, and refuses one without a 32-byte run', () => {
    const base = { id: 'r3', session: 'cd'.repeat(32), issuedAt: now, expiresAt: now + 1000 };
    const status = { ...base, kind: 'key-status', keyId: 'k', run: 'ef'.repeat(32) } as const;
    expect(openRequest(signRequest(status as SessionRequest, secret), key, now)).toEqual(status);
    for (const run of [undefined, 'ef', 'EF'.repeat(32)]) {
      expect(refusal(() => openRequest(signRequest({ ...status, run } as never, secret), key, now))).toBe('MALFORMED_REQUEST');
    }
  });

  it('refuses pool requests out of bounds or malformed', () => {
    const base = { id: 'r2', session: 'cd'.repeat(32), issuedAt: now, expiresAt: now + 1000, keyId: 'k', version: 1 };
    const cases: Record<string, unknown>[] = [
      { kind: 'nonces', count: 101 },
      { kind: 'nonces', count: 0 },
      { kind: 'nonces', count: 1.5 },
      { kind: 'nonces', count: '3' },
      { kind: 'nonces' },
      { kind: 'nonces', count: 3, keyId: 'a/b' },
      { kind: 'presign', signers: [1, 2], count: 21 },
      { kind: 'presign', signers: [2, 1], count: 2 },
      { kind: 'presign', count: 2 },
      { kind: 'presign', signers: [1, 2], count: 0 },
    ];
    for (const c of cases) expect(refusal(() => openRequest(signRequest({ ...base, ...c } as unknown as SessionRequest, secret), key, now)), JSON.stringify(c)).toBe('MALFORMED_REQUEST');
  });

  it('refuses pooled items that do not fit the signature asked for', () => {
    const presignature = 'ef'.repeat(32);
    const cases: Partial<SessionRequest>[] = [
      // A raw digest never uses a pooled presignature (CVE-2025-66017).
      { message: undefined, digest: '00'.repeat(32), presignature },
      // A pooled presignature signs a message the node hashes itself.
      { presignature },
      { hash: 'sha256', presignature: 'ef'.repeat(31) },
      { hash: 'sha256', presignature: presignature.toUpperCase() },
      { hash: 'sha256', presignature, commitments: ['aa', 'bb'] },
      // One commitment per signer, hex.
      { commitments: ['aa'] },
      { commitments: ['aa', 'bb', 'cc'] },
      { commitments: ['aa', 'b'] },
      { commitments: ['aa', 7 as never] },
      { commitments: 'aabb' as never },
      { commitments: ['aa', '00'.repeat(1025)] },
      { hash: 'sha256', commitments: ['aa', 'bb'] },
      { message: undefined, digest: '00'.repeat(32), commitments: ['aa', 'bb'] },
    ];
    for (const c of cases) expect(refusal(() => openRequest(signRequest(request(c), secret), key, now)), JSON.stringify(c)).toBe('MALFORMED_REQUEST');
  });

  it('opens a derivation path and a chain transaction or message item, field for field', () => {
    const transaction = { chain: 'bitcoin', format: 'p2tr', input: 'cHNidP8B', item: 0 };
    for (const extra of [
      { path: 'm/0/7' },
      { message: undefined, transaction },
      { message: undefined, transaction, path: 'm/1', presignature: 'ef'.repeat(32) },
      { message: undefined, transaction: { chain: 'ethereum', input: { text: 'hi' }, item: 0, message: { standard: 'eip191' } } },
      { message: undefined, transaction: { chain: 'ethereum', input: { text: 'hi' }, item: 0, message: {} } },
    ] as Partial<SessionRequest>[]) {
      const r = request(extra);
      expect(openRequest(signRequest(r, secret), key, now), JSON.stringify(extra)).toEqual(JSON.parse(JSON.stringify(r)));
    }
  });

  it('refuses a malformed path or transaction item, and a transaction beside a message, digest or hash', () => {
    const transaction = { chain: 'bitcoin', input: 'cHNidP8B', item: 0 };
    const cases: Partial<SessionRequest>[] = [
      { path: "m/0'" },
      { path: 'm//1' },
      { path: '0/1' },
      { path: 7 as never },
      { transaction },
      { message: undefined, digest: '00'.repeat(32), transaction },
      { message: undefined, hash: 'sha256', transaction },
      { message: undefined, transaction: { ...transaction, chain: 'Bitcoin!' } },
      { message: undefined, transaction: { ...transaction, item: -1 } },
      { message: undefined, transaction: { ...transaction, item: 256 } },
      { message: undefined, transaction: { ...transaction, item: 1.5 } },
      { message: undefined, transaction: { ...transaction, format: 'x'.repeat(65) } },
      { message: undefined, transaction: { chain: 'bitcoin', item: 0 } as never },
      { message: undefined, transaction: [] as never },
      { message: undefined, transaction: { ...transaction, message: { standard: 'eip191', extra: 1 } } as never },
      { message: undefined, transaction: { ...transaction, message: 'eip191' } as never },
    ];
    for (const c of cases) expect(refusal(() => openRequest(signRequest(request(c), secret), key, now)), JSON.stringify(c)).toBe('MALFORMED_REQUEST');
  });
});
