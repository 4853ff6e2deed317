/**
 * The one session runner: drives any core `Protocol` over a message transport until it outputs,
 * aborts or times out. It is the only module that touches both protocol instances and the
 * network; what a protocol computes it never looks at.
 *
 * `beforeRelease` is awaited before the outgoing messages of each step leave: the node stores
 * durably what those messages commit it to (a dealing's pending share before its confirmation).
 * Steps are released in order, so a later step's messages never overtake an earlier one's.
 */
import { type Outcome, type Protocol, type ProtocolAbort, type ProtocolMessage, bytesToHex } from '@mpc-wallet/core';

export interface ProtocolTransport {
  /** Sends to one party, or to every other participant when `to` is null. */
  send(message: ProtocolMessage): void;
  /** Delivers every message of (protocol, session) to `handler` (buffered ones first); returns the unsubscribe. */
  subscribe(protocol: string, session: Uint8Array, handler: (message: ProtocolMessage) => void): () => void;
}

export class SessionAborted extends Error {
  readonly code: string;
  readonly culprits: number[];
  constructor(readonly abort: ProtocolAbort) {
    super(abort.message);
    this.name = 'SessionAborted';
    this.code = abort.code;
    this.culprits = [...abort.culprits];
  }
}

export class SessionTimeout extends Error {
  constructor(
    readonly protocol: string,
    /** The parties whose messages never arrived. */
    readonly waitingFor: number[],
  ) {
    super(`${protocol} timed out waiting for ${waitingFor.length ? `parties ${waitingFor.join(', ')}` : 'nothing'}`);
    this.name = 'SessionTimeout';
  }
}

export interface RunOptions<T> {
  timeoutMs: number;
  /** Stops the run early, as a timeout naming the parties still awaited (their absence is known). */
  signal?: AbortSignal;
  beforeRelease?: (protocol: Protocol<T>, outcome: Outcome<T>) => Promise<void>;
  /** Told how long each protocol step computed (the rest of a run is waiting for peers). */
  onStep?: (ms: number) => void;
  /** Told each time this party has sent a round's messages and the run goes on (1 after the first). */
  onRound?: (round: number) => void;
}

export function runProtocol<T>(protocol: Protocol<T>, transport: ProtocolTransport, opts: RunOptions<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let finished = false;
    let unsubscribe: (() => void) | undefined;
    let released: Promise<void> = Promise.resolve();
    let rounds = 0;
    const finish = (settle: () => void) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', giveUp);
      unsubscribe?.();
      settle();
    };
    const release = (outcome: Outcome<T>) => {
      released = released.then(async () => {
        if (finished) return;
        try {
          await opts.beforeRelease?.(protocol, outcome);
        } catch (e) {
          finish(() => reject(e));
          return;
        }
        for (const m of outcome.outgoing) transport.send(m);
        if (outcome.status === 'continue' && outcome.outgoing.length > 0) opts.onRound?.(++rounds);
        if (outcome.status === 'done') finish(() => resolve(outcome.output));
        else if (outcome.status === 'aborted') finish(() => reject(new SessionAborted(outcome.abort)));
      });
    };
    const step = (run: () => Outcome<T>) => {
      if (finished) return;
      let outcome: Outcome<T>;
      const started = performance.now();
      try {
        outcome = run();
      } catch (e) {
        finish(() => reject(e));
        return;
      } finally {
        opts.onStep?.(performance.now() - started);
      }
      release(outcome);
    };
    const giveUp = () => finish(() => reject(new SessionTimeout(protocol.protocol, protocol.waitingFor())));
    const timer = setTimeout(giveUp, opts.timeoutMs);
    if (opts.signal?.aborted) giveUp();
    opts.signal?.addEventListener('abort', giveUp, { once: true });
    step(() => protocol.start());
    if (!finished) unsubscribe = transport.subscribe(protocol.protocol, protocol.session, (m) => step(() => protocol.receive(m)));
  });
}

/** The key a transport files messages under. */
export function sessionKey(protocol: string, session: Uint8Array): string {
  return `${protocol}/${bytesToHex(session)}`;
}
