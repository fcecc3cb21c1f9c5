import { describe, expect, it } from "vitest";
import { rateLimitHeaders } from "../../src/http/headers.ts";
import { deniedBody } from "../../src/http/responses.ts";
import {
  ConfigError,
  createRateLimiter,
  fallbackTo,
  fixedWindow,
  gcra,
  prefetchQuota,
  type RuleInput,
  slidingWindow,
  tenantLimits,
  tokenBucket,
} from "../../src/index.ts";
import { type AnyStore, standardLayers } from "../../src/store-entry.ts";
import { memoryStore } from "../../src/stores/memory.ts";
import { remoteMemory } from "../fuzz/trace.ts";

async function problemsOf(run: () => Promise<unknown>): Promise<readonly string[]> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof ConfigError) return error.problems;
  throw new Error(`expected a ConfigError, got ${String(error)}`);
}

const tenants = tenantLimits();
/**
 * A remote store that does not keep stored quotas (as Upstash today): a tenants limiter's calls without `limits` are
 * ordinary there, so the deny cache and prefetching work as without tenants. On a store that keeps them, neither
 * serves a tenants limiter (tests/unit/stored-limits.test.ts).
 */
const perCallOnly = (): AnyStore => ({ ...remoteMemory(), features: ["shadow", "blockFor"] });
const local = (rules: RuleInput[]) =>
  createRateLimiter({ store: memoryStore(), rules, clock: () => 1_000_000, tenants });
const failing: AnyStore = {
  ...memoryStore(),
  name: "flaky",
  local: undefined,
  layers: standardLayers,
  apply: () => Promise.reject(new Error("boom")),
};

describe("limits: what a call may pass, each problem said exactly", () => {
  const limiter = local([
    fixedWindow({ limit: 100, window: "1m", name: "minute" }),
    tokenBucket({ capacity: 20, refillRate: 10, name: "bucket" }),
    slidingWindow({ limit: 10, window: "1d", name: "daily" }),
  ]);
  // Stores get the request only after these checks, so the same messages hold on every store.
  const remote = createRateLimiter({
    store: remoteMemory(),
    rules: [fixedWindow({ limit: 5, window: "1m" })],
    tenants,
  });

  it("unknown options of limit(), peek() and acquire() are rejected, naming the ones there are", async () => {
    const cots = { cots: 2 } as never;
    expect(await problemsOf(() => limiter.limit("k", cots))).toEqual(['options: unknown "cots"; use cost, limits']);
    expect(await problemsOf(() => limiter.peek("k", cots))).toEqual(['options: unknown "cots"; use cost, limits']);
    expect(await problemsOf(() => remote.limit("k", cots))).toEqual(['options: unknown "cots"; use cost, limits']);
    // acquire() takes timeout and signal itself; what it passes on is checked as limit()'s options are.
    expect(await problemsOf(() => limiter.acquire("k", { cost: 1, timout: 5 } as never))).toEqual([
      'options: unknown "timout"; use cost, limits',
    ]);
    expect((await limiter.acquire("k", { cost: 1, timeout: 5, signal: new AbortController().signal })).allowed).toBe(
      true,
    );
    expect(await problemsOf(() => limiter.limit("k", { limits: {}, extra: undefined } as never))).toEqual([
      'options: unknown "extra"; use cost, limits',
    ]);
  });

  it("unknown rule names, and limits that are not an object", async () => {
    expect(await problemsOf(() => limiter.limit("k", { limits: { minute: 5, mintue: 5 } }))).toEqual([
      'limits: unknown "mintue"; use minute, bucket, daily',
    ]);
    for (const [given, got] of [
      [null, "null"],
      [5, "5"],
      ["minute", '"minute"'],
    ] as const) {
      expect(await problemsOf(() => limiter.limit("k", { limits: given as never }))).toEqual([
        `limits: expected an object, got ${got}`,
      ]);
    }
  });

  it("quotas are checked as the rule's constructor checks its options, every problem at once", async () => {
    const bad = { minute: 0, bucket: 5, daily: 1_000_000_001 };
    expect(await problemsOf(() => limiter.limit("k", { limits: bad }))).toEqual([
      "limits.minute (fixedWindow): limit must be a whole number from 1 to 1000000000, got 0",
      "limits.bucket (tokenBucket): refillRate (10) must not exceed capacity (5)",
      "limits.daily (slidingWindow): limit must be a whole number from 1 to 1000000000, got 1000000001",
    ]);
    for (const [n, got] of [
      [1.5, "1.5"],
      [-1, "-1"],
      ["5", '"5"'],
      [Number.NaN, "NaN"],
    ] as const) {
      expect(await problemsOf(() => limiter.peek("k", { limits: { minute: n as number } }))).toEqual([
        `limits.minute (fixedWindow): limit must be a whole number from 1 to 1000000000, got ${got}`,
      ]);
    }
    expect(await problemsOf(() => limiter.limit("k", { limits: { daily: 1_000_000_000 } }))).toEqual([
      "limits.daily (slidingWindow): limit × window must stay below 2^53 so the weighted count is exact; lower one of them",
    ]);
    expect(await problemsOf(() => remote.limit("k", { limits: { "fixed-5-per-1m": 0 } }))).toEqual([
      "limits.fixed-5-per-1m (fixedWindow): limit must be a whole number from 1 to 1000000000, got 0",
    ]);
  });

  it("a rule keeps its name (and so its state) whatever quota a call gives it", async () => {
    const limiter = local([fixedWindow({ limit: 5, window: "1m" })]);
    const d = await limiter.limit("k", { limits: { "fixed-5-per-1m": 50 } });
    expect(d.rules.map((r) => [r.name, r.limit, r.remaining])).toEqual([["fixed-5-per-1m", 50, 49]]);
    expect((await limiter.limit("k", { limits: {} })).rules.map((r) => [r.limit, r.remaining])).toEqual([[5, 3]]);
  });
});

describe("without tenants: tenantLimits(), limits is an unknown option like any other", () => {
  const rules = [fixedWindow({ limit: 5, window: "1m", name: "r" })];
  const limiters = {
    memory: createRateLimiter({ store: memoryStore(), rules }),
    remote: createRateLimiter({ store: remoteMemory(), rules }),
  };
  for (const [name, limiter] of Object.entries(limiters)) {
    it(`${name}: limits and misspelt options reject, naming cost; cost, timeout and signal pass`, async () => {
      for (const call of [
        () => limiter.limit("k", { limits: { r: 50 } }),
        () => limiter.peek("k", { limits: { r: 50 } }),
        () => limiter.acquire("k", { limits: { r: 50 }, timeout: 10 }),
        () => limiter.limit("k", { limits: undefined } as never),
      ]) {
        expect(await problemsOf(call)).toEqual(['options: unknown "limits"; use cost']);
      }
      expect(await problemsOf(() => limiter.limit("k", { cots: 2 } as never))).toEqual([
        'options: unknown "cots"; use cost',
      ]);
      expect(await problemsOf(() => limiter.acquire("k", { timout: 2 } as never))).toEqual([
        'options: unknown "timout"; use cost',
      ]);
      expect((await limiter.limit("k", { cost: 2 })).remaining).toBe(3);
      expect((await limiter.peek("k", {})).remaining).toBe(3);
      expect((await limiter.limit("k")).remaining).toBe(2);
      const waited = await limiter.acquire("k", { cost: 1, timeout: 10, signal: new AbortController().signal });
      expect(waited.remaining).toBe(1);
    });
  }

  it("tenants must be tenantLimits(): anything else is a ConfigError at construction", () => {
    let problems: readonly string[] = [];
    try {
      createRateLimiter({ store: memoryStore(), rules, tenants: true as never });
    } catch (error) {
      if (error instanceof ConfigError) problems = error.problems;
    }
    expect(problems).toEqual(["tenants: expected a function, got true"]);
  });
});

describe("limits: dependent numbers", () => {
  it("a rule named after an Object.prototype member keeps its quota when a call does not name it", async () => {
    const limiter = local([fixedWindow({ limit: 2, window: "1m", name: "toString" })]);
    expect((await limiter.limit("k", { limits: {} })).limit).toBe(2);
    expect((await limiter.limit("k", { limits: { toString: 9 } as never })).limit).toBe(9);
  });

  it("gcra: a burst left at its default follows the call's limit; an explicit burst stays", async () => {
    const following = local([gcra({ limit: 3, period: "1s", name: "g" })]);
    const d = await following.limit("k", { cost: 10, limits: { g: 10 } });
    expect([d.allowed, d.limit, d.remaining, d.rules[0]!.windowMs]).toEqual([true, 10, 0, 1000]);
    const explicit = local([gcra({ limit: 3, period: "1s", burst: 2, name: "g" })]);
    const over = await explicit.limit("k", { cost: 3, limits: { g: 10 } });
    expect([over.reason, over.limit]).toEqual(["exceeds-capacity", 10]);
    expect((await explicit.limit("k", { cost: 2, limits: { g: 10 } })).allowed).toBe(true);
    // Two cells at 10 per second hold 200 ms of the schedule: the call's quota waits 100 ms for the next cell,
    // while the rule's own (a cell every 333 ms, one ahead allowed) already has room.
    expect((await explicit.peek("k", { limits: { g: 10 } })).retryAfterMs).toBe(100);
    expect((await explicit.peek("k")).allowed).toBe(true);
  });

  it("tokenBucket: the call's capacity, the rule's refill; windowMs follows (capacity / refillRate intervals)", async () => {
    const limiter = local([tokenBucket({ capacity: 10, refillRate: 5, interval: "1s", name: "b" })]);
    const d = await limiter.limit("k", { limits: { b: 20 } });
    expect(d.rules.map((r) => [r.limit, r.windowMs, r.remaining])).toEqual([[20, 4000, 19]]);
  });
});

describe("limits: layers and HTTP report the call's quota", () => {
  it("the deny cache never answers a call with a denial made under another quota", async () => {
    const limiter = createRateLimiter({
      store: perCallOnly(),
      rules: [fixedWindow({ limit: 2, window: "1m", name: "r" })],
      clock: () => 1_000_000,
      tenants,
    });
    await limiter.limit("k", { cost: 2 });
    expect((await limiter.limit("k")).reason).toBe("limited");
    expect((await limiter.limit("k")).reason).toBe("cached");
    // limits that name no rule leave the call an ordinary one, which the cache answers.
    expect((await limiter.limit("k", { limits: {} })).reason).toBe("cached");
    const higher = await limiter.limit("k", { limits: { r: 5 } });
    expect([higher.allowed, higher.reason, higher.limit, higher.remaining]).toEqual([true, "allowed", 5, 2]);
    // A denial under the call's quota is not kept for calls under the rule's own.
    await limiter.limit("k", { cost: 2, limits: { r: 5 } });
    expect((await limiter.limit("k", { limits: { r: 5 } })).reason).toBe("limited");
    expect((await limiter.limit("k", { limits: { r: 5 } })).reason).toBe("limited");
    const other = createRateLimiter({
      store: perCallOnly(),
      rules: [fixedWindow({ limit: 2, window: "1m", name: "r" })],
      clock: () => 1_000_000,
      tenants,
    });
    expect((await other.limit("k", { limits: { r: 1 } })).allowed).toBe(true);
    expect((await other.limit("k", { limits: { r: 1 } })).reason).toBe("limited");
    expect((await other.limit("k")).reason).toBe("allowed");
  });

  it("the failure policy and the fallback store report and apply the call's quota", async () => {
    const rules = [fixedWindow({ limit: 2, window: "1m", name: "r" })];
    const deny = createRateLimiter({ store: failing, rules, onStoreError: "deny", tenants });
    const d = await deny.limit("k", { limits: { r: 7 } });
    expect([d.allowed, d.degraded, d.limit, d.rules[0]!.limit]).toEqual([false, true, 7, 7]);
    const fallback = createRateLimiter({
      store: failing,
      rules,
      onStoreError: fallbackTo(memoryStore(), { share: 1 }),
      tenants,
    });
    const admitted: boolean[] = [];
    for (let i = 0; i < 4; i++) admitted.push((await fallback.limit("k", { limits: { r: 3 } })).allowed);
    expect(admitted).toEqual([true, true, true, false]);
    expect((await fallback.peek("k")).limit).toBe(2);
  });

  it("prefetching never spends held units on a call with limits: it goes to the store, charged there", async () => {
    let now = 1_000_000;
    const requests: number[] = [];
    const limiter = createRateLimiter({
      store: perCallOnly(),
      rules: [fixedWindow({ limit: 100, window: "1h", name: "r" })],
      clock: () => now,
      prefetch: prefetchQuota({ maxShare: 1 }),
      onDecision: (event) => requests.push(event.storeRequests),
      tenants,
    });
    await limiter.limit("k");
    now += 1000;
    await limiter.limit("k"); // claims 1 + 10: ten units held in this isolate
    expect((await limiter.limit("k")).remaining).toBe(9);
    const own = await limiter.limit("k", { cost: 2, limits: { r: 50 } });
    expect([own.allowed, own.limit, own.remaining]).toEqual([true, 50, 36]);
    const peeked = await limiter.peek("k", { limits: { r: 50 } });
    expect([peeked.limit, peeked.remaining]).toEqual([50, 36]);
    expect((await limiter.limit("k")).remaining).toBe(8);
    expect(requests).toEqual([1, 1, 0, 1, 1, 0]);
  });

  it("headers state the call's quota; the 429 body names the policy", async () => {
    const limiter = local([fixedWindow({ limit: 2, window: "1m", name: "r" })]);
    await limiter.limit("k", { limits: { r: 7 }, cost: 7 });
    const denied = await limiter.limit("k", { limits: { r: 7 } });
    expect(rateLimitHeaders(denied)["RateLimit-Policy"]).toBe('"r";q=7;w=60');
    expect(deniedBody(denied, "60")["violated-policies"]).toEqual(["r"]);
  });
});
