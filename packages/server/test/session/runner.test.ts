import { describe, expect, it } from 'vitest';
import { type ProtocolMessage, type Protocol, createDkg, generateIdentities, sessionRegistries, seededRng, FrostSign, FROST_ED25519, frostSigningKey, verifySignature, type DealingOutput } from '@mpc-wallet/core';
import { type ProtocolTransport, SessionAborted, SessionTimeout, runProtocol, sessionKey } from '../../src/session/runner.js';

/** An in-memory network of transports; `drop` decides which messages never arrive. */
function network(parties: number[], drop: (m: ProtocolMessage, to: number) => boolean = () => false) {
  const handlers = new Map<string, (m: ProtocolMessage) => void>();
  const early = new Map<string, ProtocolMessage[]>();
  const deliver = (to: number, m: ProtocolMessage) => {
    if (drop(m, to)) return;
    const key = `${to}/${sessionKey(m.protocol, m.session)}`;
    const h = handlers.get(key);
    // Asynchronous, as on a network.
    queueMicrotask(() => (h ? h(m) : early.set(key, [...(early.get(key) ?? []), m])));
  };
  return (self: number): ProtocolTransport => ({
    send: (m) => {
      for (const to of m.to === null ? parties.filter((p) => p !== self) : [m.to]) deliver(to, m);
    },
    subscribe: (protocol, session, handler) => {
      const key = `${self}/${sessionKey(protocol, session)}`;
      handlers.set(key, handler);
      for (const m of early.get(key) ?? []) handler(m);
      early.delete(key);
      return () => handlers.delete(key);
    },
  });
}

const ids = [1, 2, 3];

function dkg(seed: string): Protocol<DealingOutput>[] {
  const rng = seededRng(seed);
  const identities = generateIdentities(ids, rng);
  const sessions = sessionRegistries(ids);
  return ids.map((self) => createDkg({ curve: 'ed25519', session: new Uint8Array(32).fill(1), self, parties: ids, threshold: 2, identity: identities.get(self)!, sessions: sessions.get(self)!, rng }));
}

describe('session runner', () => {
  it('runs a DKG and a FROST signature to completion over an asynchronous transport', async () => {
    const rng = seededRng('runner');
    const identities = generateIdentities(ids, rng);
    const sessions = sessionRegistries(ids);
    const net = network(ids);
    const outputs = await Promise.all(
      ids.map((self) =>
        runProtocol(createDkg({ curve: 'ed25519', session: new Uint8Array(32).fill(2), self, parties: ids, threshold: 2, identity: identities.get(self)!, sessions: sessions.get(self)!, rng }), net(self), { timeoutMs: 10_000 }),
      ),
    );
    const message = new TextEncoder().encode('runner');
    const signers = [1, 3];
    const signNet = network(signers);
    const sigs = await Promise.all(
      signers.map((self) =>
        runProtocol(
          new FrostSign({ key: frostSigningKey(FROST_ED25519, outputs[self - 1]!.share!), identity: identities.get(self)!, session: new Uint8Array(32).fill(3), signers, message, sessions: sessions.get(self)!, rng }),
          signNet(self),
          { timeoutMs: 10_000 },
        ),
      ),
    );
    expect(verifySignature(FROST_ED25519, outputs[0]!.share!.publicKey, message, sigs[0]!.signature)).toBe(true);
  });

  it('names the parties whose messages never came when it times out', async () => {
    const parties = dkg('timeout');
    const net = network(ids, (m) => m.from === 3);
    const results = await Promise.allSettled(parties.slice(0, 2).map((p) => runProtocol(p, net(p.self), { timeoutMs: 300 })));
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const e = (r as PromiseRejectedResult).reason as SessionTimeout;
      expect(e).toBeInstanceOf(SessionTimeout);
      expect(e.waitingFor).toEqual([3]);
    }
  });

  it('stops at once when cancelled, naming the parties still awaited', async () => {
    const parties = dkg('cancel');
    const net = network(ids, (m) => m.from === 3);
    const cancel = new AbortController();
    const run = runProtocol(parties[0]!, net(1), { timeoutMs: 60_000, signal: cancel.signal });
    setTimeout(() => cancel.abort(), 50);
    const started = Date.now();
    const e = (await run.catch((err: unknown) => err)) as SessionTimeout;
    expect(e).toBeInstanceOf(SessionTimeout);
    expect(e.waitingFor).toEqual([2, 3]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('holds each step’s messages until beforeRelease has finished, in order', async () => {
    const parties = dkg('release');
    const net = network(ids);
    const log: string[] = [];
    await Promise.all(
      parties.map((p) =>
        runProtocol(p, net(p.self), {
          timeoutMs: 10_000,
          beforeRelease: async (_p, outcome) => {
            if (p.self !== 1) return;
            log.push(`before ${outcome.outgoing.map((m) => m.round).join(',')}`);
            await new Promise((r) => setTimeout(r, 5));
            log.push('after');
          },
        }),
      ),
    );
    // Party 1's steps never interleave: each release finishes before the next begins.
    for (let i = 0; i < log.length; i += 2) expect([log[i]!.startsWith('before'), log[i + 1]]).toEqual([true, 'after']);
  });

  it('rejects with the abort and its culprits when a peer cheats, and when beforeRelease fails', async () => {
    const parties = dkg('abort');
    const net = network(ids);
    const tamper = (self: number): ProtocolTransport => {
      const t = net(self);
      return { ...t, send: (m) => t.send(self === 2 && m.round === 1 && m.to === 1 ? { ...m, payload: m.payload.map((b, i) => (i === 0 ? b ^ 1 : b)) } : m) };
    };
    const results = await Promise.allSettled(parties.map((p) => runProtocol(p, tamper(p.self), { timeoutMs: 3_000 })));
    const first = results[0] as PromiseRejectedResult;
    expect(first.reason).toBeInstanceOf(SessionAborted);
    expect((first.reason as SessionAborted).culprits).toEqual([2]);

    const again = dkg('release-fails');
    await expect(runProtocol(again[0]!, network(ids)(1), { timeoutMs: 3_000, beforeRelease: () => Promise.reject(new Error('disk full')) })).rejects.toThrow('disk full');
  });
});
