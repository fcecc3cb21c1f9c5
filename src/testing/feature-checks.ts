import { expect } from "vitest";
import {
  blockFor,
  type Decision,
  deniedBody,
  fixedWindow,
  gcra,
  type RuleInput,
  rateLimitHeaders,
  shadow,
  slidingWindow,
  tokenBucket,
} from "../index.ts";
import { type Check, limiterFor, T0 } from "./checks.ts";
import { manualClock } from "./clock.ts";

// `shadow()` and `blockFor()` rules on the store under test. T0 is 123 ms into a second (and a day), so a 1 s
// window ends 877 ms after it.

const ALGORITHMS: Record<string, (name: string) => RuleInput> = {
  fixedWindow: (name) => fixedWindow({ limit: 5, window: 1000, name }),
  slidingWindow: (name) => slidingWindow({ limit: 7, window: 2000, name }),
  tokenBucket: (name) => tokenBucket({ capacity: 6, refillRate: 2, interval: 700, name }),
  gcra: (name) => gcra({ limit: 3, period: 1000, burst: 2, name }),
};

const fields = (d: Decision["rules"][number]) => [d.allowed, d.remaining, d.resetAt, d.retryAfterMs];
const costs = [1, 2, 1, 3, 1, 1, 2, 1, 1, 4, 1, 1, 2, 1, 1, 1];
const steps = [0, 90, 0, 250, 0, 400, 0, 700, 0, 0, 1300, 0, 60, 0, 2100, 0];

export const shadowChecks: readonly Check[] = [
  {
    // A shadow rule must evolve exactly like the same rule enforced alone: it consumes when, and only when, it
    // alone allows. The enforced rule beside it never denies here.
    name: "shadow: a shadow rule answers as the rule enforced alone would, and never denies, for every algorithm",
    async run(context) {
      for (const [algorithm, make] of Object.entries(ALGORITHMS)) {
        const clock = manualClock(T0);
        const watched = limiterFor(
          context,
          [fixedWindow({ limit: 1000, window: "1h", name: "wide" }), shadow(make("trial"))],
          clock,
        );
        const alone = limiterFor({ ...context, prefix: `${context.prefix}alone` }, [make("trial")], clock);
        let wouldDeny = 0;
        for (let i = 0; i < costs.length; i++) {
          clock.advance(steps[i]!);
          const d = await watched.limit(algorithm, { cost: costs[i]! });
          const reference = await alone.limit(algorithm, { cost: costs[i]! });
          expect([algorithm, i, d.allowed, d.reason, d.rules[1]!.shadow]).toEqual([
            algorithm,
            i,
            true,
            "allowed",
            true,
          ]);
          expect([algorithm, i, ...fields(d.rules[1]!)]).toEqual([algorithm, i, ...fields(reference.rules[0]!)]);
          if (!d.rules[1]!.allowed) wouldDeny++;
        }
        // The trace does reach the shadow rule's limit.
        expect([algorithm, wouldDeny > 0]).toEqual([algorithm, true]);
      }
    },
  },
  {
    name: "shadow: shadow denials stay out of the headline, the headers and violated-policies; its quota is kept apart",
    async run(context) {
      const clock = manualClock(T0);
      const limiter = limiterFor(
        context,
        [
          fixedWindow({ limit: 10, window: 1000, name: "api" }),
          shadow(fixedWindow({ limit: 5, window: 1000, name: "trial" })),
        ],
        clock,
      );
      const first = await limiter.limit("k", { cost: 3 });
      expect([first.allowed, first.remaining, first.rules[1]!.remaining]).toEqual([true, 7, 2]);
      // The shadow rule would deny 3 of its 2 left: admitted, and the shadow rule keeps its 2.
      const second = await limiter.limit("k", { cost: 3 });
      expect([
        second.allowed,
        second.reason,
        second.limit,
        second.remaining,
        second.resetAt,
        second.retryAfterMs,
      ]).toEqual([true, "allowed", 10, 4, T0 + 877, 0]);
      expect(fields(second.rules[1]!)).toEqual([false, 2, T0 + 877, 877]);
      expect(rateLimitHeaders(second)).toEqual({
        "RateLimit-Policy": '"api";q=10;w=1',
        RateLimit: '"api";r=4;t=1',
      });
      const third = await limiter.limit("k", { cost: 2 });
      expect([third.allowed, third.remaining, ...fields(third.rules[1]!)]).toEqual([true, 2, true, 0, T0 + 877, 0]);
      // The enforced rule denies: nothing is consumed, by either rule, and only it is named.
      const denied = await limiter.limit("k", { cost: 3 });
      expect([denied.allowed, denied.reason, denied.remaining, denied.retryAfterMs]).toEqual([
        false,
        "limited",
        2,
        877,
      ]);
      expect(deniedBody(denied, "1")["violated-policies"]).toEqual(["api"]);
      expect(rateLimitHeaders(denied, "draft-7")).toEqual({
        "Retry-After": "1",
        "RateLimit-Policy": "10;w=1",
        RateLimit: "limit=10, remaining=2, reset=1",
      });
      const looked = await limiter.peek("k", { cost: 0 });
      expect([looked.remaining, looked.rules[1]!.remaining]).toEqual([2, 0]);
    },
  },
  {
    name: "shadow: an enforced denial consumes nothing from a shadow rule that would allow",
    async run(context) {
      const limiter = limiterFor(
        context,
        [
          fixedWindow({ limit: 2, window: 1000, name: "api" }),
          shadow(fixedWindow({ limit: 10, window: 1000, name: "trial" })),
        ],
        () => T0,
      );
      const decisions: Decision[] = [];
      for (let i = 0; i < 6; i++) decisions.push(await limiter.limit("k"));
      expect(decisions.map((d) => d.allowed)).toEqual([true, true, false, false, false, false]);
      expect(decisions.map((d) => d.rules[1]!.allowed)).toEqual([true, true, true, true, true, true]);
      expect((await limiter.peek("k", { cost: 0 })).rules[1]!.remaining).toBe(8);
    },
  },
  {
    name: "shadow: a limiter whose rules are all shadow admits everything and sends no RateLimit fields",
    async run(context) {
      const limiter = limiterFor(context, [shadow(fixedWindow({ limit: 2, window: 1000, name: "trial" }))], () => T0);
      const decisions: Decision[] = [];
      for (let i = 0; i < 4; i++) decisions.push(await limiter.limit("k"));
      expect(decisions.map((d) => [d.allowed, d.reason, d.rules[0]!.allowed, d.rules[0]!.remaining])).toEqual([
        [true, "allowed", true, 1],
        [true, "allowed", true, 0],
        [true, "allowed", false, 0],
        [true, "allowed", false, 0],
      ]);
      const last = decisions[3]!;
      expect([last.limit, last.remaining, last.resetAt, last.retryAfterMs]).toEqual([
        Number.POSITIVE_INFINITY,
        Number.POSITIVE_INFINITY,
        T0,
        0,
      ]);
      expect(rateLimitHeaders(last)).toEqual({});
      // A cost above the shadow rule's capacity is its own denial (never), not the call's.
      const big = await limiter.limit("k", { cost: 3 });
      expect([big.allowed, big.reason, big.rules[0]!.allowed, big.rules[0]!.retryAfterMs]).toEqual([
        true,
        "allowed",
        false,
        Number.POSITIVE_INFINITY,
      ]);
    },
  },
];

const LOGIN = () => blockFor(fixedWindow({ limit: 2, window: 1000, name: "login" }), 5000);

export const blockChecks: readonly Check[] = [
  {
    name: "blockFor: a breach blocks for exactly the duration; denials and peeks during it do not extend it",
    async run(context) {
      const clock = manualClock(T0);
      const limiter = limiterFor(context, [LOGIN()], clock);
      expect((await limiter.limit("k")).allowed).toBe(true);
      expect((await limiter.limit("k")).allowed).toBe(true);
      const breach = await limiter.limit("k");
      expect([breach.allowed, breach.reason, breach.remaining, breach.resetAt, breach.retryAfterMs]).toEqual([
        false,
        "limited",
        0,
        T0 + 5000,
        5000,
      ]);
      expect(deniedBody(breach, "5")["violated-policies"]).toEqual(["login"]);
      expect(rateLimitHeaders(breach)["Retry-After"]).toBe("5");
      // Still the breach's window: the algorithm denies too, and that denial does not extend the block.
      clock.set(T0 + 500);
      const again = await limiter.limit("k");
      expect([again.allowed, again.resetAt, again.retryAfterMs]).toEqual([false, T0 + 5000, 4500]);
      // A new window: the algorithm would allow, the block does not.
      clock.set(T0 + 2000);
      const looked = await limiter.peek("k");
      expect([looked.allowed, looked.remaining, looked.resetAt, looked.retryAfterMs]).toEqual([
        false,
        0,
        T0 + 5000,
        3000,
      ]);
      const during = await limiter.limit("k");
      expect([during.allowed, during.remaining, during.resetAt, during.retryAfterMs]).toEqual([
        false,
        0,
        T0 + 5000,
        3000,
      ]);
      const free = await limiter.peek("k", { cost: 0 });
      expect([free.allowed, free.remaining, free.resetAt]).toEqual([true, 0, T0 + 5000]);
      clock.set(T0 + 4999);
      expect((await limiter.limit("k")).retryAfterMs).toBe(1);
      clock.set(T0 + 5000);
      const after = await limiter.limit("k");
      expect([after.allowed, after.remaining]).toEqual([true, 1]);
      // The next breach starts a new block, from its own time.
      clock.set(T0 + 5100);
      expect((await limiter.limit("k")).allowed).toBe(true);
      const next = await limiter.limit("k");
      expect([next.allowed, next.retryAfterMs, next.resetAt]).toEqual([false, 5000, T0 + 10_100]);
    },
  },
  {
    name: "blockFor: retryAfterMs is the longer of the block and the algorithm's own wait, for every algorithm",
    async run(context) {
      for (const [algorithm, make] of Object.entries(ALGORITHMS)) {
        for (const blockMs of [1, 3000]) {
          const clock = manualClock(T0);
          const blocked = limiterFor(context, [blockFor(make("r"), blockMs)], clock);
          const alone = limiterFor({ ...context, prefix: `${context.prefix}alone` }, [make("r")], clock);
          const key = `${algorithm}-${blockMs}`;
          let d: Decision;
          let reference: Decision;
          do {
            d = await blocked.limit(key, { cost: 2 });
            reference = await alone.limit(key, { cost: 2 });
            expect([algorithm, d.allowed]).toEqual([algorithm, reference.allowed]);
          } while (d.allowed);
          const wait = Math.max(blockMs, reference.retryAfterMs);
          expect([algorithm, blockMs, d.retryAfterMs, d.remaining, d.resetAt]).toEqual([
            algorithm,
            blockMs,
            wait,
            0,
            Math.max(reference.resetAt, T0 + blockMs),
          ]);
          clock.set(T0 + wait - 1);
          expect([algorithm, blockMs, (await blocked.peek(key, { cost: 2 })).retryAfterMs]).toEqual([
            algorithm,
            blockMs,
            1,
          ]);
          clock.set(T0 + wait);
          expect([algorithm, blockMs, (await blocked.limit(key, { cost: 2 })).allowed]).toEqual([
            algorithm,
            blockMs,
            true,
          ]);
        }
      }
    },
  },
  {
    name: "blockFor: another rule's denial, a peek and a cost-0 call start no block",
    async run(context) {
      const clock = manualClock(T0);
      const limiter = limiterFor(
        context,
        [
          blockFor(fixedWindow({ limit: 5, window: "1m", name: "login" }), "1h"),
          fixedWindow({ limit: 3, window: 1000, name: "burst" }),
        ],
        clock,
      );
      expect((await limiter.limit("k", { cost: 3 })).allowed).toBe(true);
      const other = await limiter.limit("k");
      expect([other.allowed, other.retryAfterMs, other.rules[0]!.allowed, other.rules[0]!.retryAfterMs]).toEqual([
        false,
        877,
        true,
        0,
      ]);
      expect((await limiter.peek("k", { cost: 3 })).rules[0]!.allowed).toBe(false);
      expect((await limiter.limit("k", { cost: 0 })).rules[0]!.allowed).toBe(true);
      clock.set(T0 + 877);
      const next = await limiter.limit("k");
      expect([next.allowed, next.rules[0]!.remaining]).toEqual([true, 1]);
    },
  },
  {
    name: "blockFor: the key outlives its counters while blocked, and reset ends the block",
    async run(context) {
      const clock = manualClock(T0);
      const limiter = limiterFor(
        context,
        [blockFor(fixedWindow({ limit: 1, window: 1000, name: "login" }), "1m")],
        clock,
      );
      await limiter.limit("k");
      expect((await limiter.limit("k")).retryAfterMs).toBe(60_000);
      // The window's count is long gone; the block is not.
      clock.set(T0 + 59_999);
      expect((await limiter.peek("k")).retryAfterMs).toBe(1);
      await limiter.reset("k");
      const fresh = await limiter.limit("k");
      expect([fresh.allowed, fresh.remaining]).toEqual([true, 0]);
    },
  },
  {
    name: "blockFor: 30 parallel calls that breach at once leave one block, from that time",
    async run(context) {
      const clock = manualClock(T0);
      const limiter = limiterFor(context, [LOGIN()], clock);
      const decisions = await Promise.all(Array.from({ length: 30 }, () => limiter.limit("k")));
      expect(decisions.filter((d) => d.allowed).length).toBe(2);
      expect(decisions.filter((d) => !d.allowed).map((d) => d.retryAfterMs)).toEqual(Array(28).fill(5000));
      clock.set(T0 + 4999);
      expect((await limiter.limit("k")).retryAfterMs).toBe(1);
      clock.set(T0 + 5000);
      expect((await limiter.limit("k")).allowed).toBe(true);
    },
  },
];
