import type { TokenBucketRule } from "../rules/types.ts";
import type { Evaluation, RuleState } from "./evaluation.ts";

/**
 * Token bucket with whole refills. State: `[tokens, refilledAt]`.
 * `refillRate` tokens arrive every `interval` counted from `refilledAt`. A full bucket restarts its refill
 * clock at `now`, so a full state is the same as no state and may expire. Tokens below 0 (a settled charge) refill
 * from there.
 */
export function tokenBucket(
  rule: TokenBucketRule,
  state: RuleState | undefined,
  cost: number,
  now: number,
): Evaluation {
  const { capacity, refillRate, intervalMs } = rule;
  let tokens = capacity;
  let refilledAt = now;
  if (state) {
    tokens = state[0]!;
    refilledAt = state[1]!;
    const ticks = Math.floor((now - refilledAt) / intervalMs);
    if (ticks > 0) {
      // Not capped by the ticks needed: a double holds any product, and above `capacity` only `capacity` counts.
      tokens = Math.min(capacity, tokens + ticks * refillRate);
      refilledAt += ticks * intervalMs;
    }
    if (tokens >= capacity) {
      tokens = capacity;
      refilledAt = now;
    }
  }
  const allowed = cost <= tokens;
  const left = allowed ? tokens - cost : tokens;
  const resetAt = left >= capacity ? now : refilledAt + Math.ceil((capacity - left) / refillRate) * intervalMs;
  let retryAfterMs = 0;
  if (!allowed) {
    retryAfterMs = cost > capacity ? Infinity : refilledAt + Math.ceil((cost - tokens) / refillRate) * intervalMs - now;
  }
  return {
    allowed,
    remaining: Math.max(0, left),
    resetAt,
    retryAfterMs,
    state: [left, refilledAt],
    expiresAt: resetAt,
  };
}
