/**
 * Group commit: calls that arrive while a flush of their kind runs wait for it and then go
 * together, in one flush — a multi-row statement in the stores, one node request for several
 * signatures in the coordinator. An idle coalescer flushes as soon as the code that made a call
 * yields (a microtask: no added latency), together with the calls made in the same turn; a busy
 * one flushes once per batch instead of once per call, which is what the per-flush cost makes
 * worth it (PGlite's per-statement cost is several times that of a row). Each call resolves only
 * with the flush that carried it, so a caller's durability guarantee is the same as with a flush
 * of its own.
 */
export class Coalescer<In, Out> {
  private queue: { input: In; resolve: (out: Out) => void; reject: (e: unknown) => void }[] = [];
  private running = false;

  constructor(
    /** One flush for the batch: its results in the order of the inputs. */
    private readonly flush: (inputs: In[]) => Promise<Out[]>,
    /** Most inputs per flush (a statement: PostgreSQL takes at most 65535 parameters). */
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
        if (outs.length !== batch.length) throw new Error(`a batched flush gave ${outs.length} results for ${batch.length} inputs`);
        batch.forEach((b, i) => b.resolve(outs[i] as Out));
      } catch (e) {
        // A failed flush (a statement that committed nothing): every call it carried fails with its error.
        for (const b of batch) b.reject(e);
      }
    }
    this.running = false;
  }
}
