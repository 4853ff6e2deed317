/**
 * `mpc-wallet simulate`: a whole protocol run with every party in this process — DKG, optional
 * refresh, then threshold signing over the in-memory network — for experiments and demos.
 */
import {
  FROST_SUITES,
  type FrostSuiteName,
  FrostSign,
  type KeyShare,
  type Rng,
  createDkg,
  createRefresh,
  frostSigningKey,
  generateIdentities,
  sessionRegistries,
  simulate,
  verifySignature,
  bytesToHex,
  type DealingOutput,
  type PartyIdentity,
  type Protocol,
} from '@mpc-wallet/core';

export const SCHEMES = {
  'eddsa-ed25519': 'ed25519',
  'schnorr-bip340': 'secp256k1-tr',
  'frost-secp256k1': 'secp256k1',
} as const satisfies Record<string, FrostSuiteName>;

export type Scheme = keyof typeof SCHEMES;

export interface SimulateSignOptions {
  scheme: Scheme;
  threshold: number;
  parties: number;
  signers: number[];
  message: Uint8Array;
  refresh: boolean;
  rng: Rng;
}

export interface SimulateSignResult {
  scheme: Scheme;
  threshold: number;
  parties: number;
  signers: number[];
  publicKey: string;
  message: string;
  signature: string;
}

/** Runs protocol instances to completion; any abort or stall becomes an error naming the parties. */
export function runToCompletion<T>(what: string, parties: Protocol<T>[], rng: Rng): Map<number, T> {
  const result = simulate(parties, rng);
  const abort = [...result.aborts.values()][0];
  if (abort) throw new Error(`${what} aborted: ${abort.message}`);
  if (result.stalled.size) throw new Error(`${what} stalled waiting for parties ${[...new Set([...result.stalled.values()].flat())].join(', ')}`);
  return result.outputs;
}

/**
 * The new shares of a dealing in which every party receives one. Each output also carries the
 * certificate that every receiver confirmed: only with it may an old share be deleted.
 */
export function dealtShares(outputs: Map<number, DealingOutput>): Map<number, KeyShare> {
  return new Map([...outputs].map(([id, o]) => [id, o.share!] as const));
}

function sessionId(rng: Rng): Uint8Array {
  return rng(32);
}

export function simulateSign(opts: SimulateSignOptions): SimulateSignResult {
  const suite = FROST_SUITES[SCHEMES[opts.scheme]];
  const ids = Array.from({ length: opts.parties }, (_, i) => i + 1);
  const identities: Map<number, PartyIdentity> = generateIdentities(ids, opts.rng);
  const sessions = sessionRegistries(ids);
  const dkgSession = sessionId(opts.rng);
  let shares = dealtShares(
    runToCompletion(
      'key generation',
      ids.map((self) =>
        createDkg({ curve: suite.curve.name, session: dkgSession, self, parties: ids, threshold: opts.threshold, identity: identities.get(self)!, sessions: sessions.get(self)!, rng: opts.rng }),
      ),
      opts.rng,
    ),
  );
  if (opts.refresh) {
    const refreshSession = sessionId(opts.rng);
    shares = dealtShares(
      runToCompletion(
        'refresh',
        [...shares.values()].map((share) => createRefresh({ share, session: refreshSession, identity: identities.get(share.self)!, sessions: sessions.get(share.self)!, rng: opts.rng })),
        opts.rng,
      ),
    );
  }
  const signSession = sessionId(opts.rng);
  const results = runToCompletion(
    'signing',
    opts.signers.map(
      (self) =>
        new FrostSign({
          key: frostSigningKey(suite, shares.get(self)!),
          identity: identities.get(self)!,
          session: signSession,
          signers: opts.signers,
          message: opts.message,
          sessions: sessions.get(self)!,
          rng: opts.rng,
        }),
    ),
    opts.rng,
  );
  const signature = results.get(opts.signers[0]!)!.signature;
  const publicKey = shares.get(opts.signers[0]!)!.publicKey;
  if (!verifySignature(suite, publicKey, opts.message, signature)) throw new Error('internal error: signature does not verify');
  return {
    scheme: opts.scheme,
    threshold: opts.threshold,
    parties: opts.parties,
    signers: opts.signers,
    publicKey: bytesToHex(suite.encodePublicKey(publicKey)),
    message: bytesToHex(opts.message),
    signature: bytesToHex(signature),
  };
}
