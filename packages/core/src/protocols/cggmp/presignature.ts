/**
 * A CGGMP presignature (what presign.ts outputs and sign.ts consumes) and its storage form.
 *
 * The secret parts (kᵢ, χᵢ) live in a module-private table, not on the object: `take()` hands them
 * out once and forgets them, and the only other reader is `encodePresignature`, which leaves the
 * presignature usable (the signer node stores it, then signs only with what it reloads after
 * consuming the stored record) and refuses one that was used. Logging or inspecting a
 * presignature never shows its secret.
 *
 * Storage encoding, version 1 (integers big-endian; points compressed secp256k1; scalars 32 bytes):
 *
 *   version u8 (=1) ‖ self u16 ‖ signer count u16 ‖ signer ids u16 (ascending) ‖ R ‖ Γ ‖ X ‖
 *   per signer in that order: Δⱼ ‖ Sⱼ ‖ bound digest u32-len (0 or 32 bytes) ‖ kᵢ ‖ χᵢ
 *
 * Decoding is strict (DecodeError on any malformed input, trailing bytes included) and re-checks
 * what is cheap: kᵢ, χᵢ non-zero and this party's own public values Δᵢ = kᵢ·Γ and Sᵢ = χᵢ·Γ, which
 * every peer checks its signature share against.
 */
import { DecodeError, Reader, Writer } from '../../engine/codec.js';
import { type GroupPoint, SECP256K1 } from '../../math/curve.js';
import { sharedKeyPoint } from '../../math/key-table.js';

const curve = SECP256K1;

/** Public part of a presignature, the same at every signer. */
export interface PresignaturePublic {
  R: GroupPoint;
  Gamma: GroupPoint;
  publicKey: GroupPoint;
  signers: readonly number[];
  /** Δⱼ = kⱼ·Γ and Sⱼ = χⱼ·Γ: what each signature share is checked against. */
  Delta: ReadonlyMap<number, GroupPoint>;
  S: ReadonlyMap<number, GroupPoint>;
  /** The digest this presignature was bound to before presigning (PresignConfig.boundDigest). */
  boundDigest?: Uint8Array;
}

interface PresignatureSecret {
  k: bigint;
  chi: bigint;
}

/** Each unused presignature's secret parts; deleting the entry is what makes it used. */
const secrets = new WeakMap<Presignature, PresignatureSecret>();

/**
 * A presignature: usable for exactly one signature. `take()` hands out the secret parts once and
 * erases them; every later call throws.
 */
export class Presignature {
  constructor(
    readonly self: number,
    readonly pub: PresignaturePublic,
    k: bigint,
    chi: bigint,
  ) {
    secrets.set(this, { k, chi });
  }

  get used(): boolean {
    return !secrets.has(this);
  }

  take(): PresignatureSecret {
    const s = secrets.get(this);
    if (!s) throw new PresignatureReuseError();
    secrets.delete(this);
    return s;
  }
}

export class PresignatureReuseError extends Error {
  constructor() {
    super('presignature already used');
    this.name = 'PresignatureReuseError';
  }
}

const PRESIGNATURE_VERSION = 1;
const DIGEST_LENGTH = 32;

/** The storage encoding of an unused presignature; the presignature stays unused. */
export function encodePresignature(p: Presignature): Uint8Array {
  const secret = secrets.get(p);
  if (!secret) throw new PresignatureReuseError();
  const { pub } = p;
  const signers = pub.signers;
  if (!signers.includes(p.self)) throw new RangeError('the presignature is not of one of its signers');
  const bound = pub.boundDigest ?? new Uint8Array(0);
  if (bound.length !== 0 && bound.length !== DIGEST_LENGTH) throw new RangeError('the bound digest must be 32 bytes');
  const w = new Writer().u8(PRESIGNATURE_VERSION).u16(p.self).u16(signers.length);
  signers.forEach((j, i) => {
    if (i > 0 && j <= signers[i - 1]!) throw new RangeError('signer ids must ascend');
    w.u16(j);
  });
  w.point(curve, pub.R).point(curve, pub.Gamma).point(curve, pub.publicKey);
  for (const j of signers) {
    const Delta = pub.Delta.get(j);
    const S = pub.S.get(j);
    if (!Delta || !S) throw new RangeError(`no public values for signer ${j}`);
    w.point(curve, Delta).point(curve, S);
  }
  return w.varBytes(bound).scalar(curve, secret.k).scalar(curve, secret.chi).finish();
}

export function decodePresignature(bytes: Uint8Array): Presignature {
  const r = new Reader(bytes);
  const version = r.u8();
  if (version !== PRESIGNATURE_VERSION) throw new DecodeError(`unsupported presignature version ${version}`);
  const self = r.u16();
  const count = r.u16();
  if (count === 0) throw new DecodeError('a presignature has at least one signer');
  const signers: number[] = [];
  for (let i = 0; i < count; i++) {
    const id = r.u16();
    if (id === 0 || (i > 0 && id <= signers[i - 1]!)) throw new DecodeError('signer ids must be non-zero and ascend');
    signers.push(id);
  }
  if (!signers.includes(self)) throw new DecodeError('the presignature is not of one of its signers');
  const R = r.point(curve);
  const Gamma = r.point(curve);
  const publicKey = r.point(curve);
  const Delta = new Map<number, GroupPoint>();
  const S = new Map<number, GroupPoint>();
  for (const j of signers) {
    Delta.set(j, r.point(curve));
    S.set(j, r.point(curve));
  }
  const bound = r.varBytes(DIGEST_LENGTH);
  if (bound.length !== 0 && bound.length !== DIGEST_LENGTH) throw new DecodeError('the bound digest must be 32 bytes');
  const k = r.scalar(curve);
  const chi = r.scalar(curve);
  r.end();
  if (k === 0n || chi === 0n) throw new DecodeError('degenerate presignature secret');
  if (!Gamma.multiply(k).equals(Delta.get(self)!) || !Gamma.multiply(chi).equals(S.get(self)!)) {
    throw new DecodeError('the presignature secret does not match its public values');
  }
  const pub: PresignaturePublic = { R, Gamma, publicKey: sharedKeyPoint(curve, publicKey), signers, Delta, S };
  if (bound.length) pub.boundDigest = bound;
  return new Presignature(self, pub, k, chi);
}
