/**
 * Wiring of a signer node process: the only place on the node side that opens the store, the
 * data folder and the connection to the coordinator. Everything else receives what it needs.
 */
import { randomBytes } from 'node:crypto';
import { type SecurityLevel, SECURITY_LEVEL_128, primeBits } from '@mpc-wallet/core';
import { type ScryptSettings, openProcessKeys } from '../sealing/node-keystore.js';
import { RECORD_KEY_LABEL } from '../sealing/record.js';
import { openNodeStore, type SqlStoreOptions } from '../stores/sql/open.js';
import { type ClusterManifest, identityKeys, nodePins } from '../session/manifest.js';
import { decodeControl, encodeControl } from '../transport/envelope.js';
import type { SecureConnection } from '../transport/connection.js';
import { CoordinatorLink } from './coordinator-link.js';
import { PeerMesh } from './peer-mesh.js';
import { SafePrimePool } from './prime-pool.js';
import { RelayEndpoint } from './relay-endpoint.js';
import { SignerNode } from './signer.js';
import { Vault } from './vault.js';
import { type Logger, silentLogger } from '../log.js';
import { type DataDirLock, startLocked } from '../data-lock.js';

/** How long a stopping node lets the requests under way finish. */
const DRAIN_MS = 10_000;

export interface NodeProcessConfig {
  dataDir: string;
  passphrase: string;
  name: string;
  manifest: ClusterManifest;
  /** The coordinator instances' node addresses (`tcp://host:port`), in order of preference. */
  coordinatorUrls: readonly string[];
  /** PostgreSQL URL and schema, or (absent) PGlite in the data folder. */
  store?: SqlStoreOptions;
  level?: SecurityLevel;
  protocolTimeoutMs?: number;
  auxTimeoutMs?: number;
  /** Safe primes kept ready (two per Paillier modulus). */
  primeDepth?: number;
  logger?: Logger;
  /** Only tests lower these. */
  scrypt?: ScryptSettings;
}

/** A node's public keys, which the cluster manifest lists (first start creates them). */
export async function nodePublicKeys(dataDir: string, passphrase: string, scrypt?: ScryptSettings) {
  const keys = await openProcessKeys(dataDir, passphrase, scrypt);
  return { sealer: keys.sealer, staticKey: keys.staticKey, identity: keys.signingKey, noisePublicKey: keys.noisePublicKey, identityPublicKey: keys.signingPublicKey };
}

export interface RunningNode {
  readonly id: number;
  readonly connected: boolean;
  stop(): Promise<void>;
}

/** Starts the process's parts on its data folder, which no other process may hold meanwhile. */
export async function startSignerNode(cfg: NodeProcessConfig): Promise<RunningNode> {
  return startLocked(cfg.dataDir, (lock) => runSignerNode(cfg, lock));
}

async function runSignerNode(cfg: NodeProcessConfig, lock: DataDirLock): Promise<RunningNode> {
  const logger = cfg.logger ?? silentLogger;
  const me = cfg.manifest.nodes.find((n) => n.name === cfg.name);
  if (!me) throw new RangeError(`node ${cfg.name} is not in the cluster manifest`);
  const keys = await nodePublicKeys(cfg.dataDir, cfg.passphrase, cfg.scrypt);
  if (keys.noisePublicKey !== me.noisePublicKey || keys.identityPublicKey !== me.identityPublicKey) {
    throw new RangeError(`the manifest's keys for ${cfg.name} are not this data folder's keys`);
  }
  const store = await openNodeStore(cfg.store ?? { dataDir: cfg.dataDir });
  const vault = new Vault(store, keys.sealer.deriveKey(RECORD_KEY_LABEL), me.id);
  const level = cfg.level ?? SECURITY_LEVEL_128;
  const primes = new SafePrimePool(primeBits(level), cfg.primeDepth ?? 2);
  const peers = new Map(cfg.manifest.nodes.filter((n) => n.id !== me.id).map((n) => [n.id, n.name] as const));
  const mesh = new PeerMesh(me.id, peers, logger);
  const signer = new SignerNode({
    self: me.id,
    identity: { secretKey: keys.identity, publicKeys: identityKeys(cfg.manifest) },
    coordinatorKey: Buffer.from(cfg.manifest.coordinator.requestPublicKey, 'hex'),
    store,
    vault,
    transport: (participants) => mesh.forParties(participants),
    primes,
    level,
    rng: (n) => new Uint8Array(randomBytes(n)),
    protocolTimeoutMs: cfg.protocolTimeoutMs ?? 60_000,
    auxTimeoutMs: cfg.auxTimeoutMs ?? 15 * 60_000,
    logger,
  });

  // Requests in progress by the coordinator's reference, so that it can cancel one.
  const running = new Map<string, AbortController>();
  let stopping = false;
  const onConnected = (conn: SecureConnection) => {
    mesh.useEndpoint(
      new RelayEndpoint(conn, { name: cfg.name, staticKey: keys.staticKey, peers: nodePins(cfg.manifest), onSession: (s, p) => mesh.accept(s, p), logger }),
    );
    conn.on('message', (bytes) => {
      let message: Record<string, unknown>;
      try {
        message = decodeControl(bytes);
      } catch {
        return; // relay envelopes: the endpoint's
      }
      if ((message.type === 'peer-joined' || message.type === 'peer-left') && typeof message.node === 'number') {
        mesh.dropLinks(message.node);
        return;
      }
      if (typeof message.ref !== 'string') return;
      const ref = message.ref;
      if (message.type === 'cancel') {
        running.get(ref)?.abort();
        return;
      }
      if (message.type !== 'request' || running.has(ref)) return;
      if (stopping) {
        // Turned away before anything is claimed: the coordinator asks another quorum at once.
        const result = { ok: false, error: { code: 'NODE_OFFLINE', message: 'the node is shutting down', waitingFor: [me.id] } };
        void conn.send(encodeControl({ type: 'result', ref, result })).catch(() => undefined);
        return;
      }
      const cancel = new AbortController();
      running.set(ref, cancel);
      void signer
        .handle(message.signed, cancel.signal, (step) => void (link.connection ?? conn).send(encodeControl({ type: 'progress', ref, ...step })).catch(() => undefined))
        // On the connection of the moment: the one the request came on may be gone, and the
        // instance now holding this node passes the answer on to the one that asked.
        .then((result) => (link.connection ?? conn).send(encodeControl({ type: 'result', ref, result })).catch(() => undefined))
        .finally(() => running.delete(ref));
    });
    // The pending shares tell the coordinator which dealings this node may still have to finish.
    void vault
      .pendingList()
      .then((pending) => conn.send(encodeControl({ type: 'hello', node: me.id, pending })))
      .catch((e: unknown) => logger.warn('hello not sent', { reason: (e as Error).message }));
  };
  const link = new CoordinatorLink({ urls: cfg.coordinatorUrls, name: cfg.name, staticKey: keys.staticKey, coordinator: cfg.manifest.coordinator, onConnected, logger });
  primes.start();
  link.start();
  logger.info('signer node started', { node: cfg.name, id: me.id });
  return {
    id: me.id,
    get connected() {
      return link.connection !== undefined;
    },
    async stop() {
      // A rolling restart loses no request: the ones under way finish (their peers and the
      // coordinator still reachable) for up to DRAIN_MS, new ones are turned away meanwhile.
      stopping = true;
      const deadline = Date.now() + DRAIN_MS;
      while (running.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      link.stop();
      primes.stop();
      mesh.useEndpoint(undefined);
      await store.close();
      await lock.release();
    },
  };
}
