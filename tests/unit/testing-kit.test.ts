import { describe, expect, it } from "vitest";
import { createRateLimiter, fixedWindow, StoreError } from "../../src/index.ts";
import { memoryStore } from "../../src/stores/memory.ts";
import { faultyStore, manualClock } from "../../src/testing/index.ts";

// edgelimit/testing, as a user's test would use it: a limiter on a manual clock, over a store made faulty on demand.
describe("edgelimit/testing", () => {
  it("manualClock: time moves only by advance() or set(); a window ends without waiting", async () => {
    const clock = manualClock(60_000 * 1000);
    const limiter = createRateLimiter({
      store: memoryStore(),
      rules: [fixedWindow({ limit: 1, window: "1m" })],
      clock,
    });
    expect((await limiter.limit("k")).allowed).toBe(true);
    expect(await limiter.limit("k")).toMatchObject({ allowed: false, retryAfterMs: 60_000 });
    expect(clock.advance(59_999)).toBe(60_000 * 1000 + 59_999);
    expect((await limiter.limit("k")).retryAfterMs).toBe(1);
    clock.advance(1);
    expect((await limiter.limit("k")).allowed).toBe(true);
    expect(clock.set(5)).toBe(5);
    expect(clock()).toBe(5);
    expect(() => clock.advance(-1)).toThrow("[edgelimit] [testing] advance(ms) needs ms >= 0, got -1");
  });

  it("faultyStore error: the limiter answers by onStoreError, and the store heals after `times` calls", async () => {
    const store = faultyStore(memoryStore());
    const errors: unknown[] = [];
    const rules = [fixedWindow({ limit: 5, window: "1m" })];
    const limiter = createRateLimiter({ store, rules, clock: manualClock(), onError: (e) => errors.push(e) });
    store.inject({ kind: "error", error: new Error("ECONNRESET") }, { times: 2 });
    expect(await limiter.limit("k")).toMatchObject({ allowed: true, degraded: true, reason: "store-error" });
    expect(await limiter.limit("k")).toMatchObject({ allowed: true, degraded: true, reason: "store-error" });
    expect(await limiter.limit("k")).toMatchObject({ allowed: true, degraded: false, remaining: 4 });
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBeInstanceOf(StoreError);
    expect((errors[0] as StoreError).cause).toEqual(new Error("ECONNRESET"));
    expect({ calls: store.calls.apply, faulted: store.faulted.apply }).toEqual({ calls: 3, faulted: 2 });
  });

  it("faultyStore timeout: the call settles when the limiter's budget aborts it; deny policy denies", async () => {
    const store = faultyStore(memoryStore());
    const rules = [fixedWindow({ limit: 5, window: "1m" })];
    const limiter = createRateLimiter({ store, rules, clock: manualClock(), timeout: 20, onStoreError: "deny" });
    store.inject({ kind: "timeout" }, { calls: ["apply"] });
    expect(await limiter.limit("k")).toMatchObject({ allowed: false, degraded: true, reason: "timeout" });
    store.heal();
    expect(await limiter.limit("k")).toMatchObject({ allowed: true, degraded: false, remaining: 4 });
    // The faulty call itself settles on the abort, with the signal's reason (as an aborted fetch does).
    store.inject({ kind: "timeout" });
    const aborter = new AbortController();
    const pending = store.reset("k", aborter.signal);
    aborter.abort(new Error("budget spent"));
    await expect(pending).rejects.toThrow("budget spent");
  });

  it("faultyStore hang and latency: a call that never settles is cut by the budget; a slow one is still counted", async () => {
    const store = faultyStore(memoryStore());
    const rules = [fixedWindow({ limit: 5, window: "1m" })];
    const limiter = createRateLimiter({ store, rules, clock: manualClock(), timeout: 20 });
    store.inject({ kind: "hang" });
    expect(await limiter.limit("k")).toMatchObject({ allowed: true, degraded: true, reason: "timeout" });
    store.inject({ kind: "latency", ms: 1 }, { times: 1 });
    expect(await limiter.limit("k")).toMatchObject({ allowed: true, degraded: false, remaining: 4 });
    expect(store.faulted.apply).toBe(2);
    expect(() => store.inject({ kind: "hang" }, { times: 0 })).toThrow("inject: times must be >= 1, got 0");
  });
});
