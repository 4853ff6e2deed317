/**
 * A node's one connection to the coordinator: the node dials out (it never listens), pins the
 * coordinator's Noise key, and redials whenever the connection is lost — the coordinator
 * restarting is routine. Given several coordinator instances' addresses, it moves to the next
 * one when the current one fails, and backs off only once every address failed in turn.
 */
import { hexToBytes, type KeyPair } from '@mpc-wallet/core';
import { connectTcp, connectWs } from '../transport/endpoint.js';
import type { SecureConnection } from '../transport/connection.js';
import { type Logger, silentLogger } from '../log.js';

export interface CoordinatorLinkOptions {
  /** Addresses of the coordinator's instances, in order of preference: `tcp://host:port` or `ws://host:port/path`. */
  urls: readonly string[];
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

  constructor(private readonly opts: CoordinatorLinkOptions) {
    if (opts.urls.length === 0) throw new RangeError('no coordinator address');
  }

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

  private dial(url: string): Promise<SecureConnection> {
    const { name, staticKey, coordinator } = this.opts;
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
    const urls = this.opts.urls;
    let backoff = 100;
    let index = 0;
    /** Addresses tried since the last connection: a full round of failures means waiting. */
    let failedInRow = 0;
    while (!this.stopped) {
      const url = urls[index]!;
      index = (index + 1) % urls.length;
      try {
        const conn = await this.dial(url);
        if (this.stopped) {
          conn.close('node shutting down');
          return;
        }
        backoff = 100;
        failedInRow = 0;
        this.current = conn;
        logger.info('connected to the coordinator', { url });
        const closed = new Promise<string>((resolve) => conn.on('close', resolve));
        this.opts.onConnected(conn);
        const reason = await closed;
        this.current = undefined;
        if (!this.stopped) logger.warn('coordinator connection lost', { url, reason });
        // Another instance first, at once: this one may be gone for good.
        if (urls.length > 1) continue;
      } catch (e) {
        failedInRow++;
        logger.warn('cannot reach the coordinator', { url, reason: (e as Error).message, retryInMs: failedInRow % urls.length === 0 ? backoff : 0 });
        if (failedInRow % urls.length !== 0) continue;
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
