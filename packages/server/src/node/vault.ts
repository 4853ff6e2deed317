/**
 * The node's secrets at rest: every record is sealed before it reaches the store, bound to what
 * it is (kind, owner, node, version) so that a record cannot be swapped for another one, moved to
 * another key or node, or rolled back to another version without failing to open.
 */
import { type AuxInfo, CHAIN_CODE_LENGTH, type KeyShare, Reader, Writer, decodeAuxInfo, decodeKeyShare, encodeAuxInfo, encodeKeyShare, utf8 } from '@mpc-wallet/core';
import type { NodeStore, RecordKind } from '../stores/types.js';
import { openRecord, sealRecord } from '../sealing/record.js';
import { SCHEMES, type Scheme } from '../session/request.js';

/** The dealing that made a share (all public): its run, and the certificate every receiver signed. */
export interface DealingRecord {
  protocol: string;
  session: Uint8Array;
  certificate: Uint8Array;
}

export interface StoredKey {
  scheme: Scheme;
  share: KeyShare;
  /**
   * The chain code agreed at key generation (non-hardened derivation); kept through refreshes.
   * Absent for keys made before derivation existed: they sign only as themselves.
   */
  chainCode?: Uint8Array;
  /** Kept with a confirmed share, so that a coordinator that lost the dealing's end can learn it. */
  dealing?: DealingRecord;
}

/** Set in the scheme byte when the dealing record follows it. */
const WITH_DEALING = 0x80;
/** Set in the scheme byte when the chain code follows it (before the dealing record). */
const WITH_CHAIN_CODE = 0x40;
const MAX_CERTIFICATE_BYTES = 1 << 16;

function encodeKey(k: StoredKey): Uint8Array {
  const w = new Writer().u8(SCHEMES.indexOf(k.scheme) | (k.dealing ? WITH_DEALING : 0) | (k.chainCode ? WITH_CHAIN_CODE : 0));
  if (k.chainCode) w.bytes(k.chainCode);
  if (k.dealing) w.varBytes(utf8(k.dealing.protocol)).varBytes(k.dealing.session).varBytes(k.dealing.certificate);
  return w.bytes(encodeKeyShare(k.share)).finish();
}

function decodeKey(bytes: Uint8Array): StoredKey {
  const first = bytes[0] ?? 0xff;
  const scheme = SCHEMES[first & ~(WITH_DEALING | WITH_CHAIN_CODE)];
  if (!scheme) throw new RangeError('stored key has an unknown scheme');
  const r = new Reader(bytes.subarray(1));
  const chainCode = first & WITH_CHAIN_CODE ? r.bytes(CHAIN_CODE_LENGTH) : undefined;
  let dealing: DealingRecord | undefined;
  if (first & WITH_DEALING) {
    const protocol = new TextDecoder('utf-8', { fatal: true }).decode(r.varBytes(255));
    const session = r.varBytes(64);
    dealing = { protocol, session, certificate: r.varBytes(MAX_CERTIFICATE_BYTES) };
  }
  return { scheme, share: decodeKeyShare(r.bytes(r.remaining)), ...(chainCode ? { chainCode } : {}), ...(dealing ? { dealing } : {}) };
}

/**
 * A dealing's new share before its certificate is held, with what is needed to check a
 * certificate relayed after a crash: the run (protocol, session) and this node's confirmation.
 */
export interface PendingKey extends StoredKey {
  protocol: string;
  session: Uint8Array;
  confirmation: Uint8Array;
}

function encodePending(p: PendingKey): Uint8Array {
  return new Writer().varBytes(utf8(p.protocol)).varBytes(p.session).varBytes(p.confirmation).varBytes(encodeKey(p)).finish();
}

function decodePending(bytes: Uint8Array): PendingKey {
  const r = new Reader(bytes);
  const protocol = new TextDecoder('utf-8', { fatal: true }).decode(r.varBytes(255));
  const session = r.varBytes(64);
  const confirmation = r.varBytes(256);
  const key = decodeKey(r.varBytes(bytes.length));
  r.end();
  return { ...key, protocol, session, confirmation };
}

/** The owner name of a committee's auxiliary information: the node derives it, nobody names it. */
export function committeeOf(parties: readonly number[]): string {
  return `committee-${parties.join('-')}`;
}

/** Decoded key shares kept in memory: unsealing and decoding (point checks) cost more than signing. */
const KEY_CACHE_SIZE = 4096;

export class Vault {
  private readonly keyCache = new Map<string, StoredKey>();

  constructor(
    private readonly store: NodeStore,
    /** The record master key (`sealer.deriveKey(RECORD_KEY_LABEL)`). */
    private readonly master: Uint8Array,
    private readonly nodeId: number,
  ) {}

  private async put(kind: RecordKind, owner: string, version: string, plaintext: Uint8Array): Promise<void> {
    await this.store.records.put({ kind, owner, version, sealed: sealRecord(this.master, { kind, owner, nodeId: this.nodeId, version }, plaintext) });
  }

  private async get(kind: RecordKind, owner: string, version: string): Promise<Uint8Array | undefined> {
    const record = await this.store.records.get(kind, owner, version);
    return record && openRecord(this.master, { kind, owner, nodeId: this.nodeId, version }, record.sealed);
  }

  async putKey(keyId: string, version: number, key: StoredKey): Promise<void> {
    await this.put('key-share', keyId, String(version), encodeKey(key));
    this.remember(`${keyId}/${version}`, key);
  }

  async getKey(keyId: string, version: number): Promise<StoredKey | undefined> {
    const id = `${keyId}/${version}`;
    const cached = this.keyCache.get(id);
    if (cached) return cached;
    const bytes = await this.get('key-share', keyId, String(version));
    const key = bytes && decodeKey(bytes);
    if (key) this.remember(id, key);
    return key;
  }

  private remember(id: string, key: StoredKey): void {
    if (this.keyCache.size >= KEY_CACHE_SIZE) this.keyCache.delete(this.keyCache.keys().next().value!);
    this.keyCache.set(id, key);
  }

  /** Versions of a key this node holds, ascending. */
  keyVersions(keyId: string): Promise<number[]> {
    return this.versions('key-share', keyId);
  }

  private async versions(kind: 'key-share' | 'pending-share', keyId: string): Promise<number[]> {
    return (await this.store.records.list(kind, keyId)).map((r) => Number(r.version)).sort((a, b) => a - b);
  }

  async deleteKey(keyId: string, version: number): Promise<void> {
    this.keyCache.delete(`${keyId}/${version}`);
    await this.store.records.delete('key-share', keyId, String(version));
  }

  /** A dealing's new share, stored before this node confirms it holds it. */
  async putPending(keyId: string, version: number, pending: PendingKey): Promise<void> {
    await this.put('pending-share', keyId, String(version), encodePending(pending));
  }

  async getPending(keyId: string, version: number): Promise<PendingKey | undefined> {
    const bytes = await this.get('pending-share', keyId, String(version));
    return bytes && decodePending(bytes);
  }

  /** Every pending share this node holds, as (key, version). */
  async pendingList(): Promise<{ keyId: string; version: number }[]> {
    const out: { keyId: string; version: number }[] = [];
    for (const keyId of await this.store.records.owners('pending-share')) {
      for (const r of await this.store.records.list('pending-share', keyId)) out.push({ keyId, version: Number(r.version) });
    }
    return out;
  }

  /** Versions of a key with a pending share here, ascending. */
  pendingVersions(keyId: string): Promise<number[]> {
    return this.versions('pending-share', keyId);
  }

  async deletePending(keyId: string, version: number): Promise<void> {
    await this.store.records.delete('pending-share', keyId, String(version));
  }

  async putAux(parties: readonly number[], aux: AuxInfo): Promise<void> {
    await this.put('aux-info', committeeOf(parties), '1', encodeAuxInfo(aux));
  }

  async getAux(parties: readonly number[]): Promise<AuxInfo | undefined> {
    const bytes = await this.get('aux-info', committeeOf(parties), '1');
    return bytes && decodeAuxInfo(bytes);
  }

  /**
   * Stores single-use items (nonce pairs under their commitment ids, a presignature share under
   * its sub-session) of a key version, in one statement. Durable when the promise resolves; an
   * item id added twice is refused by the store, never replaced.
   */
  async addItems(kind: ItemKind, keyId: string, version: number, items: readonly { id: string; plaintext: Uint8Array }[]): Promise<void> {
    const owner = itemOwner(keyId, version);
    await this.store.consumables.add(items.map(({ id, plaintext }) => ({ kind, owner, version: id, sealed: sealRecord(this.master, { kind, owner, nodeId: this.nodeId, version: id }, plaintext) })));
  }

  /**
   * Consumes an item: deleted from the store (durably, in one statement) before its contents are
   * returned, so nothing computed from it can leave before it is gone. Undefined when absent.
   */
  async takeItem(kind: ItemKind, keyId: string, version: number, itemId: string): Promise<Uint8Array | undefined> {
    const owner = itemOwner(keyId, version);
    const record = await this.store.consumables.take(kind, owner, itemId);
    return record && openRecord(this.master, { kind, owner, nodeId: this.nodeId, version: itemId }, record.sealed);
  }

  /** Drops every pooled item of every key (no pool lists them any more); returns how many. */
  async clearAllItems(): Promise<number> {
    return (await this.store.consumables.clearKind('nonces')) + (await this.store.consumables.clearKind('presignature'));
  }

  /** Drops every pooled item of a key version (a refresh made them useless); returns how many. */
  async clearItems(keyId: string, version: number): Promise<number> {
    const owner = itemOwner(keyId, version);
    return (await this.store.consumables.clear('nonces', owner)) + (await this.store.consumables.clear('presignature', owner));
  }
}

/** The single-use record kinds. */
export type ItemKind = Extract<RecordKind, 'nonces' | 'presignature'>;

/** Pooled items belong to a key version: a refresh leaves the old version's items useless. */
function itemOwner(keyId: string, version: number): string {
  return `${keyId}/${version}`;
}
