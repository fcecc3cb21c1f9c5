import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { KeyState } from "../algorithms/apply.ts";
import type { RuleState } from "../algorithms/evaluation.ts";
import type { Rule } from "../rules/types.ts";
import { ATTRIBUTES, countName, type Item, ownerOf, stateName, ttlSeconds, windowName } from "./dynamodb-item.ts";

/** One decision of a batch, as the arithmetic plan needs it. */
export interface Consumption {
  readonly rules: readonly Rule[];
  readonly cost: number;
  readonly now: number;
}

/**
 * A write that DynamoDB can apply on top of other writers' without a version check: each rule's counter moves
 * by `delta`, conditioned on the values the decisions depend on (the window start, the previous window's count,
 * the refill time) and on the counter lying in the range that leaves every decision of the batch as decided.
 */
export interface ArithmeticPlan {
  /** Per rule: the index of its counter in the rule's `RuleState` and the signed amount added to it. */
  readonly deltas: ReadonlyMap<string, { readonly index: number; readonly delta: number }>;
  readonly input: {
    UpdateExpression: string;
    ConditionExpression: string;
    ExpressionAttributeNames: Record<string, string>;
    ExpressionAttributeValues: Record<string, AttributeValue>;
  };
}

/** A stored number a transition depends on: equal to `value` (or at most it), or missing when that is allowed. */
interface Guard {
  readonly name: string;
  readonly index?: number;
  readonly value: number;
  readonly orBelow: boolean;
  readonly missingOk: boolean;
}

/** What one decision requires of one rule's stored state, for its counter to be moved by `step`. */
interface Requirement {
  readonly guards: readonly Guard[];
  /** The counter: an attribute (a missing one counts as 0) or an element of a list attribute. */
  readonly counter: { readonly name: string; readonly index?: number };
  /** The counter's index in the rule's `RuleState`. */
  readonly at: number;
  /** Bounds on the stored counter when this decision is applied (inclusive). */
  readonly lo: number;
  readonly hi: number;
  readonly step: number;
  /** An epoch ms at or after which the rule's state, after this decision, expires (an upper bound). */
  readonly expiresBy: number;
  /** Window rules: the window start the write sets, the counters still read after it, the one out of use. */
  readonly window?: { readonly start: number; readonly live: readonly string[]; readonly gone: string };
}

/**
 * The requirement for consuming `cost` (or being denied it) on a rule whose state is `state` at `now`, or
 * `undefined` when the transition is not a counter step. Fixed and sliding windows always are (a new key and a
 * roll-over included: the new window's counter is a new attribute); a token bucket only without a refill due
 * and not full (a refill caps at capacity and a full bucket restarts its clock at the caller's `now`: neither
 * is DynamoDB arithmetic); GCRA never (its TAT advances by fractions of a millisecond whose carry arithmetic
 * cannot express) and concurrency never (leases are a list). Those go through the version compare-and-swap.
 */
function requirement(
  rule: Rule,
  state: RuleState | undefined,
  cost: number,
  now: number,
  allowed: boolean,
): Requirement | undefined {
  const within = (r: Requirement, value: number) => (r.lo <= r.hi && value >= r.lo && value <= r.hi ? r : undefined);
  switch (rule.algorithm) {
    case "fixedWindow":
    case "slidingWindow": {
      const w = rule.windowMs;
      const sliding = rule.algorithm === "slidingWindow";
      const nowStart = now - (now % w);
      let [start, current, previous] = [nowStart, 0, 0];
      if (state && state[0]! >= nowStart) [start, current, previous] = [state[0]!, state[1]!, sliding ? state[2]! : 0];
      else if (sliding && state && state[0] === nowStart - w) previous = state[1]!;
      const left = Math.max(0, w - Math.max(0, now - start));
      const fit = sliding ? Math.floor((rule.limit * w - previous * left) / w) - cost : rule.limit - cost;
      const counter = countName(rule.name, start);
      // The window as seen, or (a caller in the current window) any earlier one, which then rolls over.
      const guards: Guard[] = [
        { name: windowName(rule.name), value: start, orBelow: start === nowStart, missingOk: start === nowStart },
      ];
      const live = [counter];
      if (sliding) {
        const before = countName(rule.name, start - w);
        guards.push({ name: before, value: previous, orBelow: false, missingOk: previous === 0 });
        live.push(before);
      }
      const [lo, hi] = allowed ? [Number.NEGATIVE_INFINITY, fit] : [fit + 1, Number.POSITIVE_INFINITY];
      const r = { guards, counter: { name: counter }, at: 1, lo, hi, step: allowed ? cost : 0 };
      const span = (sliding ? 2 : 1) * w;
      const window = { start, live, gone: countName(rule.name, start - span) };
      return within({ ...r, expiresBy: start + span, window }, current);
    }
    case "tokenBucket": {
      if (state === undefined) return undefined;
      const [tokens, refilledAt] = state as [number, number];
      const { capacity, refillRate, intervalMs } = rule;
      if (now - refilledAt >= intervalMs || tokens >= capacity) return undefined;
      const [lo, hi] = allowed ? [cost, capacity - 1] : [Number.NEGATIVE_INFINITY, cost - 1];
      const name = stateName(rule.name);
      return within(
        {
          guards: [{ name, index: 1, value: refilledAt, orBelow: false, missingOk: false }],
          counter: { name, index: 0 },
          at: 0,
          lo,
          hi,
          step: allowed ? -cost : 0,
          expiresBy: refilledAt + Math.ceil(capacity / refillRate) * intervalMs,
        },
        tokens,
      );
    }
    default:
      return undefined;
  }
}

interface Merged {
  readonly shape: string;
  readonly need: Requirement;
  lo: number;
  hi: number;
  delta: number;
}

/**
 * Plans one arithmetic write for a batch of decisions applied to `item` (the last item seen, `undefined` for a
 * key not seen) one after another, `allowed[i]` telling which of them `applyRules` allowed, or returns
 * `undefined` when some transition is not a counter step. Each decision's requirement is shifted by the steps
 * before it: every rule of an allowed decision bounds its counter from above (from below for a bucket's
 * tokens), and one rule that denies a denied decision bounds its counter the other way. So the condition admits
 * only stored states from which the batch is allowed and denied alike and lands on `stored + delta`; the caller
 * recomputes the answers from the item DynamoDB returns. `token` becomes the item's `version`; the condition
 * refuses an item that already carries it (an SDK retry of a write that landed).
 */
export function planArithmetic(
  calls: readonly Consumption[],
  item: Item | undefined,
  allowed: readonly boolean[],
  token: number,
): ArithmeticPlan | undefined {
  // A shadow rule that denies an allowed decision keeps its state, and a block is no counter step: whole-state writes.
  if (calls[0]!.rules.some((r) => r.shadow || r.blockMs)) return undefined;
  const names = calls[0]!.rules.map((r) => r.name);
  const first = Math.min(...calls.map((c) => c.now));
  // An expired item counts as absent: plan from nothing (the guards then fail unless it is as good as absent).
  let rules: Record<string, RuleState> = item && item.state.expiresAt > first ? { ...item.state.rules } : {};
  const merged = new Map<string, Merged>();
  let expiresAt = item?.state.expiresAt ?? 0;
  for (const [c, call] of calls.entries()) {
    if (call.rules.length !== names.length || call.rules.some((r, i) => r.name !== names[i])) return undefined;
    const next: Record<string, RuleState> = { ...rules };
    const ok = allowed[c]!;
    // A denied decision needs one rule that keeps denying it: the first that denies it now.
    const bounded = ok
      ? call.rules
      : call.rules.filter((rule) => requirement(rule, rules[rule.name], call.cost, call.now, false)).slice(0, 1);
    if (bounded.length === 0) return undefined;
    for (const rule of bounded) {
      const need = requirement(rule, rules[rule.name], call.cost, call.now, ok);
      if (need === undefined) return undefined;
      const shape = JSON.stringify([need.guards, need.counter]);
      let m = merged.get(rule.name);
      if (m === undefined) {
        m = { shape, need, lo: Number.NEGATIVE_INFINITY, hi: Number.POSITIVE_INFINITY, delta: 0 };
        merged.set(rule.name, m);
      } else if (m.shape !== shape) {
        // The batch crosses a window or a refill: not one step of one counter.
        return undefined;
      }
      // The stored counter, before this batch, is this decision's counter minus the steps already taken.
      m.lo = Math.max(m.lo, need.lo - m.delta);
      m.hi = Math.min(m.hi, need.hi - m.delta);
      if (m.lo > m.hi) return undefined;
      m.delta += need.step;
      expiresAt = Math.max(expiresAt, need.expiresBy);
      next[rule.name] = stepped(rules[rule.name], rule, need);
    }
    rules = next;
  }
  if (merged.size === 0 || [...merged.values()].every((m) => m.delta === 0)) return undefined;
  return build(merged, new Set(names), item, expiresAt, token);
}

/** A rule's state after a counter step: the window's state (starting from nothing in a new window), stepped. */
function stepped(state: RuleState | undefined, rule: Rule, need: Requirement): RuleState {
  if (need.window === undefined) return state!.map((v, i) => (i === need.at ? v + need.step : v));
  const { start } = need.window;
  const previous = need.guards[1]?.value ?? 0;
  const current = state && state[0] === start ? state[1]! : 0;
  return rule.algorithm === "slidingWindow" ? [start, current + need.step, previous] : [start, current + need.step];
}

function build(
  merged: Map<string, Merged>,
  configured: ReadonlySet<string>,
  item: Item | undefined,
  expiresAt: number,
  token: number,
): ArithmeticPlan {
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  const alias = (name: string) => {
    const found = Object.entries(names).find(([, v]) => v === name)?.[0];
    if (found) return found;
    const a = `#a${Object.keys(names).length}`;
    names[a] = name;
    return a;
  };
  const value = (v: number) => {
    const p = `:v${Object.keys(values).length}`;
    values[p] = { N: String(v) };
    return p;
  };
  const path = (name: string, index?: number) => (index === undefined ? alias(name) : `${alias(name)}[${index}]`);
  const [version, expiry, ttl] = [alias(ATTRIBUTES.version), alias(ATTRIBUTES.expiresAtMs), alias(ATTRIBUTES.ttl)];
  const [tokenValue, expiryValue] = [value(token), value(expiresAt)];
  const sets = [`${version} = ${tokenValue}`, `${expiry} = ${expiryValue}`, `${ttl} = ${value(ttlSeconds(expiresAt))}`];
  // Expiry never moves earlier: a writer that knows a later one (a whole-state write's) keeps it.
  const conditions = [
    `(attribute_not_exists(${version}) OR ${version} <> ${tokenValue})`,
    `(attribute_not_exists(${expiry}) OR ${expiry} <= ${expiryValue})`,
  ];
  const removes = new Set<string>();
  const live = new Map<string, Set<string>>();
  const deltas = new Map<string, { index: number; delta: number }>();
  for (const [rule, m] of merged) {
    const { need } = m;
    for (const g of need.guards) {
      const p = path(g.name, g.index);
      const test = `${p} ${g.orBelow ? "<=" : "="} ${value(g.value)}`;
      conditions.push(g.missingOk ? `(attribute_not_exists(${p}) OR ${test})` : test);
    }
    const counter = path(need.counter.name, need.counter.index);
    const missingIsZero = need.counter.index === undefined;
    const [lo, hi] = [Number.isFinite(m.lo), Number.isFinite(m.hi)];
    const range =
      lo && hi
        ? `${counter} BETWEEN ${value(m.lo)} AND ${value(m.hi)}`
        : lo
          ? `${counter} >= ${value(m.lo)}`
          : hi
            ? `${counter} <= ${value(m.hi)}`
            : undefined;
    // A missing counter is a window not counted into yet: 0.
    const zeroFits = missingIsZero && m.lo <= 0 && m.hi >= 0;
    if (range) conditions.push(zeroFits ? `(attribute_not_exists(${counter}) OR ${range})` : range);
    if (m.delta !== 0) {
      const d = value(Math.abs(m.delta));
      const from = missingIsZero ? `if_not_exists(${counter}, ${value(0)})` : counter;
      sets.push(`${counter} = ${from} ${m.delta < 0 ? "-" : "+"} ${d}`);
    }
    if (need.window) {
      sets.push(`${path(windowName(rule))} = ${value(need.window.start)}`);
      live.set(rule, new Set(need.window.live));
      // The counter that a roll-over puts out of use (seen or not): the common roll-over leaves no garbage.
      removes.add(need.window.gone);
    }
    deltas.set(rule, { index: need.at, delta: m.delta });
  }
  // What the item seen holds that no rule reads any more: other rules' state, counters of past windows.
  for (const name of Object.keys(item?.raw ?? {})) {
    const owner = ownerOf(name);
    if (owner === undefined) continue;
    const kept = live.get(owner.rule);
    if (!configured.has(owner.rule) || (owner.start !== undefined && kept && !kept.has(name))) removes.add(name);
  }
  const remove = [...removes].map((name) => alias(name));
  return {
    deltas,
    input: {
      UpdateExpression: `SET ${sets.join(", ")}${remove.length > 0 ? ` REMOVE ${remove.join(", ")}` : ""}`,
      ConditionExpression: conditions.join(" AND "),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/** The state an arithmetic write was applied to, from the state it produced (its counters moved back). */
export function beforePlan(after: KeyState, plan: ArithmeticPlan): KeyState {
  const rules: Record<string, RuleState> = { ...after.rules };
  for (const [name, { index, delta }] of plan.deltas) {
    const state = rules[name];
    if (state) rules[name] = state.map((v, i) => (i === index ? v - delta : v));
  }
  return { rules, expiresAt: after.expiresAt };
}
