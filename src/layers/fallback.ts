import { applyRelease } from "../algorithms/apply.ts";
import { combine, type Decision, type RuleInfo, tooLarge } from "../decision.ts";
import { describe } from "../describe.ts";
import { ALGORITHMS } from "../rules/algorithm-list.ts";
import type { RuleInput } from "../rules/input.ts";
import type { Rule } from "../rules/types.ts";
import type { Store, StoreRequest } from "../store.ts";
import type { FallbackPolicy, LayerContext } from "./layer.ts";

/**
 * `onStoreError: fallbackTo(memoryStore(), { share: 0.1 })`: while the store fails (errors, timeouts, an open
 * circuit), decide with `store` instead, under the same rules with each count scaled by `share` (default 0.1: every
 * isolate's fallback starts empty, so N isolates admit about N × share × limit during an outage). Decisions say
 * `degraded: true`. Problems with the arguments are reported by `createRateLimiter` with every other problem.
 */
export function fallbackTo(store: Store, options: { share?: number } = {}): FallbackPolicy {
  const share = options?.share === undefined ? 0.1 : options.share;
  const problems: string[] = [];
  if (typeof store?.apply !== "function")
    problems.push("onStoreError: fallbackTo(store): expected a store such as memoryStore()");
  if (!(typeof share === "number" && share > 0 && share <= 1)) {
    problems.push(
      `onStoreError: fallbackTo(store, { share }): expected the part of each quota the fallback admits per isolate, above 0 and at most 1, got ${describe(share)}`,
    );
  }
  const supported = store?.algorithms;
  return Object.freeze({
    fallback: store,
    share,
    problems: (rules: readonly RuleInput[]) => [
      ...problems,
      // Rules the limiter reports as bad on their own (not a rule, an unknown algorithm) are not reported again.
      ...(Array.isArray(rules) ? rules : [])
        .filter((rule) => supported && ALGORITHMS.includes(rule?.algorithm) && !supported.includes(rule.algorithm))
        .map((rule) => `onStoreError: fallbackTo(store): the ${store.name} store does not support ${rule.algorithm}`),
      ...(Array.isArray(rules) ? rules : [])
        .map((rule) => rule?.kind?.feature)
        .filter((feature) => feature && supported && !store.features?.includes(feature))
        .map((feature) => `onStoreError: fallbackTo(store): the ${store.name} store does not apply ${feature}() rules`),
    ],
    answerWith: (context: LayerContext) => fallbackAnswer(store, share, context),
  });
}

/**
 * With `onStoreError: fallbackTo(store, { share })`: answers a request with the fallback store, under the same rules with each
 * count scaled by `share`, as the limiter would answer it (exceeds-capacity, leases). Not a second limiter: the
 * limiter's hooks and counters see only the degraded decision the failure policy makes of it.
 */
function fallbackAnswer(
  fallback: Store,
  share: number,
  context: LayerContext,
): (request: StoreRequest) => Promise<Decision> {
  let scaled:
    | { from: readonly Rule[]; rules: readonly Rule[]; infos: readonly RuleInfo[]; capacity: number }
    | undefined;
  return async (request) => {
    // The limiter hands the same rules with every request but those with a call's own quotas (`limits`): scale once.
    if (scaled?.from !== request.rules) {
      const rules = request.rules.map((rule) => shareOf(rule, share));
      const infos = context.infosOf(rules);
      scaled = { from: request.rules, rules, infos, capacity: Math.min(...infos.map((info) => info.capacity)) };
    }
    const { rules, infos, capacity } = scaled;
    const asked = request.asked ?? request.cost;
    const fits = asked <= capacity;
    const { key, evaluators, consume } = request;
    const given = { ...request, rules, cost: fits ? asked : 0, consume: consume && fits, signal: undefined };
    const { outcomes, now } = await fallback.apply(given);
    if (!fits) return tooLarge(infos, outcomes, asked, now);
    const decision = combine(infos, outcomes, now);
    const { leases } = context;
    const taken = leases && decision.allowed ? leases.taken(rules, outcomes, now) : [];
    if (taken.length === 0) return decision;
    const release = () =>
      fallback.release!({
        key,
        rules,
        evaluators,
        leases: taken,
        now: context.clock(),
        signal: undefined,
        applyRelease,
      });
    return { ...decision, leaseId: leases!.encode(taken), release };
  };
}

/** A rule whose counts are `share` of the given ones, rounded down, at least 1; durations and names stay. */
function shareOf(rule: Rule, share: number): Rule {
  // 12 significant digits first: 100 × 0.29 is 28.999999999999996 in binary floating point, and means 29.
  const part = (count: number) => Math.max(1, Math.floor(Number((count * share).toPrecision(12))));
  if (rule.algorithm === "tokenBucket")
    return { ...rule, capacity: part(rule.capacity), refillRate: part(rule.refillRate) };
  if (rule.algorithm === "gcra") return { ...rule, limit: part(rule.limit), burst: part(rule.burst) };
  return { ...rule, limit: part(rule.limit) };
}
