import { expect } from "vitest";
import {
  createRateLimiter,
  type Decision,
  fixedWindow,
  gcra,
  type RateLimiterOptions,
  type RuleInput,
  slidingWindow,
  tokenBucket,
} from "../index.ts";
import type { AnyStore } from "../store-entry.ts";
import { tomorrowAt } from "./clock.ts";
import { seeded } from "./random.ts";
import { referenceStore } from "./reference-store.ts";

/** What each check gets: a store, a prefix no other check uses, and how long random traces run. */
export interface CheckContext {
  readonly store: AnyStore;
  readonly prefix: string;
  readonly traceLength: number;
}

export interface Check {
  readonly name: string;
  run(context: CheckContext): Promise<void>;
}

// Not on a window boundary, and in the future (see tomorrowAt).
export const T0 = tomorrowAt(123);

/** One rule of each algorithm, small enough that traces hit every boundary. */
export const SINGLE_RULES: Record<string, RuleInput> = {
  fixedWindow: fixedWindow({ limit: 5, window: 1000 }),
  slidingWindow: slidingWindow({ limit: 7, window: 2000 }),
  tokenBucket: tokenBucket({ capacity: 6, refillRate: 2, interval: 700 }),
  gcra: gcra({ limit: 3, period: 1000, burst: 2 }),
};

const RULE_SETS: Record<string, RuleInput[]> = {
  ...Object.fromEntries(Object.entries(SINGLE_RULES).map(([name, rule]) => [name, [rule]])),
  "gcra + fixed + sliding": [
    gcra({ limit: 10, period: "1s", burst: 5 }),
    fixedWindow({ limit: 20, window: "5s", name: "per-5s" }),
    slidingWindow({ limit: 12, window: "3s", name: "sliding-3s" }),
  ],
  "bucket + fixed": [
    tokenBucket({ capacity: 4, refillRate: 1, interval: 300 }),
    fixedWindow({ limit: 9, window: 2000 }),
  ],
};

export function limiterFor(
  context: CheckContext,
  rules: RuleInput[],
  clock: () => number,
  extra: Partial<RateLimiterOptions> = {},
) {
  // The store alone decides: no deny cache or circuit breaker in front of it.
  return createRateLimiter({
    ...extra,
    store: context.store,
    rules,
    prefix: context.prefix,
    clock,
    onStoreError: "throw",
    timeout: 10_000, // a loaded CI machine must not turn a slow answer into a failure
    denyCache: false,
    circuitBreaker: false,
  });
}

/** The fields every store must reproduce exactly. */
function observable(d: Decision) {
  return {
    allowed: d.allowed,
    reason: d.reason,
    limit: d.limit,
    remaining: d.remaining,
    resetAt: d.resetAt,
    retryAfterMs: d.retryAfterMs,
    rules: d.rules.map((r) => [r.name, r.allowed, r.remaining, r.resetAt, r.retryAfterMs]),
  };
}

const count = (decisions: Decision[]) => decisions.filter((d) => d.allowed).length;

export const checks: readonly Check[] = [
  {
    name: "random traces give the reference decisions (time, cost, keys, several rules, peek, reset)",
    async run(context) {
      for (const [setName, rules] of Object.entries(RULE_SETS)) {
        for (const seed of [1, 2]) {
          const random = seeded(seed * 7919 + setName.length);
          let now = T0 + random.int(0, 5000);
          const clock = () => now;
          const subject = limiterFor(context, rules, clock);
          const reference = limiterFor({ ...context, store: referenceStore() }, rules, clock);
          const keys = ["a", "b", `c-${setName}`];
          for (let step = 0; step < context.traceLength; step++) {
            const roll = random.next();
            now += roll < 0.3 ? 0 : roll < 0.7 ? random.int(1, 120) : roll < 0.97 ? random.int(100, 3000) : 86_400_000;
            const key = `${setName}:${seed}:${random.pick(keys)}`;
            const cost = random.next() < 0.85 ? random.int(0, 3) : random.int(4, 11);
            const op = random.next();
            const where = `rules "${setName}", seed ${seed}, step ${step}, key ${key}, cost ${cost}, now ${now}`;
            if (op < 0.04) {
              await Promise.all([subject.reset(key), reference.reset(key)]);
              continue;
            }
            const method = op < 0.2 ? "peek" : "limit";
            const [got, want] = await Promise.all([subject[method](key, { cost }), reference[method](key, { cost })]);
            expect(observable(got), `${method} at ${where}`).toEqual(observable(want));
          }
        }
      }
    },
  },
  {
    name: "a denied request consumes nothing, for every algorithm",
    async run(context) {
      for (const [name, rule] of Object.entries(SINGLE_RULES)) {
        const limiter = limiterFor(context, [rule], () => T0);
        const key = `deny-${name}`;
        const before = await limiter.limit(key, { cost: 1 });
        const capacityLeft = before.remaining;
        const denied = await limiter.limit(key, { cost: capacityLeft + 1 });
        expect(denied.allowed, name).toBe(false);
        expect(denied.reason, name).toBe("limited");
        expect(denied.remaining, name).toBe(capacityLeft);
        const exact = await limiter.limit(key, { cost: capacityLeft });
        expect(exact.allowed, `${name}: the remaining units are still there after the denial`).toBe(true);
        expect(exact.remaining, name).toBe(0);
      }
    },
  },
  {
    name: "several rules on one key are all or nothing",
    async run(context) {
      let now = T0;
      const limiter = limiterFor(
        context,
        [
          fixedWindow({ limit: 10, window: "1m", name: "minute" }),
          fixedWindow({ limit: 2, window: "1s", name: "second" }),
        ],
        () => now,
      );
      now = T0 - 123 + 60_000; // on a minute boundary, so both windows start together
      expect((await limiter.limit("k")).allowed).toBe(true);
      expect((await limiter.limit("k")).allowed).toBe(true);
      const denied = await limiter.limit("k");
      expect(denied.allowed).toBe(false);
      expect(denied.rules.map((r) => [r.name, r.allowed, r.remaining])).toEqual([
        ["minute", true, 8],
        ["second", false, 0],
      ]);
      expect(denied.retryAfterMs).toBe(1000);
      now += 1000;
      const next = await limiter.limit("k", { cost: 2 });
      expect(next.allowed).toBe(true);
      expect(next.rules.map((r) => r.remaining)).toEqual([6, 0]);
      const tooMuch = await limiter.limit("k", { cost: 2 });
      expect(tooMuch.rules.map((r) => [r.allowed, r.remaining])).toEqual([
        [true, 6],
        [false, 0],
      ]);
      expect((await limiter.peek("k", { cost: 0 })).rules.map((r) => r.remaining)).toEqual([6, 0]);
    },
  },
  {
    name: "cost 0 only looks, and a cost above capacity is denied as exceeds-capacity",
    async run(context) {
      for (const [name, rule] of Object.entries(SINGLE_RULES)) {
        const limiter = limiterFor(context, [rule], () => T0);
        const key = `cost-${name}`;
        const first = await limiter.limit(key, { cost: 2 });
        const look = await limiter.limit(key, { cost: 0 });
        expect(look.allowed, name).toBe(true);
        expect(look.remaining, name).toBe(first.remaining);
        const huge = await limiter.limit(key, { cost: 1000 });
        expect(huge.allowed, name).toBe(false);
        expect(huge.reason, name).toBe("exceeds-capacity");
        expect(huge.retryAfterMs, name).toBe(Number.POSITIVE_INFINITY);
        expect(huge.remaining, name).toBe(first.remaining);
        expect((await limiter.peek(key)).remaining, name).toBe(first.remaining);
      }
    },
  },
  {
    name: "retryAfterMs is exact: denied 1 ms before it, allowed at it",
    async run(context) {
      for (const [name, rule] of Object.entries(SINGLE_RULES)) {
        for (const cost of [1, 2]) {
          let now = T0 + 17;
          const limiter = limiterFor(context, [rule], () => now);
          const key = `retry-${name}-${cost}`;
          while ((await limiter.limit(key, { cost: 1 })).allowed) now += 1;
          const denied = await limiter.peek(key, { cost });
          expect(denied.allowed, name).toBe(false);
          const at = now + denied.retryAfterMs;
          now = at - 1;
          expect((await limiter.peek(key, { cost })).allowed, `${name} cost ${cost} at retryAfter − 1ms`).toBe(false);
          now = at;
          expect((await limiter.limit(key, { cost })).allowed, `${name} cost ${cost} at retryAfter`).toBe(true);
        }
      }
    },
  },
  {
    name: "peek consumes nothing; reset forgets a key",
    async run(context) {
      for (const [name, rule] of Object.entries(SINGLE_RULES)) {
        const limiter = limiterFor(context, [rule], () => T0);
        const key = `peek-${name}`;
        const fresh = await limiter.peek(key);
        for (let i = 0; i < 3; i++) expect((await limiter.peek(key)).remaining, name).toBe(fresh.remaining);
        await limiter.limit(key, { cost: 2 });
        expect((await limiter.peek(key)).remaining, name).toBe(fresh.remaining - 2);
        await limiter.reset(key);
        expect((await limiter.peek(key)).remaining, name).toBe(fresh.remaining);
      }
    },
  },
  {
    name: "state expires: after its windows a key is as new",
    async run(context) {
      for (const [name, rule] of Object.entries(SINGLE_RULES)) {
        let now = T0;
        const limiter = limiterFor(context, [rule], () => now);
        const key = `expiry-${name}`;
        const fresh = await limiter.peek(key);
        while ((await limiter.limit(key)).allowed) {}
        const drained = await limiter.peek(key);
        expect(drained.resetAt, name).toBeGreaterThan(now);
        now = drained.resetAt;
        const after = await limiter.peek(key);
        expect(after.remaining, name).toBe(fresh.remaining);
        expect(after.resetAt, name).toBe(now);
      }
    },
  },
  {
    name: "keys are independent, and any Unicode or length works",
    async run(context) {
      const limiter = limiterFor(context, [fixedWindow({ limit: 2, window: "1h" })], () => T0);
      const long = "k".repeat(5000);
      const keys = ["ü🙂 key with spaces", "\u0000null", long, `${long}x`, "a:b", "a"];
      for (const key of keys) {
        expect((await limiter.limit(key)).remaining, key.slice(0, 20)).toBe(1);
      }
      for (const key of keys) {
        expect((await limiter.limit(key)).remaining, key.slice(0, 20)).toBe(0);
      }
    },
  },
  {
    name: "200 parallel requests against a limit of 50 admit exactly 50, for every algorithm",
    async run(context) {
      const rules: Record<string, RuleInput> = {
        fixedWindow: fixedWindow({ limit: 50, window: "1h" }),
        slidingWindow: slidingWindow({ limit: 50, window: "1h" }),
        tokenBucket: tokenBucket({ capacity: 50, refillRate: 1, interval: "1h" }),
        gcra: gcra({ limit: 50, period: "1h" }),
      };
      for (const [name, rule] of Object.entries(rules)) {
        const limiter = limiterFor(context, [rule], () => T0);
        const decisions = await Promise.all(Array.from({ length: 200 }, () => limiter.limit(`race-${name}`)));
        expect(count(decisions), name).toBe(50);
        expect((await limiter.peek(`race-${name}`)).remaining, name).toBe(0);
      }
    },
  },
];
