/**
 * The coordinator's Prometheus metrics (`GET /metrics`): HTTP and signing latency histograms,
 * signature failures by error and abort code, node status, pool levels and the audit log's length.
 * One registry per coordinator (never prom-client's global one: tests run several in a process).
 * Labels take values from closed sets only (route templates, schemes, error and abort codes,
 * manifest node ids), so a client cannot grow the series count; nothing secret or per-request
 * (key ids, messages) is a label.
 */
import { ABORT_CODES } from '@mpc-wallet/core';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ApiError } from '../errors.js';
import type { NodeHub } from './node-hub.js';
import type { Pools } from './pools.js';
import type { AuditLog } from './audit.js';

/** What the signing service reports of each signature request it ran. */
export interface SignatureObserver {
  signature(scheme: string, outcome: 'completed' | 'failed', pooled: boolean, seconds: number, error?: ApiError): void;
}

/** Seconds; signing spans a pooled FROST signature (~15 ms) to an unpooled ECDSA one (seconds). */
const SIGNING_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The abort code an aborted protocol's message names (`…: <code>: …`), or `none`. */
export function abortCodeOf(message: string): string {
  for (const token of message.split(/[\s:;,()]+/)) if (Object.hasOwn(ABORT_CODES, token)) return token;
  return 'none';
}

export class Metrics implements SignatureObserver {
  readonly registry = new Registry();
  private readonly http: Histogram<'method' | 'route' | 'status'>;
  private readonly signing: Histogram<'scheme' | 'outcome' | 'pooled'>;
  private readonly failures: Counter<'scheme' | 'code' | 'abort'>;

  constructor(sources: { hub: NodeHub; pools: Pools | undefined; audit: AuditLog }) {
    const registers = [this.registry];
    this.http = new Histogram({
      name: 'mpc_wallet_http_request_duration_seconds',
      help: 'HTTP requests by method, route template and status code',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.signing = new Histogram({
      name: 'mpc_wallet_signature_duration_seconds',
      help: 'Signature requests from recording to answer, by scheme, outcome and whether a pooled nonce or presignature served them (false for failures)',
      labelNames: ['scheme', 'outcome', 'pooled'],
      buckets: SIGNING_BUCKETS,
      registers,
    });
    this.failures = new Counter({
      name: 'mpc_wallet_signature_failures_total',
      help: 'Failed signature requests by scheme, error code and protocol abort code (none when no protocol aborted)',
      labelNames: ['scheme', 'code', 'abort'],
      registers,
    });
    new Gauge({
      name: 'mpc_wallet_node_online',
      help: 'Whether each signer node of the manifest is connected to this coordinator (1) or not (0)',
      labelNames: ['node', 'name'],
      registers,
      collect() {
        for (const n of sources.hub.status()) this.set({ node: String(n.id), name: n.name }, n.status === 'online' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'mpc_wallet_pool_items',
      help: "Pooled items (FROST nonce pairs per node, ECDSA presignatures per signer set) summed over this coordinator's pools, as its refill sweep last saw them",
      labelNames: ['kind'],
      registers,
      collect() {
        const levels = sources.pools?.observedLevels() ?? { nonces: 0, presignatures: 0 };
        this.set({ kind: 'nonces' }, levels.nonces);
        this.set({ kind: 'presignatures' }, levels.presignatures);
      },
    });
    new Gauge({
      name: 'mpc_wallet_audit_entries',
      help: 'Entries in the audit log (the sequence number of the newest one this coordinator appended)',
      registers,
      collect() {
        this.set(sources.audit.lastSeq());
      },
    });
  }

  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.http.observe({ method, route, status: String(status) }, seconds);
  }

  signature(scheme: string, outcome: 'completed' | 'failed', pooled: boolean, seconds: number, error?: ApiError): void {
    this.signing.observe({ scheme, outcome, pooled: String(pooled) }, seconds);
    if (error) this.failures.inc({ scheme, code: error.code, abort: error.code === 'PROTOCOL_ABORTED' ? abortCodeOf(error.message) : 'none' });
  }

  /** The exposition text and its content type. */
  async expose(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
