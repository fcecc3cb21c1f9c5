import type { RuleInfo } from "./decision.ts";
import { describe } from "./describe.ts";
import { ConfigError } from "./errors.ts";
import type { RuleInput } from "./rules/input.ts";
import type { Rule } from "./rules/types.ts";
import { normalizeRule } from "./rules/validation.ts";
import type { StoreRequest } from "./store.ts";

/** A store request before its key and signal, as the limiter builds it; `infos` with a call's own quotas. */
export type Asked = Omit<StoreRequest, "key" | "signal"> & {
  readonly asked: number;
  readonly infos?: readonly RuleInfo[];
};

/**
 * How the limiter turns a call's key and options (`LimitOptions`) into a store request (`consume`: `limit` rather
 * than `peek`). Not typed with `LimitOptions` itself: this file must not import the limiter, which imports it.
 */
export type RequestBuilder = (key: string, options: object | undefined, consume: boolean) => Asked;

/**
 * Made by `tenantLimits()`, taken by `createRateLimiter({ tenants })`: wraps the limiter's own request builder (which
 * takes only `cost`) in one that also reads `limits`. The limiter carries only this call, so a Worker whose calls
 * never pass `limits` bundles none of the code that reads them.
 */
export type TenantLimits = (
  own: RequestBuilder,
  inputs: readonly RuleInput[],
  rules: readonly Rule[],
  infosOf: (rules: readonly Rule[]) => readonly RuleInfo[],
) => RequestBuilder;

const OPTIONS = ["cost", "limits"];

/**
 * `tenants: tenantLimits()`: lets `limit`, `peek` and `acquire` take `limits: { [ruleName]: quota }`, this call's
 * quota for the named rules (a token bucket's `capacity`, every other rule's `limit`). Each is applied as if the rule
 * had been written with it and checked as its constructor checks it; its other options stay (a gcra `burst` left at
 * its default follows the quota, an explicit one stays; a bucket's `refillRate` must not exceed it). Rules keep their
 * names, and so their state. Without `tenants`, `limits` is rejected as an unknown option. See docs/tenants.md.
 */
export function tenantLimits(): TenantLimits {
  return (own, inputs, rules, infosOf) => {
    const names = rules.map((rule) => rule.name);

    /** The rules a call's `limits` make: the limiter's own array itself when they name no rule. */
    function rulesFor(limits: unknown): readonly Rule[] {
      if (typeof limits !== "object" || limits === null) {
        throw new ConfigError([`limits: expected an object, got ${describe(limits)}`]);
      }
      const given = limits as Readonly<Record<string, unknown>>;
      const problems = Object.keys(given)
        .filter((name) => !names.includes(name))
        .map((name) => `limits: unknown "${name}"; use ${names.join(", ")}`);
      let named = false;
      const called = rules.map((rule, i) => {
        // Own keys only: a rule named "toString" must not read Object.prototype's. `undefined` names no quota.
        const quota = Object.hasOwn(given, rule.name) ? given[rule.name] : undefined;
        if (quota === undefined) return rule;
        named = true;
        const input = inputs[i]!;
        // The quota is the constructor's first option. The name stays, even a default one made from the old quota.
        const options = { ...input.options, [input.kind.options[0]!]: quota, name: rule.name };
        return normalizeRule({ ...input, options }, `limits.${rule.name}`, problems) ?? rule;
      });
      if (problems.length > 0) throw new ConfigError(problems);
      return named ? called : rules;
    }

    return (key, options, consume) => {
      for (const name in options) {
        if (!OPTIONS.includes(name)) throw new ConfigError([`options: unknown "${name}"; use ${OPTIONS.join(", ")}`]);
      }
      const { limits, ...rest } = (options ?? {}) as { limits?: unknown };
      const asked = own(key, rest, consume);
      if (limits === undefined) return asked;
      const called = rulesFor(limits);
      if (called === rules) return asked;
      // A new rules array tells every layer that this call brings its own quotas (the deny cache, prefetching and
      // the fallback store treat it apart); its infos are what the decision reports.
      const infos = infosOf(called);
      const fits = asked.asked <= Math.min(...infos.map((info) => info.capacity));
      return { ...asked, rules: called, infos, cost: fits ? asked.asked : 0, consume: consume && fits };
    };
  };
}
