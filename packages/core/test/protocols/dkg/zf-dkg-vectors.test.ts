/**
 * Zcash Foundation `frost` DKG vectors (../shared/vectors/frost/zcash-frost/*\/vectors_dkg.json),
 * checked with our own polynomial / curve math, then used to sign with our FROST.
 *
 * Reading of the vector fields (from the data, and from ZF's parser frost-core/src/tests/vectors_dkg.rs):
 *   - `signing_key`  = a_i0, the secret constant term of participant i's polynomial (vss_commitments[0] = a_i0·G);
 *   - `coefficient`  = a_i1 (MIN_PARTICIPANTS = 2, so the polynomial has these two coefficients);
 *   - `signing_shares[j]` in participant i's record = f_j(i), the round-2 share i *received* from j
 *     (ZF builds i's round-2 packages from i's own record, keyed by sender);
 *   - `signing_share` = f_i(i) + Σ_j f_j(i), `verifying_share` = signing_share·G, `verifying_key` = Σ_i C_i0;
 *   - the PoK nonce k is NOT in the vectors, only σ_i = (R_i, μ_i) = `proof_of_knowledge`. The Ed25519
 *     file's extra `secret` fields (per participant and top-level) are not read by ZF's parser and are
 *     none of a_i0, k (secret·G ≠ R) or the group secret (secret·G ≠ verifying_key): leftovers.
 *   - PoK: μ·G = R + c·C_i0 with c = HDKG(SerializeScalar(i) ‖ SerializeElement(C_i0) ‖ SerializeElement(R));
 *     HDKG = SHA-512(contextString ‖ "dkg" ‖ m) read little-endian mod L for Ed25519, and
 *     hash_to_field(m) (XMD:SHA-256, DST = contextString ‖ "dkg") for both secp256k1 suites.
 *     The Taproot suite serialises the PoK as a 64-byte BIP340 signature x(R) ‖ μ and lifts R to
 *     even Y when reading it (ZF's TR suite makes R even when proving); C_i0 keeps its own parity.
 *   - frost-secp256k1-tr's post_dkg applies the BIP341 tweak with an empty merkle root: with
 *     P = Σ C_i0, P' = even-Y(P), t = TapTweak(x(P), ""), the vector holds Q = P' + t·G (not
 *     re-normalised: its Y may be odd), signing_share = ±s + t and verifying_share = ±Y + t·G.
 */
import { describe, expect, it } from 'vitest';
import { ed25519, ed25519_FROST } from '@noble/curves/ed25519.js';
import { schnorr, schnorr_FROST, secp256k1_FROST } from '@noble/curves/secp256k1.js';
import { hash_to_field } from '@noble/curves/abstract/hash-to-curve.js';
import type { DKG_Round1, DKG_Round2, DKG_Secret, FROST } from '@noble/curves/abstract/frost.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, hexToBytes, utf8 } from '../../../src/bytes.js';
import { type Curve, type GroupPoint, mod } from '../../../src/math/curve.js';
import { commitPolynomial, evaluateCommitment, evaluatePolynomial, verifyShare } from '../../../src/math/polynomial.js';
import {
  FROST_ED25519,
  FROST_SECP256K1,
  FROST_SECP256K1_TR,
  type FrostCiphersuite,
  type SigningPackage,
  aggregate,
  commit,
  frostPublicKey,
  frostSigningKey,
  hasEvenY,
  signShare,
  tapTweak,
  verifySignature,
  xOnly,
} from '../../../src/protocols/frost/index.js';
import { type KeyShare, checkKeyShare } from '../../../src/protocols/key-share.js';
import { seededRng } from '../../../src/rng.js';
import { readVector } from '../../vectors.js';

interface Participant {
  identifier: number;
  signing_key: string;
  coefficient: string;
  vss_commitments: string[];
  proof_of_knowledge: string;
  signing_shares: Record<string, string>;
  verifying_share: string;
  signing_share: string;
  secret?: string;
}

interface DkgVector {
  config: { MAX_PARTICIPANTS: number; MIN_PARTICIPANTS: number; name: string; group: string; hash: string };
  inputs: { verifying_key: string; secret?: string } & Record<string, unknown>;
}

const CASES: [string, FrostCiphersuite, FROST][] = [
  ['frost-ed25519', FROST_ED25519, ed25519_FROST],
  ['frost-secp256k1', FROST_SECP256K1, secp256k1_FROST],
  ['frost-secp256k1-tr', FROST_SECP256K1_TR, schnorr_FROST],
];

/** ZF's HDKG for the suite (see the header comment). */
function hdkg(suite: FrostCiphersuite, m: Uint8Array): bigint {
  const dst = utf8(suite.contextString + 'dkg');
  if (suite.curve.name === 'ed25519') {
    const h = sha512(concatBytes(dst, m));
    return mod(suite.curve.bytesToNumber(h), suite.curve.order);
  }
  return hash_to_field(m, 1, { DST: dst, p: suite.curve.order, m: 1, k: 128, expand: 'xmd', hash: sha256 })[0]![0]!;
}

/** Decodes a ZF proof of knowledge σ = (R, μ) in the suite's signature serialisation. */
function decodePok(suite: FrostCiphersuite, bytes: Uint8Array): { R: GroupPoint; z: bigint } {
  const curve = suite.curve;
  if (suite.evenY) {
    expect(bytes.length).toBe(64);
    return { R: curve.decodePoint(concatBytes(Uint8Array.of(2), bytes.subarray(0, 32))), z: curve.decodeScalar(bytes.subarray(32)) };
  }
  expect(bytes.length).toBe(curve.pointLength + curve.scalarLength);
  return { R: curve.decodePoint(bytes.subarray(0, curve.pointLength)), z: curve.decodeScalar(bytes.subarray(curve.pointLength)) };
}

/** Test-local ZF-format PoK verification: μ·G == R + HDKG(i ‖ C_i0 ‖ R)·C_i0. */
function verifyZfPok(suite: FrostCiphersuite, id: bigint, C0: GroupPoint, proof: Uint8Array): boolean {
  const curve = suite.curve;
  const { R, z } = decodePok(suite, proof);
  const c = hdkg(suite, concatBytes(curve.encodeScalar(id), curve.encodePoint(C0), curve.encodePoint(R)));
  return curve.mulBase(z).equals(R.add(C0.multiply(c)));
}

for (const [dir, suite, noble] of CASES) {
  const v = readVector<DkgVector>('frost', 'zcash-frost', dir, 'vectors_dkg.json');
  describe.skipIf(!v)(`ZF DKG vectors: ${dir}`, () => {
    if (!v) return;
    const curve: Curve = suite.curve;
    const scalar = (hex: string) => curve.decodeScalar(hexToBytes(hex));
    const point = (hex: string) => curve.decodePoint(hexToBytes(hex));
    const hexS = (s: bigint) => bytesToHex(curve.encodeScalar(s));
    const hexP = (p: GroupPoint) => bytesToHex(curve.encodePoint(p));
    const t = v.config.MIN_PARTICIPANTS;
    const n = v.config.MAX_PARTICIPANTS;
    const ps = Object.entries(v.inputs)
      .filter(([k]) => /^\d+$/.test(k))
      .map(([k, p]) => {
        const q = p as Participant;
        expect(q.identifier).toBe(Number(k));
        return q;
      });
    const ids = ps.map((p) => p.identifier);
    const byId = new Map(ps.map((p) => [p.identifier, p] as const));
    const coeffs = new Map(ps.map((p) => [p.identifier, [scalar(p.signing_key), scalar(p.coefficient)]] as const));
    const commitments = new Map(ps.map((p) => [p.identifier, p.vss_commitments.map(point)] as const));

    // Untweaked group polynomial and key; the TR suite's post-DKG tweak as ZF applies it.
    const summed = Array.from({ length: t }, (_, k) => ids.reduce((acc, i) => acc.add(commitments.get(i)![k]!), curve.identity));
    const P = summed[0]!;
    const negate = suite.evenY && !hasEvenY(P);
    const tweak = suite.evenY ? tapTweak(negate ? P.negate() : P, new Uint8Array(0)) : 0n;
    const finalScalar = (s: bigint) => (suite.evenY ? mod((negate ? -s : s) + tweak, curve.order) : s);
    const finalPoint = (Y: GroupPoint) => (suite.evenY ? (negate ? Y.negate() : Y).add(curve.mulBase(tweak)) : Y);

    it('shape: n participants, t coefficients each, identifiers 1..n', () => {
      expect(ids).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      expect(t).toBe(2);
      for (const p of ps) {
        expect(p.vss_commitments.length).toBe(t);
        expect(Object.keys(p.signing_shares).map(Number).sort()).toEqual(ids.filter((j) => j !== p.identifier));
      }
    });

    it('vss_commitments = commitPolynomial(signing_key, coefficient)', () => {
      for (const p of ps) expect(commitPolynomial(curve, coeffs.get(p.identifier)!).map(hexP)).toEqual(p.vss_commitments);
    });

    it('signing_shares[j] of participant i = f_j(i), verifying against C_j', () => {
      for (const p of ps) {
        const i = BigInt(p.identifier);
        for (const [from, hex] of Object.entries(p.signing_shares)) {
          const j = Number(from);
          expect(hexS(evaluatePolynomial(curve, coeffs.get(j)!, i))).toBe(hex);
          expect(verifyShare(curve, commitments.get(j)!, i, scalar(hex))).toBe(true);
          // … and not against another dealer's commitment, nor at another point.
          expect(verifyShare(curve, commitments.get(p.identifier)!, i, scalar(hex))).toBe(false);
          expect(verifyShare(curve, commitments.get(j)!, BigInt(j), scalar(hex))).toBe(false);
        }
      }
    });

    it('signing_share = f_i(i) + Σ received (then tweaked for TR); verifying_share = signing_share·G', () => {
      for (const p of ps) {
        const i = BigInt(p.identifier);
        let s = evaluatePolynomial(curve, coeffs.get(p.identifier)!, i);
        for (const hex of Object.values(p.signing_shares)) s = mod(s + scalar(hex), curve.order);
        expect(hexS(finalScalar(s))).toBe(p.signing_share);
        expect(hexP(curve.mulBase(scalar(p.signing_share)))).toBe(p.verifying_share);
        // The same verifying share from public data only: Σ_j C_j evaluated at i.
        expect(hexP(finalPoint(evaluateCommitment(curve, summed, i)))).toBe(p.verifying_share);
        if (suite.evenY) expect(hexS(s)).not.toBe(p.signing_share);
      }
    });

    it('verifying_key = Σ C_i0 (TR: even-Y, then + TapTweak(P, "")·G)', () => {
      expect(hexP(finalPoint(P))).toBe(v.inputs.verifying_key);
      if (suite.evenY) {
        expect(hexP(P)).not.toBe(v.inputs.verifying_key);
        // In this vector the tweaked key has odd Y: ZF stores it as is (BIP341 keeps Q's parity out of x(Q)).
        expect(hasEvenY(point(v.inputs.verifying_key))).toBe(false);
      }
    });

    it('proof_of_knowledge verifies in ZF format, and fails when altered', () => {
      for (const p of ps) {
        const id = BigInt(p.identifier);
        const C0 = commitments.get(p.identifier)!;
        const proof = hexToBytes(p.proof_of_knowledge);
        expect(verifyZfPok(suite, id, C0[0]!, proof)).toBe(true);
        const other = ids.find((j) => j !== p.identifier)!;
        expect(verifyZfPok(suite, BigInt(other), C0[0]!, proof)).toBe(false);
        expect(verifyZfPok(suite, id, C0[1]!, proof)).toBe(false);
        const tampered = proof.slice();
        tampered[tampered.length - 1]! ^= 1;
        expect(verifyZfPok(suite, id, C0[0]!, tampered)).toBe(false);
      }
    });

    if (suite.curve.name === 'ed25519') {
      it('the Ed25519 extra `secret` fields are neither a_i0, nor the PoK nonce, nor the group secret', () => {
        for (const p of ps) {
          expect(p.secret).toBeDefined();
          const S = curve.mulBase(scalar(p.secret!));
          expect(S.equals(commitments.get(p.identifier)![0]!)).toBe(false);
          expect(S.equals(decodePok(suite, hexToBytes(p.proof_of_knowledge)).R)).toBe(false);
        }
        expect(curve.mulBase(scalar(v.inputs.secret!)).equals(point(v.inputs.verifying_key))).toBe(false);
      });
    }

    it('noble DKG round 2/3 fed with the vector packages reproduces the vector (PoKs validated by noble)', () => {
      const nid = (j: number) => bytesToHex(curve.encodeScalar(BigInt(j)));
      const round1 = (j: number): DKG_Round1 => ({
        identifier: nid(j),
        commitment: byId.get(j)!.vss_commitments.map(hexToBytes),
        proofOfKnowledge: hexToBytes(byId.get(j)!.proof_of_knowledge),
      });
      for (const i of ids) {
        const others = ids.filter((j) => j !== i);
        const secret: DKG_Secret = {
          identifier: BigInt(i),
          coefficients: [...coeffs.get(i)!],
          commitment: byId.get(i)!.vss_commitments.map(hexToBytes),
          signers: { min: t, max: n },
          step: 1,
        };
        const sent = noble.DKG.round2(secret, others.map(round1));
        for (const j of others) expect(bytesToHex(sent[nid(j)]!.signingShare)).toBe(byId.get(j)!.signing_shares[String(i)]);
        const received: DKG_Round2[] = others.map((j) => ({ identifier: nid(j), signingShare: hexToBytes(byId.get(i)!.signing_shares[String(j)]!) }));
        const key = noble.DKG.round3(secret, others.map(round1), received);
        expect(bytesToHex(key.secret.signingShare)).toBe(byId.get(i)!.signing_share);
        expect(bytesToHex(key.public.commitments[0]!)).toBe(v.inputs.verifying_key);
        for (const j of ids) expect(bytesToHex(key.public.verifyingShares[nid(j)]!)).toBe(byId.get(j)!.verifying_share);
      }
      // A broken proof makes noble's round 2 refuse the package.
      const bad = round1(2);
      bad.proofOfKnowledge = bad.proofOfKnowledge.slice();
      bad.proofOfKnowledge[bad.proofOfKnowledge.length - 1]! ^= 1;
      const secret: DKG_Secret = { identifier: 1n, coefficients: [...coeffs.get(1)!], commitment: byId.get(1)!.vss_commitments.map(hexToBytes), signers: { min: t, max: n }, step: 1 };
      expect(() => noble.DKG.round2(secret, [bad, round1(3)])).toThrow();
    });

    // Key shares as a holder of the vector's final (for TR: tweaked) DKG output would store them.
    const verificationShares = new Map(ps.map((p) => [p.identifier, point(p.verifying_share)] as const));
    const groupKey = point(v.inputs.verifying_key);
    const keyShares = new Map(
      ids.map((self) => {
        const share: KeyShare = { curve: curve.name, threshold: t, parties: ids, self, secretShare: scalar(byId.get(self)!.signing_share), publicKey: groupKey, verificationShares };
        return [self, share] as const;
      }),
    );
    const keyShare = (self: number): KeyShare => keyShares.get(self)!;

    it('the final shares form a consistent key package (checkKeyShare)', () => {
      for (const i of ids) expect(() => checkKeyShare(keyShare(i))).not.toThrow();
    });

    it('our FROST signs with the final shares; the signature verifies under the vector key', () => {
      const vk = hexToBytes(v.inputs.verifying_key);
      const rng = seededRng(`zf-dkg-sign/${dir}`);
      const subsets = [
        [1, 2],
        [1, 3],
        [2, 3],
        [1, 2, 3],
      ];
      for (const signers of subsets) {
        const message = utf8(`ZF DKG vectors ${dir} signers ${signers.join(',')}`);
        const keys = signers.map((i) => frostSigningKey(suite, keyShare(i)));
        const nonces = keys.map((k) => commit(k, rng));
        const pkg: SigningPackage = { message, commitments: nonces.map((x) => x.commitment) };
        const shares = keys.map((k, idx) => signShare(k, nonces[idx]!, pkg));
        const { signature } = aggregate(frostPublicKey(suite, keyShare(1)), pkg, shares);
        const wrong = utf8('another message');
        expect(verifySignature(suite, point(v.inputs.verifying_key), message, signature)).toBe(true);
        expect(verifySignature(suite, point(v.inputs.verifying_key), wrong, signature)).toBe(false);
        if (suite === FROST_ED25519) {
          expect(ed25519.verify(signature, message, vk)).toBe(true);
          expect(ed25519.verify(signature, wrong, vk)).toBe(false);
        } else if (suite === FROST_SECP256K1_TR) {
          expect(schnorr.verify(signature, message, xOnly(point(v.inputs.verifying_key)))).toBe(true);
          expect(schnorr.verify(signature, wrong, xOnly(point(v.inputs.verifying_key)))).toBe(false);
          // Not valid under the untweaked internal key.
          expect(schnorr.verify(signature, message, xOnly(P))).toBe(false);
        }
        // noble's FROST verifier agrees (all three suites).
        expect(noble.verify(signature, message, vk)).toBe(true);
      }
    });
  });
}
