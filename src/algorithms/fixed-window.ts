import type { FixedWindowRule } from "../rules/types.ts";
import type { Evaluation, RuleState } from "./evaluation.ts";

/**
 * Fixed window. State: `[windowStart, count]`.
 * Windows are aligned to the epoch; a state from an earlier window counts as empty. A state from a
 * later window (a caller whose clock lags) is kept as it is, so time never runs backwards for a key.
 */
export function fixedWindow(
  rule: FixedWindowRule,
  state: RuleState | undefined,
  cost: number,
  now: number,
): Evaluation {
  const { limit, windowMs } = rule;
  let start = now - (now % windowMs);
  let count = 0;
  if (state && state[0]! >= start) {
    start = state[0]!;
    count = state[1]!;
  }
  const allowed = count + cost <= limit;
  const used = allowed ? count + cost : count;
  const end = start + windowMs;
  return {
    allowed,
    remaining: Math.max(0, limit - used),
    resetAt: used === 0 ? now : end,
    retryAfterMs: allowed ? 0 : cost > limit ? Infinity : end - now,
    state: [start, used],
    expiresAt: used === 0 ? now : end,
  };
}
