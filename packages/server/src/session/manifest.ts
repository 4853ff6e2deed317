/**
 * The cluster manifest: who is who, by public key. Every node and the coordinator read the same
 * manifest; it is what pins peers (nodes trust each other's Noise and identity keys from here,
 * never from the coordinator) and the coordinator's keys. `mpc-wallet up` writes it for a local
 * cluster; for separate machines an operator assembles it from each process's public keys.
 */
import { join } from 'node:path';
import { hexToBytes } from '@mpc-wallet/core';
import { type ScryptSettings, copyProcessKeys, openProcessKeys } from '../sealing/node-keystore.js';

export interface ManifestNode {
  /** Party number, 1-based; also the node's protocol identifier. */
  id: number;
  name: string;
  noisePublicKey: string;
  identityPublicKey: string;
}

export interface ClusterManifest {
  version: 1;
  coordinator: { name: string; noisePublicKey: string; requestPublicKey: string };
  nodes: ManifestNode[];
}

const KEY = /^[0-9a-f]{64}$/;
const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export function parseManifest(text: string): ClusterManifest {
  const m = JSON.parse(text) as ClusterManifest;
  const bad = (why: string) => new RangeError(`cluster manifest: ${why}`);
  if (m?.version !== 1 || typeof m.coordinator !== 'object' || !Array.isArray(m.nodes)) throw bad('not a version 1 manifest');
  const c = m.coordinator;
  if (!NAME.test(c.name) || !KEY.test(c.noisePublicKey) || !KEY.test(c.requestPublicKey)) throw bad('bad coordinator entry');
  const ids = new Set<number>();
  const names = new Set<string>([c.name]);
  const keys = new Set<string>([c.noisePublicKey]);
  for (const n of m.nodes) {
    if (!Number.isInteger(n.id) || n.id < 1 || n.id > 0xffff || ids.has(n.id)) throw bad('node ids must be distinct positive integers');
    if (!NAME.test(n.name) || names.has(n.name)) throw bad('node names must be distinct');
    if (!KEY.test(n.noisePublicKey) || keys.has(n.noisePublicKey) || !KEY.test(n.identityPublicKey)) throw bad(`bad keys for node ${n.name}`);
    ids.add(n.id);
    names.add(n.name);
    keys.add(n.noisePublicKey);
  }
  return m;
}

/** Identity public keys by party number, for `PartyIdentity.publicKeys`. */
export function identityKeys(m: ClusterManifest): Map<number, Uint8Array> {
  return new Map(m.nodes.map((n) => [n.id, hexToBytes(n.identityPublicKey)] as const));
}

/** Noise pins of the nodes: hex static key → name. */
export function nodePins(m: ClusterManifest): Map<string, string> {
  return new Map(m.nodes.map((n) => [n.noisePublicKey, n.name] as const));
}

/**
 * The manifest of a cluster whose data folders share one home: `coordinator/` and `node-1/` …
 * `node-N/` (the layout of `mpc-wallet up`). Opening each folder makes its keys on first use.
 */
export async function manifestOfHome(home: string, nodeCount: number, passphrase: string, scrypt?: ScryptSettings): Promise<ClusterManifest> {
  const coordinator = await openProcessKeys(coordinatorInstanceHome(home, 0), passphrase, scrypt);
  const nodes: ManifestNode[] = [];
  for (let id = 1; id <= nodeCount; id++) {
    const keys = await openProcessKeys(join(home, `node-${id}`), passphrase, scrypt);
    nodes.push({ id, name: `node-${id}`, noisePublicKey: keys.noisePublicKey, identityPublicKey: keys.signingPublicKey });
  }
  return { version: 1, coordinator: { name: 'coordinator', noisePublicKey: coordinator.noisePublicKey, requestPublicKey: coordinator.signingPublicKey }, nodes };
}

/** The data folder of coordinator instance `i` in such a home: `coordinator/` (0, whose keys the manifest lists), then `coordinator-2/` … */
export function coordinatorInstanceHome(home: string, i: number): string {
  return join(home, i === 0 ? 'coordinator' : `coordinator-${i + 1}`);
}

/** Gives instances 1 … `instances` − 1 of a home the coordinator's keys (instance 0's, copied as sealed). */
export async function copyCoordinatorKeys(home: string, instances: number): Promise<void> {
  for (let i = 1; i < instances; i++) await copyProcessKeys(coordinatorInstanceHome(home, 0), coordinatorInstanceHome(home, i));
}

/** Node `id`'s list of the coordinator instances' addresses: from instance (id − 1) mod n on, so that the nodes spread over the instances. */
export function spreadAddresses(addresses: readonly string[], id: number): string[] {
  const first = (id - 1) % addresses.length;
  return [...addresses.slice(first), ...addresses.slice(0, first)];
}
