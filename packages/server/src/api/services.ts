/** What the routes are given: the services they call, and the API's own settings. */
import type { ApiKeyService } from '../coordinator/api-keys.js';
import type { AuditLog } from '../coordinator/audit.js';
import type { RateLimiter } from '../coordinator/rate-limits.js';
import type { ChainService } from '../coordinator/chains.js';
import type { EventFeed } from '../coordinator/events.js';
import type { WebhookService } from '../coordinator/webhooks.js';
import type { KeyService } from '../coordinator/keys.js';
import type { Metrics } from '../coordinator/metrics.js';
import type { NodeHub } from '../coordinator/node-hub.js';
import type { Pools } from '../coordinator/pools.js';
import type { SigningService } from '../coordinator/signing.js';

export interface ApiServices {
  keys: KeyService;
  signing: SigningService;
  chains: ChainService;
  hub: NodeHub;
  audit: AuditLog;
  /** Absent when the coordinator runs without pools. */
  pools: Pools | undefined;
  apiKeys: ApiKeyService;
  events: EventFeed;
  webhooks: WebhookService;
  limiter: RateLimiter;
  /** Nodes that must be online for /readyz (enough to sign). */
  readyWhenOnline: number;
  /** What else must answer for /readyz: the metadata database, the session store, the bus; each check throws (or resolves false) when down. */
  dependencies: Readonly<Record<string, () => Promise<unknown>>>;
  metrics: Metrics;
  /** Whether `/metrics` answers without an API key (a scraper on a private network). */
  metricsPublic: boolean;
}
