/**
 * A signer node's pool without NoncePool: nonces made with `commitForPool` (or RFC 9591's
 * `commit`), their commitment signed with `signCommitment`, the pair stored with
 * `encodeSigningNonces` and reloaded with `decodeSigningNonces`, then signed with in a pooled
 * FrostSign. The storage codec is strict; the cofactor preimages published with a commitment
 * spare its users the subgroup check and can never pass off a point outside the group.
 */
import { MemorySessionRegistry } from '../../../src/engine/protocol.js';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  CommitmentBook,
  DecodeError,
  FROST_SUITES,
  FrostSign,
  POOL_EPOCH_LENGTH,
  type SigningNonces,
  commit,
  commitForPool,
  commitmentId,
  commitmentSignatureValid,
  decodeSignedCommitment,
  decodeSigningNonces,
  encodeSignedCommitment,
  encodeSigningNonces,
  frostSigningKey,
  seededRng,
  signCommitment,
  signingNonces,
  simulate,
} from '../../../src/index.js';
import { session } from '../../helpers.js';
import { SUITES, committee, message, verifiesWithNoble } from './fixtures.js';

function expectSameNonces(a: SigningNonces, b: SigningNonces): void {
  expect(b.hiding).toBe(a.hiding);
  expect(b.binding).toBe(a.binding);
  expect(b.commitment.identifier).toBe(a.commitment.identifier);
  expect(b.commitment.hiding.equals(a.commitment.hiding)).toBe(true);
  expect(b.commitment.binding.equals(a.commitment.binding)).toBe(true);
}

const MAKERS = { commitForPool, commit } as const;

describe('stored FROST nonces', () => {
  for (const name of SUITES) for (const [maker, make] of Object.entries(MAKERS)) {
    it(`${name}, ${maker}: commitments signed with signCommitment, nonces reloaded from storage, sign in a pooled FrostSign`, () => {
      const c = committee(name);
      const { suite, shares, identities } = c;
      const rng = seededRng(`stored-${name}`);
      const signers = [1, 3];
      const keys = new Map(signers.map((id) => [id, frostSigningKey(suite, shares.get(id)!)] as const));
      const book = new CommitmentBook(keys.get(1)!, identities.get(1)!);
      // What each node keeps: the encoded nonces under the commitment's id.
      const stores = new Map(signers.map((id) => [id, new Map<string, Uint8Array>()] as const));
      for (const id of signers) {
        const key = keys.get(id)!;
        const epoch = rng(POOL_EPOCH_LENGTH);
        const published = [0, 1].map((sequence) => {
          const nonces = make(key, rng);
          stores.get(id)!.set(commitmentId(suite, nonces.commitment), encodeSigningNonces(suite, nonces));
          const signed = signCommitment(key, identities.get(id)!, epoch, sequence, nonces.commitment, nonces.preimages);
          expect(commitmentSignatureValid(identities.get(1)!, key, signed)).toBe(true);
          // What the coordinator relays: the encoding, preimages included when made for a pool.
          return decodeSignedCommitment(suite, encodeSignedCommitment(suite, signed));
        });
        book.publish(id, published);
      }
      for (let i = 0; i < 2; i++) {
        const commitments = book.take(signers);
        const parties = signers.map((id) => {
          const own = commitments.find((sc) => sc.commitment.identifier === BigInt(id))!;
          const store = stores.get(id)!;
          const recordId = commitmentId(suite, own.commitment);
          const record = store.get(recordId)!;
          store.delete(recordId);
          return new FrostSign({
            sessions: new MemorySessionRegistry(),
            key: keys.get(id)!,
            identity: identities.get(id)!,
            session: session(`stored-${name}-${i}`),
            signers,
            message,
            rng,
            pooled: { commitments, nonces: decodeSigningNonces(suite, record) },
          });
        });
        const result = simulate(parties, rng);
        expect(result.aborts.size).toBe(0);
        expect(result.deliveries).toBe(2);
        expect(verifiesWithNoble(name, shares.get(1)!.publicKey, result.outputs.get(1)!.signature)).toBe(true);
      }
      for (const store of stores.values()) expect(store.size).toBe(0);
    });

    it(`${name}, ${maker}: the nonce codec round-trips and refuses every truncation, a trailing byte and another version`, () => {
      const { suite, shares } = committee(name);
      const key = frostSigningKey(suite, shares.get(2)!);
      const nonces = make(key, seededRng(`codec-${name}`));
      const bytes = encodeSigningNonces(suite, nonces);
      const decoded = decodeSigningNonces(suite, bytes);
      expectSameNonces(nonces, decoded);
      expect(encodeSigningNonces(suite, decoded)).toEqual(bytes);
      fc.assert(
        fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (cut) => {
          expect(() => decodeSigningNonces(suite, bytes.slice(0, cut))).toThrow(DecodeError);
        }),
      );
      expect(() => decodeSigningNonces(suite, Uint8Array.of(...bytes, 0))).toThrow(DecodeError);
      expect(() => decodeSigningNonces(suite, Uint8Array.of(4, ...bytes.subarray(1)))).toThrow(/version 4/);
    });
  }

  describe('malformed nonce records', () => {
    const { suite, shares } = committee('secp256k1');
    const key = frostSigningKey(suite, shares.get(2)!);
    const bytes = encodeSigningNonces(suite, commit(key, seededRng('malformed-nonces')));
    const n = bytes.length;
    const patched = (at: number, replacement: Uint8Array) => {
      const out = bytes.slice();
      out.set(replacement, at);
      return out;
    };

    it('a record of another suite on the same curve is refused', () => {
      expect(() => decodeSigningNonces(FROST_SUITES['secp256k1-tr'], bytes)).toThrow(/not a nonce record of secp256k1-tr/);
    });

    it('a zero, a non-canonical nonce and identifier 0 are refused', () => {
      expect(() => decodeSigningNonces(suite, patched(n - 32, new Uint8Array(32)))).toThrow(/zero nonce/);
      expect(() => decodeSigningNonces(suite, patched(n - 64, new Uint8Array(32)))).toThrow(/zero nonce/);
      expect(() => decodeSigningNonces(suite, patched(n - 32, new Uint8Array(32).fill(0xff)))).toThrow(/invalid scalar/);
      expect(() => decodeSigningNonces(suite, patched(n - 66, new Uint8Array(2)))).toThrow(/identifier 0/);
      // control: the unpatched record decodes
      expect(decodeSigningNonces(suite, bytes).commitment.identifier).toBe(2n);
    });

    it('nonces are refused on the way in too: a zero nonce, an identifier outside u16', () => {
      const nonces = commit(key, seededRng('encode-refusals'));
      expect(() => encodeSigningNonces(suite, { ...nonces, hiding: 0n })).toThrow(/non-zero/);
      expect(() => encodeSigningNonces(suite, { ...nonces, binding: suite.curve.order })).toThrow(/out of range/);
      expect(() => encodeSigningNonces(suite, { ...nonces, commitment: { ...nonces.commitment, identifier: 0n } })).toThrow(/identifier/);
      expect(() => encodeSigningNonces(suite, { ...nonces, commitment: { ...nonces.commitment, identifier: 0x10000n } })).toThrow(/identifier/);
      expect(() => signingNonces(suite, 2n, nonces.hiding, 0n)).toThrow(/non-zero/);
      expect(() => signingNonces(suite, 2n, suite.curve.order, nonces.binding)).toThrow(/non-zero/);
      expectSameNonces(nonces, signingNonces(suite, 2n, nonces.hiding, nonces.binding));
    });

    it('signCommitment refuses a bad epoch, a sequence out of u32 and another signer’s commitment', () => {
      const c = committee('secp256k1');
      const identity = c.identities.get(2)!;
      const nonces = commit(key, seededRng('sign-commitment'));
      const epoch = new Uint8Array(POOL_EPOCH_LENGTH);
      expect(() => signCommitment(key, identity, epoch.subarray(1), 0, nonces.commitment)).toThrow(/epoch/);
      expect(() => signCommitment(key, identity, epoch, 2 ** 32, nonces.commitment)).toThrow(/sequence/);
      expect(() => signCommitment(key, identity, epoch, -1, nonces.commitment)).toThrow(/sequence/);
      expect(() => signCommitment(key, identity, epoch, 0, { ...nonces.commitment, identifier: 1n })).toThrow(/own commitments/);
      expect(signCommitment(key, identity, epoch, 2 ** 32 - 1, nonces.commitment).sequence).toBe(2 ** 32 - 1);
    });
  });
});

describe('cofactor preimages of pooled commitments', () => {
  /** (0, −1), the ed25519 point of order 2. */
  const ORDER_TWO = ed25519.Point.fromHex('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
  const epoch = new Uint8Array(POOL_EPOCH_LENGTH).fill(9);

  for (const name of SUITES) {
    it(`${name}: pool nonces d = h·d′ commit to D = d·G = [h]P′, and the preimages survive the codecs`, () => {
      const { suite, shares, identities } = committee(name);
      const key = frostSigningKey(suite, shares.get(2)!);
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
          const nonces = commitForPool(key, seededRng(`pool-${name}-${Buffer.from(seed).toString('hex')}`));
          const { curve } = suite;
          expect(curve.mulBase(nonces.hiding).equals(nonces.commitment.hiding)).toBe(true);
          expect(curve.mulBase(nonces.binding).equals(nonces.commitment.binding)).toBe(true);
          expect(curve.clearCofactor(nonces.preimages!.hiding).equals(nonces.commitment.hiding)).toBe(true);
          const signed = signCommitment(key, identities.get(2)!, epoch, 0, nonces.commitment, nonces.preimages);
          const bytes = encodeSignedCommitment(suite, signed);
          const decoded = decodeSignedCommitment(suite, bytes);
          expect(decoded.commitment.hiding.equals(nonces.commitment.hiding) && decoded.commitment.binding.equals(nonces.commitment.binding)).toBe(true);
          // Re-encoded, a decoded commitment is the signed part alone; the preimages travel affine.
          const signedPart = encodeSignedCommitment(suite, decoded);
          expect(signedPart).toEqual(bytes.subarray(0, bytes.length - 2 * curve.affineLength));
          expectSameNonces(nonces, decodeSigningNonces(suite, encodeSigningNonces(suite, nonces)));
          // What older nodes wrote: compressed preimages on the wire, and version-2 records.
          const compressed = Uint8Array.of(...signedPart, ...curve.encodePoint(nonces.preimages!.hiding), ...curve.encodePoint(nonces.preimages!.binding));
          expect(decodeSignedCommitment(suite, compressed).commitment.binding.equals(nonces.commitment.binding)).toBe(true);
          const v3 = encodeSigningNonces(suite, nonces);
          const v2 = Uint8Array.of(2, ...v3.subarray(1, v3.length - 2 * curve.affineLength), ...curve.encodePoint(nonces.preimages!.hiding), ...curve.encodePoint(nonces.preimages!.binding));
          expectSameNonces(nonces, decodeSigningNonces(suite, v2));
        }),
        { numRuns: 10 },
      );
    });
  }

  const { suite, shares, identities } = committee('ed25519');
  const key = frostSigningKey(suite, shares.get(2)!);
  const nonces = commitForPool(key, seededRng('preimage-attacks'));
  const withPreimages = (commitment: typeof nonces.commitment, preimages: NonNullable<typeof nonces.preimages>) =>
    encodeSignedCommitment(suite, signCommitment(key, identities.get(2)!, epoch, 0, commitment, preimages));

  it('a validly signed point outside the prime-order group stays outside, whatever preimage comes with it', () => {
    const torsioned = { ...nonces.commitment, hiding: nonces.commitment.hiding.add(ORDER_TWO) };
    const bytes = withPreimages(torsioned, nonces.preimages!);
    expect(() => decodeSignedCommitment(suite, bytes)).toThrow(/prime-order group/);
    const unchecked = decodeSignedCommitment(suite, bytes, { checkSubgroup: false });
    expect(unchecked.commitment.hiding.equals(torsioned.hiding)).toBe(true);
    expect(suite.curve.inPrimeSubgroup(unchecked.commitment.hiding)).toBe(false);
  });

  it('a preimage of small order or of another point is passed over: the signed point is decoded and checked itself', () => {
    for (const preimages of [
      { ...nonces.preimages!, hiding: ORDER_TWO },
      { ...nonces.preimages!, binding: nonces.preimages!.hiding },
    ]) {
      const decoded = decodeSignedCommitment(suite, withPreimages(nonces.commitment, preimages));
      expect(decoded.commitment.hiding.equals(nonces.commitment.hiding) && decoded.commitment.binding.equals(nonces.commitment.binding)).toBe(true);
    }
  });

  it('a stored record whose preimage has small order is refused', () => {
    const record = encodeSigningNonces(suite, { ...nonces, preimages: { ...nonces.preimages!, binding: ORDER_TWO } });
    expect(() => decodeSigningNonces(suite, record)).toThrow(/identity/);
  });
});
