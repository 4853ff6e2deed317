/**
 * Signer nodes for tests, without a coordinator: PGlite stores, an in-memory network between the
 * nodes, key shares from a simulated DKG, and requests signed with a test coordinator key.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { randomBytes } from 'node:crypto';
import {
  type CurveName,
  type KeyShare,
  MemorySessionRegistry,
  type PartyIdentity,
  type ProtocolMessage,
  SECURITY_LEVEL_TSS_LIB_2048,
  bytesToHex,
  createDkg,
  generateIdentities,
  seededRng,
  simulate,
} from '@mpc-wallet/core';
import { SignerNode } from '../../src/node/signer.js';
import { SafePrimePool } from '../../src/node/prime-pool.js';
import { Vault } from '../../src/node/vault.js';
import { type RequestResult, type SessionRequest, signRequest } from '../../src/session/request.js';
import { type ProtocolTransport, sessionKey } from '../../src/session/runner.js';
import type { NodeStore } from '../../src/stores/types.js';

export const coordinatorSecret = new Uint8Array(32).fill(9);
export const coordinatorKey = ed25519.getPublicKey(coordinatorSecret);

/** Delivers every node's messages to the others, but those `drop` picks; `sent` records who sent what. */
export class MemoryNetwork {
  readonly sent: ProtocolMessage[] = [];
  constructor(private readonly drop: (m: ProtocolMessage, to: number) => boolean = () => false) {}

  private readonly handlers = new Map<string, (m: ProtocolMessage) => void>();
  private readonly buffered = new Map<string, ProtocolMessage[]>();

  transport(self: number): ProtocolTransport {
    return {
      send: (m) => {
        this.sent.push(m);
        for (const to of [1, 2, 3]) {
          if (to === self || (m.to !== null && m.to !== to) || this.drop(m, to)) continue;
          const key = `${to}/${sessionKey(m.protocol, m.session)}`;
          const handler = this.handlers.get(key);
          if (handler) queueMicrotask(() => handler(m));
          else this.buffered.set(key, [...(this.buffered.get(key) ?? []), m]);
        }
      },
      subscribe: (protocol, session, handler) => {
        const key = `${self}/${sessionKey(protocol, session)}`;
        this.handlers.set(key, handler);
        for (const m of this.buffered.get(key) ?? []) queueMicrotask(() => handler(m));
        this.buffered.delete(key);
        return () => this.handlers.delete(key);
      },
    };
  }
}

/** A 2-of-3 key on `curve` from a simulated DKG, and the parties' identities. */
export function dkg(curve: CurveName, seed: string): { shares: Map<number, KeyShare>; identities: Map<number, PartyIdentity> } {
  const rng = seededRng(seed);
  const parties = [1, 2, 3];
  const identities = generateIdentities(parties, rng);
  const session = new Uint8Array(32).fill(1);
  const result = simulate(
    parties.map((self) => createDkg({ sessions: new MemorySessionRegistry(), curve, session, self, parties, threshold: 2, identity: identities.get(self)!, rng })),
    rng,
  );
  return { shares: new Map(parties.map((id) => [id, result.outputs.get(id)!.share as KeyShare])), identities };
}

/** A signer node on `store`, with `vault` or a fresh one (a random master key). */
export function signerNode(
  id: number,
  store: NodeStore,
  identity: PartyIdentity,
  network: MemoryNetwork,
  opts: { vault?: Vault; protocolTimeoutMs?: number } = {},
): { node: SignerNode; vault: Vault } {
  const vault = opts.vault ?? new Vault(store, randomBytes(32), id);
  const transport = network.transport(id);
  const node = new SignerNode({
    self: id,
    identity,
    coordinatorKey,
    store,
    vault,
    transport: () => transport,
    primes: new SafePrimePool(1024, 0),
    level: SECURITY_LEVEL_TSS_LIB_2048,
    rng: (n) => new Uint8Array(randomBytes(n)),
    protocolTimeoutMs: opts.protocolTimeoutMs ?? 2_000,
    auxTimeoutMs: opts.protocolTimeoutMs ?? 2_000,
  });
  return { node, vault };
}

export type Body = SessionRequest extends infer R ? (R extends unknown ? Omit<R, 'id' | 'session' | 'issuedAt' | 'expiresAt'> : never) : never;

/** A request as the coordinator signs it: fresh, under a new random session. */
export function signed(body: Body) {
  const now = Date.now();
  return signRequest({ ...body, id: 'req', session: bytesToHex(randomBytes(32)), issuedAt: now, expiresAt: now + 60_000 } as SessionRequest, coordinatorSecret);
}

/** The outputs of results that must all have succeeded (a failure throws, with its code). */
export function outputs(results: RequestResult[]): Record<string, unknown>[] {
  return results.map((r) => {
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.output;
  });
}
