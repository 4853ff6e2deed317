/**
 * A party's share of a threshold key: what DKG, refresh and resharing produce and what signing
 * consumes. The encoding is versioned and strict; the secret share is the only secret field.
 */
import { CURVES, type Curve, type CurveName, type GroupPoint } from '../math/curve.js';
import { DecodeError, Reader, Writer } from '../engine/codec.js';
import { lagrangeAtZero, validateThreshold } from '../math/polynomial.js';

export interface KeyShare {
  curve: CurveName;
  /** Number of parties needed to sign. */
  threshold: number;
  /** Identifiers of the committee holding the key, ascending. */
  parties: readonly number[];
  /** This party's identifier. */
  self: number;
  /** This party's secret share sᵢ = f(i). */
  secretShare: bigint;
  /** The group public key f(0)·G. */
  publicKey: GroupPoint;
  /** Every committee member's public share f(j)·G. */
  verificationShares: ReadonlyMap<number, GroupPoint>;
  /**
   * Where each member's share is evaluated, when that is not its party number — only for shares
   * imported from another system (e.g. tss-lib), which are reshared to standard identifiers
   * before they are used or stored.
   */
  evaluationPoints?: ReadonlyMap<number, bigint>;
}

/** The scalar at which party `id`'s share is evaluated. */
export function evaluationPoint(pkg: Pick<KeyShare, 'evaluationPoints'>, id: number): bigint {
  const x = pkg.evaluationPoints ? pkg.evaluationPoints.get(id) : BigInt(id);
  if (x === undefined || x === 0n) throw new RangeError(`no evaluation point for party ${id}`);
  return x;
}

export type PublicKeyPackage = Omit<KeyShare, 'secretShare' | 'self'>;

const KEY_SHARE_VERSION = 1;

export function encodeKeyShare(share: KeyShare): Uint8Array {
  if (share.evaluationPoints) throw new RangeError('an imported share must be reshared before it is stored');
  const curve = CURVES[share.curve];
  const w = new Writer().u8(KEY_SHARE_VERSION).u8(share.curve === 'secp256k1' ? 1 : 2).u16(share.threshold).u16(share.self);
  w.u16(share.parties.length);
  for (const id of share.parties) w.u16(id).point(curve, share.verificationShares.get(id)!);
  return w.point(curve, share.publicKey).scalar(curve, share.secretShare).finish();
}

export function decodeKeyShare(bytes: Uint8Array): KeyShare {
  const r = new Reader(bytes);
  if (r.u8() !== KEY_SHARE_VERSION) throw new DecodeError('unsupported key share version');
  const tag = r.u8();
  const curveName: CurveName | undefined = tag === 1 ? 'secp256k1' : tag === 2 ? 'ed25519' : undefined;
  if (!curveName) throw new DecodeError('unknown curve');
  const curve = CURVES[curveName];
  const threshold = r.u16();
  const self = r.u16();
  const n = r.u16();
  const parties: number[] = [];
  const verificationShares = new Map<number, GroupPoint>();
  for (let i = 0; i < n; i++) {
    const id = r.u16();
    if (id === 0 || (parties.length && id <= parties[parties.length - 1]!)) throw new DecodeError('party ids must ascend');
    parties.push(id);
    verificationShares.set(id, r.point(curve));
  }
  const publicKey = r.point(curve);
  const secretShare = r.scalar(curve);
  r.end();
  const share: KeyShare = { curve: curveName, threshold, parties, self, secretShare, publicKey, verificationShares };
  checkKeyShare(share);
  return share;
}

/**
 * Consistency of a key share: threshold fits, own secret matches own verification share, and the
 * verification shares interpolate to the public key (checked on `threshold` of them, and every
 * other one lies on the same polynomial).
 */
export function checkKeyShare(share: KeyShare): void {
  const curve: Curve = CURVES[share.curve];
  validateThreshold(share.threshold, share.parties.length);
  if (!share.parties.includes(share.self)) throw new RangeError('self is not a committee member');
  if (!curve.mulBase(share.secretShare).equals(share.verificationShares.get(share.self)!)) {
    throw new RangeError('secret share does not match its verification share');
  }
  checkPublicPackage(share);
}

export function checkPublicPackage(pkg: PublicKeyPackage): void {
  const curve: Curve = CURVES[pkg.curve];
  const share = (id: number) => {
    const Y = pkg.verificationShares.get(id);
    if (!Y) throw new RangeError(`no verification share for party ${id}`);
    return Y;
  };
  const basis = pkg.parties.slice(0, pkg.threshold);
  const basisPoints = basis.map((id) => evaluationPoint(pkg, id));
  const interpolate = (x: bigint) => {
    // Lagrange interpolation in the exponent through the first `threshold` verification shares.
    const coeffs = basisPoints.map((xi) => lagrangeAt(curve, xi, basisPoints, x));
    return curve.sumOfProducts(basis.map(share), coeffs);
  };
  if (!interpolate(0n).equals(pkg.publicKey)) throw new RangeError('verification shares do not match the public key');
  for (const id of pkg.parties.slice(pkg.threshold)) {
    if (!interpolate(evaluationPoint(pkg, id)).equals(share(id))) {
      throw new RangeError('verification shares are not of the declared threshold');
    }
  }
}

/** Lagrange basis polynomial of `xi` over `xs`, evaluated at `x`. */
function lagrangeAt(curve: Curve, xi: bigint, xs: readonly bigint[], x: bigint): bigint {
  if (x === 0n) return lagrangeAtZero(curve, xi, xs);
  // L_i(x) = Π (x - xj)/(xi - xj); reuse lagrangeAtZero by shifting the variable.
  return lagrangeAtZero(curve, xi - x, xs.map((xj) => xj - x));
}

export function publicPackageOf(share: KeyShare): PublicKeyPackage {
  const { secretShare: _s, self: _self, ...pub } = share;
  return pub;
}

