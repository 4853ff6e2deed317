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
import { type FrostPublicKey, type FrostSigningKey, type NonceCommitment, type SigningNonces, checkCommitment, clearedCommitmentPoint, commitForPool, commitmentFromPreimages, signingNonces } from './sign.js';
import type { GroupPoint } from '../../math/curve.js';

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
  /**
   * The owner's cofactor preimages of the commitment's points (`commitForPool`), encoded after
   * the signature when present and the curve has a cofactor. They are not signed: a decoder uses
   * them only when [h]P′ gives exactly the signed point, and otherwise checks the point itself.
   */
  preimages?: { hiding: GroupPoint; binding: GroupPoint };
}

/** The protocol name of pooled-commitment slots (their session: group key ‖ epoch; round: sequence). */
export function poolProtocol(suite: FrostCiphersuite): string {
  return `frost-pool/${suite.name}`;
}

/** The slot a pooled commitment is signed for: suite, group key, signer, epoch and sequence. */
export function poolSlot(pub: FrostPublicKey, signer: number, epoch: Uint8Array, sequence: number): BroadcastSlot {
  return { protocol: poolProtocol(pub.suite), session: concatBytes(pub.suite.curve.encodePoint(pub.poolKey), epoch), round: sequence, from: signer };
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
  const w = new Writer()
    .u16(Number(sc.commitment.identifier))
    .bytes(sc.epoch)
    .u32(sc.sequence)
    .point(curve, sc.commitment.hiding)
    .point(curve, sc.commitment.binding)
    .bytes(sc.signature);
  // Affine: its users decode it without a square root (on secp256k1, without a cofactor, the
  // preimage is the point itself, and still spares that square root).
  if (sc.preimages) w.bytes(curve.encodeAffine(sc.preimages.hiding)).bytes(curve.encodeAffine(sc.preimages.binding));
  return w.finish();
}

/**
 * The commitment point whose encoding is `signed`, from a preimage's encoding: [h]P′ in the
 * prime-order group by construction, or undefined when the preimage does not decode or gives
 * another point.
 */
function pointFromPreimage(suite: FrostCiphersuite, signed: Uint8Array, preimage: Uint8Array): GroupPoint | undefined {
  const { curve } = suite;
  try {
    const p = clearedCommitmentPoint(suite, preimage.length === curve.affineLength ? curve.decodeAffine(preimage) : curve.decodePoint(preimage, false));
    return equalBytes(suite.curve.encodePoint(p), signed) ? p : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Strict decoding (points in the prime-order group); the signature is not checked here. A point
 * whose preimage came with it is [h]P′ (a few doublings, and in the group by construction); any
 * other is decoded and checked by `checkCommitment`, which remembers the points it passed, so
 * that the signing protocol's own check of the same commitment costs nothing (on ed25519 the
 * check is most of a FROST signer's work). `checkSubgroup: false` leaves that check to the
 * protocol, which names the commitment's signer, or spares it for a commitment the caller
 * replaces with its own checked points (its own, matched byte for byte against its stored nonces).
 * The result carries no preimages: re-encoded, it is the signed commitment alone.
 */
export function decodeSignedCommitment(suite: FrostCiphersuite, bytes: Uint8Array, opts: { checkSubgroup?: boolean } = {}): SignedCommitment {
  const { curve } = suite;
  const r = new Reader(bytes);
  const identifier = BigInt(r.u16());
  const epoch = r.bytes(POOL_EPOCH_LENGTH);
  const sequence = r.u32();
  const hidingBytes = r.bytes(curve.pointLength);
  const bindingBytes = r.bytes(curve.pointLength);
  const signature = r.bytes(SIGNATURE_LENGTH);
  // Affine preimages; compressed ones from before (still in a pool list) are accepted too.
  const preimageLength = [curve.affineLength, curve.pointLength].find((l) => r.remaining === 2 * l);
  const preimages = preimageLength ? [r.bytes(preimageLength), r.bytes(preimageLength)] : undefined;
  r.end();
  const point = (signed: Uint8Array, preimage: Uint8Array | undefined) =>
    (preimage && pointFromPreimage(suite, signed, preimage)) ?? new Reader(signed).point(curve, false);
  const commitment = { identifier, hiding: point(hidingBytes, preimages?.[0]), binding: point(bindingBytes, preimages?.[1]) };
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
export function signCommitment(
  key: FrostSigningKey,
  identity: Pick<PartyIdentity, 'secretKey'>,
  epoch: Uint8Array,
  sequence: number,
  commitment: NonceCommitment,
  /** The nonces' cofactor preimages (`commitForPool`), published with the commitment. */
  preimages?: SigningNonces['preimages'],
): SignedCommitment {
  if (epoch.length !== POOL_EPOCH_LENGTH) throw new RangeError(`a pool epoch is ${POOL_EPOCH_LENGTH} bytes`);
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 0xffffffff) throw new RangeError('a pool sequence number is a u32');
  if (commitment.identifier !== key.identifier) throw new RangeError("a signer signs only its own commitments");
  const slot = poolSlot(key, Number(key.identifier), epoch, sequence);
  const { signature } = unwrapSigned(slot.from, signBroadcast(identity.secretKey, slot, commitmentPayload(key.suite, commitment)));
  return { commitment, epoch: epoch.slice(), sequence, signature, ...(preimages ? { preimages } : {}) };
}

/** Nonce records: 1 holds the nonces alone, 2 also the commitment's cofactor preimages, 3 the preimages in affine form (no square root to decode). */
const NONCES_VERSION = 1;
const NONCES_WITH_PREIMAGES_VERSION = 2;
const NONCES_WITH_AFFINE_PREIMAGES_VERSION = 3;

/**
 * Storage encoding of a secret nonce pair: version u8 ‖ suite name u8-len ascii ‖ identifier u16
 * ‖ hiding nonce ‖ binding nonce (scalars in the suite's encoding), then the preimages of the
 * commitment's points: compressed in version 2, affine (x ‖ y) in version 3, which is written.
 * Version 1 is decoded by recomputing the commitment from the nonces (two constant-time
 * multiplications); versions 2 and 3, made for pooled nonces, by clearing the cofactor of the
 * stored preimages (a few doublings): the record is the signer's own, sealed.
 */
export function encodeSigningNonces(suite: FrostCiphersuite, nonces: SigningNonces): Uint8Array {
  const id = nonces.commitment.identifier;
  if (id < 1n || id > 0xffffn) throw new RangeError('signer identifier out of range');
  if (nonces.hiding === 0n || nonces.binding === 0n) throw new RangeError('nonces must be non-zero scalars');
  const name = utf8(suite.name);
  const w = new Writer().u8(nonces.preimages ? NONCES_WITH_AFFINE_PREIMAGES_VERSION : NONCES_VERSION).u8(name.length).bytes(name).u16(Number(id)).scalar(suite.curve, nonces.hiding).scalar(suite.curve, nonces.binding);
  if (nonces.preimages) w.bytes(suite.curve.encodeAffine(nonces.preimages.hiding)).bytes(suite.curve.encodeAffine(nonces.preimages.binding));
  return w.finish();
}

/** Strict decoding: a DecodeError for another version or suite, a zero or non-canonical nonce, a bad preimage, trailing bytes. */
export function decodeSigningNonces(suite: FrostCiphersuite, bytes: Uint8Array): SigningNonces {
  const r = new Reader(bytes);
  const version = r.u8();
  if (version !== NONCES_VERSION && version !== NONCES_WITH_PREIMAGES_VERSION && version !== NONCES_WITH_AFFINE_PREIMAGES_VERSION) throw new DecodeError(`unsupported nonce record version ${version}`);
  if (!equalBytes(r.bytes(r.u8()), utf8(suite.name))) throw new DecodeError(`not a nonce record of ${suite.name}`);
  const id = r.u16();
  if (id === 0) throw new DecodeError('signer identifier 0 is invalid');
  const hiding = r.scalar(suite.curve);
  const binding = r.scalar(suite.curve);
  const affine = () => {
    try {
      return suite.curve.decodeAffine(r.bytes(suite.curve.affineLength));
    } catch (e) {
      throw e instanceof DecodeError ? e : new DecodeError(`a stored preimage: ${(e as Error).message}`);
    }
  };
  const preimages =
    version === NONCES_WITH_PREIMAGES_VERSION ? { hiding: r.point(suite.curve, false), binding: r.point(suite.curve, false) }
    : version === NONCES_WITH_AFFINE_PREIMAGES_VERSION ? { hiding: affine(), binding: affine() }
    : undefined;
  r.end();
  if (hiding === 0n || binding === 0n) throw new DecodeError('zero nonce');
  if (!preimages) return signingNonces(suite, BigInt(id), hiding, binding);
  let commitment: NonceCommitment;
  try {
    commitment = commitmentFromPreimages(suite, BigInt(id), preimages);
  } catch {
    throw new DecodeError('a stored preimage gives the identity');
  }
  return { hiding, binding, commitment, preimages };
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
      const nonces = commitForPool(this.key, this.rng);
      const id = commitmentId(this.key.suite, nonces.commitment);
      if (made.has(id) || this.available.has(id) || this.spent.has(id)) throw new NonceReuseError('the randomness source repeated a nonce commitment');
      made.set(id, nonces);
    }
    const out = [...made.values()].map((nonces) => this.sign(nonces));
    for (const [id, nonces] of made) this.available.set(id, nonces);
    return out;
  }

  private sign(nonces: SigningNonces): SignedCommitment {
    if (this.sequence > 0xffffffff) {
      this.epoch = this.rng(POOL_EPOCH_LENGTH);
      this.sequence = 0;
    }
    return signCommitment(this.key, this.identity, this.epoch, this.sequence++, nonces.commitment, nonces.preimages);
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
