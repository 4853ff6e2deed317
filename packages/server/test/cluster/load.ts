/**
 * A client of several coordinator instances, as the multi-instance and infrastructure fault tests
 * use it: signing with retries across instances, continuous signing in the background, and the
 * check of what was signed against the nodes' own logs.
 */
import { expect } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@mpc-wallet/core';
import type { ProcessCluster } from './processes.js';
import type { Reply } from './http.js';

export const SCHEMES = ['eddsa-ed25519', 'schnorr-bip340', 'ecdsa-secp256k1'] as const;
export type Scheme = (typeof SCHEMES)[number];

/** Verifies with noble; an ECDSA message is hashed with SHA-256 (the request says `hash: sha256`). */
export function verify(scheme: Scheme, publicKey: string, message: string, signature: string): boolean {
  if (scheme === 'eddsa-ed25519') return ed25519.verify(hexToBytes(signature), hexToBytes(message), hexToBytes(publicKey));
  if (scheme === 'schnorr-bip340') return schnorr.verify(hexToBytes(signature), hexToBytes(message), hexToBytes(publicKey));
  return secp256k1.verify(hexToBytes(signature), sha256(hexToBytes(message)), hexToBytes(publicKey), { prehash: false });
}

export const signBody = (scheme: Scheme, message: string) => (scheme === 'ecdsa-secp256k1' ? { message, hash: 'sha256' } : { message });

/**
 * Signs as a client behind a load balancer would: one instance, then on a retriable answer or no
 * answer at all, the next, with the same idempotency key, until it completes or time runs out.
 * Any non-retriable answer is returned at once.
 */
export async function signRetrying(cluster: ProcessCluster, keyId: string, request: object, idempotencyKey: string, firstInstance: number, deadlineMs = 60_000): Promise<{ reply: Reply; attempts: number }> {
  const deadline = Date.now() + deadlineMs;
  for (let attempt = 0; ; attempt++) {
    const instance = (firstInstance + attempt) % cluster.instances;
    const reply = await cluster
      .callAt(instance)('POST', `/v1/keys/${keyId}/signatures`, request, { 'idempotency-key': idempotencyKey })
      .catch((): undefined => undefined);
    const retriable = reply === undefined || reply.status === 502 || reply.status === 503 || reply.body?.error?.retriable === true;
    if (reply && !retriable) return { reply, attempts: attempt + 1 };
    if (Date.now() > deadline) throw new Error(`request ${idempotencyKey} still retriable after ${attempt + 1} attempts: ${JSON.stringify(reply?.body)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface Signed {
  scheme: Scheme;
  publicKey: string;
  message: string;
  reply: Reply;
  /** Milliseconds from the first attempt to the answer, retries included. */
  ms: number;
  attempts: number;
}

/** `workers` clients signing one message after another with `keys` in turn until stopped; stop() returns every answer. */
export function continuousSigning(cluster: ProcessCluster, keys: readonly { scheme: Scheme; id: string; publicKey: string }[], label: string, workers = 4): { stop(): Promise<Signed[]> } {
  const done: Signed[] = [];
  let stopped = false;
  let sequence = 0;
  const client = async (worker: number) => {
    while (!stopped) {
      const n = sequence++;
      const key = keys[n % keys.length]!;
      const message = bytesToHex(new TextEncoder().encode(`${label} ${n}`));
      const started = performance.now();
      const { reply, attempts } = await signRetrying(cluster, key.id, signBody(key.scheme, message), `${label}-${n}`, (worker + n) % cluster.instances, 120_000);
      done.push({ scheme: key.scheme, publicKey: key.publicKey, message, reply, ms: performance.now() - started, attempts });
    }
  };
  const clients = Array.from({ length: workers }, (_, w) => client(w));
  return {
    async stop() {
      stopped = true;
      await Promise.all(clients);
      return done;
    },
  };
}

/** A signature's nonce commitment R as the nodes log it: a whole signature, or a share after R (33 bytes on secp256k1, whose x a BIP340 signature carries). */
const rOf = (hex: string) => (hex.length === 130 ? hex.slice(2, 66) : hex.slice(0, 64));

/** Each request's nonce commitments by the nodes' own logs, with the nodes that signed under each and the digests they signed. */
async function nodeRecords(cluster: ProcessCluster, requests: ReadonlySet<string>): Promise<Map<string, Map<string, { nodes: Set<number>; digests: Set<string> }>>> {
  const byRequest = new Map<string, Map<string, { nodes: Set<number>; digests: Set<string> }>>();
  for (const node of cluster.manifest.nodes.map((n) => n.id)) {
    for (const entry of await cluster.signatureLog(node)) {
      if (!requests.has(entry.requestId)) continue;
      const byR = byRequest.get(entry.requestId) ?? new Map<string, { nodes: Set<number>; digests: Set<string> }>();
      const r = rOf(entry.signature);
      const made = byR.get(r) ?? { nodes: new Set<number>(), digests: new Set<string>() };
      made.nodes.add(node);
      made.digests.add(entry.digest);
      byR.set(r, made);
      byRequest.set(entry.requestId, byR);
    }
  }
  return byRequest;
}

function expectValid(done: readonly Signed[]): void {
  for (const d of done) {
    expect(d.reply.status, JSON.stringify(d.reply.body)).toBe(200);
    expect(verify(d.scheme, d.publicKey, d.message, d.reply.body.signature)).toBe(true);
  }
}

/**
 * Every answer a valid signature; by the nodes' own logs, each request signed exactly once (one
 * nonce commitment R under which a quorum of two nodes signed), with the signature its client got.
 */
export async function expectSignedOnce(cluster: ProcessCluster, done: readonly Signed[]): Promise<void> {
  expectValid(done);
  const answered = new Map(done.map((d) => [d.reply.body.id as string, rOf(d.reply.body.signature as string)]));
  const records = await nodeRecords(cluster, new Set(answered.keys()));
  for (const [request, r] of answered) {
    const made = [...(records.get(request) ?? new Map<string, { nodes: Set<number> }>())].filter(([, m]) => m.nodes.size >= 2).map(([made]) => made);
    expect(made, `request ${request}`).toEqual([r]);
  }
}

/**
 * Every answer a valid signature; by the nodes' own logs, the signature its client got is one
 * that a quorum made for its request, each of its nodes over one digest, and no nonce commitment
 * served two requests. Where a fault cut a node off after it signed, the retry may have made a
 * second signature of the same message (with fresh nonces): harmless, and never answered.
 */
export async function expectSignedSoundly(cluster: ProcessCluster, done: readonly Signed[]): Promise<void> {
  expectValid(done);
  const answered = new Map(done.map((d) => [d.reply.body.id as string, rOf(d.reply.body.signature as string)]));
  const records = await nodeRecords(cluster, new Set(answered.keys()));
  const owner = new Map<string, string>();
  for (const [request, r] of answered) {
    const byR = records.get(request) ?? new Map<string, { nodes: Set<number>; digests: Set<string> }>();
    expect(byR.get(r)?.nodes.size ?? 0, `request ${request}: nodes that made the answered signature`).toBeGreaterThanOrEqual(2);
    expect(new Set([...byR.values()].flatMap((m) => [...m.digests])).size, `request ${request}: digests signed`).toBe(1);
    for (const made of byR.keys()) {
      expect(owner.get(made) ?? request, `nonce commitment ${made}`).toBe(request);
      owner.set(made, request);
    }
  }
}
