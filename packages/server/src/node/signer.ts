/**
 * The signer node's request handling: every request the coordinator relays is checked here
 * before anything is computed — the coordinator's signature, freshness, that this node is one
 * of the parties, that it holds the key version named — and its session id is claimed durably in
 * the node's own store, so that no protocol ever runs twice under one id (DESIGN §2, §5). What the
 * node signs it computes itself from the request: it hashes ECDSA messages, and a raw digest is
 * signed only with a presignature made for it within the same request (CVE-2025-66017).
 *
 * Pools: the node makes FROST nonce pairs and CGGMP presignature shares ahead of time and keeps
 * each sealed in its store as a single-use item of its key version. A pooled signature takes its
 * item out of the store (DELETE … RETURNING) before computing anything, so after a crash the item
 * is gone, never used twice. A pooled presignature signs only a digest this node computes from the
 * message: its R was known before any digest was fixed.
 *
 * Key material changes only after the dealing's confirmation round: the new share is stored as
 * pending before this node confirms it, and becomes the key's share (the old one deleted) only
 * once the output, which carries every receiver's confirmation, is held.
 */
import {
  AuxInfoProtocol,
  Dealing,
  EcdsaSignProtocol,
  EcdsaSignRawDigest,
  FrostSign,
  type KeyShare,
  type PartyIdentity,
  PresignProtocol,
  type Protocol,
  ProtocolAbort,
  type SignatureShare,
  signPooledShare,
  type Rng,
  type SecurityLevel,
  type SessionRegistry,
  DecodeError,
  POOL_EPOCH_LENGTH,
  type SignedCommitment,
  bytesToHex,
  commitForPool,
  commitmentId,
  concatBytes,
  createDkg,
  decodePresignature,
  decodeSignedCommitment,
  decodeSigningNonces,
  encodePresignature,
  encodeSignedCommitment,
  encodeSigningNonces,
  signCommitment,
  u32be,
  createRefresh,
  equalBytes,
  openDealingCertificate,
  frostSigningKey,
  type FrostSigningKey,
  hexToBytes,
  DerivationError,
  deriveKeyShare,
  type EcdsaMessageHash,
} from '@mpc-wallet/core';
import { ChainInputError } from '@mpc-wallet/chains';
import { AsyncLocalStorage } from 'node:async_hooks';
import { sha256 } from '@noble/hashes/sha2.js';
import type { NodeStore, PublicPackage } from '../stores/types.js';
import { isUnavailable } from '../stores/errors.js';
import { RequestRefused, type RequestResult, type SessionRequest, type ShareItem, openRequest } from '../session/request.js';
import { SessionAborted, SessionTimeout, type ProtocolTransport, runProtocol } from '../session/runner.js';
import { curveOf, encodePublicKey, frostSuiteOf, keygenChainCode, reportPublicPackage, signedDigest } from '../session/schemes.js';
import { type ItemTarget, NoChainCode, itemTarget, keyAlong, prepareForKey } from '../session/chain-signing.js';
import { StageTimes } from '../session/timing.js';
import type { SafePrimePool } from './prime-pool.js';
import type { StoredKey, Vault } from './vault.js';
import { type Logger, silentLogger } from '../log.js';

export interface SignerNodeConfig {
  /** This node's party number. */
  self: number;
  identity: PartyIdentity;
  /** The coordinator's Ed25519 request key (from the cluster manifest). */
  coordinatorKey: Uint8Array;
  store: NodeStore;
  vault: Vault;
  /** Protocol messages to the participants of one session. */
  transport: (participants: readonly number[]) => ProtocolTransport;
  primes: SafePrimePool;
  level: SecurityLevel;
  rng: Rng;
  /** How long one protocol may wait for its peers. */
  protocolTimeoutMs: number;
  /**
   * The same for auxiliary information, which waits for every party's safe primes: a peer whose
   * pool was empty starts minutes late (DESIGN §11).
   */
  auxTimeoutMs: number;
  logger?: Logger;
  now?: () => number;
}

/** The request being handled: its cancellation signal and stage times, for every protocol it runs. */
const requestContext = new AsyncLocalStorage<{ signal: AbortSignal | undefined; times: StageTimes; progress: ProgressReport | undefined }>();

/** Where a node reports the rounds of a request's protocols as it sends them (the coordinator's progress events). */
export type ProgressReport = (step: { protocol: string; round: number }) => void;

/** Times a store operation of the request being handled. */
function stored<T>(op: Promise<T>): Promise<T> {
  const times = requestContext.getStore()?.times;
  return times ? times.measure('store', () => op) : op;
}

/**
 * A registry that lets a protocol start only under a session id this node has claimed durably
 * first (`reserve`): the store's uniqueness rule is what makes the claim single, the protocol's own
 * `claim` call then consumes the reservation.
 */
class DurableSessions implements SessionRegistry {
  private readonly reserved = new Set<string>();
  constructor(private readonly store: NodeStore) {}

  async reserve(p: Protocol<unknown>): Promise<void> {
    if (!(await this.store.sessions.claim(p.protocol, p.session))) throw new RequestRefused('SESSION_REUSED', `session id already used for ${p.protocol}`);
    this.reserved.add(`${p.protocol}/${bytesToHex(p.session)}`);
  }

  claim(protocol: string, session: Uint8Array): boolean {
    return this.reserved.delete(`${protocol}/${bytesToHex(session)}`);
  }
}

export class SignerNode {
  private readonly sessions: DurableSessions;
  private readonly logger: Logger;
  private readonly now: () => number;
  /** Sessions of the requests this node is working on (a refresh's outcome is open while it runs). */
  private readonly live = new Set<string>();

  constructor(private readonly cfg: SignerNodeConfig) {
    this.sessions = new DurableSessions(cfg.store);
    this.logger = cfg.logger ?? silentLogger;
    this.now = cfg.now ?? Date.now;
  }

  /** Handles one signed request; never throws: every failure is a result naming its cause. */
  async handle(signed: unknown, signal?: AbortSignal, progress?: ProgressReport): Promise<RequestResult> {
    let request: SessionRequest | undefined;
    try {
      const times = new StageTimes();
      const opened = performance.now();
      request = openRequest(signed, this.cfg.coordinatorKey, this.now());
      times.add('check', performance.now() - opened);
      const r = request;
      this.live.add(r.session);
      const output = await requestContext.run({ signal, times, progress }, () => this.dispatch(r)).finally(() => this.live.delete(r.session));
      // Where this node's time went, for the coordinator's breakdown of a signature.
      times.add('total', performance.now() - opened);
      return { ok: true, output: r.kind === 'sign' || r.kind === 'sign-shares' ? { ...output, timing: times.toJSON() } : output };
    } catch (e) {
      const error = describeFailure(e, this.cfg.self);
      this.logger.warn('request failed', { request: request?.id, kind: request?.kind, code: error.code, culprits: error.culprits, waitingFor: error.waitingFor });
      return { ok: false, error };
    }
  }

  private dispatch(r: SessionRequest): Promise<Record<string, unknown>> {
    if (r.kind === 'complete') return this.complete(r);
    if (r.kind === 'key-status') return this.keyStatus(r);
    if (r.kind === 'drop-items') return this.dropItems();
    // A node makes nonces for a key it holds a share of (loadKey checks): no party list to be in.
    if (r.kind === 'nonces') return this.nonces(r);
    const parties = r.kind === 'sign' || r.kind === 'sign-shares' || r.kind === 'presign' ? r.signers : r.parties;
    if (!parties.includes(this.cfg.self)) throw new RequestRefused('REQUEST_NOT_ALLOWED', 'this node is not a party of the request');
    switch (r.kind) {
      case 'keygen':
        return this.keygen(r);
      case 'refresh':
        return this.refresh(r);
      case 'aux':
        return this.aux(r);
      case 'sign':
        return this.sign(r);
      case 'sign-shares':
        return this.signShares(r);
      case 'presign':
        return this.presign(r);
    }
  }

  /** Runs one protocol instance after claiming its session id durably. */
  private async run<T>(p: Protocol<T>, participants: readonly number[], beforeRelease?: (p: Protocol<T>) => Promise<void>, timeoutMs = this.cfg.protocolTimeoutMs): Promise<T> {
    await stored(this.sessions.reserve(p));
    const context = requestContext.getStore();
    const running = () =>
      runProtocol(p, this.cfg.transport(participants), {
        timeoutMs,
        ...(context?.signal ? { signal: context.signal } : {}),
        ...(beforeRelease ? { beforeRelease: (proto: Protocol<T>) => beforeRelease(proto) } : {}),
        ...(context ? { onStep: (ms: number) => context.times.add('compute', ms) } : {}),
        ...(context?.progress ? { onRound: (round: number) => context.progress!({ protocol: p.protocol, round }) } : {}),
      });
    return context ? context.times.measure('protocol', running) : running();
  }

  /**
   * Runs a dealing, storing the new share as pending before the confirmation leaves, and makes it
   * the key's share at `version` once the output (with every confirmation) is held.
   */
  private async deal(
    dealing: Dealing,
    parties: readonly number[],
    keyId: string,
    scheme: StoredKey['scheme'],
    version: number,
    /** The new share's chain code: a key generation's own, a refresh's the old share's. */
    chainCodeOf: (share: KeyShare) => Uint8Array | undefined,
  ): Promise<{ key: StoredKey; certificate: Uint8Array }> {
    let pendingStored = false;
    const out = await this.run(dealing, parties, async () => {
      const share = dealing.pendingShare;
      const confirmation = dealing.pendingConfirmation;
      if (share && confirmation && !pendingStored) {
        await this.cfg.vault.putPending(keyId, version, { ...withChainCode(scheme, share, chainCodeOf(share)), protocol: dealing.protocol, session: dealing.session, confirmation });
        pendingStored = true;
      }
    });
    if (!out.share) throw new Error('dealing gave this receiver no share');
    const key: StoredKey = { ...withChainCode(scheme, out.share, chainCodeOf(out.share)), dealing: { protocol: dealing.protocol, session: dealing.session, certificate: out.certificate } };
    await this.promote(keyId, version, key);
    return { key, certificate: out.certificate };
  }

  /**
   * Makes a confirmed share the key's share at `version`; every older version goes (DESIGN §2),
   * with its pooled nonces and presignatures, which only the old shares could sign with.
   */
  private async promote(keyId: string, version: number, key: StoredKey): Promise<void> {
    await this.cfg.vault.putKey(keyId, version, key);
    await this.cfg.vault.deletePending(keyId, version);
    for (const old of await this.cfg.vault.keyVersions(keyId)) {
      if (old >= version) continue;
      await this.cfg.vault.deleteKey(keyId, old);
      const dropped = await this.cfg.vault.clearItems(keyId, old);
      if (dropped) this.logger.info('pooled items of an old key version dropped', { key: keyId, version: old, items: dropped });
    }
  }

  /** Finishes a dealing from a relayed certificate, checked against this node's own confirmation. */
  private async complete(r: Extract<SessionRequest, { kind: 'complete' }>): Promise<Record<string, unknown>> {
    const held = await this.cfg.vault.getKey(r.keyId, r.version);
    if (held) return { ...publicFacts(held), version: r.version };
    const pending = await this.cfg.vault.getPending(r.keyId, r.version);
    if (!pending) throw new RequestRefused('REQUEST_NOT_ALLOWED', `no pending share of key ${r.keyId} at version ${r.version}`);
    const confirmed = openDealingCertificate(this.cfg.identity, { protocol: pending.protocol, session: pending.session, receivers: pending.share.parties }, hexToBytes(r.certificate));
    if (!confirmed || !equalBytes(confirmed, pending.confirmation)) throw new RequestRefused('REQUEST_NOT_ALLOWED', 'the certificate does not confirm this node\'s pending share');
    const key: StoredKey = { ...withChainCode(pending.scheme, pending.share, pending.chainCode), dealing: { protocol: pending.protocol, session: pending.session, certificate: hexToBytes(r.certificate) } };
    await this.promote(r.keyId, r.version, key);
    return { ...publicFacts(key), version: r.version };
  }

  /**
   * Public facts about a key here: share and pending versions, the latest share's public key,
   * public package and dealing, and whether the run `r.run` is still in progress on this node.
   */
  private async keyStatus(r: Extract<SessionRequest, { kind: 'key-status' }>): Promise<Record<string, unknown>> {
    const versions = await this.cfg.vault.keyVersions(r.keyId);
    const pending = await this.cfg.vault.pendingVersions(r.keyId);
    const latest = versions.at(-1);
    const held = latest === undefined ? undefined : await this.cfg.vault.getKey(r.keyId, latest);
    const dealing = held?.dealing;
    return {
      versions,
      pending,
      running: this.live.has(r.run),
      ...(held ? publicFacts(held) : {}),
      ...(dealing ? { dealing: { version: latest, protocol: dealing.protocol, session: bytesToHex(dealing.session), certificate: bytesToHex(dealing.certificate) } } : {}),
    };
  }

  /** Drops every pooled item: the coordinator that listed them forgot them. */
  private async dropItems(): Promise<Record<string, unknown>> {
    const dropped = await this.cfg.vault.clearAllItems();
    if (dropped) this.logger.info('pooled items no pool lists any more dropped', { items: dropped });
    return { dropped };
  }

  private async keygen(r: Extract<SessionRequest, { kind: 'keygen' }>): Promise<Record<string, unknown>> {
    if ((await this.cfg.vault.keyVersions(r.keyId)).length) throw new RequestRefused('REQUEST_NOT_ALLOWED', 'key id already in use');
    const dealing = createDkg({
      curve: curveOf(r.scheme),
      session: hexToBytes(r.session),
      self: this.cfg.self,
      parties: r.parties,
      threshold: r.threshold,
      identity: this.cfg.identity,
      sessions: this.sessions,
      rng: this.cfg.rng,
    });
    const session = hexToBytes(r.session);
    const { key, certificate } = await this.deal(dealing, r.parties, r.keyId, r.scheme, 1, (share) => keygenChainCode(session, r.scheme, share.publicKey));
    return { ...publicFacts(key), version: 1, certificate: bytesToHex(certificate) };
  }

  private async loadKey(keyId: string, version: number): Promise<StoredKey> {
    const key = await this.cfg.vault.getKey(keyId, version);
    if (!key) throw new RequestRefused('REQUEST_NOT_ALLOWED', `this node holds no share of key ${keyId} at version ${version}`);
    return key;
  }

  private async refresh(r: Extract<SessionRequest, { kind: 'refresh' }>): Promise<Record<string, unknown>> {
    const key = await this.loadKey(r.keyId, r.version);
    if (key.share.parties.join() !== r.parties.join()) throw new RequestRefused('REQUEST_NOT_ALLOWED', 'a refresh must include the whole committee');
    const dealing = createRefresh({ share: key.share, session: hexToBytes(r.session), identity: this.cfg.identity, sessions: this.sessions, rng: this.cfg.rng });
    // Every receiver confirmed holding its new share once this returns: the old one is gone then.
    const { key: refreshed, certificate } = await this.deal(dealing, r.parties, r.keyId, key.scheme, r.version + 1, () => key.chainCode);
    return { ...publicFacts(refreshed), version: r.version + 1, certificate: bytesToHex(certificate) };
  }

  private async aux(r: Extract<SessionRequest, { kind: 'aux' }>): Promise<Record<string, unknown>> {
    const primes = await this.cfg.primes.pair();
    const p = new AuxInfoProtocol({
      session: hexToBytes(r.session),
      self: this.cfg.self,
      parties: r.parties,
      identity: this.cfg.identity,
      sessions: this.sessions,
      level: this.cfg.level,
      primes,
      rng: this.cfg.rng,
    });
    const aux = await this.run(p, r.parties, undefined, this.cfg.auxTimeoutMs);
    await this.cfg.vault.putAux(r.parties, aux);
    return { parties: r.parties };
  }

  private checkQuorum(share: KeyShare, signers: readonly number[]): void {
    if (signers.length < share.threshold || signers.some((s) => !share.parties.includes(s))) throw new RequestRefused('REQUEST_NOT_ALLOWED', 'signers are not a quorum of the key');
  }

  /**
   * Makes `count` FROST nonce pairs for the pool. The pairs are stored sealed under their
   * commitment ids (one statement) before any commitment leaves; the commitments are signed for
   * slots of a fresh random epoch (sequence 0..count-1), so no slot is ever signed twice.
   */
  private async nonces(r: Extract<SessionRequest, { kind: 'nonces' }>): Promise<Record<string, unknown>> {
    const { share, scheme } = await this.loadKey(r.keyId, r.version);
    const suite = frostSuiteOf(scheme);
    if (!suite) throw new RequestRefused('REQUEST_NOT_ALLOWED', `${scheme} keys use presignatures, not nonces`);
    if (!(await this.cfg.store.sessions.claim('frost-nonces', hexToBytes(r.session)))) throw new RequestRefused('SESSION_REUSED', 'session id already used for frost-nonces');
    const key = frostSigningKey(suite, share);
    const epoch = this.cfg.rng(POOL_EPOCH_LENGTH);
    const made = Array.from({ length: r.count }, () => commitForPool(key, this.cfg.rng));
    await this.cfg.vault.addItems('nonces', r.keyId, r.version, made.map((nonces) => ({ id: commitmentId(suite, nonces.commitment), plaintext: encodeSigningNonces(suite, nonces) })));
    const signed = made.map((nonces, sequence) => signCommitment(key, this.cfg.identity, epoch, sequence, nonces.commitment, nonces.preimages));
    return { commitments: signed.map((sc) => bytesToHex(encodeSignedCommitment(suite, sc))) };
  }

  /**
   * Runs `count` presignings with the other signers, one after another, each under its own
   * sub-session (claimed durably like any session), and stores each share sealed under the
   * sub-session's hex before answering with the ids.
   */
  private async presign(r: Extract<SessionRequest, { kind: 'presign' }>): Promise<Record<string, unknown>> {
    const { share, scheme } = await this.loadKey(r.keyId, r.version);
    if (scheme !== 'ecdsa-secp256k1') throw new RequestRefused('REQUEST_NOT_ALLOWED', `${scheme} keys use nonces, not presignatures`);
    this.checkQuorum(share, r.signers);
    const aux = await this.cfg.vault.getAux(share.parties);
    if (!aux) throw new RequestRefused('REQUEST_NOT_ALLOWED', 'no auxiliary information for this committee yet');
    const session = hexToBytes(r.session);
    const ids: string[] = [];
    for (let i = 0; i < r.count; i++) {
      const sub = sha256(concatBytes(session, u32be(i)));
      const p = new PresignProtocol({ key: share, aux, signers: r.signers, session: sub, identity: this.cfg.identity, sessions: this.sessions, rng: this.cfg.rng });
      const presignature = await this.run(p, r.signers);
      const id = bytesToHex(sub);
      await this.cfg.vault.addItems('presignature', r.keyId, r.version, [{ id, plaintext: encodePresignature(presignature) }]);
      ids.push(id);
    }
    return { presignatures: ids };
  }

  /**
   * This signer's pooled nonces, taken out of the store: the commitments must be one per signer in
   * ascending order; its own must be one it stored for this key version. Their signatures and the
   * others' subgroup membership are FrostSign's to check (a forged one names nobody but whoever
   * handed it out; a validly signed point outside the group names its signer). Its own commitment
   * is the one recomputed from the stored nonces: already known to be in the group.
   */
  private async takeNonces(r: Pick<Extract<SessionRequest, { kind: 'sign' }>, 'keyId' | 'version' | 'signers' | 'commitments'>, suite: NonNullable<ReturnType<typeof frostSuiteOf>>) {
    let commitments: SignedCommitment[];
    try {
      commitments = r.commitments!.map((c) => decodeSignedCommitment(suite, hexToBytes(c), { checkSubgroup: false }));
    } catch (e) {
      if (e instanceof DecodeError || e instanceof RangeError) throw new RequestRefused('MALFORMED_REQUEST', `a pooled commitment does not decode: ${e.message}`);
      throw e;
    }
    if (commitments.some((sc, i) => sc.commitment.identifier !== BigInt(r.signers[i]!))) throw new RequestRefused('MALFORMED_REQUEST', 'pooled commitments must be one per signer, in signer order');
    const index = r.signers.indexOf(this.cfg.self);
    const own = commitments[index]!;
    const id = commitmentId(suite, own.commitment);
    const bytes = await stored(this.cfg.vault.takeItem('nonces', r.keyId, r.version, id));
    if (!bytes) throw new RequestRefused('POOL_ITEM_GONE', 'this node holds no unused nonces for that commitment');
    const nonces = decodeSigningNonces(suite, bytes);
    // The record sits under its commitment's id; a mismatch would mean a corrupted store.
    if (commitmentId(suite, nonces.commitment) !== id) throw new Error('stored nonces do not match their commitment');
    commitments[index] = { ...own, commitment: nonces.commitment };
    return { commitments, nonces };
  }

  /** This signer's pooled presignature, taken out of the store, checked against the request and key. */
  private async takePresignature(r: Extract<SessionRequest, { kind: 'sign' }>, share: KeyShare) {
    const bytes = await stored(this.cfg.vault.takeItem('presignature', r.keyId, r.version, r.presignature!));
    if (!bytes) throw new RequestRefused('POOL_ITEM_GONE', 'this node holds no unused presignature with that id');
    const presignature = decodePresignature(bytes);
    const { pub } = presignature;
    if (pub.signers.join() !== r.signers.join()) throw new RequestRefused('REQUEST_NOT_ALLOWED', "the presignature's signers are not the request's");
    if (!pub.publicKey.equals(share.publicKey) || presignature.self !== this.cfg.self) throw new RequestRefused('REQUEST_NOT_ALLOWED', "the presignature is not of this node's share of the key");
    if (pub.boundDigest) throw new RequestRefused('REQUEST_NOT_ALLOWED', 'a presignature bound to a digest is not a pooled one');
    return presignature;
  }

  /**
   * What this node signs for a request, computed here: the share (derived along the request's
   * path from this node's own chain code) and the bytes — the request's message or digest, or the
   * signing item of a transaction this node parsed and checked itself.
   */
  private whatToSign(r: Extract<SessionRequest, { kind: 'sign' }>, key: StoredKey): SigningWork {
    let derived;
    try {
      derived = keyAlong(key.scheme, key.share.publicKey, key.chainCode, r.path);
    } catch (e) {
      if (e instanceof NoChainCode) throw new RequestRefused('REQUEST_NOT_ALLOWED', e.message);
      if (e instanceof DerivationError) throw new RequestRefused('MALFORMED_REQUEST', e.message);
      throw e;
    }
    const share = derived.tweak === 0n ? key.share : deriveKeyShare(key.share, { curve: key.share.curve, ...derived });
    if (!r.transaction) {
      const input = { ...(r.message !== undefined ? { message: hexToBytes(r.message) } : {}), ...(r.hash ? { hash: r.hash } : {}), ...(r.digest ? { digest: hexToBytes(r.digest) } : {}) };
      return { share, tweak: derived.tweak, input };
    }
    let target: ItemTarget;
    try {
      const { prepared } = prepareForKey(key.scheme, share.publicKey, r.transaction);
      const item = prepared.items[r.transaction.item];
      if (!item) throw new RequestRefused('MALFORMED_REQUEST', `the transaction has ${prepared.items.length} signing item(s)`);
      target = itemTarget(key.scheme, share.publicKey, item);
    } catch (e) {
      if (e instanceof ChainInputError) throw new RequestRefused('TRANSACTION_REFUSED', `${e.code}: ${e.message}`);
      if (e instanceof RangeError) throw new RequestRefused('TRANSACTION_REFUSED', e.message);
      throw e;
    }
    const input = { message: target.message, ...(target.hash ? { hash: target.hash } : {}) };
    return { share, tweak: derived.tweak, input, ...(target.taprootMerkleRoot ? { taprootMerkleRoot: target.taprootMerkleRoot } : {}) };
  }

  private async sign(r: Extract<SessionRequest, { kind: 'sign' }>): Promise<Record<string, unknown>> {
    const key = await stored(this.loadKey(r.keyId, r.version));
    const { scheme } = key;
    this.checkQuorum(key.share, r.signers);
    const { share, tweak, input, taprootMerkleRoot } = this.whatToSign(r, key);
    let digest: Uint8Array;
    try {
      digest = signedDigest(scheme, input);
    } catch (e) {
      throw new RequestRefused('MALFORMED_REQUEST', (e as Error).message);
    }
    const session = hexToBytes(r.session);
    const publicKey = encodePublicKey(scheme, share.publicKey);
    let signature: Uint8Array;
    let recoveryId: number | undefined;
    const suite = frostSuiteOf(scheme);
    if ((r.commitments && !suite) || (r.presignature && suite)) throw new RequestRefused('MALFORMED_REQUEST', `${scheme} does not sign with that kind of pooled item`);
    if (suite) {
      // Taken before FrostSign exists: its first step releases a share computed from the nonces.
      const pooled = r.commitments ? await this.takeNonces(r, suite) : undefined;
      // A derived key draws on the key's own pool; a Taproot item may ask for its BIP341 output key.
      const options = { poolKey: key.share.publicKey, ...(taprootMerkleRoot ? { tweak: { kind: 'bip341', merkleRoot: taprootMerkleRoot } as const } : {}) };
      const p = new FrostSign({ key: frostSigningKey(suite, share, options), identity: this.cfg.identity, session, signers: r.signers, message: digest, sessions: this.sessions, rng: this.cfg.rng, ...(pooled ? { pooled } : {}) });
      signature = (await this.run(p, r.signers)).signature;
    } else {
      const presignature = r.presignature ? await this.takePresignature(r, key.share) : await this.freshPresignature(r, key.share, session, input.digest);
      const common = { presignature, session, identity: this.cfg.identity, sessions: this.sessions, tweak };
      const p = input.digest ? new EcdsaSignRawDigest({ ...common, digest: input.digest }) : new EcdsaSignProtocol({ ...common, message: input.message!, hash: input.hash! });
      const sig = await this.run(p, r.signers);
      signature = sig.compact;
      recoveryId = sig.recoveryId;
    }
    // Both protocols output only a signature they verified (FROST's aggregate, CGGMP's s·R check).
    await stored(this.cfg.store.signatures.append({ requestId: r.id, keyId: r.keyId, scheme, digest: bytesToHex(scheme === 'ecdsa-secp256k1' ? digest : sha256(digest)), signature: bytesToHex(signature), at: new Date(this.now()) }));
    const pooled = r.commitments !== undefined || r.presignature !== undefined;
    return { signature: bytesToHex(signature), publicKey: bytesToHex(publicKey), pooled, ...(recoveryId !== undefined ? { recoveryId, digest: bytesToHex(digest) } : {}) };
  }

  /**
   * This signer's FROST shares from pooled nonces, for the coordinator to aggregate. No protocol
   * runs, so the request's session id is claimed here; then each item on its own: its nonces are
   * taken out of the store before its share is computed, and the node's record of it holds
   * R ‖ zᵢ, what it released. An item that fails (nonces gone, a bad commitment) fails alone.
   */
  private async signShares(r: Extract<SessionRequest, { kind: 'sign-shares' }>): Promise<Record<string, unknown>> {
    const key = await stored(this.loadKey(r.keyId, r.version));
    const suite = frostSuiteOf(key.scheme);
    if (!suite) throw new RequestRefused('REQUEST_NOT_ALLOWED', `${key.scheme} keys use presignatures, not nonces`);
    this.checkQuorum(key.share, r.signers);
    const protocol = `frost-shares/${suite.name}`;
    if (!(await stored(this.cfg.store.sessions.claim(protocol, hexToBytes(r.session))))) throw new RequestRefused('SESSION_REUSED', `session id already used for ${protocol}`);
    const signingKey = frostSigningKey(suite, key.share);
    const publicKey = bytesToHex(encodePublicKey(key.scheme, key.share.publicKey));
    const items = await Promise.all(
      r.items.map(async (item) => {
        try {
          return await this.signShareItem(r, item, key, signingKey);
        } catch (e) {
          return { error: describeFailure(e, this.cfg.self) };
        }
      }),
    );
    return { publicKey, items };
  }

  private async signShareItem(r: Extract<SessionRequest, { kind: 'sign-shares' }>, item: ShareItem, key: StoredKey, signingKey: FrostSigningKey): Promise<Record<string, unknown>> {
    const { suite } = signingKey;
    const message = hexToBytes(item.message);
    const pooled = await this.takeNonces({ ...r, commitments: item.commitments }, suite);
    const times = requestContext.getStore()?.times;
    const computing = performance.now();
    let share: SignatureShare;
    try {
      share = signPooledShare({ key: signingKey, identity: this.cfg.identity, signers: r.signers, message, pooled });
    } catch (e) {
      if (e instanceof ProtocolAbort) throw new SessionAborted(e);
      throw e;
    }
    times?.add('compute', performance.now() - computing);
    const R = suite.curve.encodePoint(share.groupCommitment!);
    const z = suite.curve.encodeScalar(share.share);
    await stored(this.cfg.store.signatures.append({ requestId: item.id, keyId: r.keyId, scheme: key.scheme, digest: bytesToHex(sha256(message)), signature: bytesToHex(concatBytes(R, z)), at: new Date(this.now()) }));
    return { share: bytesToHex(z), groupCommitment: bytesToHex(R) };
  }

  /** A presignature made for this request; for a raw digest, bound to it before presigning starts. */
  private async freshPresignature(r: Extract<SessionRequest, { kind: 'sign' }>, share: KeyShare, session: Uint8Array, boundDigest: Uint8Array | undefined) {
    const aux = await this.cfg.vault.getAux(share.parties);
    if (!aux) throw new RequestRefused('REQUEST_NOT_ALLOWED', 'no auxiliary information for this committee yet');
    const presign = new PresignProtocol({
      key: share,
      aux,
      signers: r.signers,
      session,
      identity: this.cfg.identity,
      sessions: this.sessions,
      rng: this.cfg.rng,
      ...(boundDigest ? { boundDigest } : {}),
    });
    return this.run(presign, r.signers);
  }
}

/** What a `sign` request makes this node sign: the (derived) share, its tweak, and the input as `signedDigest` takes it. */
interface SigningWork {
  share: KeyShare;
  tweak: bigint;
  input: { message?: Uint8Array; hash?: EcdsaMessageHash; digest?: Uint8Array };
  taprootMerkleRoot?: Uint8Array;
}

/** What a node tells of a key share it holds: the public key as the scheme encodes it, the public package and the chain code. */
function publicFacts(key: StoredKey): { publicKey: string; publicPackage: PublicPackage; chainCode?: string } {
  return {
    publicKey: bytesToHex(encodePublicKey(key.scheme, key.share.publicKey)),
    publicPackage: reportPublicPackage(key.share),
    ...(key.chainCode ? { chainCode: bytesToHex(key.chainCode) } : {}),
  };
}

function withChainCode(scheme: StoredKey['scheme'], share: KeyShare, chainCode: Uint8Array | undefined): StoredKey {
  return { scheme, share, ...(chainCode ? { chainCode } : {}) };
}

/**
 * A failure as the coordinator sees it: a code, a message without secrets, and whom it names. A
 * store of this node (`self`) that did not answer makes it a node the coordinator waited for in
 * vain: retriable, with another quorum meanwhile.
 */
export function describeFailure(e: unknown, self?: number): Extract<RequestResult, { ok: false }>['error'] {
  if (e instanceof RequestRefused) return { code: e.code, message: e.message };
  if (self !== undefined && isUnavailable(e)) return { code: 'NODE_OFFLINE', message: "the node's store did not answer", waitingFor: [self] };
  if (e instanceof SessionAborted) return { code: 'PROTOCOL_ABORTED', message: `${e.code}: ${e.message}`, culprits: e.culprits };
  if (e instanceof SessionTimeout) return { code: 'PROTOCOL_TIMEOUT', message: e.message, waitingFor: e.waitingFor };
  return { code: 'NODE_ERROR', message: e instanceof Error ? e.message : 'unknown error' };
}
