/**
 * Events for integrators (WebSocket `/v1/events`, its REST page, webhooks): the audit log's
 * entries about keys, signature requests and nodes, seen through a fixed mapping of actions to
 * event types. The log is the one durable, totally ordered record every coordinator instance
 * appends to (gap-free seqs, committed in order under one lock), so an event's seq is its audit
 * seq, a cursor never expires, and any instance serves any cursor.
 *
 * Events carry ids, codes and hashes, as the entries do: a consumer reads the signature itself
 * with `GET /v1/signatures/{id}`.
 */
import { ApiError } from '../errors.js';
import type { AuditEntry, AuditJson } from '../stores/types.js';
import type { AuditLog } from './audit.js';

/** Audit action → event type. `key.requested` is when a key is asked for; `key.created` when its DKG has ended. */
const TYPE_OF_ACTION = {
  'key.requested': 'key.created',
  'key.created': 'key.completed',
  'key.failed': 'key.failed',
  'key.refreshed': 'key.refreshed',
  'key.refresh-failed': 'key.refresh-failed',
  'signature.requested': 'signature.created',
  'signature.completed': 'signature.completed',
  'signature.failed': 'signature.failed',
  'node.online': 'node.online',
  'node.offline': 'node.offline',
} as const;

export type EventType = (typeof TYPE_OF_ACTION)[keyof typeof TYPE_OF_ACTION];
export const EVENT_TYPES = Object.values(TYPE_OF_ACTION) as EventType[];

/**
 * Progress of a key's generation or refresh, or of a signature's protocol: a node has sent a
 * round. Live on streams only — not stored, not resumable, not posted to webhooks: once missed,
 * what they said is superseded by the durable events that follow.
 */
export const PROGRESS_TYPES = ['key.progress', 'signature.progress'] as const;
export type ProgressType = (typeof PROGRESS_TYPES)[number];
export type StreamType = EventType | ProgressType;
const EVENT_ACTIONS = Object.keys(TYPE_OF_ACTION) as (keyof typeof TYPE_OF_ACTION)[];

export interface ApiEvent {
  seq: number;
  type: EventType;
  /** ISO 8601. */
  at: string;
  /** A key id, a signature request id, or `node:<id>`. */
  subject: string;
  data: { [key: string]: AuditJson };
}

/** A progress report (no seq: it is not stored). */
export interface ProgressEvent {
  type: ProgressType;
  at: string;
  subject: string;
  data: { node: number; protocol: string; round: number };
}

/** The event an audit entry is, if it is one. */
export function eventOf(entry: AuditEntry): ApiEvent | undefined {
  const type = (TYPE_OF_ACTION as Record<string, EventType | undefined>)[entry.action];
  return type && { seq: entry.seq, type, at: entry.at.toISOString(), subject: entry.subject, data: entry.details };
}

/**
 * The event types a `types` selection names: a comma-separated list of types and families
 * (`signature.*`); every type when absent. Progress types are among them for a stream only. An
 * unknown name is a validation error.
 */
export function selectTypes(selection: string | readonly string[] | undefined, opts: { progress: false }): Set<EventType>;
export function selectTypes(selection: string | readonly string[] | undefined, opts: { progress: true }): Set<StreamType>;
export function selectTypes(selection: string | readonly string[] | undefined, opts: { progress: boolean }): Set<StreamType> {
  const known: StreamType[] = opts.progress ? [...EVENT_TYPES, ...PROGRESS_TYPES] : EVENT_TYPES;
  if (selection === undefined) return new Set(known);
  const names = (typeof selection === 'string' ? selection.split(',') : selection).map((n) => n.trim()).filter((n) => n !== '');
  const chosen = new Set<StreamType>();
  for (const name of names) {
    const matching = name.endsWith('.*') ? known.filter((t) => t.startsWith(name.slice(0, -1))) : known.filter((t) => t === name);
    if (matching.length === 0) throw new ApiError('VALIDATION_FAILED', `unknown event type ${JSON.stringify(name.slice(0, 64))}; types are ${known.join(', ')} or a family such as signature.*`);
    for (const t of matching) chosen.add(t);
  }
  if (chosen.size === 0) throw new ApiError('VALIDATION_FAILED', 'types names no event type');
  return chosen;
}

/** The audit actions behind a set of event types (what the store filters on). */
function actionsOf(types: ReadonlySet<StreamType>): string[] {
  return EVENT_ACTIONS.filter((a) => types.has(TYPE_OF_ACTION[a]));
}

export type EventListener = (events: readonly ApiEvent[]) => void;

export interface EventFeedOptions {
  /** How often the feed looks for entries other instances appended, while anyone listens. */
  pollMs: number;
  /** How often an open stream checks its credentials again (a revoked key or an expired session ends it) and pings. */
  recheckMs: number;
}

export const DEFAULT_EVENT_FEED_OPTIONS: EventFeedOptions = { pollMs: 500, recheckMs: 30_000 };

const PAGE = 500;
/** Live events a stream holds while it sends stored ones: past this it is told to resume later. */
const MAX_PENDING = 50_000;

/**
 * The log's events as they are appended, to listeners in this process, in seq order without gaps.
 * It follows the store's head while anyone listens: this instance's appends arrive at once (taken
 * from the append itself when they directly follow what was delivered), other instances' within
 * `pollMs`.
 */
export class EventFeed {
  private readonly listeners = new Set<EventListener>();
  private readonly progressListeners = new Set<(event: ProgressEvent) => void>();
  /** The last seq handed to listeners; undefined while nobody listens. */
  private tail: number | undefined;
  private starting: Promise<void> | undefined;
  private reading: Promise<void> | undefined;
  private readAgain = false;
  private timer: NodeJS.Timeout | undefined;
  private unfollow: (() => void) | undefined;

  constructor(
    private readonly audit: AuditLog,
    readonly options: EventFeedOptions = DEFAULT_EVENT_FEED_OPTIONS,
  ) {}

  /** A page of stored events after `after`, of the chosen types. */
  async page(opts: { after: number; limit: number; types: ReadonlySet<StreamType> }): Promise<ApiEvent[]> {
    const entries = await this.audit.list({ after: opts.after, limit: opts.limit, actions: actionsOf(opts.types) });
    return entries.map((e) => eventOf(e)!);
  }

  /**
   * Calls `listener` with every event appended after this call resolves (and possibly a few
   * before: a subscriber reading a backlog skips seqs it has already seen). Returns the unsubscribe.
   */
  async subscribe(listener: EventListener): Promise<() => void> {
    const unsubscribe = () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
    this.listeners.add(listener);
    try {
      if (this.tail === undefined) await (this.starting ??= this.start());
    } catch (e) {
      unsubscribe();
      throw e;
    }
    return unsubscribe;
  }

  /**
   * Streams events of `types` to `send` in seq order: the stored ones after `after` first (none
   * when undefined: only what comes next), then the live ones, each seq once. `ready` is told the
   * cursor once the stored backlog is sent. Fails with EVENTS_BEHIND when live events pile up
   * faster than the backlog is read (the caller resumes from the last seq sent). Returns the stop.
   */
  async follow(opts: { after: number | undefined; types: ReadonlySet<StreamType> }, send: (event: ApiEvent | ProgressEvent) => void, ready: (seq: number) => void): Promise<() => void> {
    let last = opts.after ?? 0;
    let pending: ApiEvent[] | undefined = [];
    let behind = false;
    const emit = (e: ApiEvent) => {
      if (e.seq <= last || !opts.types.has(e.type)) return;
      last = e.seq;
      send(e);
    };
    // Progress from the moment the stored backlog is sent; before, it would be out of date.
    const progress = (e: ProgressEvent) => {
      if (pending === undefined && opts.types.has(e.type)) send(e);
    };
    let unsubscribe = () => {};
    const stop = () => {
      this.progressListeners.delete(progress);
      unsubscribe();
    };
    this.progressListeners.add(progress);
    try {
      unsubscribe = await this.subscribe((events) => {
        if (pending === undefined) events.forEach(emit);
        else if (pending.length + events.length > MAX_PENDING) [behind, pending] = [true, []];
        else pending.push(...events);
      });
      if (opts.after !== undefined) {
        for (;;) {
          const page = await this.page({ after: last, limit: PAGE, types: opts.types });
          if (behind) throw new ApiError('EVENTS_BEHIND', 'the stream fell behind while sending stored events');
          page.forEach(emit);
          if (page.length < PAGE) break;
        }
      }
      if (behind) throw new ApiError('EVENTS_BEHIND', 'the stream fell behind while sending stored events');
      pending.forEach(emit);
      pending = undefined;
      ready(last);
      return stop;
    } catch (e) {
      stop();
      throw e;
    }
  }

  /** Tells the streams of this instance that a node has sent a round of `about`'s protocol. */
  progress(about: { type: ProgressType; subject: string }, step: { node: number; protocol: string; round: number }): void {
    if (this.progressListeners.size === 0) return;
    const event: ProgressEvent = { type: about.type, at: new Date().toISOString(), subject: about.subject, data: { node: step.node, protocol: step.protocol, round: step.round } };
    for (const listener of this.progressListeners) {
      try {
        listener(event);
      } catch {
        // As for stored events: one stream's failure is its own.
      }
    }
  }

  /** Another instance appended to the log: read it now rather than at the next poll. */
  wake(): void {
    this.read();
  }

  /** Listeners now (a gauge for operators and tests). */
  listening(): number {
    return this.listeners.size;
  }

  private async start(): Promise<void> {
    try {
      this.unfollow = this.audit.onAppended((entries) => this.appended(entries));
      this.tail = await this.audit.head();
      this.timer = setInterval(() => this.read(), this.options.pollMs);
      this.timer.unref();
    } finally {
      this.starting = undefined;
    }
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.unfollow?.();
    this.unfollow = undefined;
    this.tail = undefined;
  }

  private appended(entries: readonly AuditEntry[]): void {
    // Straight from the append when nothing (of another instance) came in between; else from the store.
    if (this.tail !== undefined && this.reading === undefined && entries[0]?.seq === this.tail + 1) this.deliver(entries);
    else this.read();
  }

  private deliver(entries: readonly AuditEntry[]): void {
    if (entries.length === 0) return;
    this.tail = entries.at(-1)!.seq;
    const events = entries.map(eventOf).filter((e): e is ApiEvent => e !== undefined);
    if (events.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(events);
      } catch {
        // One listener's failure is its own (a closed socket): the others still get the events.
      }
    }
  }

  /** Reads the store from the tail to its head; one read at a time, another after it when asked meanwhile. */
  private read(): void {
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    // Not following (start() reads the head itself). Checked here, not only inside the reader:
    // a reader that returned before its first await would run its `finally` before `reading` is
    // assigned, leaving `reading` set for good and every later read skipped.
    if (this.tail === undefined) return;
    this.reading = (async () => {
      try {
        do {
          this.readAgain = false;
          for (;;) {
            if (this.tail === undefined) return;
            const entries = await this.audit.list({ after: this.tail, limit: PAGE });
            if (this.tail === undefined) return;
            this.deliver(entries.filter((e) => e.seq > this.tail!));
            if (entries.length < PAGE) break;
          }
        } while (this.readAgain);
      } catch {
        // The store is unreachable: the next poll tries again from the same tail.
      } finally {
        this.reading = undefined;
      }
    })();
  }
}
