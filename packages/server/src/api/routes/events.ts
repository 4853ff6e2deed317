import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { ApiError } from '../../errors.js';
import { allows } from '../../coordinator/api-keys.js';
import { type StreamType, selectTypes } from '../../coordinator/events.js';
import type { ApiServices } from '../services.js';
import { eventPage, eventsQuery } from '../schemas.js';

/** Bytes a subscriber may leave unread before it is told to resume later (a slow reader holds no unbounded buffer). */
const MAX_UNREAD = 8 * 1024 * 1024;

type EventsRequest = FastifyRequest<{ Querystring: { after?: string; types?: string; limit?: string } }>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The event types an events request chose (checked before a stream opens). */
    eventTypes: ReadonlySet<StreamType> | null;
  }
}

/** Closes a stream with an error frame: the codes say whether the client should come back. */
function fail(socket: WebSocket, e: unknown): void {
  const error = e instanceof ApiError ? e : new ApiError('INTERNAL', 'the event stream failed');
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(error.toJSON()));
  socket.close(error.status === 401 || error.status === 403 ? 1008 : error.retriable ? 1013 : 1011, error.code);
}

export const eventRoutes: FastifyPluginAsync<ApiServices> = async (app, { events, apiKeys }) => {
  app.decorateRequest('eventTypes', null);
  app.route<{ Querystring: { after?: string; types?: string; limit?: string } }>({
    method: 'GET',
    url: '/events',
    config: { scope: 'keys:read' },
    schema: { querystring: eventsQuery, response: { 200: eventPage } },
    // Before any upgrade: a bad selection is a 400, not a stream that closes at once.
    preHandler: async (request: EventsRequest) => {
      // Progress types are accepted for both forms; the REST page has none to show (they are not stored).
      request.eventTypes = selectTypes(request.query.types, { progress: true });
    },
    // The REST form: a page of stored events after `after` (for polling clients and catch-up).
    handler: async (request: EventsRequest) => {
      const limit = Number(request.query.limit ?? 100);
      const page = await events.page({ after: Number(request.query.after ?? 0), limit, types: request.eventTypes! });
      return { events: page, ...(page.length ? { next: page.at(-1)!.seq } : {}) };
    },
    wsHandler: (socket: WebSocket, request: EventsRequest) => {
      let stop: (() => void) | undefined;
      let closed = false;
      const recheck = setInterval(() => {
        void apiKeys.authenticate(request.headers.authorization).then(
          (auth) => {
            if ('failure' in auth) fail(socket, new ApiError('UNAUTHORIZED', 'the credentials of this stream are no longer valid'));
            else if (!allows(auth.scopes, 'keys:read')) fail(socket, new ApiError('FORBIDDEN', 'the credentials of this stream lack the scope keys:read'));
            else socket.ping();
          },
          (e: unknown) => fail(socket, e),
        );
      }, events.options.recheckMs);
      socket.on('close', () => {
        closed = true;
        clearInterval(recheck);
        stop?.();
      });
      const send = (frame: object) => {
        if (socket.readyState !== socket.OPEN) return;
        if (socket.bufferedAmount > MAX_UNREAD) return fail(socket, new ApiError('EVENTS_BEHIND', 'this subscriber reads too slowly: reconnect with after set to the last seq received'));
        socket.send(JSON.stringify(frame));
      };
      const after = request.query.after === undefined ? undefined : Number(request.query.after);
      events.follow({ after, types: request.eventTypes! }, (event) => send({ event }), (seq) => send({ ready: { seq } })).then(
        (stopFollowing) => {
          if (closed) stopFollowing();
          else stop = stopFollowing;
        },
        (e: unknown) => fail(socket, e),
      );
    },
  });
};
