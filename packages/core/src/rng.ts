/**
 * Randomness sources for protocol instances. Production code uses `systemRng` (the platform
 * CSPRNG); `seededRng` is a deterministic stream for tests and reproducible simulations only.
 */
import { randomBytes } from '@noble/hashes/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, u32be, utf8 } from './bytes.js';

/** Source of randomness: returns `n` fresh uniformly random bytes. */
export type Rng = (n: number) => Uint8Array;

export const systemRng: Rng = (n) => randomBytes(n);

/** Deterministic byte stream: SHA-512(seed ‖ counter) blocks. Never for real keys. */
export function seededRng(seed: string | Uint8Array): Rng {
  const key = typeof seed === 'string' ? utf8(seed) : seed;
  let counter = 0;
  let buffer = new Uint8Array(0);
  return (n: number) => {
    while (buffer.length < n) buffer = concatBytes(buffer, sha512(concatBytes(key, u32be(counter++))));
    const out = buffer.slice(0, n);
    buffer = buffer.slice(n);
    return out;
  };
}
