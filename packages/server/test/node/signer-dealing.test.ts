/**
 * Key material changes only after every party confirmed (DESIGN §2), at the level of three
 * SignerNodes on PGlite stores joined in memory: a node that confirmed but never saw the others'
 * confirmations keeps its pending share and its old version, and finishes from the certificate
 * that any other node holds — never from a certificate that does not confirm its own run; when
 * no certificate can exist (a party never confirmed), every node stays on its old version.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProtocolMessage, bytesToHex, generateIdentities, seededRng } from '@mpc-wallet/core';
import type { SignerNode } from '../../src/node/signer.js';
import type { RequestResult } from '../../src/session/request.js';
import { Vault } from '../../src/node/vault.js';
import { openNodeStore } from '../../src/stores/sql/open.js';
import type { NodeStore } from '../../src/stores/types.js';
import { type Body, MemoryNetwork, signed, signerNode } from './harness.js';

const ids = [1, 2, 3];
const identities = generateIdentities(ids, seededRng('signer-dealing'));

const stores: NodeStore[] = [];
const vaults: Vault[] = [];
let drop: (m: ProtocolMessage, to: number) => boolean = () => false;

function node(id: number, net: MemoryNetwork): SignerNode {
  return signerNode(id, stores[id - 1]!, identities.get(id)!, net, { vault: vaults[id - 1]!, protocolTimeoutMs: 1_500 }).node;
}

/** One signed request to the nodes `to`, which run its protocol together over one shared network. */
async function request(to: number[], body: Body): Promise<RequestResult[]> {
  const request = signed(body);
  const net = new MemoryNetwork((m, dest) => drop(m, dest));
  const nodes = to.map((id) => node(id, net));
  return Promise.all(nodes.map((n) => n.handle(request)));
}

const confirmationsTo3 = (m: ProtocolMessage, to: number) => m.round === 3 && to === 3;

beforeAll(async () => {
  for (const id of ids) {
    stores.push(await openNodeStore());
    vaults.push(new Vault(stores[id - 1]!, randomBytes(32), id));
  }
}, 120_000);

afterAll(async () => {
  for (const s of stores) await s.close();
});

describe('dealings at the signer node: pending shares, certificates, old versions', () => {
  const keyId = 'key-deal';
  let certificate = '';

  it('a node that confirmed but saw no other confirmation keeps only a pending share; the others finish', async () => {
    drop = confirmationsTo3;
    const results = await request(ids, { kind: 'keygen', keyId, scheme: 'eddsa-ed25519', threshold: 2, parties: ids });
    expect(results.map((r) => r.ok)).toEqual([true, true, false]);
    const third = results[2] as Extract<RequestResult, { ok: false }>;
    expect([third.error.code, third.error.waitingFor]).toEqual(['PROTOCOL_TIMEOUT', [1, 2]]);
    expect(await vaults[2]!.keyVersions(keyId)).toEqual([]);
    expect(await vaults[2]!.getPending(keyId, 1)).toBeDefined();
    certificate = (results[0] as Extract<RequestResult, { ok: true }>).output.certificate as string;
    expect((results[1] as Extract<RequestResult, { ok: true }>).output.certificate).toBe(certificate);
  });

  it('finishes from the certificate, and refuses one that does not confirm its own run', async () => {
    drop = () => false;
    const tampered = certificate.slice(0, -2) + (certificate.endsWith('00') ? '01' : '00');
    const [refused] = await request([3], { kind: 'complete', keyId, version: 1, certificate: tampered });
    expect(refused!.ok ? 'accepted' : refused!.error.code).toBe('REQUEST_NOT_ALLOWED');
    expect(await vaults[2]!.keyVersions(keyId)).toEqual([]);
    const [done] = await request([3], { kind: 'complete', keyId, version: 1, certificate });
    expect(done!.ok).toBe(true);
    expect(await vaults[2]!.keyVersions(keyId)).toEqual([1]);
    expect(await vaults[2]!.getPending(keyId, 1)).toBeUndefined();
    const keys = await Promise.all(vaults.map((v) => v.getKey(keyId, 1)));
    expect(new Set(keys.map((k) => bytesToHex(k!.share.publicKey.toBytes())))).toHaveProperty('size', 1);
  });

  it('a refresh the third node saw no end of: the others move to version 2, it follows from the certificate', async () => {
    drop = confirmationsTo3;
    const results = await request(ids, { kind: 'refresh', keyId, version: 1, parties: ids });
    expect(results.map((r) => r.ok)).toEqual([true, true, false]);
    expect(await vaults[0]!.keyVersions(keyId)).toEqual([2]);
    expect(await vaults[2]!.keyVersions(keyId)).toEqual([1]);
    drop = () => false;
    const cert = (results[0] as Extract<RequestResult, { ok: true }>).output.certificate as string;
    const [done] = await request([3], { kind: 'complete', keyId, version: 2, certificate: cert });
    expect(done!.ok).toBe(true);
    expect(await vaults[2]!.keyVersions(keyId)).toEqual([2]);
  });

  it('a party that never confirms: no certificate exists anywhere, so every node stays on its old version', async () => {
    // Node 3 never gets the echoes, so it never confirms; the others wait for its confirmation.
    drop = (m, to) => m.round === 2 && to === 3;
    const results = await request(ids, { kind: 'refresh', keyId, version: 2, parties: ids });
    expect(results.every((r) => !r.ok)).toBe(true);
    for (const v of vaults) expect(await v.keyVersions(keyId)).toEqual([2]);
    // and the key still signs with its version-2 shares
    drop = () => false;
    const signed = await request([1, 3], { kind: 'sign', keyId, version: 2, signers: [1, 3], message: '00ff' });
    expect(signed.map((r) => (r.ok ? "ok" : r.error.message))).toEqual(["ok", "ok"]);
  });
});
