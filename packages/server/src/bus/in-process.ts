/** The buses of a single coordinator instance: maps in memory, delivered synchronously. */
import type { ClusterBus, RelayBus, RelayedFrame } from './types.js';

/** The relay of one instance that shares no nodes: a map from node name to its connection's delivery. */
export class LocalRelayBus implements RelayBus {
  private readonly nodes = new Map<string, (frame: RelayedFrame) => void>();

  publish(to: string, frame: RelayedFrame): boolean {
    const deliver = this.nodes.get(to);
    deliver?.(frame);
    return deliver !== undefined;
  }

  attach(name: string, deliver: (frame: RelayedFrame) => void): () => void {
    this.nodes.set(name, deliver);
    return () => {
      if (this.nodes.get(name) === deliver) this.nodes.delete(name);
    };
  }
}

/** Subject publish/subscribe inside one process: subscribers in a map. */

export class InProcessBus implements ClusterBus {
  private readonly subjects = new Map<string, Set<(data: Uint8Array) => void>>();

  readonly connected = true;

  publish(subject: string, data: Uint8Array): void {
    for (const handler of [...(this.subjects.get(subject) ?? [])]) handler(data);
  }

  subscribe(subject: string, handler: (data: Uint8Array) => void): () => void {
    // A wrapper per subscription: subscribing one handler twice delivers twice, as on NATS.
    const entry = (data: Uint8Array) => handler(data);
    let handlers = this.subjects.get(subject);
    if (!handlers) this.subjects.set(subject, (handlers = new Set()));
    handlers.add(entry);
    return () => {
      handlers.delete(entry);
      if (handlers.size === 0 && this.subjects.get(subject) === handlers) this.subjects.delete(subject);
    };
  }

  publishDurable(subject: string, data: Uint8Array): Promise<void> {
    this.publish(subject, data);
    return Promise.resolve();
  }

  onStatus(): () => void {
    return () => {};
  }

  close(): Promise<void> {
    this.subjects.clear();
    return Promise.resolve();
  }
}
