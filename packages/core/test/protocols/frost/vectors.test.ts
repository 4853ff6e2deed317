/**
 * RFC 9591 Appendix E vectors and the Zcash Foundation frost vectors (including big identifiers
 * and the Taproot suite): every intermediate value — nonces, commitments, binding factor inputs
 * and factors, signature shares and the signature — must match byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { schnorr } from '@noble/curves/secp256k1.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  FROST_ED25519,
  FROST_SECP256K1,
  FROST_SECP256K1_TR,
  type FrostCiphersuite,
  type FrostSigningKey,
  type SigningPackage,
  aggregate,
  commitWithRandomness,
  frostSigningKey,
  signShare,
  verifySignature,
  verifySignatureShare,
  frostPublicKey,
} from '../../../src/protocols/frost/index.js';
import { bytesToHex, hexToBytes } from '../../../src/bytes.js';
import type { GroupPoint } from '../../../src/math/curve.js';
import { readVector } from '../../vectors.js';

interface SigningVector {
  config: { MIN_PARTICIPANTS: string; MAX_PARTICIPANTS: string };
  inputs: {
    participant_list: number[];
    group_secret_key: string;
    group_public_key?: string;
    verifying_key_key?: string;
    message: string;
    participant_shares: { identifier: number; participant_share: string }[];
  };
  round_one_outputs: {
    outputs: {
      identifier: number;
      hiding_nonce_randomness: string;
      binding_nonce_randomness: string;
      hiding_nonce: string;
      binding_nonce: string;
      hiding_nonce_commitment: string;
      binding_nonce_commitment: string;
      binding_factor_input: string;
      binding_factor: string;
    }[];
  };
  round_two_outputs: { outputs: { identifier: number; sig_share: string }[] };
  final_output: { sig: string };
}

const cases: [string, FrostCiphersuite, string[]][] = [
  ['RFC 9591 FROST(Ed25519, SHA-512)', FROST_ED25519, ['frost', 'rfc9591', 'frost-ed25519-sha512.json']],
  ['RFC 9591 FROST(secp256k1, SHA-256)', FROST_SECP256K1, ['frost', 'rfc9591', 'frost-secp256k1-sha256.json']],
  ['ZF frost-ed25519', FROST_ED25519, ['frost', 'zcash-frost', 'frost-ed25519', 'vectors.json']],
  ['ZF frost-ed25519 big identifiers', FROST_ED25519, ['frost', 'zcash-frost', 'frost-ed25519', 'vectors-big-identifier.json']],
  ['ZF frost-secp256k1', FROST_SECP256K1, ['frost', 'zcash-frost', 'frost-secp256k1', 'vectors.json']],
  ['ZF frost-secp256k1 big identifiers', FROST_SECP256K1, ['frost', 'zcash-frost', 'frost-secp256k1', 'vectors-big-identifier.json']],
  ['ZF frost-secp256k1-tr (BIP340)', FROST_SECP256K1_TR, ['frost', 'zcash-frost', 'frost-secp256k1-tr', 'vectors.json']],
];

for (const [name, suite, path] of cases) {
  const v = readVector<SigningVector>(...path);
  describe.skipIf(!v)(`FROST signing vectors: ${name}`, () => {
    if (!v) return;
    const curve = suite.curve;
    const scalar = (hex: string) => curve.decodeScalar(hexToBytes(hex));
    const point = (hex: string) => curve.decodePoint(hexToBytes(hex));
    const shares = new Map(v.inputs.participant_shares.map((s) => [s.identifier, scalar(s.participant_share)] as const));
    const parties = [...shares.keys()];
    const publicKeyHex = (v.inputs.group_public_key ?? v.inputs.verifying_key_key)!;
    const keyOf = (id: number): FrostSigningKey =>
      frostSigningKey(suite, {
        curve: curve.name,
        threshold: Number(v.config.MIN_PARTICIPANTS),
        parties,
        self: id,
        secretShare: shares.get(id)!,
        publicKey: point(publicKeyHex),
        verificationShares: new Map(parties.map((p) => [p, curve.mulBase(shares.get(p)!)] as const)),
      });
    const message = hexToBytes(v.inputs.message);

    it('group public key matches the group secret key', () => {
      expect(curve.mulBase(scalar(v.inputs.group_secret_key)).equals(point(publicKeyHex))).toBe(true);
    });

    const nonces = v.round_one_outputs.outputs.map((o) =>
      commitWithRandomness(suite, BigInt(o.identifier), keyOf(o.identifier).share, hexToBytes(o.hiding_nonce_randomness), hexToBytes(o.binding_nonce_randomness)),
    );
    const pkg: SigningPackage = { message, commitments: nonces.map((n) => n.commitment) };

    it('round one: nonces and commitments', () => {
      v.round_one_outputs.outputs.forEach((o, i) => {
        const n = nonces[i]!;
        expect(bytesToHex(curve.encodeScalar(n.hiding))).toBe(o.hiding_nonce);
        expect(bytesToHex(curve.encodeScalar(n.binding))).toBe(o.binding_nonce);
        expect(bytesToHex(curve.encodePoint(n.commitment.hiding))).toBe(o.hiding_nonce_commitment);
        expect(bytesToHex(curve.encodePoint(n.commitment.binding))).toBe(o.binding_nonce_commitment);
      });
    });

    it('round two: signature shares, each verifying', () => {
      v.round_two_outputs.outputs.forEach((o, i) => {
        const share = signShare(keyOf(o.identifier), nonces[i]!, pkg);
        expect(bytesToHex(curve.encodeScalar(share.share))).toBe(o.sig_share);
        expect(verifySignatureShare(keyOf(o.identifier), pkg, { identifier: share.identifier, share: share.share })).toBe(true);
      });
    });

    it('aggregate: the final signature, verified independently', () => {
      const sigShares = v.round_two_outputs.outputs.map((o) => ({ identifier: BigInt(o.identifier), share: scalar(o.sig_share) }));
      const pub = frostPublicKey(suite, {
        curve: curve.name,
        threshold: Number(v.config.MIN_PARTICIPANTS),
        parties,
        publicKey: point(publicKeyHex),
        verificationShares: new Map(parties.map((p) => [p, curve.mulBase(shares.get(p)!)] as const)),
      });
      const { signature } = aggregate(pub, pkg, sigShares);
      expect(bytesToHex(signature)).toBe(v.final_output.sig);
      expect(verifySignature(suite, point(publicKeyHex), message, signature)).toBe(true);
      const pk = hexToBytes(publicKeyHex);
      if (suite === FROST_ED25519) expect(ed25519.verify(signature, message, pk)).toBe(true);
      if (suite === FROST_SECP256K1_TR) expect(schnorr.verify(signature, message, pk.subarray(1))).toBe(true);
    });

    it('binding factors', () => {
      // binding_factor_input = enc(PK) ‖ H4(msg) ‖ H5(commitments) ‖ enc(id)
      const key = keyOf(v.round_one_outputs.outputs[0]!.identifier);
      v.round_one_outputs.outputs.forEach((o) => {
        const input = hexToBytes(o.binding_factor_input);
        expect(bytesToHex(input.subarray(0, suite.encodeKey(key.publicKey as GroupPoint).length))).toBe(bytesToHex(suite.encodeKey(key.publicKey)));
        expect(bytesToHex(curve.encodeScalar(suite.H1(input)))).toBe(o.binding_factor);
      });
    });
  });
}
