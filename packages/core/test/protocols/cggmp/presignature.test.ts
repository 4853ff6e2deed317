/**
 * Storage codec of CGGMP presignatures: encoding leaves the presignature unused and refuses a used
 * one; a decoded presignature signs (checked with @noble/curves), bound digest included; every
 * malformed variant is a DecodeError.
 */
import { MemorySessionRegistry } from '../../../src/engine/protocol.js';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { DecodeError } from '../../../src/engine/codec.js';
import type { AuxInfo } from '../../../src/protocols/cggmp/aux-info.js';
import { PresignProtocol } from '../../../src/protocols/cggmp/presign.js';
import { Presignature, PresignatureReuseError, decodePresignature, encodePresignature } from '../../../src/protocols/cggmp/presignature.js';
import { EcdsaSignProtocol, EcdsaSignRawDigest } from '../../../src/protocols/cggmp/sign.js';
import { seededRng } from '../../../src/rng.js';
import { simulate } from '../../../src/engine/simulator.js';
import { SECP256K1 } from '../../../src/math/curve.js';
import { bytesToHex, utf8 } from '../../../src/bytes.js';
import type { Committee } from '../../helpers.js';
import { ecdsaCommittee } from './ecdsa-setup.js';

const message = utf8('pay 1 BTC to bc1q…');
let committee: Committee;
let aux: Map<number, AuxInfo>;
/** Parties 1 and 3's presignatures of one run (unused: tests encode them, never sign with them). */
let presigs: Presignature[];
let bytes: Uint8Array;

function presign(seed: string, boundDigest?: Uint8Array): Presignature[] {
  const signers = [1, 3];
  const rng = seededRng(seed);
  const run = simulate(
    signers.map(
      (self) =>
        new PresignProtocol({
          sessions: new MemorySessionRegistry(),
          key: committee.shares.get(self)!,
          aux: aux.get(self)!,
          signers,
          session: utf8(seed),
          identity: committee.identities.get(self)!,
          rng,
          boundDigest,
        }),
    ),
    rng,
  );
  expect(run.aborts.size).toBe(0);
  return [...run.outputs.values()].sort((a, b) => a.self - b.self);
}

function verifies(sig: { compact: Uint8Array; digest: Uint8Array }): boolean {
  const publicKey = SECP256K1.encodePoint(committee.shares.get(1)!.publicKey);
  return secp256k1.verify(sig.compact, sig.digest, publicKey, { prehash: false, lowS: false });
}

beforeAll(() => {
  ({ committee, aux } = ecdsaCommittee('presignature-codec'));
  presigs = presign('presignature-codec');
  bytes = encodePresignature(presigs[0]!);
}, 120_000);

/** Offsets in a 2-signer encoding: version, self, count, two ids, then R, Γ, X, Δ₁, S₁, Δ₃, S₃ (33 bytes each). */
const SELF = 1;
const IDS = 5;
const R_AT = 9;
const pointAt = (i: number) => R_AT + 33 * i;

/** A presignature's public part with every point encoded, for comparison. */
function publicValues(p: Presignature) {
  const enc = (P: Parameters<typeof SECP256K1.encodePoint>[0]) => bytesToHex(SECP256K1.encodePoint(P));
  const { R, Gamma, publicKey, signers, Delta, S, boundDigest } = p.pub;
  return {
    points: [R, Gamma, publicKey].map(enc),
    signers,
    Delta: signers.map((j) => enc(Delta.get(j)!)),
    S: signers.map((j) => enc(S.get(j)!)),
    boundDigest: boundDigest && bytesToHex(boundDigest),
  };
}

function patched(at: number, replacement: ArrayLike<number>): Uint8Array {
  const out = bytes.slice();
  out.set(replacement, at);
  return out;
}

describe('presignature storage codec', () => {
  it('round-trips, and encoding leaves the presignature unused', () => {
    for (const p of presigs) {
      const encoded = encodePresignature(p);
      expect(p.used).toBe(false);
      const decoded = decodePresignature(encoded);
      expect(decoded.self).toBe(p.self);
      expect(publicValues(decoded)).toEqual(publicValues(p));
      // the group key is the shared instance, as presigning outputs it (its window table is reused)
      expect(decoded.pub.publicKey).toBe(p.pub.publicKey);
      expect(decoded.used).toBe(false);
      expect(encodePresignature(decoded)).toEqual(encoded);
    }
  });

  it('a used presignature is not encodable, and its secret is not on the object', () => {
    const [p] = presign('presignature-used');
    expect(JSON.stringify(p, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).not.toContain(p!.take().k.toString());
    expect(() => encodePresignature(p!)).toThrow(PresignatureReuseError);
  });

  it('decoded presignatures sign, and the signature verifies with @noble/curves', () => {
    const decoded = presign('presignature-sign').map((p) => decodePresignature(encodePresignature(p)));
    const run = simulate(
      decoded.map(
        (presignature) =>
          new EcdsaSignProtocol({ sessions: new MemorySessionRegistry(), presignature, message, hash: 'sha256', session: utf8('presignature-sign'), identity: committee.identities.get(presignature.self)! }),
      ),
      seededRng('presignature-sign'),
    );
    expect(run.aborts.size).toBe(0);
    expect(verifies(run.outputs.get(1)!)).toBe(true);
    expect(decoded.every((p) => p.used)).toBe(true);
  });

  it('a bound digest survives storage, and the decoded presignature signs only that digest', () => {
    const digest = sha256(utf8('bound before presigning'));
    const decoded = presign('presignature-bound', digest).map((p) => decodePresignature(encodePresignature(p)));
    expect(decoded[0]!.pub.boundDigest).toEqual(digest);
    const session = utf8('presignature-bound');
    const identity = (p: Presignature) => committee.identities.get(p.self)!;
    expect(() => new EcdsaSignRawDigest({ sessions: new MemorySessionRegistry(), presignature: decoded[0]!, digest: sha256(utf8('another')), session, identity: identity(decoded[0]!) })).toThrow(
      /bound to another digest/,
    );
    const run = simulate(
      decoded.map((presignature) => new EcdsaSignRawDigest({ sessions: new MemorySessionRegistry(), presignature, digest, session, identity: identity(presignature) })),
      seededRng('presignature-bound'),
    );
    expect(run.aborts.size).toBe(0);
    expect(verifies(run.outputs.get(3)!)).toBe(true);
  });

  it('refuses every truncation, a trailing byte and another version', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (cut) => {
        expect(() => decodePresignature(bytes.slice(0, cut))).toThrow(DecodeError);
      }),
    );
    expect(() => decodePresignature(Uint8Array.of(...bytes, 0))).toThrow(/trailing bytes/);
    expect(() => decodePresignature(patched(0, [2]))).toThrow(/version 2/);
  });

  it('refuses a secret that does not match its public values, a zero or non-canonical scalar', () => {
    const n = bytes.length;
    const k = decodePresignature(bytes).take().k;
    expect(() => decodePresignature(patched(n - 64, SECP256K1.encodeScalar(k + 1n)))).toThrow(/does not match its public values/);
    expect(() => decodePresignature(patched(n - 32, SECP256K1.encodeScalar(k)))).toThrow(/does not match its public values/);
    expect(() => decodePresignature(patched(n - 64, new Uint8Array(32)))).toThrow(/degenerate/);
    expect(() => decodePresignature(patched(n - 32, new Uint8Array(32)))).toThrow(/degenerate/);
    expect(() => decodePresignature(patched(n - 32, new Uint8Array(32).fill(0xff)))).toThrow(/invalid scalar/);
    // Δ₁ swapped with Δ₃: party 1's own Δ no longer matches its k
    expect(() => decodePresignature(patched(pointAt(3), bytes.subarray(pointAt(5), pointAt(6))))).toThrow(/does not match its public values/);
  });

  it('refuses a self outside the signers, ids out of order, no signer, an invalid point, a bound digest of the wrong length', () => {
    expect(() => decodePresignature(patched(SELF, [0, 2]))).toThrow(/not of one of its signers/);
    expect(() => decodePresignature(patched(IDS, [0, 3, 0, 1]))).toThrow(/ascend/);
    expect(() => decodePresignature(patched(IDS, [0, 0]))).toThrow(/non-zero/);
    expect(() => decodePresignature(Uint8Array.of(1, 0, 1, 0, 0))).toThrow(/at least one signer/);
    expect(() => decodePresignature(patched(R_AT, [5]))).toThrow(/invalid point/);
    const n = bytes.length;
    // the empty bound digest's u32 length sits before k and χ; a 5-byte digest in its place
    const secret = bytes.subarray(n - 64);
    const bound5 = Uint8Array.of(...bytes.subarray(0, n - 68), 0, 0, 0, 5, 1, 2, 3, 4, 5, ...secret);
    expect(() => decodePresignature(bound5)).toThrow(/32 bytes/);
    const bound33 = Uint8Array.of(...bytes.subarray(0, n - 68), 0, 0, 0, 33, ...new Uint8Array(33), ...secret);
    expect(() => decodePresignature(bound33)).toThrow(/too long/);
    // control: the unpatched record decodes
    expect(decodePresignature(bytes).self).toBe(1);
  });

  it('the encoder refuses a presignature whose public part is inconsistent', () => {
    const { pub } = presigs[0]!;
    const { k, chi } = decodePresignature(bytes).take();
    expect(() => encodePresignature(new Presignature(1, { ...pub, signers: [3, 1] }, k, chi))).toThrow(/ascend/);
    expect(() => encodePresignature(new Presignature(2, pub, k, chi))).toThrow(/not of one of its signers/);
    expect(() => encodePresignature(new Presignature(1, { ...pub, boundDigest: new Uint8Array(5) }, k, chi))).toThrow(/32 bytes/);
    expect(() => encodePresignature(new Presignature(1, { ...pub, S: new Map() }, k, chi))).toThrow(/no public values/);
  });
});
