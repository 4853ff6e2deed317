/**
 * Group public keys are multiplied by every signature check. A window table makes that about 5×
 * faster but costs ~40 ms to build, so a key gets its table once it has been used a few times;
 * keys are shared by encoding, so that every object built for the same key uses the same point
 * (and table). Only for public points: the table is built with variable-time code.
 */
import { bytesToHex } from '../bytes.js';
import type { Curve, GroupPoint } from './curve.js';


const keys = new Map<string, GroupPoint>();
const KEY_CACHE_LIMIT = 1024;
const uses = new WeakMap<GroupPoint, number>();
const PRECOMPUTE_AFTER_USES = 8;

/** The shared instance of this public key. */
export function sharedKeyPoint(curve: Curve, p: GroupPoint): GroupPoint {
  const id = `${curve.name}:${bytesToHex(curve.encodePoint(p))}`;
  const cached = keys.get(id);
  if (cached) return cached;
  if (keys.size >= KEY_CACHE_LIMIT) keys.delete(keys.keys().next().value!);
  keys.set(id, p);
  return p;
}

/** k·P for a public key P and public scalar k (0 < k), building P's table once P is in regular use. */
export function multiplyKey(p: GroupPoint, k: bigint): GroupPoint {
  const n = (uses.get(p) ?? 0) + 1;
  uses.set(p, n);
  if (n === PRECOMPUTE_AFTER_USES) (p as unknown as { precompute?: (w: number) => unknown }).precompute?.(8);
  return p.multiplyUnsafe(k);
}
