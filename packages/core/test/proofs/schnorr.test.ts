import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ed25519 } from '@noble/curves/ed25519.js';
import { numberToBytesBE, numberToBytesLE } from '@noble/curves/utils.js';
import { bytesToHex, concatBytes, utf8 } from '../../src/bytes.js';
import { ED25519, SECP256K1, type Curve, mod, randomScalar } from '../../src/math/curve.js';
import { Transcript } from '../../src/math/transcript.js';
import { type SchnorrProof, decodeSchnorrProof, encodeSchnorrProof, proveSchnorr, verifySchnorr } from '../../src/proofs/schnorr.js';
import { seededRng } from '../../src/rng.js';

const BOTH: readonly Curve[] = [ED25519, SECP256K1];

/** A context as the protocols build it: session ‖ party ‖ round. */
function context(session: string, party: number, round = 1): Uint8Array {
  return concatBytes(utf8(session), Uint8Array.of(0, party), Uint8Array.of(round));
}

describe.each(BOTH.map((c) => [c.name, c] as const))('%s Schnorr proof of knowledge', (_name, curve) => {
  const rng = seededRng(`schnorr-${curve.name}`);
  const x = randomScalar(curve, rng);
  const X = curve.mulBase(x);
  const ctx = context('session-A', 1);
  const proof = proveSchnorr(curve, x, X, ctx, rng);

  it('a valid proof verifies', () => {
    expect(verifySchnorr(curve, X, ctx, proof)).toBe(true);
  });

  it('satisfies z·G = A + e·X with the documented challenge', () => {
    const e = new Transcript('mpc-wallet/v1/proof/schnorr-pok')
      .appendBytes('curve', utf8(curve.name))
      .appendBytes('context', ctx)
      .appendPoint('X', curve, X)
      .appendPoint('A', curve, proof.commitment)
      .challengeScalar(curve);
    expect(curve.mulBase(proof.response).equals(proof.commitment.add(curve.mulBase(mod(e * x, curve.order))))).toBe(true);
    expect(proof.response).toBe(mod(proof.response, curve.order));
  });

  it('valid proofs verify (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: curve.order - 1n }), fc.uint8Array({ maxLength: 40 }), fc.string(), (secret, c, seed) => {
        const pub = curve.mulBase(secret);
        const p = proveSchnorr(curve, secret, pub, c, seededRng(seed));
        expect(verifySchnorr(curve, pub, c, p)).toBe(true);
        const decoded = decodeSchnorrProof(curve, encodeSchnorrProof(curve, p));
        expect(verifySchnorr(curve, pub, c, decoded)).toBe(true);
      }),
      { numRuns: 10 },
    );
  });

  it('is randomised: two proofs of the same statement differ but both verify', () => {
    const other = proveSchnorr(curve, x, X, ctx, rng);
    expect(other.commitment.equals(proof.commitment)).toBe(false);
    expect(verifySchnorr(curve, X, ctx, other)).toBe(true);
  });

  it('fails in another context (session, party, round)', () => {
    expect(verifySchnorr(curve, X, context('session-B', 1), proof)).toBe(false);
    expect(verifySchnorr(curve, X, context('session-A', 2), proof)).toBe(false);
    expect(verifySchnorr(curve, X, context('session-A', 1, 2), proof)).toBe(false);
    expect(verifySchnorr(curve, X, new Uint8Array(0), proof)).toBe(false);
    expect(verifySchnorr(curve, X, ctx.subarray(0, ctx.length - 1), proof)).toBe(false);
  });

  it('fails for another public key', () => {
    expect(verifySchnorr(curve, curve.mulBase(x + 1n), ctx, proof)).toBe(false);
    expect(verifySchnorr(curve, X.negate(), ctx, proof)).toBe(false);
  });

  it('fails with a tampered response or commitment', () => {
    const tampered: SchnorrProof[] = [
      { commitment: proof.commitment, response: mod(proof.response + 1n, curve.order) },
      { commitment: proof.commitment, response: mod(proof.response - 1n, curve.order) },
      { commitment: proof.commitment, response: 0n },
      { commitment: proof.commitment.add(curve.base), response: proof.response },
      { commitment: proof.commitment.negate(), response: proof.response },
      { commitment: curve.base, response: proof.response },
      // A consistent-looking pair that ignores the challenge.
      { commitment: curve.mulBase(proof.response), response: proof.response },
    ];
    for (const t of tampered) expect(verifySchnorr(curve, X, ctx, t)).toBe(false);
  });

  it('rejects the identity as public key or commitment', () => {
    expect(verifySchnorr(curve, curve.identity, ctx, proof)).toBe(false);
    expect(verifySchnorr(curve, X, ctx, { commitment: curve.identity, response: proof.response })).toBe(false);
    // x = 0 gives X = identity: the trivial "proof" A = a·G, z = a does not verify.
    const a = 77n;
    expect(verifySchnorr(curve, curve.identity, ctx, { commitment: curve.mulBase(a), response: a })).toBe(false);
  });

  it('a proof by one party does not verify as another party’s', () => {
    const y = randomScalar(curve, rng);
    const Y = curve.mulBase(y);
    const proofY = proveSchnorr(curve, y, Y, context('session-A', 2), rng);
    expect(verifySchnorr(curve, Y, context('session-A', 2), proofY)).toBe(true);
    expect(verifySchnorr(curve, Y, context('session-A', 1), proofY)).toBe(false);
    expect(verifySchnorr(curve, X, context('session-A', 2), proofY)).toBe(false);
  });

  it('encodes as commitment ‖ response and round-trips', () => {
    const bytes = encodeSchnorrProof(curve, proof);
    expect(bytes.length).toBe(curve.pointLength + curve.scalarLength);
    expect(bytesToHex(bytes)).toBe(bytesToHex(concatBytes(curve.encodePoint(proof.commitment), curve.encodeScalar(proof.response))));
    const decoded = decodeSchnorrProof(curve, bytes);
    expect(decoded.commitment.equals(proof.commitment)).toBe(true);
    expect(decoded.response).toBe(proof.response);
    expect(bytesToHex(encodeSchnorrProof(curve, decoded))).toBe(bytesToHex(bytes));
  });

  it('refuses to encode a non-canonical response or identity commitment', () => {
    expect(() => encodeSchnorrProof(curve, { commitment: proof.commitment, response: proof.response + curve.order })).toThrow(RangeError);
    expect(() => encodeSchnorrProof(curve, { commitment: curve.identity, response: 1n })).toThrow(RangeError);
  });

  it('strict decoding: wrong lengths', () => {
    const bytes = encodeSchnorrProof(curve, proof);
    for (const bad of [new Uint8Array(0), bytes.subarray(0, bytes.length - 1), concatBytes(bytes, Uint8Array.of(0)), bytes.subarray(0, 32)]) {
      expect(() => decodeSchnorrProof(curve, bad)).toThrow(TypeError);
      expect(() => decodeSchnorrProof(curve, bad)).toThrow('bad proof length');
    }
  });

  it('strict decoding: bad commitment point', () => {
    const bytes = encodeSchnorrProof(curve, proof);
    const response = bytes.subarray(curve.pointLength);
    const badPoints: Uint8Array[] = [new Uint8Array(curve.pointLength).fill(0xff)];
    if (curve === ED25519) {
      badPoints.push(Uint8Array.of(1, ...new Uint8Array(31))); // identity
      badPoints.push(Uint8Array.of(2, ...new Uint8Array(31))); // y = 2 is not on the curve
      badPoints.push(Uint8Array.of(0xee, ...new Uint8Array(30).fill(0xff), 0x7f)); // y = p + 1: non-canonical identity
    } else {
      badPoints.push(new Uint8Array(33)); // bad prefix
      badPoints.push(Uint8Array.of(4, ...bytes.subarray(1, 33))); // uncompressed prefix on 33 bytes
    }
    for (const p of badPoints) {
      expect(() => decodeSchnorrProof(curve, concatBytes(p, response)), bytesToHex(p)).toThrow(RangeError);
    }
  });

  if (curve === ED25519) {
    it('a torsion component in the commitment makes the proof fail', () => {
      const order2 = ed25519.Point.fromHex('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
      const A = proof.commitment as unknown as InstanceType<typeof ed25519.Point>;
      const response = encodeSchnorrProof(curve, proof).subarray(curve.pointLength);
      for (const bad of [A.add(order2), order2]) {
        let ok: boolean;
        try {
          ok = verifySchnorr(curve, X, ctx, decodeSchnorrProof(curve, concatBytes(bad.toBytes(), response)));
        } catch (e) {
          expect(e).toBeInstanceOf(RangeError);
          ok = false;
        }
        expect(ok).toBe(false);
      }
    });
  }

  it('strict decoding: non-canonical response', () => {
    const bytes = encodeSchnorrProof(curve, proof).slice();
    bytes.fill(0xff, curve.pointLength);
    expect(() => decodeSchnorrProof(curve, bytes)).toThrow('scalar is not canonical');
    const order = curve === ED25519 ? numberToBytesLE(curve.order, 32) : numberToBytesBE(curve.order, 32);
    bytes.set(order, curve.pointLength);
    expect(() => decodeSchnorrProof(curve, bytes)).toThrow(RangeError);
  });

  it('any single bit flip in an encoded proof makes it fail to decode or to verify', () => {
    const bytes = encodeSchnorrProof(curve, proof);
    for (let bit = 0; bit < bytes.length * 8; bit += 3) {
      const flipped = bytes.slice();
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      let ok: boolean;
      try {
        ok = verifySchnorr(curve, X, ctx, decodeSchnorrProof(curve, flipped));
      } catch (e) {
        expect(e).toBeInstanceOf(RangeError);
        ok = false;
      }
      expect(ok, `bit ${bit}`).toBe(false);
    }
  });
});

describe('Schnorr across curves', () => {
  it('an ed25519 proof does not decode as secp256k1 and vice versa', () => {
    const rng = seededRng('cross');
    const e = encodeSchnorrProof(ED25519, proveSchnorr(ED25519, 5n, ED25519.mulBase(5n), new Uint8Array(1), rng));
    const s = encodeSchnorrProof(SECP256K1, proveSchnorr(SECP256K1, 5n, SECP256K1.mulBase(5n), new Uint8Array(1), rng));
    expect(e.length).toBe(64);
    expect(s.length).toBe(65);
    expect(() => decodeSchnorrProof(SECP256K1, e)).toThrow(TypeError);
    expect(() => decodeSchnorrProof(ED25519, s)).toThrow(TypeError);
  });
});
