import { afterEach, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { WebSocket } from 'ws';
import { HandshakeState, bytesToHex, concatBytes, utf8 } from '@mpc-wallet/core';
import { MemoryLogger } from '../src/log.js';
import { SecureServer, connectTcp, connectWs, type SecureConnection } from '../src/index.js';
import { type Party, party, pins } from './parties.js';


const servers: SecureServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function echoServer(self: Party, trusted: Map<string, string>, logger = new MemoryLogger(), extra = {}) {
  const server = new SecureServer({
    name: self.name,
    staticKey: self.key,
    trusted,
    logger,
    ...extra,
    onConnection: (conn) => conn.on('message', (m) => void conn.send(m)),
  });
  servers.push(server);
  const ports = await server.listen({ tcpPort: 0, wsPort: 0 });
  return { server, logger, ...ports };
}

/** Completes an IK handshake by hand over TCP (frames as in docs/wire.md), confirms, then stays silent. */
async function rawHandshake(port: number, me: Party, server: Party) {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise((r) => socket.once('connect', r));
  const hs = new HandshakeState({ pattern: 'IK', initiator: true, s: me.key, rs: server.key.publicKey, prologue: concatBytes(utf8('mpc-wallet/noise/v1'), Uint8Array.of(0x49)) });
  const name = utf8(me.name);
  const m1 = concatBytes(Uint8Array.of(0x49), hs.writeMessage(concatBytes(utf8('MPCW'), Uint8Array.of(1, name.length), name)));
  socket.write(concatBytes(Uint8Array.of(m1.length >> 8, m1.length & 0xff), m1));
  const reply = await new Promise<Buffer>((r) => socket.once('data', r));
  hs.readMessage(new Uint8Array(reply.subarray(2, 2 + reply.readUInt16BE(0))));
  // key confirmation: the first record under the transport keys (a PING)
  const ping = hs.split().send.encryptWithAd(new Uint8Array(0), Uint8Array.of(0x03));
  socket.write(concatBytes(Uint8Array.of(ping.length >> 8, ping.length & 0xff), ping));
  return socket;
}

function nextMessage(conn: SecureConnection): Promise<Uint8Array> {
  return new Promise((resolve) => conn.on('message', resolve));
}

function closed(conn: SecureConnection): Promise<string> {
  return conn.closedBecause ? Promise.resolve(conn.closedBecause) : new Promise((resolve) => conn.on('close', resolve));
}

describe('secure transport', () => {
  const coordinator = party('coordinator');
  const node1 = party('node-1');
  const stranger = party('stranger');

  for (const kind of ['tcp', 'ws'] as const) {
    it(`${kind}: IK handshake with pinned keys, messages up to 3 MB echo back intact`, async () => {
      const { tcpPort, wsPort } = await echoServer(coordinator, pins(node1));
      const opts = { name: node1.name, staticKey: node1.key, trusted: pins(coordinator), remoteStatic: coordinator.key.publicKey };
      const conn = kind === 'tcp' ? await connectTcp('127.0.0.1', tcpPort!, opts) : await connectWs(`ws://127.0.0.1:${wsPort}`, opts);
      expect(conn.peer!.name).toBe('coordinator');
      for (const size of [0, 1, 65_518, 65_519, 200_000, 3_000_000]) {
        const payload = new Uint8Array(size).map((_, i) => (i * 31) & 0xff);
        const reply = nextMessage(conn);
        await conn.send(payload);
        expect(bytesToHex(await reply)).toBe(bytesToHex(payload));
      }
      conn.close('done');
    });

    it(`${kind}: XX first contact still requires a pinned key`, async () => {
      const { tcpPort, wsPort } = await echoServer(coordinator, pins(node1));
      const opts = { name: node1.name, staticKey: node1.key, trusted: pins(coordinator) };
      const conn = kind === 'tcp' ? await connectTcp('127.0.0.1', tcpPort!, opts) : await connectWs(`ws://127.0.0.1:${wsPort}`, opts);
      expect(conn.peer!.name).toBe('coordinator');
      conn.close();
    });
  }

  it('an unknown static key is refused with a logged reason; the server serves others on', async () => {
    const { tcpPort, logger } = await echoServer(coordinator, pins(node1));
    await expect(
      connectTcp('127.0.0.1', tcpPort!, { name: stranger.name, staticKey: stranger.key, trusted: pins(coordinator), remoteStatic: coordinator.key.publicKey }),
    ).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 50));
    expect(logger.entries.some((e) => e.fields.reason === 'peer static key is not pinned')).toBe(true);
    const ok = await connectTcp('127.0.0.1', tcpPort!, { name: node1.name, staticKey: node1.key, trusted: pins(coordinator), remoteStatic: coordinator.key.publicKey });
    expect(ok.isOpen).toBe(true);
    ok.close();
  });

  it('first contact: an unpinned peer is accepted only when acceptUnknown says so, after it proved its key', async () => {
    const asked: string[] = [];
    const { tcpPort } = await echoServer(coordinator, pins(), new MemoryLogger(), {
      acceptUnknown: (key: Uint8Array, name: string) => {
        asked.push(`${name}:${bytesToHex(key)}`);
        return name === 'node-new';
      },
    });
    const newcomer = party('node-new');
    const conn = await connectTcp('127.0.0.1', tcpPort!, { name: newcomer.name, staticKey: newcomer.key, trusted: pins(coordinator) });
    expect(conn.isOpen).toBe(true);
    // the initiator finishes first (it sends XX's last message); let the server read it
    for (let i = 0; i < 100 && asked.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(asked).toEqual([`node-new:${bytesToHex(newcomer.key.publicKey)}`]);
    conn.close();
    // In XX the initiator completes first; a refused initiator learns it when the responder hangs up.
    const refused = await connectTcp('127.0.0.1', tcpPort!, { name: stranger.name, staticKey: stranger.key, trusted: pins(coordinator) });
    expect(await closed(refused)).toBe('connection closed by peer');
    expect(asked).toHaveLength(2);
  });

  it('a peer announcing another name than its pin is refused', async () => {
    const { tcpPort } = await echoServer(coordinator, pins(node1));
    await expect(
      connectTcp('127.0.0.1', tcpPort!, { name: 'node-2', staticKey: node1.key, trusted: pins(coordinator), remoteStatic: coordinator.key.publicKey }),
    ).rejects.toThrow();
  });

  it('dialling with the wrong responder key fails (the impostor cannot decrypt message 1)', async () => {
    const { tcpPort } = await echoServer(coordinator, pins(node1));
    await expect(
      connectTcp('127.0.0.1', tcpPort!, { name: node1.name, staticKey: node1.key, trusted: pins(coordinator), remoteStatic: stranger.key.publicKey, handshakeTimeoutMs: 500 }),
    ).rejects.toThrow();
  });

  it('a peer that stalls mid-handshake is dropped after the timeout', async () => {
    const { tcpPort, logger } = await echoServer(coordinator, pins(node1), new MemoryLogger(), { handshakeTimeoutMs: 150 });
    const socket = connect({ host: '127.0.0.1', port: tcpPort! });
    await new Promise((r) => socket.once('connect', r));
    socket.write(Uint8Array.of(0, 40, 0x49)); // a frame header and one byte, then nothing
    const ended = await new Promise<boolean>((resolve) => {
      socket.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 2000);
    });
    expect(ended).toBe(true);
    expect(logger.entries.some((e) => e.fields.reason === 'handshake timeout')).toBe(true);
  });

  it('oversized messages: the sender refuses, and a receiver closes on reassembly beyond its limit', async () => {
    const { tcpPort } = await echoServer(coordinator, pins(node1), new MemoryLogger(), { maxMessageBytes: 100_000 });
    const conn = await connectTcp('127.0.0.1', tcpPort!, { name: node1.name, staticKey: node1.key, trusted: pins(coordinator), remoteStatic: coordinator.key.publicKey });
    await expect(
      (async () => {
        const c2 = await connectTcp('127.0.0.1', tcpPort!, { name: node1.name, staticKey: node1.key, trusted: pins(coordinator), remoteStatic: coordinator.key.publicKey, maxMessageBytes: 1 });
        await c2.send(new Uint8Array(2));
      })(),
    ).rejects.toThrow(/maximum size/);
    await conn.send(new Uint8Array(200_000));
    expect(await closed(conn)).toMatch(/message too large/);
  });

  it('idle peers are dropped; keep-alive keeps a quiet connection open', async () => {
    const { tcpPort, logger } = await echoServer(coordinator, pins(node1), new MemoryLogger(), { keepAliveMs: 40, idleTimeoutMs: 200 });
    const live = await connectTcp('127.0.0.1', tcpPort!, { name: node1.name, staticKey: node1.key, trusted: pins(coordinator), remoteStatic: coordinator.key.publicKey, keepAliveMs: 40, idleTimeoutMs: 200 });
    await new Promise((r) => setTimeout(r, 500));
    expect(live.isOpen).toBe(true);
    live.close();
    // a raw client that completes the handshake and then never answers a ping is dropped
    const mute = await rawHandshake(tcpPort!, node1, coordinator);
    const ended = await new Promise<boolean>((resolve) => {
      mute.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 2000);
    });
    expect(ended).toBe(true);
    expect(logger.entries.some((e) => e.fields.reason === 'idle timeout')).toBe(true);
  });

  it('ws: a text message or an oversized WebSocket frame closes that connection only', async () => {
    const { wsPort, logger } = await echoServer(coordinator, pins(node1));
    const raw = new WebSocket(`ws://127.0.0.1:${wsPort}`);
    await new Promise((r) => raw.once('open', r));
    raw.send('hello');
    await new Promise((r) => raw.once('close', r));
    const big = new WebSocket(`ws://127.0.0.1:${wsPort}`);
    await new Promise((r) => big.once('open', r));
    big.send(new Uint8Array(70_000));
    await new Promise((r) => big.once('close', r));
    expect(logger.entries.some((e) => /text message/.test(String(e.fields.reason)))).toBe(true);
    const ok = await connectWs(`ws://127.0.0.1:${wsPort}`, { name: node1.name, staticKey: node1.key, trusted: pins(coordinator), remoteStatic: coordinator.key.publicKey });
    expect(ok.isOpen).toBe(true);
    ok.close();
  });
});
