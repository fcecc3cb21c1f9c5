import type { Algorithm, GcraRule, Rule, TokenBucketRule } from "../rules/types.ts";
import { type ApplyRequest, applyRules, type Evaluator, type KeyState } from "./apply.ts";
import type { RuleState } from "./evaluation.ts";

/**
 * How one algorithm settles a decision's cost (`decision.settle`): the rule's state with `delta` units given back
 * (`delta < 0`) or charged (`delta > 0`, forced: it may leave the rule over its quota), as if the decision made at
 * `at` had cost that much more or less; `undefined` when nothing changes. `state` is the rule's stored state (none
 * when absent or expired), `evaluate` the rule's algorithm, `now` the time of the settlement (epoch ms). Whole
 * numbers throughout, so the Upstash Lua (upstash-settle.ts) gives the same bits.
 */
export type Adjuster = (
  rule: Rule,
  state: RuleState | undefined,
  delta: number,
  at: number,
  now: number,
  evaluate: Evaluator,
) => RuleState | undefined;

/**
 * Windows: only the window that holds `at` moves, while it still counts: a fixed window while it is the current one,
 * a sliding window while it is the current or the previous one; the count never goes below 0. The state is first
 * read as the algorithm reads it at `now` (a cost-0 evaluation), so a rolled-over window is seen as rolled over, and
 * absent state as an empty current window (a charge then starts it).
 */
const windowAdjuster =
  (sliding: boolean): Adjuster =>
  (rule, state, delta, at, now, evaluate) => {
    const seen = evaluate(rule, state, 0, now).state;
    const windowMs = (rule as { windowMs: number }).windowMs;
    const start = at - (at % windowMs);
    // The count of at's window: the current one ([1]), or for a sliding window the previous one ([2]).
    const i = seen[0] === start ? 1 : sliding && seen[0] === start + windowMs ? 2 : 0;
    if (i === 0) return undefined;
    const count = Math.max(0, seen[i]! + delta);
    if (count === seen[i]) return undefined;
    const next = [...seen];
    next[i] = count;
    return next;
  };

/**
 * Token bucket: tokens as they stand at `now` (refilled), minus `delta`; a refund never fills past `capacity`, a charge
 * may take the bucket below 0 (it then refills from there, and denies until it holds the cost again).
 */
const tokenBucketAdjuster: Adjuster = (rule, state, delta, _at, now, evaluate) => {
  // A copy of the state as it stands: a blockFor rule's blockedUntil after the algorithm's numbers stays.
  const next = [...evaluate(rule, state, 0, now).state];
  const tokens = next[0]!;
  next[0] = Math.min((rule as TokenBucketRule).capacity, tokens - delta);
  return next[0] === tokens ? undefined : next;
};

/**
 * GCRA: the theoretical arrival time as it stands at `now` moves by `delta` emission intervals (`delta × period / limit`
 * ms, kept exact as `[ms, fraction / limit]` like gcra.ts). A refund never moves it before `now`: it gives back no
 * more than is still outstanding.
 */
const gcraAdjuster: Adjuster = (rule, state, delta, _at, now, evaluate) => {
  const { limit, periodMs } = rule as GcraRule;
  // A copy, as for the token bucket.
  const next = [...evaluate(rule, state, 0, now).state];
  const [tatMs, tatFraction] = next as [number, number];
  const fraction = tatFraction + delta * periodMs;
  const whole = Math.floor(fraction / limit);
  const before = tatMs + whole < now;
  next[0] = before ? now : tatMs + whole;
  next[1] = before ? 0 : fraction - whole * limit;
  return next[0] === tatMs && next[1] === tatFraction ? undefined : next;
};

/** Each algorithm's adjuster; concurrency leases are never adjusted (they are given back by `release`). */
const ADJUSTERS: Partial<Record<Algorithm, Adjuster>> = {
  fixedWindow: windowAdjuster(false),
  slidingWindow: windowAdjuster(true),
  tokenBucket: tokenBucketAdjuster,
  gcra: gcraAdjuster,
};

/** The adjuster of each rule, in order (`undefined` for a concurrency rule), as `AdjustRequest.adjusters` carries them. */
export const adjustersOf = (rules: readonly Rule[]): (Adjuster | undefined)[] =>
  rules.map((rule) => ADJUSTERS[rule.algorithm]);

/** What `adjustRules` needs: an `AdjustRequest` without its key and signal. */
export interface ApplyAdjustRequest {
  readonly rules: readonly Rule[];
  /** As in `ApplyRequest`. */
  readonly evaluators: readonly Evaluator[];
  /** `adjusters[i]` settles `rules[i]`; `undefined` leaves it as it is. */
  readonly adjusters: readonly (Adjuster | undefined)[];
  /** Units: below 0 gives back, above 0 charges. */
  readonly delta: number;
  /** The settled decision's time, epoch ms. */
  readonly at: number;
  /** Epoch ms. */
  readonly now: number;
}

/**
 * The request that settles through `applyRules`: each rule's evaluator replaced by one that adjusts the rule's state
 * and allows, asked to consume 1, so that every rule's adjusted state is written (as the algorithm shows it at `now`,
 * with its expiry). A store that decides in this isolate (memory) settles with it as it decides any request.
 */
export function asApply(request: ApplyAdjustRequest): ApplyRequest {
  const { rules, evaluators, adjusters, delta, at, now } = request;
  const adjusting = evaluators.map(
    (evaluate, i): Evaluator =>
      (rule, state) => ({
        ...evaluate(rule, adjusters[i]?.(rule, state, delta, at, now, evaluate) ?? state, 0, now),
        allowed: true,
      }),
  );
  return { rules, evaluators: adjusting, cost: 1, now, consume: true };
}

/**
 * Settles a decision on every rule of one key at once: the key's state to write, each rule adjusted (the rules of
 * the request only, as `applyRules` writes them). `stored` is as for `applyRules` (state past its `expiresAt` counts
 * as none).
 */
export function adjustRules(request: ApplyAdjustRequest, stored: KeyState | undefined): KeyState {
  return applyRules(asApply(request), stored).write!;
}
