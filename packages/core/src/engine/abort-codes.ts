/**
 * Every code a protocol abort (`ProtocolAbort`, `blame`), a complaint or a verdict can carry: one
 * closed list, so that a caller (the server) can map each code to a status and an audit record,
 * and a complaint naming any other code is malformed. Adding a code is one line here.
 *
 * `culprits` says whom an abort with the code names: 'named' — the parties at fault (never an
 * honest one); 'none' — nobody, the run failed without a provable culprit; 'named-or-none' —
 * whom an identification step convicted, which may be nobody.
 */
export interface AbortCodeInfo {
  readonly culprits: 'named' | 'none' | 'named-or-none';
  readonly meaning: string;
}

export const ABORT_CODES = {
  // Engine: envelopes, signed broadcasts, echoes and complaints.
  'malformed-message': { culprits: 'named', meaning: 'a message or complaint does not decode, or has the wrong length; names its sender' },
  'unexpected-message': { culprits: 'named', meaning: 'a message of a kind or round the receiver does not expect from that sender; names its sender' },
  'bad-signature': { culprits: 'named', meaning: 'the signature on a broadcast does not verify under its sender’s identity key; names the sender' },
  'bad-echo': { culprits: 'named', meaning: 'an echo omits, invents or forges a broadcast; names the echoer' },
  equivocation: { culprits: 'named', meaning: 'a party signed two different messages for the same round; names it' },
  'false-complaint': { culprits: 'named', meaning: 'a complaint whose evidence clears the accused; names the complainer' },
  'peer-aborted': { culprits: 'none', meaning: 'a peer announced an abort that cannot be checked here; names nobody' },
  // Protocol checks.
  'bad-proof': { culprits: 'named', meaning: 'a zero-knowledge proof does not verify; names its prover' },
  'bad-commitment': { culprits: 'named', meaning: 'a commitment is malformed or contradicts an earlier value; names its sender' },
  'bad-decommitment': { culprits: 'named', meaning: 'revealed data does not match its earlier commitment; names its sender' },
  'bad-share': { culprits: 'named', meaning: 'a dealt share does not match the dealer’s commitment; names the dealer' },
  'bad-modulus': { culprits: 'named', meaning: 'one Paillier modulus revealed by two parties with valid proofs; names both (only the peer, when the modulus is this party’s own)' },
  'bad-signature-share': { culprits: 'named', meaning: 'a signature share does not verify; names its signers' },
  'nonce-reuse': { culprits: 'named', meaning: 'a signer published the same nonce commitment twice; names it' },
  'degenerate-key': { culprits: 'named', meaning: 'the dealt group key is the identity; names every dealer' },
  'degenerate-nonce': { culprits: 'named', meaning: 'the FROST group commitment is the identity; names every signer' },
  'bad-signing-package': { culprits: 'none', meaning: 'the local signing package is invalid (a caller error); names nobody' },
  'presign-inconsistent': { culprits: 'named-or-none', meaning: 'CGGMP presigning failed a consistency check; names whom identification convicts' },
  'bad-confirmation': { culprits: 'named', meaning: 'a dealing receiver signed a confirmation of another transcript or output under the same context; names it' },
  'confirmation-mismatch': { culprits: 'none', meaning: 'dealing receivers confirmed different run contexts (configured differently); names nobody' },
  'presign-disagreement': { culprits: 'none', meaning: 'CGGMP presigners were given different bound digests (or pooled and bound mixed); names nobody' },
  'signing-package-mismatch': { culprits: 'none', meaning: 'FROST signers hold different signing packages (message, tweak or commitment lists) and nobody signed conflicting commitments; names nobody' },
  'bad-commitment-signature': { culprits: 'none', meaning: 'a pooled FROST commitment handed over by the coordinator carries a signature its owner did not make; names nobody' },
  'sign-disagreement': { culprits: 'none', meaning: 'ECDSA signers were asked to sign different digests with one presignature; names nobody' },
} as const satisfies Record<string, AbortCodeInfo>;

export type AbortCode = keyof typeof ABORT_CODES;

export function isAbortCode(code: string): code is AbortCode {
  return Object.hasOwn(ABORT_CODES, code);
}
