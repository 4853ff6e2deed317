/** Cursors of lists served newest first: the last record's creation time and id, opaque to clients. */
import { ApiError } from '../errors.js';

export interface PagePosition {
  createdAt: Date;
  id: string;
}

export function encodeCursor(r: PagePosition): string {
  return Buffer.from(JSON.stringify([r.createdAt.toISOString(), r.id])).toString('base64url');
}

export function decodeCursor(cursor: string): PagePosition {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const createdAt = new Date(String(at));
    if (typeof at === 'string' && typeof id === 'string' && id.length > 0 && id.length <= 64 && !Number.isNaN(createdAt.getTime())) return { createdAt, id };
  } catch {
    // refused below
  }
  throw new ApiError('VALIDATION_FAILED', 'cursor is not one this API gave');
}

/** A page's `next`: the cursor after its last record when the page is full (there may be more). */
export function nextCursor(records: readonly PagePosition[], limit: number): { next?: string } {
  const last = records.at(-1);
  return last && records.length === limit ? { next: encodeCursor(last) } : {};
}
