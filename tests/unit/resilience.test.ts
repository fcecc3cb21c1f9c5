import { afterEach, describe, expect, it, vi } from "vitest";
import { createRateLimiter, type DecisionEvent, fallbackTo, fixedWindow, gcra } from "../../src/index.ts";
import { memoryStore } from "../../src/stores/memory.ts";
import { flakyStore } from "../support/flaky-store.ts";

afterEach(() => vi.useRealTimers());

describe("circuit breaker", () => {
  it("opens after the threshold, answers without calling the store, then lets one probe through", async () => {
    let now = 0;
    const store = flakyStore();
    const limiter = createRateLimiter({
      store,
      rules: [fixedWindow({ limit: 5, window: "1m" })],
      clock: () => now,
      circuitBreaker: { failureThreshold: 3, cooldown: "5s" },
      onStoreError: "deny",
    });
    store.mode = "fail";
    for (let i = 0; i < 3; i++) expect(await limiter.limit("k")).toMatchObject({ allowed: false, degraded: true });
    expect(limiter.metrics().circuit).toBe("open");
    expect(await limiter.limit("k")).toMatchObject({ allowed: false, reason: "store-error", degraded: true });
    expect(store.calls).toBe(3);
    store.mode = "ok";
    now = 4999;
    await limiter.limit("k");
    expect(store.calls).toBe(3);
    now = 5000;
    const [probe, meanwhile] = await Promise.all([limiter.limit("k"), limiter.limit("k")]);
    expect(store.calls).toBe(4);
    expect(probe).toMatchObject({ allowed: true, degraded: false, remaining: 4 });
    expect(meanwhile).toMatchObject({ degraded: true });
    expect(limiter.metrics()).toMatchObject({ circuit: "closed", errors: 3, circuitOpen: 3 });
    expect((await limiter.limit("k")).remaining).toBe(3);
  });

  it("reopens for another cooldown when the probe fails", async () => {
    let now = 0;
    const store = flakyStore();
    store.mode = "fail";
    const limiter = createRateLimiter({
      store,
      rules: [fixedWindow({ limit: 5, window: "1m" })],
      clock: () => now,
      circuitBreaker: { failureThreshold: 1, cooldown: 1000 },
    });
    await limiter.limit("k");
    now = 1000;
    await limiter.limit("k"); // the probe, failing
    now = 1999;
    await limiter.limit("k");
    expect(store.calls).toBe(2);
    expect(limiter.metrics().circuit).toBe("open");
  });
});

describe("deny cache", () => {
  const setup = () => {
    let now = 10_000;
    const store = flakyStore();
    const limiter = createRateLimiter({
      store,
      rules: [fixedWindow({ limit: 3, window: "1s" })],
      clock: () => now,
    });
    return { store, limiter, at: (t: number) => (now = t) };
  };

  it("answers repeated denials without a round trip until the store could allow, never longer", async () => {
    const { store, limiter, at } = setup();
    await limiter.limit("k", { cost: 3 });
    expect(await limiter.limit("k")).toMatchObject({ allowed: false, reason: "limited", retryAfterMs: 1000 });
    at(10_400);
    expect(await limiter.limit("k", { cost: 2 })).toMatchObject({
      allowed: false,
      reason: "cached",
      retryAfterMs: 600,
    });
    expect(store.calls).toBe(2);
    at(10_999);
    expect((await limiter.peek("k")).reason).toBe("cached");
    at(11_000);
    expect(await limiter.limit("k")).toMatchObject({ allowed: true, reason: "allowed" });
    expect(store.calls).toBe(3);
    expect(limiter.metrics().cacheHits).toBe(2);
  });

  it("asks the store for a smaller cost than the one it denied, and forgets a key on reset", async () => {
    const { store, limiter } = setup();
    await limiter.limit("k", { cost: 2 });
    expect((await limiter.limit("k", { cost: 2 })).reason).toBe("limited");
    expect(await limiter.limit("k", { cost: 1 })).toMatchObject({ allowed: true });
    expect(store.calls).toBe(3);
    await limiter.reset("k");
    expect(await limiter.limit("k", { cost: 3 })).toMatchObject({ allowed: true });
  });

  it("is off for stores without I/O, and when asked", () => {
    expect(
      createRateLimiter({ store: memoryStore(), rules: [gcra({ limit: 1, period: 1 })] }).config.denyCacheKeys,
    ).toBe(0);
    expect(
      createRateLimiter({ store: flakyStore(), rules: [gcra({ limit: 1, period: 1 })], denyCache: false }).config
        .denyCacheKeys,
    ).toBe(0);
  });
});

describe("fallback store", () => {
  it("a rule whose algorithm the fallback store lacks is a ConfigError with the others (checked by fallbackTo's code)", () => {
    const windowsOnly = { ...memoryStore(), name: "windows", algorithms: ["fixedWindow" as const] };
    let problems: readonly string[] = [];
    try {
      createRateLimiter({
        store: flakyStore(),
        rules: [fixedWindow({ limit: 20, window: "1m" }), gcra({ limit: 5, period: "1s" }), "gcra" as never],
        onStoreError: fallbackTo(windowsOnly, { share: 2 }),
      });
    } catch (error) {
      problems = (error as { problems: readonly string[] }).problems;
    }
    expect(problems).toEqual([
      "rules[2]: expected a rule from fixedWindow(), slidingWindow(), tokenBucket(), gcra(), concurrency()",
      "onStoreError: fallbackTo(store, { share }): expected the part of each quota the fallback admits per isolate, above 0 and at most 1, got 2",
      "onStoreError: fallbackTo(store): the windows store does not support gcra",
    ]);
  });

  it("decides with the fallback while the store fails, marked degraded", async () => {
    const store = flakyStore();
    const limiter = createRateLimiter({
      store,
      rules: [fixedWindow({ limit: 20, window: "1m" })],
      clock: () => 0,
      onStoreError: fallbackTo(memoryStore()),
    });
    expect(limiter.config).toMatchObject({ onStoreError: "fallback", fallbackStore: "memory", fallbackShare: 0.1 });
    // The fallback admits its default share of the quota in this isolate: 0.1 × 20 = 2.
    store.mode = "fail";
    const decisions = [await limiter.limit("k"), await limiter.limit("k"), await limiter.limit("k")];
    expect(decisions.map((d) => [d.allowed, d.degraded, d.reason])).toEqual([
      [true, true, "store-error"],
      [true, true, "store-error"],
      [false, true, "store-error"],
    ]);
  });

  it("applies to timeouts too, within the budget", async () => {
    vi.useFakeTimers();
    const store = flakyStore();
    store.mode = "hang";
    const limiter = createRateLimiter({
      store,
      rules: [fixedWindow({ limit: 20, window: "1m" })],
      timeout: 100,
      onStoreError: fallbackTo(memoryStore()),
    });
    const pending = limiter.limit("k");
    await vi.advanceTimersByTimeAsync(100);
    expect(await pending).toMatchObject({ allowed: true, degraded: true, reason: "timeout", remaining: 1 });
  });
});

describe("onDecision", () => {
  it("reports every decision with a key hash, latency and store requests", async () => {
    const events: DecisionEvent[] = [];
    const store = flakyStore();
    const limiter = createRateLimiter({
      store,
      rules: [fixedWindow({ limit: 1, window: "1m" })],
      clock: () => 0,
      onDecision: (event) => events.push(event),
    });
    await limiter.limit("user:42");
    await limiter.limit("user:42");
    await limiter.limit("user:42");
    // FNV-1a of "user:42", computed independently in Python.
    expect(events.map((e) => [e.key, e.keyHash, e.decision.reason, e.storeRequests])).toEqual([
      ["user:42", "2f6b7b82", "allowed", 1],
      ["user:42", "2f6b7b82", "limited", 1],
      ["user:42", "2f6b7b82", "cached", 0],
    ]);
    expect(events[0]!.storeLatencyMs).toBeGreaterThanOrEqual(0);
  });
});
