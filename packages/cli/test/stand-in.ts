/** What the tests of commands that call the API share: a stand-in API on a free port, key files, and the CLI run in process. */
import { createServer, type IncomingMessage, type RequestListener } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { afterAll, beforeAll } from 'vitest';
import { run } from '../src/main.js';

/**
 * Starts `handler` (and `onSocket` for WebSocket upgrades) and writes `keyFiles` (name → content)
 * before the file's tests; stops and removes them after.
 */
export function standInApi(handler: RequestListener, keyFiles: Record<string, string>, onSocket?: (ws: WebSocket, req: IncomingMessage) => void): { url: () => string; file: (name: string) => string } {
  const server = createServer(handler);
  const wss = new WebSocketServer({ noServer: true });
  if (onSocket) server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => onSocket(ws, req)));
  let dir = '';
  let url = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mpc-cli-api-'));
    for (const [name, content] of Object.entries(keyFiles)) await writeFile(join(dir, name), `${content}\n`);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const ws of wss.clients) ws.terminate();
    server.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { url: () => url, file: (name) => join(dir, name) };
}

export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(argv, { write: (s: string) => (out += s) }, { write: (s: string) => (err += s) });
  return { code, out, err };
}

/** A port nothing listens on (to see a refused connection). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createTcpServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
