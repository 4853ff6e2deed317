import { MemorySessionRegistry } from '../../../src/engine/protocol.js';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { schnorr, secp256k1_FROST } from '@noble/curves/secp256k1.js';
import {
  CommitmentBook,
  FROST_SUITES,
  FrostSign,
  type FrostSuiteName,
  NoncePool,
  NonceReuseError,
  ProtocolAbort,
  type SigningNonces,
  Writer,
  frostSigningKey,
  seededRng,
  signShare,
  simulate,
  xOnly,
} from '../../../src/index.js';
import { expectBlame, resign, session } from '../../helpers.js';
import { SUITES, committee, message, twoRound } from './fixtures.js';

/** Independent verification: noble for each scheme (its FROST module for plain secp256k1), node:crypto too for Ed25519. */
function verifyIndependently(name: FrostSuiteName, pk: Parameters<typeof xOnly>[0], msg: Uint8Array, sig: Uint8Array): boolean {
  const suite = FROST_SUITES[name];
  if (name === 'ed25519') {
    const raw = suite.curve.encodePoint(pk);
    const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(raw)]);
    const nodeOk = nodeVerify(null, msg, createPublicKey({ key: der, format: 'der', type: 'spki' }), sig);
    return nodeOk && ed25519.verify(sig, msg, raw);
  }
  if (name === 'secp256k1-tr') return schnorr.verify(sig, msg, xOnly(pk));
  return secp256k1_FROST.verify(sig, msg, suite.curve.encodePoint(pk));
}

describe('FROST signing protocol', () => {
  for (const name of SUITES) {
    it(`${name}: two rounds under faults, every signer outputs the same verified signature`, () => {
      const c = committee(name, 3, 5);
      const { shares } = c;
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 1e6 }), fc.subarray([1, 2, 3, 4, 5], { minLength: 3 }), (seed, signers) => {
          const rng = seededRng(`sign-${seed}`);
          const result = simulate(
            twoRound(c, signers, `s${seed}`, rng),
            rng,
            { drop: 0.2, duplicate: 0.2, reorder: true },
          );
          expect(result.aborts.size).toBe(0);
          const sigs = [...result.outputs.values()].map((o) => Buffer.from(o.signature).toString('hex'));
          expect(new Set(sigs).size).toBe(1);
          expect(verifyIndependently(name, shares.get(1)!.publicKey, message, result.outputs.get(signers[0]!)!.signature)).toBe(true);
        }),
        { numRuns: 4 },
      );
    });

    it(`${name}: one online round with pooled nonces`, () => {
      const { suite, shares, identities } = committee(name);
      const rng = seededRng(`pool-${name}`);
      const keys = new Map([1, 3].map((id) => [id, frostSigningKey(suite, shares.get(id)!)] as const));
      const pools = new Map([...keys].map(([id, k]) => [id, new NoncePool(k, identities.get(id)!, rng)] as const));
      const book = new CommitmentBook(keys.get(1)!, identities.get(1)!);
      for (const [id, pool] of pools) book.publish(id, pool.generate(3));
      for (let i = 0; i < 3; i++) {
        const commitments = book.take([1, 3]);
        const parties = [1, 3].map(
          (id, k) =>
            new FrostSign({
              sessions: new MemorySessionRegistry(),
              key: keys.get(id)!,
              identity: identities.get(id)!,
              session: session(`pool-${name}-${i}`),
              signers: [1, 3],
              message,
              rng,
              pooled: { commitments, nonces: pools.get(id)!.take(commitments[k]!.commitment) },
            }),
        );
        const result = simulate(parties, rng);
        expect(result.aborts.size).toBe(0);
        // one round: exactly one broadcast per signer, delivered to the other
        expect(result.deliveries).toBe(2);
        expect(verifyIndependently(name, shares.get(1)!.publicKey, message, result.outputs.get(1)!.signature)).toBe(true);
      }
      expect(book.available(1)).toBe(0);
      expect(() => book.take([1, 3])).toThrow(/no pooled commitments/);
    });

    it(`${name}: a bad signature share is named (bad-signature-share)`, () => {
      const c = committee(name, 3, 5);
      const { suite } = c;
      const rng = seededRng(`badshare-${name}`);
      const signers = [1, 2, 4];
      const result = simulate(twoRound(c, signers, 'bad-share', rng), rng, {
        // party 4 signs a share message whose share is off by one
        tamper: (m) => {
          if (m.from !== 4 || m.round !== 2) return m;
          return resign(c.identities, m, (payload) => {
            const curve = suite.curve;
            const z = curve.decodeScalar(payload.subarray(64, 64 + curve.scalarLength));
            return new Writer().bytes(payload.subarray(0, 64)).scalar(curve, (z + 1n) % curve.order).bytes(payload.subarray(64 + curve.scalarLength)).finish();
          });
        },
      });
      // the honest signers received the forged share and refuse to output; only 4's own view completes
      expect([...result.outputs.keys()]).toEqual([4]);
      expectBlame(result, [4], 'bad-signature-share', [1, 2]);
    });

    it(`${name}: a signer reporting a wrong group commitment is named even though its share is right`, () => {
      const c = committee(name);
      const { suite } = c;
      const rng = seededRng(`badR-${name}`);
      const result = simulate(twoRound(c, [1, 2], 'bad-R', rng), rng, {
        tamper: (m) => {
          if (m.from !== 2 || m.round !== 2) return m;
          const curve = suite.curve;
          const at = 64 + curve.scalarLength;
          return resign(c.identities, m, (p) => new Writer().bytes(p.subarray(0, at)).point(curve, curve.base).bytes(p.subarray(at + curve.pointLength)).finish());
        },
      });
      expectBlame(result, [2], 'bad-signature-share', [1]);
    });

    it(`${name}: a malformed share message is named (malformed-message)`, () => {
      const c = committee(name);
      const rng = seededRng(`malformed-${name}`);
      const result = simulate(twoRound(c, [1, 2], 'malformed', rng), rng, {
        tamper: (m) => (m.from === 1 && m.round === 2 ? resign(c.identities, m, (p) => p.subarray(1)) : m),
      });
      expectBlame(result, [1], 'malformed-message', [2]);
    });
  }

  it('ed25519: a reported group commitment with a torsion part (the right R plus a point of order 2) is named (malformed-message)', () => {
    const c = committee('ed25519');
    const curve = c.suite.curve;
    const rng = seededRng('torsion-R');
    const twoTorsion = curve.decodePoint(Uint8Array.from(Buffer.from('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'hex')), false);
    const result = simulate(twoRound(c, [1, 2], 'torsion-R', rng), rng, {
      tamper: (m) => {
        if (m.from !== 2 || m.round !== 2) return m;
        const at = 64 + curve.scalarLength;
        return resign(c.identities, m, (p) => {
          const R = curve.decodePoint(p.subarray(at, at + curve.pointLength));
          return new Writer().bytes(p.subarray(0, at)).bytes(curve.encodePoint(R.add(twoTorsion))).bytes(p.subarray(at + curve.pointLength)).finish();
        });
      },
    });
    expectBlame(result, [2], 'malformed-message', [1]);
  });

  it('nonces are single-use: the pool hands a nonce out once, then refuses', () => {
    const { suite, shares, identities } = committee('ed25519');
    const pool = new NoncePool(frostSigningKey(suite, shares.get(1)!), identities.get(1)!, seededRng('single-use'));
    const c = pool.generate(1)[0]!.commitment;
    const nonces: SigningNonces = pool.take(c);
    expect(nonces.commitment.hiding.equals(c.hiding)).toBe(true);
    expect(() => pool.take(c)).toThrow(NonceReuseError);
    expect(() => pool.take(c)).toThrow(/already used/);
    expect(pool.size).toBe(0);
  });

  it('a signer that republishes a used commitment is named (nonce-reuse)', () => {
    const { suite, shares, identities } = committee('secp256k1');
    const key = frostSigningKey(suite, shares.get(2)!);
    const pool = new NoncePool(key, identities.get(2)!, seededRng('republish'));
    const book = new CommitmentBook(key, identities.get(2)!);
    const published = pool.generate(2);
    book.publish(2, published);
    book.take([2]);
    let abort: unknown;
    try {
      book.publish(2, [published[0]!]);
    } catch (e) {
      abort = e;
    }
    expect(abort).toBeInstanceOf(ProtocolAbort);
    expect((abort as ProtocolAbort).code).toBe('nonce-reuse');
    expect((abort as ProtocolAbort).culprits).toEqual([2]);
    // commitments under another signer's identifier are refused too
    expect(() => book.publish(3, pool.generate(1))).toThrow(ProtocolAbort);
  });

  it('a signing package that does not carry the signer’s own commitment is refused', () => {
    const { suite, shares, identities } = committee('ed25519');
    const rng = seededRng('package');
    const k1 = frostSigningKey(suite, shares.get(1)!);
    const k2 = frostSigningKey(suite, shares.get(2)!);
    const [a, b] = [new NoncePool(k1, identities.get(1)!, rng), new NoncePool(k2, identities.get(2)!, rng)];
    const [c1, c1b] = a.generate(2).map((sc) => sc.commitment);
    const [c2] = b.generate(1).map((sc) => sc.commitment);
    const n1 = a.take(c1!);
    expect(() => signShare(k1, n1, { message, commitments: [c1b!, c2!] })).toThrow(/different commitment/);
    expect(() => signShare(k1, n1, { message, commitments: [c2!] })).toThrow();
    expect(() => signShare(k1, n1, { message, commitments: [c1!, c1!, c2!] })).toThrow(/duplicate/);
  });
});
