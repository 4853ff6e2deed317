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
  // Chunks are kept apart until a whole frame is there, so a 64 KiB frame arriving in many
  // chunks is copied once, not once per chunk.
  let chunks: Buffer[] = [];
  let buffered = 0;
  let closed = false;
  const fire = (why: string) => {
    if (closed) return;
    closed = true;
    for (const l of closeListeners) l(why);
  };
  socket.setNoDelay(true);
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    buffered += chunk.length;
    while (buffered >= 2) {
      const first = chunks[0]!;
      const length = first.length >= 2 ? first.readUInt16BE(0) : (first[0]! << 8) | chunks[1]![0]!;
      if (length === 0) {
        fire('empty frame');
        socket.destroy();
        return;
      }
      if (buffered < 2 + length) break;
      let frame: Uint8Array;
      if (chunks.length === 1 || first.length >= 2 + length) {
        // The frame lies in one socket chunk, which later frames may share: copy it out.
        frame = new Uint8Array(first.subarray(2, 2 + length));
      } else {
        // Joined into a buffer of our own (large enough not to come from Node's shared pool).
        const whole = Buffer.concat(chunks, buffered);
        chunks = [whole];
        frame = length >= 4096 ? new Uint8Array(whole.buffer, whole.byteOffset + 2, length) : new Uint8Array(whole.subarray(2, 2 + length));
      }
      const head = chunks[0]!;
      if (head.length > 2 + length) chunks[0] = head.subarray(2 + length);
      else chunks.shift();
      buffered -= 2 + length;
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
      // Two writes in one cork go out as one writev, without copying the frame.
      socket.cork();
      socket.write(header);
      socket.write(frame);
      socket.uncork();
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
