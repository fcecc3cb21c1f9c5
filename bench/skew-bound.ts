import type { Rule } from "../src/rules/types.ts";

/**
 * The most units one rule can admit on one key in any set of decisions whose clock readings span `spanMs`
 * (docs/consistency.md). Callers whose clocks are `d` ms apart, deciding during a real-time interval of length L,
 * read clocks spanning at most L + d: pass that. With one clock (d = 0) it is the algorithm's own burst bound.
 * - fixed and sliding windows: `limit` in each aligned window the span touches, ⌈span / window⌉ + 1 of them
 *   (the sliding estimate never admits more than the fixed count of its current window);
 * - token bucket: a full bucket plus `refillRate` for each refill tick the span can hold, ⌈span / interval⌉;
 * - GCRA: `burst` plus one per emission interval `period / limit` in the span.
 * `tests/unit/clock-skew.test.ts` checks each formula against the reference algorithms.
 */
export function overAdmissionBound(rule: Rule, spanMs: number): number {
  switch (rule.algorithm) {
    case "fixedWindow":
    case "slidingWindow":
      return rule.limit * (Math.ceil(spanMs / rule.windowMs) + 1);
    case "tokenBucket":
      return rule.capacity + rule.refillRate * Math.ceil(spanMs / rule.intervalMs);
    case "gcra":
      return rule.burst + Math.floor((spanMs * rule.limit) / rule.periodMs);
    case "concurrency":
      return rule.limit;
  }
}
