/** A WebSocket client of `/v1/events` as tests use it: every frame kept, waits on what arrived. */
import WebSocket from 'ws';
import { waitFor } from './local-cluster.js';

export interface StreamedEvent {
  /** Absent on progress events (not stored). */
  seq?: number;
  type: string;
  at: string;
  subject: string;
  data: Record<string, unknown>;
}

export interface Frame {
  event?: StreamedEvent;
  ready?: { seq: number };
  error?: { code: string; message: string };
}

export interface EventStream {
  frames: Frame[];
  events(): StreamedEvent[];
  /** Resolves once `check` holds on the frames so far. */
  until(check: (frames: Frame[]) => boolean, what: string, timeoutMs?: number): Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

/** Opens a stream; rejects with the HTTP status when the upgrade is refused. */
export function openEventStream(baseUrl: string, token: string, query = ''): Promise<EventStream> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/events${query}`, { headers: { authorization: `Bearer ${token}` } });
  const frames: Frame[] = [];
  socket.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString('utf8')) as Frame));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  return new Promise((resolve, reject) => {
    socket.on('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${response.statusCode}`), { status: response.statusCode, body: JSON.parse(body) as unknown })));
    });
    socket.on('error', reject);
    socket.on('open', () =>
      resolve({
        frames,
        events: () => frames.flatMap((f) => (f.event ? [f.event] : [])),
        until: (check, what, timeoutMs = 10_000) => waitFor(() => check(frames), timeoutMs, what),
        closed,
        async close() {
          socket.close();
          await closed;
        },
      }),
    );
  });
}
