// Transport benchmark: Noise IK handshakes/s and MiB/s through an established secure channel,
// each beside the same work over a plain (unencrypted) TCP socket in the same run, over loopback.
// bench/run.js calls benchTransport({ measure, report }); `node bench/transport.js` runs it alone.
// Needs the built packages: npm run build.
import { createServer, connect } from 'node:net';
import { SecureServer, connectTcp } from '../packages/server/dist/index.js';
import { bytesToHex, generateKeyPair } from '../packages/core/dist/index.js';
import { QUICK, median, runIfMain } from './lib.js';

const MiB = 1024 * 1024;

/**
 * Median over 5 batches of ms per op for an async op, alternating batches with the baseline's,
 * so both figures come from the same stretch of time on this shared machine.
 * `op()` does `units` units of work (one handshake, or N MiB) and resolves when they are done.
 */
async function measureAsync(op, baselineOp, batchMs) {
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
  await op();
  await baselineOp();
  const own = [];
  const base = [];
  for (let b = 0; b < 5; b++) {
    own.push(await batch(op));
    base.push(await batch(baselineOp));
  }
  return { ms: median(own), baselineMs: median(base) };
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

export async function benchTransport({ report }) {
  const batchMs = QUICK ? 100 : 500;
  const coordinator = { name: 'coordinator', key: generateKeyPair() };
  const node = { name: 'node-1', key: generateKeyPair() };
  const pin = (p) => new Map([[bytesToHex(p.key.publicKey), p.name]]);

  let secureAcks = 0;
  let secureWaiter;
  const secure = new SecureServer({
    name: coordinator.name,
    staticKey: coordinator.key,
    trusted: pin(node),
    onConnection: (conn) => conn.on('message', (m) => void conn.send(Uint8Array.of(m.length & 0xff)).catch(() => {})),
  });
  const { tcpPort } = await secure.listen({ tcpPort: 0 });
  const plain = await plainServer();
  const dial = { name: node.name, staticKey: node.key, trusted: pin(coordinator), remoteStatic: coordinator.key.publicKey };

  try {
    // ---- handshakes: connect + Noise IK + close, vs connect + close ----------------------------
    const hs = await measureAsync(
      async () => {
        const conn = await connectTcp('127.0.0.1', tcpPort, dial);
        conn.close();
        return 1;
      },
      async () => {
        const socket = connect({ host: '127.0.0.1', port: plain.port });
        await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
        socket.destroy();
        return 1;
      },
      batchMs,
    );
    report('noise', `Noise IK handshake over TCP (connect+handshake, ${(1000 / hs.ms).toFixed(0)}/s)`, hs.ms, { name: 'plain TCP connect', ms: hs.baselineMs });

    // ---- throughput through an established channel ---------------------------------------------
    const conn = await connectTcp('127.0.0.1', tcpPort, { ...dial, highWaterMark: 4 * MiB });
    conn.on('message', () => {
      secureAcks++;
      if (secureWaiter) secureWaiter();
    });
    const plainConn = await plainClient(plain.port);
    for (const size of [64 * 1024, MiB]) {
      const payload = new Uint8Array(size).map((_, i) => i & 0xff);
      const count = Math.max(1, Math.round((4 * MiB) / size)); // 4 MiB per burst
      const mib = (size * count) / MiB;
      const label = size === MiB ? '1 MiB' : '64 KiB';
      const t = await measureAsync(
        async () => {
          const target = secureAcks + count;
          for (let i = 0; i < count; i++) await conn.send(payload);
          while (secureAcks < target) await new Promise((resolve) => (secureWaiter = resolve));
          secureWaiter = undefined;
          return mib;
        },
        async () => {
          await plainConn.burst(payload, count);
          return mib;
        },
        batchMs,
      );
      report(
        'noise',
        `secure channel, ${label} messages, ms/MiB (${(1000 / t.ms).toFixed(1)} MiB/s)`,
        t.ms,
        { name: `plain TCP, ${label} messages (${(1000 / t.baselineMs).toFixed(0)} MiB/s)`, ms: t.baselineMs },
      );
    }
    conn.close();
    plainConn.socket.destroy();
  } finally {
    await secure.close();
    await new Promise((resolve) => plain.server.close(resolve));
  }
}

await runIfMain(import.meta, benchTransport);
