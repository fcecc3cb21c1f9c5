import { afterEach, describe, expect, it, vi } from "vitest";
import {
  ConfigError,
  createRateLimiter,
  fixedWindow,
  gcra,
  type RuleInput,
  StoreError,
  slidingWindow,
  tokenBucket,
} from "../../src/index.ts";
import { type AnyStore, type LocalStore, standardLayers } from "../../src/store-entry.ts";
import { memoryStore } from "../../src/stores/memory.ts";

const rules = [fixedWindow({ limit: 2, window: "1s" })];

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("configuration", () => {
  it("reports every problem at once", () => {
    const problems = problemsOf(() =>
      createRateLimiter({
        store: memoryStore(),
        rules: [
          fixedWindow({ limit: 0, window: "1x" as "1s" }),
          slidingWindow({ limit: 1.5, window: 0 }),
          tokenBucket({ capacity: Number.NaN, refillRate: Number.POSITIVE_INFINITY, interval: "0.5ms" }),
          gcra({ limit: 10, period: "1m", burst: 0 }),
          { algorithm: "leakyBucket", options: {} } as unknown as RuleInput,
        ],
        onStoreError: "maybe" as "allow",
        timeout: -5,
      }),
    );
    expect(problems).toEqual([
      "rules[0] (fixedWindow): limit must be a whole number from 1 to 1000000000, got 0",
      'rules[0] (fixedWindow): window: "1x" is not a duration; use milliseconds or a string like "500ms", "10s", "1m", "1h", "1d"',
      "rules[1] (slidingWindow): limit must be a whole number from 1 to 1000000000, got 1.5",
      "rules[1] (slidingWindow): window must be at least 1ms, got 0",
      "rules[2] (tokenBucket): capacity must be a whole number from 1 to 1000000000, got NaN",
      "rules[2] (tokenBucket): refillRate must be a whole number from 1 to 1000000000, got Infinity",
      'rules[2] (tokenBucket): interval: "0.5ms" is not a whole number of milliseconds',
      "rules[3] (gcra): burst must be a whole number from 1 to 1000000000, got 0",
      'rules[4]: unknown algorithm "leakyBucket"; use one of fixedWindow, slidingWindow, tokenBucket, gcra, concurrency',
      'onStoreError: expected "allow", "deny", "throw" or fallbackTo(store), got "maybe"',
      "timeout: must be at least 1ms",
    ]);
  });

  it("rejects missing rules, duplicate names, unknown options and unsupported algorithms", () => {
    expect(problemsOf(() => createRateLimiter({ store: memoryStore(), rules: [] }))).toHaveLength(1);
    const problems = problemsOf(() =>
      createRateLimiter({
        store: memoryStore(),
        rules: [
          fixedWindow({ limit: 1, window: 1000, name: "x" }),
          gcra({ limit: 1, period: 1000, name: "x" }),
          gcra({ limit: 1, period: 1000, perod: 5 } as never),
        ],
      }),
    );
    expect(problems).toEqual([
      'rules[1]: the name "x" is used twice; give each rule its own name',
      'rules[2] (gcra): unknown option "perod"',
    ]);
    const local: LocalStore = { ...memoryStore(), algorithms: ["gcra"] };
    expect(problemsOf(() => createRateLimiter({ store: local, rules }))).toEqual([
      "rules[0]: the memory store does not support fixedWindow yet",
    ]);
  });

  it("exposes the validated rules, frozen, with derived names", () => {
    const limiter = createRateLimiter({ store: memoryStore(), rules: [...rules, gcra({ limit: 100, period: "1m" })] });
    expect(limiter.config).toEqual({
      store: "memory",
      prefix: "edgelimit",
      onStoreError: "allow",
      fallbackStore: undefined,
      timeoutMs: 1000,
      circuitBreaker: undefined, // a store without I/O cannot fail: no breaker, no deny cache
      denyCacheKeys: 0,
      rules: [
        { algorithm: "fixedWindow", name: "fixed-2-per-1s", limit: 2, windowMs: 1000 },
        { algorithm: "gcra", name: "gcra-100-per-1m-burst-100", limit: 100, periodMs: 60_000, burst: 100 },
      ],
    });
    expect(Object.isFrozen(limiter.config) && Object.isFrozen(limiter.config.rules[0])).toBe(true);
  });

  it("rejects bad keys and costs at call time", async () => {
    const limiter = createRateLimiter({ store: memoryStore(), rules });
    for (const key of ["", 42, undefined]) {
      await expect(limiter.limit(key as string)).rejects.toThrow(/key must be a non-empty string/);
    }
    for (const cost of [-1, 1.5, Number.NaN, "2"]) {
      await expect(limiter.limit("k", { cost: cost as number })).rejects.toThrow(/cost must be a whole number/);
    }
  });
});

describe("failure policy", () => {
  const failing = (error: unknown): AnyStore => ({
    ...memoryStore(),
    name: "flaky",
    local: undefined,
    layers: standardLayers,
    apply: () => Promise.reject(error),
  });
  const hanging: AnyStore = {
    ...memoryStore(),
    name: "slow",
    local: undefined,
    layers: standardLayers,
    apply: () => new Promise(() => {}),
  };
  afterEach(() => vi.useRealTimers());

  it("allows, denies or throws as configured, and says the decision is degraded", async () => {
    const seen: unknown[] = [];
    const allow = createRateLimiter({ store: failing(new Error("boom")), rules, onError: (e) => seen.push(e) });
    expect(await allow.limit("k")).toMatchObject({ allowed: true, degraded: true, reason: "store-error" });
    expect(seen[0]).toBeInstanceOf(StoreError);
    expect(String(seen[0])).toContain("[edgelimit] [flaky] request failed: Error: boom");
    const deny = createRateLimiter({ store: failing(new Error("boom")), rules, onStoreError: "deny" });
    expect(await deny.limit("k")).toMatchObject({ allowed: false, degraded: true, retryAfterMs: 1000 });
    const strict = createRateLimiter({ store: failing(new Error("boom")), rules, onStoreError: "throw" });
    await expect(strict.limit("k")).rejects.toMatchObject({ name: "StoreError", store: "flaky" });
    expect(allow.metrics()).toMatchObject({ errors: 1, degraded: 1, allowed: 1 });
  });

  it("aborts a store call that outlives the timeout", async () => {
    vi.useFakeTimers();
    let signal: AbortSignal | undefined;
    const store: AnyStore = {
      ...hanging,
      apply: (request) => {
        signal = request.signal;
        return new Promise(() => {});
      },
    };
    const limiter = createRateLimiter({ store, rules, timeout: "50ms", onStoreError: "deny" });
    const pending = limiter.limit("k");
    await vi.advanceTimersByTimeAsync(49);
    expect(signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await pending).toMatchObject({ allowed: false, reason: "timeout", degraded: true });
    expect(signal?.aborted).toBe(true);
    expect(limiter.metrics()).toMatchObject({ timeouts: 1, errors: 0 });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("limit, peek and acquire", () => {
  afterEach(() => vi.useRealTimers());

  it("keeps prefixes apart in one store", async () => {
    const store = memoryStore();
    const a = createRateLimiter({ store, rules, prefix: "a", clock: () => 0 });
    const b = createRateLimiter({ store, rules, prefix: "b", clock: () => 0 });
    await a.limit("k", { cost: 2 });
    expect((await b.peek("k")).remaining).toBe(2);
    expect((await a.peek("k")).remaining).toBe(0);
  });

  it("acquire waits exactly retryAfterMs, then consumes", async () => {
    vi.useFakeTimers({ now: 10_500 });
    const limiter = createRateLimiter({ store: memoryStore(), rules, clock: () => Date.now() });
    await limiter.limit("k", { cost: 2 });
    let done = false;
    const pending = limiter.acquire("k").then((d) => {
      done = true;
      return d;
    });
    await vi.advanceTimersByTimeAsync(499);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await pending).toMatchObject({ allowed: true, remaining: 1 });
  });

  it("acquire gives up with the denial when the wait would pass its timeout, and stops on abort", async () => {
    vi.useFakeTimers({ now: 10_000 });
    const limiter = createRateLimiter({ store: memoryStore(), rules, clock: () => Date.now() });
    await limiter.limit("k", { cost: 2 });
    expect(await limiter.acquire("k", { timeout: 999 })).toMatchObject({ allowed: false, retryAfterMs: 1000 });
    const controller = new AbortController();
    const pending = limiter.acquire("k", { signal: controller.signal });
    controller.abort(new Error("client went away"));
    await expect(pending).rejects.toThrow("client went away");
    expect(await limiter.acquire("k", { cost: 3 })).toMatchObject({ reason: "exceeds-capacity" });
  });

  it("counts decisions in metrics and reports health", async () => {
    const limiter = createRateLimiter({ store: memoryStore(), rules, clock: () => 0 });
    for (let i = 0; i < 3; i++) await limiter.limit("k");
    expect(limiter.metrics()).toMatchObject({ allowed: 2, denied: 1, storeCalls: 3, errors: 0 });
    expect(await limiter.health()).toMatchObject({ ok: true, store: "memory" });
  });
});
