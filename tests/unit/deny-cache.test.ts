import { describe, expect, it } from "vitest";
import { createRateLimiter, fixedWindow, gcra, type RuleInput, tokenBucket } from "../../src/index.ts";
import { fuzz, MODES } from "../fuzz/run.ts";
import { plain, remoteMemory } from "../fuzz/trace.ts";

/** Isolates sharing one store (each limiter has its own deny cache), and a limiter without cache: the truth. */
function isolates(rules: RuleInput[], count = 2) {
  let now = 1_000_000;
  const store = remoteMemory();
  const make = (denyCache: boolean) =>
    createRateLimiter({ store, rules, clock: () => now, denyCache: denyCache ? {} : false });
  return {
    at: (t: number) => (now = 1_000_000 + t),
    truth: make(false),
    isolates: [...Array(count)].map(() => make(true)),
  };
}

describe("deny cache: answers are exact or marked bounds, never better news than the store's", () => {
  it("a larger cost than the cached one: tokenBucket capacity 3, 1/ms: limit 2, limit 2, peek 3", async () => {
    const {
      truth,
      isolates: [a],
    } = isolates([tokenBucket({ capacity: 3, refillRate: 1, interval: 1 })]);
    await a!.limit("k", { cost: 2 });
    expect(await a!.limit("k", { cost: 2 })).toMatchObject({ reason: "limited", retryAfterMs: 1, remaining: 1 });
    // Before: retryAfterMs 1. Another isolate may have taken the last token since (the cached denial of 2 lets
    // at most 1 through), so 3 tokens may be 3 ms away: the bound. The store, alone here, says 2.
    expect(await a!.peek("k", { cost: 3 })).toMatchObject({ reason: "cached", retryAfterMs: 3, remaining: 0 });
    expect(await truth.peek("k", { cost: 3 })).toMatchObject({ reason: "limited", retryAfterMs: 2, remaining: 1 });
  });

  it("the same cost again (cost 1): every field as the store would say, with no round trip", async () => {
    for (const rule of [
      fixedWindow({ limit: 10, window: "1m" }),
      gcra({ limit: 5, period: "1s" }),
      tokenBucket({ capacity: 3, refillRate: 1, interval: 7 }),
    ]) {
      const {
        at,
        truth,
        isolates: [a, b],
      } = isolates([rule]);
      for (let i = 0; i < 400; i++) if (!(await b!.limit("k")).allowed) break;
      expect((await a!.limit("k")).reason).toBe("limited");
      at(1);
      const cached = await a!.limit("k");
      expect(cached.reason).toBe("cached");
      expect({ ...plain(cached), reason: "limited" }).toEqual(plain(await truth.peek("k")));
    }
  });

  it("fixedWindow 10/min: A 6, B 3, A 5 denied; A 5 again reports the exact window end, remaining 0 as a bound", async () => {
    const {
      at,
      truth,
      isolates: [a, b],
    } = isolates([fixedWindow({ limit: 10, window: "1m" })]);
    await a!.limit("k", { cost: 6 });
    await b!.limit("k", { cost: 3 });
    const denied = await a!.limit("k", { cost: 5 });
    expect(denied).toMatchObject({ reason: "limited", remaining: 1 });
    at(10_000);
    await b!.limit("k"); // takes the last unit: the cached remaining 1 would now be too high
    const cached = await a!.limit("k", { cost: 5 });
    expect(cached).toMatchObject({ reason: "cached", remaining: 0, retryAfterMs: denied.retryAfterMs - 10_000 });
    expect(await truth.peek("k", { cost: 5 })).toMatchObject({ remaining: 0, retryAfterMs: cached.retryAfterMs });
  });

  it("gcra 192 per 10 ms: A 57, B 1, A 192 denied, B 1 more; A's cached answer is not earlier than the store's", async () => {
    const {
      truth,
      isolates: [a, b],
    } = isolates([gcra({ limit: 192, period: 10 })]);
    await a!.limit("k", { cost: 57 });
    await b!.limit("k");
    expect(await a!.limit("k", { cost: 192 })).toMatchObject({ reason: "limited", retryAfterMs: 4, remaining: 134 });
    await b!.limit("k", { cost: 134 });
    const cached = await a!.limit("k", { cost: 192 });
    const store = await truth.peek("k", { cost: 192 });
    expect(store).toMatchObject({ retryAfterMs: 10, remaining: 0 });
    // Before: retryAfterMs 4 and remaining 134, copies of the earlier denial.
    expect(cached).toMatchObject({ reason: "cached", retryAfterMs: 10, remaining: 0 });
  });

  it("property: random traces, 3 isolates on one key, against the memory store (500 runs)", async () => {
    await fuzz(MODES[3]!, 500, 40, async () => shared());
  });
});

// One store shared by every isolate of a trace.
function shared() {
  const store = remoteMemory();
  return [store, store, store];
}
