import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { KeyState } from "../algorithms/apply.ts";
import type { RuleState } from "../algorithms/evaluation.ts";
import type { Rule } from "../rules.ts";
import { ATTRIBUTES, ttlSeconds } from "./dynamodb-item.ts";

/** One decision of a batch, as the arithmetic plan needs it. */
export interface Consumption {
  readonly rules: readonly Rule[];
  readonly cost: number;
  readonly now: number;
}

/**
 * A write that DynamoDB can apply on top of other writers' without a version check: each rule's counter moves
 * by `delta` (`SET n = n + :d`), conditioned on the values the decisions depend on (the same window, bucket or
 * refill time, and the counter within the range that leaves every decision of the batch allowed).
 */
export interface ArithmeticPlan {
  /** Per rule: the list index of its counter and the signed amount added to it. */
  readonly deltas: ReadonlyMap<string, { readonly index: number; readonly delta: number }>;
  readonly input: {
    UpdateExpression: string;
    ConditionExpression: string;
    ExpressionAttributeNames: Record<string, string>;
    ExpressionAttributeValues: Record<string, AttributeValue>;
  };
}

/** What one decision requires of one rule's stored state, for its counter to be moved by `step`. */
interface Requirement {
  /** List indexes whose stored values must be exactly these (the window, the refill time). */
  readonly equal: readonly (readonly [index: number, value: number])[];
  readonly index: number;
  /** Bounds on the stored counter when this decision is applied (inclusive). */
  readonly lo: number;
  readonly hi: number;
  readonly step: number;
  /** An epoch ms at or after which the rule's state, after this decision, expires (an upper bound). */
  readonly expiresBy: number;
}

/**
 * The requirement for consuming `cost` on a rule whose state is `state` at `now`, or `undefined` when that
 * transition is not a plain counter step: a window roll-over, a token refill, a full bucket, an absent state,
 * and every GCRA and concurrency transition (the TAT advances by fractions of a millisecond, whose carry
 * DynamoDB's arithmetic cannot express; leases are a list). Those go through the version compare-and-swap.
 */
function requirement(
  rule: Rule,
  state: RuleState | undefined,
  cost: number,
  now: number,
  allowed: boolean,
): Requirement | undefined {
  if (state === undefined) return undefined;
  const found = (r: Requirement) => (r.lo <= r.hi ? r : undefined);
  switch (rule.algorithm) {
    case "fixedWindow": {
      const [start, count] = state as [number, number];
      if (start < now - (now % rule.windowMs)) return undefined;
      // Allowed while count + cost ≤ limit; denied from one above.
      const fit = rule.limit - cost;
      const [lo, hi] = allowed ? [Number.NEGATIVE_INFINITY, fit] : [fit + 1, Number.POSITIVE_INFINITY];
      const step = allowed ? cost : 0;
      if (count < lo || count > hi) return undefined;
      return found({ equal: [[0, start]], index: 1, lo, hi, step, expiresBy: start + rule.windowMs });
    }
    case "slidingWindow": {
      const w = rule.windowMs;
      const [start, current, previous] = state as [number, number, number];
      if (start < now - (now % w)) return undefined;
      const carried = previous * Math.max(0, w - Math.max(0, now - start));
      const fit = Math.floor((rule.limit * w - carried) / w) - cost;
      const [lo, hi] = allowed ? [Number.NEGATIVE_INFINITY, fit] : [fit + 1, Number.POSITIVE_INFINITY];
      if (current < lo || current > hi) return undefined;
      const expiresBy = start + 2 * w;
      return found({
        equal: [
          [0, start],
          [2, previous],
        ],
        index: 1,
        lo,
        hi,
        step: allowed ? cost : 0,
        expiresBy,
      });
    }
    case "tokenBucket": {
      const [tokens, refilledAt] = state as [number, number];
      const { capacity, refillRate, intervalMs } = rule;
      // No refill due, and the bucket not full (a full one restarts its refill clock).
      if (now - refilledAt >= intervalMs || tokens >= capacity) return undefined;
      const [lo, hi] = allowed ? [cost, capacity - 1] : [Number.NEGATIVE_INFINITY, cost - 1];
      if (tokens < lo || tokens > hi) return undefined;
      const expiresBy = refilledAt + Math.ceil(capacity / refillRate) * intervalMs;
      return found({ equal: [[1, refilledAt]], index: 0, lo, hi, step: allowed ? -cost : 0, expiresBy });
    }
    default:
      return undefined;
  }
}

/**
 * Plans one arithmetic write for a batch of decisions applied to `state` one after another, `allowed[i]` telling
 * which of them `applyRules` allowed, or returns `undefined` when some transition is not a counter step. Each
 * decision's requirement is shifted by the steps before it: every rule of an allowed decision bounds its counter
 * from above (from below for a bucket's tokens), and one rule that denies a denied decision bounds its counter
 * the other way. So the condition admits only stored states from which the batch is allowed and denied alike
 * and lands on `stored + delta`; the caller recomputes the answers from the item DynamoDB returns. `token`
 * becomes the item's `version`; the condition refuses an item that already carries it (an SDK retry of a
 * write that landed).
 */
export function planArithmetic(
  calls: readonly Consumption[],
  state: KeyState,
  allowed: readonly boolean[],
  token: number,
): ArithmeticPlan | undefined {
  const names = calls[0]!.rules.map((r) => r.name);
  if (Object.keys(state.rules).length !== names.length) return undefined;
  let rules: Record<string, RuleState> = { ...state.rules };
  const merged = new Map<
    string,
    { equal: Map<number, number>; index: number; lo: number; hi: number; delta: number }
  >();
  let expiresAt = 0;
  let latest = 0;
  for (const [c, call] of calls.entries()) {
    if (call.rules.length !== names.length || call.rules.some((r, i) => r.name !== names[i])) return undefined;
    latest = Math.max(latest, call.now);
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
      let m = merged.get(rule.name);
      if (m === undefined) {
        m = {
          equal: new Map(),
          index: need.index,
          lo: Number.NEGATIVE_INFINITY,
          hi: Number.POSITIVE_INFINITY,
          delta: 0,
        };
        merged.set(rule.name, m);
      }
      for (const [index, value] of need.equal) {
        if (m.equal.has(index) && m.equal.get(index) !== value) return undefined;
        m.equal.set(index, value);
      }
      if (need.index !== m.index) return undefined;
      // The stored counter, before this batch, is this decision's counter minus the steps already taken.
      m.lo = Math.max(m.lo, need.lo - m.delta);
      m.hi = Math.min(m.hi, need.hi - m.delta);
      m.delta += need.step;
      expiresAt = Math.max(expiresAt, need.expiresBy);
      const current = rules[rule.name]!;
      next[rule.name] = current.map((v, i) => (i === need.index ? v + need.step : v));
    }
    rules = next;
  }
  if (!(state.expiresAt > latest) || merged.size === 0 || [...merged.values()].every((m) => m.delta === 0)) {
    return undefined;
  }
  return build(merged, Math.max(expiresAt, latest), latest, names.length, token);
}

function build(
  merged: Map<string, { equal: Map<number, number>; index: number; lo: number; hi: number; delta: number }>,
  expiresAt: number,
  now: number,
  size: number,
  token: number,
): ArithmeticPlan {
  const names: Record<string, string> = {
    "#rules": ATTRIBUTES.rules,
    "#version": ATTRIBUTES.version,
    "#expiresAtMs": ATTRIBUTES.expiresAtMs,
    "#ttl": ATTRIBUTES.ttl,
  };
  const values: Record<string, AttributeValue> = {
    ":token": { N: String(token) },
    ":now": { N: String(now) },
    ":size": { N: String(size) },
    ":expiresAtMs": { N: String(expiresAt) },
    ":ttl": { N: String(ttlSeconds(expiresAt)) },
  };
  const sets = ["#version = :token", "#expiresAtMs = :expiresAtMs", "#ttl = :ttl"];
  const conditions = ["#version <> :token", "#expiresAtMs > :now", "size(#rules) = :size"];
  const deltas = new Map<string, { index: number; delta: number }>();
  let r = 0;
  for (const [name, m] of merged) {
    const path = `#rules.#r${r}`;
    names[`#r${r}`] = name;
    for (const [index, value] of m.equal) {
      values[`:r${r}e${index}`] = { N: String(value) };
      conditions.push(`${path}[${index}] = :r${r}e${index}`);
    }
    const counter = `${path}[${m.index}]`;
    const lo = Number.isFinite(m.lo) ? `:r${r}lo` : undefined;
    const hi = Number.isFinite(m.hi) ? `:r${r}hi` : undefined;
    if (lo) values[lo] = { N: String(m.lo) };
    if (hi) values[hi] = { N: String(m.hi) };
    if (lo && hi) conditions.push(`${counter} BETWEEN ${lo} AND ${hi}`);
    else if (lo) conditions.push(`${counter} >= ${lo}`);
    else if (hi) conditions.push(`${counter} <= ${hi}`);
    if (m.delta !== 0) {
      values[`:r${r}d`] = { N: String(Math.abs(m.delta)) };
      sets.push(`${counter} = ${counter} ${m.delta < 0 ? "-" : "+"} :r${r}d`);
    }
    deltas.set(name, { index: m.index, delta: m.delta });
    r++;
  }
  return {
    deltas,
    input: {
      UpdateExpression: `SET ${sets.join(", ")}`,
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
