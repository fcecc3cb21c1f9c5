import { expect } from "vitest";
import {
  ConfigError,
  concurrency,
  createRateLimiter,
  type Decision,
  fixedWindow,
  gcra,
  type RuleInput,
  settleCosts,
  slidingWindow,
  tenantLimits,
  tokenBucket,
} from "../index.ts";
import type { TenantRateLimiter } from "../limiter.ts";
import { type Check, type CheckContext, T0 } from "./checks.ts";

/**
 * The suite's limiter with `tenants: tenantLimits()`: the store alone decides (no deny cache unless asked), quotas
 * are stored with `setLimits`. Two made from one context share the store and prefix, as two isolates do.
 */
function limiterFor(context: CheckContext, rules: RuleInput[], clock: () => number, denyCache = false) {
  return createRateLimiter({
    store: context.store,
    rules,
    prefix: context.prefix,
    clock,
    onStoreError: "throw",
    timeout: 10_000,
    denyCache: denyCache && { maxKeys: 100 },
    circuitBreaker: false,
    tenants: tenantLimits(),
  });
}

const allowedCount = (decisions: Decision[]) => decisions.filter((d) => d.allowed).length;

async function admitted(limiter: TenantRateLimiter, key: string, tries: number): Promise<number> {
  const decisions: Decision[] = [];
  for (let i = 0; i < tries; i++) decisions.push(await limiter.limit(key));
  return allowedCount(decisions);
}

/** One rule of each algorithm named "r", gcra with its default burst (which follows a stored quota too). */
const NAMED: Record<string, RuleInput> = {
  fixedWindow: fixedWindow({ limit: 5, window: 1000, name: "r" }),
  slidingWindow: slidingWindow({ limit: 7, window: 2000, name: "r" }),
  tokenBucket: tokenBucket({ capacity: 6, refillRate: 2, interval: 700, name: "r" }),
  gcra: gcra({ limit: 4, period: 1000, name: "r" }),
};

/**
 * A check of a store whose `features` list `"setLimits"`; on any other, `setLimits` must reject with a ConfigError
 * that names the store (that is its whole contract), and calls must still decide under the rules' own quotas.
 */
function stored(name: string, run: (context: CheckContext) => Promise<void>): Check {
  return {
    name: `setLimits: ${name}`,
    async run(context) {
      if (context.store.features?.includes("setLimits")) return run(context);
      const limiter = limiterFor(context, [NAMED.fixedWindow!], () => T0);
      const error = await limiter.setLimits("k", { r: 3 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toContain(`the ${context.store.name} store does not keep quotas`);
      expect(await admitted(limiter, "k", 7)).toBe(5);
    },
  };
}

/** Quotas stored with a key (`limiter.setLimits`): every store that lists `"setLimits"` in its `features`. */
export const storedLimitsChecks: readonly Check[] = [
  stored("a stored quota admits exactly that many, lower or higher than the rule's, for every algorithm", async (c) => {
    for (const [algorithm, rule] of Object.entries(NAMED)) {
      const limiter = limiterFor(c, [rule], () => T0);
      for (const quota of [3, 9]) {
        const key = `${algorithm}-${quota}`;
        await limiter.setLimits(key, { r: quota });
        const looked = await limiter.peek(key);
        expect([algorithm, looked.limit, looked.remaining, looked.rules[0]!.limit]).toEqual([
          algorithm,
          quota,
          quota,
          quota,
        ]);
        const decisions: Decision[] = [];
        for (let i = 0; i < 12; i++) decisions.push(await limiter.limit(key));
        expect([algorithm, allowedCount(decisions)]).toEqual([algorithm, quota]);
        expect(decisions.every((d) => d.limit === quota && d.rules[0]!.limit === quota)).toBe(true);
        expect(decisions[quota - 1]!.remaining).toBe(0);
      }
    }
  }),
  stored("60 parallel requests under a stored quota of 7 admit exactly 7, for every algorithm", async (c) => {
    for (const [algorithm, rule] of Object.entries(NAMED)) {
      const limiter = limiterFor(c, [rule], () => T0);
      await limiter.setLimits(`race-${algorithm}`, { r: 7 });
      const decisions = await Promise.all(Array.from({ length: 60 }, () => limiter.limit(`race-${algorithm}`)));
      expect([algorithm, allowedCount(decisions)]).toEqual([algorithm, 7]);
    }
  }),
  stored("raising and lowering keep the counts; a call's own limits win; null clears", async (c) => {
    let now = T0 - (T0 % 60_000) + 10;
    const limiter = limiterFor(c, [fixedWindow({ limit: 5, window: "1m", name: "r" })], () => now);
    await limiter.setLimits("k", { r: 3 });
    expect(await admitted(limiter, "k", 5)).toBe(3);
    await limiter.setLimits("k", { r: 8 });
    expect(await admitted(limiter, "k", 7)).toBe(5);
    await limiter.setLimits("k", { r: 6 });
    const lowered = await limiter.limit("k");
    expect([lowered.allowed, lowered.limit, lowered.remaining]).toEqual([false, 6, 0]);
    const own = await limiter.limit("k", { limits: { r: 9 } });
    expect([own.allowed, own.limit, own.remaining]).toEqual([true, 9, 0]);
    await limiter.setLimits("k", null);
    const cleared = await limiter.peek("k", { cost: 0 });
    expect([cleared.limit, cleared.remaining]).toEqual([5, 0]);
    now += 60_000;
    expect(await admitted(limiter, "k", 7)).toBe(5);
    // Clearing a key that holds none changes nothing.
    await limiter.setLimits("other", null);
    expect((await limiter.peek("other")).limit).toBe(5);
  }),
  stored(
    "peek and the headline numbers show the quota in force; a gcra burst left at its default follows it",
    async (c) => {
      const limiter = limiterFor(
        c,
        [gcra({ limit: 4, period: "1s", name: "g" }), gcra({ limit: 10, period: "1s", burst: 2, name: "b" })],
        () => T0,
      );
      await limiter.setLimits("k", { g: 8, b: 20 });
      const looked = await limiter.peek("k");
      expect(looked.rules.map((r) => [r.name, r.limit, r.remaining])).toEqual([
        ["g", 8, 8],
        ["b", 20, 2],
      ]);
      expect([looked.limit, looked.remaining]).toEqual([20, 2]);
    },
  ),
  stored("a stored quota outlives the key's idle counters and ends after its ttl, to the millisecond", async (c) => {
    const start = T0 - (T0 % 1000) + 10;
    let now = start;
    const limiter = limiterFor(c, [fixedWindow({ limit: 5, window: 1000, name: "r" })], () => now);
    await limiter.setLimits("k", { r: 2 }, { ttl: "1h" });
    expect(await admitted(limiter, "k", 4)).toBe(2);
    now += 30 * 60_000; // the counters expired long ago
    expect(await admitted(limiter, "k", 4)).toBe(2);
    now = start + 3_600_000 - 1; // the last ms of the ttl
    expect((await limiter.peek("k")).limit).toBe(2);
    now = start + 3_600_000;
    const back = await limiter.peek("k");
    expect([back.limit, back.remaining]).toEqual([5, 5]);
    expect(await admitted(limiter, "k", 7)).toBe(5);
    // A quota whose ttl ends inside a window: the counts stay, the rule's own quota is back.
    const hourly = limiterFor(c, [fixedWindow({ limit: 5, window: "1h", name: "r" })], () => now);
    const set = now;
    await hourly.setLimits("h", { r: 2 }, { ttl: "10s" });
    expect(await admitted(hourly, "h", 4)).toBe(2);
    now = set + 9_999;
    expect((await hourly.limit("h")).allowed).toBe(false);
    now = set + 10_000;
    const own = await hourly.peek("h");
    expect([own.limit, own.remaining]).toEqual([5, 3]);
  }),
  stored("another limiter (another isolate) applies a stored quota on its next decision", async (c) => {
    const rules = [slidingWindow({ limit: 10, window: "1m", name: "r" })];
    const first = limiterFor(c, rules, () => T0);
    const second = limiterFor(c, rules, () => T0);
    expect((await second.limit("k")).limit).toBe(10);
    await first.setLimits("k", { r: 4 });
    const seen = await second.limit("k");
    expect([seen.limit, seen.remaining]).toEqual([4, 2]);
    expect(await admitted(second, "k", 4)).toBe(2);
    await second.reset("k");
    expect((await first.peek("k")).limit).toBe(10);
  }),
  stored("with a deny cache: a raised quota admits at once; exceeds-capacity follows the quota in force", async (c) => {
    const limiter = limiterFor(c, [fixedWindow({ limit: 2, window: "1h", name: "r" })], () => T0, true);
    expect(await admitted(limiter, "k", 3)).toBe(2);
    await limiter.setLimits("k", { r: 5 });
    const raised = await limiter.limit("k", { cost: 3 });
    expect([raised.allowed, raised.reason, raised.limit, raised.remaining]).toEqual([true, "allowed", 5, 0]);
    const over = await limiter.peek("k", { cost: 6 });
    expect([over.allowed, over.reason, over.retryAfterMs]).toEqual([
      false,
      "exceeds-capacity",
      Number.POSITIVE_INFINITY,
    ]);
    await limiter.setLimits("k", { r: 1 });
    const lowered = await limiter.limit("k", { cost: 2 });
    expect([lowered.allowed, lowered.reason, lowered.limit]).toEqual([false, "exceeds-capacity", 1]);
  }),
  stored("a settlement keeps the stored quota, and settles under it", async (c) => {
    // A store that does not settle is checked for that by the settle checks.
    if (!c.store.features?.includes("settle")) return;
    const limiter = createRateLimiter({
      store: c.store,
      rules: [fixedWindow({ limit: 10, window: "1h", name: "r" })],
      prefix: c.prefix,
      clock: () => T0,
      onStoreError: "throw",
      timeout: 10_000,
      denyCache: false,
      circuitBreaker: false,
      tenants: tenantLimits(),
      settle: settleCosts(),
    });
    await limiter.setLimits("k", { r: 3 });
    const reserved = await limiter.limit("k", { cost: 3 });
    expect([reserved.allowed, reserved.limit, reserved.remaining]).toEqual([true, 3, 0]);
    await reserved.settle!(1);
    const after = await limiter.peek("k");
    expect([after.limit, after.remaining]).toEqual([3, 2]);
  }),
  stored("bad keys, rule names, quotas and ttl reject with one ConfigError listing each", async (c) => {
    const limiter = limiterFor(c, [tokenBucket({ capacity: 4, refillRate: 2, interval: "1s", name: "r" })], () => T0);
    const error = await limiter.setLimits("k", { r: 1, x: 3 }, { ttl: "soon" as "1s" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'setLimits: ttl: "soon" is not a duration; use milliseconds or a string like "500ms", "10s", "1m", "1h", "1d"',
      'setLimits: limits: unknown "x"; use r',
      "setLimits: limits.r (tokenBucket): refillRate (2) must not exceed capacity (1)",
    ]);
    await expect(limiter.setLimits("", { r: 3 })).rejects.toThrow(ConfigError);
    await expect(limiter.setLimits("k", { r: 3 }, { ttl: "11000d" })).rejects.toThrow(/10 years/);
    await expect(limiter.setLimits("k", { r: 3 }, { tll: "1d" } as object)).rejects.toThrow(/unknown option "tll"/);
    expect((await limiter.peek("k")).limit).toBe(4);
  }),
];

/** The same for concurrency rules (stores that support them). */
export const storedLimitsConcurrencyChecks: readonly Check[] = [
  stored("concurrency takes the stored number of leases, and a release keeps the stored quota", async (c) => {
    let now = T0;
    const limiter = limiterFor(c, [concurrency({ limit: 2, lease: "1s", name: "r" })], () => now);
    await limiter.setLimits("k", { r: 3 }, { ttl: "1h" });
    const held: Decision[] = [];
    for (let i = 0; i < 4; i++) held.push(await limiter.limit("k"));
    expect(held.map((d) => [d.allowed, d.limit])).toEqual([
      [true, 3],
      [true, 3],
      [true, 3],
      [false, 3],
    ]);
    now += 500;
    // The release writes the key with an expiry its leases and counters alone would end at T0 + 1s.
    await held[0]!.release!();
    now += 5000;
    const after = await limiter.limit("k");
    expect([after.allowed, after.limit, after.remaining]).toEqual([true, 3, 2]);
  }),
];
