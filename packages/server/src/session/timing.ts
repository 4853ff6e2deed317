/**
 * Where the time of one request went, stage by stage: the coordinator sends it as a standard
 * `Server-Timing` header, nodes report theirs with their result. Timing only: nothing here is
 * trusted for anything else, and no value carries a secret.
 */
export class StageTimes {
  private readonly totals = new Map<string, number>();

  add(stage: string, ms: number): void {
    this.totals.set(stage, (this.totals.get(stage) ?? 0) + ms);
  }

  async measure<T>(stage: string, fn: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.add(stage, performance.now() - start);
    }
  }

  /** Stage → milliseconds, rounded to microseconds. */
  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.totals].map(([stage, ms]) => [stage, Math.round(ms * 1000) / 1000]));
  }

  /** The `Server-Timing` header value (RFC-style `name;dur=ms` entries). */
  serverTiming(): string {
    return [...this.totals].map(([stage, ms]) => `${stage};dur=${ms.toFixed(3)}`).join(', ');
  }
}

/** A node's reported timing, kept only if it is a small object of finite non-negative numbers. */
export function reportedTiming(v: unknown): Record<string, number> | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const entries = Object.entries(v);
  if (entries.length > 16 || entries.some(([k, ms]) => !/^[a-z][a-z-]{0,30}$/.test(k) || typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0)) return undefined;
  return Object.fromEntries(entries) as Record<string, number>;
}
