import type { RuleInput, RuleKind } from "./input.ts";
import { checkStore, wrappable, wrapped } from "./wrap.ts";

/**
 * A dry run of `rule`: it is evaluated and reported (`decision.rules[i]` with `shadow: true` and its own `allowed`,
 * `onDecision`) and never denies. It consumes when the enforced rules admit the call and it alone would allow it;
 * otherwise its state stays as it was. Shadow rules are left out of the decision's headline numbers, the RateLimit
 * headers and the 429's `violated-policies`. Not for `concurrency()` rules, nor with `blockFor()`. Example:
 * `shadow(slidingWindow({ limit: 50, window: "1m", name: "trial" }))`. Throws a `ConfigError` for a misuse.
 */
export function shadow(rule: RuleInput): RuleInput {
  const inner = wrappable("shadow", rule, "a lease taken without ever denying would still need its release");
  const own = inner.kind;
  const kind: RuleKind = {
    ...own,
    feature: "shadow",
    build(count, duration, problem, store) {
      checkStore("shadow", store, problem);
      return { ...own.build(count, duration, problem), shadow: true };
    },
    // It never denies, so no cost is beyond it: a cost above its own capacity is its own (reported) denial.
    capacity: () => Infinity,
    policy: (rule) => ({ ...own.policy(rule), shadow: true }),
  };
  return wrapped(inner, { ...inner.options }, kind);
}
