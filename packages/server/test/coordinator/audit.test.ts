import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { bytesToHex, ed25519PublicKey } from '@mpc-wallet/core';
import { AuditLog, type AuditRecord, AuditSampler, DEFAULT_AUDIT_OPTIONS, failureDetails, signatureDetails, verifyAuditChain } from '../../src/coordinator/audit.js';
import { ApiError, GENESIS_HASH, StoreError, canonicalJson, entryHash, type AuditCheckpoint, type AuditEntry, type AuditEvent, type AuditJson, type AuditStore } from '../../src/index.js';

/** The chain as the SQL store keeps it, in an array the tests can tamper with like rows. */
function memoryStore(): AuditStore & { rows: AuditEntry[]; signed: AuditCheckpoint[]; appends: number } {
  const store = {
    rows: [] as AuditEntry[],
    signed: [] as AuditCheckpoint[],
    appends: 0,
    async append(events: readonly AuditEvent[]) {
      store.appends++;
      return events.map((event) => {
        const last = store.rows.at(-1);
        const seq = (last?.seq ?? 0) + 1;
        const prevHash = last?.hash ?? GENESIS_HASH;
        const entry = { ...event, seq, prevHash, hash: entryHash(seq, event, prevHash) };
        store.rows.push(entry);
        return entry;
      });
    },
    async head() {
      return store.rows.reduce((max, r) => Math.max(max, r.seq), 0);
    },
    async list({ after = 0, limit = 100, actions }: { after?: number; limit?: number; actions?: readonly string[] } = {}) {
      return store.rows.filter((r) => r.seq > after && (!actions || actions.includes(r.action))).sort((a, b) => a.seq - b.seq).slice(0, limit);
    },
    async addCheckpoint(c: AuditCheckpoint) {
      if (!store.signed.some((s) => s.seq === c.seq)) store.signed.push(c);
    },
    async checkpoints({ after = 0, limit = 100 } = {}) {
      return store.signed.filter((c) => c.seq > after).sort((a, b) => a.seq - b.seq).slice(0, limit);
    },
  };
  return store;
}

const secret = randomBytes(32);
const publicKey = bytesToHex(ed25519PublicKey(secret));

const json = fc.letrec<{ value: AuditJson }>((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.maxSafeInteger(), fc.string(), fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(fc.string(), tie('value'), { maxKeys: 3 })),
})).value;

const event = fc.record({
  action: fc.constantFrom('key.created', 'signature.completed', 'auth.failed', 'node.online'),
  actor: fc.string({ minLength: 1, maxLength: 20 }),
  subject: fc.string({ minLength: 1, maxLength: 20 }),
  details: fc.dictionary(fc.string({ maxLength: 8 }), json, { maxKeys: 4 }),
});

/** A log of `events` written through AuditLog, checkpointed every `every` entries (small pages: the walk crosses pages). */
async function written(events: AuditRecord[], every: number) {
  const store = memoryStore();
  const log = new AuditLog(store, secret, publicKey, { checkpointEvery: every, checkpointMs: 60_000 });
  for (const e of events) await log.record(e);
  await log.stop();
  return { store, verify: () => verifyAuditChain(store, ed25519PublicKey(secret), 3) };
}

describe('audit chain', () => {
  it('canonical JSON: sorted keys, no spaces, integers only, a jsonb fixed point', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: { z: 0, y: -5 } })).toBe('{"a":[true,null,"x"],"b":1,"c":{"y":-5,"z":0}}');
    // UTF-16 code-unit order (RFC 8785), not code-point order
    expect(canonicalJson({ '\u{1F600}': 1, '\uFB01': 2 })).toBe('{"😀":1,"ﬁ":2}');
    for (const bad of [1.5, NaN, Infinity, -0, 2 ** 53, 'a\u0000b', '\uD800', new Date(0), () => 1, 10n]) expect(() => canonicalJson(bad)).toThrow(StoreError);
    let deep: unknown = 1;
    for (let i = 0; i < 20; i++) deep = [deep];
    expect(() => canonicalJson(deep)).toThrow(/deeper/);
  });

  it('the encoding is length-prefixed: moving text between fields changes the hash', () => {
    const at = new Date(0);
    const a = entryHash(1, { at, action: 'a.b', actor: 'xy', subject: 'z', details: {} }, GENESIS_HASH);
    const b = entryHash(1, { at, action: 'a.b', actor: 'x', subject: 'yz', details: {} }, GENESIS_HASH);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it('any sequence of events verifies; any single edit, deletion or swap is named at its seq', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(event, { minLength: 2, maxLength: 12 }), fc.nat(), fc.integer({ min: 1, max: 5 }), fc.constantFrom('edit', 'delete', 'swap'), async (events, pick, every, tamper) => {
        const { store, verify } = await written(events, every);
        const intact = await verify();
        expect(intact).toEqual({ ok: true, entries: events.length, checkpoints: store.signed.length });
        const i = pick % (events.length - 1); // an entry with a successor (the tail alone is only covered by checkpoints)
        const seq = i + 1;
        if (tamper === 'edit') store.rows[i] = { ...store.rows[i]!, subject: `${store.rows[i]!.subject}!` };
        if (tamper === 'delete') store.rows.splice(i, 1);
        if (tamper === 'swap') {
          // As UPDATE audit SET seq = CASE … would: the rows trade places, each taking the other's seq.
          const [a, b] = [store.rows[i]!, store.rows[i + 1]!];
          store.rows[i] = { ...b, seq: a.seq };
          store.rows[i + 1] = { ...a, seq: b.seq };
        }
        const result = await verify();
        expect(result.ok).toBe(false);
        expect(result.firstBroken!.seq).toBe(seq);
      }),
      { numRuns: 60 },
    );
  });

  it('a tail rewritten with recomputed hashes is caught by the signed checkpoint; a cut-off tail too', async () => {
    const events = Array.from({ length: 6 }, (_, i) => ({ action: 'signature.completed', actor: 'coordinator', subject: `r${i}`, details: { n: i } }));
    const { store, verify } = await written(events, 4);
    expect(store.signed.map((c) => c.seq)).toEqual([4, 6]);
    // Rewrite entry 3 and recompute every hash after it: the chain is consistent, the signature is not.
    const forged = memoryStore();
    for (const [i, r] of store.rows.entries()) await forged.append([{ at: r.at, action: r.action, actor: r.actor, subject: i === 2 ? 'forged' : r.subject, details: r.details }]);
    forged.signed = store.signed;
    expect(await verifyAuditChain(forged, ed25519PublicKey(secret))).toMatchObject({ ok: false, firstBroken: { seq: 4, reason: expect.stringMatching(/checkpoint/) } });
    // The last two entries cut off: the checkpoint at 6 names a missing entry.
    store.rows.splice(4);
    expect(await verify()).toMatchObject({ ok: false, firstBroken: { seq: 5, reason: expect.stringMatching(/cut short/) } });
  });

  it('a checkpoint not signed by the coordinator is named', async () => {
    const { store, verify } = await written([{ action: 'a.b', actor: 'x', subject: 'y', details: {} }], 1);
    store.signed[0] = { ...store.signed[0]!, signature: bytesToHex(randomBytes(64)) };
    expect(await verify()).toMatchObject({ ok: false, firstBroken: { seq: 1, reason: expect.stringMatching(/not signed/) } });
  });

  it('concurrent records go to the store in batches, in one order', async () => {
    const store = memoryStore();
    const log = new AuditLog(store, secret, publicKey, DEFAULT_AUDIT_OPTIONS);
    const entries = await Promise.all(Array.from({ length: 50 }, (_, i) => log.record({ action: 'auth.succeeded', actor: 'x', subject: String(i), details: {} })));
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(store.appends).toBeLessThan(50);
    expect((await log.verify()).ok).toBe(true);
  });

  it('tryRecord logs a lost entry instead of failing its caller', async () => {
    const store = memoryStore();
    store.append = () => Promise.reject(new StoreError('database down'));
    const warnings: unknown[] = [];
    const log = new AuditLog(store, secret, publicKey, DEFAULT_AUDIT_OPTIONS, { info() {}, warn: (m, f) => warnings.push({ m, f }) });
    await expect(log.record({ action: 'a.b', actor: 'x', subject: 'y', details: {} })).rejects.toThrow(/database down/);
    await log.tryRecord({ action: 'a.b', actor: 'x', subject: 'y', details: {} });
    expect(warnings).toEqual([{ m: 'audit entry not stored', f: { action: 'a.b', subject: 'y', reason: 'database down' } }]);
  });

  it('signature details carry a SHA-256 of the content, never the content', () => {
    const message = bytesToHex(new TextEncoder().encode('pay 100 to mallory'));
    const d = signatureDetails({ id: 'k1', version: 2, scheme: 'eddsa-ed25519' }, { message, path: 'm/0/1' });
    expect(d).toMatchObject({ keyId: 'k1', keyVersion: 2, path: 'm/0/1', contentSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(JSON.stringify(d)).not.toContain(message);
    const tx = signatureDetails({ id: 'k1', version: 1, scheme: 'ecdsa-secp256k1' }, { transaction: { chain: 'ethereum', input: { serialized: '0x02ef01' }, item: 0 } });
    expect(tx).toMatchObject({ chain: 'ethereum', item: 0 });
    expect(JSON.stringify(tx)).not.toContain('0x02ef01');
    expect(failureDetails(new ApiError('PROTOCOL_ABORTED', 'bad share', { culprits: [2] }))).toEqual({ code: 'PROTOCOL_ABORTED', message: 'bad share', retriable: true, culprits: [2] });
  });

  it('the sampler lets one event per name and window through, counting the rest', () => {
    const s = new AuditSampler(1000);
    expect(s.take('a', 0)).toBe(0);
    expect(s.take('a', 10)).toBeUndefined();
    expect(s.take('a', 999)).toBeUndefined();
    expect(s.take('b', 999)).toBe(0);
    expect(s.take('a', 1000)).toBe(2);
  });
});
