/** The relay bus of a single coordinator instance: a map from node name to its connection's delivery. */
import type { RelayBus, RelayedFrame } from './types.js';

export class InProcessBus implements RelayBus {
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
