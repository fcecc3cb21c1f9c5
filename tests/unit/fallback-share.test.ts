import { describe, expect, it } from "vitest";
import {
  ConfigError,
  concurrency,
  createRateLimiter,
  fallbackTo,
  fixedWindow,
  gcra,
  type RuleInput,
  slidingWindow,
  tokenBucket,
} from "../../src/index.ts";
import { memoryStore } from "../../src/stores/memory.ts";
import { flakyStore } from "../support/flaky-store.ts";

const T0 = 1_700_000_000_000;

/** One isolate: its own (failing) connection to the main store and its own fallback memory store. */
function isolate(rules: readonly RuleInput[], share?: number) {
  const store = flakyStore();
  store.mode = "fail";
  const fallback = memoryStore();
  return createRateLimiter({
    store,
    rules,
    clock: () => T0,
    onStoreError: share === undefined ? fallbackTo(fallback) : fallbackTo(fallback, { share }),
    circuitBreaker: false,
  });
}

async function admitted(limiter: ReturnType<typeof isolate>, attempts: number): Promise<number> {
  const decisions = await Promise.all(Array.from({ length: attempts }, () => limiter.limit("hot")));
  for (const decision of decisions) expect(decision).toMatchObject({ degraded: true, reason: "store-error" });
  return decisions.filter((d) => d.allowed).length;
}

describe("onStoreError: fallbackTo(store, { share })", () => {
  it("10 isolates, limit 20, share 0.1, the main store down: each admits exactly 2, 20 in total", async () => {
    const isolates = Array.from({ length: 10 }, () => isolate([fixedWindow({ limit: 20, window: "1m" })], 0.1));
    const perIsolate = await Promise.all(isolates.map((limiter) => admitted(limiter, 20)));
    expect(perIsolate).toEqual([2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    expect(perIsolate.reduce((a, b) => a + b)).toBe(20);
  });

  it("the default share is 0.1, for every algorithm: counts scale, names and windows stay", async () => {
    const cases: [RuleInput, admits: number, windowMs: number][] = [
      [fixedWindow({ limit: 20, window: "1m" }), 2, 60_000],
      [slidingWindow({ limit: 20, window: "1m" }), 2, 60_000],
      [tokenBucket({ capacity: 20, refillRate: 10 }), 2, 2000],
      [gcra({ limit: 20, period: "1m" }), 2, 60_000],
      [gcra({ limit: 100, period: "1m", burst: 30 }), 3, 60_000],
      [concurrency({ limit: 20 }), 2, 30_000],
    ];
    for (const [rule, admits, windowMs] of cases) {
      const limiter = isolate([rule]);
      expect(await admitted(limiter, 40), rule.algorithm).toBe(admits);
      const { rules } = await limiter.peek("hot");
      expect(rules.map((r) => [r.name, r.windowMs])).toEqual([[limiter.config.rules[0]!.name, windowMs]]);
    }
  });

  it("keeps the period of a scaled gcra rule: 10 per minute in the fallback, one every 6 s", async () => {
    let now = T0;
    const store = flakyStore();
    store.mode = "fail";
    const limiter = createRateLimiter({
      store,
      rules: [gcra({ limit: 100, period: "1m", burst: 1 })],
      clock: () => now,
      onStoreError: fallbackTo(memoryStore(), { share: 0.1 }),
      circuitBreaker: false,
    });
    expect((await limiter.limit("k")).allowed).toBe(true);
    const denied = await limiter.limit("k");
    expect(denied).toMatchObject({ allowed: false, limit: 10, retryAfterMs: 6000 });
    now += 6000;
    expect((await limiter.limit("k")).allowed).toBe(true);
  });

  it("rounds down to at least 1, without binary floating-point surprises", async () => {
    expect(await admitted(isolate([fixedWindow({ limit: 100, window: "1m" })], 0.29), 50)).toBe(29);
    expect(await admitted(isolate([fixedWindow({ limit: 20, window: "1m" })], 0.01), 5)).toBe(1);
    expect(await admitted(isolate([fixedWindow({ limit: 7, window: "1m" })], 0.5), 10)).toBe(3);
    expect(await admitted(isolate([fixedWindow({ limit: 20, window: "1m" })], 1), 30)).toBe(20);
  });

  it("rejects a share outside (0, 1] with a ConfigError that says what the share is", () => {
    for (const share of [0, -0.5, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "0.5", null]) {
      let error: unknown;
      try {
        createRateLimiter({
          store: flakyStore(),
          rules: [fixedWindow({ limit: 20, window: "1m" })],
          onStoreError: fallbackTo(memoryStore(), { share: share as number }),
        });
      } catch (caught) {
        error = caught;
      }
      expect(error, String(share)).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems, String(share)).toEqual([
        "onStoreError: fallbackTo(store, { share }): expected the part of each quota the fallback admits per isolate, above 0 and at most 1, " +
          `got ${typeof share === "string" ? `"${share}"` : String(share)}`,
      ]);
    }
  });

  it("refuses the shape of earlier versions, { fallback: store }, and names fallbackTo", () => {
    let error: unknown;
    try {
      createRateLimiter({
        store: flakyStore(),
        rules: [fixedWindow({ limit: 20, window: "1m" })],
        onStoreError: { fallback: memoryStore() } as never,
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toHaveLength(1);
    expect((error as ConfigError).problems[0]).toMatch(
      /^onStoreError: expected "allow", "deny", "throw" or fallbackTo\(store\), got /,
    );
  });

  it("a fallback store that fails too allows, degraded, as before fallbackTo existed", async () => {
    const store = flakyStore();
    store.mode = "fail";
    const fallback = flakyStore();
    fallback.mode = "fail";
    const limiter = createRateLimiter({
      store,
      rules: [fixedWindow({ limit: 20, window: "1m" })],
      onStoreError: fallbackTo(fallback),
      circuitBreaker: false,
      clock: () => T0,
    });
    const decision = await limiter.limit("k");
    expect(decision).toMatchObject({ allowed: true, degraded: true, reason: "store-error", remaining: 0 });
    expect(fallback.calls).toBe(1);
  });
});
