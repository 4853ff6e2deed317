/**
 * docs/wire.md conformance: an initiator written from the document alone — its own framing,
 * hello, prologue and record encoder, with only the core's HandshakeState/CipherState as the
 * Noise primitive and raw node:net / ws sockets — connects to a SecureServer and exchanges
 * messages. The constants (pattern bytes, prologue prefix, hello magic and version, record
 * types, largest record body) are parsed out of the document's tables, so a table that drifts
 * from the code fails here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { CipherState, HandshakeState, bytesToHex, concatBytes, generateKeyPair, type KeyPair, type PatternName } from '@mpc-wallet/core';
import { MemoryLogger } from '../src/log.js';
import { MAX_RECORD_BODY, PATTERN_BYTE, RECORD, SecureServer, WIRE_VERSION } from '../src/index.js';

// ---- the document ---------------------------------------------------------------------------

const DOC = readFileSync(new URL('../../../docs/wire.md', import.meta.url), 'utf8');

/** Body rows of the markdown table whose header row starts with `| firstHeader |`. */
function table(firstHeader: string): string[][] {
  const lines = DOC.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`| ${firstHeader} |`));
  if (start < 0) throw new Error(`docs/wire.md: no table headed "${firstHeader}"`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.slice(1, -1).split(' | ').map((c) => c.trim()));
  }
  return rows;
}
const hexBytes = (cell: string) => [...cell.matchAll(/`0x([0-9a-f]{2})`|0x([0-9a-f]{2})/gi)].map((m) => parseInt(m[1] ?? m[2]!, 16));
const row = (rows: string[][], first: string) => {
  const r = rows.find((x) => x[0] === first);
  if (!r) throw new Error(`docs/wire.md: no row "${first}"`);
  return r;
};

const SPEC = (() => {
  const patterns = new Map<PatternName, number>();
  for (const [byteCell, nameCell] of table('pattern byte')) {
    const m = /`Noise_([A-Z]+)_25519_ChaChaPoly_BLAKE2s`/.exec(nameCell!);
    if (!m) throw new Error(`docs/wire.md: unsupported protocol ${nameCell}`);
    patterns.set(m[1] as PatternName, hexBytes(byteCell!)[0]!);
  }
  const prefix = /"([^"]+)"/.exec(row(table('prologue part'), 'prefix')[1]!)![1]!;
  const hello = table('hello field');
  const records = new Map(table('record type').map(([t, name]) => [name!, hexBytes(t!)[0]!] as const));
  const maxBody = Number(/(\d+) bytes/.exec(row(table('record limit'), 'largest record body')[1]!)![1]);
  return {
    patterns,
    prologuePrefix: new TextEncoder().encode(prefix),
    magic: hexBytes(row(hello, 'magic')[1]!),
    version: hexBytes(row(hello, 'version')[1]!)[0]!,
    record: (name: string) => {
      const t = records.get(name);
      if (t === undefined) throw new Error(`docs/wire.md: no record type ${name}`);
      return t;
    },
    maxBody,
  };
})();

// ---- an encoder written from the document ---------------------------------------------------

const enc = new TextEncoder();
const EMPTY = new Uint8Array(0);

/** A carrier of frames: §1 of the document. */
interface RawCarrier {
  send(frame: Uint8Array): void;
  next(timeoutMs?: number): Promise<Uint8Array>;
  end(): void;
  readonly ended: Promise<void>;
}

function frameQueue() {
  const frames: Uint8Array[] = [];
  const waiters: ((f: Uint8Array | undefined) => void)[] = [];
  let done = false;
  return {
    push(f: Uint8Array) {
      const w = waiters.shift();
      if (w) w(f);
      else frames.push(f);
    },
    finish() {
      done = true;
      for (const w of waiters.splice(0)) w(undefined);
    },
    next(timeoutMs = 5000): Promise<Uint8Array> {
      const f = frames.shift();
      if (f) return Promise.resolve(f);
      if (done) return Promise.reject(new Error('carrier closed'));
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no frame in time')), timeoutMs);
        waiters.push((x) => {
          clearTimeout(t);
          if (x) resolve(x);
          else reject(new Error('carrier closed'));
        });
      });
    },
  };
}

async function tcpCarrier(port: number): Promise<RawCarrier> {
  const socket: Socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const q = frameQueue();
  let buf = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 2) {
      const len = (buf[0]! << 8) | buf[1]!; // u16be
      if (buf.length < 2 + len) break;
      q.push(new Uint8Array(buf.subarray(2, 2 + len)));
      buf = buf.subarray(2 + len);
    }
  });
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  void ended.then(() => q.finish());
  return {
    send(frame) {
      if (frame.length < 1 || frame.length > 65535) throw new Error('frame length out of range');
      socket.write(concatBytes(Uint8Array.of(frame.length >> 8, frame.length & 0xff), frame));
    },
    next: q.next,
    end: () => socket.end(),
    ended,
  };
}

async function wsCarrier(port: number): Promise<RawCarrier> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`);
  await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
  const q = frameQueue();
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) q.push(new Uint8Array(data));
  });
  const ended = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  ws.on('error', () => {});
  void ended.then(() => q.finish());
  return { send: (frame) => ws.send(frame, { binary: true }), next: q.next, end: () => ws.close(), ended };
}

function hello(name: string): Uint8Array {
  const n = enc.encode(name);
  return concatBytes(Uint8Array.from(SPEC.magic), Uint8Array.of(SPEC.version, n.length), n);
}

function parseHello(payload: Uint8Array): string {
  expect([...payload.subarray(0, 4)]).toEqual(SPEC.magic);
  expect(payload[4]).toBe(SPEC.version);
  expect(payload.length).toBe(6 + payload[5]!);
  return new TextDecoder().decode(payload.subarray(6));
}

interface Session {
  send: CipherState;
  receive: CipherState;
  serverName: string;
}

/** §2: the handshake, initiator side. */
async function handshake(c: RawCarrier, pattern: 'IK' | 'XX', me: { name: string; key: KeyPair }, server: Uint8Array, prologueOverride?: Uint8Array): Promise<Session> {
  const patternByte = SPEC.patterns.get(pattern)!;
  const prologue = prologueOverride ?? concatBytes(SPEC.prologuePrefix, Uint8Array.of(patternByte));
  const hs = new HandshakeState({ pattern, initiator: true, prologue, s: me.key, ...(pattern === 'IK' ? { rs: server } : {}) });
  let serverName: string;
  if (pattern === 'IK') {
    c.send(concatBytes(Uint8Array.of(patternByte), hs.writeMessage(hello(me.name))));
    serverName = parseHello(hs.readMessage(await c.next()));
  } else {
    c.send(concatBytes(Uint8Array.of(patternByte), hs.writeMessage(EMPTY)));
    serverName = parseHello(hs.readMessage(await c.next()));
    expect(bytesToHex(hs.remoteStatic!)).toBe(bytesToHex(server)); // pin check, §2.5
    c.send(hs.writeMessage(hello(me.name)));
  }
  expect(hs.isComplete).toBe(true);
  const { send, receive } = hs.split();
  const session = { send, receive, serverName };
  if (pattern === 'IK') {
    // §2.4 key confirmation: a first transport record at once (a PING, answered by a PONG)
    sendRecord(c, session, SPEC.record('PING'));
    expect((await readRecord(c, session)).type).toBe(SPEC.record('PONG'));
  }
  return session;
}

/** §3: one record per frame, empty associated data. */
function sendRecord(c: RawCarrier, s: Session, type: number, body: Uint8Array = EMPTY): void {
  c.send(s.send.encryptWithAd(EMPTY, concatBytes(Uint8Array.of(type), body)));
}

async function readRecord(c: RawCarrier, s: Session): Promise<{ type: number; body: Uint8Array }> {
  const record = s.receive.decryptWithAd(EMPTY, await c.next());
  return { type: record[0]!, body: record.subarray(1) };
}

function sendMessage(c: RawCarrier, s: Session, message: Uint8Array): number {
  let records = 0;
  for (let offset = 0; ; offset += SPEC.maxBody) {
    const end = Math.min(offset + SPEC.maxBody, message.length);
    const last = end === message.length;
    sendRecord(c, s, SPEC.record(last ? 'END' : 'MORE'), message.subarray(offset, end));
    records++;
    if (last) return records;
  }
}

async function readMessage(c: RawCarrier, s: Session): Promise<{ message: Uint8Array; types: number[] }> {
  const parts: Uint8Array[] = [];
  const types: number[] = [];
  for (;;) {
    const { type, body } = await readRecord(c, s);
    types.push(type);
    if (type === SPEC.record('PING')) sendRecord(c, s, SPEC.record('PONG'));
    else if (type === SPEC.record('MORE')) parts.push(body);
    else if (type === SPEC.record('END')) return { message: concatBytes(...parts, body), types };
    else throw new Error(`unexpected record type ${type}`);
  }
}

// ---- the server under test ------------------------------------------------------------------

const coordinator = { name: 'coordinator', key: generateKeyPair() };
const node = { name: 'node-1', key: generateKeyPair() };
const logger = new MemoryLogger();
const serverSideClose: string[] = [];
let server: SecureServer;
let tcpPort: number;
let wsPort: number;

beforeAll(async () => {
  server = new SecureServer({
    name: coordinator.name,
    staticKey: coordinator.key,
    trusted: new Map([[bytesToHex(node.key.publicKey), node.name]]),
    logger,
    onConnection: (conn) => {
      conn.on('message', (m) => void conn.send(m).catch(() => {}));
      conn.on('close', (reason) => serverSideClose.push(reason));
    },
  });
  ({ tcpPort, wsPort } = (await server.listen({ tcpPort: 0, wsPort: 0 })) as { tcpPort: number; wsPort: number });
});
afterAll(() => server.close());

const waitFor = async (cond: () => boolean, ms = 2000) => {
  const until = Date.now() + ms;
  while (!cond() && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
  return cond();
};

describe('docs/wire.md', () => {
  it('tables parse, and agree with the code’s constants', () => {
    expect(Object.fromEntries(SPEC.patterns)).toEqual(PATTERN_BYTE);
    expect(SPEC.patterns.get('IK')).toBe('I'.charCodeAt(0));
    expect(SPEC.patterns.get('XX')).toBe('X'.charCodeAt(0));
    expect(new TextDecoder().decode(Uint8Array.from(SPEC.magic))).toBe('MPCW');
    expect(SPEC.version).toBe(WIRE_VERSION);
    for (const [name, type] of Object.entries(RECORD)) expect(SPEC.record(name)).toBe(type);
    expect(SPEC.maxBody).toBe(MAX_RECORD_BODY);
    expect(SPEC.maxBody).toBe(65535 - 16 - 1);
  });

  const cases = [
    { carrier: 'tcp', pattern: 'IK' },
    { carrier: 'ws', pattern: 'IK' },
    { carrier: 'tcp', pattern: 'XX' },
    { carrier: 'ws', pattern: 'XX' },
  ] as const;
  for (const { carrier, pattern } of cases) {
    it(`${pattern} over ${carrier}: handshake, a multi-record message echoed, PING → PONG, CLOSE with a reason`, async () => {
      const c = carrier === 'tcp' ? await tcpCarrier(tcpPort) : await wsCarrier(wsPort);
      const s = await handshake(c, pattern, node, coordinator.key.publicKey);
      expect(s.serverName).toBe('coordinator');

      // MORE … END: 150 000 bytes = 65518 + 65518 + 18964
      const payload = new Uint8Array(150_000).map((_, i) => (i * 131 + 7) & 0xff);
      expect(sendMessage(c, s, payload)).toBe(3);
      const echo = await readMessage(c, s);
      expect(echo.types).toEqual([SPEC.record('MORE'), SPEC.record('MORE'), SPEC.record('END')]);
      expect(bytesToHex(echo.message)).toBe(bytesToHex(payload));

      // an empty message is a single END; a message of exactly 65518 bytes too
      for (const size of [0, SPEC.maxBody]) {
        expect(sendMessage(c, s, new Uint8Array(size).fill(9))).toBe(1);
        const r = await readMessage(c, s);
        expect(r.types).toEqual([SPEC.record('END')]);
        expect(r.message.length).toBe(size);
      }

      sendRecord(c, s, SPEC.record('PING'));
      expect((await readRecord(c, s)).type).toBe(SPEC.record('PONG'));

      const reason = `wire-doc ${pattern}/${carrier} done`;
      const before = serverSideClose.length;
      sendRecord(c, s, SPEC.record('CLOSE'), enc.encode(reason));
      await c.ended; // the server closes the carrier
      expect(await waitFor(() => serverSideClose.length > before)).toBe(true);
      expect(serverSideClose).toContain(`peer closed: ${reason}`);
    });
  }

  // Regression: a received CLOSE record used to end the connection without a log entry.
  it('the reason of a received CLOSE record is logged', async () => {
    const c = await tcpCarrier(tcpPort);
    const s = await handshake(c, 'IK', node, coordinator.key.publicKey);
    sendRecord(c, s, SPEC.record('CLOSE'), enc.encode('logged close'));
    await c.ended;
    expect(await waitFor(() => logger.entries.some((e) => String(e.fields.reason).includes('logged close')), 500)).toBe(true);
  });

  it('a hello whose name is not UTF-8 is refused as a malformed hello', async () => {
    const c = await tcpCarrier(tcpPort);
    const patternByte = SPEC.patterns.get('IK')!;
    const hs = new HandshakeState({ pattern: 'IK', initiator: true, prologue: concatBytes(SPEC.prologuePrefix, Uint8Array.of(patternByte)), s: node.key, rs: coordinator.key.publicKey });
    const bad = concatBytes(Uint8Array.from(SPEC.magic), Uint8Array.of(SPEC.version, 2, 0xc3, 0x28));
    const from = logger.entries.length;
    c.send(concatBytes(Uint8Array.of(patternByte), hs.writeMessage(bad)));
    await c.ended;
    await waitFor(() => logger.entries.length > from);
    expect(logger.entries.slice(from).map((e) => e.fields.reason)).toContain('malformed hello');
  });

  // Regression: an IK message 1 with an empty payload used to skip the pin check, so the
  // responder sent its hello to an unpinned initiator before refusing it.
  it('the responder answers nothing to an IK initiator whose key is not pinned, even without a hello', async () => {
    const stranger = { name: 'stranger', key: generateKeyPair() };
    const c = await tcpCarrier(tcpPort);
    const patternByte = SPEC.patterns.get('IK')!;
    const hs = new HandshakeState({ pattern: 'IK', initiator: true, prologue: concatBytes(SPEC.prologuePrefix, Uint8Array.of(patternByte)), s: stranger.key, rs: coordinator.key.publicKey });
    c.send(concatBytes(Uint8Array.of(patternByte), hs.writeMessage(EMPTY)));
    // The responder refuses by closing the carrier; every frame sent before that is queued.
    await c.ended;
    const answered = await c.next().then(
      () => true,
      () => false,
    );
    expect(answered).toBe(false); // before the fix: message 2 arrives, carrying "coordinator"
  });

  it('the bytes matter: a prologue without the pattern byte, a hello with another magic, a wrong record type are refused', async () => {
    const reasons = () => logger.entries.map((e) => e.fields.reason);

    const c1 = await tcpCarrier(tcpPort);
    await expect(handshake(c1, 'IK', node, coordinator.key.publicKey, SPEC.prologuePrefix)).rejects.toThrow();
    await c1.ended;
    expect(await waitFor(() => reasons().includes('decryption failed'))).toBe(true);

    const c2 = await tcpCarrier(tcpPort);
    const hs = new HandshakeState({ pattern: 'IK', initiator: true, prologue: concatBytes(SPEC.prologuePrefix, Uint8Array.of(SPEC.patterns.get('IK')!)), s: node.key, rs: coordinator.key.publicKey });
    const badHello = hello(node.name);
    badHello[0]! ^= 0x20; // "mPCW"
    c2.send(concatBytes(Uint8Array.of(SPEC.patterns.get('IK')!), hs.writeMessage(badHello)));
    await c2.ended;
    expect(await waitFor(() => reasons().includes('malformed hello'))).toBe(true);

    const c3 = await wsCarrier(wsPort);
    const s3 = await handshake(c3, 'IK', node, coordinator.key.publicKey);
    sendRecord(c3, s3, 0x7f, EMPTY);
    expect((await readRecord(c3, s3)).type).toBe(SPEC.record('CLOSE')); // told why
    await c3.ended;
    expect(await waitFor(() => reasons().includes('unknown record type'))).toBe(true);

    const c9 = await tcpCarrier(tcpPort);
    const s9 = await handshake(c9, 'IK', node, coordinator.key.publicKey);
    sendRecord(c9, s9, SPEC.record('MORE'), EMPTY); // fragments must carry at least one byte
    await c9.ended;
    expect(await waitFor(() => reasons().includes('empty fragment'))).toBe(true);

    const c4 = await tcpCarrier(tcpPort);
    const s4 = await handshake(c4, 'IK', node, coordinator.key.publicKey);
    const replay = s4.send.encryptWithAd(EMPTY, Uint8Array.of(SPEC.record('PING')));
    c4.send(replay);
    expect((await readRecord(c4, s4)).type).toBe(SPEC.record('PONG'));
    c4.send(replay); // §4: the same frame twice fails
    await c4.ended;
    expect(await waitFor(() => reasons().some((r) => String(r).startsWith('record authentication failed')))).toBe(true);
  });
});
