/**
 * TCP framing (docs/wire.md §1): however the byte stream is cut into chunks — a length header
 * split between two chunks, a frame spread over many, several frames in one — every frame
 * arrives whole, in order, and owns its bytes.
 */
import { describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import fc from 'fast-check';
import { bytesToHex, concatBytes } from '@mpc-wallet/core';
import { tcpChannel } from '../src/index.js';

/** Just what tcpChannel uses of a socket; `data` chunks are emitted by the test. */
function fakeSocket() {
  const s = new EventEmitter() as EventEmitter & Record<string, unknown>;
  Object.assign(s, { setNoDelay: () => s, destroy: () => s.emit('close'), remoteAddress: '127.0.0.1', remotePort: 1 });
  return s as unknown as Socket & EventEmitter;
}

const wire = (frame: Uint8Array) => concatBytes(Uint8Array.of(frame.length >> 8, frame.length & 0xff), frame);

describe('tcpChannel framing', () => {
  it('frames arrive whole and in order for any cutting of the stream into chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 4000, max: 70_000 }).map((n) => new Uint8Array(Math.min(n, 65535)).fill(n & 0xff))), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (frames, cutSeeds) => {
          const socket = fakeSocket();
          const got: Uint8Array[] = [];
          tcpChannel(socket).onFrame((f) => got.push(f));
          const stream = Buffer.from(concatBytes(...frames.map(wire)));
          const cuts = [...new Set(cutSeeds.map((c) => c % stream.length))].sort((a, b) => a - b);
          let at = 0;
          for (const cut of [...cuts, stream.length]) {
            if (cut > at) socket.emit('data', Buffer.from(stream.subarray(at, cut)));
            at = Math.max(at, cut);
          }
          expect(got.map(bytesToHex)).toEqual(frames.map(bytesToHex));
          // Each frame owns its bytes: writing into one changes none of the others.
          got.forEach((f, i) => {
            f.fill(0xee);
            expect(got.slice(i + 1).map(bytesToHex)).toEqual(frames.slice(i + 1).map(bytesToHex));
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a header split one byte at a time, then an empty frame, closes the channel', () => {
    const socket = fakeSocket();
    const got: Uint8Array[] = [];
    const closes: string[] = [];
    const ch = tcpChannel(socket);
    ch.onFrame((f) => got.push(f));
    ch.onClose((why) => closes.push(why));
    for (const b of wire(Uint8Array.of(1, 2, 3))) socket.emit('data', Buffer.of(b));
    expect(got).toEqual([Uint8Array.of(1, 2, 3)]);
    socket.emit('data', Buffer.of(0));
    socket.emit('data', Buffer.of(0, 9));
    expect(closes).toEqual(['empty frame']);
  });
});
