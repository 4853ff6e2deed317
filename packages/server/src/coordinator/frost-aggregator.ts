/**
 * FROST signatures aggregated by the coordinator, RFC 9591's own division of roles: the signers
 * of a pooled signature compute their shares without a message between them, and the coordinator
 * sums them and verifies the result. Only when the sum does not verify does it decode the signing
 * package and check every share against the key's verifying shares, naming each signer whose share
 * or reported group commitment is wrong.
 *
 * The verifying shares are the key record's public package, which every committee member
 * reported alike when the version was made (KeyService): one honest member's report is the truth,
 * so no honest signer is named. A key without one is signed the other way (the nodes aggregate).
 */
import {
  type FrostCiphersuite,
  type FrostPublicKey,
  ProtocolAbort,
  type SignatureShare,
  aggregate,
  aggregateReported,
  decodeSignedCommitment,
  frostPublicKey,
  hexToBytes,
} from '@mpc-wallet/core';
import { ApiError } from '../errors.js';
import { frostSuiteOf, openPublicPackage } from '../session/schemes.js';
import type { KeyRecord } from '../stores/types.js';

/** Public keys kept for aggregation (one per key version in use); the oldest go first beyond this. */
const MAX_CACHED_KEYS = 4096;

export class FrostAggregator {
  private readonly keys = new Map<string, FrostPublicKey>();

  /** The key in aggregation form, when the key is FROST and its public package is known. */
  publicKey(key: KeyRecord): FrostPublicKey | undefined {
    const suite = frostSuiteOf(key.scheme);
    if (!suite || !key.publicPackage || key.publicKey === null) return undefined;
    const id = `${key.id}/${key.version}`;
    let pub = this.keys.get(id);
    if (!pub) {
      const pkg = openPublicPackage({ ...key, publicKey: key.publicKey }, key.publicPackage);
      if (!pkg) return undefined;
      pub = frostPublicKey(suite, pkg);
      if (this.keys.size >= MAX_CACHED_KEYS) this.keys.delete(this.keys.keys().next().value!);
      this.keys.set(id, pub);
    }
    return pub;
  }

  /**
   * The signature from every signer's output (`share`, `groupCommitment`). A node whose output is
   * malformed, or whose share does not verify, is named; commitments are the ones handed out.
   */
  aggregate(pub: FrostPublicKey, message: Uint8Array, commitments: readonly string[], outputs: ReadonlyMap<number, Record<string, unknown>>): Uint8Array {
    const { suite } = pub;
    const shares: SignatureShare[] = [];
    const malformed: number[] = [];
    for (const [node, output] of outputs) {
      const share = decodeShare(suite, node, output);
      if (share) shares.push(share);
      else malformed.push(node);
    }
    if (malformed.length) throw convicted(malformed, 'returned a malformed signature share');
    const optimistic = aggregateReported(pub, message, shares);
    if (optimistic) return optimistic.signature;
    try {
      // Decoded strictly: each was checked by every signer, which would have refused it otherwise.
      const pkg = { message, commitments: commitments.map((c) => decodeSignedCommitment(suite, hexToBytes(c)).commitment) };
      return aggregate(pub, pkg, shares).signature;
    } catch (e) {
      if (e instanceof ProtocolAbort && e.culprits.length) throw convicted([...e.culprits], e.reason);
      throw new ApiError('INTERNAL', `signature shares do not aggregate: ${(e as Error).message}`);
    }
  }
}

function decodeShare(suite: FrostCiphersuite, node: number, output: Record<string, unknown>): SignatureShare | undefined {
  const { curve } = suite;
  const { share, groupCommitment } = output;
  if (typeof share !== 'string' || share.length !== 2 * curve.scalarLength || typeof groupCommitment !== 'string' || groupCommitment.length !== 2 * curve.pointLength) return undefined;
  try {
    // R is a hint: the signature made with it is verified, and a wrong one is found by recomputing R.
    return { identifier: BigInt(node), share: curve.decodeScalar(hexToBytes(share)), groupCommitment: curve.decodePoint(hexToBytes(groupCommitment), false) };
  } catch {
    return undefined;
  }
}

function convicted(culprits: number[], reason: string): ApiError {
  return new ApiError('PROTOCOL_ABORTED', `bad-signature-share: ${reason} (blame: ${culprits.join(', ')})`, { culprits });
}
