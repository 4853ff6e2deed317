/**
 * Wiring of a coordinator process: the only place on the coordinator side that opens the
 * metadata store, the session store and the listeners (nodes' Noise port, the HTTP API).
 */
import { type ScryptSettings, openProcessKeys } from '../sealing/node-keystore.js';
import { openMetadataStore, type SqlStoreOptions } from '../stores/sql/open.js';
import { MemorySessionStore } from '../stores/memory/session-store.js';
import { RedisSessionStore } from '../stores/redis/session-store.js';
import { type ClusterManifest, identityKeys } from '../session/manifest.js';
import type { SessionStore } from '../stores/types.js';
import { buildApp } from '../api/app.js';
import { Dispatcher, type ProgressSubject } from './dispatch.js';
import { KeyService, DEFAULT_KEY_TIMEOUTS, type KeyServiceTimeouts } from './keys.js';
import { NodeHub, type NodeProgress } from './node-hub.js';
import { DEFAULT_POOL_OPTIONS, type PoolOptions, Pools } from './pools.js';
import { SigningService } from './signing.js';
import { ChainService } from './chains.js';
import { type Logger, silentLogger } from '../log.js';
import { type DataDirLock, startLocked } from '../data-lock.js';
import { AuditLog, type AuditLogOptions, DEFAULT_AUDIT_OPTIONS } from './audit.js';
import { DEFAULT_EVENT_FEED_OPTIONS, EventFeed, type EventFeedOptions } from './events.js';
import { DEFAULT_WEBHOOK_OPTIONS, WebhookService, type WebhookOptions } from './webhooks.js';
import { Metrics } from './metrics.js';
import { ApiKeyService } from './api-keys.js';
import { SessionTokens } from './session-tokens.js';
import { DEFAULT_RATE_LIMITS, type RateLimitOptions, RateLimiter } from './rate-limits.js';
import type { ClusterBus } from '../bus/types.js';
import { InProcessBus } from '../bus/in-process.js';
import { NatsBus } from '../bus/nats.js';
import { DEFAULT_NODE_ROUTER_OPTIONS, type NodeRouterOptions } from './node-router.js';

export interface CoordinatorProcessConfig {
  dataDir: string;
  passphrase: string;
  manifest: ClusterManifest;
  /** Where nodes dial in (Noise over TCP and/or WebSocket). */
  nodeListen: { host?: string; tcpPort?: number; wsPort?: number };
  http: { host: string; port: number };
  /** PostgreSQL URL and schema, or (absent) PGlite in the data folder. */
  metadata?: SqlStoreOptions;
  /** Redis for sessions, locks and pools (and a key prefix); absent: in memory. */
  redis?: { url: string; prefix?: string };
  /**
   * NATS (comma-separated URLs) between coordinator instances sharing the metadata database and
   * Redis; `prefix` keeps clusters on one NATS apart. Absent: the in-process bus (one instance).
   */
  nats?: { url: string; prefix?: string };
  /** How often instances tell each other which nodes they hold, and when silence means gone. */
  router?: Partial<NodeRouterOptions>;
  apiKeyHashes: readonly string[];
  keyTimeouts?: Partial<KeyServiceTimeouts>;
  signTimeoutMs?: number;
  /** Nonce and presignature pools (depths, refill interval); false: none, every signature unpooled. */
  pools?: Partial<PoolOptions> | false;
  logger?: Logger;
  scrypt?: ScryptSettings;
  /** Requests per window per client address and API key, failed authentications per address (DEFAULT_RATE_LIMITS). */
  rateLimits?: Partial<RateLimitOptions>;
  /** Whether `GET /metrics` answers without an API key (default true: a scraper on the private network). */
  metricsPublic?: boolean;
  /** How webhooks are attempted and retried. */
  webhooks?: Partial<WebhookOptions>;
  /** How often event streams look for other instances' events. */
  events?: Partial<EventFeedOptions>;
  /**
   * False: keys, signatures and nodes are not audited (nor, since events are read from the audit
   * log, streamed or posted to webhooks). For measuring what the audit log costs, never for use;
   * the instance's start entry says it ran so.
   */
  auditOperations?: boolean;
  /** When the audit log's checkpoints are signed. */
  audit?: Partial<AuditLogOptions>;
}

/** The coordinator's public keys, which the cluster manifest lists (first start creates them). */
export async function coordinatorPublicKeys(dataDir: string, passphrase: string, scrypt?: ScryptSettings) {
  const keys = await openProcessKeys(dataDir, passphrase, scrypt);
  return { staticKey: keys.staticKey, requestKey: keys.signingKey, noisePublicKey: keys.noisePublicKey, requestPublicKey: keys.signingPublicKey };
}

export interface RunningCoordinator {
  httpPort: number;
  nodePorts: { tcpPort?: number; wsPort?: number };
  hub: NodeHub;
  /** The session store (locks, pools): operators' tools and tests look at pool depths through it. */
  sessions: SessionStore;
  pools: Pools | undefined;
  audit: AuditLog;
  stop(): Promise<void>;
}

/** Starts the process's parts on its data folder, which no other process may hold meanwhile. */
export async function startCoordinator(cfg: CoordinatorProcessConfig): Promise<RunningCoordinator> {
  return startLocked(cfg.dataDir, (lock) => runCoordinator(cfg, lock));
}

async function runCoordinator(cfg: CoordinatorProcessConfig, lock: DataDirLock): Promise<RunningCoordinator> {
  const logger = cfg.logger ?? silentLogger;
  const keys = await coordinatorPublicKeys(cfg.dataDir, cfg.passphrase, cfg.scrypt);
  const c = cfg.manifest.coordinator;
  if (keys.noisePublicKey !== c.noisePublicKey || keys.requestPublicKey !== c.requestPublicKey) throw new RangeError("the manifest's coordinator keys are not this data folder's keys");
  const metadata = await openMetadataStore(cfg.metadata ?? { dataDir: cfg.dataDir });
  const audit = new AuditLog(metadata.audit, keys.requestKey, c.requestPublicKey, { ...DEFAULT_AUDIT_OPTIONS, ...cfg.audit }, logger);
  const sessions = cfg.redis ? await RedisSessionStore.open({ ...cfg.redis, logger }) : new MemorySessionStore();
  const bus: ClusterBus = cfg.nats ? await NatsBus.open({ url: cfg.nats.url, prefix: cfg.nats.prefix ?? 'mpc-wallet', name: `${c.name}-${process.pid}`, logger }) : new InProcessBus();
  for (const n of cfg.manifest.nodes) await metadata.nodes.upsert({ id: n.id, name: n.name, noisePublicKey: n.noisePublicKey, identityPublicKey: n.identityPublicKey, lastSeen: null });
  // The key service needs the hub, and the hub reports hellos to the key service (only once it
  // listens, below, when both exist).
  const operations = cfg.auditOperations === false ? undefined : audit;
  if (!operations) logger.warn('keys, signatures and nodes are not audited (a measurement setting)', {});
  const hub = new NodeHub(cfg.manifest, keys.staticKey, metadata.nodes, logger, (node, pending) => {
    void keyService.resume(node, pending);
    void pools?.nodeHello(node);
  }, operations, bus, { ...DEFAULT_NODE_ROUTER_OPTIONS, ...cfg.router });
  const events = new EventFeed(audit, { ...DEFAULT_EVENT_FEED_OPTIONS, ...cfg.events });
  const dispatcher = new Dispatcher(hub, keys.requestKey, (about, step) => {
    events.progress(about, step);
    bus.publish('progress', json({ instance: hub.instance, about, step }));
  });
  const unfollow = followOtherInstances(bus, hub.instance, audit, {
    progress: (about, step) => events.progress(about, step),
    appended: () => {
      events.wake();
      webhooks.wake();
    },
  }, logger);
  // Pools in memory start empty with this process: items the nodes made for an earlier one go.
  const pools = cfg.pools === false ? undefined : new Pools(metadata.keys, sessions, hub, dispatcher, { ...DEFAULT_POOL_OPTIONS, forgetEarlierItems: !cfg.redis, ...cfg.pools }, logger);
  const keyService = new KeyService(metadata.keys, metadata.committees, sessions, hub, dispatcher, { ...DEFAULT_KEY_TIMEOUTS, ...cfg.keyTimeouts }, logger, pools, identityKeys(cfg.manifest), operations);
  const nodePorts = await hub.listen(cfg.nodeListen);
  const metrics = new Metrics({ hub, pools, audit });
  const signing = new SigningService(keyService, metadata.signatures, hub, dispatcher, cfg.signTimeoutMs, pools, operations, metrics);
  const chains = new ChainService(keyService, signing);
  const webhooks = new WebhookService(metadata.webhooks, events, audit, sessions, keys.requestKey, { ...DEFAULT_WEBHOOK_OPTIONS, ...cfg.webhooks }, logger);
  const app = buildApp({
    keys: keyService,
    signing,
    chains,
    hub,
    pools,
    audit,
    apiKeys: new ApiKeyService(metadata.apiKeys, cfg.apiKeyHashes, audit, new SessionTokens(keys.requestKey)),
    events,
    webhooks,
    limiter: new RateLimiter(sessions, { ...DEFAULT_RATE_LIMITS, ...cfg.rateLimits }),
    readyWhenOnline: Math.min(2, cfg.manifest.nodes.length),
    dependencies: { metadata: () => metadata.ping(), sessions: () => sessions.ping(), bus: () => Promise.resolve(bus.connected) },
    metrics,
    metricsPublic: cfg.metricsPublic ?? true,
  });
  await app.listen({ host: cfg.http.host, port: cfg.http.port });
  const httpPort = (app.server.address() as { port: number }).port;
  pools?.start();
  keyService.start();
  audit.start();
  webhooks.start();
  // The configuration this instance runs with (no secrets: API keys by their hash's prefix).
  await audit.record({
    action: 'coordinator.started',
    actor: 'coordinator',
    subject: c.name,
    details: { instance: hub.instance, nats: cfg.nats !== undefined, http: `${cfg.http.host}:${httpPort}`, metricsPublic: cfg.metricsPublic ?? true, rateLimits: { ...DEFAULT_RATE_LIMITS, ...cfg.rateLimits }, nodes: cfg.manifest.nodes.map((n) => n.id), apiKeys: cfg.apiKeyHashes.map((h) => h.slice(0, 12)), pools: cfg.pools === false ? false : { nonceDepth: cfg.pools?.nonceDepth ?? DEFAULT_POOL_OPTIONS.nonceDepth, presignDepth: cfg.pools?.presignDepth ?? DEFAULT_POOL_OPTIONS.presignDepth }, redis: cfg.redis !== undefined, auditOperations: operations !== undefined },
  });
  logger.info('coordinator started', { http: `${cfg.http.host}:${httpPort}`, nodes: nodePorts });
  return {
    httpPort,
    nodePorts,
    hub,
    sessions,
    pools,
    audit,
    async stop() {
      pools?.stop();
      keyService.stop();
      await app.close();
      await webhooks.stop();
      unfollow();
      await hub.drain(DRAIN_MS);
      await hub.close();
      await bus.close();
      await audit.stop();
      await sessions.close();
      await metadata.close();
      await lock.release();
    },
  };
}

/** How long a stopping instance lets the node requests under way finish. */
const DRAIN_MS = 10_000;

const encoder = new TextEncoder();
const json = (v: unknown) => encoder.encode(JSON.stringify(v));

/**
 * What instances tell each other through the bus besides node traffic: progress reports (an event
 * stream on any instance shows them) and that they appended to the audit log (event streams and
 * webhooks elsewhere look at once instead of at their next poll). Each instance's own reach its
 * streams directly and are skipped here. The log itself, in the metadata database, stays the
 * record; the wake-ups go through the durable stream, kept once per entry, so that one published
 * by an instance that dies right after still reaches the others.
 */
function followOtherInstances(
  bus: ClusterBus,
  instance: string,
  audit: AuditLog,
  to: { progress: (about: ProgressSubject, step: NodeProgress) => void; appended: () => void },
  logger: Logger,
): () => void {
  const decoder = new TextDecoder();
  const offProgress = bus.subscribe('progress', (data) => {
    try {
      const report = JSON.parse(decoder.decode(data)) as { instance?: unknown; about: ProgressSubject; step: NodeProgress };
      if (report.instance !== instance) to.progress(report.about, report.step);
    } catch {
      // Not a progress report: nothing to show.
    }
  });
  const offAppended = bus.subscribe('durable.audit', (data) => {
    try {
      if ((JSON.parse(decoder.decode(data)) as { instance?: unknown }).instance !== instance) to.appended();
    } catch {
      // Not a wake-up.
    }
  });
  const unfollow = audit.onAppended((entries) => {
    const seq = entries.at(-1)?.seq;
    if (seq === undefined) return;
    bus.publishDurable('durable.audit', json({ instance, seq }), `audit-${seq}`).catch((e: unknown) => logger.warn('audit wake-up not published', { seq, reason: (e as Error).message }));
  });
  return () => {
    offProgress();
    offAppended();
    unfollow();
  };
}
