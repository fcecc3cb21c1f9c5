import type { ConcurrencyRule } from "../rules/types.ts";
import type { Evaluation, RuleState } from "./evaluation.ts";

/**
 * In-flight leases. State: `[nextId, id₁, expiresAt₁, weight₁, id₂, …]`: one triple per live lease.
 * A request of cost c takes one lease of weight c when the live weights plus c stay within `limit`;
 * a lease frees itself at its `expiresAt`, or earlier through `releaseLease`. Ids count up per key from 1;
 * a release names both id and expiry, so a late release can never free a newer lease that reused an id.
 */
export function concurrency(
  rule: ConcurrencyRule,
  state: RuleState | undefined,
  cost: number,
  now: number,
): Evaluation {
  const { limit, leaseMs } = rule;
  let nextId = 1;
  const live: number[] = [];
  let used = 0;
  if (state) {
    nextId = state[0]!;
    for (let i = 1; i + 2 < state.length; i += 3) {
      if (state[i + 1]! > now) {
        live.push(state[i]!, state[i + 1]!, state[i + 2]!);
        used += state[i + 2]!;
      }
    }
  }
  const allowed = used + cost <= limit;
  let leaseId: number | undefined;
  if (allowed && cost > 0) {
    leaseId = nextId++;
    live.push(leaseId, now + leaseMs, cost);
    used += cost;
  }
  let lastExpiry = now;
  for (let i = 1; i < live.length; i += 3) lastExpiry = Math.max(lastExpiry, live[i]!);
  return {
    allowed,
    remaining: Math.max(0, limit - used),
    resetAt: lastExpiry,
    retryAfterMs: allowed ? 0 : cost > limit ? Infinity : waitForRoom(live, used, cost, limit) - now,
    state: [nextId, ...live],
    expiresAt: lastExpiry,
    ...(leaseId === undefined ? {} : { leaseId }),
  };
}

/** When enough leases will have expired (earliest first) for `cost` to fit, assuming no releases. */
function waitForRoom(live: readonly number[], used: number, cost: number, limit: number): number {
  const leases: [expiresAt: number, weight: number][] = [];
  for (let i = 0; i < live.length; i += 3) leases.push([live[i + 1]!, live[i + 2]!]);
  leases.sort((a, b) => a[0] - b[0]);
  let left = used;
  for (const [expiresAt, weight] of leases) {
    left -= weight;
    if (left + cost <= limit) return expiresAt;
  }
  return leases[leases.length - 1]![0];
}

/** The state without the lease `id` that expires at `expiresAt`; `undefined` when there is no such lease. */
export function releaseLease(state: RuleState | undefined, id: number, expiresAt: number): RuleState | undefined {
  if (!state) return undefined;
  for (let i = 1; i + 2 < state.length; i += 3) {
    if (state[i] === id && state[i + 1] === expiresAt) return [...state.slice(0, i), ...state.slice(i + 3)];
  }
  return undefined;
}
