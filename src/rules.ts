import { concurrency as runConcurrency } from "./algorithms/concurrency.ts";
import type { Evaluation, RuleState } from "./algorithms/evaluation.ts";
import { fixedWindow as runFixedWindow } from "./algorithms/fixed-window.ts";
import { gcra as runGcra } from "./algorithms/gcra.ts";
import { slidingWindow as runSlidingWindow } from "./algorithms/sliding-window.ts";
import { tokenBucket as runTokenBucket } from "./algorithms/token-bucket.ts";
import { type Duration, describe, formatDuration, parseDuration } from "./duration.ts";
import { type LeaseCodec, leaseCodec } from "./leases.ts";

/** The algorithms a rule can use. A store declares which of them it supports. */
export type Algorithm = "fixedWindow" | "slidingWindow" | "tokenBucket" | "gcra" | "concurrency";

/** Every algorithm, in the order errors and stores list them. */
export const ALGORITHMS: readonly Algorithm[] = /* @__PURE__ */ Object.freeze([
  "fixedWindow",
  "slidingWindow",
  "tokenBucket",
  "gcra",
  "concurrency",
]);

/** A validated rule, as stores receive it: whole numbers, durations in milliseconds. */
export type Rule = FixedWindowRule | SlidingWindowRule | TokenBucketRule | GcraRule | ConcurrencyRule;
export interface FixedWindowRule {
  readonly algorithm: "fixedWindow";
  readonly name: string;
  readonly limit: number;
  readonly windowMs: number;
}
export interface SlidingWindowRule {
  readonly algorithm: "slidingWindow";
  readonly name: string;
  readonly limit: number;
  readonly windowMs: number;
}
export interface TokenBucketRule {
  readonly algorithm: "tokenBucket";
  readonly name: string;
  readonly capacity: number;
  readonly refillRate: number;
  readonly intervalMs: number;
}
export interface GcraRule {
  readonly algorithm: "gcra";
  readonly name: string;
  readonly limit: number;
  readonly periodMs: number;
  readonly burst: number;
}
export interface ConcurrencyRule {
  readonly algorithm: "concurrency";
  readonly name: string;
  readonly limit: number;
  readonly leaseMs: number;
}

/** What a rule constructor returns: the options as given, checked by `createRateLimiter`. */
export interface RuleInput {
  readonly algorithm: Algorithm;
  readonly options: Readonly<Record<string, unknown>>;
  /**
   * How to check, describe and run this kind of rule. The input carries it so that a bundle holds only the
   * algorithms whose constructors it calls.
   */
  readonly kind: RuleKind;
}

/** A rule as an IETF RateLimit policy: quota `quota` per window `windowMs`. */
export interface Policy {
  readonly quota: number;
  readonly windowMs: number;
}

/** Reads one option; a bad value is recorded as a problem and read as 1, so checking goes on. */
export type OptionReader = (option: string, fallback?: number) => number;

/** Everything the core knows of one algorithm, apart from the store that keeps its state. */
export interface RuleKind<R extends Rule = Rule> {
  /** The options its constructor accepts, besides `name`. */
  readonly options: readonly string[];
  /** The rule's numbers from its options: `count` reads whole numbers, `duration` milliseconds. */
  build(count: OptionReader, duration: OptionReader, problem: (text: string) => void): Omit<R, "name" | "algorithm">;
  /** The policy name used when the options give none. */
  defaultName(rule: R): string;
  /** The most one request may cost; a larger cost is denied as `"exceeds-capacity"`. */
  capacity(rule: R): number;
  policy(rule: R): Policy;
  /** The algorithm itself (`src/algorithms/`). */
  evaluate(rule: R, state: RuleState | undefined, cost: number, now: number): Evaluation;
  /** Concurrency rules: how a decision's leases become one string and back. */
  readonly leases?: LeaseCodec;
}

interface Named {
  /** Policy name, used in RateLimit headers and as the rule's id in the store. Default derived from the options. */
  name?: string;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

const windowed: RuleKind<FixedWindowRule>["build"] = (count, duration) => ({
  limit: count("limit"),
  windowMs: duration("window"),
});

const FIXED_WINDOW: RuleKind<FixedWindowRule> = {
  options: ["limit", "window"],
  build: windowed,
  defaultName: (rule) => `fixed-${rule.limit}-per-${formatDuration(rule.windowMs)}`,
  capacity: (rule) => rule.limit,
  policy: (rule) => ({ quota: rule.limit, windowMs: rule.windowMs }),
  evaluate: runFixedWindow,
};

// Not `{ ...FIXED_WINDOW, … }`: a kind that references another keeps the other's algorithm in every bundle.
const SLIDING_WINDOW: RuleKind<SlidingWindowRule> = {
  options: ["limit", "window"],
  build(count, duration, problem) {
    const rule = windowed(count, duration, problem);
    if (rule.limit * rule.windowMs > MAX_SAFE) {
      problem("limit × window must stay below 2^53 so the weighted count is exact; lower one of them");
    }
    return rule;
  },
  defaultName: (rule) => `sliding-${rule.limit}-per-${formatDuration(rule.windowMs)}`,
  capacity: (rule) => rule.limit,
  policy: (rule) => ({ quota: rule.limit, windowMs: rule.windowMs }),
  evaluate: runSlidingWindow,
};

const TOKEN_BUCKET: RuleKind<TokenBucketRule> = {
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

const GCRA: RuleKind<GcraRule> = {
  options: ["limit", "period", "burst"],
  build(count, duration, problem) {
    const limit = count("limit");
    const periodMs = duration("period");
    const burst = count("burst", limit);
    if (burst * periodMs > MAX_SAFE) {
      problem("burst × period must stay below 2^53 so the arithmetic is exact; lower one of them");
    }
    return { limit, periodMs, burst };
  },
  defaultName: (rule) => `gcra-${rule.limit}-per-${formatDuration(rule.periodMs)}-burst-${rule.burst}`,
  capacity: (rule) => rule.burst,
  policy: (rule) => ({ quota: rule.limit, windowMs: rule.periodMs }),
  evaluate: runGcra,
};

const CONCURRENCY: RuleKind<ConcurrencyRule> = {
  options: ["limit", "lease"],
  build: (count, duration) => ({ limit: count("limit"), leaseMs: duration("lease", 30_000) }),
  defaultName: (rule) => `concurrency-${rule.limit}`,
  capacity: (rule) => rule.limit,
  policy: (rule) => ({ quota: rule.limit, windowMs: rule.leaseMs }),
  evaluate: runConcurrency,
  leases: leaseCodec,
};

/** At most `limit` requests per window; windows are aligned to the epoch. */
export function fixedWindow(options: { limit: number; window: Duration } & Named): RuleInput {
  return input("fixedWindow", FIXED_WINDOW, options);
}

/** The two-window weighted estimate: `previous × (1 − elapsed/window) + current` must stay within `limit`. */
export function slidingWindow(options: { limit: number; window: Duration } & Named): RuleInput {
  return input("slidingWindow", SLIDING_WINDOW, options);
}

/** Starts full with `capacity` tokens; `refillRate` whole tokens come back every `interval` (default 1s). */
export function tokenBucket(options: { capacity: number; refillRate: number; interval?: Duration } & Named): RuleInput {
  return input("tokenBucket", TOKEN_BUCKET, options);
}

/** Generic cell rate: `limit` per `period`, spread evenly, with up to `burst` (default `limit`) at once. */
export function gcra(options: { limit: number; period: Duration; burst?: number } & Named): RuleInput {
  return input("gcra", GCRA, options);
}

/** At most `limit` requests in flight; a lease frees itself after `lease` (default 30s) if never released. */
export function concurrency(options: { limit: number; lease?: Duration } & Named): RuleInput {
  return input("concurrency", CONCURRENCY, options);
}

function input<R extends Rule>(algorithm: R["algorithm"], kind: RuleKind<R>, options: object): RuleInput {
  return Object.freeze({ algorithm, options: Object.freeze({ ...options }), kind: kind as unknown as RuleKind });
}

/** The kind of a validated rule (from its algorithm), for code that receives plain rules: stores, tests. */
export const kindOf = (rule: Rule): RuleKind => KINDS[rule.algorithm];

const KINDS = {
  fixedWindow: FIXED_WINDOW,
  slidingWindow: SLIDING_WINDOW,
  tokenBucket: TOKEN_BUCKET,
  gcra: GCRA,
  concurrency: CONCURRENCY,
} as unknown as Record<Algorithm, RuleKind>;

/** The most one request may cost under a rule; a larger cost is denied as `"exceeds-capacity"`. */
export const capacityOf = (rule: Rule): number => kindOf(rule).capacity(rule);

/** The rule as an IETF RateLimit policy: quota `q` per window `w` (in ms here). */
export const policyOf = (rule: Rule): Policy => kindOf(rule).policy(rule);

// Ten years: long enough for any quota, short enough that `start + 2 × window` stays an exact integer.
const MAX_DURATION_MS = 10 * 365 * 86_400_000;
const MAX_COUNT = 1_000_000_000;

/** Validates one rule; pushes every problem into `problems` and returns the rule when there are none. */
export function normalizeRule(raw: unknown, where: string, problems: string[]): Rule | undefined {
  const { algorithm, options, kind } = (raw ?? {}) as Partial<RuleInput>;
  if (typeof options !== "object" || typeof kind?.build !== "function") {
    problems.push(
      ALGORITHMS.includes(algorithm as Algorithm) || typeof algorithm !== "string"
        ? `${where}: expected a rule from ${ALGORITHMS.join("(), ")}()`
        : `${where}: unknown algorithm ${describe(algorithm)}; use one of ${ALGORITHMS.join(", ")}`,
    );
    return undefined;
  }
  const before = problems.length;
  const here = `${where} (${algorithm})`;
  const problem = (text: string) => problems.push(`${here}: ${text}`);
  for (const option of Object.keys(options)) {
    if (option !== "name" && !kind.options.includes(option)) problem(`unknown option "${option}"`);
  }
  const count: OptionReader = (option, fallback) => {
    const value = options[option] ?? fallback;
    if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= MAX_COUNT) return value;
    problem(`${option} must be a whole number from 1 to ${MAX_COUNT}, got ${describe(value)}`);
    return 1;
  };
  const duration: OptionReader = (option, fallback) => {
    const parsed = parseDuration(options[option] ?? fallback);
    if (typeof parsed === "string") problem(`${option}: ${parsed}`);
    else if (parsed < 1) problem(`${option} must be at least 1ms, got ${describe(options[option])}`);
    else if (parsed > MAX_DURATION_MS) problem(`${option} must be at most 10 years`);
    else return parsed;
    return 1;
  };
  const rule = { algorithm, name: "", ...kind.build(count, duration, problem) } as Rule;
  const name = options.name ?? kind.defaultName(rule);
  if (typeof name !== "string" || !/^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,64}$/.test(name)) {
    problem(`name must be 1 to 64 printable ASCII characters without quotes or backslashes, got ${describe(name)}`);
  }
  if (problems.length > before) return undefined;
  return Object.freeze({ ...rule, name: name as string });
}
