/**
 * KeyService.reconcile settles a refresh recorded as started but not as ended, from what the
 * committee reports. Only a certificate that every member signed for exactly the recorded run
 * moves a key to the next version; a node's word alone never does.
 */
import { describe, expect, it } from 'vitest';
import { MemorySessionRegistry, bytesToHex, createDkg, generateIdentities, hexToBytes, seededRng, simulate } from '@mpc-wallet/core';
import { KeyService } from '../../src/coordinator/keys.js';
import type { Dispatcher } from '../../src/coordinator/dispatch.js';
import type { NodeHub } from '../../src/coordinator/node-hub.js';
import type { RequestResult } from '../../src/session/request.js';
import { MemorySessionStore, openMetadataStore, type KeyRecord } from '../../src/index.js';
import { encodePublicKey, reportPublicPackage } from '../../src/session/schemes.js';

const SESSION = 'ab'.repeat(32);
const now = new Date();
const key: KeyRecord = {
  id: 'k',
  scheme: 'eddsa-ed25519',
  threshold: 2,
  parties: [1, 2, 3],
  publicKey: 'cd'.repeat(32),
  status: 'active',
  label: null,
  version: 1,
  failure: null,
  certificate: 'ee',
  refreshSession: SESSION,
  createdAt: now,
  updatedAt: now,
};

/** A real dealing among the committee under `session`: its protocol and the certificate every member signed. */
const rng = seededRng('reconcile');
const identities = generateIdentities([1, 2, 3], rng);
function dealing(session: string) {
  const parties = [1, 2, 3].map((self) =>
    createDkg({ sessions: new MemorySessionRegistry(), curve: 'ed25519', session: hexToBytes(session), self, parties: [1, 2, 3], threshold: 2, identity: identities.get(self)!, rng }),
  );
  const certificate = simulate(parties, rng).outputs.get(1)!.certificate;
  return { protocol: parties[0]!.protocol, certificate: bytesToHex(certificate) };
}
const recorded = dealing(SESSION);
const otherRun = dealing('ef'.repeat(32));

/** A key service over a real metadata store whose committee answers `status` for each node (absent: no answer). */
async function service(status: (node: number) => Record<string, unknown> | undefined, record: KeyRecord = key) {
  const metadata = await openMetadataStore();
  await metadata.keys.insert(record);
  const asked: string[] = [];
  const completed: number[] = [];
  const dispatcher = {
    run: async (nodes: readonly number[], body: { kind: string }) => {
      if (body.kind === 'complete') completed.push(...nodes);
      return new Map();
    },
    runAll: async (nodes: readonly number[], body: { kind: string }) => {
      asked.push(body.kind);
      return nodes.flatMap((n): [number, RequestResult][] => {
        const output = status(n);
        return output ? [[n, { ok: true, output }]] : [[n, { ok: false, error: { code: 'NODE_TIMEOUT', message: 'no answer' } }]];
      });
    },
  } as unknown as Dispatcher;
  const hub = { isOnline: () => true } as unknown as NodeHub;
  const publicKeys = new Map([...identities].map(([id, identity]) => [id, identity.publicKeys.get(id)!] as const));
  const keys = new KeyService(metadata.keys, metadata.committees, new MemorySessionStore(), hub, dispatcher, undefined, undefined, undefined, publicKeys);
  return { keys, metadata, asked, completed };
}

const holdsNext = (over: Record<string, unknown>) => ({ versions: [2], pending: [], publicKey: key.publicKey, dealing: { version: 2, session: SESSION, ...recorded, ...over } });

describe('KeyService.reconcile', () => {
  it("a member holding the next version with the recorded run's certificate: the key moves on, and members that missed the end complete", async () => {
    const { keys, metadata, completed } = await service((n) => (n === 2 ? holdsNext({}) : n === 1 ? { versions: [1], pending: [2] } : { versions: [2], pending: [] }));
    await keys.reconcile();
    expect(await metadata.keys.get('k')).toMatchObject({ version: 2, certificate: recorded.certificate, refreshSession: null });
    expect(completed).toEqual([1]);
  });

  it('every member answering without the next version: the run never ended, the key stays and its record is cleared', async () => {
    const { keys, metadata, asked } = await service(() => ({ versions: [1], pending: [2], running: false }));
    await keys.reconcile();
    expect(asked).toEqual(['key-status']);
    expect(await metadata.keys.get('k')).toMatchObject({ version: 1, certificate: 'ee', refreshSession: null });
    expect(await metadata.keys.refreshing()).toEqual([]);
  });

  it('a member not answering: the question stays open', async () => {
    const { keys, metadata } = await service((n) => (n === 3 ? undefined : { versions: [1], pending: [], running: false }));
    await keys.reconcile();
    expect(await metadata.keys.get('k')).toMatchObject({ version: 1, refreshSession: SESSION });
  });

  it('a refresh while an earlier run is unsettled is refused as retriable, and no new run starts', async () => {
    const { keys, metadata, asked } = await service((n) => (n === 3 ? undefined : { versions: [1], pending: [], running: false }));
    await expect(keys.refresh('k')).rejects.toMatchObject({ code: 'NOT_ENOUGH_NODES' });
    expect(asked).toEqual(['key-status']);
    expect(await metadata.keys.get('k')).toMatchObject({ version: 1, refreshSession: SESSION });
  });

  it('a member still running the run: it may yet end, so the question stays open', async () => {
    const { keys, metadata } = await service((n) => ({ versions: [1], pending: [2], running: n === 3 }));
    await keys.reconcile();
    expect(await metadata.keys.get('k')).toMatchObject({ version: 1, refreshSession: SESSION });
  });

  for (const [what, status] of [
    ['a certificate that is not every member’s signed confirmation', holdsNext({ certificate: '00' })],
    ["another run's certificate", holdsNext({ certificate: otherRun.certificate })],
    ['a dealing of another run', holdsNext({ session: 'ef'.repeat(32), ...otherRun })],
    ['a dealing of another version', holdsNext({ version: 3 })],
    ['another public key', { ...holdsNext({}), publicKey: 'ff'.repeat(32) }],
    ['a malformed dealing', { ...holdsNext({}), dealing: { version: 2, session: SESSION, protocol: 7, certificate: 'zz' } }],
  ] as const) {
    it(`a node claiming the next version with ${what} moves nothing, and the question stays open`, async () => {
      const { keys, metadata } = await service((n) => (n === 2 ? status : { versions: [1], pending: [2], running: false }));
      await keys.reconcile();
      expect(await metadata.keys.get('k')).toMatchObject({ version: 1, certificate: 'ee', refreshSession: SESSION });
    });
  }
});

describe('KeyService.learnPublicPackage', () => {
  // A key made before public packages were kept: its members' shares from a real DKG.
  const parties = [1, 2, 3].map((self) =>
    createDkg({ sessions: new MemorySessionRegistry(), curve: 'ed25519', session: new Uint8Array(32).fill(9), self, parties: [1, 2, 3], threshold: 2, identity: identities.get(self)!, rng }),
  );
  const outputs = simulate(parties, rng).outputs;
  const share = (n: number) => outputs.get(n)!.share!;
  const old: KeyRecord = { ...key, publicKey: bytesToHex(encodePublicKey('eddsa-ed25519', share(1).publicKey)), refreshSession: null, publicPackage: null };
  const status = (n: number) => ({ versions: [1], pending: [], publicKey: old.publicKey, publicPackage: reportPublicPackage(share(n)) });

  it('learns the package when every member reports it alike for the current version, and asks at most once a minute', async () => {
    const { keys, metadata, asked } = await service(status, old);
    await keys.learnPublicPackage(old);
    expect((await metadata.keys.get('k'))!.publicPackage).toEqual(reportPublicPackage(share(1)));
    await keys.learnPublicPackage(old);
    expect(asked).toEqual(['key-status']);
  });

  it('learns the chain code with the package only when every member reports the same one', async () => {
    const code = (n: number) => ({ ...status(n), chainCode: 'c0'.repeat(32) });
    const agreed = await service(code, old);
    await agreed.keys.learnPublicPackage(old);
    expect((await agreed.metadata.keys.get('k'))!.chainCode).toBe('c0'.repeat(32));
    const split = await service((n: number) => (n === 2 ? { ...code(n), chainCode: 'c1'.repeat(32) } : code(n)), old);
    await split.keys.learnPublicPackage(old);
    const learned = (await split.metadata.keys.get('k'))!;
    expect(learned.publicPackage).toEqual(reportPublicPackage(share(1)));
    expect(learned.chainCode).toBeNull();
  });

  it('learns nothing when a member reports another package, another version, or does not answer', async () => {
    const other = reportPublicPackage(share(2));
    const forged = { ...other, verifyingShares: [other.verifyingShares[1]!, other.verifyingShares[0]!, other.verifyingShares[2]!] };
    for (const answer of [
      (n: number) => (n === 3 ? { ...status(n), publicPackage: forged } : status(n)),
      (n: number) => (n === 2 ? { ...status(n), versions: [1, 2] } : status(n)),
      (n: number) => (n === 1 ? undefined : status(n)),
    ]) {
      const { keys, metadata } = await service(answer, old);
      await keys.learnPublicPackage(old);
      expect((await metadata.keys.get('k'))!.publicPackage).toBeNull();
    }
  });
});
