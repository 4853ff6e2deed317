/** A store refused its input or found a record in a state the call does not allow. */
export class StoreError extends Error {
  override name = 'StoreError';
}

/** Socket errors of a connection to a store or the bus that is refused, cut or unanswered. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/**
 * What the clients say when the server is gone rather than when the request is wrong: pg's
 * "Connection terminated", ioredis's "Connection is closed" and its give-up after retries.
 */
const CONNECTION_MESSAGES = /connection terminated|connection is closed|reached the max retries per request|connection timeout|the database system is (shutting down|starting up)|terminating connection due to administrator command/i;

/**
 * Whether `e` says that PostgreSQL, Redis or NATS could not be reached (a restart, a dropped
 * connection): the request may succeed when retried, and is not the caller's fault. SQLSTATE
 * class 08 is a connection exception; 57P01–57P03, a server shutting down or starting.
 */
export function isUnavailable(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code) || /^57P0[123]$/.test(code))) return true;
  return e.name === 'MaxRetriesPerRequestError' || CONNECTION_MESSAGES.test(e.message);
}
