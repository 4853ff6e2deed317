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
 *
 * Concurrent signatures with one key and quorum share node requests (`ShareBatches`): while one
 * `sign-shares` request of theirs runs, the next ones gather and go as one (group commit, as the
 * stores do); an idle key's signature goes at once. Each item keeps its own nonces, result and
 * failure; what a batch saves is the per-request work (signing, Noise, a session claim).
 */
import {
  type FrostCiphersuite,
  type FrostPublicKey,
  type GroupPoint,
  ProtocolAbort,
  type SignatureShare,
  aggregate,
  aggregateReported,
  decodeSignedCommitment,
  frostPublicKey,
  hexToBytes,
} from '@mpc-wallet/core';
import { ApiError } from '../errors.js';
import type { RequestResult, ShareItem } from '../session/request.js';
import { Coalescer } from '../coalescer.js';
import { type Dispatcher, failureOf, failures } from './dispatch.js';
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
    // Every honest signer reports the same R: it is decoded once.
    const decoded = new Map<string, GroupPoint>();
    for (const [node, output] of outputs) {
      const share = decodeShare(suite, node, output, decoded);
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

function decodeShare(suite: FrostCiphersuite, node: number, output: Record<string, unknown>, decoded: Map<string, GroupPoint>): SignatureShare | undefined {
  const { curve } = suite;
  const { share, groupCommitment } = output;
  if (typeof share !== 'string' || share.length !== 2 * curve.scalarLength || typeof groupCommitment !== 'string' || groupCommitment.length !== 2 * curve.pointLength) return undefined;
  try {
    // R is a hint: the signature made with it is verified, and a wrong one is found by recomputing R.
    let R = decoded.get(groupCommitment);
    if (!R) decoded.set(groupCommitment, (R = curve.decodePoint(hexToBytes(groupCommitment), false)));
    return { identifier: BigInt(node), share: curve.decodeScalar(hexToBytes(share)), groupCommitment: R };
  } catch {
    return undefined;
  }
}

function convicted(culprits: number[], reason: string): ApiError {
  return new ApiError('PROTOCOL_ABORTED', `bad-signature-share: ${reason} (blame: ${culprits.join(', ')})`, { culprits });
}

/** Most signatures per `sign-shares` request, and most message bytes (the request stays far under a node's 2 MiB limit). */
const MAX_BATCH = 64;
const MAX_BATCH_MESSAGE_BYTES = 256 * 1024;

type SharesBody = { kind: 'sign-shares'; keyId: string; version: number; signers: number[] };
type ItemOutcome = { ok: true; outputs: Map<number, Record<string, unknown>> } | { ok: false; error: ApiError };

/**
 * Requests in flight per key and quorum: with one, the nodes would idle while the coordinator
 * answers a batch and the next one gathers; with two, one is on the nodes while the other is here.
 */
const LANES = 2;

export class ShareBatches {
  private readonly batches = new Map<string, { coalescer: Coalescer<ShareItem, ItemOutcome>; waiting: number }[]>();

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly timeoutMs: number,
  ) {}

  /** Every signer's output for one item (`share`, `groupCommitment`, the batch's `timing`), or its failure. */
  async run(key: KeyRecord, signers: readonly number[], item: ShareItem): Promise<Map<number, Record<string, unknown>>> {
    const name = `${key.id}/${key.version}/${signers.join(',')}`;
    let lanes = this.batches.get(name);
    if (!lanes) {
      const body: SharesBody = { kind: 'sign-shares', keyId: key.id, version: key.version, signers: [...signers] };
      lanes = Array.from({ length: LANES }, () => ({ coalescer: new Coalescer<ShareItem, ItemOutcome>((items) => this.send(body, items), MAX_BATCH), waiting: 0 }));
      this.batches.set(name, lanes);
    }
    const lane = lanes.reduce((a, b) => (b.waiting < a.waiting ? b : a));
    lane.waiting++;
    try {
      const outcome = await lane.coalescer.run(item);
      if (!outcome.ok) throw outcome.error;
      return outcome.outputs;
    } finally {
      lane.waiting--;
      if (lanes.every((l) => l.waiting === 0)) this.batches.delete(name);
    }
  }

  /** One request per slice of at most MAX_BATCH_MESSAGE_BYTES of messages, all at once. */
  private async send(body: SharesBody, items: ShareItem[]): Promise<ItemOutcome[]> {
    const slices: ShareItem[][] = [];
    let bytes = Infinity;
    for (const item of items) {
      if (bytes + item.message.length / 2 > MAX_BATCH_MESSAGE_BYTES) {
        slices.push([]);
        bytes = 0;
      }
      slices.at(-1)!.push(item);
      bytes += item.message.length / 2;
    }
    return (await Promise.all(slices.map((slice) => this.sendSlice(body, slice)))).flat();
  }

  private async sendSlice(body: SharesBody, items: ShareItem[]): Promise<ItemOutcome[]> {
    const results = await this.dispatcher.runAll(body.signers, { ...body, items }, this.timeoutMs);
    const failed = failures(results);
    // A node that failed the whole request (offline, timed out, refused it) fails every item.
    if (failed.length) return items.map(() => ({ ok: false, error: failureOf(failed) }));
    return items.map((_, i) => {
      const outputs = new Map<number, Record<string, unknown>>();
      const itemFailures: [number, Extract<RequestResult, { ok: false }>][] = [];
      for (const [node, result] of results) {
        const output = (result as Extract<RequestResult, { ok: true }>).output;
        const answer = Array.isArray(output.items) && output.items.length === items.length ? (output.items[i] as Record<string, unknown> | null) : null;
        if (typeof answer !== 'object' || answer === null) {
          itemFailures.push([node, { ok: false, error: { code: 'PROTOCOL_ABORTED', message: 'answered without this item', culprits: [node] } }]);
        } else if (typeof answer.error === 'object' && answer.error !== null) {
          itemFailures.push([node, { ok: false, error: answer.error as Extract<RequestResult, { ok: false }>['error'] }]);
        } else {
          outputs.set(node, { ...answer, timing: output.timing });
        }
      }
      return itemFailures.length ? { ok: false, error: failureOf(itemFailures) } : { ok: true, outputs };
    });
  }
}
