/**
 * Checks on what callers hand the stores, before any of it reaches SQL or Redis: a malformed
 * argument is a clear `StoreError`, never a driver error or a silently stored oddity.
 */
import { StoreError } from './errors.js';
import type { KeyStatus, RecordKind, SignatureStatus } from './types.js';
export { SCHEMES } from './types.js';

export const RECORD_KINDS: readonly RecordKind[] = ['key-share', 'aux-info', 'presignature', 'nonces', 'pending-share', 'node-secret'];
export const KEY_STATUSES: readonly KeyStatus[] = ['pending', 'active', 'failed'];
export const SIGNATURE_STATUSES: readonly SignatureStatus[] = ['pending', 'completed', 'failed'];

/** Longest identifier (owner, version, id, name, …) a store accepts. */
export const MAX_NAME_LENGTH = 256;

export function checkName(what: string, value: unknown, maxLength = MAX_NAME_LENGTH): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw new StoreError(`${what} must be a string of 1 to ${maxLength} characters`);
  }
  return value;
}

export function checkOneOf<T extends string>(what: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw new StoreError(`${what} must be one of ${allowed.join(', ')}`);
  return value as T;
}

export function checkKind(kind: unknown): RecordKind {
  return checkOneOf('record kind', kind, RECORD_KINDS);
}

export function checkBytes(what: string, value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new StoreError(`${what} must be a Uint8Array`);
  return value;
}

export function checkInteger(what: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new StoreError(`${what} must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function checkDate(what: string, value: unknown): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new StoreError(`${what} must be a valid Date`);
  return value;
}

export function checkOptionalString(what: string, value: unknown, maxLength: number): string | null {
  if (value === null) return null;
  if (typeof value !== 'string' || value.length > maxLength) throw new StoreError(`${what} must be null or a string of at most ${maxLength} characters`);
  return value;
}
