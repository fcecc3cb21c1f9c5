import { untilAllAbort } from "./signals.ts";

interface Waiting<T, R> {
  readonly input: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Runs work per key one batch at a time: calls for a key that arrive while its batch is running wait, and
 * then run together as the next batch (in arrival order). `run` settles each input of a batch, in order, or
 * throws, which rejects the whole batch. Keys do not wait for each other. Nothing is kept for an idle key.
 *
 * A batch whose callers have all given up (every `signalOf(input)` aborted) is abandoned: its callers are
 * rejected with their signal's reason and the next batch starts, even if `run` never settles (a request that
 * ignores its abort signal), so one hung request cannot wedge its key. A caller without a signal keeps its
 * batch waiting for `run`.
 */
export function batchPerKey<T, R>(
  run: (key: string, inputs: T[]) => Promise<PromiseSettledResult<R>[]>,
  signalOf: (input: T) => AbortSignal | undefined = () => undefined,
): (key: string, input: T) => Promise<R> {
  const queues = new Map<string, Waiting<T, R>[]>();

  async function drain(key: string, queue: Waiting<T, R>[]): Promise<void> {
    // Let calls made in the same tick join the first batch.
    await Promise.resolve();
    while (queue.length > 0) {
      const batch = queue.splice(0);
      const inputs = batch.map((w) => w.input);
      const outcome = await settleOrAbandon(run(key, inputs), untilAllAbort(inputs.map(signalOf)));
      if (outcome.abandoned) {
        for (const w of batch) w.reject(signalOf(w.input)?.reason);
      } else if (outcome.status === "fulfilled") {
        batch.forEach((w, i) => {
          const result = outcome.value[i]!;
          if (result.status === "fulfilled") w.resolve(result.value);
          else w.reject(result.reason);
        });
      } else {
        for (const w of batch) w.reject(outcome.reason);
      }
    }
    queues.delete(key);
  }

  return (key, input) =>
    new Promise<R>((resolve, reject) => {
      const queue = queues.get(key);
      if (queue) {
        queue.push({ input, resolve, reject });
        return;
      }
      const fresh = [{ input, resolve, reject }];
      queues.set(key, fresh);
      void drain(key, fresh);
    });
}

type Outcome<V> = (PromiseSettledResult<V> & { abandoned?: false }) | { abandoned: true };

/**
 * `work` settled, or `{ abandoned: true }` as soon as `signal` aborts. The handlers left on a `work` that never
 * settles hold only the settled resolver of this call, never the batch.
 */
function settleOrAbandon<V>(work: Promise<V>, signal: AbortSignal | undefined): Promise<Outcome<V>> {
  return new Promise((resolve) => {
    let done = (outcome: Outcome<V>) => {
      done = () => {};
      signal?.removeEventListener("abort", abandon);
      resolve(outcome);
    };
    const abandon = () => done({ abandoned: true });
    if (signal?.aborted) return abandon();
    signal?.addEventListener("abort", abandon, { once: true });
    work.then(
      (value) => done({ status: "fulfilled", value }),
      (reason: unknown) => done({ status: "rejected", reason }),
    );
  });
}
