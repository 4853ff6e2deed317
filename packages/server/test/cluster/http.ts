/** A JSON client for the cluster's HTTP API, as tests use it. */

/** Bodies are whatever the API answered; tests assert on them field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export type Reply = { status: number; body: any; headers: Headers };

export type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Reply>;

/** `base()` is read on every call: a restarted coordinator may listen elsewhere. */
export function apiClient(base: () => string, apiKey: string): Call {
  return async (method, path, body, headers = {}) => {
    const res = await fetch(`${base()}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined, headers: res.headers };
  };
}
