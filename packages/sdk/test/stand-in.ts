/** A stand-in API for the SDK's tests: an HTTP server (and WebSocket endpoint) whose answers each test scripts. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { afterAll, beforeAll, beforeEach } from 'vitest';

export interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (req: Seen, res: ServerResponse) => void;
export type SocketHandler = (ws: WebSocket, req: IncomingMessage) => void;

/** Sends `body` as JSON with `status` (and extra headers). */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

export function apiError(res: ServerResponse, status: number, code: string, retriable: boolean, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): void {
  json(res, status, { error: { code, message: `${code.toLowerCase()} (stand-in)`, retriable, ...extra } }, headers);
}

/**
 * Starts the stand-in before the file's tests; `handle` and `upgrade` are replaced per test, and
 * `seen` lists the requests (and `upgrades` the WebSocket connection requests) of the current test.
 */
export function standIn() {
  const state = {
    url: '',
    seen: [] as Seen[],
    upgrades: [] as IncomingMessage[],
    handle: ((_req, res) => apiError(res, 404, 'NOT_FOUND', false)) as Handler,
    /** Upgrade requests: accept (the handler runs) or refuse with an HTTP answer. */
    refuseUpgrade: undefined as undefined | ((req: IncomingMessage) => { status: number; body: unknown } | undefined),
    onSocket: ((ws) => ws.close()) as SocketHandler,
  };
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const seen = { method: req.method!, url: req.url!, headers: req.headers, body };
      state.seen.push(seen);
      state.handle(seen, res);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    state.upgrades.push(req);
    const refusal = state.refuseUpgrade?.(req);
    if (refusal) {
      const text = JSON.stringify(refusal.body);
      socket.end(`HTTP/1.1 ${refusal.status} Refused\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => state.onSocket(ws, req));
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    state.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  beforeEach(() => {
    state.seen = [];
    state.upgrades = [];
    state.refuseUpgrade = undefined;
  });
  afterAll(async () => {
    for (const ws of wss.clients) ws.terminate();
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return state;
}
