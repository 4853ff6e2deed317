/**
 * Nonce commitments made ahead of time, so that online signing is one round.
 *
 * `NoncePool` (signer side) holds secret nonce pairs; `take` hands a pair out exactly once and
 * forgets it, and a commitment that was already taken is refused with `NonceReuseError`, so a
 * coordinator that asks twice for the same commitment gets nothing. `CommitmentBook`
 * (coordinator side) holds the signers' published commitments; a signer that publishes a
 * commitment it has published before is named, and each commitment is handed to one session.
 * Persistence (so that single use survives restarts) belongs to the store that wraps these.
 */
import { bytesToHex, concatBytes } from '../../bytes.js';
import { blame } from '../../engine/errors.js';
import type { Rng } from '../../engine/protocol.js';
import type { FrostCiphersuite } from './ciphersuite.js';
import { type FrostSigningKey, type NonceCommitment, type SigningNonces, commit } from './sign.js';

export class NonceReuseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonceReuseError';
  }
}

/** Stable identifier of a commitment: hex of enc(D) ‖ enc(E). */
export function commitmentId(suite: FrostCiphersuite, c: NonceCommitment): string {
  return bytesToHex(concatBytes(suite.curve.encodePoint(c.hiding), suite.curve.encodePoint(c.binding)));
}

export class NoncePool {
  private readonly available = new Map<string, SigningNonces>();
  private readonly spent = new Set<string>();

  constructor(
    private readonly key: FrostSigningKey,
    private readonly rng: Rng,
  ) {}

  get size(): number {
    return this.available.size;
  }

  /** Makes `count` fresh nonce pairs and returns their public commitments for publication. */
  generate(count: number): NonceCommitment[] {
    const out: NonceCommitment[] = [];
    for (let i = 0; i < count; i++) {
      const nonces = commit(this.key, this.rng);
      this.available.set(commitmentId(this.key.suite, nonces.commitment), nonces);
      out.push(nonces.commitment);
    }
    return out;
  }

  /** Hands out the secret nonces behind `commitment` once; any later request fails. */
  take(commitment: NonceCommitment): SigningNonces {
    const id = commitmentId(this.key.suite, commitment);
    const nonces = this.available.get(id);
    if (!nonces) {
      throw new NonceReuseError(this.spent.has(id) ? 'nonce commitment was already used' : 'unknown nonce commitment');
    }
    this.available.delete(id);
    this.spent.add(id);
    return nonces;
  }
}

export class CommitmentBook {
  private readonly fresh = new Map<number, NonceCommitment[]>();
  private readonly everSeen = new Set<string>();

  constructor(private readonly suite: FrostCiphersuite) {}

  /** Records a signer's published commitments; a repeated commitment convicts the signer. */
  publish(signer: number, commitments: readonly NonceCommitment[]): void {
    const ids = commitments.map((c) => {
      if (c.identifier !== BigInt(signer)) blame('bad-commitment', signer, 'commitment published under another identifier');
      return commitmentId(this.suite, c);
    });
    if (new Set(ids).size !== ids.length || ids.some((id) => this.everSeen.has(id))) {
      blame('nonce-reuse', signer, 'published a nonce commitment twice');
    }
    ids.forEach((id) => this.everSeen.add(id));
    const list = this.fresh.get(signer) ?? [];
    list.push(...commitments);
    this.fresh.set(signer, list);
  }

  available(signer: number): number {
    return this.fresh.get(signer)?.length ?? 0;
  }

  /** Removes and returns one unused commitment of each signer, for one signing session. */
  take(signers: readonly number[]): NonceCommitment[] {
    const empty = signers.filter((s) => this.available(s) === 0);
    if (empty.length) throw new RangeError(`no pooled commitments left for ${empty.join(', ')}`);
    return signers.map((s) => this.fresh.get(s)!.shift()!);
  }
}
