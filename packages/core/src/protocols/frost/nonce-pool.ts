/**
 * Nonce commitments made ahead of time, so that online signing is one round.
 *
 * `NoncePool` (signer side) holds secret nonce pairs in memory; `take` hands a pair out exactly
 * once and forgets it, and a commitment that was already taken is refused with `NonceReuseError`,
 * so a coordinator that asks twice for the same commitment gets nothing. `CommitmentBook`
 * (coordinator side) holds the signers' published commitments; a signer that publishes a
 * commitment it has published before is named, and each commitment is handed to one session.
 *
 * A signer node keeps its pool in its store instead, so that single use survives restarts: it
 * makes nonces with `commit`, signs their commitment with `signCommitment`, stores the pair
 * (`encodeSigningNonces`) under its `commitmentId` before publishing, and consumes the record
 * before signing with what `decodeSigningNonces` rebuilds (FrostSign's `pooled` option).
 *
 * Each pooled commitment is signed by its owner's identity key when it is made, for a pool slot
 * (suite, group key, signer, a random pool epoch and a sequence number). Signers check these
 * signatures, so a coordinator cannot slip in a commitment of its own; and an owner that signs two
 * different commitments for one slot has signed the proof of its equivocation.
 */
import { bytesToHex, concatBytes, equalBytes, utf8 } from '../../bytes.js';
import { DecodeError, Reader, Writer } from '../../engine/codec.js';
import { blame } from '../../engine/errors.js';
import { type BroadcastSlot, type PartyIdentity, equivocationEvidence, openForwarded, signBroadcast, unwrapSigned } from '../../engine/identity.js';
import type { Rng } from '../../engine/protocol.js';
import type { FrostCiphersuite } from './ciphersuite.js';
import { type FrostPublicKey, type FrostSigningKey, type NonceCommitment, type SigningNonces, checkCommitment, commit, signingNonces } from './sign.js';

export class NonceReuseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonceReuseError';
  }
}

/** Stable identifier of a commitment: hex of enc(D) ‖ enc(E). */
export function commitmentId(suite: FrostCiphersuite, c: NonceCommitment): string {
  return bytesToHex(commitmentPayload(suite, c));
}

function commitmentPayload(suite: FrostCiphersuite, c: NonceCommitment): Uint8Array {
  return concatBytes(suite.curve.encodePoint(c.hiding), suite.curve.encodePoint(c.binding));
}

/** Bytes of a pool epoch: random per pool, so that a restarted pool never reuses a slot. */
export const POOL_EPOCH_LENGTH = 16;
const SIGNATURE_LENGTH = 64;

/** A pooled commitment with its owner's signature for its pool slot. */
export interface SignedCommitment {
  commitment: NonceCommitment;
  /** Random per pool (so a restarted pool never reuses a slot), then a sequence number within it. */
  epoch: Uint8Array;
  sequence: number;
  signature: Uint8Array;
}

/** The protocol name of pooled-commitment slots (their session: group key ‖ epoch; round: sequence). */
export function poolProtocol(suite: FrostCiphersuite): string {
  return `frost-pool/${suite.name}`;
}

/** The slot a pooled commitment is signed for: suite, group key, signer, epoch and sequence. */
export function poolSlot(pub: FrostPublicKey, signer: number, epoch: Uint8Array, sequence: number): BroadcastSlot {
  return { protocol: poolProtocol(pub.suite), session: concatBytes(pub.suite.curve.encodePoint(pub.groupKey), epoch), round: sequence, from: signer };
}

/** A commitment equivocation as FROST complaints carry it: the slot's session and round, then the two signed digests. */
export function slotEquivocation(slot: BroadcastSlot, evidence: Uint8Array | undefined): Uint8Array | undefined {
  return evidence && new Writer().varBytes(slot.session).u32(slot.round).bytes(evidence).finish();
}

/** The signed message a pooled commitment stands for, in the form `openForwarded` checks. */
function signedBytes(pub: FrostPublicKey, sc: SignedCommitment): Uint8Array {
  return new Writer().varBytes(commitmentPayload(pub.suite, sc.commitment)).bytes(sc.signature).finish();
}

/** Whether the commitment's owner signed it for its slot (never throws). */
export function commitmentSignatureValid(identity: Pick<PartyIdentity, 'publicKeys'>, pub: FrostPublicKey, sc: SignedCommitment): boolean {
  try {
    const signer = Number(sc.commitment.identifier);
    return openForwarded(identity, poolSlot(pub, signer, sc.epoch, sc.sequence), signedBytes(pub, sc)) !== undefined;
  } catch {
    return false;
  }
}

export function encodeSignedCommitment(suite: FrostCiphersuite, sc: SignedCommitment): Uint8Array {
  const { curve } = suite;
  return new Writer()
    .u16(Number(sc.commitment.identifier))
    .bytes(sc.epoch)
    .u32(sc.sequence)
    .point(curve, sc.commitment.hiding)
    .point(curve, sc.commitment.binding)
    .bytes(sc.signature)
    .finish();
}

/**
 * Strict decoding (points in the prime-order group); the signature is not checked here. The
 * subgroup check is `checkCommitment`'s, which remembers the points it passed, so that the
 * signing protocol's own check of the same commitment costs nothing (on ed25519 the check is
 * most of a FROST signer's work). `checkSubgroup: false` leaves it to that protocol check, which
 * names the commitment's signer, or spares it for a commitment the caller replaces with its own
 * checked points (its own commitment, matched byte for byte against the nonces it stored).
 */
export function decodeSignedCommitment(suite: FrostCiphersuite, bytes: Uint8Array, opts: { checkSubgroup?: boolean } = {}): SignedCommitment {
  const { curve } = suite;
  const r = new Reader(bytes);
  const identifier = BigInt(r.u16());
  const epoch = r.bytes(POOL_EPOCH_LENGTH);
  const sequence = r.u32();
  const hiding = r.point(curve, false);
  const binding = r.point(curve, false);
  const signature = r.bytes(SIGNATURE_LENGTH);
  r.end();
  const commitment = { identifier, hiding, binding };
  if (opts.checkSubgroup === false) return { commitment, epoch, sequence, signature };
  try {
    checkCommitment(suite, commitment);
  } catch {
    throw new DecodeError('nonce commitment is not a point of the prime-order group');
  }
  return { commitment, epoch, sequence, signature };
}

/**
 * Two validly signed, different commitments of one signer for one pool slot: the evidence of an
 * equivocation (slot session and sequence, then both signed digests), or undefined.
 */
export function pooledEquivocation(identity: Pick<PartyIdentity, 'publicKeys'>, pub: FrostPublicKey, a: SignedCommitment, b: SignedCommitment): Uint8Array | undefined {
  if (a.commitment.identifier !== b.commitment.identifier || a.sequence !== b.sequence || !equalBytes(a.epoch, b.epoch)) return undefined;
  const slot = poolSlot(pub, Number(a.commitment.identifier), a.epoch, a.sequence);
  return slotEquivocation(slot, equivocationEvidence(identity, slot, signedBytes(pub, a), signedBytes(pub, b)));
}

/**
 * Signs one of this signer's commitments for its pool slot (epoch, sequence), for publication.
 * The caller never signs two commitments for one slot: that signature pair convicts it.
 */
export function signCommitment(key: FrostSigningKey, identity: Pick<PartyIdentity, 'secretKey'>, epoch: Uint8Array, sequence: number, commitment: NonceCommitment): SignedCommitment {
  if (epoch.length !== POOL_EPOCH_LENGTH) throw new RangeError(`a pool epoch is ${POOL_EPOCH_LENGTH} bytes`);
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 0xffffffff) throw new RangeError('a pool sequence number is a u32');
  if (commitment.identifier !== key.identifier) throw new RangeError("a signer signs only its own commitments");
  const slot = poolSlot(key, Number(key.identifier), epoch, sequence);
  const { signature } = unwrapSigned(slot.from, signBroadcast(identity.secretKey, slot, commitmentPayload(key.suite, commitment)));
  return { commitment, epoch: epoch.slice(), sequence, signature };
}

const NONCES_VERSION = 1;

/**
 * Storage encoding of a secret nonce pair: version u8 (=1) ‖ suite name u8-len ascii ‖
 * identifier u16 ‖ hiding nonce ‖ binding nonce (scalars in the suite's encoding). The commitment
 * is not stored: decoding recomputes it from the nonces.
 */
export function encodeSigningNonces(suite: FrostCiphersuite, nonces: SigningNonces): Uint8Array {
  const id = nonces.commitment.identifier;
  if (id < 1n || id > 0xffffn) throw new RangeError('signer identifier out of range');
  if (nonces.hiding === 0n || nonces.binding === 0n) throw new RangeError('nonces must be non-zero scalars');
  const name = utf8(suite.name);
  return new Writer().u8(NONCES_VERSION).u8(name.length).bytes(name).u16(Number(id)).scalar(suite.curve, nonces.hiding).scalar(suite.curve, nonces.binding).finish();
}

/** Strict decoding: a DecodeError for another version or suite, a zero or non-canonical nonce, trailing bytes. */
export function decodeSigningNonces(suite: FrostCiphersuite, bytes: Uint8Array): SigningNonces {
  const r = new Reader(bytes);
  const version = r.u8();
  if (version !== NONCES_VERSION) throw new DecodeError(`unsupported nonce record version ${version}`);
  if (!equalBytes(r.bytes(r.u8()), utf8(suite.name))) throw new DecodeError(`not a nonce record of ${suite.name}`);
  const id = r.u16();
  if (id === 0) throw new DecodeError('signer identifier 0 is invalid');
  const hiding = r.scalar(suite.curve);
  const binding = r.scalar(suite.curve);
  r.end();
  if (hiding === 0n || binding === 0n) throw new DecodeError('zero nonce');
  return signingNonces(suite, BigInt(id), hiding, binding);
}

export class NoncePool {
  private readonly available = new Map<string, SigningNonces>();
  private readonly spent = new Set<string>();
  private epoch: Uint8Array;
  private sequence = 0;

  constructor(
    private readonly key: FrostSigningKey,
    private readonly identity: PartyIdentity,
    private readonly rng: Rng,
  ) {
    this.epoch = rng(POOL_EPOCH_LENGTH);
  }

  get size(): number {
    return this.available.size;
  }

  /**
   * Makes `count` fresh nonce pairs and returns their signed commitments for publication. A
   * commitment this pool has made before (a repeating randomness source) is refused, and with it
   * the whole batch: publishing it would hand out one nonce twice.
   */
  generate(count: number): SignedCommitment[] {
    const made = new Map<string, SigningNonces>();
    for (let i = 0; i < count; i++) {
      const nonces = commit(this.key, this.rng);
      const id = commitmentId(this.key.suite, nonces.commitment);
      if (made.has(id) || this.available.has(id) || this.spent.has(id)) throw new NonceReuseError('the randomness source repeated a nonce commitment');
      made.set(id, nonces);
    }
    const out = [...made.values()].map((nonces) => this.sign(nonces.commitment));
    for (const [id, nonces] of made) this.available.set(id, nonces);
    return out;
  }

  private sign(commitment: NonceCommitment): SignedCommitment {
    if (this.sequence > 0xffffffff) {
      this.epoch = this.rng(POOL_EPOCH_LENGTH);
      this.sequence = 0;
    }
    return signCommitment(this.key, this.identity, this.epoch, this.sequence++, commitment);
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
  private readonly fresh = new Map<number, SignedCommitment[]>();
  private readonly everSeen = new Set<string>();
  /** Pool slots already filled, to catch two commitments signed for one slot. */
  private readonly slots = new Set<string>();

  constructor(
    private readonly pub: FrostPublicKey,
    private readonly identity: Pick<PartyIdentity, 'publicKeys'>,
  ) {}

  /**
   * Records a signer's published commitments. The signer is named for a commitment under another
   * identifier, an invalid point, a bad signature, a repeated commitment, or two commitments
   * signed for one slot.
   */
  publish(signer: number, commitments: readonly SignedCommitment[]): void {
    const { suite } = this.pub;
    const ids = commitments.map((sc) => {
      const c = sc.commitment;
      if (c.identifier !== BigInt(signer)) blame('bad-commitment', signer, 'commitment published under another identifier');
      try {
        checkCommitment(suite, c);
      } catch {
        blame('bad-commitment', signer, 'nonce commitment is not a point of the prime-order group');
      }
      if (!commitmentSignatureValid(this.identity, this.pub, sc)) blame('bad-signature', signer, 'commitment signature does not verify');
      return commitmentId(suite, c);
    });
    if (new Set(ids).size !== ids.length || ids.some((id) => this.everSeen.has(id))) {
      blame('nonce-reuse', signer, 'published a nonce commitment twice');
    }
    const slotKeys = commitments.map((sc) => `${signer}/${bytesToHex(sc.epoch)}/${sc.sequence}`);
    if (new Set(slotKeys).size !== slotKeys.length || slotKeys.some((k) => this.slots.has(k))) {
      blame('equivocation', signer, 'signed two nonce commitments for one pool slot');
    }
    ids.forEach((id) => this.everSeen.add(id));
    slotKeys.forEach((k) => this.slots.add(k));
    const list = this.fresh.get(signer) ?? [];
    list.push(...commitments);
    this.fresh.set(signer, list);
  }

  available(signer: number): number {
    return this.fresh.get(signer)?.length ?? 0;
  }

  /** Removes and returns one unused commitment of each signer, for one signing session. */
  take(signers: readonly number[]): SignedCommitment[] {
    const empty = signers.filter((s) => this.available(s) === 0);
    if (empty.length) throw new RangeError(`no pooled commitments left for ${empty.join(', ')}`);
    return signers.map((s) => this.fresh.get(s)!.shift()!);
  }
}
