/**
 * A signer node's pool without NoncePool: nonces made with `commit`, their commitment signed with
 * `signCommitment`, the pair stored with `encodeSigningNonces` and reloaded with
 * `decodeSigningNonces`, then signed with in a pooled FrostSign. The storage codec is strict.
 */
import { MemorySessionRegistry } from '../../../src/engine/protocol.js';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ed25519 } from '@noble/curves/ed25519.js';
import { schnorr, secp256k1_FROST } from '@noble/curves/secp256k1.js';
import {
  CommitmentBook,
  DecodeError,
  FROST_SUITES,
  FrostSign,
  type FrostSuiteName,
  POOL_EPOCH_LENGTH,
  type SigningNonces,
  commit,
  commitmentId,
  commitmentSignatureValid,
  decodeSigningNonces,
  encodeSigningNonces,
  frostSigningKey,
  seededRng,
  signCommitment,
  signingNonces,
  simulate,
  xOnly,
} from '../../../src/index.js';
import { session } from '../../helpers.js';
import { SUITES, committee, message } from './fixtures.js';

function verifiesWithNoble(name: FrostSuiteName, key: Parameters<typeof xOnly>[0], sig: Uint8Array): boolean {
  const { curve } = FROST_SUITES[name];
  if (name === 'ed25519') return ed25519.verify(sig, message, curve.encodePoint(key));
  if (name === 'secp256k1-tr') return schnorr.verify(sig, message, xOnly(key));
  return secp256k1_FROST.verify(sig, message, curve.encodePoint(key));
}

function expectSameNonces(a: SigningNonces, b: SigningNonces): void {
  expect(b.hiding).toBe(a.hiding);
  expect(b.binding).toBe(a.binding);
  expect(b.commitment.identifier).toBe(a.commitment.identifier);
  expect(b.commitment.hiding.equals(a.commitment.hiding)).toBe(true);
  expect(b.commitment.binding.equals(a.commitment.binding)).toBe(true);
}

describe('stored FROST nonces', () => {
  for (const name of SUITES) {
    it(`${name}: commitments signed with signCommitment, nonces reloaded from storage, sign in a pooled FrostSign`, () => {
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
          const nonces = commit(key, rng);
          stores.get(id)!.set(commitmentId(suite, nonces.commitment), encodeSigningNonces(suite, nonces));
          const signed = signCommitment(key, identities.get(id)!, epoch, sequence, nonces.commitment);
          expect(commitmentSignatureValid(identities.get(1)!, key, signed)).toBe(true);
          return signed;
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

    it(`${name}: the nonce codec round-trips and refuses every truncation, a trailing byte and another version`, () => {
      const { suite, shares } = committee(name);
      const key = frostSigningKey(suite, shares.get(2)!);
      const nonces = commit(key, seededRng(`codec-${name}`));
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
      expect(() => decodeSigningNonces(suite, Uint8Array.of(2, ...bytes.subarray(1)))).toThrow(/version 2/);
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
