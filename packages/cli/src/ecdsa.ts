/**
 * `simulate sign --scheme ecdsa-secp256k1`: DKG (or a tss-lib import reshared into our format),
 * CGGMP auxiliary information, presigning and signing, all parties in this process.
 *
 * Simulations run at the 2048-bit Paillier level (tss-lib's size): fresh safe primes for the
 * default 3072-bit level take from seconds to minutes each (DESIGN §11), too slow for a demo.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AuxInfoProtocol,
  type AuxInfo,
  EcdsaSignRawDigest,
  type KeyShare,
  type PartyIdentity,
  type Presignature,
  PresignProtocol,
  type Rng,
  SECP256K1,
  SECURITY_LEVEL_TSS_LIB_2048,
  bytesToHex,
  createDkg,
  createRefresh,
  createReshare,
  generateIdentities,
  generateSafePrime,
  importTssLibEcdsa,
  publicPackageOf,
  type SessionRegistry,
  sessionRegistries,
} from '@mpc-wallet/core';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { type SimulateSignResult, dealtShares, runToCompletion } from './simulate.js';

const LEVEL = SECURITY_LEVEL_TSS_LIB_2048;

export interface EcdsaResult extends Omit<SimulateSignResult, 'scheme'> {
  scheme: 'ecdsa-secp256k1';
  recoveryId: number;
}

async function freshPrimes(ids: readonly number[]): Promise<Map<number, { p: bigint; q: bigint }>> {
  const bits = LEVEL.paillierBits / 2;
  const out = new Map<number, { p: bigint; q: bigint }>();
  for (const id of ids) {
    for (;;) {
      const [p, q] = await Promise.all([generateSafePrime(bits), generateSafePrime(bits)]);
      if (p !== q) {
        out.set(id, { p, q });
        break;
      }
    }
  }
  return out;
}

/**
 * Aux info among the signers, presigning, signing; the signature is checked before it is returned.
 * `--message` is a raw digest: the presignature is made for it (bound before presigning), the only
 * way a raw digest may be signed (CVE-2025-66017).
 */
function signWith(
  shares: Map<number, KeyShare>,
  signers: readonly number[],
  identities: Map<number, PartyIdentity>,
  sessions: Map<number, SessionRegistry>,
  primes: Map<number, { p: bigint; q: bigint }>,
  digest: Uint8Array,
  rng: Rng,
) {
  const auxSession = rng(32);
  const aux = runToCompletion(
    'auxiliary info',
    signers.map((self) => new AuxInfoProtocol({ session: auxSession, self, parties: signers, identity: identities.get(self)!, sessions: sessions.get(self)!, level: LEVEL, primes: primes.get(self)!, rng })),
    rng,
  ) as Map<number, AuxInfo>;
  const presignSession = rng(32);
  const presigs = runToCompletion(
    'presigning',
    signers.map(
      (self) => new PresignProtocol({ key: shares.get(self)!, aux: aux.get(self)!, signers, session: presignSession, identity: identities.get(self)!, sessions: sessions.get(self)!, rng, boundDigest: digest }),
    ),
    rng,
  ) as Map<number, Presignature>;
  const signSession = rng(32);
  const sigs = runToCompletion(
    'signing',
    signers.map((self) => new EcdsaSignRawDigest({ presignature: presigs.get(self)!, digest, session: signSession, identity: identities.get(self)!, sessions: sessions.get(self)! })),
    rng,
  );
  const sig = sigs.get(signers[0]!)!;
  const publicKey = SECP256K1.encodePoint(shares.get(signers[0]!)!.publicKey);
  if (!secp256k1.verify(sig.compact, digest, publicKey, { prehash: false, lowS: true })) throw new Error('internal error: signature does not verify');
  return { sig, publicKey };
}

export async function simulateEcdsa(opts: { threshold: number; parties: number; signers: number[]; message: Uint8Array; refresh: boolean; rng: Rng }): Promise<EcdsaResult> {
  const { rng } = opts;
  const ids = Array.from({ length: opts.parties }, (_, i) => i + 1);
  const identities = generateIdentities(ids, rng);
  const sessions = sessionRegistries(ids);
  const dkgSession = rng(32);
  let shares = dealtShares(
    runToCompletion(
      'key generation',
      ids.map((self) => createDkg({ curve: 'secp256k1', session: dkgSession, self, parties: ids, threshold: opts.threshold, identity: identities.get(self)!, sessions: sessions.get(self)!, rng })),
      rng,
    ),
  );
  if (opts.refresh) {
    const session = rng(32);
    shares = dealtShares(runToCompletion('refresh', [...shares.values()].map((share) => createRefresh({ share, session, identity: identities.get(share.self)!, sessions: sessions.get(share.self)!, rng })), rng));
  }
  const signers = [...opts.signers].sort((a, b) => a - b);
  const { sig, publicKey } = signWith(shares, signers, identities, sessions, await freshPrimes(signers), opts.message, rng);
  return {
    scheme: 'ecdsa-secp256k1',
    threshold: opts.threshold,
    parties: opts.parties,
    signers: opts.signers,
    publicKey: bytesToHex(publicKey),
    message: bytesToHex(opts.message),
    signature: bytesToHex(sig.compact),
    recoveryId: sig.recoveryId,
  };
}

/**
 * tss-lib migration: the signers' keygen_data_<i>.json files are imported, reshared among those
 * parties to standard identifiers (same public key, fresh shares), given CGGMP auxiliary info
 * on their own safe primes, and used to sign.
 */
export async function simulateEcdsaFromTssLib(opts: { dir: string; fileIndices: number[]; message: Uint8Array; rng: Rng }): Promise<EcdsaResult> {
  const { rng } = opts;
  const texts = await Promise.all(opts.fileIndices.map((i) => readFile(join(opts.dir, `keygen_data_${i}.json`), 'utf8')));
  const imported = importTssLibEcdsa(texts);
  const first = imported[0]!.share;
  const present = imported.map((p) => p.share.self).sort((a, b) => a - b);
  if (present.length < first.threshold) throw new Error(`the key needs ${first.threshold} of its ${first.parties.length} parties; ${present.length} given`);
  const identities = generateIdentities(present, rng);
  const sessions = sessionRegistries(present);
  const old = publicPackageOf(first);
  const session = rng(32);
  const shares = dealtShares(
    runToCompletion(
      'reshare of the imported key',
      imported.map((p) =>
        createReshare({ old, oldShare: p.share, self: p.share.self, session, identity: identities.get(p.share.self)!, sessions: sessions.get(p.share.self)!, dealers: present, receivers: present, threshold: first.threshold, rng }),
      ),
      rng,
    ),
  );
  // tss-lib's Paillier primes are safe primes: they carry the CGGMP modulus of each party.
  const primes = new Map(imported.map((p) => [p.share.self, { p: p.paillier.p, q: p.paillier.q }] as const));
  const { sig, publicKey } = signWith(shares, present, identities, sessions, primes, opts.message, rng);
  return {
    scheme: 'ecdsa-secp256k1',
    threshold: first.threshold,
    parties: first.parties.length,
    signers: opts.fileIndices,
    publicKey: bytesToHex(publicKey),
    message: bytesToHex(opts.message),
    signature: bytesToHex(sig.compact),
    recoveryId: sig.recoveryId,
  };
}
