import type { SlidingWindowRule } from "../rules/types.ts";
import type { Evaluation, RuleState } from "./evaluation.ts";

/**
 * Sliding window, the two-window weighted estimate. State: `[windowStart, current, previous]`.
 * A request of cost c is allowed when `previous × (window − elapsed) + (current + c) × window ≤ limit × window`:
 * the estimate `previous × (1 − elapsed/window) + current` scaled by `window`, so every step stays an integer
 * (rules keep `limit × window` below 2^53).
 */
export function slidingWindow(
  rule: SlidingWindowRule,
  state: RuleState | undefined,
  cost: number,
  now: number,
): Evaluation {
  const { limit, windowMs: w } = rule;
  let start = now - (now % w);
  let current = 0;
  let previous = 0;
  if (state) {
    const [stateStart, stateCurrent, statePrevious] = state as [number, number, number];
    if (stateStart >= start) {
      start = stateStart;
      current = stateCurrent;
      previous = statePrevious;
    } else if (stateStart === start - w) {
      previous = stateCurrent;
    }
  }
  const left = Math.max(0, w - Math.max(0, now - start)); // weight of `previous`, in ms
  const carried = previous * left;
  const allowed = carried + (current + cost) * w <= limit * w;
  const used = allowed ? current + cost : current;
  const expiresAt = used > 0 ? start + 2 * w : carried > 0 ? start + w : now;
  return {
    allowed,
    remaining: Math.max(0, limit - used - Math.ceil(carried / w)),
    resetAt: expiresAt,
    retryAfterMs: allowed ? 0 : retryAfter(limit, w, start, now, left, current, previous, cost),
    state: [start, used, previous],
    expiresAt,
  };
}

function retryAfter(
  limit: number,
  w: number,
  start: number,
  now: number,
  left: number,
  current: number,
  previous: number,
  cost: number,
): number {
  if (cost > limit) return Infinity;
  const room = (limit - current - cost) * w;
  if (room >= 0) {
    // Still in this window: wait until previous × (w − elapsed) ≤ room.
    return left - Math.floor(room / previous);
  }
  // In the next window `current` becomes `previous`: wait until current × (w − elapsed') ≤ (limit − cost) × w.
  const elapsedNext = Math.max(0, w - Math.floor(((limit - cost) * w) / current));
  return start + w - now + elapsedNext;
}
