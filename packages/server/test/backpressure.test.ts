import { describe, expect, it } from 'vitest';
import { bytesToHex, generateKeyPair } from '@mpc-wallet/core';
import { type FrameChannel, SecureConnection } from '../src/index.js';

/** Two in-memory frame channels; the b→side delivery can be paused to build up a backlog. */
function channelPair() {
  const make = () => {
    const frameListeners: ((f: Uint8Array) => void)[] = [];
    const drainListeners: (() => void)[] = [];
    return { frameListeners, drainListeners, queue: [] as Uint8Array[], paused: false };
  };
  const sides = [make(), make()] as const;
  const channel = (me: 0 | 1): FrameChannel & { pause(): void; resume(): void } => {
    const peer = sides[me === 0 ? 1 : 0];
    const mine = sides[me];
    const flush = () => {
      while (!peer.paused && mine.queue.length) {
        const f = mine.queue.shift()!;
        for (const l of peer.frameListeners) l(f);
      }
      if (!mine.queue.length) for (const l of mine.drainListeners) l();
    };
    return {
      remote: `memory:${me}`,
      get bufferedBytes() {
        return mine.queue.reduce((n, f) => n + f.length, 0);
      },
      send(frame) {
        mine.queue.push(frame);
        queueMicrotask(flush);
      },
      close() {},
      onFrame: (l) => mine.frameListeners.push(l),
      onClose: () => {},
      onDrain: (l) => mine.drainListeners.push(l),
      pause: () => {
        peer.paused = true;
      },
      resume: () => {
        peer.paused = false;
        flush();
      },
    };
  };
  return [channel(0), channel(1)] as const;
}

describe('back-pressure', () => {
  it('send() waits while the channel holds more than the high-water mark, and resumes on drain', async () => {
    const a = { name: 'node-1', key: generateKeyPair() };
    const b = { name: 'node-2', key: generateKeyPair() };
    const [ca, cb] = channelPair();
    const trusted = new Map([
      [bytesToHex(a.key.publicKey), a.name],
      [bytesToHex(b.key.publicKey), b.name],
    ]);
    const server = new SecureConnection(cb, { role: 'responder', name: b.name, staticKey: b.key, trusted });
    const client = new SecureConnection(ca, { role: 'initiator', name: a.name, staticKey: a.key, trusted, remoteStatic: b.key.publicKey, highWaterMark: 100_000 });
    await Promise.all([client.opened(), server.opened()]);
    let received = 0;
    server.on('message', (m) => (received += m.length));
    ca.pause();
    let resumed = false;
    const sending = client.send(new Uint8Array(500_000)).then(() => resumed);
    // A send that did not wait would resolve within this turn of the event loop; only the
    // drain after resume() can release it.
    await new Promise((r) => setImmediate(r));
    expect(ca.bufferedBytes).toBeGreaterThan(100_000); // 500 kB queued, more than the 100 kB mark
    resumed = true;
    ca.resume();
    expect(await sending).toBe(true); // it resolved only after the resume
    expect(received).toBe(500_000);
    client.close();
    server.close();
  });
});
