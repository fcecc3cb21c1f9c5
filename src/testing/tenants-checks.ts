import { expect } from "vitest";
import {
  concurrency,
  type Decision,
  fixedWindow,
  gcra,
  type RuleInput,
  slidingWindow,
  tenantLimits,
  tokenBucket,
} from "../index.ts";
import { type Check, type CheckContext, limiterFor as plainLimiter, T0 } from "./checks.ts";

/** The suite's limiter with `tenants: tenantLimits()`: the store alone decides, and calls bring their own quotas. */
const limiterFor = (context: CheckContext, rules: RuleInput[], clock: () => number) =>
  plainLimiter(context, rules, clock, { tenants: tenantLimits() });

const allowedCount = (decisions: Decision[]) => decisions.filter((d) => d.allowed).length;

/** One rule of each algorithm named "r", gcra with its default burst (which follows a per-call limit). */
const NAMED: Record<string, RuleInput> = {
  fixedWindow: fixedWindow({ limit: 5, window: 1000, name: "r" }),
  slidingWindow: slidingWindow({ limit: 7, window: 2000, name: "r" }),
  tokenBucket: tokenBucket({ capacity: 6, refillRate: 2, interval: 700, name: "r" }),
  gcra: gcra({ limit: 3, period: 1000, name: "r" }),
};

/** Per-call quotas (`limit(key, { limits })`): the store applies the rules the request carries. */
export const tenantsChecks: readonly Check[] = [
  {
    name: "limits: a per-call quota admits exactly that many, lower or higher than the rule's, for every algorithm",
    async run(context) {
      for (const [algorithm, rule] of Object.entries(NAMED)) {
        const limiter = limiterFor(context, [rule], () => T0);
        for (const quota of [2, 9]) {
          const key = `${algorithm}-${quota}`;
          const looked = await limiter.peek(key, { limits: { r: quota } });
          expect([algorithm, looked.limit, looked.remaining, looked.rules[0]!.limit]).toEqual([
            algorithm,
            quota,
            quota,
            quota,
          ]);
          const decisions: Decision[] = [];
          for (let i = 0; i < 12; i++) decisions.push(await limiter.limit(key, { limits: { r: quota } }));
          expect([algorithm, allowedCount(decisions)]).toEqual([algorithm, quota]);
          expect(decisions.every((d) => d.limit === quota && d.rules[0]!.limit === quota)).toBe(true);
          expect(decisions.map((d) => d.remaining).slice(0, quota + 1)).toEqual([
            ...Array.from({ length: quota }, (_, i) => quota - 1 - i),
            0,
          ]);
        }
      }
    },
  },
  {
    // DynamoDB's arithmetic writes and the Upstash script must take the limit from the request's rules.
    name: "limits: 60 parallel requests with a per-call quota of 7 admit exactly 7, for every algorithm",
    async run(context) {
      for (const [algorithm, rule] of Object.entries(NAMED)) {
        const limiter = limiterFor(context, [rule], () => T0);
        const decisions = await Promise.all(
          Array.from({ length: 60 }, () => limiter.limit(`race-${algorithm}`, { limits: { r: 7 } })),
        );
        expect([algorithm, allowedCount(decisions)]).toEqual([algorithm, 7]);
      }
    },
  },
  {
    name: "limits: counts carry over when the quota changes; a lower quota denies a key above it until it drains",
    async run(context) {
      let now = T0 - (T0 % 1000) + 10;
      const limiter = limiterFor(context, [fixedWindow({ limit: 5, window: 1000, name: "r" })], () => now);
      expect((await limiter.limit("k", { cost: 4 })).remaining).toBe(1);
      const lower = await limiter.limit("k", { limits: { r: 3 } });
      expect([lower.allowed, lower.limit, lower.remaining, lower.retryAfterMs]).toEqual([false, 3, 0, 990]);
      const higher: Decision[] = [];
      for (let i = 0; i < 6; i++) higher.push(await limiter.limit("k", { limits: { r: 8 } }));
      expect(higher.map((d) => d.allowed)).toEqual([true, true, true, true, false, false]);
      expect((await limiter.peek("k")).remaining).toBe(0);
      now += 990;
      expect((await limiter.limit("k", { limits: { r: 3 } })).remaining).toBe(2);
    },
  },
  {
    name: "limits: on a key with several rules, only the named rule takes the per-call quota",
    async run(context) {
      const limiter = limiterFor(
        context,
        [
          fixedWindow({ limit: 10, window: "1m", name: "minute" }),
          tokenBucket({ capacity: 4, refillRate: 1, interval: "1h", name: "bucket" }),
        ],
        () => T0,
      );
      const decisions: Decision[] = [];
      for (let i = 0; i < 5; i++) decisions.push(await limiter.limit("k", { limits: { minute: 3 } }));
      expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false, false]);
      expect(decisions[3]!.rules.map((r) => [r.name, r.limit, r.allowed, r.remaining])).toEqual([
        ["minute", 3, false, 0],
        ["bucket", 4, true, 1],
      ]);
      const more: Decision[] = [];
      for (let i = 0; i < 3; i++) more.push(await limiter.limit("k", { limits: { minute: 50 } }));
      // The bucket has 1 left, then none: it is the tightest rule, so the headline limit is its 4.
      expect(more.map((d) => [d.allowed, d.limit, d.rules[0]!.limit])).toEqual([
        [true, 4, 50],
        [false, 4, 50],
        [false, 4, 50],
      ]);
    },
  },
  {
    name: "limits: exceeds-capacity is judged against the per-call capacity",
    async run(context) {
      const limiter = limiterFor(
        context,
        [tokenBucket({ capacity: 6, refillRate: 2, interval: 700, name: "r" })],
        () => T0,
      );
      const over = await limiter.limit("k", { cost: 4, limits: { r: 3 } });
      expect([over.allowed, over.reason, over.limit, over.retryAfterMs]).toEqual([
        false,
        "exceeds-capacity",
        3,
        Number.POSITIVE_INFINITY,
      ]);
      expect((await limiter.peek("k", { cost: 8 })).reason).toBe("exceeds-capacity");
      const big = await limiter.limit("k", { cost: 8, limits: { r: 10 } });
      expect([big.allowed, big.reason, big.limit, big.remaining]).toEqual([true, "allowed", 10, 2]);
    },
  },
];

/** The same for concurrency rules (stores that support them). */
export const tenantsConcurrencyChecks: readonly Check[] = [
  {
    name: "limits: concurrency admits the per-call number of leases, and releasing works whatever the quota",
    async run(context) {
      const limiter = limiterFor(context, [concurrency({ limit: 2, lease: "30s", name: "r" })], () => T0);
      const held: Decision[] = [];
      for (let i = 0; i < 4; i++) held.push(await limiter.limit("k", { limits: { r: 3 } }));
      expect(held.map((d) => [d.allowed, d.limit])).toEqual([
        [true, 3],
        [true, 3],
        [true, 3],
        [false, 3],
      ]);
      expect((await limiter.limit("k")).allowed).toBe(false);
      await held[0]!.release!();
      await limiter.release("k", held[1]!.leaseId!);
      expect((await limiter.peek("k", { cost: 0 })).remaining).toBe(1);
      expect((await limiter.limit("k")).allowed).toBe(true);
    },
  },
];
