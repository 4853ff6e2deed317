import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { HandshakeState, bytesToHex, concatBytes, utf8 } from '@mpc-wallet/core';
import { MemoryLogger } from '../src/log.js';
import { SecureConnection, SecureServer, connectTcp, connectWs, tcpChannel, RECORD } from '../src/index.js';
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

/**
 * Completes an IK handshake by hand over TCP (frames as in docs/wire.md), confirms, then stays
 * silent unless `answerPings`: then it answers each PING with a PONG and sends nothing else.
 * `pings` counts the PINGs the server sent it.
 */
async function rawHandshake(port: number, me: Party, server: Party, answerPings = false) {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise((r) => socket.once('connect', r));
  const hs = new HandshakeState({ pattern: 'IK', initiator: true, s: me.key, rs: server.key.publicKey, prologue: concatBytes(utf8('mpc-wallet/noise/v1'), Uint8Array.of(0x49)) });
  const name = utf8(me.name);
  const m1 = concatBytes(Uint8Array.of(0x49), hs.writeMessage(concatBytes(utf8('MPCW'), Uint8Array.of(1, name.length), name)));
  socket.write(concatBytes(Uint8Array.of(m1.length >> 8, m1.length & 0xff), m1));
  const reply = await new Promise<Buffer>((r) => socket.once('data', r));
  hs.readMessage(new Uint8Array(reply.subarray(2, 2 + reply.readUInt16BE(0))));
  // key confirmation: the first record under the transport keys (a PING)
  const keys = hs.split();
  const write = (record: Uint8Array) => {
    const frame = keys.send.encryptWithAd(new Uint8Array(0), record);
    socket.write(concatBytes(Uint8Array.of(frame.length >> 8, frame.length & 0xff), frame));
  };
  write(Uint8Array.of(RECORD.PING));
  const state = { socket, pings: 0 };
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
      const record = keys.receive.decryptWithAd(new Uint8Array(0), new Uint8Array(pending.subarray(2, 2 + pending.readUInt16BE(0))));
      pending = pending.subarray(2 + pending.readUInt16BE(0));
      if (record[0] !== RECORD.PING) continue;
      state.pings++;
      socket.emit('ping');
      if (answerPings) write(Uint8Array.of(RECORD.PONG));
    }
  });
  return state;
}

/** Resolves true when the socket closes, false if it is still open after `ms` (a generous bound, not a sleep). */
const socketClosed = (socket: Socket, ms = 10_000) =>
  new Promise<boolean>((resolve) => {
    if (socket.destroyed) return resolve(true);
    const t = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });

/** Bounded poll for a condition that a later event makes true. */
async function until(cond: () => boolean, ms = 5_000): Promise<boolean> {
  for (const end = Date.now() + ms; !cond() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 5));
  return cond();
}

/** A raw TCP socket that connects and sends nothing. */
async function silentSocket(port: number, localAddress?: string): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port, ...(localAddress ? { localAddress } : {}) });
  socket.on('error', () => {});
  await new Promise((r) => socket.once('connect', r));
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
    expect(await until(() => logger.entries.some((e) => e.fields.reason === 'peer static key is not pinned'))).toBe(true);
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
    expect(await until(() => asked.length > 0)).toBe(true);
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

  // Margins: the idle timeout is 40 keep-alive periods, so only a pause of over a second breaks
  // the first test; the second waits for the close itself, not for a fixed time.
  it('keep-alive: a peer that only answers PINGs outlives many idle timeouts, counted in PINGs observed', async () => {
    const keepAliveMs = 25;
    const idleTimeoutMs = 1_000;
    const { tcpPort, logger } = await echoServer(coordinator, pins(node1), new MemoryLogger(), { keepAliveMs, idleTimeoutMs });
    const polite = await rawHandshake(tcpPort!, node1, coordinator, true);
    const start = Date.now();
    // Everything the server receives from this peer is a PONG to the server's own PING.
    const outcome = await new Promise<string>((resolve) => {
      polite.socket.on('ping', () => Date.now() - start >= 2.5 * idleTimeoutMs && resolve('outlived'));
      polite.socket.once('close', () => resolve('closed'));
    });
    expect(outcome).toBe('outlived');
    expect(polite.pings).toBeGreaterThanOrEqual(5);
    expect(logger.entries.some((e) => e.fields.reason === 'idle timeout')).toBe(false);
    polite.socket.destroy();
  });

  it('idle timeout: a peer that completes the handshake and never answers a PING is dropped', async () => {
    const { tcpPort, logger } = await echoServer(coordinator, pins(node1), new MemoryLogger(), { keepAliveMs: 25, idleTimeoutMs: 300 });
    const mute = await rawHandshake(tcpPort!, node1, coordinator);
    expect(await socketClosed(mute.socket)).toBe(true);
    expect(mute.pings).toBeGreaterThan(0);
    expect(logger.entries.some((e) => e.fields.reason === 'idle timeout')).toBe(true);
  });

  it('a connection that sends nothing is closed by the first-frame timeout, long before the handshake timeout', async () => {
    const { tcpPort, logger } = await echoServer(coordinator, pins(node1), new MemoryLogger(), { firstFrameTimeoutMs: 100, handshakeTimeoutMs: 60_000 });
    const socket = await silentSocket(tcpPort!);
    expect(await socketClosed(socket)).toBe(true);
    expect(logger.entries.map((e) => e.fields.reason)).toContain('first frame timeout');
    // A partial first frame is no frame either.
    const slow = await silentSocket(tcpPort!);
    slow.write(Uint8Array.of(0, 40, 0x49));
    expect(await socketClosed(slow)).toBe(true);
    expect(logger.entries.filter((e) => e.fields.reason === 'first frame timeout')).toHaveLength(2);
  });

  it('handshakes in progress have their own cap; open connections do not count against it', async () => {
    const { server, tcpPort, logger } = await echoServer(coordinator, pins(node1), new MemoryLogger(), { maxHandshakes: 2 });
    const dial = { name: node1.name, staticKey: node1.key, trusted: pins(coordinator), remoteStatic: coordinator.key.publicKey };
    // Two open connections leave both handshake slots free.
    const open = [await connectTcp('127.0.0.1', tcpPort!, dial), await connectTcp('127.0.0.1', tcpPort!, dial)];
    expect(await until(() => server.handshakeCount === 0)).toBe(true); // the responders' key confirmation
    const silent = [await silentSocket(tcpPort!), await silentSocket(tcpPort!)];
    expect(await until(() => server.handshakeCount === 2)).toBe(true);
    // Both slots taken: the next connection is refused before any handshake.
    await expect(connectTcp('127.0.0.1', tcpPort!, dial)).rejects.toThrow(/connection closed by peer/);
    expect(logger.entries.map((e) => e.fields.reason)).toContain('too many handshakes in progress');
    // A slot frees when a silent connection goes away.
    silent[0]!.destroy();
    expect(await until(() => server.handshakeCount === 1)).toBe(true);
    const third = await connectTcp('127.0.0.1', tcpPort!, dial);
    expect(third.isOpen).toBe(true);
    expect(server.connectionCount).toBe(4);
    for (const c of [...open, third]) c.close();
    silent[1]!.destroy();
  });

  it('connections are limited per IP address; another address still gets in', async () => {
    const { server, tcpPort, logger } = await echoServer(coordinator, pins(node1), new MemoryLogger(), { maxConnectionsPerIp: 2 });
    const dial = { name: node1.name, staticKey: node1.key, trusted: pins(coordinator), remoteStatic: coordinator.key.publicKey };
    const first = await connectTcp('127.0.0.1', tcpPort!, dial);
    const silent = await silentSocket(tcpPort!); // handshaking connections count too
    expect(await until(() => server.connectionCount === 2)).toBe(true);
    await expect(connectTcp('127.0.0.1', tcpPort!, dial)).rejects.toThrow(/connection closed by peer/);
    expect(logger.entries.map((e) => e.fields.reason)).toContain('too many connections from this address');
    // 127.0.0.2 is another loopback address (Linux routes all of 127/8 to lo).
    const other = await silentSocket(tcpPort!, '127.0.0.2');
    const fromOther = new SecureConnection(tcpChannel(other), { role: 'initiator', ...dial });
    expect((await fromOther.opened()).name).toBe('coordinator');
    // Closing one connection from 127.0.0.1 frees its place.
    silent.destroy();
    expect(await until(() => server.connectionCount === 2)).toBe(true);
    const again = await connectTcp('127.0.0.1', tcpPort!, dial);
    expect(again.isOpen).toBe(true);
    for (const c of [first, fromOther, again]) c.close();
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
