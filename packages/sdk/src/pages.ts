/** Walking a cursor-paged list: each page names the cursor of the next, until one names none. */

/**
 * Every item of every page, fetched a page at a time as the caller iterates. `fetchPage` gets
 * the previous page's cursor (undefined first); `read` splits a page into its items and the next
 * cursor (undefined: the last page).
 */
export async function* paginate<P, I, C>(fetchPage: (cursor: C | undefined) => Promise<P>, read: (page: P) => { items: I[]; next: C | undefined }): AsyncGenerator<I, void, undefined> {
  let cursor: C | undefined;
  for (;;) {
    const { items, next } = read(await fetchPage(cursor));
    yield* items;
    // An empty page with a cursor would loop forever on a server that repeats it.
    if (next === undefined || items.length === 0) return;
    cursor = next;
  }
}

/** Collects an async iterable into an array (at most `max` items). */
export async function collect<T>(items: AsyncIterable<T>, max = Infinity): Promise<T[]> {
  const out: T[] = [];
  if (max <= 0) return out;
  for await (const item of items) {
    out.push(item);
    if (out.length >= max) break;
  }
  return out;
}
