import type { GcraRule } from "../rules/types.ts";
import type { Evaluation, RuleState } from "./evaluation.ts";

/**
 * GCRA. State: the theoretical arrival time as `[tatMs, tatFraction]`, meaning `tatMs + tatFraction / limit`
 * milliseconds, because the emission interval `period / limit` is rarely a whole number of milliseconds.
 * A request of cost c is allowed when `max(tat, now) + c × period/limit − now ≤ burst × period/limit`;
 * every comparison is multiplied by `limit` so it stays in integers (rules keep `burst × period` below 2^53).
 */
export function gcra(rule: GcraRule, state: RuleState | undefined, cost: number, now: number): Evaluation {
  const { limit, periodMs, burst } = rule;
  let tatMs = now;
  let tatFraction = 0;
  if (state && state[0]! >= now) {
    tatMs = state[0]!;
    tatFraction = state[1]!;
  }
  const fraction = tatFraction + cost * periodMs;
  const nextMs = tatMs + Math.floor(fraction / limit);
  const nextFraction = fraction % limit;
  const tolerance = burst * periodMs;
  const allowed = (nextMs - now) * limit + nextFraction <= tolerance;
  const endMs = allowed ? nextMs : tatMs;
  const endFraction = allowed ? nextFraction : tatFraction;
  const ahead = (endMs - now) * limit + endFraction; // how far the TAT is ahead of now, × limit
  const resetAt = endFraction > 0 ? endMs + 1 : endMs;
  let retryAfterMs = 0;
  if (!allowed) {
    retryAfterMs =
      cost > burst ? Infinity : Math.ceil(((tatMs - now) * limit + tatFraction + (cost - burst) * periodMs) / limit);
  }
  return {
    allowed,
    remaining: Math.max(0, Math.floor((tolerance - ahead) / periodMs)),
    resetAt,
    retryAfterMs,
    state: [endMs, endFraction],
    expiresAt: resetAt,
  };
}
