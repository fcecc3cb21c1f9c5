import type { Algorithm } from "./rules/types.ts";

/** Why a decision came out as it did. Being limited is a normal result, never an exception. */
export type Reason = "allowed" | "limited" | "cached" | "store-error" | "timeout" | "exceeds-capacity";

/** One rule's part of a decision. */
export interface RuleDecision {
  readonly name: string;
  readonly algorithm: Algorithm;
  /** This rule alone would allow the request. */
  readonly allowed: boolean;
  /** The rule's quota (its `limit`, or a bucket's `capacity`). */
  readonly limit: number;
  /** The quota's window in ms, as RateLimit-Policy headers state it. */
  readonly windowMs: number;
  readonly remaining: number;
  readonly resetAt: number;
  readonly retryAfterMs: number;
  /**
   * A `shadow()` rule: `allowed` is its own verdict, which the decision ignores; it is left out of the headline
   * numbers, the RateLimit headers and the 429's `violated-policies`.
   */
  readonly shadow?: true | undefined;
}

/** The answer to `limit()` or `peek()`. */
export interface Decision {
  /**
   * Every enforced rule (all but `shadow()` ones) allows the request (and it was consumed, for `limit()`); with no
   * enforced rule, always.
   */
  readonly allowed: boolean;
  /**
   * `limit`, `remaining` and `resetAt` come from the most restrictive enforced rule: the one with the least remaining
   * (with none, `limit` and `remaining` are Infinity and `resetAt` is `now`).
   */
  readonly limit: number;
  /** Units left, never negative. */
  readonly remaining: number;
  /** Epoch ms when that rule's full quota is back. */
  readonly resetAt: number;
  /** 0 when allowed; otherwise ms until this same cost would first be allowed (Infinity: never). */
  readonly retryAfterMs: number;
  readonly reason: Reason;
  /** True whenever the store did not decide (error, timeout): the failure policy did. */
  readonly degraded: boolean;
  /** The time the decision was made at, epoch ms (the store's clock when it offers one). */
  readonly now: number;
  readonly rules: readonly RuleDecision[];
  /**
   * With concurrency rules, when allowed: the leases taken, as one opaque string that
   * `limiter.release(key, leaseId)` accepts (from any isolate).
   */
  readonly leaseId?: string;
  /** With concurrency rules, when allowed: gives the leases back. Idempotent; never rejects for a lease already gone. */
  readonly release?: () => Promise<void>;
  /**
   * Only with `createRateLimiter({ settle: settleCosts() })`, on decisions of `limit` and `acquire`: settles this
   * decision's cost to `actualCost` (a whole number ≥ 0, else a `ConfigError`), giving back or charging the difference
   * in the window or bucket the decision was made in. Once: later calls do nothing, as do calls on a denied or
   * degraded decision. Rejects with a `StoreError` when the store fails (docs/settle.md).
   */
  readonly settle?: (actualCost: number) => Promise<void>;
}

/** What the limiter knows of a rule's policy, computed once per limiter. */
export interface RuleInfo {
  readonly name: string;
  readonly algorithm: Algorithm;
  readonly quota: number;
  readonly windowMs: number;
  readonly capacity: number;
  /** A `shadow()` rule. */
  readonly shadow?: true;
}

interface Outcome {
  readonly allowed: boolean;
  readonly remaining: number;
  readonly resetAt: number;
  readonly retryAfterMs: number;
}

/** One rule's part of a decision: the rule as the limiter describes it, with an outcome (times in epoch ms). */
export function ruleDecision(info: RuleInfo, o: Outcome): RuleDecision {
  return {
    name: info.name,
    algorithm: info.algorithm,
    allowed: o.allowed,
    limit: info.quota,
    windowMs: info.windowMs,
    remaining: o.remaining,
    resetAt: o.resetAt,
    retryAfterMs: o.retryAfterMs,
    shadow: info.shadow,
  };
}

/**
 * Builds the decision: allowed only when every enforced rule allows; the headline numbers come from the tightest
 * enforced rule (shadow rules are only reported).
 */
export function combine(infos: readonly RuleInfo[], outcomes: readonly Outcome[], now: number): Decision {
  // One plain loop, no closures: this runs on every decision. Denied, the tightest rule is the first with the
  // longest wait, so its retryAfterMs is the decision's. `least` starts as no limit at all, which any enforced rule
  // replaces (a denial's wait is above 0).
  const perRule: RuleDecision[] = new Array(infos.length);
  let allowed = true;
  let least = { limit: Infinity, remaining: Infinity, resetAt: now, retryAfterMs: 0 };
  let latest = least;
  for (let i = 0; i < infos.length; i++) {
    const r = ruleDecision(infos[i]!, outcomes[i]!);
    perRule[i] = r;
    if (r.shadow) continue;
    if (!r.allowed) allowed = false;
    if (r.remaining < least.remaining) least = r;
    if (r.retryAfterMs > latest.retryAfterMs) latest = r;
  }
  const tightest = allowed ? least : latest;
  return {
    allowed,
    limit: tightest.limit,
    remaining: tightest.remaining,
    resetAt: tightest.resetAt,
    // Allowed, the tightest rule allows too: its wait is 0.
    retryAfterMs: tightest.retryAfterMs,
    reason: allowed ? "allowed" : "limited",
    degraded: false,
    now,
    rules: perRule,
  };
}

/**
 * A cost above some rule's capacity: the store was only asked to look (cost 0). Under every algorithm a cost
 * fits exactly when it is at most `remaining`, so each rule's `allowed` is still exact; a rule's own
 * `retryAfterMs` is Infinity where the cost exceeds its capacity and 0 elsewhere (not asked).
 */
export function tooLarge(
  infos: readonly RuleInfo[],
  outcomes: readonly Outcome[],
  cost: number,
  now: number,
): Decision {
  const withCost = outcomes.map((o, i) =>
    cost > infos[i]!.capacity
      ? { ...o, allowed: false, retryAfterMs: Infinity }
      : { ...o, allowed: cost <= o.remaining },
  );
  return { ...combine(infos, withCost, now), reason: "exceeds-capacity" };
}
