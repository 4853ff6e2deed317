/**
 * Π^sch: non-interactive Schnorr proof of knowledge of x with X = x·G. The challenge binds a
 * caller-supplied context (session id, prover identity, protocol round), so a proof copied
 * from another session or another party does not verify.
 */
import { type Curve, type GroupPoint, mod, randomScalar } from '../math/curve.js';
import { Transcript } from '../math/transcript.js';

export interface SchnorrProof {
  commitment: GroupPoint;
  response: bigint;
}

const DOMAIN = 'mpc-wallet/v1/proof/schnorr-pok';

function challenge(curve: Curve, context: Uint8Array, X: GroupPoint, A: GroupPoint): bigint {
  return new Transcript(DOMAIN)
    .appendBytes('curve', new TextEncoder().encode(curve.name))
    .appendBytes('context', context)
    .appendPoint('X', curve, X)
    .appendPoint('A', curve, A)
    .challengeScalar(curve);
}

export function proveSchnorr(
  curve: Curve,
  x: bigint,
  X: GroupPoint,
  context: Uint8Array,
  rng: (n: number) => Uint8Array,
): SchnorrProof {
  const a = randomScalar(curve, rng);
  const A = curve.mulBase(a);
  const e = challenge(curve, context, X, A);
  return { commitment: A, response: mod(a + e * x, curve.order) };
}

export function verifySchnorr(curve: Curve, X: GroupPoint, context: Uint8Array, proof: SchnorrProof): boolean {
  if (X.is0() || proof.commitment.is0()) return false;
  const e = challenge(curve, context, X, proof.commitment);
  // z·G == A + e·X
  return curve.mulBase(proof.response).equals(proof.commitment.add(X.multiplyUnsafe(e)));
}

export function encodeSchnorrProof(curve: Curve, proof: SchnorrProof): Uint8Array {
  const out = new Uint8Array(curve.pointLength + curve.scalarLength);
  out.set(curve.encodePoint(proof.commitment), 0);
  out.set(curve.encodeScalar(proof.response), curve.pointLength);
  return out;
}

/**
 * The commitment A needs no subgroup check of its own: verification is the equality
 * z·G = A + e·X in the full group, so with X checked by the caller a torsion component in A
 * can only make the proof fail.
 */
export function decodeSchnorrProof(curve: Curve, bytes: Uint8Array): SchnorrProof {
  if (bytes.length !== curve.pointLength + curve.scalarLength) throw new TypeError('bad proof length');
  return {
    commitment: curve.decodePoint(bytes.subarray(0, curve.pointLength), false),
    response: curve.decodeScalar(bytes.subarray(curve.pointLength)),
  };
}
