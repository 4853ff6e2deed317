/**
 * Request bodies as the services take them: one conversion for a REST body and the GraphQL
 * arguments of the same shape (both checked against the same schema in schemas.ts first).
 */
import { ApiError } from '../errors.js';
import type { SignInput } from '../coordinator/sign-input.js';
import type { EcdsaHash, Scheme } from '../session/request.js';

export interface CreateKeyBody {
  scheme: Scheme;
  threshold: number;
  parties: number;
  label?: string;
}

export interface SignBody {
  message?: string;
  hash?: EcdsaHash;
  digest?: string;
  signers?: number[];
  path?: string;
}

export interface BatchSignBody {
  messages?: string[];
  hash?: EcdsaHash;
  digests?: string[];
  signers?: number[];
  path?: string;
}

/** The key service's request; the one rule a schema cannot say: threshold ≤ parties. */
export function createKeyInput({ scheme, threshold, parties, label }: CreateKeyBody): CreateKeyBody {
  if (threshold > parties) throw new ApiError('VALIDATION_FAILED', 'threshold must not exceed parties');
  return { scheme, threshold, parties, ...(label !== undefined ? { label } : {}) };
}

// Hex is compared and hashed in lower case (a request's idempotency hash must not depend on the client's case).
const lower = (hex: string) => hex.toLowerCase();

export function signInput({ message, hash, digest, signers, path }: SignBody, requestedBy: string): SignInput {
  return {
    ...(message !== undefined ? { message: lower(message) } : {}),
    ...(hash ? { hash } : {}),
    ...(digest ? { digest: lower(digest) } : {}),
    ...(signers ? { signers } : {}),
    ...(path !== undefined ? { path } : {}),
    requestedBy,
  };
}

/** One input per item, in order: each message (with the batch's hash), or each raw digest. */
export function batchSignInputs({ messages, hash, digests, signers, path }: BatchSignBody, requestedBy: string): SignInput[] {
  const common = { ...(signers ? { signers } : {}), ...(path !== undefined ? { path } : {}), requestedBy };
  return messages ? messages.map((message) => ({ message: lower(message), ...(hash ? { hash } : {}), ...common })) : digests!.map((digest) => ({ digest: lower(digest), ...common }));
}
