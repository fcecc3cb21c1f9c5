import type { Policy, RuleKind } from "./input.ts";
import { CONCURRENCY, FIXED_WINDOW, GCRA, SLIDING_WINDOW, TOKEN_BUCKET } from "./kinds.ts";
import type { Algorithm, Rule, RuleOf } from "./types.ts";

// Every kind, by algorithm: code that reaches for these bundles all five algorithms.
const KINDS: { readonly [A in Algorithm]: RuleKind<RuleOf<A>> } = {
  fixedWindow: FIXED_WINDOW,
  slidingWindow: SLIDING_WINDOW,
  tokenBucket: TOKEN_BUCKET,
  gcra: GCRA,
  concurrency: CONCURRENCY,
};

/** The kind of a validated rule (from its algorithm), for code that receives plain rules: stores, tests. */
export const kindOf = (rule: Rule): RuleKind => KINDS[rule.algorithm];

/** The most one request may cost under a rule; a larger cost is denied as `"exceeds-capacity"`. */
export const capacityOf = (rule: Rule): number => kindOf(rule).capacity(rule);

/** The rule as an IETF RateLimit policy: quota `q` per window `w` (in ms here). */
export const policyOf = (rule: Rule): Policy => kindOf(rule).policy(rule);
