import { describe } from "../describe.ts";
import { ConfigError } from "../errors.ts";
import type { RuleInput, RuleKind, RuleStore } from "./input.ts";
import type { RuleFeature } from "./types.ts";

// What `shadow()` and `blockFor()` share: the checks of the rule they wrap, and of the limiter's store.

/** The rule input that `feature` wraps, checked: a rule constructor's, not a concurrency rule, not wrapped yet. */
export function wrappable(feature: RuleFeature, rule: RuleInput, why: string): RuleInput {
  const { kind } = (rule ?? {}) as Partial<RuleInput>;
  const call = `${feature}(rule)`;
  if (typeof rule?.options !== "object" || typeof kind?.build !== "function") {
    throw new ConfigError([
      `${call}: expected a rule such as fixedWindow({ limit: 5, window: "15m" }), got ${describe(rule).slice(0, 60)}`,
    ]);
  }
  if (rule.algorithm === "concurrency") throw new ConfigError([`${call}: not on a concurrency() rule: ${why}`]);
  if (kind.feature === feature) throw new ConfigError([`${call}: the rule is a ${feature} rule already`]);
  if (kind.feature) {
    throw new ConfigError([
      `${call}: the rule is a ${kind.feature} rule; a shadow rule never denies, so it never starts a block: ` +
        `use shadow(rule) to watch a rule, blockFor(rule, duration) to enforce one with a block, not both`,
    ]);
  }
  return rule;
}

/** A rule input of `inner`'s algorithm with `kind`, frozen as the rule constructors make them. */
export function wrapped(inner: RuleInput, options: RuleInput["options"], kind: RuleKind): RuleInput {
  return Object.freeze({ algorithm: inner.algorithm, options: Object.freeze(options), kind: Object.freeze(kind) });
}

/** Reports a store that does not declare `feature` in `Store.features` (it would ignore it). */
export function checkStore(feature: RuleFeature, store: RuleStore | undefined, problem: (text: string) => void) {
  if (store && !store.features?.includes(feature)) {
    problem(
      `the ${store.name} store does not apply ${feature}() rules (its features do not list "${feature}"); ` +
        "a Durable Object store applies them when made with durableObjectStore(namespace, { full: true }) over " +
        "FullRateLimiterObject; otherwise use the memory, Upstash or DynamoDB store, or drop the wrapper",
    );
  }
}
