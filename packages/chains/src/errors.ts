/**
 * The one error of this package: a user's input (public key, format, transaction, signature) that
 * cannot be used, with a machine-readable code and a message saying what is wrong. It never
 * carries secret material; the server maps it to HTTP 400 and its code.
 */
export const CHAIN_ERROR_CODES = {
  'unknown-chain': 'no chain has this id',
  'unsupported-format': 'the chain has no such address format, or it does not fit the key',
  'bad-public-key': 'the public key is not a valid key for the format (length, encoding, curve point)',
  'malformed-transaction': 'the unsigned transaction does not decode as the chain\'s standard input',
  'foreign-input': 'the transaction spends from, or is signed by, an account that is not the signer\'s',
  'wrong-chain': 'the transaction is for another chain or network (chain id, network passphrase, address prefix)',
  'unsupported-transaction': 'the transaction decodes but uses a feature this module does not sign (sighash type, script type, version)',
  'bad-signature': 'a signature to attach is malformed or does not verify against the signer\'s key',
  'unsupported-message': 'the message is malformed or the chain has no such message standard',
} as const;

export type ChainErrorCode = keyof typeof CHAIN_ERROR_CODES;

export class ChainInputError extends Error {
  override readonly name = 'ChainInputError';
  constructor(
    readonly code: ChainErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Throws ChainInputError(code, message) unless `ok`. */
export function check(ok: unknown, code: ChainErrorCode, message: string): asserts ok {
  if (!ok) throw new ChainInputError(code, message);
}
