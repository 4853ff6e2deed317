/**
 * PeerMesh files peer messages by session; a message for a session not started yet waits. A peer
 * that floods that waiting room must not crowd out another peer's early message: the node would
 * then time out naming the honest peer.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { type ProtocolMessage, encodeMessage } from '@mpc-wallet/core';
import { PeerMesh } from '../../src/node/peer-mesh.js';
import type { PeerInfo, SecureConnection } from '../../src/transport/connection.js';

/** A link from a peer as the relay endpoint hands it over: its messages are emitted at will. */
function peerLink(mesh: PeerMesh, name: string) {
  const link = new EventEmitter() as EventEmitter & { close(reason?: string): void; send(b: Uint8Array): Promise<void> };
  link.close = () => undefined;
  link.send = async () => undefined;
  mesh.accept(link as unknown as SecureConnection, { name } as PeerInfo);
  return (m: ProtocolMessage) => link.emit('message', encodeMessage(m));
}

const message = (from: number, session: number, round = 1, payload = new Uint8Array(8)): ProtocolMessage => ({
  protocol: 'frost-sign/test',
  session: Uint8Array.of(session >> 8, session & 0xff),
  round,
  from,
  to: null,
  payload,
});

function received(mesh: PeerMesh, session: number): ProtocolMessage[] {
  const got: ProtocolMessage[] = [];
  mesh.subscribe('frost-sign/test', message(0, session).session, (m) => got.push(m));
  return got;
}

describe('PeerMesh early messages', () => {
  it("a session started late gets what every peer sent for it, each peer's in the order sent", () => {
    const mesh = new PeerMesh(1, new Map([[2, 'node-2'], [3, 'node-3']]));
    const from2 = peerLink(mesh, 'node-2');
    const from3 = peerLink(mesh, 'node-3');
    from2(message(2, 7, 1));
    from3(message(3, 7, 1));
    from2(message(2, 7, 2));
    const got = received(mesh, 7);
    expect(got.map((m) => [m.from, m.round])).toEqual([[2, 1], [2, 2], [3, 1]]);
    // Delivered once: a later subscriber of the same session gets nothing again.
    expect(received(mesh, 7)).toEqual([]);
  });

  it("a peer flooding sessions that never start loses its own early messages, not another peer's", () => {
    const mesh = new PeerMesh(1, new Map([[2, 'node-2'], [3, 'node-3']]));
    const flooder = peerLink(mesh, 'node-2');
    const honest = peerLink(mesh, 'node-3');
    for (let s = 0; s < 1000; s++) flooder(message(2, 1000 + s));
    flooder(message(2, 42));
    honest(message(3, 42));
    expect(received(mesh, 42).map((m) => m.from)).toEqual([3]);
    // The flooder's earliest sessions were kept (within its budget), the rest dropped.
    expect(received(mesh, 1000).map((m) => m.from)).toEqual([2]);
    expect(received(mesh, 1999)).toEqual([]);
  });

  it('a peer sending many messages for one session keeps a bounded number of them', () => {
    const mesh = new PeerMesh(1, new Map([[2, 'node-2'], [3, 'node-3']]));
    const flooder = peerLink(mesh, 'node-2');
    const honest = peerLink(mesh, 'node-3');
    for (let r = 0; r < 500; r++) flooder(message(2, 5, r));
    honest(message(3, 5, 1));
    const got = received(mesh, 5);
    expect(got.filter((m) => m.from === 2).length).toBeLessThanOrEqual(64);
    expect(got.filter((m) => m.from === 3)).toHaveLength(1);
  });

  it('a message under another sender than its link is dropped', () => {
    const mesh = new PeerMesh(1, new Map([[2, 'node-2'], [3, 'node-3']]));
    const from2 = peerLink(mesh, 'node-2');
    from2(message(3, 9));
    expect(received(mesh, 9)).toEqual([]);
  });
});
