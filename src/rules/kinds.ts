import { concurrency as runConcurrency } from "../algorithms/concurrency.ts";
import { fixedWindow as runFixedWindow } from "../algorithms/fixed-window.ts";
import { gcra as runGcra } from "../algorithms/gcra.ts";
import { slidingWindow as runSlidingWindow } from "../algorithms/sliding-window.ts";
import { tokenBucket as runTokenBucket } from "../algorithms/token-bucket.ts";
import { formatDuration } from "../duration.ts";
import { leaseCodec } from "../leases.ts";
import type { RuleKind } from "./input.ts";
import type { ConcurrencyRule, FixedWindowRule, GcraRule, SlidingWindowRule, TokenBucketRule } from "./types.ts";

// One kind per algorithm: its options and checks, default name, capacity, policy and the algorithm itself.
// Each constant stands alone so that a bundle keeps only the kinds whose constructors it calls (and no top-level
// constant of their own: a bundler keeps `const x = Number.MAX_SAFE_INTEGER` even when nothing reads it).

const windowed: RuleKind<FixedWindowRule>["build"] = (count, duration) => ({
  limit: count("limit"),
  windowMs: duration("window"),
});

/** `fixedWindow()`: at most `limit` per epoch-aligned window. */
export const FIXED_WINDOW: RuleKind<FixedWindowRule> = {
  options: ["limit", "window"],
  build: windowed,
  defaultName: (rule) => `fixed-${rule.limit}-per-${formatDuration(rule.windowMs)}`,
  capacity: (rule) => rule.limit,
  policy: (rule) => ({ quota: rule.limit, windowMs: rule.windowMs }),
  evaluate: runFixedWindow,
};

// Not `{ ...FIXED_WINDOW, … }`: a kind that references another keeps the other's algorithm in every bundle.

/** `slidingWindow()`: the two-window weighted estimate. */
export const SLIDING_WINDOW: RuleKind<SlidingWindowRule> = {
  options: ["limit", "window"],
  build(count, duration, problem) {
    const rule = windowed(count, duration, problem);
    if (rule.limit * rule.windowMs > Number.MAX_SAFE_INTEGER) {
      problem("limit × window must stay below 2^53 so the weighted count is exact; lower one of them");
    }
    return rule;
  },
  defaultName: (rule) => `sliding-${rule.limit}-per-${formatDuration(rule.windowMs)}`,
  capacity: (rule) => rule.limit,
  policy: (rule) => ({ quota: rule.limit, windowMs: rule.windowMs }),
  evaluate: runSlidingWindow,
};

/** `tokenBucket()`: `refillRate` whole tokens every `interval` (default 1s), up to `capacity`. */
export const TOKEN_BUCKET: RuleKind<TokenBucketRule> = {
  options: ["capacity", "refillRate", "interval"],
  build(count, duration, problem) {
    const capacity = count("capacity");
    const refillRate = count("refillRate");
    const intervalMs = duration("interval", 1000);
    if (refillRate > capacity) problem(`refillRate (${refillRate}) must not exceed capacity (${capacity})`);
    return { capacity, refillRate, intervalMs };
  },
  defaultName: (rule) => `bucket-${rule.capacity}-refill-${rule.refillRate}-per-${formatDuration(rule.intervalMs)}`,
  capacity: (rule) => rule.capacity,
  policy: (rule) => ({ quota: rule.capacity, windowMs: Math.ceil(rule.capacity / rule.refillRate) * rule.intervalMs }),
  evaluate: runTokenBucket,
};

/** `gcra()`: `limit` per `period` spread evenly, `burst` (default `limit`) at once. */
export const GCRA: RuleKind<GcraRule> = {
  options: ["limit", "period", "burst"],
  build(count, duration, problem) {
    const limit = count("limit");
    const periodMs = duration("period");
    const burst = count("burst", limit);
    if (burst * periodMs > Number.MAX_SAFE_INTEGER) {
      problem("burst × period must stay below 2^53 so the arithmetic is exact; lower one of them");
    }
    return { limit, periodMs, burst };
  },
  defaultName: (rule) => `gcra-${rule.limit}-per-${formatDuration(rule.periodMs)}-burst-${rule.burst}`,
  capacity: (rule) => rule.burst,
  policy: (rule) => ({ quota: rule.limit, windowMs: rule.periodMs }),
  evaluate: runGcra,
};

/** `concurrency()`: `limit` in flight, each lease freed after `lease` (default 30s) at the latest. */
export const CONCURRENCY: RuleKind<ConcurrencyRule> = {
  options: ["limit", "lease"],
  build: (count, duration) => ({ limit: count("limit"), leaseMs: duration("lease", 30_000) }),
  defaultName: (rule) => `concurrency-${rule.limit}`,
  capacity: (rule) => rule.limit,
  policy: (rule) => ({ quota: rule.limit, windowMs: rule.leaseMs }),
  evaluate: runConcurrency,
  leases: leaseCodec,
};
