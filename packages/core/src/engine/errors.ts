/**
 * Why a protocol instance stopped, and whom it blames. `culprits` are party identifiers; the
 * reason is a fixed, secret-free sentence fit for logs and the audit trail. `evidence`, when
 * present, is protocol-specific signed material that lets any other party check the blame
 * itself (see `RoundBasedProtocol.judgeComplaint`); it never holds an honest party's secret.
 */
import type { AbortCode } from './abort-codes.js';

export class ProtocolAbort extends Error {
  readonly culprits: readonly number[];
  readonly code: AbortCode;
  /** The sentence without the blame suffix. */
  readonly reason: string;
  readonly evidence: Uint8Array | undefined;

  constructor(code: AbortCode, culprits: readonly number[], reason: string, evidence?: Uint8Array) {
    super(`${reason}${culprits.length ? ` (blame: ${[...culprits].sort((a, b) => a - b).join(', ')})` : ''}`);
    this.name = 'ProtocolAbort';
    this.code = code;
    this.reason = reason;
    this.culprits = [...culprits].sort((a, b) => a - b);
    this.evidence = evidence;
  }
}

/** Thrown inside a round handler to abort with the given parties blamed. */
export function blame(code: AbortCode, culprits: number | readonly number[], reason: string, evidence?: Uint8Array): never {
  throw new ProtocolAbort(code, typeof culprits === 'number' ? [culprits] : culprits, reason, evidence);
}

/**
 * Runs a check of a message; when the check aborts, the abort carries `evidence` (signed material
 * with which every peer can repeat the check, see `RoundBasedProtocol.judgeComplaint`) unless it
 * already has its own.
 */
export function withEvidence<V>(evidence: Uint8Array, check: () => V): V {
  try {
    return check();
  } catch (e) {
    if (e instanceof ProtocolAbort && e.evidence === undefined) throw new ProtocolAbort(e.code, e.culprits, e.reason, evidence);
    throw e;
  }
}
