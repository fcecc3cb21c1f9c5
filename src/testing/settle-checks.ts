import { expect } from "vitest";
import {
  blockFor,
  concurrency,
  type Decision,
  fixedWindow,
  gcra,
  type RuleInput,
  settleCosts,
  slidingWindow,
  tokenBucket,
} from "../index.ts";
import { type Check, type CheckContext, limiterFor as plainLimiter, T0 } from "./checks.ts";

/** The suite's limiter with `settle: settleCosts()`, on a clock the check moves by hand. */
function limiterAt(context: CheckContext, rules: RuleInput[]) {
  const clock = { now: T0 };
  const limiter = plainLimiter(context, rules, () => clock.now, { settle: settleCosts() });
  return { limiter, clock };
}

/** One rule of each algorithm with a quota `q` (a bucket's capacity): windows of 1 s and 2 s, slow refills. */
const ONE_OF_EACH = (q: number): Record<string, RuleInput> => ({
  fixedWindow: fixedWindow({ limit: q, window: 1000 }),
  slidingWindow: slidingWindow({ limit: q, window: 2000 }),
  tokenBucket: tokenBucket({ capacity: q, refillRate: 2, interval: 700 }),
  gcra: gcra({ limit: q, period: 1000 }),
});

/** How many requests of cost 1 are admitted now, one after another, up to `most`. */
async function admitted(limiter: { limit(key: string): Promise<Decision> }, key: string, most = 40): Promise<number> {
  let n = 0;
  while (n < most && (await limiter.limit(key)).allowed) n++;
  return n;
}

/** `decision.settle` (`settle: settleCosts()`): a decision's cost given back or charged in its window or bucket. */
export const settleChecks: readonly Check[] = [
  {
    name: "settle: a refund gives back exactly the difference, for every algorithm",
    async run(context) {
      for (const [algorithm, rule] of Object.entries(ONE_OF_EACH(6))) {
        const { limiter } = limiterAt(context, [rule]);
        const d = await limiter.limit(algorithm, { cost: 4 });
        expect([algorithm, d.allowed, d.remaining, typeof d.settle]).toEqual([algorithm, true, 2, "function"]);
        await d.settle!(1);
        expect([algorithm, (await limiter.peek(algorithm)).remaining]).toEqual([algorithm, 5]);
        expect([algorithm, await admitted(limiter, algorithm)]).toEqual([algorithm, 5]);
      }
    },
  },
  {
    name: "settle: an LLM budget reserved at 1000 tokens and settled at 430 gets 570 back",
    async run(context) {
      for (const rule of [
        fixedWindow({ limit: 5000, window: "1h" }),
        tokenBucket({ capacity: 5000, refillRate: 1, interval: "1h" }),
      ]) {
        const { limiter } = limiterAt(context, [rule]);
        const reserved = await limiter.limit(rule.algorithm, { cost: 1000 });
        expect(reserved.remaining).toBe(4000);
        await reserved.settle!(430);
        expect((await limiter.peek(rule.algorithm)).remaining).toBe(4570);
      }
    },
  },
  {
    name: "settle: the second settle of a decision and a settle of a denial do nothing",
    async run(context) {
      for (const [algorithm, rule] of Object.entries(ONE_OF_EACH(6))) {
        const { limiter } = limiterAt(context, [rule]);
        const d = await limiter.limit(algorithm, { cost: 4 });
        await d.settle!(3);
        await d.settle!(0);
        await d.settle!(9);
        expect([algorithm, (await limiter.peek(algorithm)).remaining]).toEqual([algorithm, 3]);
        const denied = await limiter.limit(algorithm, { cost: 4 });
        expect(denied.allowed).toBe(false);
        await denied.settle!(0);
        expect([algorithm, (await limiter.peek(algorithm)).remaining]).toEqual([algorithm, 3]);
      }
    },
  },
  {
    name: "settle: a charge past the quota keeps the request admitted and denies later calls until the exact retryAfterMs",
    async run(context) {
      for (const [algorithm, rule] of Object.entries(ONE_OF_EACH(6))) {
        const { limiter, clock } = limiterAt(context, [rule]);
        const d = await limiter.limit(algorithm);
        await d.settle!(9); // 3 over the quota of 6
        const after = await limiter.limit(algorithm);
        expect([algorithm, after.allowed, after.remaining]).toEqual([algorithm, false, 0]);
        expect(Number.isFinite(after.retryAfterMs) && after.retryAfterMs > 0).toBe(true);
        const start = clock.now;
        clock.now = start + after.retryAfterMs - 1;
        expect([algorithm, (await limiter.peek(algorithm)).allowed]).toEqual([algorithm, false]);
        clock.now = start + after.retryAfterMs;
        expect([algorithm, (await limiter.limit(algorithm)).allowed]).toEqual([algorithm, true]);
      }
    },
  },
  {
    name: "settle: exact retryAfterMs after a charge, per algorithm",
    async run(context) {
      // quota 6: fixed window to its end; sliding window (2 s) until 10 × (2000 − e) ≤ 5 × 2000 in the next window;
      // token bucket −4 tokens, 2 per 700 ms, needs 5: 3 refills; gcra 6/s burst 6, TAT 10 intervals ahead.
      const offset = T0 % 1000;
      const expected: Record<string, number> = {
        fixedWindow: 1000 - offset,
        slidingWindow: 2000 - (T0 % 2000) + 1000,
        tokenBucket: 2100,
        gcra: Math.ceil(5000 / 6), // (10 − 6 + 1 − 1) intervals of 1000/6 ms: 833.3… → 834
      };
      for (const [algorithm, rule] of Object.entries(ONE_OF_EACH(6))) {
        const { limiter } = limiterAt(context, [rule]);
        await (await limiter.limit(algorithm)).settle!(10);
        expect([algorithm, (await limiter.peek(algorithm)).retryAfterMs]).toEqual([algorithm, expected[algorithm]]);
      }
    },
  },
  {
    name: "settle: a refund after its window rolled over changes nothing; a sliding window's previous window takes it",
    async run(context) {
      const { limiter, clock } = limiterAt(context, [fixedWindow({ limit: 6, window: 1000 })]);
      const old = await limiter.limit("fixed", { cost: 4 });
      clock.now = T0 - (T0 % 1000) + 1000;
      await limiter.limit("fixed", { cost: 2 });
      await old.settle!(0);
      expect((await limiter.peek("fixed")).remaining).toBe(4);

      const sliding = limiterAt(context, [slidingWindow({ limit: 6, window: 2000 })]);
      const next = T0 - (T0 % 2000) + 2000;
      const first = await sliding.limiter.limit("sliding", { cost: 4 });
      const second = await sliding.limiter.limit("sliding", { cost: 2 });
      sliding.clock.now = next + 1000; // half of the previous window still counts: ceil(6 × 0.5) = 3
      expect((await sliding.limiter.peek("sliding")).remaining).toBe(3);
      await first.settle!(0); // previous 6 → 2: ceil(2 × 0.5) = 1
      expect((await sliding.limiter.peek("sliding")).remaining).toBe(5);
      sliding.clock.now = next + 2000 + 500; // two windows on: its window no longer counts
      await sliding.limiter.limit("sliding", { cost: 1 });
      await second.settle!(0);
      expect((await sliding.limiter.peek("sliding")).remaining).toBe(5);
    },
  },
  {
    name: "settle: a refund never fills a bucket past its capacity nor moves a GCRA TAT before now",
    async run(context) {
      // One refill of 2 tokens, or half the GCRA period: 2 of the 6 units charged are back, 4 outstanding.
      for (const [rule, later] of [
        [tokenBucket({ capacity: 6, refillRate: 2, interval: 700 }), 700],
        [gcra({ limit: 6, period: 1000 }), 333],
      ] as const) {
        const { limiter, clock } = limiterAt(context, [rule]);
        const d = await limiter.limit(rule.algorithm, { cost: 6 });
        clock.now += later;
        await d.settle!(0);
        expect([rule.algorithm, await admitted(limiter, rule.algorithm)]).toEqual([rule.algorithm, 6]);
      }
    },
  },
  {
    name: "settle: a refund never takes a count below 0 (a reset since the decision)",
    async run(context) {
      for (const [algorithm, rule] of Object.entries(ONE_OF_EACH(6))) {
        const { limiter } = limiterAt(context, [rule]);
        const d = await limiter.limit(algorithm, { cost: 4 });
        await limiter.reset(algorithm);
        await limiter.limit(algorithm, { cost: 1 });
        await d.settle!(0);
        expect([algorithm, await admitted(limiter, algorithm)]).toEqual([algorithm, 6]);
      }
    },
  },
  {
    name: "settle: a charge after a reset counts in the decision's window",
    async run(context) {
      for (const [algorithm, rule] of Object.entries(ONE_OF_EACH(6))) {
        const { limiter } = limiterAt(context, [rule]);
        const d = await limiter.limit(algorithm, { cost: 1 });
        await limiter.reset(algorithm);
        await d.settle!(4);
        expect([algorithm, (await limiter.peek(algorithm)).remaining]).toEqual([algorithm, 3]);
      }
    },
  },
  {
    name: "settle: every rule of a key moves in one settlement",
    async run(context) {
      const sets: Record<string, RuleInput[]> = {
        mixed: [
          fixedWindow({ limit: 10, window: "1m", name: "f" }),
          gcra({ limit: 5, period: "1s", name: "g" }),
          slidingWindow({ limit: 8, window: "2s", name: "s" }),
          tokenBucket({ capacity: 6, refillRate: 1, interval: "1s", name: "b" }),
        ],
        "fixed windows": [
          fixedWindow({ limit: 10, window: "1s", name: "second" }),
          fixedWindow({ limit: 20, window: "1m", name: "minute" }),
        ],
      };
      for (const [set, rules] of Object.entries(sets)) {
        const { limiter } = limiterAt(context, rules);
        await (await limiter.limit(set, { cost: 4 })).settle!(1);
        const remaining = (await limiter.peek(set)).rules.map((r) => r.remaining);
        expect([set, remaining]).toEqual([set, set === "mixed" ? [9, 4, 7, 5] : [9, 19]]);
        await (await limiter.limit(set, { cost: 1 })).settle!(3);
        const charged = (await limiter.peek(set)).rules.map((r) => r.remaining);
        expect([set, charged]).toEqual([set, set === "mixed" ? [6, 1, 4, 2] : [6, 16]]);
      }
    },
  },
  {
    name: "settle: 30 settlements in parallel on one key, each giving back 1, give back exactly 30",
    async run(context) {
      for (const [algorithm, rule] of Object.entries(ONE_OF_EACH(100))) {
        const { limiter } = limiterAt(context, [rule]);
        const decisions: Decision[] = [];
        for (let i = 0; i < 30; i++) decisions.push(await limiter.limit(algorithm, { cost: 2 }));
        expect((await limiter.peek(algorithm)).remaining).toBe(40);
        await Promise.all(decisions.map((d) => d.settle!(1)));
        expect([algorithm, (await limiter.peek(algorithm)).remaining]).toEqual([algorithm, 70]);
      }
    },
  },
  {
    name: "settle: a refund on a blockFor rule keeps its block, for every algorithm",
    async run(context) {
      for (const [algorithm, rule] of Object.entries(ONE_OF_EACH(2))) {
        const { limiter } = limiterAt(context, [blockFor(rule, 5000)]);
        const first = await limiter.limit(algorithm);
        expect([algorithm, first.allowed, (await limiter.limit(algorithm)).allowed]).toEqual([algorithm, true, true]);
        // The breach starts a 5 s block; the refund gives a unit back to the rule's own count, not the block away.
        expect([algorithm, (await limiter.limit(algorithm)).allowed]).toEqual([algorithm, false]);
        await first.settle!(0);
        const seen = await limiter.peek(algorithm);
        expect([algorithm, seen.allowed, seen.retryAfterMs]).toEqual([algorithm, false, 5000]);
      }
    },
  },
];

/** Settling with a concurrency rule: the other rules move, the leases stay as they are. */
export const settleConcurrencyChecks: readonly Check[] = [
  {
    name: "settle: a concurrency rule's leases are never adjusted; the key's other rules are",
    async run(context) {
      const { limiter } = limiterAt(context, [
        concurrency({ limit: 3, lease: "1m", name: "c" }),
        fixedWindow({ limit: 10, window: "1m", name: "f" }),
      ]);
      const d = await limiter.limit("k", { cost: 3 });
      await d.settle!(1);
      const seen = await limiter.peek("k");
      expect(seen.rules.map((r) => [r.name, r.remaining])).toEqual([
        ["c", 0],
        ["f", 9],
      ]);
      await d.release!();
      expect((await limiter.peek("k")).rules.map((r) => r.remaining)).toEqual([3, 9]);
    },
  },
];
