import { describe, expect, it } from "vitest";
import { createRateLimiter, type DecisionEvent, fallbackTo, fixedWindow, type StoreError } from "../../src/index.ts";
import { memoryStore } from "../../src/stores/memory.ts";
import { flakyStore } from "../support/flaky-store.ts";

describe("fallback store and the hooks", () => {
  it("reports each decision once: the degraded one, not also the fallback's own", async () => {
    const events: DecisionEvent[] = [];
    const errors: StoreError[] = [];
    const store = flakyStore();
    store.mode = "fail";
    const limiter = createRateLimiter({
      store,
      rules: [fixedWindow({ limit: 20, window: "1m" })],
      clock: () => 0,
      onStoreError: fallbackTo(memoryStore()),
      circuitBreaker: { failureThreshold: 1, cooldown: "1m" },
      onDecision: (event) => events.push(event),
      onError: (error) => errors.push(error),
    });
    await limiter.limit("k"); // the store fails: the fallback decides
    await limiter.limit("k"); // the circuit is open: the fallback decides, no store request
    expect(events.map((e) => [e.decision.reason, e.decision.degraded, e.storeRequests])).toEqual([
      ["store-error", true, 1],
      ["store-error", true, 0],
    ]);
    expect(errors).toHaveLength(1);
    expect(limiter.metrics()).toMatchObject({ allowed: 2, degraded: 2, errors: 1, circuitOpen: 1 });
  });
});
