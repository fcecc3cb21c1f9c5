import { type RemoteStore, type Store, standardLayers } from "../store-entry.ts";

/**
 * What a faulty store does with a call while the fault is on:
 * - `latency`: answers after `ms` milliseconds (real time), as a slow or distant backend does;
 * - `error`: rejects with `error` (default: an `Error("connection reset")`), as a dropped connection does;
 * - `timeout`: does not answer until the call's AbortSignal aborts (the limiter's `timeout` budget), then rejects
 *   with the signal's reason, as an aborted `fetch` does; a call without a signal never settles;
 * - `hang`: never settles and ignores the signal, as a request lost in a runtime that cannot cancel it (an RPC).
 */
export type StoreFault =
  | { readonly kind: "latency"; readonly ms: number }
  | { readonly kind: "error"; readonly error?: unknown }
  | { readonly kind: "timeout" }
  | { readonly kind: "hang" };

/** Which calls a fault applies to (default: all four). */
export type StoreCall = "apply" | "reset" | "release" | "ping";

export interface InjectOptions {
  /** Calls this fault applies to (default every kind of call). */
  readonly calls?: readonly StoreCall[];
  /** How many calls it hits before the store heals by itself (default: until `heal()`). */
  readonly times?: number;
}

/** A store wrapped by `faultyStore`: the store itself, plus the switch and what reached it. */
export interface FaultyStore extends RemoteStore {
  /** Turns a fault on (replacing any other). */
  inject(fault: StoreFault, options?: InjectOptions): void;
  /** Turns the fault off: calls reach the wrapped store again. */
  heal(): void;
  /** Calls made to this store, by kind, faulty or not. */
  readonly calls: Readonly<Record<StoreCall, number>>;
  /** Calls a fault hit, by kind. */
  readonly faulted: Readonly<Record<StoreCall, number>>;
}

const counts = (): Record<StoreCall, number> => ({ apply: 0, reset: 0, release: 0, ping: 0 });

/**
 * Wraps a store so that a test can make it slow, failing, timing out or unresponsive on demand, then heal it,
 * and see how the limiter answers (`onStoreError`, `timeout`, breaker, fallback). The wrapper behaves as a remote
 * store: decisions always go through `apply` (never a memory store's synchronous path), under the limiter's
 * timeout. Nothing is faulty until `inject`.
 */
export function faultyStore(inner: Store): FaultyStore {
  let active: { fault: StoreFault; calls: readonly StoreCall[]; left: number } | undefined;
  const calls = counts();
  const faulted = counts();

  function through<T>(call: StoreCall, signal: AbortSignal | undefined, forward: () => Promise<T>): Promise<T> {
    calls[call]++;
    if (!active?.calls.includes(call)) return forward();
    const { fault } = active!;
    faulted[call]++;
    if (--active.left <= 0) active = undefined;
    switch (fault.kind) {
      case "latency":
        return new Promise((resolve) => setTimeout(resolve, fault.ms)).then(forward);
      case "error":
        return Promise.reject(fault.error ?? new Error("connection reset"));
      case "hang":
        return new Promise<never>(() => {});
      case "timeout":
        return new Promise<never>((_, reject) => {
          if (signal?.aborted) reject(signal.reason);
          signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
        });
    }
  }

  const store: FaultyStore = {
    name: inner.name,
    algorithms: inner.algorithms,
    features: inner.features,
    layers: standardLayers,
    apply: (request) => through("apply", request.signal, () => inner.apply(request)),
    reset: (key, signal, scope) => through("reset", signal, () => inner.reset(key, signal, scope)),
    ping: (signal) => through("ping", signal, () => inner.ping(signal)),
    inject(fault, options = {}) {
      const times = options.times ?? Number.POSITIVE_INFINITY;
      if (!(times >= 1)) throw new RangeError(`[edgelimit] [testing] inject: times must be >= 1, got ${times}`);
      active = { fault, calls: options.calls ?? ["apply", "reset", "release", "ping"], left: times };
    },
    heal() {
      active = undefined;
    },
    calls,
    faulted,
  };
  const release = inner.release?.bind(inner);
  if (release) store.release = (request) => through("release", request.signal, () => release(request));
  return store;
}
