import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { NatsBus } from '../../src/bus/nats.js';

const NATS_URL = process.env.NATS_URL;
if (!NATS_URL) console.error('[bus] NATS_URL is not set: the NATS bus tests are SKIPPED');

/** Resolves with what `count` deliveries brought, or rejects after `ms`. */
function collect(count: number, ms = 3_000): { got: Uint8Array[]; handler: (d: Uint8Array) => void; done: Promise<Uint8Array[]> } {
  const got: Uint8Array[] = [];
  let finish: (v: Uint8Array[]) => void = () => {};
  const done = new Promise<Uint8Array[]>((resolve, reject) => {
    finish = resolve;
    setTimeout(() => reject(new Error(`only ${got.length} of ${count} messages in ${ms} ms`)), ms).unref();
  });
  return {
    got,
    handler: (d) => {
      got.push(d);
      if (got.length === count) finish(got);
    },
    done,
  };
}

describe.skipIf(!NATS_URL)(`NATS bus${NATS_URL ? '' : ' (skipped: NATS_URL is not set)'}`, () => {
  let buses: NatsBus[] = [];
  let prefixes: string[] = [];
  const open = async (prefix: string) => {
    const bus = await NatsBus.open({ url: NATS_URL!, prefix, name: 'bus-test' });
    buses.push(bus);
    prefixes.push(prefix);
    return bus;
  };
  /** The stream of durable messages under `prefix`, as the server holds it. */
  const streamInfo = async (prefix: string) => {
    const nc = await connect({ servers: NATS_URL! });
    try {
      return await (await jetstreamManager(nc)).streams.info(`${prefix}_durable`);
    } finally {
      await nc.close();
    }
  };
  afterEach(async () => {
    await Promise.all(buses.map((b) => b.close()));
    const nc = await connect({ servers: NATS_URL! });
    const jsm = await jetstreamManager(nc);
    for (const prefix of new Set(prefixes)) await jsm.streams.delete(`${prefix}_durable`).catch(() => false);
    await nc.close();
    buses = [];
    prefixes = [];
  });

  it('carries a subject between two connections, and nothing across prefixes', async () => {
    const prefix = `t${randomBytes(6).toString('hex')}`;
    const a = await open(prefix);
    const b = await open(prefix);
    const other = await open(`${prefix}x`);
    const atB = collect(2);
    const elsewhere: Uint8Array[] = [];
    b.subscribe('frame.1', atB.handler);
    other.subscribe('frame.1', (d) => elsewhere.push(d));
    await b.flush();
    a.publish('frame.1', Uint8Array.of(1));
    a.publish('frame.1', Uint8Array.of(2));
    expect((await atB.done).map((d) => d[0])).toEqual([1, 2]);
    await other.flush();
    expect(elsewhere).toEqual([]);
    expect(a.connected).toBe(true);
  });

  it('a durable message reaches subscribers once per id, however often it is published', async () => {
    const prefix = `t${randomBytes(6).toString('hex')}`;
    const a = await open(prefix);
    const b = await open(prefix);
    const atB = collect(2);
    b.subscribe('durable.audit', atB.handler);
    await b.flush();
    await a.publishDurable('durable.audit', Uint8Array.of(1), 'audit-1');
    await a.publishDurable('durable.audit', Uint8Array.of(1), 'audit-1');
    await a.publishDurable('durable.audit', Uint8Array.of(2), 'audit-2');
    expect((await atB.done).map((d) => d[0])).toEqual([1, 2]);
    await expect(a.publishDurable('audit', Uint8Array.of(3), 'audit-3')).rejects.toThrow(RangeError);
    expect((await streamInfo(prefix)).state.messages).toBe(2);
  });

  it('refuses a prefix that is not one subject token', async () => {
    await expect(NatsBus.open({ url: NATS_URL!, prefix: 'a.b', name: 'bus-test' })).rejects.toThrow(RangeError);
  });
});
