import { applyRules, type KeyState } from "../algorithms/apply.ts";
import { ConfigError } from "../errors.ts";
import type { Store, StoreRequest, StoreResponse } from "../store.ts";

export interface MemoryStoreOptions {
  /**
   * Most keys kept at once (default 100 000). Past it, the least recently used half is dropped, which
   * forgets their usage: size it above the number of keys active within your longest window.
   */
  maxKeys?: number;
}

/**
 * An in-process store: exact and fast within one isolate or process, shared with nothing else.
 * Expired state is dropped when next touched; no timers run.
 */
export function memoryStore(options: MemoryStoreOptions = {}): Store {
  const maxKeys = options.maxKeys ?? 100_000;
  if (!Number.isInteger(maxKeys) || maxKeys < 1) {
    throw new ConfigError([`memoryStore: maxKeys must be a whole number ≥ 1, got ${String(maxKeys)}`]);
  }
  // Two generations instead of a reordered list: a key used now lives in `recent`; when `recent` holds half
  // the budget it becomes `older` and the previous `older` (keys untouched for a whole generation) is dropped.
  // Each decision costs a get and a set, with no reordering.
  const generation = Math.max(1, Math.ceil(maxKeys / 2));
  let recent = new Map<string, KeyState>();
  let older = new Map<string, KeyState>();

  const remember = (key: string, state: KeyState) => {
    if (!recent.has(key) && recent.size >= generation) {
      older = recent;
      recent = new Map();
    }
    recent.set(key, state);
  };

  const applySync = ({ key, rules, cost, now, consume }: StoreRequest): StoreResponse => {
    let stored = recent.get(key);
    if (stored === undefined) {
      stored = older.get(key);
      if (stored !== undefined) {
        older.delete(key);
        if (stored.expiresAt > now) remember(key, stored);
      }
    }
    const { outcomes, write } = applyRules(rules, stored, cost, now, consume);
    if (write) remember(key, write);
    return { outcomes, now };
  };

  return Object.freeze({
    name: "memory",
    algorithms: Object.freeze(["fixedWindow", "slidingWindow", "tokenBucket", "gcra"] as const),
    applySync,
    apply: async (request: StoreRequest) => applySync(request),
    reset: async (key: string) => {
      recent.delete(key);
      older.delete(key);
    },
    ping: async () => {},
  });
}
