/** Minimal structured logger. Fields must never carry secrets: keys, shares, plaintexts. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { info() {}, warn() {} };

/** One JSON object per line on stderr, with a timestamp and the fields of `base` (e.g. which process). */
export function jsonLogger(base: Record<string, unknown> = {}): Logger {
  const line = (level: string, message: string, fields?: Record<string, unknown>) =>
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, ...base, message, ...fields })}\n`);
  return { info: (m, f) => line('info', m, f), warn: (m, f) => line('warn', m, f) };
}

/** Keeps entries in memory (tests, diagnostics). */
export class MemoryLogger implements Logger {
  readonly entries: { level: 'info' | 'warn'; message: string; fields: Record<string, unknown> }[] = [];
  info(message: string, fields: Record<string, unknown> = {}): void {
    this.entries.push({ level: 'info', message, fields });
  }
  warn(message: string, fields: Record<string, unknown> = {}): void {
    this.entries.push({ level: 'warn', message, fields });
  }
}
