/**
 * Frame channels: the unencrypted carriers that Noise messages travel on. A frame is one Noise
 * message (at most 65535 bytes). Over TCP a frame is a 2-byte big-endian length and the bytes;
 * over WebSocket it is one binary message; through the coordinator it is a relay envelope
 * (see relay.ts). Channels never interpret frames: SecureConnection does.
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { MAX_NOISE_MESSAGE } from '@mpc-wallet/core';

export interface FrameChannel {
  /** Human-readable peer address for logs. */
  readonly remote: string;
  /** Bytes accepted by send() but not yet handed to the OS: the back-pressure signal. */
  readonly bufferedBytes: number;
  send(frame: Uint8Array): void;
  close(): void;
  onFrame(listener: (frame: Uint8Array) => void): void;
  /** Called once when the carrier is gone (either side closed, or an error). */
  onClose(listener: (why: string) => void): void;
  /** Called when buffered bytes drain. */
  onDrain(listener: () => void): void;
}

export class FramingError extends Error {}

/** 2-byte length-prefixed frames over a TCP socket. */
export function tcpChannel(socket: Socket): FrameChannel {
  const frameListeners: ((f: Uint8Array) => void)[] = [];
  const closeListeners: ((why: string) => void)[] = [];
  let pending: Buffer = Buffer.alloc(0);
  let closed = false;
  const fire = (why: string) => {
    if (closed) return;
    closed = true;
    for (const l of closeListeners) l(why);
  };
  socket.setNoDelay(true);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 2) {
      const length = pending.readUInt16BE(0);
      if (length === 0) {
        fire('empty frame');
        socket.destroy();
        return;
      }
      if (pending.length < 2 + length) break;
      const frame = new Uint8Array(pending.subarray(2, 2 + length));
      pending = pending.subarray(2 + length);
      for (const l of frameListeners) l(frame);
      if (closed) return;
    }
  });
  socket.on('error', (e) => fire(`socket error: ${(e as NodeJS.ErrnoException).code ?? 'unknown'}`));
  socket.on('close', () => fire('connection closed by peer'));
  return {
    remote: `tcp:${socket.remoteAddress}:${socket.remotePort}`,
    get bufferedBytes() {
      return socket.writableLength;
    },
    send(frame) {
      if (frame.length === 0 || frame.length > MAX_NOISE_MESSAGE) throw new FramingError('frame size out of range');
      const header = Buffer.alloc(2);
      header.writeUInt16BE(frame.length, 0);
      socket.write(Buffer.concat([header, frame]));
    },
    close() {
      closed = true;
      socket.end();
      socket.destroySoon();
    },
    onFrame: (l) => frameListeners.push(l),
    onClose: (l) => closeListeners.push(l),
    onDrain: (l) => socket.on('drain', l),
  };
}

/** One frame per binary WebSocket message. */
export function wsChannel(ws: WebSocket, remote: string): FrameChannel {
  const frameListeners: ((f: Uint8Array) => void)[] = [];
  const closeListeners: ((why: string) => void)[] = [];
  const drainListeners: (() => void)[] = [];
  let closed = false;
  const fire = (why: string) => {
    if (closed) return;
    closed = true;
    for (const l of closeListeners) l(why);
  };
  ws.binaryType = 'nodebuffer';
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) {
      fire('text message on a binary channel');
      ws.terminate();
      return;
    }
    for (const l of frameListeners) l(new Uint8Array(data));
  });
  ws.on('error', (e) => fire(`websocket error: ${e.message}`));
  ws.on('close', () => fire('connection closed by peer'));
  return {
    remote,
    get bufferedBytes() {
      return ws.bufferedAmount;
    },
    send(frame) {
      if (frame.length === 0 || frame.length > MAX_NOISE_MESSAGE) throw new FramingError('frame size out of range');
      ws.send(frame, { binary: true }, () => {
        if (ws.bufferedAmount === 0) for (const l of drainListeners) l();
      });
    },
    close() {
      closed = true;
      ws.close();
    },
    onFrame: (l) => frameListeners.push(l),
    onClose: (l) => closeListeners.push(l),
    onDrain: (l) => drainListeners.push(l),
  };
}
