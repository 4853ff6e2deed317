/**
 * Group commit for one kind of statement: calls that arrive while a statement of their kind runs
 * wait for it and then go together, as one multi-row statement. An idle store runs a call as soon
 * as the code that made it yields (a microtask: no added latency), together with the calls made
 * in the same turn (a batch of signatures handled at once); a busy one runs one statement per
 * batch instead of one per call, which is what a store spends most of its time on (PGlite's
 * per-statement cost is several times that of a row). Each call still resolves only after the
 * statement that carried it has committed, so a caller's durability guarantee is the same as
 * with a statement of its own.
 */
export class Coalescer<In, Out> {
  private queue: { input: In; resolve: (out: Out) => void; reject: (e: unknown) => void }[] = [];
  private running = false;

  constructor(
    /** One statement for the batch: its results in the order of the inputs. */
    private readonly flush: (inputs: In[]) => Promise<Out[]>,
    /** Most inputs per statement (PostgreSQL takes at most 65535 parameters). */
    private readonly maxBatch: number,
  ) {
    if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) throw new RangeError('a batch holds at least one input');
  }

  run(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.running) {
        this.running = true;
        queueMicrotask(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const outs = await this.flush(batch.map((b) => b.input));
        if (outs.length !== batch.length) throw new Error(`a batched statement gave ${outs.length} results for ${batch.length} inputs`);
        batch.forEach((b, i) => b.resolve(outs[i] as Out));
      } catch (e) {
        // A failed statement committed nothing: every call it carried fails with its error.
        for (const b of batch) b.reject(e);
      }
    }
    this.running = false;
  }
}

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
