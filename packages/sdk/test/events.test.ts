/** The event stream against a stand-in WebSocket endpoint: order, resume after a dropped socket, fatal errors, the iterator, the REST list. */
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { MpcWalletClient, MpcWalletError, type StreamEvent, type WalletEvent, isProgress } from '../src/index.js';
import { json, standIn } from './stand-in.js';

const API_KEY = 'mpcw_0123456789ab_secretsecretsecretsecret';
const api = standIn();
const client = () => new MpcWalletClient({ url: api.url, apiKey: API_KEY, retries: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 } });
const event = (seq: number, type = 'signature.completed'): WalletEvent => ({ seq, type, at: '2026-12-03T10:00:00.000Z', subject: `s${seq}`, data: { n: seq } });
const send = (ws: WebSocket, frame: unknown) => ws.send(JSON.stringify(frame));
const query = (i: number) => new URL(api.upgrades[i]!.url!, api.url).searchParams;

describe('events.subscribe', () => {
  it('delivers in order, reconnects after a dropped socket and resumes after the last event seen', async () => {
    let connection = 0;
    api.onSocket = (ws) => {
      connection++;
      if (connection === 1) {
        for (const seq of [4, 5]) send(ws, { event: event(seq) });
        send(ws, { ready: { seq: 5 } });
        send(ws, { event: event(6) });
        // The server goes away without a close frame.
        setTimeout(() => ws.terminate(), 20);
      } else {
        // A server that resent an event already delivered: the client drops it.
        send(ws, { event: event(6) });
        send(ws, { event: event(7) });
        send(ws, { ready: { seq: 7 } });
      }
    };
    const seen: number[] = [];
    const errors: MpcWalletError[] = [];
    const readies: number[] = [];
    const sub = client().events.subscribe({
      after: 3,
      types: ['signature.*', 'key.failed'],
      onEvent: (e) => {
        if (!isProgress(e)) seen.push(e.seq);
      },
      onError: (e) => errors.push(e),
      onReady: (seq) => readies.push(seq),
    });
    await until(() => readies.length === 2);
    expect(seen).toEqual([4, 5, 6, 7]);
    expect(sub.lastSeq).toBe(7);
    expect([query(0).get('after'), query(0).get('types')]).toEqual(['3', 'signature.*,key.failed']);
    expect([query(1).get('after'), query(1).get('types')]).toEqual(['6', 'signature.*,key.failed']);
    expect(api.upgrades[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(errors.map((e) => [e.code, e.retriable])).toEqual([['NETWORK_ERROR', true]]);
    sub.close();
    await sub.closed;
  });

  it('progress reports (no seq) are delivered where they happen and never become the resume point', async () => {
    api.onSocket = (ws) => {
      if (api.upgrades.length > 1) return send(ws, { ready: { seq: 9 } });
      send(ws, { ready: { seq: 8 } });
      send(ws, { event: { type: 'key.progress', at: '2026-12-03T10:00:00.000Z', subject: 'k1', data: { node: 2, protocol: 'dkg', round: 1 } } });
      send(ws, { event: event(9, 'key.completed') });
      send(ws, { event: { type: 'signature.progress', at: '2026-12-03T10:00:00.000Z', subject: 's1', data: { node: 1, protocol: 'frost', round: 2 } } });
      setTimeout(() => ws.terminate(), 20);
    };
    const got: StreamEvent[] = [];
    const errors: string[] = [];
    const sub = client().events.subscribe({ onEvent: (e) => void got.push(e), onError: (e) => errors.push(e.code) });
    await until(() => api.upgrades.length === 2);
    expect(got.map((e) => (isProgress(e) ? `${e.type} ${e.data.round}` : `${e.seq} ${e.type}`))).toEqual(['key.progress 1', '9 key.completed', 'signature.progress 2']);
    expect([query(1).get('after'), errors]).toEqual(['9', ['NETWORK_ERROR']]);
    sub.close();
    await sub.closed;
  });

  it('without `after`, a reconnection resumes from the ready position', async () => {
    api.onSocket = (ws) => {
      send(ws, { ready: { seq: 41 } });
      if (api.upgrades.length === 1) setTimeout(() => ws.close(1011), 10);
    };
    const readies: number[] = [];
    const sub = client().events.subscribe({ onEvent: () => undefined, onReady: (seq) => readies.push(seq) });
    await until(() => readies.length === 2);
    expect(query(0).has('after')).toBe(false);
    expect(query(1).get('after')).toBe('41');
    sub.close();
    await sub.closed;
  });

  it('ready 0 (no position yet) is not a resume point: the reconnection asks for new events, not the whole log', async () => {
    api.onSocket = (ws) => {
      send(ws, { ready: { seq: 0 } });
      if (api.upgrades.length === 1) setTimeout(() => ws.terminate(), 10);
    };
    const readies: number[] = [];
    const sub = client().events.subscribe({ onEvent: () => undefined, onReady: (seq) => readies.push(seq) });
    await until(() => readies.length === 2);
    expect([query(0).has('after'), query(1).has('after'), sub.lastSeq]).toEqual([false, false, undefined]);
    sub.close();
    await sub.closed;
  });

  it('an error frame the server calls final (CURSOR_EXPIRED) ends the subscription without reconnecting', async () => {
    api.onSocket = (ws) => {
      send(ws, { error: { code: 'CURSOR_EXPIRED', message: 'events after 1 are no longer kept' } });
      ws.close(1008);
    };
    const errors: string[] = [];
    const sub = client().events.subscribe({ after: 1, onEvent: () => undefined, onError: (e) => errors.push(e.code) });
    await expect(sub.closed).rejects.toMatchObject({ code: 'CURSOR_EXPIRED', retriable: false });
    expect(errors).toEqual(['CURSOR_EXPIRED']);
    expect(api.upgrades).toHaveLength(1);
  });

  it('a refused upgrade (401) is an UNAUTHORIZED error, not retried', async () => {
    api.refuseUpgrade = () => ({ status: 401, body: { error: { code: 'UNAUTHORIZED', message: 'send Authorization: Bearer <api key>', retriable: false } } });
    const sub = client().events.subscribe({ onEvent: () => undefined });
    const e = (await sub.closed.catch((e: unknown) => e)) as MpcWalletError;
    expect([e.code, e.status, e.unauthorized]).toEqual(['UNAUTHORIZED', 401, true]);
    expect(api.upgrades).toHaveLength(1);
  });

  it('gives up after `attempts` failed connections in a row', async () => {
    api.refuseUpgrade = () => ({ status: 503, body: { error: { code: 'NODES_UNAVAILABLE', message: 'busy', retriable: true } } });
    const sub = new MpcWalletClient({ url: api.url, apiKey: API_KEY }).events.subscribe({ onEvent: () => undefined, reconnect: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 } });
    await expect(sub.closed).rejects.toMatchObject({ code: 'NODES_UNAVAILABLE', retriable: false });
    expect(api.upgrades).toHaveLength(3);
  });

  it('a connection silent past heartbeatTimeoutMs is taken for dead and reopened; pings keep one alive', async () => {
    let connections = 0;
    api.onSocket = (ws) => {
      connections++;
      // The first stays silent (a vanished path); the second pings faster than the timeout.
      if (connections > 1) {
        const timer = setInterval(() => ws.ping(), 20);
        ws.on('close', () => clearInterval(timer));
      }
    };
    const errors: string[] = [];
    const sub = client().events.subscribe({ onEvent: () => undefined, onError: (e) => errors.push(e.code), heartbeatTimeoutMs: 100 });
    await until(() => connections === 2);
    await new Promise((r) => setTimeout(r, 300));
    expect([connections, errors]).toEqual([2, ['TIMEOUT']]);
    sub.close();
    await sub.closed;
  });

  it('a handler that throws ends the subscription (no event is skipped silently)', async () => {
    api.onSocket = (ws) => {
      send(ws, { event: event(1) });
      send(ws, { event: event(2) });
    };
    const seen: number[] = [];
    const sub = client().events.subscribe({
      onEvent: (e) => {
        if (!isProgress(e)) seen.push(e.seq);
        throw new Error('database down');
      },
    });
    await expect(sub.closed).rejects.toMatchObject({ code: 'HANDLER_FAILED' });
    expect(seen).toEqual([1]);
    expect(sub.lastSeq).toBeUndefined();
  });
});

describe('events.stream and events.list', () => {
  it('the iterator yields events in order and leaving the loop closes the socket', async () => {
    let closedByClient = false;
    api.onSocket = (ws) => {
      ws.on('close', () => (closedByClient = true));
      for (const seq of [1, 2, 3]) send(ws, { event: event(seq) });
    };
    const got: number[] = [];
    for await (const e of client().events.stream({ after: 0 })) {
      if (isProgress(e)) continue;
      got.push(e.seq);
      if (e.seq === 2) break;
    }
    expect(got).toEqual([1, 2]);
    await until(() => closedByClient);
  });

  it('list sends after, types (comma-joined) and limit; all() follows next', async () => {
    api.handle = (req, res) => {
      const after = new URL(req.url, api.url).searchParams.get('after');
      json(res, 200, after === '0' ? { events: [event(1), event(2)], next: 2 } : { events: [event(3)] });
    };
    const all: number[] = [];
    for await (const e of client().events.all({ after: 0, types: ['key.*', 'node.online'], limit: 2 })) all.push(e.seq);
    expect(all).toEqual([1, 2, 3]);
    expect(api.seen.map((r) => r.url)).toEqual(['/v1/events?after=0&limit=2&types=key.*%2Cnode.online', '/v1/events?after=2&limit=2&types=key.*%2Cnode.online']);
  });
});

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
