import { randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { MemorySessionRegistry, SECURITY_LEVEL_TSS_LIB_2048, bytesToHex, createDkg, generateIdentities, seededRng, simulate } from '@mpc-wallet/core';
import { SignerNode } from './dist/node/signer.js';
import { Vault } from './dist/node/vault.js';
import { SafePrimePool } from './dist/node/prime-pool.js';
import { signRequest } from './dist/session/request.js';
import { sessionKey } from './dist/session/runner.js';
import { openNodeStore } from './dist/stores/sql/open.js';
const secret = new Uint8Array(32).fill(9); const ck = ed25519.getPublicKey(secret);
const rng = seededRng('x'); const parties = [1, 2, 3]; const identities = generateIdentities(parties, rng);
const res = simulate(parties.map((self) => createDkg({ sessions: new MemorySessionRegistry(), curve: 'ed25519', session: new Uint8Array(32).fill(1), self, parties, threshold: 2, identity: identities.get(self), rng })), rng);
const handlers = new Map(), buffered = new Map();
const transport = (self) => ({ send: (m) => { for (const to of [1, 2]) { if (to === self) continue; const k = `${to}/${sessionKey(m.protocol, m.session)}`; const h = handlers.get(k); if (h) queueMicrotask(() => h(m)); else buffered.set(k, [...(buffered.get(k) ?? []), m]); } }, subscribe: (p, s, h) => { const k = `${self}/${sessionKey(p, s)}`; handlers.set(k, h); for (const m of buffered.get(k) ?? []) queueMicrotask(() => h(m)); buffered.delete(k); return () => handlers.delete(k); } });
const nodes = [];
for (const id of [1, 2]) {
  const store = process.env.MEM ? await openNodeStore() : await openNodeStore({ dataDir: `/tmp/scratch-${id}-${process.pid}` });
  const vault = new Vault(store, randomBytes(32), id);
  await vault.putKey('k', 1, { scheme: 'eddsa-ed25519', share: res.outputs.get(id).share });
  nodes.push(new SignerNode({ self: id, identity: identities.get(id), coordinatorKey: ck, store, vault, transport: () => transport(id), primes: new SafePrimePool(1024, 0), level: SECURITY_LEVEL_TSS_LIB_2048, rng: (n) => new Uint8Array(randomBytes(n)), protocolTimeoutMs: 5000, auxTimeoutMs: 5000 }));
}
const signed = (body) => { const now = Date.now(); return signRequest({ ...body, id: 'r', session: bytesToHex(randomBytes(32)), issuedAt: now, expiresAt: now + 60000 }, secret); };
const N = 64;
const c1 = (await nodes[0].handle(signed({ kind: 'nonces', keyId: 'k', version: 1, count: N }))).output.commitments;
const c2 = (await nodes[1].handle(signed({ kind: 'nonces', keyId: 'k', version: 1, count: N }))).output.commitments;
const sums = new Map(); const t0 = performance.now();
for (let i = 0; i < N; i++) {
  const req = signed({ kind: 'sign', keyId: 'k', version: 1, signers: [1, 2], message: '00', commitments: [c1[i], c2[i]] });
  const out = await Promise.all(nodes.map((n) => n.handle(req)));
  if (i < 20) continue;
  for (const o of out) { if (!o.ok) throw new Error(JSON.stringify(o)); for (const [k, v] of Object.entries(o.output.timing)) sums.set(k, (sums.get(k) ?? 0) + v / 2 / (N - 20)); }
}
console.log('wall per sig', ((performance.now() - t0) / N).toFixed(2), [...sums].map(([k, v]) => `${k}=${v.toFixed(2)}`).join(' '));
process.exit(0);
