/**
 * What a signature request asks for, as the API takes it. Its own module: the signing service
 * and the audit log both read it, and neither imports the other for it.
 */
import type { EcdsaHash, TransactionItem } from '../session/request.js';

export interface SignInput {
  message?: string;
  hash?: EcdsaHash;
  digest?: string;
  /** A chain transaction's signing item, which the nodes compute themselves (ChainService). */
  transaction?: TransactionItem;
  /** Non-hardened derivation path: sign with the key's child along it. */
  path?: string;
  /** Committee members that must sign (an operator's choice); otherwise the first online quorum. */
  signers?: number[];
  /** Who asked (the API caller, `api-key:<prefix>`): for the audit log, not part of the request's identity. */
  requestedBy?: string;
}
