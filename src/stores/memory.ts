import { evaluateRules } from "../algorithms/apply.ts";
import type { Evaluation } from "../algorithms/evaluation.ts";
import { ConfigError } from "../errors.ts";
import { ALGORITHMS } from "../rules/algorithm-list.ts";
import type { Rule } from "../rules/types.ts";
import type { LocalFace, LocalStore, ReleaseRequest, StoreRequest } from "../store.ts";

export interface MemoryStoreOptions {
  /**
   * Most keys kept per limiter prefix (default 100 000). Past it, the least recently used half is dropped,
   * which forgets their usage: size it above the number of keys active within your longest window.
   */
  maxKeys?: number;
}

/**
 * An in-process store: exact and fast within one isolate or process, shared with nothing else.
 * Expired state is dropped when next touched; no timers run.
 */
export function memoryStore(options: MemoryStoreOptions = {}): LocalStore {
  const maxKeys = options.maxKeys ?? 100_000;
  if (!Number.isInteger(maxKeys) || maxKeys < 1) {
    throw new ConfigError([`memoryStore: maxKeys must be a whole number ≥ 1, got ${String(maxKeys)}`]);
  }
  // One space per prefix, so the caller's key string is used as it is (hashing a freshly joined
  // `prefix:key` string would cost more than the whole decision), and (prefix, key) pairs stay apart as the
  // remote stores' escaped names keep them (storage-key.ts).
  const spaces = new Map<string, Space>();
  const local: LocalFace = {
    apply(prefix, key, request) {
      let space = spaces.get(prefix);
      if (!space) {
        space = newSpace(maxKeys);
        spaces.set(prefix, space);
      }
      const { rules, now } = request;
      const stored = space.get(key, now);
      // With `tenants`, the request brings the code that applies the quotas stored with the key (src/quotas.ts).
      if (request.quotas) return request.quotas.local(request, stored, space, key);
      const evaluations: Evaluation[] = new Array(rules.length);
      const unconsumed = evaluateRules(request, stored, evaluations);
      if (unconsumed) return { outcomes: unconsumed, now };
      // `applyRules` would build a new state per decision; a key this limiter wrote is overwritten in place
      // instead, so a decision leaves no object behind for the garbage collector to copy.
      // A new entry is built with every field it will hold: a field added later would take V8 a second allocation
      // per key (the heap-per-key bench row: 256 rather than 224 B).
      const entry: Entry = stored?.by === rules ? stored : { rules: {}, expiresAt: now, by: rules };
      entry.expiresAt = now;
      for (let i = 0; i < rules.length; i++) {
        const { state, expiresAt } = evaluations[i]!;
        const old = entry.rules[rules[i]!.name];
        if (old?.length === state.length) for (let j = 0; j < state.length; j++) old[j] = state[j]!;
        else entry.rules[rules[i]!.name] = state as number[];
        entry.expiresAt = Math.max(entry.expiresAt, expiresAt);
      }
      if (entry !== stored) space.set(key, entry);
      // An evaluation carries every field of an outcome.
      return { outcomes: evaluations, now };
    },
    reset(prefix, key) {
      spaces.get(prefix)?.delete(key);
    },
    release(prefix, key, request) {
      const space = spaces.get(prefix);
      // The request brings `applyRelease` (the limiter's lease codec has it): a bundle without concurrency rules
      // carries none of it.
      const next = space && request.applyRelease!(request, space.get(key, request.now));
      if (next) space.set(key, next as Entry);
    },
  };
  return Object.freeze({
    name: "memory",
    algorithms: ALGORITHMS,
    // A settlement's evaluators adjust and allow (asApply): `apply` settles it as it decides any request.
    features: ["shadow", "blockFor", "setLimits", "settle"] as const,
    local,
    apply: async (request: StoreRequest) => local.apply("", request.key, request),
    reset: async (key: string) => local.reset("", key),
    release: async (request: ReleaseRequest) => local.release("", request.key, request),
    ping: async () => {},
  });
}

/**
 * A key's state as this store keeps it: its rule states are its own, to overwrite in place; `by` is the rules
 * array of the limiter that wrote it (a key written under other rules, or by a release, is replaced whole).
 */
interface Entry {
  readonly rules: Record<string, number[]>;
  expiresAt: number;
  readonly by?: readonly Rule[];
}

/**
 * A bounded map in two generations instead of a reordered list: a key used now lives in `recent`; when
 * `recent` holds half the budget it becomes `older`, and the previous `older` (keys untouched for a whole
 * generation) is dropped. Each decision costs a get and a set, with no reordering. A closure rather than a class:
 * its variables minify, fields would not (the Worker bundle carries it).
 */
function newSpace(maxKeys: number) {
  let recent = new Map<string, Entry>();
  let older = new Map<string, Entry>();
  const generation = Math.max(1, Math.ceil(maxKeys / 2));
  const set = (key: string, state: Entry): void => {
    if (recent.size >= generation && !recent.has(key)) {
      older = recent;
      recent = new Map();
    }
    recent.set(key, state);
  };
  return {
    get(key: string, now: number): Entry | undefined {
      const found = recent.get(key);
      if (found !== undefined) return found;
      const old = older.get(key);
      if (old === undefined) return undefined;
      older.delete(key);
      if (old.expiresAt <= now) return undefined;
      set(key, old);
      return old;
    },
    set,
    delete(key: string): void {
      recent.delete(key);
      older.delete(key);
    },
  };
}

type Space = ReturnType<typeof newSpace>;
