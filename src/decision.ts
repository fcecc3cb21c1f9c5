import type { Algorithm } from "./rules.ts";

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
}

/** The answer to `limit()` or `peek()`. */
export interface Decision {
  /** Every rule allows the request (and it was consumed, for `limit()`). */
  readonly allowed: boolean;
  /** `limit`, `remaining` and `resetAt` come from the most restrictive rule: the one with the least remaining. */
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
}
