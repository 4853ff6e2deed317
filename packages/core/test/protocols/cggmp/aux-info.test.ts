/**
 * Auxiliary-information protocol at the 2048-bit level, with the safe primes of the test
 * fixtures (generating them takes minutes): every party ends with every other party's proven
 * Paillier modulus and ring-Pedersen parameters, and each kind of misbehaviour is named.
 */
import { MemorySessionRegistry } from '../../../src/engine/protocol.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { AuxInfoProtocol, type AuxInfo } from '../../../src/protocols/cggmp/aux-info.js';
import {
  type OpenedBroadcast,
  type PartyIdentity,
  encodeEcho,
  generateIdentities,
  openBroadcast,
  ownBroadcast,
  signBroadcast,
  unwrapSigned,
} from '../../../src/engine/identity.js';
import { seededRng } from '../../../src/rng.js';
import { type SimulationResult, simulate } from '../../../src/engine/simulator.js';
import { type ProtocolMessage, Reader, Writer } from '../../../src/engine/codec.js';
import { COMPLAINT_ROUND, type Outcome, type Protocol, type Rng, encodeComplaint } from '../../../src/engine/protocol.js';
import { equalBytes, utf8 } from '../../../src/bytes.js';
import { crt, jacobi, modInverse, randomBelow, randomUnit } from '../../../src/bigint/arith.js';
import { readSigned, writeSigned } from '../../../src/bigint/codec.js';
import { modPow } from '../../../src/bigint/node-crypto.js';
import { decrypt, encryptRandom } from '../../../src/paillier/paillier.js';
import { type RingPedersenParams, type RingPedersenSecret, generateRingPedersen } from '../../../src/paillier/ring-pedersen.js';
import { type ModProof, type ModRepetition, encodeModProof, modChallenges, proveModulus, verifyModulus } from '../../../src/proofs/paillier-blum-modulus.js';
import { type PrmProof, encodePrmProof, proveRingPedersen, verifyRingPedersen } from '../../../src/proofs/ring-pedersen-params.js';
import { type FacProof, encodeFacProof, proveNoSmallFactor, verifyNoSmallFactor } from '../../../src/proofs/no-small-factor.js';
import type { ProofContext } from '../../../src/proofs/paillier-context.js';
import { FIXTURE_2048, FIXTURE_3072, NON_BLUM } from '../../fixtures/paillier-fixtures.js';
import { level, primes } from './ecdsa-setup.js';

const parties = [1, 2, 3];

function setup(seed: string) {
  const rng = seededRng(seed);
  const identities = generateIdentities(parties, rng);
  const session = new TextEncoder().encode(`aux-${seed}`);
  const instances = parties.map((self, i) => new AuxInfoProtocol({ sessions: new MemorySessionRegistry(), session, self, parties, identity: identities.get(self)!, level, primes: primes[i]!, rng }));
  return { rng, identities, instances };
}

describe('CGGMP auxiliary information', () => {
  it('three parties exchange proven Paillier and ring-Pedersen parameters', () => {
    const { rng, instances } = setup('honest');
    const result = simulate(instances, rng, { reorder: true });
    expect(result.aborts.size).toBe(0);
    const outputs = result.outputs as Map<number, AuxInfo>;
    expect(outputs.size).toBe(3);
    for (const out of outputs.values()) {
      expect([...out.parties.keys()]).toEqual(parties);
      for (const id of parties) {
        expect(out.parties.get(id)!.paillier.n).toBe(outputs.get(id)!.paillier.publicKey.n);
        expect(out.parties.get(id)!.ringPedersen).toEqual(outputs.get(id)!.ringPedersen.params);
        // the ring-Pedersen modulus is the Paillier modulus
        expect(out.parties.get(id)!.ringPedersen.n).toBe(out.parties.get(id)!.paillier.n);
      }
      const { ciphertext } = encryptRandom(out.parties.get(out.self)!.paillier, 42n, rng);
      expect(decrypt(out.paillier, ciphertext)).toBe(42n);
    }
  });

  it('a party whose reveal differs from its commitment is named (bad-decommitment)', () => {
    const { rng, identities, instances } = setup('decommit');
    const result = simulate(instances, rng, {
      tamper: (m) => {
        if (m.from !== 2 || m.round !== 2) return m;
        const { payload } = unwrapSigned(2, m.payload);
        const changed = payload.slice();
        changed[10]! ^= 1; // inside the modulus
        return { ...m, payload: signBroadcast(identities.get(2)!.secretKey, { protocol: m.protocol, session: m.session, round: 2, from: 2 }, changed) };
      },
    });
    for (const id of [1, 3]) {
      expect(result.aborts.get(id)!.code).toBe('bad-decommitment');
      expect([...result.aborts.get(id)!.culprits]).toEqual([2]);
    }
  });

  it('a Π^fac made for another verifier is refused, and the party that did not see it convicts the prover on the evidence', () => {
    const { rng, identities, instances } = setup('fac-swap');
    let party2Params: RingPedersenParams | undefined;
    const result = simulate(instances, rng, {
      // party 3 signs for party 1 a proof made against party 2's parameters; party 2 gets a good one
      tamper: (m) => {
        if (m.from === 2 && m.round === 2) party2Params = revealedParams(2, m.payload);
        if (m.from !== 3 || m.round !== 3 || m.to !== 1) return m;
        const ctx = { sessionId: m.session, prover: 3, keyId: new Uint8Array(0) };
        const proof = proveNoSmallFactor(level, ctx, primes[2]!.p, primes[2]!.q, party2Params!, rng);
        const slot = { protocol: m.protocol, session: m.session, round: 3, from: 3, to: 1 };
        return { ...m, payload: signBroadcast(identities.get(3)!.secretKey, slot, encodeFacProof(party2Params!, proof)) };
      },
    });
    expect(result.aborts.get(1)!.code).toBe('bad-proof');
    expect([...result.aborts.get(1)!.culprits]).toEqual([3]);
    // party 2 accepted its own Π^fac from party 3 and waited for party 1's confirmation; party 1's
    // complaint carries party 3's signed proof, which party 2 checks against party 1's parameters
    expect(result.aborts.get(2)!.code).toBe('bad-proof');
    expect([...result.aborts.get(2)!.culprits]).toEqual([3]);
    expect(result.aborts.get(2)!.reason).toMatch(/reported by 1, checked here/);
    expect(result.outputs.size).toBe(0);
  });

  it('a false accusation about a valid Π^fac convicts the accuser (false-complaint)', () => {
    const { rng, instances } = setup('fac-false-accusation');
    let evidence: Uint8Array | undefined;
    const result = simulate(instances, rng, {
      // party 1 keeps party 3's valid signed Π^fac and, instead of confirming, claims it fails
      tamper: (m) => {
        if (m.from === 3 && m.round === 3 && m.to === 1) evidence = m.payload;
        if (m.from !== 1 || m.round !== 4) return m;
        return { ...m, round: COMPLAINT_ROUND, payload: encodeComplaint({ code: 'bad-proof', culprits: [3], evidence: evidence!, sentThrough: 3 }) };
      },
    });
    for (const id of [2, 3]) {
      expect(result.aborts.get(id)!.code).toBe('false-complaint');
      expect([...result.aborts.get(id)!.culprits]).toEqual([1]);
    }
  });

  it('a commitment equivocated to one party is convicted on the echo, also by a party that only sees the complaint', () => {
    const { rng, identities, instances } = setup('equivocated-commitment');
    const result = simulate(instances, rng, {
      equivocate: {
        from: 3,
        recipients: [2],
        variant: (m) => {
          if (m.round !== 1) return m.payload;
          const other = unwrapSigned(3, m.payload).payload.slice();
          other[0]! ^= 1;
          return signBroadcast(identities.get(3)!.secretKey, { protocol: m.protocol, session: m.session, round: 1, from: 3 }, other);
        },
      },
      // party 2 never gets party 3's reveal, so it cannot compare echoes itself: party 1's complaint tells it
      tamper: (m, to) => (m.from === 3 && m.round === 2 && to === 2 ? null : m),
    });
    for (const id of [1, 2]) {
      expect(result.aborts.get(id)!.code).toBe('equivocation');
      expect([...result.aborts.get(id)!.culprits]).toEqual([3]);
    }
    expect(result.aborts.get(2)!.reason).toMatch(/reported by 1/);
  });

  it('garbage in place of the commitment is named (malformed-message)', () => {
    const { rng, identities, instances } = setup('garbage');
    const result = simulate(instances, rng, {
      tamper: (m) =>
        m.from === 1 && m.round === 1
          ? { ...m, payload: signBroadcast(identities.get(1)!.secretKey, { protocol: m.protocol, session: m.session, round: 1, from: 1 }, new Writer().u8(7).finish()) }
          : m,
    });
    for (const id of [2, 3]) {
      expect(result.aborts.get(id)!.code).toBe('malformed-message');
      expect([...result.aborts.get(id)!.culprits]).toEqual([1]);
    }
  });

  it('refuses primes that are not safe primes', () => {
    const identities = generateIdentities(parties, seededRng('x'));
    expect(
      () =>
        new AuxInfoProtocol({ sessions: new MemorySessionRegistry(), session: new Uint8Array(8), self: 1, parties, identity: identities.get(1)!, level, primes: FIXTURE_2048.smallFactor, rng: seededRng('y') }),
    ).toThrow();
  });

  it('refuses own primes of the wrong size before sending anything (short, lopsided, equal)', () => {
    const identities = generateIdentities(parties, seededRng('x'));
    const make = (p: bigint, q: bigint) => () =>
      new AuxInfoProtocol({ sessions: new MemorySessionRegistry(), session: new Uint8Array(8), self: 1, parties, identity: identities.get(1)!, level, primes: { p, q }, rng: seededRng('y') });
    const [a, b] = [FIXTURE_2048.keys[0]!, FIXTURE_2048.keys[1]!];
    const big = FIXTURE_3072.keys[0]!; // safe primes of 1536 bits, too long for the 2048-bit level
    expect(make(big.p, big.q)).toThrow(new RangeError('Paillier primes must have 1024 bits each'));
    expect(make(a.p, big.q)).toThrow(new RangeError('Paillier primes must have 1024 bits each'));
    expect(make(big.p, a.q)).toThrow(new RangeError('Paillier primes must have 1024 bits each'));
    expect(make(a.p, a.p)).toThrow(new RangeError('Paillier primes must be distinct'));
    // The same primes of the right size are accepted, in either order and mixed between pairs.
    expect(make(a.q, b.p)).not.toThrow();
    // A 3072-bit party handed 1024-bit primes is refused too.
    expect(
      () =>
        new AuxInfoProtocol({ sessions: new MemorySessionRegistry(), session: new Uint8Array(8), self: 1, parties, identity: identities.get(1)!, level: FIXTURE_3072.level, primes: a, rng: seededRng('y') }),
    ).toThrow(new RangeError('Paillier primes must have 1536 bits each'));
  });
});

/*
 * A malicious party 3 against honest parties 1 and 2. Party 3 holds its own identity key, so
 * everything it sends is validly signed and consistently committed; what it publishes and proves
 * is what a cheating party would publish and prove. The honest AuxInfoProtocol refuses
 * non-safe primes, so party 3 is a small hand-written state machine speaking aux-info's wire
 * format (MaliciousAuxParty below). Every run is a real 3-party run at the 2048-bit level.
 */

const PROTOCOL = `cggmp-aux/${level.name}`;
const HONEST = [1, 2];
const MALICIOUS = 3;
const committee = generateIdentities(parties, seededRng('aux-adversary/identities'));

function proofContext(session: Uint8Array): ProofContext {
  return { sessionId: session, prover: MALICIOUS, keyId: new Uint8Array(0) };
}

/** What party 3 publishes in round 2 and sends in round 3. */
interface Lie {
  /** (N, s, t) of its reveal; N is also its Paillier modulus. */
  params: RingPedersenParams;
  mod: ModProof;
  prm: PrmProof;
  /** Its Π^fac for verifier `to`, whose ring-Pedersen parameters (read from `to`'s own reveal) are `aux`. */
  fac: (to: number, aux: RingPedersenParams) => FacProof;
}

/** (N̂, s, t) from a party's signed round-2 broadcast. */
function revealedParams(from: number, signed: Uint8Array): RingPedersenParams {
  const reveal = new Reader(unwrapSigned(from, signed).payload).varBytes(1 << 20);
  const r = new Reader(reveal);
  const max = level.paillierBits / 8 + 1;
  return { n: readSigned(r, max), s: readSigned(r, max), t: readSigned(r, max) };
}

/**
 * Party 3: round 1 its signed commitment to the reveal (the hash aux-info.ts computes), round 2
 * the signed reveal with an echo of the round-1 commitments it received, round 3 a Π^fac to each
 * peer against the parameters that peer revealed. It ignores complaints and never finishes.
 */
class MaliciousAuxParty implements Protocol<AuxInfo> {
  readonly protocol = PROTOCOL;
  readonly self = MALICIOUS;
  private readonly reveal: Uint8Array;
  private readonly received = new Map<string, Uint8Array>();
  private commitment: OpenedBroadcast | undefined;
  private sentRound = 0;

  constructor(
    readonly session: Uint8Array,
    private readonly identity: PartyIdentity,
    private readonly lie: Lie,
  ) {
    const { n, s, t } = lie.params;
    const w = new Writer();
    for (const x of [n, s, t]) writeSigned(w, x);
    this.reveal = w.varBytes(encodeModProof(n, lie.mod)).varBytes(encodePrmProof(lie.params, lie.prm)).finish();
  }

  private signed(round: number, payload: Uint8Array): Uint8Array {
    return signBroadcast(this.identity.secretKey, { protocol: this.protocol, session: this.session, round, from: this.self }, payload);
  }

  private message(round: number, to: number | null, payload: Uint8Array): ProtocolMessage {
    return { protocol: this.protocol, session: this.session, round, from: this.self, to, payload };
  }

  start(): Outcome<AuxInfo> {
    const commitment = sha512(
      new Writer().varBytes(utf8('mpc-wallet/v1/cggmp-aux/commit')).varBytes(this.session).u16(this.self).varBytes(this.reveal).finish(),
    );
    const signed = this.signed(1, commitment);
    this.commitment = ownBroadcast(signed, this.self);
    this.sentRound = 1;
    return { status: 'continue', outgoing: [this.message(1, null, signed)] };
  }

  receive(msg: ProtocolMessage): Outcome<AuxInfo> {
    if (msg.protocol === this.protocol && equalBytes(msg.session, this.session) && msg.to === null && (msg.round === 1 || msg.round === 2)) {
      this.received.set(`${msg.round}/${msg.from}`, msg.payload);
    }
    const all = (round: number) => HONEST.every((j) => this.received.has(`${round}/${j}`));
    const outgoing: ProtocolMessage[] = [];
    if (this.sentRound === 1 && all(1)) {
      const seen = new Map<number, OpenedBroadcast>([[this.self, this.commitment!]]);
      for (const j of HONEST) {
        seen.set(j, openBroadcast(this.identity, { protocol: this.protocol, session: this.session, round: 1, from: j }, this.received.get(`1/${j}`)!));
      }
      outgoing.push(this.message(2, null, this.signed(2, new Writer().varBytes(this.reveal).varBytes(encodeEcho(seen)).finish())));
      this.sentRound = 2;
    }
    if (this.sentRound === 2 && all(2)) {
      for (const j of HONEST) {
        const aux = revealedParams(j, this.received.get(`2/${j}`)!);
        const slot = { protocol: this.protocol, session: this.session, round: 3, from: this.self, to: j };
        outgoing.push(this.message(3, j, signBroadcast(this.identity.secretKey, slot, encodeFacProof(aux, this.lie.fac(j, aux)))));
      }
      this.sentRound = 3;
    }
    return { status: 'continue', outgoing };
  }

  waitingFor(): number[] {
    return [];
  }
}

/**
 * One run: parties 1 and 2 honest with their fixture primes and per-party seeds, party 3 as
 * `lie` says (made for this run's session).
 */
function runAgainst(label: string, lie: (session: Uint8Array) => Lie): SimulationResult<AuxInfo> {
  const session = utf8(`aux-adversary/${label}`);
  const honest = HONEST.map(
    (self) => new AuxInfoProtocol({ sessions: new MemorySessionRegistry(), session, self, parties, identity: committee.get(self)!, level, primes: primes[self - 1]!, rng: seededRng(`aux-adversary/${self}`) }),
  );
  return simulate<AuxInfo>([...honest, new MaliciousAuxParty(session, committee.get(MALICIOUS)!, lie(session))], seededRng(label));
}

/** Each of `by` aborted with `code`, naming exactly party 3, for a reason that names `proof`. */
function expectNamed(result: SimulationResult<AuxInfo>, by: readonly number[], code: string, proof: 'Π^mod' | 'Π^prm' | 'Π^fac'): void {
  for (const id of by) {
    const abort = result.aborts.get(id);
    expect(abort, `party ${id} aborts`).toBeDefined();
    expect({ party: id, code: abort!.code, culprits: [...abort!.culprits] }).toEqual({ party: id, code, culprits: [MALICIOUS] });
    expect(abort!.reason).toContain(proof);
    expect(result.outputs.has(id)).toBe(false);
  }
}

/** Ring-Pedersen parameters t = τ², s = t^λ on any N = p·q (generateRingPedersen insists on safe primes). */
function ringPedersenOn(p: bigint, q: bigint, rng: Rng): RingPedersenSecret {
  const n = p * q;
  const phi = (p - 1n) * (q - 1n);
  const tau = randomUnit(n, rng);
  const t = (tau * tau) % n;
  const lambda = randomBelow(phi, rng);
  return { params: { n, s: modPow(t, lambda, n), t }, lambda, phi, p, q };
}

/** A square root of the quadratic residue a modulo the odd prime p (Tonelli–Shanks). */
function sqrtModPrime(a: bigint, p: bigint): bigint {
  let q = p - 1n;
  let e = 0n;
  while ((q & 1n) === 0n) {
    q >>= 1n;
    e++;
  }
  let z = 2n;
  while (jacobi(z, p) !== -1) z++;
  let c = modPow(z, q, p);
  let x = modPow(a, (q + 1n) / 2n, p);
  let b = modPow(a, q, p);
  let m = e;
  while (b !== 1n) {
    let i = 0n;
    for (let b2 = b; b2 !== 1n; b2 = (b2 * b2) % p) i++;
    const g = modPow(c, 1n << (m - i - 1n), p);
    x = (x * g) % p;
    c = (g * g) % p;
    b = (b * c) % p;
    m = i;
  }
  return x;
}

/**
 * Π^mod as far as it can be made for N = p·q with p ≡ 1 (mod 4) and q a Blum prime. −1 is a
 * square mod p, but with w a non-square mod p and a square mod q the signs (a, b) still make
 * every challenge a square mod both primes, and N-th roots exist (gcd(N, φ(N)) = 1); a square
 * mod p is a fourth power only half of the time, though. There the cheater sends a square root.
 */
function cheatModulus(ctx: ProofContext, p: bigint, q: bigint, rng: Rng): ModProof {
  const n = p * q;
  let w: bigint;
  do w = randomUnit(n, rng);
  while (jacobi(w, p) !== -1 || jacobi(w, q) !== 1);
  const d = modInverse(n, (p - 1n) * (q - 1n));
  const rootQ = ((q + 1n) / 4n) ** 2n % (q - 1n);
  const reps = modChallenges(level, ctx, n, w).map((y): ModRepetition => {
    const b = jacobi(y, p) === 1 ? 0 : 1;
    const wy = b ? (w * y) % n : y;
    const a = jacobi(wy, q) === 1 ? 0 : 1;
    const target = a ? n - wy : wy;
    const root = sqrtModPrime(target % p, p);
    const xp = jacobi(root, p) === 1 ? sqrtModPrime(root, p) : root;
    return { x: crt(xp, p, modPow(target, rootQ, q), q), a, b, z: modPow(y, d, n) };
  });
  return { w, reps };
}

describe('CGGMP auxiliary information against a malicious party 3 (2048-bit level)', () => {
  // Party 3's own safe primes (no honest party uses them) with honest ring-Pedersen parameters.
  const good = FIXTURE_2048.keys[2]!;
  const goodRp = generateRingPedersen(good.p, good.q, seededRng('adv/party-3'));
  const goodN = goodRp.params.n;
  const honestFac =
    (ctx: ProofContext, rng: Rng) =>
    (_to: number, aux: RingPedersenParams): FacProof =>
      proveNoSmallFactor(level, ctx, good.p, good.q, aux, rng);

  it('(a) a modulus with a small factor: its Π^mod and Π^prm pass, its Π^fac is refused', () => {
    const { p: small, q: big } = FIXTURE_2048.smallFactor;
    expect(small < 1n << BigInt(level.ell)).toBe(true);
    const other = FIXTURE_2048.keys[3]!;
    const rng = seededRng('adv/small-factor');
    const secret = ringPedersenOn(small, big, rng);
    const result = runAgainst('small-factor', (session) => {
      const ctx = proofContext(session);
      return {
        params: secret.params,
        // N = small·big is a Blum integer: Π^mod and Π^prm are made honestly and are valid.
        mod: proveModulus(level, ctx, small, big, rng),
        prm: proveRingPedersen(level, ctx, secret, rng),
        // To party 1 the prover's output for the real factors; to party 2 a well-formed Π^fac
        // of a modulus it does not publish (other fixture primes), the best it can do in range.
        fac: (to, aux) =>
          to === 1 ? proveNoSmallFactor(level, ctx, small, big, aux, rng) : proveNoSmallFactor(level, ctx, other.p, other.q, aux, rng),
      };
    });
    // Both reached round 3, so both accepted Π^mod and Π^prm. The prover's z₂ = β + e·big is
    // longer than the Π^fac wire format allows (a bound of 2^(ℓ+ε)·√N in bytes), so party 1
    // refuses it while decoding, as malformed rather than as a failed proof.
    expectNamed(result, [1], 'malformed-message', 'Π^fac');
    expectNamed(result, [2], 'bad-proof', 'Π^fac');
  });

  it('(b) a non-Blum modulus: Π^mod cannot be made, and what can be made fails', () => {
    const { p, q } = NON_BLUM;
    expect([p % 4n, q % 4n]).toEqual([1n, 3n]);
    const rng = seededRng('adv/non-blum');
    const secret = ringPedersenOn(p, q, rng);
    let ctx!: ProofContext;
    let mod!: ModProof;
    const result = runAgainst('non-blum', (session) => {
      ctx = proofContext(session);
      expect(() => proveModulus(level, ctx, p, q, rng)).toThrow(/Blum/);
      mod = cheatModulus(ctx, p, q, rng);
      return { params: secret.params, mod, prm: proveRingPedersen(level, ctx, secret, rng), fac: (_to, aux) => proveNoSmallFactor(level, ctx, p, q, aux, rng) };
    });
    expectNamed(result, HONEST, 'bad-proof', 'Π^mod');
    // The cheater really answered what it could: about half of the fourth roots are right.
    const n = p * q;
    const ys = modChallenges(level, ctx, n, mod.w);
    const right = mod.reps.filter(({ x, a, b }, i) => {
      const wy = b ? (mod.w * ys[i]!) % n : ys[i]!;
      return modPow(x, 4n, n) === (a ? n - wy : wy);
    }).length;
    expect(right).toBeGreaterThan(32);
    expect(right).toBeLessThan(level.repetitions);
  });

  it('(c) ring-Pedersen parameters with s outside ⟨t⟩: Π^prm fails', () => {
    const rng = seededRng('adv/bad-s');
    const { t } = goodRp.params;
    let s: bigint;
    do s = randomUnit(goodN, rng);
    while (jacobi(s, goodN) !== -1);
    // t = τ² has Jacobi symbol 1 and so has every power of it; s has −1, so s ∉ ⟨t⟩.
    expect(jacobi(t, goodN)).toBe(1);
    // The project's prover, run for the bad parameters with a λ that does not exist.
    const bad: RingPedersenSecret = { ...goodRp, params: { n: goodN, s, t } };
    const result = runAgainst('bad-s', (session) => {
      const ctx = proofContext(session);
      return { params: bad.params, mod: proveModulus(level, ctx, good.p, good.q, rng), prm: proveRingPedersen(level, ctx, bad, rng), fac: honestFac(ctx, rng) };
    });
    expectNamed(result, HONEST, 'bad-proof', 'Π^prm');
  });

  it('(e) a modulus another party already revealed: every proof about it valid, refused as a duplicate naming both holders (bad-modulus)', () => {
    // Party 3 knows party 1's primes (party 1 leaked them, or drew them from a pool party 3 also
    // draws from) and publishes N₁ with fresh ring-Pedersen parameters and proofs made honestly for
    // itself, so only the check that no modulus appears twice can refuse it. Its commitment precedes
    // every reveal, so this is no copy of what it saw: both knew the factors before round 1. A third
    // party cannot tell which of the two is to blame, whatever their order, so it names both; party
    // 1 knows its factors were not published by itself and names party 3.
    const shared = primes[0]!;
    const rng = seededRng('adv/duplicate-modulus');
    const secret = generateRingPedersen(shared.p, shared.q, rng);
    let lie!: Lie;
    let ctx!: ProofContext;
    const result = runAgainst('duplicate-modulus', (session) => {
      ctx = proofContext(session);
      lie = {
        params: secret.params,
        mod: proveModulus(level, ctx, shared.p, shared.q, rng),
        prm: proveRingPedersen(level, ctx, secret, rng),
        fac: (_to, aux) => proveNoSmallFactor(level, ctx, shared.p, shared.q, aux, rng),
      };
      return lie;
    });
    expect(lie.params.n).toBe(shared.p * shared.q);
    expect(verifyModulus(level, ctx, lie.params.n, lie.mod)).toBe(true);
    expect(verifyRingPedersen(level, ctx, lie.params, lie.prm)).toBe(true);
    const expected = new Map([
      [1, [MALICIOUS]],
      [2, [1, MALICIOUS]],
    ]);
    for (const id of HONEST) {
      const abort = result.aborts.get(id);
      expect(abort, `party ${id} aborts`).toBeDefined();
      expect({ party: id, code: abort!.code, culprits: [...abort!.culprits] }).toEqual({ party: id, code: 'bad-modulus', culprits: expected.get(id) });
      expect(abort!.reason).toMatch(/same modulus/);
      expect(result.outputs.has(id)).toBe(false);
    }
  });

  describe('(d) proofs replayed from another aux-info session', () => {
    // Session A: party 3 published (N, s, t) = goodRp.params; in session B it publishes the same
    // parameters and replays its session-A Π^fac. (Replays of Π^mod and Π^prm are refused the
    // same way; test/proofs shows their session binding without two more protocol runs.)
    const rng = seededRng('adv/replay');
    const ctxA = proofContext(utf8('aux-adversary/session-A'));

    it('Π^fac from session A', () => {
      // For each verifier, party 3's Π^fac made in session A for exactly this statement: its own
      // N against the parameters that verifier publishes (valid there, checked below).
      const replayed: { to: number; aux: RingPedersenParams; proof: FacProof }[] = [];
      const result = runAgainst('replay-fac', (session) => {
        const ctx = proofContext(session);
        return {
          params: goodRp.params,
          mod: proveModulus(level, ctx, good.p, good.q, rng),
          prm: proveRingPedersen(level, ctx, goodRp, rng),
          fac: (to, aux) => {
            const proof = proveNoSmallFactor(level, ctxA, good.p, good.q, aux, rng);
            replayed.push({ to, aux, proof });
            return proof;
          },
        };
      });
      expectNamed(result, HONEST, 'bad-proof', 'Π^fac');
      expect(replayed).toHaveLength(2);
      for (const { to, aux, proof } of replayed) {
        expect(aux.n).toBe(primes[to - 1]!.p * primes[to - 1]!.q); // the verifier's own modulus
        expect(verifyNoSmallFactor(level, ctxA, goodN, aux, proof)).toBe(true);
      }
    });
  });
});
