/**
 * Fuzzing one running SecureServer over TCP and WebSocket with a few thousand bad connections:
 * random bytes, truncated / zero / oversized lengths, valid handshake messages with flipped bits,
 * truncated or extended handshake messages, garbage after a valid handshake, replayed and
 * reordered transport frames recorded from a real session, unpinned keys, wrong names, text
 * WebSocket messages, oversized WebSocket messages, oversized reassembled messages, and HTTP-level
 * garbage to the WebSocket port before any upgrade.
 *
 * Asserted for every case past the WebSocket upgrade: the server closes that connection (or, for
 * a peer that just goes away, notices) and logs a reason for exactly that remote address; where
 * the cause is known the reason is the documented one. Before the upgrade (HTTP level) there is
 * no secure connection to log about: the server just has to drop the socket. Throughout: no uncaught exception or unhandled rejection,
 * and two well-behaved clients (TCP and WebSocket) keep exchanging messages during and after.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { connect, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { CipherState, HandshakeState, bytesToHex, concatBytes, utf8 } from '@mpc-wallet/core';
import { MemoryLogger } from '../src/log.js';
import { MAX_RECORD_BODY, PATTERN_BYTE, RECORD, SecureServer, connectTcp, connectWs, type SecureConnection } from '../src/index.js';
import { type Party, party } from './parties.js';

const coordinator = party('coordinator');
const node = party('node-1');
const good = party('node-good');
const stranger = party('stranger');
const EMPTY = new Uint8Array(0);
const MAX_MESSAGE = 200_000;

const logger = new MemoryLogger();
let server: SecureServer;
let tcpPort: number;
let wsPort: number;

const uncaught: unknown[] = [];
const onUncaught = (e: unknown) => uncaught.push(e);

// ---- raw connections ------------------------------------------------------------------------

interface Raw {
  kind: 'tcp' | 'ws';
  /** The address the server logs for this connection. */
  remote: string;
  /** One frame: TCP with its 2-byte length, WebSocket as one binary message. */
  frame(f: Uint8Array): void;
  /** TCP: bytes as they are; WebSocket: one binary (or text) message. */
  raw(b: Uint8Array | string): void;
  next(ms?: number): Promise<Uint8Array>;
  end(): void;
  readonly closed: Promise<void>;
}

function queue() {
  const frames: Uint8Array[] = [];
  let waiter: ((f: Uint8Array | undefined) => void) | undefined;
  let done = false;
  return {
    push(f: Uint8Array) {
      if (waiter) {
        const w = waiter;
        waiter = undefined;
        w(f);
      } else frames.push(f);
    },
    finish() {
      done = true;
      waiter?.(undefined);
    },
    next(ms = 2000): Promise<Uint8Array> {
      const f = frames.shift();
      if (f) return Promise.resolve(f);
      if (done) return Promise.reject(new Error('closed'));
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('timeout')), ms);
        waiter = (x) => {
          clearTimeout(t);
          if (x) resolve(x);
          else reject(new Error('closed'));
        };
      });
    },
  };
}

const withLength = (f: Uint8Array) => concatBytes(Uint8Array.of(f.length >> 8, f.length & 0xff), f);

/**
 * Each raw connection comes from its own loopback address (all of 127/8 is loopback on Linux), so
 * the remote address the server logs is unique even when the OS reuses a source port.
 */
let sourceCounter = 0;
function sourceAddress(): string {
  const n = sourceCounter++;
  return `127.${1 + (Math.floor(n / 254) % 254)}.0.${1 + (n % 254)}`;
}

async function openTcp(): Promise<Raw> {
  const socket = connect({ host: '127.0.0.1', port: tcpPort, localAddress: sourceAddress() });
  socket.on('error', () => {});
  await new Promise((r) => socket.once('connect', r));
  const q = queue();
  let buf = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
      q.push(new Uint8Array(buf.subarray(2, 2 + buf.readUInt16BE(0))));
      buf = buf.subarray(2 + buf.readUInt16BE(0));
    }
  });
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  void closed.then(q.finish);
  const write = (b: Uint8Array) => {
    if (!socket.destroyed && socket.writable) socket.write(b);
  };
  return {
    kind: 'tcp',
    remote: `tcp:${socket.localAddress}:${socket.localPort}`,
    frame: (f) => write(withLength(f)),
    raw: (b) => write(typeof b === 'string' ? utf8(b) : b),
    next: q.next,
    end: () => socket.end(),
    closed,
  };
}

async function openWs(): Promise<Raw> {
  let socket: Socket | undefined;
  const localAddress = sourceAddress();
  const ws = new WebSocket(`ws://127.0.0.1:${wsPort}`, {
    createConnection: ((o: { host: string; port: number }) => (socket = connect({ host: o.host, port: o.port, localAddress }))) as unknown as typeof connect,
  });
  ws.on('error', () => {});
  await new Promise((r) => ws.once('open', r));
  const q = queue();
  ws.on('message', (data: Buffer, isBinary: boolean) => isBinary && q.push(new Uint8Array(data)));
  const closed = new Promise<void>((r) => ws.once('close', () => r()));
  void closed.then(q.finish);
  const send = (b: Uint8Array | string) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(b, { binary: typeof b !== 'string' });
  };
  return { kind: 'ws', remote: `ws:${localAddress}:${socket!.localPort}`, frame: send, raw: send, next: q.next, end: () => ws.close(), closed };
}

const open = (kind: 'tcp' | 'ws') => (kind === 'tcp' ? openTcp() : openWs());

const reasonsFor = (remote: string) => logger.entries.filter((e) => e.level === 'warn' && e.fields.remote === remote).map((e) => String(e.fields.reason));

async function waitFor<T>(get: () => T | undefined, ms: number): Promise<T | undefined> {
  const until = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Outcome {
  remote: string;
  reason: string;
}

/**
 * Opens a raw connection, runs the script, optionally ends it from our side (for input the
 * server may legitimately wait on), and returns the reason the server logged for it. Throws if
 * the connection is not closed in time or no reason is logged.
 */
async function runCase(kind: 'tcp' | 'ws', script: (r: Raw) => Promise<void> | void, endAfter: boolean): Promise<Outcome> {
  const r = await open(kind);
  try {
    await script(r);
  } catch {
    // the server may close in the middle of a script; that is what is checked below
  }
  if (endAfter) r.end();
  const closedInTime = await Promise.race([r.closed.then(() => true), new Promise<boolean>((res) => setTimeout(() => res(false), 4000))]);
  if (!closedInTime) {
    r.end();
    throw new Error(`${kind}: the server did not close a bad connection`);
  }
  const reason = await waitFor(() => reasonsFor(r.remote)[0], 2000);
  if (reason === undefined) throw new Error(`${kind}: connection closed without a logged reason (${r.remote})`);
  return { remote: r.remote, reason };
}

// ---- honest pieces that the fuzz cases mutate -----------------------------------------------

const prologue = (p: 'IK' | 'XX') => concatBytes(utf8('mpc-wallet/noise/v1'), Uint8Array.of(PATTERN_BYTE[p]));
const hello = (name: string) => {
  const n = utf8(name);
  return concatBytes(utf8('MPCW'), Uint8Array.of(1, n.length), n);
};

function ikMessage1(me: Party, name = me.name, rs = coordinator.key.publicKey) {
  const hs = new HandshakeState({ pattern: 'IK', initiator: true, prologue: prologue('IK'), s: me.key, rs });
  return { hs, frame: concatBytes(Uint8Array.of(PATTERN_BYTE.IK), hs.writeMessage(hello(name))) };
}

interface Keys {
  send: CipherState;
  receive: CipherState;
}

async function ikHandshake(r: Raw, me: Party = node): Promise<Keys> {
  const { hs, frame } = ikMessage1(me);
  r.frame(frame);
  hs.readMessage(await r.next());
  return hs.split();
}

const record = (k: Keys, type: number, body: Uint8Array = EMPTY) => k.send.encryptWithAd(EMPTY, concatBytes(Uint8Array.of(type), body));

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  const i = bit % (out.length * 8);
  out[i >> 3]! ^= 1 << (i & 7);
  return out;
}

const AUTH_FAILED = 'record authentication failed (frame tampered, replayed, reordered, lost or from another session)';
const HANDSHAKE_REJECTS = new Set(['decryption failed', 'ciphertext shorter than its tag', 'unknown handshake pattern', 'handshake message truncated', 'invalid Diffie-Hellman public key', 'malformed hello']);

// ---- the server and the well-behaved clients ------------------------------------------------

beforeAll(async () => {
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  server = new SecureServer({
    name: coordinator.name,
    staticKey: coordinator.key,
    trusted: new Map([
      [bytesToHex(node.key.publicKey), node.name],
      [bytesToHex(good.key.publicKey), good.name],
    ]),
    logger,
    handshakeTimeoutMs: 1500,
    keepAliveMs: 300,
    idleTimeoutMs: 3000,
    maxMessageBytes: MAX_MESSAGE,
    onConnection: (conn) => conn.on('message', (m) => void conn.send(m).catch(() => {})),
  });
  ({ tcpPort, wsPort } = (await server.listen({ tcpPort: 0, wsPort: 0 })) as { tcpPort: number; wsPort: number });
});

afterAll(async () => {
  await server.close();
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
});

/** Sends a message of random size every few ms and checks each echo, until stopped. */
function chatter(conn: SecureConnection) {
  let stop = false;
  let exchanged = 0;
  const errors: unknown[] = [];
  const done = (async () => {
    let seq = 0;
    while (!stop) {
      const size = [0, 1, 100, 65_519, 150_000][seq % 5]!;
      const payload = new Uint8Array(size).map((_, i) => (i + seq) & 0xff);
      payload[0] = seq & 0xff;
      try {
        const reply = new Promise<Uint8Array>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error('echo timed out')), 5000);
          conn.on('message', (m) => {
            clearTimeout(t);
            resolve(m);
          });
        });
        await conn.send(payload);
        const got = await reply;
        if (got.length !== payload.length || bytesToHex(got.subarray(0, 64)) !== bytesToHex(payload.subarray(0, 64))) throw new Error('echo differs');
        exchanged++;
      } catch (e) {
        errors.push(e);
        return;
      }
      seq++;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    get exchanged() {
      return exchanged;
    },
    errors,
    async stop() {
      stop = true;
      await done;
    },
  };
}

// ---- the fuzz cases -------------------------------------------------------------------------

const kindArb = fc.constantFrom<'tcp' | 'ws'>('tcp', 'ws');

/** TCP byte streams: pure noise, and frames whose declared length is 0, short, exact or long. */
const tcpStreamArb = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 600 }),
  fc
    .array(
      fc.record({
        declared: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 65535 }), fc.constant(-1)),
        lead: fc.constantFrom(undefined, PATTERN_BYTE.IK, PATTERN_BYTE.XX),
        body: fc.uint8Array({ maxLength: 300 }),
      }),
      { minLength: 1, maxLength: 4 },
    )
    .map((frames) =>
      concatBytes(
        ...frames.map(({ declared, lead, body }) => {
          const b = lead === undefined ? body : concatBytes(Uint8Array.of(lead), body);
          const len = declared === -1 ? b.length : declared; // -1: the exact length
          return concatBytes(Uint8Array.of(len >> 8, len & 0xff), b);
        }),
      ),
    ),
);

/** WebSocket messages: random binary (possibly empty), text, and one over 65535 bytes. */
const wsMessagesArb = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: fc.uint8Array({ maxLength: 400 }) },
    { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.integer({ min: 65536, max: 70000 }).map((n) => new Uint8Array(n).fill(0x49)) },
  ),
  { minLength: 1, maxLength: 4 },
);

/** Mutations of an honest handshake frame. */
type Mutation = { op: 'flip'; bit: number } | { op: 'truncate'; keep: number } | { op: 'append'; extra: Uint8Array };
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), bit: fc.nat() }),
  fc.record({ op: fc.constant('truncate' as const), keep: fc.nat() }),
  fc.record({ op: fc.constant('append' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
);
/** Always changes the frame; a truncated frame keeps at least one byte. */
function mutate(frame: Uint8Array, m: Mutation): Uint8Array {
  if (m.op === 'flip') return flipBit(frame, m.bit);
  if (m.op === 'truncate') return frame.slice(0, 1 + (m.keep % (frame.length - 1)));
  return concatBytes(frame, m.extra);
}

describe('fuzz: one SecureServer, thousands of bad connections', () => {
  it('every bad connection is closed with a logged reason; good clients are served throughout', async () => {
    const started = Date.now();
    const goodOpts = { name: good.name, staticKey: good.key, trusted: new Map([[bytesToHex(coordinator.key.publicKey), coordinator.name]]), remoteStatic: coordinator.key.publicKey };
    const goodTcp = await connectTcp('127.0.0.1', tcpPort, goodOpts);
    const goodWs = await connectWs(`ws://127.0.0.1:${wsPort}`, goodOpts);
    const chats = [chatter(goodTcp), chatter(goodWs)];
    const counts: Record<string, number> = {};
    const count = (what: string, n = 1) => (counts[what] = (counts[what] ?? 0) + n);
    /** Runs `parallel` cases of one property run side by side. */
    const batch = <T>(arb: fc.Arbitrary<T>, parallel: number, runs: number, one: (t: T) => Promise<void>) =>
      fc.assert(
        fc.asyncProperty(fc.array(arb, { minLength: parallel, maxLength: parallel }), async (ts) => {
          await Promise.all(ts.map(one));
        }),
        { numRuns: runs },
      );

    // 1. random TCP byte streams (ended by us: the server may be waiting for the rest of a frame)
    await batch(tcpStreamArb, 8, 125, async (bytes) => {
      const { reason } = await runCase('tcp', (r) => r.raw(bytes), true);
      if (bytes[0] === 0 && bytes[1] === 0) expect(reason).toBe('empty frame');
      count('tcp random stream');
    });

    // 2. random WebSocket messages, text and oversized ones
    await batch(wsMessagesArb, 8, 60, async (messages) => {
      const { reason } = await runCase('ws', (r) => messages.forEach((m) => r.raw(m)), true);
      const first = messages[0]!;
      if (typeof first === 'string') expect(reason).toBe('text message on a binary channel');
      else if (first.length > 65535) expect(reason).toMatch(/^websocket error: Max payload size exceeded/);
      else if (first.length === 0 || (first[0] !== PATTERN_BYTE.IK && first[0] !== PATTERN_BYTE.XX)) expect(reason).toBe('unknown handshake pattern');
      count('ws random messages');
    });

    // 3. an honest IK message 1 (or XX message 3), mutated: flipped bit, truncated, extended
    await batch(fc.tuple(kindArb, fc.boolean(), mutationArb), 4, 75, async ([kind, xx, m]) => {
      const { reason } = await runCase(
        kind,
        async (r) => {
          if (!xx) {
            r.frame(mutate(ikMessage1(node).frame, m));
            return;
          }
          const hs = new HandshakeState({ pattern: 'XX', initiator: true, prologue: prologue('XX'), s: node.key });
          r.frame(concatBytes(Uint8Array.of(PATTERN_BYTE.XX), hs.writeMessage(EMPTY)));
          hs.readMessage(await r.next());
          r.frame(mutate(hs.writeMessage(hello(node.name)), m));
        },
        false,
      );
      expect(HANDSHAKE_REJECTS.has(reason), reason).toBe(true);
      count('mutated handshake');
    });

    // 4. garbage after a valid handshake: random frames, or random unframed bytes
    await batch(fc.tuple(kindArb, fc.boolean(), fc.uint8Array({ minLength: 1, maxLength: 300 })), 4, 50, async ([kind, framed, junk]) => {
      const { reason } = await runCase(
        kind,
        async (r) => {
          await ikHandshake(r);
          if (framed || kind === 'ws') r.frame(junk);
          else r.raw(junk);
        },
        !framed && kind === 'tcp',
      );
      if (framed || kind === 'ws') expect(reason).toBe(AUTH_FAILED);
      count('garbage after handshake');
    });

    // 5. replayed, reordered, dropped and duplicated transport frames from a real session
    await batch(
      fc.tuple(kindArb, fc.array(fc.nat(5), { minLength: 1, maxLength: 8 })),
      4,
      50,
      async ([kind, order]) => {
        const honest = order.every((i, j) => i === j);
        const { reason } = await runCase(
          kind,
          async (r) => {
            const keys = await ikHandshake(r);
            const frames = [0, 1, 2, 3, 4, 5].map((i) => (i % 2 ? record(keys, RECORD.PING) : record(keys, RECORD.END, utf8(`m${i}`))));
            for (const i of order) r.frame(frames[i]!);
            if (honest) r.frame(frames[5]!); // a valid order: replay the last frame
          },
          false,
        );
        expect(reason).toBe(AUTH_FAILED);
        count('replayed/reordered frames');
      },
    );

    // 6. a recorded session replayed whole on a new connection: IK message 1 is replayable, the
    //    transport frames are not (the responder's new ephemeral key changes every key)
    for (const kind of ['tcp', 'ws', 'tcp', 'ws'] as const) {
      const recorded: Uint8Array[] = [];
      await runCase(
        kind,
        async (r) => {
          const { hs, frame } = ikMessage1(node);
          recorded.push(frame);
          r.frame(frame);
          hs.readMessage(await r.next());
          const keys = hs.split();
          for (const f of [record(keys, RECORD.END, utf8('hello')), record(keys, RECORD.PING)]) {
            recorded.push(f);
            r.frame(f);
          }
          await r.next();
          await r.next();
        },
        true,
      );
      const { reason } = await runCase(kind, (r) => recorded.forEach((f) => r.frame(f)), false);
      expect(reason).toBe(AUTH_FAILED);
      count('replayed session');
    }

    // 7. unpinned keys, wrong names, the wrong responder key, an oversized message
    const identityCases: [string, (r: Raw) => Promise<void> | void, string][] = [
      ['IK, unpinned key', (r) => r.frame(ikMessage1(stranger).frame), 'peer static key is not pinned'],
      ['IK, pinned key announcing another name', (r) => r.frame(ikMessage1(node, 'node-good').frame), 'peer name does not match its pinned key'],
      ['IK to another responder key', (r) => r.frame(ikMessage1(node, node.name, stranger.key.publicKey).frame), 'decryption failed'],
      [
        'XX, unpinned key',
        async (r) => {
          const hs = new HandshakeState({ pattern: 'XX', initiator: true, prologue: prologue('XX'), s: stranger.key });
          r.frame(concatBytes(Uint8Array.of(PATTERN_BYTE.XX), hs.writeMessage(EMPTY)));
          hs.readMessage(await r.next());
          r.frame(hs.writeMessage(hello(stranger.name)));
        },
        'peer static key is not pinned',
      ],
      [
        'XX with a payload in message 1',
        (r) => {
          const hs = new HandshakeState({ pattern: 'XX', initiator: true, prologue: prologue('XX'), s: node.key });
          r.frame(concatBytes(Uint8Array.of(PATTERN_BYTE.XX), hs.writeMessage(hello(node.name))));
        },
        'unexpected handshake payload',
      ],
      [
        'a message over the maximum',
        async (r) => {
          const keys = await ikHandshake(r);
          const body = new Uint8Array(MAX_RECORD_BODY);
          for (let sent = 0; sent <= MAX_MESSAGE; sent += body.length) r.frame(record(keys, RECORD.MORE, body));
        },
        'message too large',
      ],
      [
        'a text message after the handshake',
        async (r) => {
          await ikHandshake(r);
          r.raw(r.kind === 'ws' ? 'text' : Uint8Array.of(0, 0));
        },
        '',
      ],
    ];
    for (let round = 0; round < 5; round++) {
      for (const [what, script, expected] of identityCases) {
        for (const kind of ['tcp', 'ws'] as const) {
          const { reason } = await runCase(kind, script, false);
          expect(reason, what).toBe(expected || (kind === 'ws' ? 'text message on a binary channel' : 'empty frame'));
          count(what);
        }
      }
    }

    // 8. garbage to the WebSocket port before any upgrade (HTTP level: no secure connection
    //    exists yet, so nothing is logged; the server must just survive and drop it)
    const httpLike = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 300 }),
      fc.string({ maxLength: 200 }).map((s) => utf8(`GET /${s} HTTP/1.1\r\nHost: x\r\n\r\n`)),
      fc.string({ maxLength: 100 }).map((s) => utf8(`GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${s}\r\n\r\n`)),
    );
    await batch(httpLike, 8, 12, async (bytes) => {
      const socket = connect({ host: '127.0.0.1', port: wsPort, localAddress: sourceAddress() });
      socket.on('error', () => {});
      socket.on('data', () => {});
      await new Promise((r) => socket.once('connect', r));
      const closed = new Promise<boolean>((r) => {
        socket.once('close', () => r(true));
        setTimeout(() => r(false), 4000);
      });
      socket.end(bytes);
      expect(await closed).toBe(true);
      count('garbage before the WebSocket upgrade');
    });

    const fuzzMs = Date.now() - started;
    const during = chats.map((c) => c.exchanged);
    await Promise.all(chats.map((c) => c.stop()));
    for (const c of chats) expect(c.errors).toEqual([]);
    for (const n of during) expect(n).toBeGreaterThan(10);

    // after: the good clients still work, nothing leaked, nothing escaped
    for (const conn of [goodTcp, goodWs]) {
      expect(conn.isOpen).toBe(true);
      const reply = new Promise<Uint8Array>((resolve) => conn.on('message', resolve));
      await conn.send(utf8('still here'));
      expect(new TextDecoder().decode(await reply)).toBe('still here');
    }
    expect(await waitFor(() => (server.connectionCount === 2 ? true : undefined), 3000)).toBe(true);
    expect(uncaught).toEqual([]);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(2000);
    console.error(`fuzz: ${total} bad connections in ${fuzzMs} ms; good clients exchanged ${during.join(' + ')} messages meanwhile`, counts);
    goodTcp.close();
    goodWs.close();
  });
});
