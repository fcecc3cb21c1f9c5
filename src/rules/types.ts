// The validated rules, as stores and algorithms receive them. Type-only, so the algorithms in `src/algorithms/`
// import their rule shape from here and nothing else of the rules.

/** The algorithms a rule can use. A store declares which of them it supports. */
export type Algorithm = Rule["algorithm"];

/** A validated rule, as stores receive it: whole numbers, durations in milliseconds. */
export type Rule = FixedWindowRule | SlidingWindowRule | TokenBucketRule | GcraRule | ConcurrencyRule;

/**
 * What the wrappers `shadow()` and `blockFor()` add to a rule (never both, never on a concurrency rule). A store that
 * cannot honour them leaves them out of `Store.features`, and the limiter refuses such rules for it.
 */
export interface RuleFeatures {
  /** `shadow()`: evaluated and reported, never denies; consumes only when it alone would allow. */
  readonly shadow?: true;
  /** `blockFor()`: after this rule denies a consuming call, it denies every cost for this many ms from then. */
  readonly blockMs?: number;
}

/** A feature a store declares in `Store.features`: it applies rules that carry it (`RuleFeatures`). */
export type RuleFeature = "shadow" | "blockFor";

/**
 * What a store may declare in `Store.features`: the rule features it applies, and `"setLimits"` when it keeps the
 * quotas `limiter.setLimits` stores with a key (and applies them when a request carries `quotas`).
 */
export type StoreFeature = RuleFeature | "setLimits" | "settle";

export interface FixedWindowRule extends RuleFeatures {
  readonly algorithm: "fixedWindow";
  readonly name: string;
  readonly limit: number;
  readonly windowMs: number;
}
export interface SlidingWindowRule extends RuleFeatures {
  readonly algorithm: "slidingWindow";
  readonly name: string;
  readonly limit: number;
  readonly windowMs: number;
}
export interface TokenBucketRule extends RuleFeatures {
  readonly algorithm: "tokenBucket";
  readonly name: string;
  readonly capacity: number;
  readonly refillRate: number;
  readonly intervalMs: number;
}
export interface GcraRule extends RuleFeatures {
  readonly algorithm: "gcra";
  readonly name: string;
  readonly limit: number;
  readonly periodMs: number;
  readonly burst: number;
}
export interface ConcurrencyRule extends RuleFeatures {
  readonly algorithm: "concurrency";
  readonly name: string;
  readonly limit: number;
  readonly leaseMs: number;
}

/** The rule of one algorithm: `RuleOf<"gcra">` is `GcraRule`. */
export type RuleOf<A extends Algorithm> = Extract<Rule, { readonly algorithm: A }>;
