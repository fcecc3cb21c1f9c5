interface Waiting<T, R> {
  readonly input: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Runs work per key one batch at a time: calls for a key that arrive while its batch is running wait, and
 * then run together as the next batch (in arrival order). `run` settles each input of a batch, in order, or
 * throws, which rejects the whole batch. Keys do not wait for each other. Nothing is kept for an idle key.
 */
export function batchPerKey<T, R>(
  run: (key: string, inputs: T[]) => Promise<PromiseSettledResult<R>[]>,
): (key: string, input: T) => Promise<R> {
  const queues = new Map<string, Waiting<T, R>[]>();

  async function drain(key: string, queue: Waiting<T, R>[]): Promise<void> {
    // Let calls made in the same tick join the first batch.
    await Promise.resolve();
    while (queue.length > 0) {
      const batch = queue.splice(0);
      try {
        const results = await run(
          key,
          batch.map((w) => w.input),
        );
        batch.forEach((w, i) => {
          const result = results[i]!;
          if (result.status === "fulfilled") w.resolve(result.value);
          else w.reject(result.reason);
        });
      } catch (error) {
        for (const w of batch) w.reject(error);
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
