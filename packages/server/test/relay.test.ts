import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHex } from '@mpc-wallet/core';
import { MemoryLogger } from '../src/log.js';
import { RelayEndpoint, RelayHub, type RelayInterceptor, SecureServer, connectTcp, type SecureConnection, decodeEnvelope, encodeEnvelope, ENVELOPE, CONTROL, decodeControl } from '../src/index.js';
import { party, pins } from './parties.js';


const coordinator = party('coordinator');
const nodes = [party('node-1'), party('node-2'), party('node-3')];

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A coordinator relaying between the three nodes, each with a RelayEndpoint. */
async function network(intercept?: RelayInterceptor) {
  const logger = new MemoryLogger();
  const seen: Uint8Array[] = [];
  const hub = new RelayHub({
    logger,
    intercept: (e) => {
      seen.push(e.frame);
      return intercept ? intercept(e) : [{ to: e.to, tag: e.tag, frame: e.frame }];
    },
  });
  const server = new SecureServer({ name: coordinator.name, staticKey: coordinator.key, trusted: pins(...nodes), logger, onConnection: (c, p) => hub.attach(c, p) });
  const { tcpPort } = await server.listen({ tcpPort: 0 });
  cleanups.push(() => server.close());
  const inbound = new Map<string, SecureConnection[]>();
  const inboundWaiters: (() => void)[] = [];
  const endpoints = new Map<string, RelayEndpoint>();
  const outer = new Map<string, SecureConnection>();
  for (const node of nodes) {
    const conn = await connectTcp('127.0.0.1', tcpPort!, { name: node.name, staticKey: node.key, trusted: pins(coordinator), remoteStatic: coordinator.key.publicKey });
    cleanups.push(() => conn.close());
    outer.set(node.name, conn);
    inbound.set(node.name, []);
    endpoints.set(
      node.name,
      new RelayEndpoint(conn, {
        name: node.name,
        staticKey: node.key,
        peers: pins(...nodes.filter((p) => p !== node)),
        logger,
        onSession: (s) => {
          inbound.get(node.name)!.push(s);
          for (const w of inboundWaiters.splice(0)) w();
        },
      }),
    );
  }
  /** The count-th inbound session of `name`, once its handshake completed (an event, not a poll). */
  const waitInbound = async (name: string, count = 1) => {
    while (inbound.get(name)!.length < count) await new Promise<void>((r) => inboundWaiters.push(r));
    return inbound.get(name)![count - 1]!;
  };
  return { endpoints, outer, waitInbound, seen, logger };
}

const nextMessage = (s: SecureConnection) => new Promise<Uint8Array>((resolve) => s.on('message', resolve));
const closed = (s: SecureConnection) => (s.closedBecause ? Promise.resolve(s.closedBecause) : new Promise<string>((resolve) => s.on('close', resolve)));

describe('end-to-end sessions through the coordinator', () => {
  it('node-1 ↔ node-2 talk through the relay; the relay sees only ciphertext', async () => {
    const net = await network();
    const a = await net.endpoints.get('node-1')!.connect('node-2');
    const b = await net.waitInbound('node-2');
    expect(a.peer!.name).toBe('node-2');
    expect(b.peer!.name).toBe('node-1');
    const marker = new TextEncoder().encode('SECRET-SHARE-MARKER-'.repeat(10));
    const big = new Uint8Array(300_000).fill(0x5a);
    big.set(marker, 1000);
    const got = nextMessage(b);
    await a.send(big);
    expect(bytesToHex(await got)).toBe(bytesToHex(big));
    const back = nextMessage(a);
    await b.send(marker);
    expect(bytesToHex(await back)).toBe(bytesToHex(marker));
    // nothing the relay forwarded contains the plaintext
    const needle = Buffer.from(marker.subarray(0, 20));
    expect(net.seen.some((f) => Buffer.from(f).includes(needle))).toBe(false);
    expect(net.seen.length).toBeGreaterThan(5);
  });

  it('an unpinned or unreachable peer is refused', async () => {
    const net = await network();
    await expect(net.endpoints.get('node-1')!.connect('node-9')).rejects.toThrow(/not pinned/);
  });

  type Attack = 'flip' | 'drop' | 'replay' | 'reorder';
  const attacks: Record<Attack, (held: Uint8Array[], frame: Uint8Array) => Uint8Array[]> = {
    // each returns what the relay delivers for node-1's 2nd and 3rd transport frames
    flip: (_held, f) => {
      const g = f.slice();
      g[g.length - 3]! ^= 0x01;
      return [g];
    },
    drop: () => [],
    replay: (_held, f) => [f, f],
    reorder: (held, f) => (held.length === 0 ? (held.push(f), []) : [f, held.pop()!]),
  };

  for (const [name, attack] of Object.entries(attacks) as [Attack, (typeof attacks)[Attack]][]) {
    it(`a malicious relay that tries to ${name} a frame is detected and the session aborts with a reason`, async () => {
      let count = 0;
      const held: Uint8Array[] = [];
      const net = await network((e) => {
        if (e.from !== 'node-1' || e.to !== 'node-2') return [e];
        count++;
        // frame 1 is the handshake, 2 the key-confirmation ping, 3 the first message; 4 and 5 are attacked
        if (count < 4 || count > 5) return [e];
        return attack(held, e.frame).map((frame) => ({ ...e, frame }));
      });
      const a = await net.endpoints.get('node-1')!.connect('node-2');
      const b = await net.waitInbound('node-2');
      const first = nextMessage(b);
      await a.send(Uint8Array.of(1));
      expect(await first).toEqual(Uint8Array.of(1));
      await a.send(Uint8Array.of(2));
      await a.send(Uint8Array.of(3));
      if (name === 'drop') await a.send(Uint8Array.of(4)); // a loss shows on the next frame
      expect(await closed(b)).toMatch(/record authentication failed/);
      expect(await closed(a)).toMatch(/peer closed: record authentication failed/);
      expect(net.logger.entries.some((e) => e.level === 'warn' && /record authentication failed/.test(String(e.fields.reason)))).toBe(true);
    });
  }

  it('a frame spliced in from another session between the same nodes is detected', async () => {
    const fromSession = new Map<string, Uint8Array[]>();
    let splice: Uint8Array | undefined;
    const net = await network((e) => {
      if (e.from === 'node-1' && e.to === 'node-2') {
        const key = bytesToHex(e.tag);
        fromSession.set(key, [...(fromSession.get(key) ?? []), e.frame]);
        if (splice && e.frame.length === 1 + 16 + 1 && fromSession.size === 2 && key === [...fromSession.keys()][0]) {
          const f = splice;
          splice = undefined;
          return [{ ...e, frame: f }];
        }
      }
      return [e];
    });
    const a1 = await net.endpoints.get('node-1')!.connect('node-2');
    const b1 = await net.waitInbound('node-2', 1);
    const a2 = await net.endpoints.get('node-1')!.connect('node-2');
    await net.waitInbound('node-2', 2);
    await a2.send(Uint8Array.of(9));
    const other = [...fromSession.values()][1]!;
    splice = other[other.length - 1]!; // session 2's transport frame
    await a1.send(Uint8Array.of(7)); // replaced in flight by the spliced frame
    expect(await closed(b1)).toMatch(/record authentication failed/);
  });

  it('the coordinator closes a node that sends malformed envelopes; envelopes round-trip', async () => {
    const net = await network();
    const env = { type: ENVELOPE.FORWARD, peer: 'node-2', tag: new Uint8Array(16).fill(3), frame: Uint8Array.of(1, 2, 3) };
    expect(decodeEnvelope(encodeEnvelope(env))).toEqual(env);
    expect(() => decodeEnvelope(Uint8Array.of(0x10, 0))).toThrow();
    expect(() => decodeEnvelope(Uint8Array.of(0x77, 1, 65))).toThrow();
    const conn = net.outer.get('node-3')!;
    await conn.send(Uint8Array.of(0x77, 1, 65));
    expect(await closed(conn)).toBe('peer closed: malformed message');
    // a node may not impersonate the coordinator's DELIVER
    const c1 = net.outer.get('node-1')!;
    await c1.send(encodeEnvelope({ ...env, type: ENVELOPE.DELIVER }));
    expect(await closed(c1)).toBe('peer closed: malformed message');
    // nor send a control message that is not a JSON object
    expect(() => decodeControl(Uint8Array.of(CONTROL, 0x5b, 0x5d))).toThrow(/not a JSON object/);
    // the others keep working
    const a = await net.endpoints.get('node-2')!.connect('node-1').catch((e: Error) => e);
    expect(a).toBeInstanceOf(Error); // node-1 is gone: its session cannot complete
    expect(net.logger.entries.some((e) => e.message === 'relay envelope refused')).toBe(true);
  });
});
