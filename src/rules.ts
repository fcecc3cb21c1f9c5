import { type Duration, describe, formatDuration, parseDuration } from "./duration.ts";

/** The algorithms a rule can use. A store declares which of them it supports. */
export type Algorithm = "fixedWindow" | "slidingWindow" | "tokenBucket" | "gcra" | "concurrency";

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
}

interface Named {
  /** Policy name, used in RateLimit headers and as the rule's id in the store. Default derived from the options. */
  name?: string;
}

/** At most `limit` requests per window; windows are aligned to the epoch. */
export function fixedWindow(options: { limit: number; window: Duration } & Named): RuleInput {
  return input("fixedWindow", options);
}

/** The two-window weighted estimate: `previous × (1 − elapsed/window) + current` must stay within `limit`. */
export function slidingWindow(options: { limit: number; window: Duration } & Named): RuleInput {
  return input("slidingWindow", options);
}

/** Starts full with `capacity` tokens; `refillRate` whole tokens come back every `interval` (default 1s). */
export function tokenBucket(options: { capacity: number; refillRate: number; interval?: Duration } & Named): RuleInput {
  return input("tokenBucket", options);
}

/** Generic cell rate: `limit` per `period`, spread evenly, with up to `burst` (default `limit`) at once. */
export function gcra(options: { limit: number; period: Duration; burst?: number } & Named): RuleInput {
  return input("gcra", options);
}

/** At most `limit` requests in flight; a lease frees itself after `lease` (default 30s) if never released. */
export function concurrency(options: { limit: number; lease?: Duration } & Named): RuleInput {
  return input("concurrency", options);
}

function input(algorithm: Algorithm, options: object): RuleInput {
  return Object.freeze({ algorithm, options: Object.freeze({ ...options }) });
}

// Ten years: long enough for any quota, short enough that `start + 2 × window` stays an exact integer.
const MAX_DURATION_MS = 10 * 365 * 86_400_000;
const MAX_COUNT = 1_000_000_000;
const KNOWN: Record<Algorithm, readonly string[]> = {
  fixedWindow: ["limit", "window", "name"],
  slidingWindow: ["limit", "window", "name"],
  tokenBucket: ["capacity", "refillRate", "interval", "name"],
  gcra: ["limit", "period", "burst", "name"],
  concurrency: ["limit", "lease", "name"],
};

/** Validates one rule; pushes every problem into `problems` and returns the rule when there are none. */
export function normalizeRule(raw: unknown, where: string, problems: string[]): Rule | undefined {
  if (typeof raw !== "object" || raw === null || !("algorithm" in raw) || !("options" in raw)) {
    problems.push(
      `${where}: expected a rule from fixedWindow(), slidingWindow(), tokenBucket(), gcra() or concurrency()`,
    );
    return undefined;
  }
  const { algorithm, options } = raw as RuleInput;
  if (!(algorithm in KNOWN)) {
    problems.push(`${where}: unknown algorithm ${describe(algorithm)}; use one of ${Object.keys(KNOWN).join(", ")}`);
    return undefined;
  }
  const before = problems.length;
  const here = `${where} (${algorithm})`;
  for (const option of Object.keys(options)) {
    if (!KNOWN[algorithm].includes(option)) problems.push(`${here}: unknown option "${option}"`);
  }
  const count = (option: string, fallback?: number): number => {
    const value = options[option] ?? fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_COUNT) {
      problems.push(`${here}: ${option} must be a whole number from 1 to ${MAX_COUNT}, got ${describe(value)}`);
      return 1;
    }
    return value;
  };
  const duration = (option: string, fallback?: number): number => {
    const parsed = parseDuration(options[option] ?? fallback);
    if (typeof parsed === "string") problems.push(`${here}: ${option}: ${parsed}`);
    else if (parsed < 1) problems.push(`${here}: ${option} must be at least 1ms, got ${describe(options[option])}`);
    else if (parsed > MAX_DURATION_MS) problems.push(`${here}: ${option} must be at most 10 years`);
    else return parsed;
    return 1;
  };
  let rule: Rule;
  switch (algorithm) {
    case "fixedWindow":
    case "slidingWindow": {
      const limit = count("limit");
      const windowMs = duration("window");
      rule = { algorithm, name: "", limit, windowMs };
      if (algorithm === "slidingWindow" && limit * windowMs > Number.MAX_SAFE_INTEGER) {
        problems.push(`${here}: limit × window must stay below 2^53 so the weighted count is exact; lower one of them`);
      }
      break;
    }
    case "tokenBucket": {
      const capacity = count("capacity");
      const refillRate = count("refillRate");
      rule = { algorithm, name: "", capacity, refillRate, intervalMs: duration("interval", 1000) };
      if (refillRate > capacity)
        problems.push(`${here}: refillRate (${refillRate}) must not exceed capacity (${capacity})`);
      break;
    }
    case "gcra": {
      const limit = count("limit");
      const periodMs = duration("period");
      const burst = count("burst", limit);
      rule = { algorithm, name: "", limit, periodMs, burst };
      if (burst * periodMs > Number.MAX_SAFE_INTEGER) {
        problems.push(`${here}: burst × period must stay below 2^53 so the arithmetic is exact; lower one of them`);
      }
      break;
    }
    case "concurrency":
      rule = { algorithm, name: "", limit: count("limit"), leaseMs: duration("lease", 30_000) };
      break;
  }
  const name = options.name ?? defaultName(rule);
  if (typeof name !== "string" || !/^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,64}$/.test(name)) {
    problems.push(
      `${here}: name must be 1 to 64 printable ASCII characters without quotes or backslashes, got ${describe(name)}`,
    );
  }
  if (problems.length > before) return undefined;
  return Object.freeze({ ...rule, name: name as string });
}

function defaultName(rule: Rule): string {
  switch (rule.algorithm) {
    case "fixedWindow":
      return `fixed-${rule.limit}-per-${formatDuration(rule.windowMs)}`;
    case "slidingWindow":
      return `sliding-${rule.limit}-per-${formatDuration(rule.windowMs)}`;
    case "tokenBucket":
      return `bucket-${rule.capacity}-refill-${rule.refillRate}-per-${formatDuration(rule.intervalMs)}`;
    case "gcra":
      return `gcra-${rule.limit}-per-${formatDuration(rule.periodMs)}-burst-${rule.burst}`;
    case "concurrency":
      return `concurrency-${rule.limit}`;
  }
}

/** The most one request may cost under a rule; a larger cost is denied as `"exceeds-capacity"`. */
export function capacityOf(rule: Rule): number {
  switch (rule.algorithm) {
    case "tokenBucket":
      return rule.capacity;
    case "gcra":
      return rule.burst;
    default:
      return rule.limit;
  }
}

/** The rule as an IETF RateLimit policy: quota `q` per window `w` (in ms here). */
export function policyOf(rule: Rule): { quota: number; windowMs: number } {
  switch (rule.algorithm) {
    case "fixedWindow":
    case "slidingWindow":
      return { quota: rule.limit, windowMs: rule.windowMs };
    case "tokenBucket":
      return { quota: rule.capacity, windowMs: Math.ceil(rule.capacity / rule.refillRate) * rule.intervalMs };
    case "gcra":
      return { quota: rule.limit, windowMs: rule.periodMs };
    case "concurrency":
      return { quota: rule.limit, windowMs: rule.leaseMs };
  }
}
