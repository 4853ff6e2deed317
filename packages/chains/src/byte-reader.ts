/**
 * The cursor the strict binary decoders here (borsh, XDR, BCS) build on: it reads exact lengths,
 * never past the end, and says what was cut short. Anything malformed is `malformed-transaction`.
 */
import { check } from './errors.js';

export class ByteReader {
  private offset = 0;
  constructor(
    private readonly input: Uint8Array,
    /** What the bytes are, for messages: "the transaction", "the envelope". */
    private readonly unit = 'the transaction',
  ) {}

  get position(): number {
    return this.offset;
  }

  /** Bytes not yet read. */
  get remaining(): number {
    return this.input.length - this.offset;
  }

  /** The bytes read since `position` was `start`. */
  since(start: number): Uint8Array {
    return this.input.subarray(start, this.offset);
  }

  fixed(length: number, what: string): Uint8Array {
    check(length <= this.remaining, 'malformed-transaction', `${this.unit} ends inside ${what}`);
    const out = this.input.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  protected view(length: number, what: string): DataView {
    const b = this.fixed(length, what);
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  u8(what: string): number {
    return this.view(1, what).getUint8(0);
  }

  /** Refuses bytes left over after `what` (the whole unit by default). */
  end(what = this.unit): void {
    check(this.remaining === 0, 'malformed-transaction', `${this.remaining} trailing byte(s) after ${what}`);
  }
}
