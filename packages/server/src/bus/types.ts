/**
 * The node↔node relay between coordinator instances (DESIGN §3, §6): a frame from a node attached
 * to one instance reaches a node attached to any instance. In process here (one instance); NATS
 * when several instances share the load (issue "Scale-out").
 */

/** One end-to-end frame on its way from node `from` to the node it is published to. */
export interface RelayedFrame {
  from: string;
  tag: Uint8Array;
  frame: Uint8Array;
}

export interface RelayBus {
  /** Delivers to node `to` wherever it is attached; false when no instance holds it now. */
  publish(to: string, frame: RelayedFrame): boolean;
  /** Frames for node `name` come to `deliver` while this instance holds its connection; returns the detach. */
  attach(name: string, deliver: (frame: RelayedFrame) => void): () => void;
}
