/**
 * The bus between coordinator instances on NATS: core publish/subscribe for node traffic and
 * wake-ups, JetStream for what must outlive its publisher (with the stream's message-id
 * deduplication). A subscription to a durable subject reads the stream through an ordered
 * consumer: each stored message once, and after an outage the ones stored meanwhile. The client
 * reconnects by itself, forever, and restores subscriptions; the instance reports not-ready
 * meanwhile.
 */
import { connect, nanos, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { DeliverPolicy, jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import type { ClusterBus } from './types.js';
import { type Logger, silentLogger } from '../log.js';

export interface NatsBusOptions {
  /** `nats://host:port`, several separated by commas. */
  url: string;
  /** Keeps clusters sharing one NATS apart: every subject and the stream's name start with it. */
  prefix: string;
  /** This instance's name, as NATS shows the connection. */
  name: string;
  logger?: Logger;
}

/** How long JetStream remembers a message id, and keeps the messages. */
const DUPLICATE_WINDOW_MS = 2 * 60_000;
const KEEP_MS = 24 * 60 * 60_000;

export class NatsBus implements ClusterBus {
  private readonly listeners = new Set<(connected: boolean) => void>();
  /** Durable subscriptions being set up (flush waits for them). */
  private readonly settingUp = new Set<Promise<unknown>>();
  private up = true;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly stream: string,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    void this.watch();
  }

  /** Connects and makes sure the stream of durable messages exists. */
  static async open(opts: NatsBusOptions): Promise<NatsBus> {
    if (!/^[A-Za-z0-9_-]+$/.test(opts.prefix)) throw new RangeError('the NATS prefix is one token of letters, digits, _ and -');
    const nc = await connect({
      servers: opts.url.split(',').map((s) => s.trim()),
      name: opts.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      reconnectJitter: 100,
      pingInterval: 5_000,
      maxPingOut: 2,
      timeout: 5_000,
    });
    try {
      const jsm = await jetstreamManager(nc);
      const stream = { name: `${opts.prefix}_durable`, subjects: [`${opts.prefix}.durable.>`], duplicate_window: nanos(DUPLICATE_WINDOW_MS), max_age: nanos(KEEP_MS) };
      try {
        await jsm.streams.info(stream.name);
        await jsm.streams.update(stream.name, stream);
      } catch {
        await jsm.streams.add(stream);
      }
      return new NatsBus(nc, jetstream(nc), stream.name, opts.prefix, opts.logger ?? silentLogger);
    } catch (e) {
      await nc.close();
      throw e;
    }
  }

  get connected(): boolean {
    return this.up && !this.nc.isClosed();
  }

  private async watch(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect') {
        this.up = false;
        this.logger.warn('NATS connection lost; reconnecting', {});
        for (const listener of this.listeners) listener(false);
      } else if (s.type === 'reconnect') {
        this.up = true;
        this.logger.info('NATS connection restored', {});
        for (const listener of this.listeners) listener(true);
      }
    }
  }

  private subject(subject: string): string {
    return `${this.prefix}.${subject}`;
  }

  publish(subject: string, data: Uint8Array): void {
    // While disconnected the client would buffer the message and send it after reconnecting, long
    // after its request was given up and retried elsewhere: a late node request could then start
    // a second signing of the same request. Dropped instead, as NATS core may drop anyway.
    if (!this.up) return;
    try {
      this.nc.publish(this.subject(subject), data);
    } catch (e) {
      // Closed or draining: the message is lost, as one in flight during an outage would be.
      this.logger.warn('NATS publish failed', { subject, reason: (e as Error).message });
    }
  }

  subscribe(subject: string, handler: (data: Uint8Array) => void): () => void {
    if (subject.startsWith('durable.')) return this.subscribeDurable(subject, handler);
    const sub: Subscription = this.nc.subscribe(this.subject(subject), {
      callback: (err, msg) => {
        if (!err) handler(msg.data);
      },
    });
    return () => sub.unsubscribe();
  }

  private subscribeDurable(subject: string, handler: (data: Uint8Array) => void): () => void {
    let stopped = false;
    let stop = () => {};
    const setup = (async () => {
      const consumer = await this.js.consumers.get(this.stream, { filter_subjects: this.subject(subject), deliver_policy: DeliverPolicy.New });
      const messages = await consumer.consume({ callback: (m) => handler(m.data) });
      stop = () => void messages.close();
      if (stopped) stop();
    })().catch((e: unknown) => this.logger.warn('NATS durable subscription failed', { subject, reason: (e as Error).message }));
    this.settingUp.add(setup);
    void setup.finally(() => this.settingUp.delete(setup));
    return () => {
      stopped = true;
      stop();
    };
  }

  /** Resolves once the server has seen everything sent so far, subscriptions included. */
  async flush(): Promise<void> {
    await Promise.all(this.settingUp);
    await this.nc.flush();
  }

  async publishDurable(subject: string, data: Uint8Array, id: string): Promise<void> {
    if (!subject.startsWith('durable.')) throw new RangeError('durable subjects begin with "durable."');
    await this.js.publish(this.subject(subject), data, { msgID: id });
  }

  onStatus(listener: (connected: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    await this.nc.drain().catch(() => this.nc.close());
  }
}
