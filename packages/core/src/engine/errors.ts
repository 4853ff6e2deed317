/**
 * Why a protocol instance stopped, and whom it blames. `culprits` are party identifiers; the
 * reason is a fixed, secret-free sentence fit for logs and the audit trail.
 */
export class ProtocolAbort extends Error {
  readonly culprits: readonly number[];
  readonly code: string;

  constructor(code: string, culprits: readonly number[], reason: string) {
    super(`${reason}${culprits.length ? ` (blame: ${culprits.join(', ')})` : ''}`);
    this.name = 'ProtocolAbort';
    this.code = code;
    this.culprits = [...culprits].sort((a, b) => a - b);
  }
}

/** Thrown inside a round handler to abort with the given parties blamed. */
export function blame(code: string, culprits: number | readonly number[], reason: string): never {
  throw new ProtocolAbort(code, typeof culprits === 'number' ? [culprits] : culprits, reason);
}
