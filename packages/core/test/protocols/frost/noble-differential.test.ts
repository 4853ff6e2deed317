/**
 * Differential tests: our RFC 9591 FROST (src/protocols/frost) against @noble/curves' own,
 * independent implementation (`ed25519_FROST`, `secp256k1_FROST`, `schnorr_FROST`).
 *
 * Keys come from noble's trusted dealer (and, for the Taproot tweak, from noble's DKG), driven by
 * a deterministic rng. noble's `commit()` draws exactly two 32-byte strings from its rng (hiding,
 * then binding) and derives each nonce as RFC 9591 nonce_generate: H3(random ‖ SerializeScalar(share)).
 * We record those draws and feed them to our `commitWithRandomness`, so both sides hold the same
 * nonces; from there commitments, signature shares and signatures must be byte-identical, and each
 * side must accept the other's shares and signatures.
 *
 * Taproot (`schnorr_FROST` ↔ FROST_SECP256K1_TR), what matches:
 *   - the group key is normalised to even Y at signing time (noble adjustPublic/adjustSecret, our
 *     frostSigningKey/frostPublicKey): key, shares and verifying shares are negated together;
 *   - the group commitment R is not normalised in the commitment list; when R has odd Y each signer
 *     negates its nonces (noble adjustNonces, our signShare) and share verification negates the
 *     commitment share (noble adjustGroupCommitmentShare, our shareIsValid);
 *   - the challenge is BIP340's tagged hash over x(R) ‖ x(PK) ‖ msg, the binding-factor input
 *     uses the 33-byte compressed even-Y key, signatures are 64 bytes x(R) ‖ z;
 *   - tweak: noble applies NO tweak when signing a trusted-dealer key (nor do we without a
 *     merkleRoot); its DKG output is auto-tweaked with the empty BIP341 merkle root (as ZF's
 *     post_dkg). Our `frostSigningKey(..., { tweak: { kind: 'bip341' } })` (empty root: BIP86) over the untweaked
 *     DKG key signs byte-identically with noble over its tweaked DKG output.
 *   - one harmless difference: noble (like ZF) hashes the *raw* share into the nonces, our
 *     `commit(key)` hashes the even-Y-normalised share `key.share`. For an odd-Y key the nonces
 *     therefore differ for the same randomness; nonces are local, so this is not visible on the
 *     wire, and `commitWithRandomness(suite, id, rawShare, …)` reproduces noble exactly.
 */
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ed25519_FROST } from '@noble/curves/ed25519.js';
import { schnorr, schnorr_FROST, secp256k1, secp256k1_FROST } from '@noble/curves/secp256k1.js';
import { hash_to_field } from '@noble/curves/abstract/hash-to-curve.js';
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { DealerShares, FROST, FrostPublic, FrostSecret, NonceCommitments, RNG } from '@noble/curves/abstract/frost.js';
import {
  FROST_ED25519,
  FROST_SECP256K1,
  FROST_SECP256K1_TR,
  type FrostCiphersuite,
  type SigningNonces,
  type SigningPackage,
  aggregate,
  commit,
  commitWithRandomness,
  frostPublicKey,
  frostSigningKey,
  hasEvenY,
  signShare,
  tapTweak,
  verifySignature,
  verifySignatureShare,
  xOnly,
} from '../../../src/protocols/frost/index.js';
import { bytesToHex, concatBytes, hexToBytes, utf8 } from '../../../src/bytes.js';
import type { GroupPoint } from '../../../src/math/curve.js';
import { evaluateCommitment, verifyShare } from '../../../src/math/polynomial.js';
import { type KeyShare, checkKeyShare } from '../../../src/protocols/key-share.js';
import { seededRng } from '../../../src/rng.js';
import type { Rng } from '../../../src/engine/protocol.js';

interface Pair {
  label: string;
  suite: FrostCiphersuite;
  noble: FROST;
}

const PAIRS: Pair[] = [
  { label: 'FROST(Ed25519, SHA-512) ↔ ed25519_FROST', suite: FROST_ED25519, noble: ed25519_FROST },
  { label: 'FROST(secp256k1, SHA-256) ↔ secp256k1_FROST', suite: FROST_SECP256K1, noble: secp256k1_FROST },
  { label: 'FROST(secp256k1, SHA-256, TR) ↔ schnorr_FROST', suite: FROST_SECP256K1_TR, noble: schnorr_FROST },
];

const CONFIGS: [number, number, number][] = [
  // [t, n, numRuns]
  [2, 3, 5],
  [3, 5, 3],
];

const ED25519_SPKI_PREFIX = hexToBytes('302a300506032b6570032100');

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

/** An rng that records every draw (to replay noble's nonce randomness into our code). */
function recording(rng: Rng): { rng: Rng; tape: Uint8Array[] } {
  const tape: Uint8Array[] = [];
  return {
    tape,
    rng: (n: number) => {
      const out = rng(n);
      tape.push(out.slice());
      return out;
    },
  };
}

/** Our Rng in the shape noble's API types expect. */
function forNoble(rng: Rng): RNG {
  return (n = 32) => rng(n) as ReturnType<RNG>;
}

function replay(tape: readonly Uint8Array[]): Rng {
  let i = 0;
  return (n: number) => {
    const out = tape[i++];
    if (!out || out.length !== n) throw new Error('replay tape exhausted or mismatched');
    return out.slice();
  };
}

/** Our view of one participant of a noble key package (public + that participant's secret). */
function toKeyShare(suite: FrostCiphersuite, pub: FrostPublic, secret: FrostSecret, parties: number[]): KeyShare {
  const curve = suite.curve;
  const self = Number(curve.decodeScalar(hexToBytes(secret.identifier)));
  return {
    curve: curve.name,
    threshold: pub.signers.min,
    parties,
    self,
    secretShare: curve.decodeScalar(secret.signingShare),
    publicKey: curve.decodePoint(pub.commitments[0]!),
    verificationShares: new Map(parties.map((j) => [j, curve.decodePoint(pub.verifyingShares[nobleIdOf(suite, j)]!)] as const)),
  };
}

function nobleIdOf(suite: FrostCiphersuite, id: number): string {
  return bytesToHex(suite.curve.encodeScalar(BigInt(id)));
}

function hexScalar(suite: FrostCiphersuite, s: bigint): string {
  return bytesToHex(suite.curve.encodeScalar(s));
}

function hexPoint(suite: FrostCiphersuite, p: GroupPoint): string {
  return bytesToHex(suite.curve.encodePoint(p));
}

function nodeEd25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const key = createPublicKey({ key: Buffer.from(concatBytes(ED25519_SPKI_PREFIX, publicKey)), format: 'der', type: 'spki' });
  return nodeVerify(null, message, key, signature);
}

/** The checks every signing run makes against an independent verifier of the final scheme. */
function externalVerify(suite: FrostCiphersuite, publicKey: GroupPoint, message: Uint8Array, signature: Uint8Array): boolean {
  if (suite === FROST_ED25519) return nodeEd25519Verify(suite.curve.encodePoint(publicKey), message, signature);
  if (suite === FROST_SECP256K1_TR) return schnorr.verify(signature, message, xOnly(publicKey));
  return secp256k1FrostVerify(publicKey.toBytes(true), message, signature);
}

/**
 * FROST(secp256k1, SHA-256) verification written from RFC 9591 (§6.5 H2, §5.3 verify) on noble's
 * own Point and hash-to-field, not through our ciphersuite: z·G = R + H2(enc(R) ‖ enc(PK) ‖ msg)·PK.
 */
function secp256k1FrostVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const { Point } = secp256k1;
  const n = Point.Fn.ORDER;
  if (signature.length !== 65) return false;
  const R = Point.fromBytes(signature.subarray(0, 33));
  const z = bytesToNumberBE(signature.subarray(33));
  if (z >= n) return false;
  const DST = utf8('FROST-secp256k1-SHA256-v1chal');
  const c = hash_to_field(concatBytes(R.toBytes(true), publicKey, message), 1, { DST, p: n, m: 1, k: 128, expand: 'xmd', hash: sha256 })[0]![0]!;
  return Point.BASE.multiply(z).equals(R.add(Point.fromBytes(publicKey).multiply(c)));
}

interface RunResult {
  signature: Uint8Array;
  keyOdd: boolean;
  rOdd: boolean;
}

/**
 * One signing session on both implementations with identical inputs: `pub` and `secrets` are
 * noble packages (untweaked dealer output, or tweaked DKG output), `ours` the matching key shares
 * for our side (possibly untweaked, with `merkleRoot`).
 */
function signBoth(
  pair: Pair,
  pub: FrostPublic,
  secrets: Record<string, FrostSecret>,
  ours: Map<number, KeyShare>,
  signers: number[],
  message: Uint8Array,
  rng: Rng,
  merkleRoot?: Uint8Array,
): RunResult {
  const { suite, noble } = pair;
  const curve = suite.curve;
  const opts = merkleRoot ? { tweak: { kind: 'bip341' as const, merkleRoot } } : {};
  const nobleCommitments: NonceCommitments[] = [];
  const nobleNonces = new Map<number, { hiding: Uint8Array; binding: Uint8Array }>();
  const ourNonces = new Map<number, SigningNonces>();

  // Round 1: same randomness, same nonces, same commitments.
  for (const id of signers) {
    const secret = secrets[nobleIdOf(suite, id)]!;
    const rec = recording(rng);
    const gen = noble.commit(secret, forNoble(rec.rng));
    expect(rec.tape.map((b) => b.length)).toEqual([32, 32]);
    // noble derives nonces from the share it holds: the raw dealer share, or its tweaked DKG share.
    const nonces = commitWithRandomness(suite, BigInt(id), curve.decodeScalar(secret.signingShare), rec.tape[0]!, rec.tape[1]!);
    expect(hexScalar(suite, nonces.hiding)).toBe(bytesToHex(gen.nonces.hiding));
    expect(hexScalar(suite, nonces.binding)).toBe(bytesToHex(gen.nonces.binding));
    expect(hexPoint(suite, nonces.commitment.hiding)).toBe(bytesToHex(gen.commitments.hiding));
    expect(hexPoint(suite, nonces.commitment.binding)).toBe(bytesToHex(gen.commitments.binding));
    expect(gen.commitments.identifier).toBe(nobleIdOf(suite, id));

    if (!merkleRoot) {
      // Our high-level commit(key) hashes key.share: the raw share except for an odd-Y Taproot key.
      const key = frostSigningKey(suite, ours.get(id)!);
      const viaKey = commit(key, replay(rec.tape));
      const sameShare = key.share === curve.decodeScalar(secret.signingShare);
      expect(hexScalar(suite, viaKey.hiding) === bytesToHex(gen.nonces.hiding)).toBe(sameShare);
      expect(hexScalar(suite, viaKey.binding) === bytesToHex(gen.nonces.binding)).toBe(sameShare);
    }
    nobleCommitments.push(gen.commitments);
    nobleNonces.set(id, { hiding: gen.nonces.hiding.slice(), binding: gen.nonces.binding.slice() });
    ourNonces.set(id, nonces);
  }
  // Both sides sort the commitment list by identifier; hand it over in reverse to check that.
  nobleCommitments.reverse();
  const pkg: SigningPackage = { message, commitments: [...ourNonces.values()].map((n) => n.commitment) };
  const anyShare = ours.values().next().value!;
  const ourPub = frostPublicKey(suite, anyShare, opts);
  const nobleKey = curve.decodePoint(pub.commitments[0]!);
  // The key both sides sign under (Taproot: even Y; our tweak reproduces noble's DKG key).
  expect(hexPoint(suite, ourPub.publicKey)).toBe(hexPoint(suite, suite.evenY && !hasEvenY(nobleKey) ? nobleKey.negate() : nobleKey));

  // Round 2: identical signature shares, each accepted by the other implementation.
  const nobleShares: Record<string, Uint8Array> = {};
  const ourShares = [];
  for (const id of signers) {
    const key = frostSigningKey(suite, ours.get(id)!, opts);
    const secret = secrets[nobleIdOf(suite, id)]!;
    const ns = noble.signShare(secret, pub, nobleNonces.get(id)!, nobleCommitments, message);
    const os = signShare(key, ourNonces.get(id)!, pkg);
    expect(hexScalar(suite, os.share)).toBe(bytesToHex(ns));
    expect(noble.verifyShare(pub, nobleCommitments, message, nobleIdOf(suite, id), curve.encodeScalar(os.share))).toBe(true);
    expect(verifySignatureShare(ourPub, pkg, { identifier: BigInt(id), share: curve.decodeScalar(ns) })).toBe(true);
    nobleShares[nobleIdOf(suite, id)] = ns;
    ourShares.push(os);
  }

  // Aggregate: identical signatures.
  const nobleSig = noble.aggregate(pub, nobleCommitments, message, nobleShares);
  const ourAgg = aggregate(ourPub, pkg, ourShares);
  expect(bytesToHex(ourAgg.signature)).toBe(bytesToHex(nobleSig));
  expect(ourAgg.signature.length).toBe(suite.evenY ? 64 : curve.pointLength + 32);

  // Cross-verification, and the verifiers do reject a different message.
  const pkBytes = pub.commitments[0]!;
  const other = concatBytes(message, Uint8Array.of(1));
  expect(noble.verify(ourAgg.signature, message, pkBytes)).toBe(true);
  expect(noble.verify(ourAgg.signature, other, pkBytes)).toBe(false);
  expect(verifySignature(suite, nobleKey, message, nobleSig)).toBe(true);
  expect(verifySignature(suite, nobleKey, other, nobleSig)).toBe(false);
  expect(externalVerify(suite, nobleKey, message, nobleSig)).toBe(true);
  expect(externalVerify(suite, nobleKey, other, nobleSig)).toBe(false);
  if (suite === FROST_SECP256K1_TR) {
    // noble accepts the x-only (BIP340) key as well.
    expect(noble.verify(ourAgg.signature, message, xOnly(nobleKey))).toBe(true);
  }

  // Taproot: did the signers' group commitment R have odd Y? (The signature carries even-Y R.)
  const Rraw = curve.decodePoint(concatBytes(suite.evenY ? Uint8Array.of(2) : new Uint8Array(0), ourAgg.signature.subarray(0, suite.evenY ? 32 : curve.pointLength)));
  const gcOdd = suite.evenY && !ourShares[0]!.groupCommitment!.equals(Rraw);
  return { signature: ourAgg.signature, keyOdd: !hasEvenY(nobleKey), rOdd: gcOdd };
}

/** A trusted-dealer key from noble, checked with our polynomial math, as our key shares. */
function dealerKey(pair: Pair, t: number, n: number, rng: Rng): { deal: DealerShares; ours: Map<number, KeyShare> } {
  const { suite, noble } = pair;
  const curve = suite.curve;
  const deal = noble.trustedDealer({ min: t, max: n }, undefined, undefined, forNoble(rng));
  const parties = range(n);
  expect(deal.public.commitments.length).toBe(t);
  expect(Object.keys(deal.secretShares).sort()).toEqual(parties.map((j) => nobleIdOf(suite, j)).sort());
  const C = deal.public.commitments.map((c) => curve.decodePoint(c));
  const ours = new Map<number, KeyShare>();
  for (const j of parties) {
    const secret = deal.secretShares[nobleIdOf(suite, j)]!;
    // noble's VSS commitment, verifying shares and shares agree with our Feldman math.
    expect(hexPoint(suite, evaluateCommitment(curve, C, BigInt(j)))).toBe(bytesToHex(deal.public.verifyingShares[nobleIdOf(suite, j)]!));
    expect(verifyShare(curve, C, BigInt(j), curve.decodeScalar(secret.signingShare))).toBe(true);
    const share = toKeyShare(suite, deal.public, secret, parties);
    checkKeyShare(share);
    ours.set(j, share);
  }
  return { deal, ours };
}

for (const pair of PAIRS) {
  describe(`noble differential: ${pair.label}`, () => {
    for (const [t, n, numRuns] of CONFIGS) {
      it(`${t}-of-${n}: trusted dealer, commit, signShare, aggregate byte-identical; cross-verified`, () => {
        fc.assert(
          fc.property(
            fc.uint8Array({ minLength: 16, maxLength: 16 }),
            fc.uint8Array({ minLength: 0, maxLength: 80 }),
            fc.shuffledSubarray(range(n), { minLength: t, maxLength: Math.min(n, t + 1) }),
            (seed, message, signers) => {
              const rng = seededRng(concatBytes(utf8(`noble-diff/${pair.suite.name}/${t}-${n}/`), seed));
              const { deal, ours } = dealerKey(pair, t, n, rng);
              signBoth(pair, deal.public, deal.secretShares, ours, signers, message, rng);
            },
          ),
          { numRuns },
        );
      });
    }

    it('rejects a tampered share on both sides identically', () => {
      const { suite, noble } = pair;
      const rng = seededRng(`noble-diff/tamper/${suite.name}`);
      const { deal, ours } = dealerKey(pair, 2, 3, rng);
      const message = utf8('tamper');
      const signers = [1, 3];
      const commitments: NonceCommitments[] = [];
      const nonces = new Map<number, SigningNonces>();
      for (const id of signers) {
        const rec = recording(rng);
        const gen = noble.commit(deal.secretShares[nobleIdOf(suite, id)]!, forNoble(rec.rng));
        commitments.push(gen.commitments);
        nonces.set(id, commitWithRandomness(suite, BigInt(id), ours.get(id)!.secretShare, rec.tape[0]!, rec.tape[1]!));
      }
      const pkg: SigningPackage = { message, commitments: [...nonces.values()].map((x) => x.commitment) };
      const key = frostSigningKey(suite, ours.get(3)!);
      const good = signShare(key, nonces.get(3)!, pkg).share;
      const bad = (good + 1n) % suite.curve.order;
      const pub = frostPublicKey(suite, ours.get(1)!);
      expect(verifySignatureShare(pub, pkg, { identifier: 3n, share: bad })).toBe(false);
      expect(noble.verifyShare(deal.public, commitments, message, nobleIdOf(suite, 3), suite.curve.encodeScalar(bad))).toBe(false);
      expect(noble.verifyShare(deal.public, commitments, message, nobleIdOf(suite, 3), suite.curve.encodeScalar(good))).toBe(true);
    });
  });
}

describe('noble differential: Taproot specifics', () => {
  const pair = PAIRS[2]!;

  it('covers odd/even group key × odd/even group commitment, all byte-identical', () => {
    // Seeds picked (by search) so that every parity combination of key and R gets signed.
    const seen = new Set<string>();
    for (const i of [1, 2, 7, 12]) {
      const rng = seededRng(`noble-diff/tr-parity/${i}`);
      const { deal, ours } = dealerKey(pair, 2, 3, rng);
      const r = signBoth(pair, deal.public, deal.secretShares, ours, [1, 2], utf8(`parity ${i}`), rng);
      seen.add(`${r.keyOdd}/${r.rOdd}`);
    }
    expect([...seen].sort()).toEqual(['false/false', 'false/true', 'true/false', 'true/true']);
  });

  it('noble DKG output (auto-tweaked, empty merkle root) = our BIP341 tweak over the untweaked key', () => {
    const { suite, noble } = pair;
    const curve = suite.curve;
    const n = 3;
    const t = 2;
    const signers = { min: t, max: n };
    const parties = range(n);
    // Seeds picked (by search) so that both parities of the untweaked and of the tweaked key occur.
    const parities = new Set<string>();
    for (const run of [1, 2, 4, 5]) {
      const rng = seededRng(`noble-diff/tr-dkg/${run}`);
      const r1 = parties.map((j) => noble.DKG.round1(nobleIdOf(suite, j), signers, undefined, forNoble(rng)));
      const r2 = r1.map((mine, i) =>
        noble.DKG.round2(
          mine.secret,
          r1.filter((_, k) => k !== i).map((o) => o.public),
        ),
      );
      const keys = r1.map((mine, i) =>
        noble.DKG.round3(
          mine.secret,
          r1.filter((_, k) => k !== i).map((o) => o.public),
          r2.filter((_, k) => k !== i).map((out) => out[nobleIdOf(suite, parties[i]!)]!),
        ),
      );
      // Untweaked key P = Σ C_i0 from the public round-1 broadcasts; Q = even(P) + TapTweak(P, "")·G.
      const P = r1.reduce((acc, x) => acc.add(curve.decodePoint(x.public.commitment[0]!)), curve.identity);
      const Peven = hasEvenY(P) ? P : P.negate();
      const tw = tapTweak(Peven, new Uint8Array(0));
      const Q = Peven.add(curve.mulBase(tw));
      const pubQ = keys[0]!.public;
      expect(bytesToHex(pubQ.commitments[0]!)).toBe(hexPoint(suite, Q));
      parities.add(`${hasEvenY(P)}/${hasEvenY(Q)}`);

      // Our untweaked shares: s_j = ±(s'_j − t), with the sign of P; they interpolate to P.
      const secrets: Record<string, FrostSecret> = {};
      const raw = new Map<number, bigint>();
      for (const k of keys) {
        const j = Number(curve.decodeScalar(hexToBytes(k.secret.identifier)));
        const sPrime = curve.decodeScalar(k.secret.signingShare);
        const sEven = (sPrime - tw + curve.order) % curve.order;
        raw.set(j, hasEvenY(P) ? sEven : (curve.order - sEven) % curve.order);
        secrets[k.secret.identifier] = k.secret;
      }
      const verificationShares = new Map(parties.map((j) => [j, curve.mulBase(raw.get(j)!)] as const));
      const untweaked = new Map<number, KeyShare>();
      for (const j of parties) {
        const share: KeyShare = { curve: curve.name, threshold: t, parties, self: j, secretShare: raw.get(j)!, publicKey: P, verificationShares };
        checkKeyShare(share);
        untweaked.set(j, share);
      }
      const res = signBoth(pair, pubQ, secrets, untweaked, [1, 3], utf8(`tweaked ${run}`), rng, new Uint8Array(0));
      // The signature is a BIP340 signature under the Taproot output key x(Q).
      expect(schnorr.verify(res.signature, utf8(`tweaked ${run}`), xOnly(Q))).toBe(true);
      expect(schnorr.verify(res.signature, utf8(`tweaked ${run}`), xOnly(P))).toBe(false);
    }
    expect(parities.size).toBe(4);
  });
});
