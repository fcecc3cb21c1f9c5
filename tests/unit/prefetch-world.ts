import { expect } from "vitest";
import {
  createRateLimiter,
  type Decision,
  prefetchQuota,
  type RateLimiter,
  type RateLimiterOptions,
  type RuleInput,
} from "../../src/index.ts";
import { storagePrefix } from "../../src/storage-key.ts";
import type { RemoteStore } from "../../src/store-entry.ts";
import { memoryStore } from "../../src/stores/memory.ts";
import { remoteMemory } from "../fuzz/trace.ts";

export const START = Date.UTC(2030, 0, 1); // a window boundary of every duration the tests use

/**
 * Isolates with prefetching over one shared remote-looking store (the memory store's algorithms behind an I/O face),
 * and the exact limiter (memory store, no prefetch) that every admitted request is replayed against, at the time it
 * was admitted, in the order it was admitted. `check` holds the oracle:
 * (a) the exact limiter allows every admitted request; (b) the store has been charged at least what was admitted,
 * per key; (c) a decision served from prefetched units says no more `remaining` than the exact limiter (overall and
 * per rule), retryAfterMs 0, reason "allowed", not degraded.
 */
export function world(rules: RuleInput[], isolates: number, extra: Partial<RateLimiterOptions> = {}) {
  let now = START;
  const base = remoteMemory();
  const charged = new Map<string, number>();
  const admitted = new Map<string, number>();
  let calls = 0;
  let failing = false;
  const store: RemoteStore = {
    ...base,
    name: "shared",
    async apply(request) {
      calls++;
      if (failing) throw new Error("the shared store is down");
      const response = await base.apply(request);
      if (request.consume && response.outcomes.every((o) => o.allowed)) {
        charged.set(request.key, (charged.get(request.key) ?? 0) + request.cost);
      }
      return response;
    },
  };
  let local = 0;
  let decisions = 0;
  const served = new WeakSet<Decision>();
  const make = (): RateLimiter =>
    createRateLimiter({
      store,
      rules,
      prefix: "",
      clock: () => now,
      prefetch: prefetchQuota(),
      onDecision: (event) => {
        decisions++;
        if (event.storeRequests === 0 && event.decision.reason === "allowed") {
          local++;
          served.add(event.decision);
        }
      },
      ...extra,
    });
  const limiters = [...Array(isolates)].map(make);
  const exact = createRateLimiter({ store: memoryStore(), rules, prefix: "", clock: () => now });

  /** One `limit` from isolate `i`, checked against the oracle; returns the decision. */
  async function limit(i: number, key: string, cost = 1): Promise<Decision> {
    const d = await limiters[i]!.limit(key, { cost });
    const servedLocally = served.has(d);
    if (!d.allowed || d.degraded || cost === 0) {
      expect(servedLocally).toBe(false);
      return d;
    }
    const truth = await exact.limit(key, { cost });
    expect(truth.allowed, `admitted ${cost} on ${key} at +${now - START} ms, which the exact limiter refuses`).toBe(
      true,
    );
    const named = storagePrefix("") + key;
    admitted.set(named, (admitted.get(named) ?? 0) + cost);
    expect(charged.get(named) ?? 0).toBeGreaterThanOrEqual(admitted.get(named)!);
    if (servedLocally) {
      expect(d).toMatchObject({ reason: "allowed", degraded: false, retryAfterMs: 0, now });
      expect(d.remaining).toBeLessThanOrEqual(truth.remaining);
      d.rules.forEach((r, j) => {
        expect(r.remaining).toBeLessThanOrEqual(truth.rules[j]!.remaining);
        expect(r.retryAfterMs).toBe(0);
        expect(r.allowed).toBe(true);
      });
    }
    return d;
  }

  return {
    limiters,
    limit,
    advance: (ms: number) => (now += ms),
    at: (ms: number) => (now = START + ms),
    now: () => now,
    fail: (down: boolean) => (failing = down),
    counts: () => ({ calls, decisions, local, admitted: [...admitted.values()].reduce((a, b) => a + b, 0) }),
  };
}
