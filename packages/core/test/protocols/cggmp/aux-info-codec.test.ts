/**
 * Storage codec of CGGMP auxiliary information: a round trip rebuilds the protocol's objects, a
 * decoded aux info presigns and signs (checked with @noble/curves), and every malformed variant is
 * a DecodeError.
 */
import { MemorySessionRegistry } from '../../../src/engine/protocol.js';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { DecodeError } from '../../../src/engine/codec.js';
import type { AuxInfo, PeerAuxInfo } from '../../../src/protocols/cggmp/aux-info.js';
import { decodeAuxInfo, encodeAuxInfo } from '../../../src/protocols/cggmp/aux-info-codec.js';
import { PresignProtocol } from '../../../src/protocols/cggmp/presign.js';
import { EcdsaSignProtocol } from '../../../src/protocols/cggmp/sign.js';
import { SECURITY_LEVEL_128 } from '../../../src/paillier/security-level.js';
import { isProbablePrime, modPow } from '../../../src/bigint/node-crypto.js';
import { bigIntToMinimalBytes } from '../../../src/bigint/arith.js';
import { seededRng } from '../../../src/rng.js';
import { simulate } from '../../../src/engine/simulator.js';
import { SECP256K1 } from '../../../src/math/curve.js';
import { utf8 } from '../../../src/bytes.js';
import type { Committee } from '../../helpers.js';
import { ecdsaCommittee } from './ecdsa-setup.js';

let committee: Committee;
let aux: Map<number, AuxInfo>;
let bytes: Uint8Array;

beforeAll(() => {
  ({ committee, aux } = ecdsaCommittee('aux-codec'));
  bytes = encodeAuxInfo(aux.get(1)!);
}, 120_000);

/** Party 1's aux info with some fields replaced, encoded by the real encoder. */
function encodeVariant(change: (a: AuxInfo) => AuxInfo): Uint8Array {
  return encodeAuxInfo(change(aux.get(1)!));
}

function withParties(a: AuxInfo, edit: (parties: Map<number, PeerAuxInfo>) => void): AuxInfo {
  const parties = new Map(a.parties);
  edit(parties);
  return { ...a, parties };
}

/**
 * Party 1's aux info with p replaced and everything derived from it recomputed (N, φ, λ < φ, and
 * s = t^λ for t = 4), so that only the primes themselves are wrong.
 */
function withPrimes(a: AuxInfo, p: bigint): AuxInfo {
  const { q } = a.paillier;
  const n = p * q;
  const phi = (p - 1n) * (q - 1n);
  const lambda = a.ringPedersen.lambda % phi;
  const params = { n, s: modPow(4n, lambda, n), t: 4n };
  const paillier = { ...a.paillier, p, phi, publicKey: { n, n2: n * n } };
  return withParties({ ...a, paillier, ringPedersen: { params, lambda, phi, p, q } }, (parties) => parties.set(a.self, { paillier: paillier.publicKey, ringPedersen: params }));
}

/** The first 1024-bit prime ≡ 3 (mod 4) above 2^1023 whose (p − 1)/2 is not prime. */
function blumPrimeNotSafe(): bigint {
  for (let x = 2n ** 1023n + 3n; ; x += 4n) if (isProbablePrime(x) && !isProbablePrime((x - 1n) / 2n)) return x;
}

/** Byte offset of `self` in an encoding (after the version and the level name). */
const selfOffset = () => 2 + bytes[1]!;

describe('aux info storage codec', () => {
  it('round-trips every party: same values, the same object shapes, and the same bytes again', () => {
    for (const [id, original] of aux) {
      const encoded = encodeAuxInfo(original);
      const decoded = decodeAuxInfo(encoded);
      expect(decoded).toEqual(original);
      expect(decoded.level).toBe(original.level);
      // the own public entry is the secret key's public part, as the protocol builds it
      expect(decoded.parties.get(id)!.paillier).toBe(decoded.paillier.publicKey);
      expect(decoded.parties.get(id)!.ringPedersen).toBe(decoded.ringPedersen.params);
      expect(Object.isFrozen(decoded.paillier) && Object.isFrozen(decoded.ringPedersen)).toBe(true);
      expect(encodeAuxInfo(decoded)).toEqual(encoded);
    }
  });

  it('a decoded aux info presigns, and the presignature signs a signature @noble/curves verifies', () => {
    const signers = [1, 3];
    const rng = seededRng('aux-codec-presign');
    const presign = simulate(
      signers.map(
        (self) =>
          new PresignProtocol({
            sessions: new MemorySessionRegistry(),
            key: committee.shares.get(self)!,
            aux: decodeAuxInfo(encodeAuxInfo(aux.get(self)!)),
            signers,
            session: utf8('aux-codec-presign'),
            identity: committee.identities.get(self)!,
            rng,
          }),
      ),
      rng,
    );
    expect(presign.aborts.size).toBe(0);
    const message = utf8('decoded aux info');
    const sign = simulate(
      [...presign.outputs.values()].map(
        (presignature) =>
          new EcdsaSignProtocol({ sessions: new MemorySessionRegistry(), presignature, message, hash: 'sha256', session: utf8('aux-codec-sign'), identity: committee.identities.get(presignature.self)! }),
      ),
      rng,
    );
    expect(sign.aborts.size).toBe(0);
    const sig = sign.outputs.get(1)!;
    const publicKey = SECP256K1.encodePoint(committee.shares.get(1)!.publicKey);
    expect(secp256k1.verify(sig.compact, sig.digest, publicKey, { prehash: false, lowS: false })).toBe(true);
  });

  it('refuses every truncation, a trailing byte and another version', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (cut) => {
        expect(() => decodeAuxInfo(bytes.slice(0, cut))).toThrow(DecodeError);
      }),
      { numRuns: 60 },
    );
    expect(() => decodeAuxInfo(Uint8Array.of(...bytes, 0))).toThrow(/trailing bytes/);
    expect(() => decodeAuxInfo(Uint8Array.of(2, ...bytes.subarray(1)))).toThrow(/version 2/);
  });

  it('refuses an unknown level, and a level whose primes are of another size', () => {
    const renamed = bytes.slice();
    renamed[selfOffset() - 1] = 0x39; // "tss-lib/2049"
    expect(() => decodeAuxInfo(renamed)).toThrow(/unknown security level/);
    // the 2048-bit primes under the 3072-bit level's name
    const name = utf8(SECURITY_LEVEL_128.name);
    const relabelled = Uint8Array.of(1, name.length, ...name, ...bytes.subarray(selfOffset()));
    expect(() => decodeAuxInfo(relabelled)).toThrow(DecodeError);
    // an encoder never writes a level it does not know
    expect(() => encodeVariant((a) => ({ ...a, level: { ...a.level } }))).toThrow(/unknown security level/);
  });

  it('refuses primes that are not the level’s safe primes', () => {
    const short = encodeVariant((a) => withPrimes(a, a.paillier.p >> 2n));
    expect(() => decodeAuxInfo(short)).toThrow(/1024 bits/);
    const negative = encodeVariant((a) => ({ ...a, paillier: { ...a.paillier, p: -a.paillier.p }, ringPedersen: { ...a.ringPedersen, p: -a.paillier.p } }));
    expect(() => decodeAuxInfo(negative)).toThrow(/negative/);
    // consistent records (N = p·q, s = t^λ) whose p is composite, or prime but not safe
    expect(() => decodeAuxInfo(encodeVariant((a) => withPrimes(a, a.paillier.p + 4n)))).toThrow(/not prime/);
    expect(() => decodeAuxInfo(encodeVariant((a) => withPrimes(a, blumPrimeNotSafe())))).toThrow(/not a safe prime/);
    // control: the helper's record with the real primes decodes
    const a = aux.get(1)!;
    expect(decodeAuxInfo(encodeVariant((x) => withPrimes(x, a.paillier.p))).paillier.p).toBe(a.paillier.p);
  });

  it('refuses a ring-Pedersen secret that does not match the public parameters, and a public entry of another party', () => {
    const lambda = encodeVariant((x) => ({ ...x, ringPedersen: { ...x.ringPedersen, lambda: x.ringPedersen.lambda + 1n } }));
    expect(() => decodeAuxInfo(lambda)).toThrow(/do not match its secret/);
    // party 1's secrets claimed by party 2: its public entry has another modulus
    const asTwo = bytes.slice();
    asTwo[selfOffset() + 1] = 2;
    expect(() => decodeAuxInfo(asTwo)).toThrow(/not the product of its primes/);
    const asFour = bytes.slice();
    asFour[selfOffset() + 1] = 4;
    expect(() => decodeAuxInfo(asFour)).toThrow(/no public entry/);
  });

  it('refuses malformed peer entries: a small modulus, bad parameters, a repeated modulus, id 0, ids not ascending, a lone party', () => {
    const peer = aux.get(1)!.parties.get(2)!;
    const small = 2n ** 2000n + 1n;
    const smallPeer = encodeVariant((a) => withParties(a, (p) => p.set(2, { paillier: { n: small, n2: small * small }, ringPedersen: { n: small, s: 4n, t: 9n } })));
    expect(() => decodeAuxInfo(smallPeer)).toThrow(/too small/);
    const sEqualsT = encodeVariant((a) => withParties(a, (p) => p.set(2, { ...peer, ringPedersen: { ...peer.ringPedersen, s: peer.ringPedersen.t } })));
    expect(() => decodeAuxInfo(sEqualsT)).toThrow(/ring-Pedersen parameters of party 2/);
    const repeated = encodeVariant((a) => withParties(a, (p) => p.set(3, peer)));
    expect(() => decodeAuxInfo(repeated)).toThrow(/same modulus/);
    const zero = encodeVariant((a) => withParties(a, (p) => p.set(0, p.get(3)!).delete(3)));
    expect(() => decodeAuxInfo(zero)).toThrow(/non-zero and ascend/);
    // party 3's id rewritten in place (the encoder sorts, so only bytes can carry this): repeated, then descending
    const n3 = Buffer.from(bigIntToMinimalBytes(aux.get(1)!.parties.get(3)!.paillier.n));
    const id3 = Buffer.from(bytes).indexOf(n3) - 5 - 2; // before N: sign byte, u32 length, then the u16 id
    expect([bytes[id3], bytes[id3 + 1]]).toEqual([0, 3]);
    for (const id of [2, 1]) expect(() => decodeAuxInfo(Uint8Array.from(bytes, (b, i) => (i === id3 + 1 ? id : b)))).toThrow(/ascend/);
    const alone = encodeVariant((a) => withParties(a, (p) => [2, 3].forEach((id) => p.delete(id))));
    expect(() => decodeAuxInfo(alone)).toThrow(/fewer than two/);
  });

  it('the encoder refuses an aux info whose own entry or moduli disagree with its secrets', () => {
    expect(() => encodeVariant((a) => withParties(a, (p) => p.delete(1)))).toThrow(/public entry/);
    const other = aux.get(2)!.ringPedersen;
    expect(() => encodeVariant((a) => ({ ...a, ringPedersen: other }))).toThrow(/not on the Paillier modulus/);
    const peer = aux.get(1)!.parties.get(2)!;
    const twoModuli = { ...peer, paillier: aux.get(1)!.parties.get(3)!.paillier };
    expect(() => encodeVariant((a) => withParties(a, (p) => p.set(2, twoModuli)))).toThrow(/two moduli/);
  });
});
