/**
 * Input checks of FROST signing: a pool refuses a commitment it has made before (a repeating
 * randomness source), and nonce commitments outside the prime-order group (the identity, small
 * order, mixed order) are refused by signShare and aggregate, and blamed on whoever signed them.
 */
import { MemorySessionRegistry } from '../../../src/engine/protocol.js';
import { describe, expect, it } from 'vitest';
import {
  CommitmentBook,
  ED25519,
  FrostSign,
  type GroupPoint,
  type NonceCommitment,
  NoncePool,
  NonceReuseError,
  SECP256K1,
  type SignedCommitment,
  Writer,
  aggregate,
  commit,
  frostSigningKey,
  hexToBytes,
  poolSlot,
  seededRng,
  signBroadcast,
  signShare,
  simulate,
  unwrapSigned,
} from '../../../src/index.js';
import { type FrostCommittee, committee, expectEveryHonestAbort, message, twoRound } from './fixtures.js';
import { resign, session } from '../../helpers.js';

/** A point of order 8 on edwards25519 (torsion only). */
const T8 = ED25519.decodePoint(hexToBytes('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'), false);

describe('NoncePool refuses a repeated commitment', () => {
  const c = committee('ed25519');
  const key = frostSigningKey(c.suite, c.shares.get(1)!);
  const identity = c.identities.get(1)!;
  const stuck = (n: number) => new Uint8Array(n).fill(7);

  it('within one batch: the whole batch is refused', () => {
    const pool = new NoncePool(key, identity, stuck);
    expect(() => pool.generate(2)).toThrow(NonceReuseError);
    expect(() => pool.generate(2)).toThrow(/repeated/);
    expect(pool.size).toBe(0);
  });

  it('a commitment still available, or already spent, is not made again', () => {
    const pool = new NoncePool(key, identity, stuck);
    const [sc] = pool.generate(1);
    expect(() => pool.generate(1)).toThrow(NonceReuseError);
    pool.take(sc!.commitment);
    expect(() => pool.generate(1)).toThrow(NonceReuseError);
    expect(pool.size).toBe(0);
  });

  it('a healthy source fills the pool, each commitment in its own slot', () => {
    const pool = new NoncePool(key, identity, seededRng('healthy'));
    const made = pool.generate(3);
    expect(pool.size).toBe(3);
    expect(made.map((m) => m.sequence)).toEqual([0, 1, 2]);
  });
});

describe('nonce commitments must be non-identity points of the prime-order group', () => {
  function twoSigners(c: FrostCommittee) {
    const rng = seededRng(`points-${c.suite.name}`);
    const [k1, k2] = [1, 2].map((id) => frostSigningKey(c.suite, c.shares.get(id)!));
    const [n1, n2] = [commit(k1!, rng), commit(k2!, rng)];
    return { k1: k1!, k2: k2!, n1, n2 };
  }
  const cases: [string, string, (p: GroupPoint) => GroupPoint][] = [
    ['ed25519', 'the identity', () => ED25519.identity],
    ['ed25519', 'a small-order point', () => T8],
    ['ed25519', 'a mixed-order point', (p) => p.add(T8)],
    ['secp256k1', 'the identity', () => SECP256K1.identity],
    ['secp256k1-tr', 'the identity', () => SECP256K1.identity],
  ];
  for (const [name, what, bad] of cases) {
    it(`${name}: signShare and aggregate refuse ${what} as a commitment`, () => {
      const c = committee(name as 'ed25519');
      const { k1, k2, n1, n2 } = twoSigners(c);
      const good = { message, commitments: [n1.commitment, n2.commitment] };
      const shares = [signShare(k1, n1, good), signShare(k2, n2, good)];
      expect(aggregate(k1, good, shares).signature.length).toBeGreaterThan(0);
      for (const field of ['hiding', 'binding'] as const) {
        const tampered: NonceCommitment = { ...n2.commitment, [field]: bad(n2.commitment[field]) };
        const pkg = { message, commitments: [n1.commitment, tampered] };
        expect(() => signShare(k1, n1, pkg)).toThrow(/^nonce commitment/);
        expect(() => aggregate(k1, pkg, shares)).toThrow(/^nonce commitment/);
      }
    });
  }

  it('two rounds: a signer that signs a small-order commitment is named by every honest signer', () => {
    const c = committee('ed25519');
    const rng = seededRng('small-order-round1');
    const result = simulate(twoRound(c, [1, 2, 3], 'small-order', rng), rng, {
      tamper: (m) => {
        if (m.from !== 3 || m.round !== 1) return m;
        return resign(c.identities, m, (p) => new Writer().point(ED25519, ED25519.decodePoint(p.subarray(0, 32)).add(T8)).bytes(p.subarray(32)).finish());
      },
    });
    expectEveryHonestAbort(result, [1, 2], 'malformed-message', [3]);
  });

  it('pooled: a small-order commitment signed by its owner is the owner’s fault, at the book and at every signer', () => {
    const c = committee('ed25519');
    const rng = seededRng('small-order-pool');
    const signers = [1, 2];
    const keys = new Map(signers.map((id) => [id, frostSigningKey(c.suite, c.shares.get(id)!)] as const));
    const pools = new Map(signers.map((id) => [id, new NoncePool(keys.get(id)!, c.identities.get(id)!, rng)] as const));
    const [s1, s2] = signers.map((id) => pools.get(id)!.generate(1)[0]!);
    // signer 2 signs a commitment with a torsion component for a slot of its pool
    const hiding = s2!.commitment.hiding.add(T8);
    const payload = new Writer().point(ED25519, hiding).point(ED25519, s2!.commitment.binding).finish();
    const slot = poolSlot(keys.get(2)!, 2, s2!.epoch, s2!.sequence + 1);
    const bad: SignedCommitment = {
      commitment: { ...s2!.commitment, hiding },
      epoch: s2!.epoch,
      sequence: slot.round,
      signature: unwrapSigned(2, signBroadcast(c.identities.get(2)!.secretKey, slot, payload)).signature,
    };
    const book = new CommitmentBook(keys.get(1)!, c.identities.get(1)!);
    expect(() => book.publish(2, [bad])).toThrow(expect.objectContaining({ code: 'bad-commitment', culprits: [2] }));

    const list = [s1!, bad];
    const party1 = new FrostSign({
      sessions: new MemorySessionRegistry(),
      key: keys.get(1)!,
      identity: c.identities.get(1)!,
      session: session('small-order-pool'),
      signers,
      message,
      rng,
      pooled: { commitments: list, nonces: pools.get(1)!.take(s1!.commitment) },
    });
    const out = party1.start();
    expect(out.status === 'aborted' && [out.abort.code, [...out.abort.culprits]]).toEqual(['bad-commitment', [2]]);
  });
});
