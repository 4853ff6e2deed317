/**
 * Noise IK message 1 is replayable (it has no randomness from the responder): anyone who saw a
 * node's message 1 once can send the same bytes again, and the responder completes its side of
 * the handshake. The replayer can never derive the transport keys, so the responder must not
 * report the connection as open (onConnection, with the victim's name) before the initiator has
 * proven it holds them with a first authenticated record (key confirmation, docs/wire.md §2.4).
 * Before that fix (39cb39b) a replay made RelayHub, which replaces a node's connection by the
 * newer one of the same name, disconnect the genuine node.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, createServer } from 'node:net';
import { HandshakeState, concatBytes, utf8 } from '@mpc-wallet/core';
import { MemoryLogger } from '../src/log.js';
import { ENVELOPE, RelayHub, SecureConnection, SecureServer, connectTcp, encodeEnvelope, tcpChannel, type PeerInfo } from '../src/index.js';
import { party, pins } from './parties.js';

const coordinator = party('coordinator');
const node = party('node-1');

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The bytes of node-1's first frame (length prefix included), as an eavesdropper records them. */
function recordedMessage1(): Uint8Array {
  const hs = new HandshakeState({ pattern: 'IK', initiator: true, s: node.key, rs: coordinator.key.publicKey, prologue: concatBytes(utf8('mpc-wallet/noise/v1'), Uint8Array.of(0x49)) });
  const name = utf8(node.name);
  const m1 = concatBytes(Uint8Array.of(0x49), hs.writeMessage(concatBytes(utf8('MPCW'), Uint8Array.of(1, name.length), name)));
  return concatBytes(Uint8Array.of(m1.length >> 8, m1.length & 0xff), m1);
}

/** Replays the recorded bytes on a fresh socket (no keys needed) and keeps it open. */
async function replay(port: number, bytes: Uint8Array) {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  await new Promise((r) => socket.once('connect', r));
  socket.write(bytes);
  await new Promise((r) => socket.once('data', r)); // the responder answers with message 2
  cleanups.push(() => socket.destroy());
  return socket;
}

describe('replayed IK message 1', () => {
  it('never yields transport keys: the first frame the replayer sends closes the connection', async () => {
    const logger = new MemoryLogger();
    const server = new SecureServer({ name: coordinator.name, staticKey: coordinator.key, trusted: pins(node), logger, onConnection: () => {} });
    cleanups.push(() => server.close());
    const { tcpPort } = await server.listen({ tcpPort: 0 });
    const socket = await replay(tcpPort!, recordedMessage1());
    socket.write(Uint8Array.of(0, 17, ...new Uint8Array(17)));
    await new Promise((r) => socket.once('close', r));
    expect(logger.entries.some((e) => String(e.fields.reason).startsWith('record authentication failed'))).toBe(true);
  });

  it('a silent replayer is dropped by the handshake timeout, never reported open', async () => {
    const logger = new MemoryLogger();
    const opened: PeerInfo[] = [];
    const server = new SecureServer({ name: coordinator.name, staticKey: coordinator.key, trusted: pins(node), logger, handshakeTimeoutMs: 200, onConnection: (_c, p) => opened.push(p) });
    cleanups.push(() => server.close());
    const { tcpPort } = await server.listen({ tcpPort: 0 });
    const socket = await replay(tcpPort!, recordedMessage1());
    await new Promise((r) => socket.once('close', r));
    expect(logger.entries.some((e) => e.fields.reason === 'handshake timeout')).toBe(true);
    expect(opened).toEqual([]);
  });

  it('is not reported as an open connection before the initiator proves it holds the keys', async () => {
    const opened: PeerInfo[] = [];
    const server = new SecureServer({ name: coordinator.name, staticKey: coordinator.key, trusted: pins(node), onConnection: (_c, p) => opened.push(p) });
    cleanups.push(() => server.close());
    const { tcpPort } = await server.listen({ tcpPort: 0 });
    // The responder finishes its handshake and reports an open connection in the same step in
    // which it writes message 2, so once message 2 has arrived, an early report would be there.
    const socket = await replay(tcpPort!, recordedMessage1());
    expect(opened.map((p) => p.name)).toEqual([]); // before 39cb39b: ['node-1']
    socket.write(Uint8Array.of(0, 17, ...new Uint8Array(17)));
    await new Promise((r) => socket.once('close', r));
    expect(opened).toEqual([]);
  });

  it('neither sets `peer` nor resolves `opened()` of the responder; only the genuine initiator does', async () => {
    const responders: SecureConnection[] = [];
    const tcp = createServer((socket) => {
      responders.push(new SecureConnection(tcpChannel(socket), { role: 'responder', name: coordinator.name, staticKey: coordinator.key, trusted: pins(node) }));
    });
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => tcp.close(r)));
    const port = (tcp.address() as { port: number }).port;

    const socket = await replay(port, recordedMessage1());
    const victim = responders[0]!;
    const outcome = victim.opened().then(
      (p) => `opened as ${p.name}`,
      (e: Error) => `closed: ${e.message}`,
    );
    expect(victim.peer).toBeUndefined(); // before this fix: node-1's PeerInfo
    expect(victim.isOpen).toBe(false);
    // The replayer's next frame fails authentication: the promise taken while it waited rejects.
    socket.write(Uint8Array.of(0, 17, ...new Uint8Array(17)));
    expect(await outcome).toMatch(/^closed: record authentication failed/);
    expect(victim.peer).toBeUndefined();

    // The genuine node, on the same responder code, is reported once it has confirmed its keys.
    const genuine = await connectTcp('127.0.0.1', port, { name: node.name, staticKey: node.key, trusted: pins(coordinator), remoteStatic: coordinator.key.publicKey });
    cleanups.push(() => genuine.close());
    const peer = await responders[1]!.opened();
    expect(peer.name).toBe('node-1');
    expect(responders[1]!.peer?.name).toBe('node-1');
  });

  it('does not disconnect the genuine node from a RelayHub', async () => {
    const hub = new RelayHub();
    const server = new SecureServer({ name: coordinator.name, staticKey: coordinator.key, trusted: pins(node), onConnection: (c, p) => hub.attach(c, p) });
    cleanups.push(() => server.close());
    const { tcpPort } = await server.listen({ tcpPort: 0 });
    const genuine = await connectTcp('127.0.0.1', tcpPort!, { name: node.name, staticKey: node.key, trusted: pins(coordinator), remoteStatic: coordinator.key.publicKey });
    cleanups.push(() => genuine.close());
    await replay(tcpPort!, recordedMessage1());
    // Had the replay replaced it, the hub would have sent the genuine node a CLOSE before
    // answering anything else; a round trip through the hub shows that none came.
    const answer = new Promise<string>((resolve) => {
      genuine.on('message', () => resolve('answered'));
      genuine.on('close', (reason) => resolve(reason));
    });
    await genuine.send(encodeEnvelope({ type: ENVELOPE.FORWARD, peer: 'nobody', tag: new Uint8Array(16), frame: Uint8Array.of(1) }));
    expect(await answer).toBe('answered'); // before 39cb39b: 'peer closed: replaced by a newer connection'
    expect(genuine.closedBecause).toBeUndefined();
  });
});
