/** Minimal structured logger. Fields must never carry secrets: keys, shares, plaintexts. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { info() {}, warn() {} };

/** One JSON object per line on stderr. */
export const jsonLogger: Logger = {
  info: (message, fields) => process.stderr.write(`${JSON.stringify({ level: 'info', message, ...fields })}\n`),
  warn: (message, fields) => process.stderr.write(`${JSON.stringify({ level: 'warn', message, ...fields })}\n`),
};

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
