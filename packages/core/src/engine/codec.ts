/**
 * Binary codecs. Messages travel as one versioned envelope:
 *
 *   version u8 (=1) ‖ protocol u8-len ascii ‖ session u8-len bytes ‖ round u16 ‖ from u16 ‖
 *   to u16 (0 = broadcast) ‖ payload u32-len bytes
 *
 * all integers big-endian. Payloads are built with `Writer` and read with `Reader`, whose
 * every read checks bounds and whose `end()` rejects trailing bytes, so each encoding is
 * injective and every malformed input is an error, never a partial value.
 */

/**
 * What the codec needs of a curve (`math/curve.ts`'s `Curve` has it, with `P = GroupPoint`).
 * Declared here so that the codec imports nothing: the big-integer codec and the proofs below
 * the engine encode with it.
 */
export interface CurveCodec<P> {
  readonly scalarLength: number;
  readonly pointLength: number;
  encodeScalar(s: bigint): Uint8Array;
  decodeScalar(bytes: Uint8Array): bigint;
  encodePoint(p: P): Uint8Array;
  decodePoint(bytes: Uint8Array, subgroupCheck?: boolean): P;
}

export const WIRE_VERSION = 1;

export interface ProtocolMessage {
  /** Protocol identifier, e.g. "dkg/ed25519". */
  protocol: string;
  /** Session identifier (1..64 bytes), unique per protocol run. */
  session: Uint8Array;
  round: number;
  from: number;
  /** Recipient, or null for a broadcast. */
  to: number | null;
  payload: Uint8Array;
}

export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecodeError';
  }
}

export class Writer {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  bytes(b: Uint8Array): this {
    this.parts.push(b);
    this.length += b.length;
    return this;
  }
  u8(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xff) throw new RangeError('u8 out of range');
    return this.bytes(Uint8Array.of(n));
  }
  u16(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new RangeError('u16 out of range');
    return this.bytes(Uint8Array.of(n >>> 8, n & 0xff));
  }
  u32(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError('u32 out of range');
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n, false);
    return this.bytes(b);
  }
  /** u32 length prefix, then the bytes. */
  varBytes(b: Uint8Array): this {
    return this.u32(b.length).bytes(b);
  }
  scalar(curve: CurveCodec<unknown>, s: bigint): this {
    return this.bytes(curve.encodeScalar(s));
  }
  point<P>(curve: CurveCodec<P>, p: P): this {
    return this.bytes(curve.encodePoint(p));
  }
  points<P>(curve: CurveCodec<P>, ps: readonly P[]): this {
    this.u16(ps.length);
    for (const p of ps) this.point(curve, p);
    return this;
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let off = 0;
    for (const p of this.parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
}

export class Reader {
  private offset = 0;
  constructor(private readonly data: Uint8Array) {}

  bytes(n: number): Uint8Array {
    if (n < 0 || this.offset + n > this.data.length) throw new DecodeError('truncated input');
    const out = this.data.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  u8(): number {
    return this.bytes(1)[0]!;
  }
  u16(): number {
    const b = this.bytes(2);
    return (b[0]! << 8) | b[1]!;
  }
  u32(): number {
    const b = this.bytes(4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, false);
  }
  varBytes(max: number): Uint8Array {
    const n = this.u32();
    if (n > max) throw new DecodeError('field too long');
    return this.bytes(n);
  }
  scalar(curve: CurveCodec<unknown>): bigint {
    try {
      return curve.decodeScalar(this.bytes(curve.scalarLength));
    } catch (e) {
      if (e instanceof DecodeError) throw e;
      throw new DecodeError('invalid scalar');
    }
  }
  /** A point; `subgroupCheck: false` only where the caller checks subgroup membership itself. */
  point<P>(curve: CurveCodec<P>, subgroupCheck = true): P {
    try {
      return curve.decodePoint(this.bytes(curve.pointLength), subgroupCheck);
    } catch (e) {
      if (e instanceof DecodeError) throw e;
      throw new DecodeError('invalid point');
    }
  }
  points<P>(curve: CurveCodec<P>, expected: number, subgroupCheck = true): P[] {
    const n = this.u16();
    if (n !== expected) throw new DecodeError(`expected ${expected} points, got ${n}`);
    const out = [];
    for (let i = 0; i < n; i++) out.push(this.point(curve, subgroupCheck));
    return out;
  }
  /** Bytes not read yet. */
  get remaining(): number {
    return this.data.length - this.offset;
  }
  end(): void {
    if (this.offset !== this.data.length) throw new DecodeError('trailing bytes');
  }
}

/** Upper bound on a payload; protocol messages with Paillier proofs stay far below it. */
export const MAX_PAYLOAD = 16 * 1024 * 1024;

function isPrintableAscii(bytes: Uint8Array): boolean {
  return bytes.every((c) => c >= 0x21 && c <= 0x7e);
}

export function encodeMessage(m: ProtocolMessage): Uint8Array {
  const protocol = new TextEncoder().encode(m.protocol);
  if (protocol.length === 0 || protocol.length > 255 || !isPrintableAscii(protocol)) throw new RangeError('bad protocol id');
  if (m.session.length === 0 || m.session.length > 64) throw new RangeError('bad session id');
  if (m.from < 1) throw new RangeError('bad sender');
  if (m.to !== null && m.to < 1) throw new RangeError('bad recipient');
  return new Writer()
    .u8(WIRE_VERSION)
    .u8(protocol.length)
    .bytes(protocol)
    .u8(m.session.length)
    .bytes(m.session)
    .u16(m.round)
    .u16(m.from)
    .u16(m.to ?? 0)
    .varBytes(m.payload)
    .finish();
}

export function decodeMessage(bytes: Uint8Array): ProtocolMessage {
  const r = new Reader(bytes);
  const version = r.u8();
  if (version !== WIRE_VERSION) throw new DecodeError(`unsupported wire version ${version}`);
  const protoLen = r.u8();
  if (protoLen === 0) throw new DecodeError('empty protocol id');
  const protoBytes = r.bytes(protoLen);
  if (!isPrintableAscii(protoBytes)) throw new DecodeError('protocol id is not printable ascii');
  const protocol = new TextDecoder().decode(protoBytes);
  const sessionLen = r.u8();
  if (sessionLen === 0 || sessionLen > 64) throw new DecodeError('bad session id length');
  const session = r.bytes(sessionLen);
  const round = r.u16();
  const from = r.u16();
  if (from === 0) throw new DecodeError('sender 0 is invalid');
  const toRaw = r.u16();
  const payload = r.varBytes(MAX_PAYLOAD);
  r.end();
  return { protocol, session, round, from, to: toRaw === 0 ? null : toRaw, payload };
}
