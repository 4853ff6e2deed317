/**
 * One error vocabulary for the API (DESIGN §3): each code has one HTTP status and says whether a
 * client may retry. The code is also a GraphQL error's `extensions.code` (GraphQL's own style of
 * code already), so REST and GraphQL clients handle one list. Messages are for people and never
 * carry secrets.
 */
export const ERROR_CODES = {
  INVALID_JSON: { status: 400, retriable: false, meaning: 'the body is not JSON' },
  QUERY_INVALID: { status: 400, retriable: false, meaning: 'the GraphQL document does not parse, or does not validate against the schema' },
  QUERY_TOO_COMPLEX: { status: 400, retriable: false, meaning: 'the GraphQL document exceeds a limit: depth, nested lists, fields or operations' },
  VALIDATION_FAILED: { status: 400, retriable: false, meaning: 'a field is missing, of the wrong type, or out of range' },
  UNSUPPORTED_FOR_SCHEME: { status: 400, retriable: false, meaning: 'the request does not fit the key scheme (e.g. a hash for EdDSA)' },
  CHAIN_INPUT_REFUSED: {
    status: 400,
    retriable: false,
    meaning: 'the chain, address format or transaction is not accepted (unknown chain, malformed, not the key\'s, another network, an unsupported feature); `reason` is the packages/chains code',
  },
  INVALID_DERIVATION_PATH: { status: 400, retriable: false, meaning: 'the derivation path is not a non-hardened path such as m/0/1' },
  NO_CHAIN_CODE: { status: 409, retriable: false, meaning: 'the key was made before key generation agreed a chain code: it has no derived keys' },
  UNAUTHORIZED: { status: 401, retriable: false, meaning: 'no valid API key' },
  FORBIDDEN: { status: 403, retriable: false, meaning: 'the API key lacks the scope this route (or GraphQL field) needs' },
  NOT_FOUND: { status: 404, retriable: false, meaning: 'no such route' },
  KEY_NOT_FOUND: { status: 404, retriable: false, meaning: 'no key with this id' },
  SIGNATURE_NOT_FOUND: { status: 404, retriable: false, meaning: 'no signature request with this id' },
  API_KEY_NOT_FOUND: { status: 404, retriable: false, meaning: 'no API key with this prefix' },
  WEBHOOK_NOT_FOUND: { status: 404, retriable: false, meaning: 'no webhook with this id' },
  DELIVERY_NOT_FOUND: { status: 404, retriable: false, meaning: 'no delivery with this id for this webhook' },
  METHOD_NOT_ALLOWED: { status: 405, retriable: false, meaning: 'a GraphQL mutation sent with GET: send it with POST' },
  KEY_NOT_ACTIVE: { status: 409, retriable: true, meaning: 'the key is still being created, or failed' },
  IDEMPOTENCY_CONFLICT: { status: 409, retriable: false, meaning: 'this idempotency key was used with another body' },
  REQUEST_IN_PROGRESS: { status: 409, retriable: true, meaning: 'a request with this idempotency key is still running' },
  PAYLOAD_TOO_LARGE: { status: 413, retriable: false, meaning: 'the body exceeds the size limit' },
  RATE_LIMITED: { status: 429, retriable: true, meaning: 'too many requests from this address or with this API key, or too many failed authentications from this address; `retryAfter` seconds (also the Retry-After header)' },
  NOT_ENOUGH_NODES: { status: 503, retriable: true, meaning: 'fewer signer nodes are online than the operation needs' },
  NODES_UNAVAILABLE: { status: 503, retriable: true, meaning: 'a node went offline or stopped answering during the operation' },
  POOL_ITEM_GONE: { status: 503, retriable: true, meaning: 'a node no longer held the pooled nonce or presignature it was handed (the coordinator signs again without the pool)' },
  PROTOCOL_ABORTED: { status: 502, retriable: true, meaning: 'the protocol aborted; the culprits are named' },
  STORE_UNAVAILABLE: { status: 503, retriable: true, meaning: 'the metadata database, the session store or the bus did not answer (a restart, a dropped connection); `/readyz` says which' },
  EVENTS_BEHIND: { status: 503, retriable: true, meaning: 'an event stream fell too far behind (the subscriber reads too slowly): reconnect with `after` set to the last seq received' },
  INTERNAL: { status: 500, retriable: false, meaning: 'an unexpected error' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class ApiError extends Error {
  readonly status: number;
  readonly retriable: boolean;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: { culprits?: number[]; waitingFor?: number[]; gone?: number[]; reason?: string; retryAfter?: number },
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = ERROR_CODES[code].status;
    this.retriable = ERROR_CODES[code].retriable;
  }

  toJSON() {
    return { error: { code: this.code, message: this.message, retriable: this.retriable, ...this.details } };
  }

  /** What a GraphQL error carries beside its message. */
  extensions() {
    return { code: this.code, retriable: this.retriable, ...this.details };
  }
}
