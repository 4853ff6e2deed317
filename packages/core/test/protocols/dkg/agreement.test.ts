/**
 * Agreement before commit (issue #8 item 3): the dealing's signed echoes and confirmation round
 * leave every honest party in the same state, and the certificate says when an old share may go.
 */
import { MemorySessionRegistry } from '../../../src/engine/protocol.js';
import { describe, expect, it } from 'vitest';
import { sha512 } from '@noble/hashes/sha2.js';
import {
  COMPLAINT_ROUND,
  CURVES,
  type CurveName,
  type Dealing,
  type KeyShare,
  type SimulationResult,
  type DealingOutput,
  Writer,
  createDkg,
  encodeComplaint,
  generateIdentities,
  openDealingCertificate,
  seededRng,
  signBroadcast,
  simulate,
  unwrapSigned,
} from '../../../src/index.js';
import { ids, resign, secretOf, session } from '../../helpers.js';

function dkgParties(curve: CurveName, t: number, n: number, seed: string) {
  const rng = seededRng(seed);
  const identities = generateIdentities(ids(n), rng);
  const parties = ids(n).map((self) => createDkg({ sessions: new MemorySessionRegistry(), curve, session: session(seed), self, parties: ids(n), threshold: t, identity: identities.get(self)!, rng }));
  return { rng, identities, parties };
}

function flip(bytes: Uint8Array, at: number): Uint8Array {
  const out = bytes.slice();
  out[at]! ^= 0x20;
  return out;
}

const ENTRY = 2 + 64 + 64; // echo entry: sender, digest, signature

/** Ways to spoil an echo (`echo` is the honest one); each is something checkEchoAlone rejects. */
const GARBAGE: Record<string, (echo: Uint8Array) => Uint8Array> = {
  'random bytes': () => new Uint8Array(41).fill(7),
  'an omitted broadcast': (echo) => new Writer().u16(((echo[0]! << 8) | echo[1]!) - 1).bytes(echo.subarray(2, echo.length - ENTRY)).finish(),
  'an invented broadcast': (echo) =>
    new Writer()
      .u16(((echo[0]! << 8) | echo[1]!) + 1)
      .bytes(echo.subarray(2))
      .u16(9)
      .bytes(echo.subarray(4, 2 + ENTRY))
      .finish(),
  'a forged dealer signature': (echo) => flip(echo, 2 + 2 + 64 + 5),
  'an invented digest': (echo) => flip(echo, 2 + 2 + 5),
};

/** Every honest party aborted with `code` naming exactly `culprits`: none holds an output or stalls. */
function expectAllAborted<T>(result: SimulationResult<T>, honest: number[], code: string, culprits: number[]) {
  for (const id of honest) {
    expect(result.outputs.has(id), `party ${id}`).toBe(false);
    expect(result.stalled.has(id), `party ${id}`).toBe(false);
    const abort = result.aborts.get(id);
    expect(abort, `party ${id}`).toBeDefined();
    expect(abort!.code, `party ${id}`).toBe(code);
    expect([...abort!.culprits], `party ${id}`).toEqual(culprits);
  }
}

function encodeCertificate(signed: Map<number, Uint8Array>): Uint8Array {
  const w = new Writer().u16(signed.size);
  for (const [id, s] of [...signed].sort((a, b) => a[0] - b[0])) w.u16(id).varBytes(s);
  return w.finish();
}

function checkSameKey(shares: KeyShare[], t: number) {
  const curve = CURVES[shares[0]!.curve];
  for (const s of shares) expect(s.publicKey.equals(shares[0]!.publicKey)).toBe(true);
  expect(curve.mulBase(secretOf(shares.slice(0, t))).equals(shares[0]!.publicKey)).toBe(true);
  expect(curve.mulBase(secretOf(shares.slice(-t))).equals(shares[0]!.publicKey)).toBe(true);
}

describe('split-echo adversary: a good echo to some peers, garbage to others', () => {
  for (const [what, spoil] of Object.entries(GARBAGE)) {
    for (const curve of ['secp256k1', 'ed25519'] as CurveName[]) {
      it(`${curve} 3-of-4 DKG, garbage is ${what} (signed): every honest party aborts naming the echoer 3, nobody holds an output`, () => {
        for (const seed of [0, 1, 2]) {
          const { rng, identities, parties } = dkgParties(curve, 3, 4, `split-echo-${what}-${curve}-${seed}`);
          const result = simulate(parties, rng, {
            reorder: seed > 0,
            tamper: (m, to) => (m.from === 3 && m.round === 2 && to === 2 ? resign(identities, m, (p) => spoil(p)) : m),
          });
          expectAllAborted(result, [1, 2, 4], 'bad-echo', [3]);
          // party 2 never confirmed, so no certificate can exist anywhere
          expect(parties[1]!.confirmed).toBe(false);
        }
      });
    }
  }

  it('an unsigned garbage echo to one peer: every honest party aborts, nobody holds an output (the echoer is named only by the peer that saw it)', () => {
    const { rng, parties } = dkgParties('secp256k1', 3, 4, 'split-echo-unsigned');
    const result = simulate(parties, rng, {
      tamper: (m, to) => (m.from === 3 && m.round === 2 && to === 2 ? { ...m, payload: flip(m.payload, m.payload.length - 1) } : m),
    });
    expect(result.outputs.size).toBe(0);
    expect(result.stalled.size).toBe(0);
    expect(result.aborts.get(2)!.code).toBe('bad-signature');
    expect([...result.aborts.get(2)!.culprits]).toEqual([3]);
    // a bad signature proves nothing to the others: they stop without naming anyone
    for (const id of [1, 4]) {
      expect(result.aborts.get(id)!.code).toBe('peer-aborted');
      expect([...result.aborts.get(id)!.culprits]).toEqual([]);
    }
  });

  it('a false bad-echo complaint (an in-order signed echo as evidence) convicts the accuser', () => {
    const { rng, parties } = dkgParties('ed25519', 2, 3, 'false-bad-echo');
    let honestEcho: Uint8Array | undefined;
    const result = simulate(parties, rng, {
      tamper: (m, to) => {
        if (m.from === 3 && m.round === 2 && to === 2) honestEcho = m.payload;
        if (m.from === 2 && m.round === 3 && honestEcho) {
          const complaint = encodeComplaint({ code: 'bad-echo', culprits: [3], evidence: honestEcho, sentThrough: 2 });
          return { ...m, round: COMPLAINT_ROUND, payload: complaint };
        }
        return m;
      },
    });
    expectAllAborted(result, [1, 3], 'false-complaint', [2]);
  });

  it('two different signed echoes from one echoer are equivocation, judged by every peer', () => {
    const { rng, identities, parties } = dkgParties('secp256k1', 2, 3, 'echo-equivocation');
    const slot = { protocol: parties[0]!.protocol, session: parties[0]!.session, round: 2, from: 3 };
    const signedDigest = (payload: Uint8Array) => {
      const signed = signBroadcast(identities.get(3)!.secretKey, slot, payload);
      return { digest: sha512(payload), signature: signed.subarray(signed.length - 64) };
    };
    const [a, b] = [signedDigest(new Uint8Array([1])), signedDigest(new Uint8Array([2]))];
    const evidence = new Writer().bytes(a.digest).bytes(a.signature).bytes(b.digest).bytes(b.signature).finish();
    const result = simulate(parties, rng, {
      tamper: (m) => (m.from === 2 && m.round === 2 ? { ...m, round: COMPLAINT_ROUND, payload: encodeComplaint({ code: 'equivocation', culprits: [3], evidence, sentThrough: 1 }) } : m),
    });
    expectAllAborted(result, [1], 'equivocation', [3]);
  });
});

describe('confirmation round', () => {
  it('an honest run: every party holds the same certificate, and it verifies', () => {
    const seed = 'honest-certificate';
    const { rng, identities, parties } = dkgParties('ed25519', 2, 3, seed);
    const result = simulate(parties, rng, { reorder: true });
    expect(result.outputs.size).toBe(3);
    const run = { protocol: parties[0]!.protocol, session: session(seed), receivers: ids(3) };
    const certificate = result.outputs.get(1)!.certificate;
    const confirmed = openDealingCertificate(identities.get(2)!, run, certificate);
    expect(confirmed).toHaveLength(96);
    for (const id of ids(3)) {
      expect(result.outputs.get(id)!.certificate).toEqual(certificate);
      expect(parties[id - 1]!.confirmed).toBe(true);
      // what a crashed party kept with its pending share is what the certificate confirms
      expect(parties[id - 1]!.pendingConfirmation).toEqual(confirmed);
      expect(parties[id - 1]!.pendingShare).toEqual(result.outputs.get(id)!.share);
    }
    // bound to its run and to every receiver's signature
    expect(openDealingCertificate(identities.get(2)!, { ...run, session: session('other') }, certificate)).toBeUndefined();
    expect(openDealingCertificate(identities.get(2)!, { ...run, receivers: [1, 2] }, certificate)).toBeUndefined();
    expect(openDealingCertificate(identities.get(2)!, run, flip(certificate, certificate.length - 1))).toBeUndefined();
    expect(openDealingCertificate(identities.get(2)!, run, certificate.subarray(0, certificate.length - 1))).toBeUndefined();
    // the receiver list may come in any order
    expect(openDealingCertificate(identities.get(2)!, { ...run, receivers: [3, 1, 2] }, certificate)).toEqual(confirmed);
  });

  it('a certificate is refused when its receivers, each signing validly, confirmed different things', () => {
    const seed = 'mixed-certificate';
    const { rng, identities, parties } = dkgParties('ed25519', 2, 3, seed);
    const signed = new Map<number, Uint8Array>();
    const result = simulate(parties, rng, {
      tamper: (m) => {
        if (m.round === 3 && m.to === null) signed.set(m.from, m.payload);
        return m;
      },
    });
    expect(result.outputs.size).toBe(3);
    const run = { protocol: parties[0]!.protocol, session: session(seed), receivers: ids(3) };
    expect(openDealingCertificate(identities.get(1)!, run, encodeCertificate(signed))).toHaveLength(96);
    // party 3's signature over a confirmation of another output, in its own slot
    const other = flip(unwrapSigned(3, signed.get(3)!).payload, 90);
    const slot = { protocol: run.protocol, session: run.session, round: 3, from: 3 };
    const mixed = new Map(signed).set(3, signBroadcast(identities.get(3)!.secretKey, slot, other));
    expect(openDealingCertificate(identities.get(1)!, run, encodeCertificate(mixed))).toBeUndefined();
    // an extra entry beyond the receivers is refused too
    const w = new Writer().u16(4);
    for (const id of ids(3)) w.u16(id).varBytes(signed.get(id)!);
    expect(openDealingCertificate(identities.get(1)!, run, w.u16(4).varBytes(signed.get(3)!).finish())).toBeUndefined();
  });

  it('a party withholding its confirmation from one peer: the others finish, the one left out completes from a relayed certificate', () => {
    const { rng, parties } = dkgParties('secp256k1', 3, 4, 'withheld-confirmation');
    const result = simulate(parties, rng, { tamper: (m, to) => (m.from === 4 && m.round === 3 && to === 3 ? null : m) });
    expect(result.aborts.size).toBe(0);
    expect([...result.outputs.keys()].sort()).toEqual([1, 2, 4]);
    expect(result.stalled.get(3)).toEqual([4]);
    const left = parties[2]!;
    expect(left.confirmed).toBe(true);
    // a certificate that lacks a confirmation, or is another's, does not complete it
    const certificate = result.outputs.get(1)!.certificate;
    expect(left.completeWith(certificate.subarray(0, 40))).toBeUndefined();
    const other = dkgParties('secp256k1', 3, 4, 'another-run');
    const otherRun = simulate(other.parties, other.rng);
    expect(left.completeWith(otherRun.outputs.get(1)!.certificate)).toBeUndefined();
    const out = left.completeWith(certificate)!;
    expect(out.certificate).toEqual(certificate);
    expect(left.waitingFor()).toEqual([]);
    const again = left.receive({ protocol: left.protocol, session: left.session, round: 3, from: 4, to: null, payload: new Uint8Array(1) });
    expect(again.status).toBe('done');
    checkSameKey([1, 2, 3, 4].map((id) => (id === 3 ? out : result.outputs.get(id)!).share!), 3);
  });

  it('a confirmation spoilt for one peer: whoever aborted completes from the certificate relayed by anyone', () => {
    const seed = 'spoilt-confirmation';
    const { rng, identities, parties } = dkgParties('ed25519', 3, 4, seed);
    const relayed = new Map<number, Uint8Array>();
    const result = simulate(parties, rng, {
      tamper: (m, to) => {
        if (m.round !== 3 || m.to !== null) return m;
        relayed.set(m.from, m.payload);
        // party 4 signs a confirmation of another output for party 3 only
        return m.from === 4 && to === 3 ? resign(identities, m, (p) => flip(p, 90)) : m;
      },
    });
    expect(result.aborts.get(3)!.code).toBe('bad-confirmation');
    expect([...result.aborts.get(3)!.culprits]).toEqual([4]);
    // whoever did not finish aborted naming 4 (on 3's evidence); whoever finished holds the output
    for (const id of [1, 2]) {
      if (!result.outputs.has(id)) expect([...result.aborts.get(id)!.culprits]).toEqual([4]);
    }
    const certificate = encodeCertificate(relayed);
    const outputs = new Map<number, DealingOutput>();
    for (const id of [1, 2, 3]) {
      const party = parties[id - 1] as Dealing;
      expect(party.confirmed).toBe(true);
      outputs.set(id, result.outputs.get(id) ?? party.completeWith(certificate)!);
    }
    checkSameKey([...outputs.values()].map((o) => o.share!), 3);
  });

  it('a true bad-confirmation complaint convicts the signer at a party that only sees the complaint', () => {
    const { rng, identities, parties } = dkgParties('secp256k1', 2, 4, 'true-bad-confirmation');
    const result = simulate(parties, rng, {
      tamper: (m, to) => {
        if (m.from !== 4 || m.round !== 3 || m.to !== null) return m;
        // party 4 spoils its confirmation for party 3 and withholds it from party 1
        if (to === 1) return null;
        return to === 3 ? resign(identities, m, (p) => flip(p, 90)) : m;
      },
    });
    for (const id of [1, 3]) {
      expect(result.aborts.get(id)?.code, `party ${id}`).toBe('bad-confirmation');
      expect([...result.aborts.get(id)!.culprits]).toEqual([4]);
    }
    expect(result.aborts.get(1)!.reason).toMatch(/reported by 3/);
  });

  it('a false bad-confirmation complaint (an honest confirmation as evidence) convicts the accuser; the party that aborted on it completes from a certificate', () => {
    const { rng, parties } = dkgParties('secp256k1', 2, 3, 'false-bad-confirmation');
    let honest: Uint8Array | undefined;
    const result = simulate(parties, rng, {
      tamper: (m, to) => {
        if (m.from === 2 && m.round === 3 && m.to === null) honest = m.payload;
        // party 3 sends party 1, instead of its confirmation, a complaint against party 2
        if (m.from === 3 && m.round === 3 && to === 1 && honest) {
          return { ...m, round: COMPLAINT_ROUND, payload: encodeComplaint({ code: 'bad-confirmation', culprits: [2], evidence: honest, sentThrough: 3 }) };
        }
        return m;
      },
    });
    expect(result.aborts.get(1)!.code).toBe('false-complaint');
    expect([...result.aborts.get(1)!.culprits]).toEqual([3]);
    expect(result.outputs.has(2)).toBe(true);
    const out = parties[0]!.completeWith(result.outputs.get(2)!.certificate)!;
    expect(out.share!.publicKey.equals(result.outputs.get(2)!.share!.publicKey)).toBe(true);
  });

  it('a signed confirmation of another transcript or output convicts its signer at every honest party', () => {
    const { rng, identities, parties } = dkgParties('secp256k1', 2, 4, 'bad-confirmation');
    const result = simulate(parties, rng, {
      tamper: (m) => (m.from === 4 && m.round === 3 && m.to === null ? resign(identities, m, (p) => flip(p, 40)) : m),
    });
    expectAllAborted(result, [1, 2, 3], 'bad-confirmation', [4]);
  });

  it('a signed confirmation of a run configured differently aborts every honest party naming nobody (confirmation-mismatch)', () => {
    const { rng, identities, parties } = dkgParties('secp256k1', 2, 4, 'confirmation-mismatch');
    const result = simulate(parties, rng, {
      tamper: (m) => (m.from === 4 && m.round === 3 && m.to === null ? resign(identities, m, (p) => flip(p, 3)) : m),
    });
    expectAllAborted(result, [1, 2, 3], 'confirmation-mismatch', []);
  });
});
