/**
 * Listening and dialling: a SecureServer accepts Noise connections over TCP and WebSocket,
 * refusing unpinned peers; connectTcp/connectWs dial out. A misbehaving connection is closed
 * on its own; the server keeps serving everyone else.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { MAX_NOISE_MESSAGE } from '@mpc-wallet/core';
import { tcpChannel, wsChannel, type FrameChannel } from './channel.js';
import { SecureConnection, type PeerInfo, type SecureConnectionOptions } from './connection.js';

export type EndpointOptions = Omit<SecureConnectionOptions, 'role' | 'remoteStatic'>;

export interface ServerOptions extends EndpointOptions {
  /** Called for every connection whose handshake completed. */
  onConnection: (connection: SecureConnection, peer: PeerInfo) => void;
  /** Upper bound on simultaneous connections (handshaking or open). */
  maxConnections?: number;
}

export class SecureServer {
  private tcp: Server | undefined;
  private ws: WebSocketServer | undefined;
  private readonly live = new Set<SecureConnection>();

  constructor(private readonly opts: ServerOptions) {}

  get connectionCount(): number {
    return this.live.size;
  }

  async listen(where: { host?: string; tcpPort?: number; wsPort?: number }): Promise<{ tcpPort?: number; wsPort?: number }> {
    const host = where.host ?? '127.0.0.1';
    const out: { tcpPort?: number; wsPort?: number } = {};
    if (where.tcpPort !== undefined) {
      const tcp = createServer((socket) => this.accept(socket, tcpChannel(socket), () => socket.destroy()));
      this.tcp = tcp;
      await new Promise<void>((resolve, reject) => tcp.once('error', reject).listen(where.tcpPort, host, () => resolve()));
      out.tcpPort = (tcp.address() as { port: number }).port;
    }
    if (where.wsPort !== undefined) {
      const ws = new WebSocketServer({ host, port: where.wsPort, maxPayload: MAX_NOISE_MESSAGE });
      this.ws = ws;
      await new Promise<void>((resolve, reject) => ws.once('error', reject).once('listening', () => resolve()));
      ws.on('connection', (socket, request) => {
        const remote = `ws:${request.socket.remoteAddress}:${request.socket.remotePort}`;
        this.accept(socket, wsChannel(socket, remote), () => socket.terminate());
      });
      out.wsPort = (ws.address() as { port: number }).port;
    }
    return out;
  }

  private accept(_socket: Socket | WebSocket, channel: FrameChannel, drop: () => void): void {
    if (this.live.size >= (this.opts.maxConnections ?? 1024)) {
      this.opts.logger?.warn('connection refused', { remote: channel.remote, reason: 'too many connections' });
      drop();
      return;
    }
    const { onConnection, maxConnections: _max, ...connectionOptions } = this.opts;
    const conn = new SecureConnection(channel, { ...connectionOptions, role: 'responder' });
    this.live.add(conn);
    conn.on('close', () => this.live.delete(conn));
    conn.on('open', (peer) => onConnection(conn, peer));
  }

  async close(): Promise<void> {
    for (const c of this.live) c.close('server shutting down');
    await Promise.all([
      this.tcp ? new Promise<void>((resolve) => this.tcp!.close(() => resolve())) : undefined,
      this.ws ? new Promise<void>((resolve) => this.ws!.close(() => resolve())) : undefined,
    ]);
  }
}

export interface DialOptions extends EndpointOptions {
  /** The responder's pinned static key: selects Noise_IK. Without it, Noise_XX. */
  remoteStatic?: Uint8Array;
}

export async function connectTcp(host: string, port: number, opts: DialOptions): Promise<SecureConnection> {
  const socket = connect({ host, port });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const conn = new SecureConnection(tcpChannel(socket), { ...opts, role: 'initiator' });
  await conn.opened();
  return conn;
}

export async function connectWs(url: string, opts: DialOptions): Promise<SecureConnection> {
  const socket = new WebSocket(url, { maxPayload: MAX_NOISE_MESSAGE });
  await new Promise<void>((resolve, reject) => socket.once('open', () => resolve()).once('error', reject));
  const conn = new SecureConnection(wsChannel(socket, url), { ...opts, role: 'initiator' });
  await conn.opened();
  return conn;
}
