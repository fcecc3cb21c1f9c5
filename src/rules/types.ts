// The validated rules, as stores and algorithms receive them. Type-only, so the algorithms in `src/algorithms/`
// import their rule shape from here and nothing else of the rules.

/** The algorithms a rule can use. A store declares which of them it supports. */
export type Algorithm = Rule["algorithm"];

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

/** The rule of one algorithm: `RuleOf<"gcra">` is `GcraRule`. */
export type RuleOf<A extends Algorithm> = Extract<Rule, { readonly algorithm: A }>;
