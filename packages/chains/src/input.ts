/**
 * What the modules share in reading their JSON input: an object with exactly the fields the
 * chain's form has, standard base64, and the one address format of a single-format Ed25519 chain.
 * Each refusal says what the input should have been.
 */
import { base64 } from '@scure/base';
import { ChainInputError, check } from './errors.js';
import { ed25519Key } from './keys.js';

/** The input as an object holding no field but `allowed` ones; `usage` says its form. */
export function inputFields(input: unknown, allowed: readonly string[], usage: string): Record<string, unknown> {
  check(typeof input === 'object' && input !== null && !Array.isArray(input), 'malformed-transaction', usage);
  const extra = Object.keys(input).filter((k) => !allowed.includes(k));
  check(extra.length === 0, 'malformed-transaction', `unexpected field(s) ${extra.join(', ')}: ${usage}`);
  return input as Record<string, unknown>;
}

/** Standard padded base64 (what the chains' tools write) as bytes. */
export function base64Bytes(encoded: unknown, what: string, usage: string): Uint8Array {
  check(typeof encoded === 'string', 'malformed-transaction', usage);
  try {
    return base64.decode(encoded);
  } catch {
    throw new ChainInputError('malformed-transaction', `${what} is not standard padded base64`);
  }
}

/** The signer's key on a chain with one Ed25519 address format (`only`): any other format is refused. */
export function ed25519SignerKey(chain: string, only: string, publicKey: Uint8Array, format: string | undefined): Uint8Array {
  check(format === undefined || format === only, 'unsupported-format', `${chain} has only the "${only}" address format (got ${JSON.stringify(format)})`);
  return ed25519Key(publicKey);
}
