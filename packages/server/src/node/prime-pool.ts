/**
 * Safe primes for CGGMP auxiliary information, made in the background (DESIGN §11: never on the
 * request path when it can be helped). OpenSSL searches on libuv's thread pool, so the event loop
 * keeps serving while primes are found. The pool lives in memory: primes are cheap to lose and
 * must never be used twice, so none is written down.
 */
import { generateSafePrime } from '@mpc-wallet/core';

export class SafePrimePool {
  private readonly ready: bigint[] = [];
  private readonly waiters: ((p: bigint) => void)[] = [];
  private searching = 0;
  private stopped = false;

  constructor(
    readonly bits: number,
    /** How many primes to keep ready (two make one Paillier modulus). */
    private readonly depth: number,
    private readonly parallel = 1,
  ) {}

  get size(): number {
    return this.ready.length;
  }

  start(): void {
    this.refill();
  }

  stop(): void {
    this.stopped = true;
  }

  private refill(): void {
    while (!this.stopped && this.searching < this.parallel && this.ready.length + this.searching < this.depth + this.waiters.length) {
      this.searching++;
      generateSafePrime(this.bits).then(
        (p) => {
          this.searching--;
          const waiter = this.waiters.shift();
          if (waiter) waiter(p);
          else this.ready.push(p);
          this.refill();
        },
        () => {
          this.searching--;
          setTimeout(() => this.refill(), 1000).unref();
        },
      );
    }
  }

  /** One safe prime, from the pool or as soon as one is found. */
  take(): Promise<bigint> {
    const p = this.ready.shift();
    const out = p !== undefined ? Promise.resolve(p) : new Promise<bigint>((resolve) => this.waiters.push(resolve));
    this.refill();
    return out;
  }

  /** Two distinct safe primes: one Paillier modulus. */
  async pair(): Promise<{ p: bigint; q: bigint }> {
    const p = await this.take();
    for (;;) {
      const q = await this.take();
      if (q !== p) return { p, q };
    }
  }
}
