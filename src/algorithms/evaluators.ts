import type { Algorithm, Rule } from "../rules/types.ts";
import type { Evaluator } from "./apply.ts";
import { blocking } from "./block.ts";
import { concurrency } from "./concurrency.ts";
import { fixedWindow } from "./fixed-window.ts";
import { gcra } from "./gcra.ts";
import { slidingWindow } from "./sliding-window.ts";
import { tokenBucket } from "./token-bucket.ts";

// Only the algorithms: code that receives plain rules (a Durable Object) bundles these, not the rule kinds.
// Each algorithm takes its own rule type, which the lookup by `rule.algorithm` below guarantees; TypeScript cannot
// follow a union through an index, so this one cast states it (lookups.ts keeps the kinds typed per algorithm).
const EVALUATORS = { fixedWindow, slidingWindow, tokenBucket, gcra, concurrency } as Record<Algorithm, Evaluator>;

/** Runs one rule's algorithm, looked up by its name. */
export const evaluate: Evaluator = (rule, state, cost, now) => EVALUATORS[rule.algorithm](rule, state, cost, now);

/**
 * The algorithm of each rule, in order, for `applyRules` and `applyRelease` where rules arrive without them (a
 * store that runs the algorithms on the far side of a wire, as the Durable Object does), with a `blockFor()` rule's
 * block around its own. Bundles every algorithm.
 */
export const evaluatorsOf = (rules: readonly Rule[]): Evaluator[] =>
  rules.map((rule) => (rule.blockMs ? blocking(EVALUATORS[rule.algorithm]) : EVALUATORS[rule.algorithm]));
