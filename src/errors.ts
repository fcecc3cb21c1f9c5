/** Base class of every error edgelimit throws. */
export class RateLimitError extends Error {
  override name = "RateLimitError";
}

/**
 * A configuration or call argument is invalid. `problems` lists every problem found,
 * so one run of the code shows all of them at once.
 */
export class ConfigError extends RateLimitError {
  override name = "ConfigError";
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`[edgelimit] invalid configuration:\n- ${problems.join("\n- ")}`);
    this.problems = Object.freeze([...problems]);
  }
}

/** The store failed, timed out or answered something it should not have. `cause` holds the original error. */
export class StoreError extends RateLimitError {
  override name = "StoreError";
  readonly store: string;
  constructor(store: string, message: string, options?: { cause?: unknown }) {
    super(`[edgelimit] [${store}] ${message}`, options);
    this.store = store;
  }
}

/**
 * `cause` as a `StoreError` of `store`: itself when it is one already, else wrapped with `message` (default
 * `request failed: …`). Every store and layer wraps its failures through this one function.
 */
export function toStoreError(store: string, cause: unknown, message?: string): StoreError {
  if (cause instanceof StoreError) return cause;
  return new StoreError(store, message ?? `request failed: ${String(cause)}`, { cause });
}
