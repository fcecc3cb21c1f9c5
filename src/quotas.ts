import { applyRules, type KeyState, type QuotaPlan, type RuleOutcome, type StoredQuotas } from "./algorithms/apply.ts";
import type { RuleState } from "./algorithms/evaluation.ts";
import type { Rule } from "./rules/types.ts";

// Quotas stored with a key by `limiter.setLimits` (docs/tenants.md), as the stores that keep them apply them. Only
// `tenantLimits()` puts this code on a request (`StoreRequest.quotas`), so a Worker bundles none of it unless a
// limiter of it was made with `tenants`; the Durable Object, on the far side of an RPC, adds it to the plan it gets.
// Their types (`QuotaPlan`, `StoredQuotas`) live in algorithms/apply.ts, beside the state they read.

export type { QuotaPlan, StoredQuotas } from "./algorithms/apply.ts";

/**
 * A stored quota lives in the key's state as one more entry: its rule's name behind a backslash (a character no rule
 * name contains, so it cannot collide with a rule's state), holding `[quota, untilMs]`. It counts while `now < untilMs`.
 */
export const QUOTA_MARK = "\\";

const PLACEHOLDER: RuleOutcome = Object.freeze({ allowed: true, remaining: 0, resetAt: 0, retryAfterMs: 0 });

/** What a rule can ever grant at once, as the rule kinds' `capacity` says (a store has no kinds at hand). */
function quotaCapacity(rule: Rule): number {
  return rule.algorithm === "tokenBucket" ? rule.capacity : rule.algorithm === "gcra" ? rule.burst : rule.limit;
}

/** Adds the code to a plan; `heard` learns the rules each decision was made with (the limiter's call, or nothing). */
export function withCode(plan: QuotaPlan, heard: (rules: readonly Rule[]) => void = () => {}): StoredQuotas {
  const quotas: StoredQuotas = {
    fields: plan.fields,
    set: plan.set,
    plan: { fields: plan.fields, set: plan.set },
    heard,
    told(rules, values) {
      const states: Record<string, RuleState> = {};
      rules.forEach((rule, i) => {
        if (values[i]) states[QUOTA_MARK + rule.name] = [values[i]!, Infinity];
      });
      heard(inForce(rules, plan.fields, states, 0));
    },
    apply(request, stored) {
      const { now, cost } = request;
      const states = stored && stored.expiresAt > now ? stored.rules : undefined;
      if (plan.set) {
        return {
          outcomes: request.rules.map(() => PLACEHOLDER),
          write: put(plan.set, stored, now),
          rules: request.rules,
        };
      }
      const rules = inForce(request.rules, plan.fields, states, now);
      heard(rules);
      // A cost above a quota in force is asked as 0, as the limiter asks one above its own rules' capacity.
      const fits = cost <= Math.min(...rules.map(quotaCapacity));
      const applied = applyRules(
        { ...request, rules, cost: fits ? cost : 0, consume: request.consume && fits, quotas: undefined },
        stored,
      );
      return { outcomes: applied.outcomes, write: applied.write && kept(states, applied.write, now), rules };
    },
    last(states, now) {
      let latest = now;
      for (const name in states) {
        if (name.startsWith(QUOTA_MARK)) latest = Math.max(latest, states[name]![1]!);
      }
      return latest;
    },
    local(request, stored, states, key) {
      const applied = quotas.apply(request, stored);
      // The memory store's entries are key states (one it wrote by another path also records the rules it used).
      if (applied.write) states.set(key, applied.write as never);
      return { outcomes: applied.outcomes, now: request.now };
    },
  };
  return quotas;
}

/** `rules` with the live stored quotas of `states` set in the `fields` of each: `rules` itself when none applies. */
function inForce(
  rules: readonly Rule[],
  fields: QuotaPlan["fields"],
  states: KeyState["rules"] | undefined,
  now: number,
): readonly Rule[] {
  let out: Rule[] | undefined;
  rules.forEach((rule, i) => {
    const stored = states?.[QUOTA_MARK + rule.name];
    const set = fields[i];
    if (!stored || stored[1]! <= now || !set?.length) return;
    const quoted: Record<string, unknown> = { ...rule };
    for (const field of set) quoted[field] = stored[0];
    out ??= [...rules];
    out[i] = quoted as unknown as Rule;
  });
  return out ?? rules;
}

/** `write` with the live quota entries of `states` kept, and its expiry stretched to cover them. */
function kept(states: KeyState["rules"] | undefined, write: KeyState, now: number): KeyState {
  const rules: Record<string, RuleState> = { ...write.rules };
  let { expiresAt } = write;
  for (const name in states) {
    const state = states[name]!;
    if (name.startsWith(QUOTA_MARK) && state[1]! > now) {
      rules[name] = state;
      expiresAt = Math.max(expiresAt, state[1]!);
    }
  }
  return { rules, expiresAt };
}

/**
 * The key's state with its stored quotas replaced by `set`'s; `undefined` when that changes nothing (clearing a key
 * that holds none). Counter states stay as they are, and so does the key's expiry, or it grows to cover the quotas.
 */
function put(set: NonNullable<QuotaPlan["set"]>, stored: KeyState | undefined, now: number): KeyState | undefined {
  const live = stored && stored.expiresAt > now ? stored : undefined;
  const old = live?.rules ?? {};
  const rules: Record<string, RuleState> = {};
  let held = false;
  for (const name in old) {
    if (name.startsWith(QUOTA_MARK)) held = true;
    else rules[name] = old[name]!;
  }
  if (!set.limits && !held) return undefined;
  const until = now + set.ttlMs;
  for (const name in set.limits) rules[QUOTA_MARK + name] = [set.limits[name]!, until];
  const counters = live?.expiresAt ?? now;
  return { rules, expiresAt: set.limits ? Math.max(counters, until) : counters };
}
