/**
 * Listening and dialling: a SecureServer accepts Noise connections over TCP and WebSocket,
 * refusing unpinned peers; connectTcp/connectWs dial out. A misbehaving connection is closed
 * on its own; the server keeps serving everyone else.
 */
import { createServer, connect, type Server } from 'node:net';
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
  /**
   * Upper bound on connections still in their handshake (an IK responder's wait for key
   * confirmation included): anyone can start a handshake, so these get a small cap of their
   * own, below `maxConnections`, and cannot crowd out authenticated peers.
   */
  maxHandshakes?: number;
  /** Upper bound on simultaneous connections (handshaking or open) from one IP address. */
  maxConnectionsPerIp?: number;
}

const DEFAULT_MAX_CONNECTIONS = 1024;
const DEFAULT_MAX_HANDSHAKES = 64;
const DEFAULT_MAX_PER_IP = 32;

/** One key per address: an IPv4 client reached over an IPv6 socket counts as its IPv4 address. */
const ipKey = (address: string | undefined) => (address ?? 'unknown').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');

export class SecureServer {
  private tcp: Server | undefined;
  private ws: WebSocketServer | undefined;
  private readonly live = new Set<SecureConnection>();
  private readonly handshaking = new Set<SecureConnection>();
  private readonly perIp = new Map<string, number>();

  constructor(private readonly opts: ServerOptions) {}

  get connectionCount(): number {
    return this.live.size;
  }

  /** Connections whose handshake (or IK key confirmation) has not completed. */
  get handshakeCount(): number {
    return this.handshaking.size;
  }

  async listen(where: { host?: string; tcpPort?: number; wsPort?: number }): Promise<{ tcpPort?: number; wsPort?: number }> {
    const host = where.host ?? '127.0.0.1';
    const out: { tcpPort?: number; wsPort?: number } = {};
    if (where.tcpPort !== undefined) {
      const tcp = createServer((socket) => this.accept(socket.remoteAddress, () => tcpChannel(socket), () => socket.destroy()));
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
        this.accept(request.socket.remoteAddress, () => wsChannel(socket, remote), () => socket.terminate());
      });
      out.wsPort = (ws.address() as { port: number }).port;
    }
    return out;
  }

  private accept(address: string | undefined, makeChannel: () => FrameChannel, drop: () => void): void {
    const ip = ipKey(address);
    const refusal =
      this.live.size >= (this.opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS)
        ? 'too many connections'
        : this.handshaking.size >= (this.opts.maxHandshakes ?? DEFAULT_MAX_HANDSHAKES)
          ? 'too many handshakes in progress'
          : (this.perIp.get(ip) ?? 0) >= (this.opts.maxConnectionsPerIp ?? DEFAULT_MAX_PER_IP)
            ? 'too many connections from this address'
            : undefined;
    if (refusal) {
      this.opts.logger?.warn('connection refused', { remote: ip, reason: refusal });
      drop();
      return;
    }
    const { onConnection, maxConnections: _max, maxHandshakes: _hs, maxConnectionsPerIp: _ip, ...connectionOptions } = this.opts;
    const conn = new SecureConnection(makeChannel(), { ...connectionOptions, role: 'responder' });
    this.live.add(conn);
    this.handshaking.add(conn);
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    conn.on('close', () => {
      this.live.delete(conn);
      this.handshaking.delete(conn);
      const left = (this.perIp.get(ip) ?? 1) - 1;
      if (left > 0) this.perIp.set(ip, left);
      else this.perIp.delete(ip);
    });
    conn.on('open', (peer) => {
      this.handshaking.delete(conn);
      onConnection(conn, peer);
    });
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
