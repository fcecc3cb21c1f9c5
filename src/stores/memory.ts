import { applyRules, type KeyState } from "../algorithms/apply.ts";
import { ConfigError } from "../errors.ts";
import type { Store, StoreRequest, StoreResponse } from "../store.ts";

export interface MemoryStoreOptions {
  /**
   * Most keys kept at once (default 100 000). When full, the least recently used key is dropped,
   * which forgets its usage: size it above the number of keys active within your longest window.
   */
  maxKeys?: number;
}

/**
 * An in-process store: exact and fast within one isolate or process, shared by nothing else.
 * Expired state is dropped when next touched; no timers run.
 */
export function memoryStore(options: MemoryStoreOptions = {}): Store {
  const maxKeys = options.maxKeys ?? 100_000;
  if (!Number.isInteger(maxKeys) || maxKeys < 1) {
    throw new ConfigError([`memoryStore: maxKeys must be a whole number ≥ 1, got ${String(maxKeys)}`]);
  }
  // A Map iterates in insertion order; re-inserting on every write keeps the least recently used first.
  const keys = new Map<string, KeyState>();

  const apply = (request: StoreRequest): StoreResponse => {
    const { key, rules, cost, now, consume } = request;
    let stored = keys.get(key);
    if (stored && stored.expiresAt <= now) {
      keys.delete(key);
      stored = undefined;
    }
    const { outcomes, write } = applyRules(rules, stored, cost, now, consume);
    if (write) {
      keys.delete(key);
      if (write.expiresAt > now) {
        keys.set(key, write);
        if (keys.size > maxKeys) keys.delete(keys.keys().next().value as string);
      }
    }
    return { outcomes, now };
  };

  return Object.freeze({
    name: "memory",
    algorithms: Object.freeze(["fixedWindow", "slidingWindow", "tokenBucket", "gcra"] as const),
    local: true,
    apply: async (request: StoreRequest) => {
      request.signal?.throwIfAborted();
      return apply(request);
    },
    reset: (key: string) => {
      keys.delete(key);
      return Promise.resolve();
    },
    ping: () => Promise.resolve(),
  });
}
