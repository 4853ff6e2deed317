/**
 * A node's one connection to the coordinator: the node dials out (it never listens), pins the
 * coordinator's Noise key, and redials with backoff whenever the connection is lost — the
 * coordinator restarting is routine.
 */
import { hexToBytes, type KeyPair } from '@mpc-wallet/core';
import { connectTcp, connectWs } from '../transport/endpoint.js';
import type { SecureConnection } from '../transport/connection.js';
import { type Logger, silentLogger } from '../log.js';

export interface CoordinatorLinkOptions {
  /** `tcp://host:port` or `ws://host:port/path`. */
  url: string;
  name: string;
  staticKey: KeyPair;
  coordinator: { name: string; noisePublicKey: string };
  /** Called with every new open connection. */
  onConnected: (conn: SecureConnection) => void;
  logger?: Logger;
  maxBackoffMs?: number;
}

export class CoordinatorLink {
  private stopped = false;
  private current: SecureConnection | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly opts: CoordinatorLinkOptions) {}

  get connection(): SecureConnection | undefined {
    return this.current;
  }

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    this.current?.close('node shutting down');
    this.wake?.();
  }

  private dial(): Promise<SecureConnection> {
    const { url, name, staticKey, coordinator } = this.opts;
    const options = {
      name,
      staticKey,
      trusted: new Map([[coordinator.noisePublicKey, coordinator.name]]),
      remoteStatic: hexToBytes(coordinator.noisePublicKey),
      keepAliveMs: 5_000,
      idleTimeoutMs: 20_000,
      ...(this.opts.logger ? { logger: this.opts.logger } : {}),
    };
    const u = new URL(url);
    if (u.protocol === 'tcp:') return connectTcp(u.hostname, Number(u.port), options);
    if (u.protocol === 'ws:' || u.protocol === 'wss:') return connectWs(url, options);
    return Promise.reject(new RangeError(`unsupported coordinator url ${url}`));
  }

  private async loop(): Promise<void> {
    const logger = this.opts.logger ?? silentLogger;
    let backoff = 100;
    while (!this.stopped) {
      try {
        const conn = await this.dial();
        if (this.stopped) {
          conn.close('node shutting down');
          return;
        }
        backoff = 100;
        this.current = conn;
        logger.info('connected to the coordinator', { url: this.opts.url });
        const closed = new Promise<string>((resolve) => conn.on('close', resolve));
        this.opts.onConnected(conn);
        const reason = await closed;
        this.current = undefined;
        if (!this.stopped) logger.warn('coordinator connection lost', { reason });
      } catch (e) {
        logger.warn('cannot reach the coordinator', { url: this.opts.url, reason: (e as Error).message, retryInMs: backoff });
      }
      if (this.stopped) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, backoff).unref();
      });
      backoff = Math.min(backoff * 2, this.opts.maxBackoffMs ?? 5_000);
    }
  }
}
