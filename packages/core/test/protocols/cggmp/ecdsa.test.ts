/**
 * Threshold ECDSA end to end at the 2048-bit level: DKG (secp256k1, 2-of-3), auxiliary info,
 * presigning, signing a keccak256-hashed message. Signatures are checked with @noble/curves and,
 * through viem, recover the key's Ethereum address. Adversarial cases name the culprit;
 * presignatures are single-use. ecdsa-sign.test.ts covers the signing entry points and shares.
 */
import { MemorySessionRegistry } from '../../../src/engine/protocol.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { recoverAddress, serializeSignature, toHex } from 'viem';
import { publicKeyToAddress } from 'viem/accounts';
import { AuxInfoProtocol, type AuxInfo } from '../../../src/protocols/cggmp/aux-info.js';
import { PresignProtocol } from '../../../src/protocols/cggmp/presign.js';
import { type Presignature, PresignatureReuseError } from '../../../src/protocols/cggmp/presignature.js';
import { EcdsaSignProtocol } from '../../../src/protocols/cggmp/sign.js';
import { seededRng } from '../../../src/rng.js';
import { simulate, type SimulatorFaults } from '../../../src/engine/simulator.js';
import { Writer } from '../../../src/engine/codec.js';
import { COMPLAINT_ROUND, encodeComplaint } from '../../../src/engine/protocol.js';
import { SECP256K1 } from '../../../src/math/curve.js';
import { bytesToHex } from '../../../src/bytes.js';
import { ecdsaCommittee, level, primes } from './ecdsa-setup.js';
import { type Committee, resign, runDkg } from '../../helpers.js';
import { createRefresh } from '../../../src/protocols/reshare/index.js';
import type { KeyShare } from '../../../src/protocols/key-share.js';

const message = new TextEncoder().encode('an Ethereum transaction');
const digest = keccak_256(message);

let committee: Committee;
let aux: Map<number, AuxInfo>;

beforeAll(() => {
  ({ committee, aux } = ecdsaCommittee('ecdsa'));
}, 120_000);

function presign(signers: number[], seed: string, faults: SimulatorFaults = {}) {
  const rng = seededRng(seed);
  const session = new TextEncoder().encode(`presign-${seed}`);
  return simulate(
    signers.map((self) => new PresignProtocol({ sessions: new MemorySessionRegistry(), key: committee.shares.get(self)!, aux: aux.get(self)!, signers, session, identity: committee.identities.get(self)!, rng })),
    rng,
    faults,
  );
}

function signer(presignature: Presignature, session: Uint8Array, identities = committee.identities) {
  return new EcdsaSignProtocol({ sessions: new MemorySessionRegistry(), presignature, message, hash: 'keccak256', session, identity: identities.get(presignature.self)! });
}

function sign(presignatures: Presignature[], seed: string, faults: SimulatorFaults = {}) {
  const session = new TextEncoder().encode(`sign-${seed}`);
  return simulate(presignatures.map((presignature) => signer(presignature, session)), seededRng(seed), faults);
}

describe('CGGMP threshold ECDSA', () => {
  it('2-of-3: presign and sign; the signature verifies and recovers the key and its address', async () => {
    const pre = presign([1, 3], 'happy', { reorder: true, duplicate: 0.2 });
    expect(pre.aborts.size).toBe(0);
    const presigs = [...pre.outputs.values()] as Presignature[];
    expect(presigs[0]!.pub.R.equals(presigs[1]!.pub.R)).toBe(true);
    const run = sign(presigs, 'happy');
    expect(run.aborts.size).toBe(0);
    const sig = run.outputs.get(1)!;
    expect(bytesToHex(run.outputs.get(3)!.compact)).toBe(bytesToHex(sig.compact));
    const pk = SECP256K1.encodePoint(committee.shares.get(1)!.publicKey);
    expect(secp256k1.verify(sig.compact, digest, pk, { prehash: false, lowS: true })).toBe(true);
    expect(sig.s <= SECP256K1.order / 2n).toBe(true);
    const recovered = secp256k1.Signature.fromBytes(sig.compact).addRecoveryBit(sig.recoveryId).recoverPublicKey(digest);
    expect(bytesToHex(recovered.toBytes(true))).toBe(bytesToHex(pk));
    // viem as an independent oracle: the recovered address is the key's address
    const uncompressed = toHex(SECP256K1.decodePoint(pk).toBytes(false));
    const address = publicKeyToAddress(uncompressed);
    const viemSig = serializeSignature({ r: toHex(sig.compact.subarray(0, 32)), s: toHex(sig.compact.subarray(32)), yParity: sig.recoveryId & 1 });
    expect(await recoverAddress({ hash: toHex(digest), signature: viemSig })).toBe(address);
  });

  it('all three signers, and the presignature is single-use', () => {
    const pre = presign([1, 2, 3], 'three');
    expect(pre.aborts.size).toBe(0);
    const presigs = [...pre.outputs.values()] as Presignature[];
    const run = sign(presigs, 'three');
    expect(run.aborts.size).toBe(0);
    expect(presigs.every((p) => p.used)).toBe(true);
    expect(() => presigs[0]!.take()).toThrow(PresignatureReuseError);
    expect(() => signer(presigs[0]!, new Uint8Array(4))).toThrow(/already used/);
  });

  it('3-of-5: signers 1, 3 and 5 presign and sign (auxiliary info among the signers)', () => {
    const big = runDkg('secp256k1', 3, 5, 'ecdsa-dkg-3-5');
    const signers = [1, 3, 5];
    const rng = seededRng('ecdsa-3-5');
    const auxSession = new TextEncoder().encode('aux-3-5');
    const aux35 = simulate(
      signers.map((self, i) => new AuxInfoProtocol({ sessions: new MemorySessionRegistry(), session: auxSession, self, parties: signers, identity: big.identities.get(self)!, level, primes: primes[i]!, rng })),
      rng,
    ).outputs as Map<number, AuxInfo>;
    const pre = simulate(
      signers.map((self) => new PresignProtocol({ sessions: new MemorySessionRegistry(), key: big.shares.get(self)!, aux: aux35.get(self)!, signers, session: new TextEncoder().encode('pre-3-5'), identity: big.identities.get(self)!, rng })),
      rng,
    );
    expect(pre.aborts.size).toBe(0);
    const run = simulate(
      signers.map((self) => signer(pre.outputs.get(self) as Presignature, new TextEncoder().encode('sign-3-5'), big.identities)),
      rng,
    );
    const sig = run.outputs.get(5)!;
    expect(secp256k1.verify(sig.compact, digest, SECP256K1.encodePoint(big.shares.get(1)!.publicKey), { prehash: false, lowS: true })).toBe(true);
    // two signers of a 3-of-5 key cannot presign
    expect(() => new PresignProtocol({ sessions: new MemorySessionRegistry(), key: big.shares.get(1)!, aux: aux35.get(1)!, signers: [1, 3], session: new Uint8Array(4), identity: big.identities.get(1)!, rng })).toThrow(/threshold/);
  }, 120_000);

  it('after a refresh the new shares sign under the same key, and a party presigning with its old share is named', () => {
    const rng = seededRng('ecdsa-refresh');
    const session = new TextEncoder().encode('refresh-ecdsa');
    const refreshed = new Map(
      [
        ...simulate(
          [...committee.shares.values()].map((share) => createRefresh({ sessions: new MemorySessionRegistry(), share, session, identity: committee.identities.get(share.self)!, rng })),
          rng,
        ).outputs,
      ].map(([id, o]) => [id, o.share as KeyShare]),
    );
    expect(refreshed.get(1)!.publicKey.equals(committee.shares.get(1)!.publicKey)).toBe(true);
    const signers = [1, 2];
    const run = (keyOf: (id: number) => KeyShare, seed: string) =>
      simulate(
        signers.map((self) => new PresignProtocol({ sessions: new MemorySessionRegistry(), key: keyOf(self), aux: aux.get(self)!, signers, session: new TextEncoder().encode(seed), identity: committee.identities.get(self)!, rng })),
        rng,
      );
    const fresh = run((id) => refreshed.get(id)!, 'presign-refreshed');
    expect(fresh.aborts.size).toBe(0);
    const sigs = simulate(
      signers.map((self) => signer(fresh.outputs.get(self) as Presignature, new TextEncoder().encode('sign-refreshed'))),
      rng,
    );
    const pk = SECP256K1.encodePoint(committee.shares.get(1)!.publicKey);
    expect(secp256k1.verify(sigs.outputs.get(1)!.compact, digest, pk, { prehash: false, lowS: true })).toBe(true);
    // party 2 still holds its retired share (with the new public data): its key-share conversion fails
    const stale = run((id) => (id === 2 ? { ...refreshed.get(2)!, secretShare: committee.shares.get(2)!.secretShare } : refreshed.get(id)!), 'presign-stale');
    expect(stale.aborts.get(1)!.code).toBe('bad-proof');
    expect([...stale.aborts.get(1)!.culprits]).toEqual([2]);
  });

  it('a forged Π^enc sent to one signer is named by it, and by the third signer on the complaint’s evidence', () => {
    const pre = presign([1, 2, 3], 'bad-enc', {
      tamper: (m) =>
        m.from === 2 && m.round === 1 && m.to === 1
          ? resign(committee.identities, m, (p) => {
              p[p.length - 5]! ^= 1; // inside the last response
              return p;
            })
          : m,
    });
    expect(['bad-proof', 'malformed-message']).toContain(pre.aborts.get(1)!.code);
    expect([...pre.aborts.get(1)!.culprits]).toEqual([2]);
    // party 3 received a good proof from party 2; it checks party 2's signed proof for party 1
    expect(pre.aborts.get(3)!.code).toBe(pre.aborts.get(1)!.code);
    expect([...pre.aborts.get(3)!.culprits]).toEqual([2]);
    expect(pre.aborts.get(3)!.reason).toMatch(/reported by 1, checked here/);
  });

  it('a conversion altered on the wire is named by its signature (bad-signature)', () => {
    const pre = presign([1, 3], 'bad-conversion-signature', {
      tamper: (m) => {
        if (m.from !== 3 || m.round !== 2 || m.to === null) return m;
        const payload = m.payload.slice();
        payload[100]! ^= 1; // inside the signed D
        return { ...m, payload };
      },
    });
    const abort = pre.aborts.get(1)!;
    expect(abort.code).toBe('bad-signature');
    expect([...abort.culprits]).toEqual([3]);
  });

  it('a signed conversion that does not match its Π^aff-g is named by its receiver and, on the evidence, by the third signer', () => {
    const pre = presign([1, 2, 3], 'bad-affg', {
      tamper: (m) =>
        m.from === 3 && m.round === 2 && m.to === 1
          ? resign(committee.identities, m, (p) => {
              p[4 + 10]! ^= 1; // inside D, the first field of the conversion
              return p;
            })
          : m,
    });
    for (const id of [1, 2]) {
      const abort = pre.aborts.get(id)!;
      expect(abort.code).toBe('bad-proof');
      expect(abort.reason).toMatch(/Π\^aff-g for γ/);
      expect([...abort.culprits]).toEqual([3]);
    }
    expect(pre.aborts.get(2)!.reason).toMatch(/reported by 1, checked here/);
  });

  it('a signer that falsely accuses a peer of a bad Π^log* for Δ is convicted (false-complaint)', () => {
    let evidence: Uint8Array | undefined;
    let broadcast: Uint8Array | undefined;
    const pre = presign([1, 2, 3], 'false-accusation', {
      tamper: (m) => {
        // party 1 keeps party 2's valid round-3 messages and, instead of its echo, complains about them
        if (m.from === 2 && m.round === 3 && m.to === null) broadcast = m.payload;
        if (m.from === 2 && m.round === 3 && m.to === 1) evidence = new Writer().u8(3).varBytes(broadcast!).varBytes(m.payload).finish();
        if (m.from !== 1 || m.round !== 4) return m;
        return { ...m, round: COMPLAINT_ROUND, payload: encodeComplaint({ code: 'bad-proof', culprits: [2], evidence: evidence!, sentThrough: 3 }) };
      },
    });
    for (const id of [2, 3]) {
      expect(pre.aborts.get(id)!.code).toBe('false-complaint');
      expect([...pre.aborts.get(id)!.culprits]).toEqual([1]);
    }
  });
});
