import { adjustersOf, asApply } from "../src/algorithms/adjust.ts";
import type { ApplyRequest, Evaluator, QuotaPlan, StoredQuotas } from "../src/algorithms/apply.ts";
import { evaluatorsOf } from "../src/algorithms/evaluators.ts";
import { withCode } from "../src/quotas.ts";
import type { Rule } from "../src/rules/types.ts";
import { type ObjectApplyRequest, RateLimiterObject } from "./object.ts";

/**
 * `RateLimiterObject` that also applies `blockFor()` rules and settlements (`decision.settle` with `settleCosts()`).
 * A class of its own so that a Worker that uses neither bundles none of their code: export it under the name your
 * wrangler configuration binds (`export { FullRateLimiterObject as RateLimiterObject } from
 * "edgelimit/durable-objects"`) and make the store with `durableObjectStore(env.RATE_LIMITER, { full: true })`.
 * Its storage is the same as `RateLimiterObject`'s, so a deployed namespace can switch from one to the other.
 */
export class FullRateLimiterObject extends RateLimiterObject {
  protected override asked(request: ObjectApplyRequest, now: number): ApplyRequest {
    const { rules, cost, consume, adjust } = request;
    const evaluators = this.evaluatorsOf(rules);
    // A settlement adjusts every rule and allows (`asApply`): the same read, algorithms and write.
    return adjust
      ? {
          ...asApply({ rules, evaluators, adjusters: adjustersOf(rules), ...adjust, now }),
          quotas: this.quotasOf(request.quotas),
        }
      : { rules, evaluators, cost, now, consume, quotas: this.quotasOf(request.quotas) };
  }

  protected override quotasOf(plan: QuotaPlan | undefined): StoredQuotas | undefined {
    return plan && withCode(plan);
  }

  protected override evaluatorsOf(rules: readonly Rule[]): Evaluator[] {
    return evaluatorsOf(rules);
  }
}
