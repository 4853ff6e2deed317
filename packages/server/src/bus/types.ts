/**
 * The bus between coordinator instances (DESIGN §3, §6): node↔node frames, requests to nodes
 * attached elsewhere and their results, which nodes each instance holds, and event wake-ups. In
 * process (one instance, the embedded default) or NATS (several instances sharing the load).
 */

/** One end-to-end frame on its way from node `from` to the node it is published to. */
export interface RelayedFrame {
  from: string;
  tag: Uint8Array;
  frame: Uint8Array;
}

/** How the relay reaches a node by name, wherever it is attached (coordinator/node-router.ts over a ClusterBus). */
export interface RelayBus {
  /** Delivers to node `to` wherever it is attached; false when no instance holds it now. */
  publish(to: string, frame: RelayedFrame): boolean;
  /** Frames for node `name` come to `deliver` while this instance holds its connection; returns the detach. */
  attach(name: string, deliver: (frame: RelayedFrame) => void): () => void;
}

/**
 * Subject-based publish/subscribe between instances: at most once, in order per publisher and
 * subject (what NATS core gives). Subjects are dot-separated tokens of [A-Za-z0-9_-].
 */
export interface ClusterBus {
  publish(subject: string, data: Uint8Array): void;
  /** Every message on `subject` published by any instance (this one included) after the subscription; returns the unsubscribe. */
  subscribe(subject: string, handler: (data: Uint8Array) => void): () => void;
  /**
   * Publishes a message that must outlive the instance that publishes it (JetStream on NATS):
   * stored, and kept once per `id` however often it is published. Its subject begins with
   * `durable.`; subscribers receive it like any other message.
   */
  publishDurable(subject: string, data: Uint8Array, id: string): Promise<void>;
  /** Whether messages flow now; readiness reports it. */
  readonly connected: boolean;
  /**
   * Called when the connection is lost (false) and when it is back (true; subscriptions are
   * restored, what was published meanwhile is lost). Returns the unsubscribe.
   */
  onStatus(listener: (connected: boolean) => void): () => void;
  close(): Promise<void>;
}
