/** Helpers for the stores' batched statements (the batching itself: `Coalescer`). */

/** Calls that concurrent requests make at once go as one statement of at most this many rows. */
export const MAX_COALESCED = 256;

/**
 * `($1, $2, …), (…)`: `count` rows of `width` parameters for a multi-row VALUES or IN list, with
 * an optional cast after the parameter of a column (0-based).
 */
export function valueRows(count: number, width: number, cast: (column: number) => string = () => ''): string {
  return Array.from({ length: count }, (_, i) => `(${Array.from({ length: width }, (_, j) => `$${width * i + j + 1}${cast(j)}`).join(', ')})`).join(', ');
}

/** The inputs of a batch that go to SQL: a key repeated in the batch goes only the first time. */
export function distinct<In>(inputs: In[], keyOf: (input: In) => string): In[] {
  const seen = new Set<string>();
  return inputs.filter((input) => {
    const key = keyOf(input);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Hands each found result to the first input with its key; a repeated or unfound key gets `absent`. */
export function firstClaims<In, Out>(inputs: In[], keyOf: (input: In) => string, found: Map<string, Out>, absent: Out): Out[] {
  return inputs.map((input) => {
    const key = keyOf(input);
    const out = found.get(key);
    if (out === undefined) return absent;
    found.delete(key);
    return out;
  });
}
