import type { Evaluator } from "./apply.ts";
import type { Evaluation } from "./evaluation.ts";

/**
 * A `blockFor()` rule's algorithm: its own (`inner`) and its block. State: the algorithm's state (2 numbers, 3 for
 * slidingWindow), then `blockedUntil` (epoch ms; none once past). A consuming call (cost > 0) that the algorithm
 * denies while no block runs starts one: `blockedUntil = now + blockMs`, the one thing a denial writes. While
 * `now < blockedUntil` every cost above 0 is denied (peeks too) with `remaining` 0, `retryAfterMs` the longer of the
 * block's rest and the algorithm's own wait, `resetAt` not before the block ends; such denials do not extend it.
 * The Upstash script mirrors this step for step (upstash-script.ts, `run`).
 */
export const blocking =
  (inner: Evaluator): Evaluator =>
  (rule, state, cost, now, consume) => {
    const n = rule.algorithm === "slidingWindow" ? 3 : 2;
    let until = state?.[n] ?? 0;
    let e: Evaluation = inner(rule, state, cost, now);
    let block: true | undefined;
    if (now >= until && !e.allowed && cost > 0 && consume) {
      until = now + rule.blockMs!;
      block = true;
    }
    if (now < until) {
      // The state as it stands: an algorithm that allows the cost shows its state after consuming it.
      const asIs = e.allowed && cost > 0 ? inner(rule, state, 0, now) : e;
      e = {
        allowed: cost === 0,
        remaining: 0,
        resetAt: Math.max(asIs.resetAt, until),
        retryAfterMs: cost > 0 ? Math.max(until - now, e.retryAfterMs) : 0,
        state: asIs.state,
        expiresAt: Math.max(asIs.expiresAt, until),
      };
    }
    const out = { ...e, state: [...e.state, until] };
    return block ? { ...out, block } : out;
  };
