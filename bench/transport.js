// Transport benchmark: Noise IK handshakes/s and MiB/s through an established secure channel,
// on the noble primitives (the reference, "before") and the native OpenSSL ones (the default,
// "after"), each beside the same work over a plain (unencrypted) TCP socket in the same run,
// over loopback.
// bench/run.js calls benchTransport({ measure, report }); `node bench/transport.js` runs it alone.
// Needs the built packages: npm run build.
import { createServer, connect } from 'node:net';
import { SecureServer, connectTcp } from '../packages/server/dist/index.js';
import { NOISE_NATIVE, NOISE_NOBLE, bytesToHex, generateKeyPair } from '../packages/core/dist/index.js';
import { QUICK, median, runIfMain } from './lib.js';

const MiB = 1024 * 1024;

/**
 * Median over 5 batches of ms per unit for each async op, the ops' batches alternating, so all
 * figures come from the same stretch of time on this shared machine.
 * Each op does some units of work (one handshake, or N MiB), resolves when they are done, and
 * returns how many.
 */
async function measureInterleaved(ops, batchMs) {
  const batch = async (fn) => {
    let units = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < batchMs || units === 0) {
      units += await fn();
      elapsed = performance.now() - start;
    }
    return elapsed / units;
  };
  for (const op of ops) await op();
  const samples = ops.map(() => []);
  for (let b = 0; b < 5; b++) for (const [i, op] of ops.entries()) samples[i].push(await batch(op));
  return samples.map(median);
}

/** A plain TCP server with the same job as the secure one: 4-byte length-prefixed messages, reassembled, each acknowledged. */
async function plainServer() {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
        const length = pending.readUInt32BE(0);
        const message = new Uint8Array(pending.subarray(4, 4 + length)); // a copy, as reassembly makes one
        pending = pending.subarray(4 + length);
        socket.write(Uint8Array.of(message.length & 0xff));
      }
    });
    socket.on('error', () => {});
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: server.address().port };
}

async function plainClient(port) {
  const socket = connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let acks = 0;
  let waiter;
  socket.on('data', (chunk) => {
    acks += chunk.length;
    if (waiter) waiter();
  });
  const header = Buffer.alloc(4);
  return {
    socket,
    /** Sends `count` messages, then waits until all are acknowledged. */
    async burst(payload, count) {
      const target = acks + count;
      header.writeUInt32BE(payload.length, 0);
      for (let i = 0; i < count; i++) {
        socket.write(header);
        if (!socket.write(payload)) await new Promise((resolve) => socket.once('drain', resolve));
      }
      while (acks < target) await new Promise((resolve) => (waiter = resolve));
      waiter = undefined;
    },
  };
}

/** A secure echo server and a dialler, both on one primitive suite. */
async function secureSide(suite, coordinator, node, pin) {
  let acks = 0;
  let waiter;
  const server = new SecureServer({
    name: coordinator.name,
    staticKey: coordinator.key,
    trusted: pin(node),
    crypto: suite,
    onConnection: (conn) => conn.on('message', (m) => void conn.send(Uint8Array.of(m.length & 0xff)).catch(() => {})),
  });
  const { tcpPort } = await server.listen({ tcpPort: 0 });
  const dial = { name: node.name, staticKey: node.key, trusted: pin(coordinator), remoteStatic: coordinator.key.publicKey, crypto: suite };
  const conn = await connectTcp('127.0.0.1', tcpPort, { ...dial, highWaterMark: 4 * MiB });
  conn.on('message', () => {
    acks++;
    if (waiter) waiter();
  });
  return {
    server,
    conn,
    async handshake() {
      const c = await connectTcp('127.0.0.1', tcpPort, dial);
      c.close();
      return 1;
    },
    /** Sends `count` messages, then waits until all are acknowledged. */
    async burst(payload, count) {
      const target = acks + count;
      for (let i = 0; i < count; i++) await conn.send(payload);
      while (acks < target) await new Promise((resolve) => (waiter = resolve));
      waiter = undefined;
    },
  };
}

/**
 * Handshakes and throughput on both Noise primitive suites — noble (the reference, "before") and
 * native OpenSSL (the default, "after") — interleaved with plain TCP in the same batches.
 */
export async function benchTransport({ report }) {
  const batchMs = QUICK ? 100 : 500;
  const coordinator = { name: 'coordinator', key: generateKeyPair() };
  const node = { name: 'node-1', key: generateKeyPair() };
  const pin = (p) => new Map([[bytesToHex(p.key.publicKey), p.name]]);
  const suites = [
    { label: 'noble, before', side: await secureSide(NOISE_NOBLE, coordinator, node, pin) },
    { label: 'native, after', side: await secureSide(NOISE_NATIVE, coordinator, node, pin) },
  ];
  const plain = await plainServer();
  const plainConn = await plainClient(plain.port);

  try {
    // ---- handshakes: connect + Noise IK + close, vs connect + close ----------------------------
    const plainConnect = async () => {
      const socket = connect({ host: '127.0.0.1', port: plain.port });
      await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      socket.destroy();
      return 1;
    };
    const hs = await measureInterleaved([...suites.map((s) => () => s.side.handshake()), plainConnect], batchMs);
    const plainHs = hs.at(-1);
    for (const [i, s] of suites.entries()) {
      report('noise', `Noise IK handshake over TCP, ${s.label} (${(1000 / hs[i]).toFixed(0)}/s)`, hs[i], { name: 'plain TCP connect', ms: plainHs });
    }

    // ---- throughput through an established channel ---------------------------------------------
    for (const size of [64 * 1024, MiB]) {
      const payload = new Uint8Array(size).map((_, i) => i & 0xff);
      const count = Math.max(1, Math.round((4 * MiB) / size)); // 4 MiB per burst
      const mib = (size * count) / MiB;
      const label = size === MiB ? '1 MiB' : '64 KiB';
      const burst = (send) => async () => {
        await send(payload, count);
        return mib;
      };
      const t = await measureInterleaved([...suites.map((s) => burst((p, c) => s.side.burst(p, c))), burst((p, c) => plainConn.burst(p, c))], batchMs);
      const plainT = t.at(-1);
      for (const [i, s] of suites.entries()) {
        report(
          'noise',
          `secure channel, ${label} messages, ${s.label}, ms/MiB (${(1000 / t[i]).toFixed(1)} MiB/s, ${((100 * plainT) / t[i]).toFixed(0)} % of plain)`,
          t[i],
          { name: `plain TCP, ${label} messages (${(1000 / plainT).toFixed(0)} MiB/s)`, ms: plainT },
        );
      }
    }
  } finally {
    plainConn.socket.destroy();
    for (const s of suites) {
      s.side.conn.close();
      await s.side.server.close();
    }
    await new Promise((resolve) => plain.server.close(resolve));
  }
}

await runIfMain(import.meta, benchTransport);
