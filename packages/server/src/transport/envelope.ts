/**
 * What travels on a node's one secure connection to the coordinator: relay envelopes carrying
 * node↔node Noise frames, and control messages between the node and the coordinator itself.
 *
 * Each pair of nodes runs its own Noise session (IK, keys pinned) inside relay envelopes, so the
 * coordinator sees only ciphertext, session tags and who talks to whom. The session tag is bound
 * into the inner handshake's prologue: frames spliced from another session, like tampered,
 * replayed, reordered or dropped ones, fail authentication and abort that session.
 *
 * Application messages on the node↔coordinator connection:
 *   FORWARD     0x10 ‖ u8 len ‖ recipient name ‖ tag(16) ‖ frame      node → coordinator
 *   DELIVER     0x11 ‖ u8 len ‖ sender name    ‖ tag(16) ‖ frame      coordinator → node
 *   UNREACHABLE 0x12 ‖ u8 len ‖ recipient name ‖ tag(16)              coordinator → node
 *   CONTROL     0x20 ‖ UTF-8 JSON object                              both ways
 * The coordinator writes the sender's name from the authenticated outer connection.
 */
import { concatBytes, MAX_NOISE_MESSAGE, utf8 } from '@mpc-wallet/core';

export const ENVELOPE = { FORWARD: 0x10, DELIVER: 0x11, UNREACHABLE: 0x12 } as const;
export const CONTROL = 0x20;
export const TAG_LENGTH = 16;

export interface Envelope {
  type: number;
  peer: string;
  tag: Uint8Array;
  frame: Uint8Array;
}

export function isEnvelope(bytes: Uint8Array): boolean {
  return bytes[0] === ENVELOPE.FORWARD || bytes[0] === ENVELOPE.DELIVER || bytes[0] === ENVELOPE.UNREACHABLE;
}

export function encodeEnvelope(e: Envelope): Uint8Array {
  const name = utf8(e.peer);
  if (name.length === 0 || name.length > 255) throw new RangeError('bad peer name');
  if (e.tag.length !== TAG_LENGTH) throw new RangeError('bad session tag');
  return concatBytes(Uint8Array.of(e.type, name.length), name, e.tag, e.frame);
}

export function decodeEnvelope(bytes: Uint8Array): Envelope {
  const type = bytes[0];
  if (type !== ENVELOPE.FORWARD && type !== ENVELOPE.DELIVER && type !== ENVELOPE.UNREACHABLE) throw new RangeError('unknown envelope type');
  const nameLength = bytes[1] ?? 0;
  if (nameLength === 0 || bytes.length < 2 + nameLength + TAG_LENGTH) throw new RangeError('truncated envelope');
  const peer = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(2, 2 + nameLength));
  const tag = bytes.slice(2 + nameLength, 2 + nameLength + TAG_LENGTH);
  const frame = bytes.slice(2 + nameLength + TAG_LENGTH);
  if (type === ENVELOPE.UNREACHABLE ? frame.length !== 0 : frame.length === 0 || frame.length > MAX_NOISE_MESSAGE) {
    throw new RangeError('bad envelope frame length');
  }
  return { type, peer, tag, frame };
}

/** Control messages are JSON objects; their meaning belongs to the node and the coordinator. */
export function encodeControl(message: object): Uint8Array {
  return concatBytes(Uint8Array.of(CONTROL), utf8(JSON.stringify(message)));
}

/** The JSON object of a control message, or a RangeError for anything else. */
export function decodeControl(bytes: Uint8Array): Record<string, unknown> {
  if (bytes[0] !== CONTROL) throw new RangeError('not a control message');
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(1)));
  } catch {
    throw new RangeError('control message is not UTF-8 JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RangeError('control message is not a JSON object');
  return value as Record<string, unknown>;
}
