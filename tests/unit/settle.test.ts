import { describe, expect, it } from "vitest";
import {
  ConfigError,
  concurrency,
  createRateLimiter,
  fixedWindow,
  prefetchQuota,
  type RateLimiterOptions,
  StoreError,
  settleCosts,
} from "../../src/index.ts";
import { memoryStore } from "../../src/stores/memory.ts";
import { faultyStore } from "../../src/testing/faults.ts";
import { referenceStore } from "../../src/testing/reference-store.ts";
import { remoteMemory } from "../fuzz/trace.ts";

const NOW = 1_700_000_000_000; // 20 s into a minute
const rules = [fixedWindow({ limit: 5, window: "1m", name: "api" })];
const limiterWith = (extra: Partial<RateLimiterOptions> = {}) =>
  createRateLimiter({ store: memoryStore(), rules, clock: () => NOW, settle: settleCosts(), ...extra });

describe("settle: the option and its validation", () => {
  it("without settleCosts() a decision has no settle; with it, limit and acquire decisions do and peek's do not", async () => {
    const plain = createRateLimiter({ store: memoryStore(), rules, clock: () => NOW });
    expect("settle" in (await plain.limit("k"))).toBe(false);
    const limiter = limiterWith();
    expect(typeof (await limiter.limit("k")).settle).toBe("function");
    expect(typeof (await limiter.acquire("k")).settle).toBe("function");
    expect("settle" in (await limiter.peek("k"))).toBe(false);
    // A cost above every capacity consumed nothing: nothing to settle.
    expect("settle" in (await limiter.limit("k", { cost: 6 }))).toBe(false);
  });

  it("rejects a settle that is not settleCosts(), and a remote store whose features do not list settle", () => {
    expect(() => limiterWith({ settle: true as never })).toThrow(/settle: expected a function, got true/);
    const remote = remoteMemory();
    const unable = { ...remote, features: remote.features!.filter((feature) => feature !== "settle") };
    expect(() => limiterWith({ store: unable })).toThrow(ConfigError);
    expect(() => limiterWith({ store: unable })).toThrow(
      /settle: the memory-remote store cannot settle costs \(its features do not list "settle"\)/,
    );
  });

  it("rejects an actual cost that is not a whole number ≥ 0 with a ConfigError, before anything else", async () => {
    const limiter = limiterWith();
    const d = await limiter.limit("k", { cost: 3 });
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "2" as never, undefined as never]) {
      await expect(d.settle!(bad)).rejects.toThrow(ConfigError);
    }
    await expect(d.settle!(-1)).rejects.toThrow("settle: actualCost must be a whole number ≥ 0, got -1");
    await d.settle!(1); // still unsettled after the bad calls
    expect((await limiter.peek("k")).remaining).toBe(4);
  });

  it("settles once: a later call, even with another cost, does nothing", async () => {
    const limiter = limiterWith();
    const d = await limiter.limit("k", { cost: 4 });
    await Promise.all([d.settle!(1), d.settle!(0), d.settle!(4)]);
    expect((await limiter.peek("k")).remaining).toBe(4);
  });

  it("leaves concurrency leases alone and adjusts the other rules", async () => {
    const limiter = createRateLimiter({
      store: memoryStore(),
      rules: [concurrency({ limit: 2, lease: "1m", name: "c" }), fixedWindow({ limit: 9, window: "1m", name: "f" })],
      clock: () => NOW,
      settle: settleCosts(),
    });
    const d = await limiter.limit("k", { cost: 2 });
    await d.settle!(0);
    expect((await limiter.peek("k")).rules.map((r) => r.remaining)).toEqual([0, 9]);
  });
});

describe("settle through the layers of a remote store", () => {
  it("the deny cache forgets the key after a settlement, so a refund is seen at once", async () => {
    const limiter = createRateLimiter({ store: referenceStore(), rules, clock: () => NOW, settle: settleCosts() });
    const big = await limiter.limit("k", { cost: 5 });
    expect((await limiter.limit("k")).allowed).toBe(false);
    expect((await limiter.limit("k")).reason).toBe("cached");
    await big.settle!(2);
    const after = await limiter.limit("k");
    expect([after.allowed, after.reason, after.remaining]).toEqual([true, "allowed", 2]);
  });

  it("a store failure rejects the settlement with a StoreError and reaches onError; a degraded decision settles nothing", async () => {
    const store = faultyStore(referenceStore());
    const errors: StoreError[] = [];
    const limiter = createRateLimiter({
      store,
      rules,
      clock: () => NOW,
      settle: settleCosts(),
      onError: (error) => errors.push(error),
    });
    const d = await limiter.limit("k", { cost: 3 });
    store.inject({ kind: "error" }, { calls: ["apply"] });
    await expect(d.settle!(0)).rejects.toThrow(StoreError);
    await expect(d.settle!(0)).resolves.toBeUndefined(); // once: not retried
    expect(errors.length).toBe(1);
    const degraded = await limiter.limit("k");
    expect(degraded.degraded).toBe(true);
    const calls = store.calls.apply;
    await degraded.settle!(0);
    expect(store.calls.apply).toBe(calls);
    store.heal();
    expect((await limiter.peek("k")).remaining).toBe(2);
  });

  it("under onStoreError: 'throw' the store's own StoreError rejects the settlement", async () => {
    const store = faultyStore(referenceStore());
    const limiter = createRateLimiter({ store, rules, clock: () => NOW, settle: settleCosts(), onStoreError: "throw" });
    const d = await limiter.limit("k", { cost: 3 });
    store.inject({ kind: "error", error: new Error("connection reset") }, { calls: ["apply"] });
    await expect(d.settle!(0)).rejects.toThrow(/connection reset/);
  });

  it("prefetching: a charge drops the units held for the key, so the next request is the store's (denied)", async () => {
    let now = NOW;
    const limiter = createRateLimiter({
      store: referenceStore(),
      rules: [fixedWindow({ limit: 100, window: "1m", name: "api" })],
      clock: () => now,
      prefetch: prefetchQuota(),
      settle: settleCosts(),
    });
    let last = await limiter.limit("k");
    for (let i = 0; i < 40 && (limiter.metrics().prefetched ?? 0) === 0; i++) {
      now += 10;
      last = await limiter.limit("k");
    }
    expect(limiter.metrics().prefetched).toBeGreaterThan(0);
    await last.settle!(100);
    const next = await limiter.limit("k");
    expect([next.allowed, next.reason]).toEqual([false, "limited"]);
  });
});
