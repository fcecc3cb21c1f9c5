import { describe, expect, it } from "vitest";
import {
  ConfigError,
  concurrency,
  createRateLimiter,
  fallbackTo,
  fixedWindow,
  gcra,
  prefetchQuota,
  type RuleInput,
  tokenBucket,
} from "../../src/index.ts";
import { memoryStore } from "../../src/stores/memory.ts";
import { remoteMemory } from "../fuzz/trace.ts";
import { START, world } from "./prefetch-world.ts";

const MINUTE = 60_000;

/** 8 isolates take turns on one key, evenly spread at `perMinute` requests a minute, for five minutes. */
async function evenly(rule: RuleInput, perMinute: number) {
  const w = world([rule], 8);
  const gap = MINUTE / perMinute;
  const perWindow = [0, 0, 0, 0, 0];
  for (let i = 0; i < 5 * perMinute; i++) {
    const t = Math.floor(i * gap);
    w.at(t);
    if ((await w.limit(i % 8, "k")).allowed) perWindow[Math.floor(t / MINUTE)]!++;
  }
  return { perWindow, ...w.counts() };
}

describe("prefetching on one key from 8 isolates (issue 16's targets, manual clock)", () => {
  it("fixedWindow 1000/min at half load: nothing refused, 248 store calls for 2,500 decisions (0.099 a decision)", async () => {
    const run = await evenly(fixedWindow({ limit: 1000, window: "1m" }), 500);
    expect(run).toEqual({
      perWindow: [500, 500, 500, 500, 500],
      calls: 248,
      decisions: 2500,
      local: 2252,
      admitted: 2500,
    });
  });

  it("fixedWindow 1000/min at 3× load: exactly 1000 admitted in every window", async () => {
    const run = await evenly(fixedWindow({ limit: 1000, window: "1m" }), 1500);
    expect(run).toEqual({
      perWindow: [1000, 1000, 1000, 1000, 1000],
      calls: 293,
      decisions: 7500,
      local: 4787,
      admitted: 5000,
    });
  });

  it("gcra 1000/min burst 100 at half load: nothing refused, but every decision is the store's (held units would lapse)", async () => {
    // At 1/16 of the rate per isolate, units held by one isolate lapse (1 per 60 ms) long before it spends them:
    // spending them later could join a burst another isolate claims meanwhile (docs/prefetch.md).
    const run = await evenly(gcra({ limit: 1000, period: "1m", burst: 100 }), 500);
    expect(run).toEqual({
      perWindow: [500, 500, 500, 500, 500],
      calls: 2500,
      decisions: 2500,
      local: 0,
      admitted: 2500,
    });
  });

  it("gcra 1000/min burst 100 at 3× load: 1000 a minute after the first (which adds the burst), as the exact limiter", async () => {
    const run = await evenly(gcra({ limit: 1000, period: "1m", burst: 100 }), 1500);
    expect(run.perWindow).toEqual([1099, 1000, 1000, 1000, 1000]);
  });
});

describe("store outages", () => {
  it("units already claimed keep being spent while the store fails; then onStoreError answers", async () => {
    const w = world([fixedWindow({ limit: 1000, window: "1m" })], 1, { onStoreError: "deny" });
    for (let t = 0; t <= 3000; t += 500) {
      w.at(t);
      await w.limit(0, "k");
    }
    w.fail(true);
    const calls = w.counts().calls;
    let local = 0;
    for (;;) {
      const d = await w.limit(0, "k");
      if (d.degraded) {
        expect(d).toMatchObject({ allowed: false, reason: "store-error" });
        break;
      }
      expect(d).toMatchObject({ allowed: true, reason: "allowed" });
      local++;
    }
    // The units held when the store failed (the last claim's, deterministic on this manual clock), each spent once.
    expect(local).toBe(5);
    expect(w.counts().calls).toBe(calls + 1);
    expect(w.limiters[0]!.metrics()).toMatchObject({ errors: 1, degraded: 1 });
  });

  it("a fallback store is charged the request's cost, not the claim's", async () => {
    const fallback = memoryStore();
    const w = world([fixedWindow({ limit: 1000, window: "1m" })], 1, { onStoreError: fallbackTo(fallback) });
    w.fail(true);
    for (let i = 0; i < 100; i++) await w.limit(0, "k");
    // share 0.1 of 1000: the fallback admits 100 in this isolate, one unit a request.
    expect((await w.limit(0, "k")).allowed).toBe(false);
  });
});

describe("what prefetching answers, and what it leaves to the store", () => {
  const store = () => remoteMemory();
  const limiter = (rules: RuleInput[], s = store()) => {
    let now = START;
    const l = createRateLimiter({ store: s, rules, clock: () => now, prefetch: prefetchQuota() });
    return { l, at: (t: number) => (now = START + t) };
  };

  it("counts local decisions in metrics().prefetched, and onDecision sees 0 store requests for them", async () => {
    const events: number[] = [];
    let now = START;
    const l = createRateLimiter({
      store: store(),
      rules: [fixedWindow({ limit: 1000, window: "1m" })],
      clock: () => now,
      prefetch: prefetchQuota(),
      onDecision: (e) => events.push(e.storeRequests),
    });
    for (let i = 0; i < 20; i++, now += 100) await l.limit("k");
    const { prefetched, storeCalls, allowed } = l.metrics();
    expect({ prefetched, storeCalls, allowed }).toEqual({ prefetched: 17, storeCalls: 3, allowed: 20 });
    expect(events.filter((n) => n === 0).length).toBe(17);
  });

  it("held units decide before limit() returns (no store call, no promise chain), under a prefix with escapes", async () => {
    let now = START;
    let decided = 0;
    const l = createRateLimiter({
      store: store(),
      rules: [fixedWindow({ limit: 1000, window: "1m" })],
      clock: () => now,
      prefix: "a:b\\c",
      prefetch: prefetchQuota(),
      onDecision: () => decided++,
    });
    for (let t = 0; t <= 2000; t += 500) {
      now = START + t;
      await l.limit("k");
    }
    const pending = l.limit("k");
    expect(decided).toBe(6);
    const first = await pending;
    const second = await l.limit("k");
    // Each decision is its own object: the layer's reused reply never leaks into one.
    expect([first.remaining, second.remaining, first === second]).toEqual([6, 5, false]);
    await l.reset("k");
    const after = l.limit("k");
    expect(decided).toBe(7); // the reset dropped the held units: this one waits for the store
    expect((await after).remaining).toBe(999);
  });

  it("peek answers from held units without spending them; reset drops them", async () => {
    const { l, at } = limiter([fixedWindow({ limit: 1000, window: "1m" })]);
    for (let t = 0; t <= 2000; t += 500) {
      at(t);
      await l.limit("k");
    }
    const { prefetched } = l.metrics();
    const peeked = await l.peek("k");
    expect(l.metrics().prefetched).toBe(prefetched! + 1);
    expect((await l.peek("k")).remaining).toBe(peeked.remaining);
    await l.reset("k");
    const after = await l.limit("k");
    expect(after.remaining).toBe(999);
    expect(l.metrics().prefetched).toBe(prefetched! + 2);
  });

  for (const rules of [
    [fixedWindow({ limit: 1000, window: "1m" }), concurrency({ limit: 5 })],
    [tokenBucket({ capacity: 1000, refillRate: 10, interval: "1s" })],
  ]) {
    it(`passes everything to the store with ${rules.map((r) => r.algorithm).join(" + ")}`, async () => {
      const { l, at } = limiter(rules);
      for (let t = 0; t <= 5000; t += 100) {
        at(t);
        await l.limit("k");
      }
      expect(l.metrics().storeCalls).toBe(51);
      expect(l.metrics().prefetched).toBeUndefined();
    });
  }

  it("does nothing with the memory store (no error either)", async () => {
    const l = createRateLimiter({
      store: memoryStore(),
      rules: [fixedWindow({ limit: 10, window: "1m" })],
      prefetch: prefetchQuota(),
    });
    for (let i = 0; i < 12; i++) await l.limit("k");
    expect(l.metrics()).toMatchObject({ allowed: 10, denied: 2, storeCalls: 12 });
    expect(l.metrics().prefetched).toBeUndefined();
  });

  it("near the limit a claim the store refuses is asked again for the request's cost alone (2 store requests)", async () => {
    const shared = store();
    const requests: number[] = [];
    let now = START;
    const rules = [fixedWindow({ limit: 100, window: "1m" })];
    const a = createRateLimiter({
      store: shared,
      rules,
      clock: () => now,
      prefetch: prefetchQuota({ maxShare: 1 }),
      onDecision: (e) => requests.push(e.storeRequests),
    });
    const b = createRateLimiter({ store: shared, rules, clock: () => now });
    await a.limit("k");
    now += 1000;
    await a.limit("k"); // claims 1 + 10
    expect((await b.limit("k", { cost: 87 })).remaining).toBe(1);
    // Spends the 10 held; then claims 1 + k, which the store refuses, and 1, which it allows.
    do await a.limit("k");
    while (requests.at(-1) === 0);
    expect(requests).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    expect(await a.limit("k")).toMatchObject({ allowed: false });
  });
});

describe("configuration", () => {
  const rules = [fixedWindow({ limit: 10, window: "1m" })];
  it("prefetch: true is a ConfigError that names prefetchQuota()", () => {
    expect(() => createRateLimiter({ store: remoteMemory(), rules, prefetch: true as never })).toThrow(
      /prefetch: expected prefetchQuota\(\) from "edgelimit", got true/,
    );
  });

  for (const maxShare of [0, -0.1, 1.5, Number.NaN, "0.1"]) {
    it(`maxShare ${String(maxShare)} is a ConfigError`, () => {
      const make = () =>
        createRateLimiter({ store: remoteMemory(), rules, prefetch: prefetchQuota({ maxShare: maxShare as number }) });
      expect(make).toThrow(ConfigError);
      expect(make).toThrow(/prefetch: prefetchQuota\(\{ maxShare \}\): expected .* above 0 and at most 1, got/);
    });
  }

  it("limiter.config shows the share", () => {
    const l = createRateLimiter({ store: remoteMemory(), rules, prefetch: prefetchQuota({ maxShare: 0.25 }) });
    expect(l.config.prefetchShare).toBe(0.25);
  });
});
