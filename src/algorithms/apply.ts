import type { Algorithm, Rule } from "../rules.ts";
import { concurrency, releaseLease } from "./concurrency.ts";
import type { Evaluation, RuleState } from "./evaluation.ts";
import { fixedWindow } from "./fixed-window.ts";
import { gcra } from "./gcra.ts";
import { slidingWindow } from "./sliding-window.ts";
import { tokenBucket } from "./token-bucket.ts";

/** What a store reports for one rule of a decision. */
export interface RuleOutcome {
  readonly allowed: boolean;
  readonly remaining: number;
  readonly resetAt: number;
  readonly retryAfterMs: number;
  /** Concurrency rules, when the request was consumed: the lease it took (it expires at `now + leaseMs`). */
  readonly leaseId?: number;
}

/** One lease to give back: the concurrency rule's name, the lease id and its expiry (epoch ms). */
export interface Lease {
  readonly rule: string;
  readonly id: number;
  readonly expiresAt: number;
}

/** The stored state of one key: each rule's state by rule name, and when all of it may be deleted. */
export interface KeyState {
  readonly rules: Readonly<Record<string, RuleState>>;
  readonly expiresAt: number;
}

/** The result of applying every rule of a key: the outcomes, and the state to write (none when nothing changes). */
export interface Applied {
  readonly outcomes: readonly RuleOutcome[];
  readonly write: KeyState | undefined;
}

/** One rule's algorithm: what `evaluate` runs for a rule of that algorithm. */
export type Evaluator = (rule: Rule, state: RuleState | undefined, cost: number, now: number) => Evaluation;

// Only the algorithms: code that receives plain rules (a Durable Object, DynamoDB) bundles these, not the rule kinds.
const EVALUATORS = { fixedWindow, slidingWindow, tokenBucket, gcra, concurrency } as Record<Algorithm, Evaluator>;

/** Runs one rule's algorithm. */
export const evaluate: Evaluator = (rule, state, cost, now) => EVALUATORS[rule.algorithm](rule, state, cost, now);

/** The algorithm of each rule, as `StoreRequest.evaluators` carries them. */
export const evaluatorsOf = (rules: readonly Rule[]): Evaluator[] => rules.map((rule) => EVALUATORS[rule.algorithm]);

/**
 * Applies all rules of one key at once, all or nothing: a request is consumed only when every rule allows
 * it and `consume` is true and the cost is above zero. Otherwise nothing is written, and each outcome shows
 * the key as it stands (with `allowed` and `retryAfterMs` still answering for the given cost).
 */
export function applyRules(
  rules: readonly Rule[],
  stored: KeyState | undefined,
  cost: number,
  now: number,
  consume: boolean,
): Applied {
  return applyRulesWith(evaluatorsOf(rules), rules, stored, cost, now, consume);
}

/**
 * `applyRules` with each rule's algorithm given (`evaluators[i]` runs `rules[i]`), so that a store running in the
 * limiter's isolate (memory) bundles only the algorithms its rules use.
 */
export function applyRulesWith(
  evaluators: readonly Evaluator[],
  rules: readonly Rule[],
  stored: KeyState | undefined,
  cost: number,
  now: number,
  consume: boolean,
): Applied {
  const states = stored && stored.expiresAt > now ? stored.rules : undefined;
  const evaluations: Evaluation[] = new Array(rules.length);
  let allowed = true;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    const e = evaluators[i]!(rule, states?.[rule.name], cost, now);
    allowed &&= e.allowed;
    evaluations[i] = e;
  }
  if (allowed && consume && cost > 0) {
    const next: Record<string, RuleState> = {};
    const outcomes: RuleOutcome[] = new Array(rules.length);
    let expiresAt = now;
    for (let i = 0; i < rules.length; i++) {
      const e = evaluations[i]!;
      next[rules[i]!.name] = e.state;
      outcomes[i] = outcome(e);
      if (e.expiresAt > expiresAt) expiresAt = e.expiresAt;
    }
    return { outcomes, write: { rules: next, expiresAt } };
  }
  const outcomes = rules.map((rule, i) => {
    const e = evaluations[i]!;
    const asIs = cost === 0 || !e.allowed ? e : evaluators[i]!(rule, states?.[rule.name], 0, now);
    return { allowed: e.allowed, remaining: asIs.remaining, resetAt: asIs.resetAt, retryAfterMs: e.retryAfterMs };
  });
  return { outcomes, write: undefined };
}

function outcome(e: Evaluation): RuleOutcome {
  const o = { allowed: e.allowed, remaining: e.remaining, resetAt: e.resetAt, retryAfterMs: e.retryAfterMs };
  return e.leaseId === undefined ? o : { ...o, leaseId: e.leaseId };
}

/**
 * Gives leases back: the key's state without them, or `undefined` when none of them is held any more
 * (already released, expired, or never taken), so releasing twice writes nothing the second time.
 */
export function applyRelease(
  rules: readonly Rule[],
  stored: KeyState | undefined,
  leases: readonly Lease[],
  now: number,
): KeyState | undefined {
  return applyReleaseWith(evaluatorsOf(rules), rules, stored, leases, now);
}

/** `applyRelease` with each rule's algorithm given, as `applyRulesWith` takes them. */
export function applyReleaseWith(
  evaluators: readonly Evaluator[],
  rules: readonly Rule[],
  stored: KeyState | undefined,
  leases: readonly Lease[],
  now: number,
): KeyState | undefined {
  if (!stored || stored.expiresAt <= now) return undefined;
  const next: Record<string, RuleState> = { ...stored.rules };
  let changed = false;
  // The key's state outlives every lease released here, so its lease ids do not restart from 1 while a
  // handle for one of them (a late duplicate release) could still match a new lease.
  let expiresAt = now;
  for (const lease of leases) {
    const state = releaseLease(next[lease.rule], lease.id, lease.expiresAt);
    if (state) {
      next[lease.rule] = state;
      changed = true;
      expiresAt = Math.max(expiresAt, lease.expiresAt);
    }
  }
  if (!changed) return undefined;
  rules.forEach((rule, i) => {
    const state = next[rule.name];
    if (state) expiresAt = Math.max(expiresAt, evaluators[i]!(rule, state, 0, now).expiresAt);
  });
  return { rules: next, expiresAt };
}
