/**
 * Domain-separated transcript hashing. Every absorbed item is framed as
 * label-length ‖ label ‖ data-length ‖ data (u32 big-endian lengths), so two different
 * sequences of items can never produce the same hash input (the ambiguity behind TSSHOCK's
 * α-shuffle attack). Challenges are derived from SHA-512 output reduced modulo the group
 * order: 512 bits for a 253/256-bit order leaves a bias below 2⁻²⁵⁰.
 */
import { sha512 } from '@noble/hashes/sha2.js';
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { hexToBytes, u32be, utf8 } from '../bytes.js';
import { type Curve, type GroupPoint, mod } from './curve.js';

export class Transcript {
  private readonly hash = sha512.create();

  constructor(domain: string) {
    this.appendBytes('domain', utf8(domain));
  }

  appendBytes(label: string, data: Uint8Array): this {
    const l = utf8(label);
    this.hash.update(u32be(l.length)).update(l).update(u32be(data.length)).update(data);
    return this;
  }

  appendU32(label: string, n: number): this {
    return this.appendBytes(label, u32be(n));
  }

  appendPoint(label: string, curve: Curve, p: GroupPoint): this {
    return this.appendBytes(label, curve.encodePoint(p));
  }

  appendScalar(label: string, curve: Curve, s: bigint): this {
    return this.appendBytes(label, curve.encodeScalar(s));
  }

  /**
   * A non-negative integer of any size as its minimal big-endian bytes (0 is empty). The
   * length framing makes this injective, so no fixed width is needed.
   */
  appendBigInt(label: string, n: bigint): this {
    if (n < 0n) throw new RangeError('transcript integers must be non-negative');
    let hex = n === 0n ? '' : n.toString(16);
    if (hex.length % 2 === 1) hex = '0' + hex;
    return this.appendBytes(label, hexToBytes(hex));
  }

  /** Finalises the transcript into a scalar. The transcript cannot be used afterwards. */
  challengeScalar(curve: Curve): bigint {
    return mod(bytesToNumberBE(this.hash.digest()), curve.order);
  }

  digest(): Uint8Array {
    return this.hash.digest();
  }
}

/** Hash of a sequence of framed items to a scalar under a domain: a one-shot transcript. */
export function hashToScalar(curve: Curve, domain: string, ...items: Uint8Array[]): bigint {
  const t = new Transcript(domain);
  items.forEach((item, i) => t.appendBytes(`item${i}`, item));
  return t.challengeScalar(curve);
}
