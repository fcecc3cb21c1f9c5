import { TimeoutError } from "./failures.ts";
import type { Layer } from "./layer.ts";

/**
 * The time budget: each store call (apply, reset, release, ping) gets `timeoutMs` (the limiter's `timeout`, default
 * 1000 ms); past it the call's signal is aborted and the call rejects with a `TimeoutError`.
 */
export const timeout: Layer = {
  wrap(inner, { timeoutMs }) {
    async function call<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
      const controller = new AbortController();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = new TimeoutError(inner.name, `no answer within ${timeoutMs}ms; the request was aborted`);
          controller.abort(error);
          reject(error);
        }, timeoutMs);
      });
      try {
        return await Promise.race([run(controller.signal), expired]);
      } finally {
        if (timer !== undefined) clearTimeout(timer);
      }
    }
    return {
      ...inner,
      apply: (request) => call((signal) => inner.apply({ ...request, signal })),
      reset: (key, _, scope) => call((signal) => inner.reset(key, signal, scope)),
      // The limiter releases only with concurrency rules, which it accepts only on a store that can release.
      release: (request) => call((signal) => inner.release!({ ...request, signal })),
      ping: () => call((signal) => inner.ping(signal)),
    };
  },
};
