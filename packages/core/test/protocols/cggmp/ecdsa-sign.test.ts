/**
 * CGGMP online signing: the message is hashed inside the protocol, a raw digest is signed only
 * with a presignature bound to it before presigning, and the signature shares are signed and bind
 * (R, digest, signer set). Signatures are checked with @noble/curves and, for keccak256, viem.
 */
import { MemorySessionRegistry } from '../../../src/engine/protocol.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { recoverAddress, serializeSignature, toHex } from 'viem';
import { publicKeyToAddress } from 'viem/accounts';
import type { AuxInfo } from '../../../src/protocols/cggmp/aux-info.js';
import { PresignProtocol } from '../../../src/protocols/cggmp/presign.js';
import type { Presignature } from '../../../src/protocols/cggmp/presignature.js';
import { type EcdsaMessageHash, type EcdsaSignature, EcdsaSignProtocol, EcdsaSignRawDigest } from '../../../src/protocols/cggmp/sign.js';
import { seededRng } from '../../../src/rng.js';
import { simulate, type SimulatorFaults } from '../../../src/engine/simulator.js';
import { type ProtocolMessage, Writer } from '../../../src/engine/codec.js';
import { COMPLAINT_ROUND, type Protocol, encodeComplaint } from '../../../src/engine/protocol.js';
import { signBroadcast } from '../../../src/engine/identity.js';
import { SECP256K1, invert, mod } from '../../../src/math/curve.js';
import { bytesToHex, concatBytes, utf8 } from '../../../src/bytes.js';
import { type Committee, resign } from '../../helpers.js';
import { ecdsaCommittee } from './ecdsa-setup.js';
import { deriveKey, derivationRoot } from '../../../src/protocols/derivation/index.js';

const q = SECP256K1.order;
const message = utf8('transfer 1 ETH to 0x00000000000000000000000000000000000000aa');

let committee: Committee;
let aux: Map<number, AuxInfo>;
let publicKey: Uint8Array;

beforeAll(() => {
  ({ committee, aux } = ecdsaCommittee('ecdsa-sign'));
  publicKey = SECP256K1.encodePoint(committee.shares.get(1)!.publicKey);
}, 120_000);

function presign(signers: number[], seed: string, boundDigest?: (self: number) => Uint8Array | undefined) {
  const rng = seededRng(seed);
  const session = utf8(`presign-${seed}`);
  const configs = signers.map((self) => ({
    key: committee.shares.get(self)!,
    aux: aux.get(self)!,
    signers,
    session,
    identity: committee.identities.get(self)!,
    sessions: new MemorySessionRegistry(),
    rng,
    boundDigest: boundDigest?.(self),
  }));
  return simulate(configs.map((c) => new PresignProtocol(c)), rng);
}

function presignOk(signers: number[], seed: string, boundDigest?: Uint8Array): Presignature[] {
  const run = presign(signers, seed, boundDigest && (() => boundDigest));
  expect(run.aborts.size).toBe(0);
  return [...run.outputs.values()].sort((x, y) => x.self - y.self);
}

const identity = (p: Presignature) => committee.identities.get(p.self)!;

function signMessage(presigs: Presignature[], seed: string, msg: (self: number) => Uint8Array, hash: EcdsaMessageHash, faults: SimulatorFaults = {}, tweak: (self: number) => bigint = () => 0n) {
  const session = utf8(`sign-${seed}`);
  return simulate(
    presigs.map(
      (presignature) =>
        new EcdsaSignProtocol({ sessions: new MemorySessionRegistry(), presignature, message: msg(presignature.self), hash, session, identity: identity(presignature), tweak: tweak(presignature.self) }),
    ),
    seededRng(seed),
    faults,
  );
}

function verifies(sig: { compact: Uint8Array }, digest: Uint8Array): boolean {
  return secp256k1.verify(sig.compact, digest, publicKey, { prehash: false, lowS: false });
}

/**
 * CVE-2025-66017: from a signature (r, s) on h with presignature point R, (r′, s·r′/(r·α)) with
 * r′ = x(α·R) is a signature on h·r′/r. An attacker who knows R picks its target h* and needs a
 * signature on h = h*·r/r′.
 */
function forge(sig: EcdsaSignature, R: Presignature['pub']['R'], alpha: bigint): { rPrime: bigint; compact: Uint8Array } {
  const rPrime = mod(R.multiply(alpha).toAffine().x, q);
  const sPrime = mod(sig.s * rPrime * invert(mod(sig.r * alpha, q), q), q);
  return { rPrime, compact: concatBytes(numberToBytesBE(rPrime, 32), numberToBytesBE(sPrime, 32)) };
}

describe('CGGMP signing entry points', () => {
  it('CVE-2025-66017: presignature + chosen raw digest forgery is refused on every route', () => {
    const presigs = presignOk([1, 3], 'cve');
    // The attacker (e.g. the coordinator) knows the pooled R and wants a signature on its own h*.
    const R = presigs[0]!.pub.R;
    const r = mod(R.toAffine().x, q);
    const target = keccak_256(utf8('transfer everything to the attacker'));
    const alpha = 0x1234567n;
    const rPrime = mod(R.multiply(alpha).toAffine().x, q);
    const h = numberToBytesBE(mod(bytesToNumberBE(target) * r * invert(rPrime, q), q), 32);
    const session = utf8('sign-cve');
    for (const presignature of presigs) {
      // the raw entry refuses a presignature that was not bound to the digest before presigning
      expect(() => new EcdsaSignRawDigest({ sessions: new MemorySessionRegistry(), presignature, digest: h, session, identity: identity(presignature) })).toThrow(/bound to it before presigning/);
      // the hashing entry takes no digest (a type error, and refused at run time)
      // @ts-expect-error -- a digest is not part of EcdsaSignConfig
      expect(() => new EcdsaSignProtocol({ sessions: new MemorySessionRegistry(), presignature, digest: h, session, identity: identity(presignature) })).toThrow(/EcdsaSignRawDigest/);
      expect(presignature.used).toBe(false);
    }
    // Through the hashing entry, h is only a message: what is signed is keccak256(h), and the
    // forgery does not verify for the target.
    const run = signMessage(presigs, 'cve', () => h, 'keccak256');
    expect(run.aborts.size).toBe(0);
    const sig = run.outputs.get(1)!;
    expect(bytesToHex(sig.digest)).toBe(bytesToHex(keccak_256(h)));
    const forged = forge(sig, R, alpha);
    expect(forged.rPrime).toBe(rPrime);
    expect(verifies(forged, target)).toBe(false);
    // Control: the construction itself works on this very signature. It is a valid signature on
    // keccak256(h)·r′/r, so a raw entry that let the attacker choose h = h*·r/r′ would forge h*.
    const reachable = numberToBytesBE(mod(bytesToNumberBE(sig.digest) * rPrime * invert(sig.r, q), q), 32);
    expect(verifies(sig, sig.digest)).toBe(true);
    expect(verifies(forged, reachable)).toBe(true);
  });

  it('honest signing with each named hash verifies with noble; keccak256 recovers the address with viem', async () => {
    const expected: Record<EcdsaMessageHash, Uint8Array> = { sha256: sha256(message), sha256d: sha256(sha256(message)), keccak256: keccak_256(message), sha512half: sha512(message).subarray(0, 32) };
    for (const hash of ['sha256', 'sha256d', 'keccak256', 'sha512half'] as const) {
      const run = signMessage(presignOk([1, 2], `hash-${hash}`), `hash-${hash}`, () => message, hash);
      expect(run.aborts.size).toBe(0);
      const sig = run.outputs.get(2)!;
      expect(bytesToHex(run.outputs.get(1)!.compact)).toBe(bytesToHex(sig.compact));
      expect(bytesToHex(sig.digest)).toBe(bytesToHex(expected[hash]));
      expect(secp256k1.verify(sig.compact, expected[hash], publicKey, { prehash: false, lowS: true })).toBe(true);
      if (hash !== 'keccak256') continue;
      const address = publicKeyToAddress(toHex(SECP256K1.decodePoint(publicKey).toBytes(false)));
      const viemSig = serializeSignature({ r: toHex(sig.compact.subarray(0, 32)), s: toHex(sig.compact.subarray(32)), yParity: sig.recoveryId & 1 });
      expect(await recoverAddress({ hash: toHex(keccak_256(message)), signature: viemSig })).toBe(address);
    }
    // an unknown hash name is refused before the presignature is touched
    const [presignature] = presignOk([1, 2], 'hash-unknown');
    expect(() => new EcdsaSignProtocol({ sessions: new MemorySessionRegistry(), presignature: presignature!, message, hash: 'md5' as EcdsaMessageHash, session: utf8('s'), identity: identity(presignature!) })).toThrow(/unknown message hash/);
    expect(presignature!.used).toBe(false);
  });

  it('a raw digest bound at presign time signs and verifies; the bound presignature signs nothing else', () => {
    const digest = keccak_256(utf8('an externally built transaction'));
    const presigs = presignOk([1, 3], 'bound', digest);
    for (const p of presigs) expect(bytesToHex(p.pub.boundDigest!)).toBe(bytesToHex(digest));
    const session = utf8('sign-bound');
    for (const presignature of presigs) {
      const other = keccak_256(utf8('another transaction'));
      expect(() => new EcdsaSignRawDigest({ sessions: new MemorySessionRegistry(), presignature, digest: other, session, identity: identity(presignature) })).toThrow(/bound to another digest/);
      expect(() => new EcdsaSignProtocol({ sessions: new MemorySessionRegistry(), presignature, message: utf8('another transaction'), hash: 'keccak256', session, identity: identity(presignature) })).toThrow(
        /bound to another digest/,
      );
      expect(presignature.used).toBe(false);
    }
    const run = simulate(
      presigs.map((presignature) => new EcdsaSignRawDigest({ sessions: new MemorySessionRegistry(), presignature, digest, session, identity: identity(presignature) })),
      seededRng('sign-bound'),
    );
    expect(run.aborts.size).toBe(0);
    expect(secp256k1.verify(run.outputs.get(3)!.compact, digest, publicKey, { prehash: false, lowS: true })).toBe(true);
    // a bound presignature also signs through the hashing entry, for a message that hashes to its digest
    const boundToMessage = presignOk([1, 3], 'bound-message', keccak_256(message));
    const viaHash = signMessage(boundToMessage, 'bound-message', () => message, 'keccak256');
    expect(viaHash.aborts.size).toBe(0);
    expect(verifies(viaHash.outputs.get(1)!, keccak_256(message))).toBe(true);
  });

  it('presigners given different bound digests, or one pooled among bound ones, abort presign-disagreement naming nobody', () => {
    const a = sha256(utf8('a'));
    const b = sha256(utf8('b'));
    const cases: [string, number[], (self: number) => Uint8Array | undefined][] = [
      ['different digests', [1, 3], (self) => (self === 1 ? a : b)],
      ['one pooled', [1, 2, 3], (self) => (self === 3 ? undefined : a)],
    ];
    for (const [name, signers, bound] of cases) {
      const run = presign(signers, `disagree-${name}`, bound);
      expect(run.outputs.size, name).toBe(0);
      for (const id of signers) {
        expect(run.aborts.get(id)?.code, `${name}, party ${id}`).toBe('presign-disagreement');
        expect([...run.aborts.get(id)!.culprits], `${name}, party ${id}`).toEqual([]);
      }
    }
  });
});

describe('CGGMP signing for a derived key (BIP32 tweak) with the parent\'s presignatures', () => {
  const child = () => deriveKey(derivationRoot('secp256k1', committee.shares.get(1)!.publicKey, new Uint8Array(32).fill(9)), 'm/0/7');

  it('signs for the child key; noble verifies under the child key and not under the parent', () => {
    const key = child();
    const run = signMessage(presignOk([1, 3], 'derived'), 'derived', () => message, 'sha256d', {}, () => key.tweak);
    expect(run.aborts.size).toBe(0);
    const sig = run.outputs.get(3)!;
    expect(bytesToHex(run.outputs.get(1)!.compact)).toBe(bytesToHex(sig.compact));
    const digest = sha256(sha256(message));
    expect(secp256k1.verify(sig.compact, digest, SECP256K1.encodePoint(key.publicKey), { prehash: false, lowS: true })).toBe(true);
    expect(verifies(sig, digest)).toBe(false);
  });

  it('signers given different tweaks abort sign-disagreement naming nobody', () => {
    const key = child();
    const run = signMessage(presignOk([1, 2, 3], 'derived-disagree'), 'derived-disagree', () => message, 'sha256', {}, (self) => (self === 2 ? 0n : key.tweak));
    expect(run.outputs.size).toBe(0);
    for (const id of [1, 2, 3]) {
      expect(run.aborts.get(id)?.code).toBe('sign-disagreement');
      expect([...run.aborts.get(id)!.culprits]).toEqual([]);
    }
  });

  it('a wrong share for a derived key is named by every honest signer', () => {
    const key = child();
    const run = signMessage(
      presignOk([1, 2, 3], 'derived-bad-share'),
      'derived-bad-share',
      () => message,
      'sha256',
      { tamper: (m) => (m.from !== 2 || m.round !== 1 ? m : resign(committee.identities, m, (p) => concatBytes(p.subarray(0, 32), SECP256K1.encodeScalar(777n)))) },
      () => key.tweak,
    );
    for (const id of [1, 3]) {
      expect(run.aborts.get(id)?.code).toBe('bad-signature-share');
      expect([...run.aborts.get(id)!.culprits]).toEqual([2]);
    }
  });

  it('refuses a tweak outside the scalar range before the presignature is touched', () => {
    const [presignature] = presignOk([1, 2], 'derived-range');
    expect(() => new EcdsaSignProtocol({ sessions: new MemorySessionRegistry(), presignature: presignature!, message, hash: 'sha256', session: utf8('s'), identity: identity(presignature!), tweak: q })).toThrow(/tweak/);
    expect(presignature!.used).toBe(false);
  });
});

describe('CGGMP signature shares', () => {
  /** What a signer holding its identity key sends instead of its signed share `m`: another σ, signed. */
  function resignShare(m: ProtocolMessage, sigma: bigint): ProtocolMessage {
    return resign(committee.identities, m, (p) => concatBytes(p.subarray(0, 32), SECP256K1.encodeScalar(sigma)));
  }

  it('signers given different messages all abort sign-disagreement and name nobody', () => {
    const presigs = presignOk([1, 2, 3], 'different-messages');
    const run = signMessage(presigs, 'different-messages', (self) => (self === 3 ? utf8('pay Mallory') : message), 'keccak256');
    expect(run.outputs.size).toBe(0);
    for (const id of [1, 2, 3]) {
      expect(run.aborts.get(id)?.code).toBe('sign-disagreement');
      expect([...run.aborts.get(id)!.culprits]).toEqual([]);
    }
  });

  it('a corrupted signature share is named by every honest signer, the third on the complaint’s evidence', () => {
    const presigs = presignOk([1, 2, 3], 'bad-share');
    // party 2 sends party 1 a wrong share, signed, and party 3 nothing
    const run = signMessage(presigs, 'bad-share', () => message, 'sha256', {
      tamper: (m, to) => (m.from !== 2 || m.round !== 1 ? m : to === 1 ? resignShare(m, 12345n) : null),
    });
    for (const id of [1, 3]) {
      expect(run.aborts.get(id)?.code).toBe('bad-signature-share');
      expect([...run.aborts.get(id)!.culprits]).toEqual([2]);
    }
    expect(run.aborts.get(3)!.reason).toMatch(/reported by 1, checked here/);
  });

  it('a share altered on the wire is named by its signature (bad-signature)', () => {
    const presigs = presignOk([1, 3], 'share-on-wire');
    const run = signMessage(presigs, 'share-on-wire', () => message, 'sha256', {
      tamper: (m) => {
        if (m.from !== 3 || m.round !== 1) return m;
        const payload = m.payload.slice();
        payload[40]! ^= 1; // inside σ
        return { ...m, payload };
      },
    });
    expect(run.aborts.get(1)?.code).toBe('bad-signature');
    expect([...run.aborts.get(1)!.culprits]).toEqual([3]);
  });

  it('a signer that accuses a peer on that peer’s valid signed share is convicted (false-complaint)', () => {
    const presigs = presignOk([1, 2, 3], 'false-share-complaint');
    const session = utf8('sign-false-share-complaint');
    const parties = presigs.map((presignature) => new EcdsaSignProtocol({ sessions: new MemorySessionRegistry(), presignature, message, hash: 'sha256', session, identity: identity(presignature) }));
    // party 1 also broadcasts a complaint carrying party 2's genuine signed share
    const honest1 = parties[0]!;
    const accuser: Protocol<EcdsaSignature> = {
      protocol: honest1.protocol,
      session,
      self: 1,
      start: () => honest1.start(),
      waitingFor: () => honest1.waitingFor(),
      receive(m) {
        const out = honest1.receive(m);
        if (m.from !== 2 || m.round !== 1) return out;
        const evidence = new Writer().u16(1).u16(2).varBytes(m.payload).finish();
        const payload = encodeComplaint({ code: 'bad-signature-share', culprits: [2], evidence, sentThrough: 1 });
        return { ...out, outgoing: [...out.outgoing, { protocol: m.protocol, session, round: COMPLAINT_ROUND, from: 1, to: null, payload }] };
      },
    };
    // party 3 never gets party 2's share, so it is still running when the complaint arrives
    const run = simulate([accuser, parties[1]!, parties[2]!], seededRng('false-share-complaint'), { tamper: (m, to) => (m.from === 2 && to === 3 ? null : m) });
    expect(run.aborts.get(3)?.code).toBe('false-complaint');
    expect([...run.aborts.get(3)!.culprits]).toEqual([1]);
    // party 2 either finished before the complaint came or convicts the accuser too
    const at2 = run.aborts.get(2);
    if (at2) expect([at2.code, ...at2.culprits]).toEqual(['false-complaint', 1]);
    else expect(verifies(run.outputs.get(2)!, sha256(message))).toBe(true);
  });

  it('a complaint whose evidence is not the accused’s signed share convicts the complainer', () => {
    const presigs = presignOk([1, 2, 3], 'forged-evidence');
    // party 1, instead of its share, accuses party 2 on a share it signed itself in party 2's name
    const forged = signBroadcast(committee.identities.get(1)!.secretKey, { protocol: 'cggmp-sign', session: utf8('sign-forged-evidence'), round: 1, from: 2 }, new Uint8Array(64));
    const evidence = new Writer().u16(1).u16(2).varBytes(forged).finish();
    const run = signMessage(presigs, 'forged-evidence', () => message, 'sha256', {
      tamper: (m) => (m.from === 1 && m.round === 1 ? { ...m, round: COMPLAINT_ROUND, payload: encodeComplaint({ code: 'bad-signature-share', culprits: [2], evidence, sentThrough: 0 }) } : m),
    });
    for (const id of [2, 3]) {
      expect(run.aborts.get(id)?.code, `party ${id}`).toBe('false-complaint');
      expect([...run.aborts.get(id)!.culprits]).toEqual([1]);
    }
  });
});
