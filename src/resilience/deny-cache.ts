import type { Evaluator } from "../algorithms/apply.ts";
import type { Decision, RuleDecision } from "../decision.ts";
import type { Rule } from "../rules.ts";

interface Entry {
  /** The smallest cost the store denied; any cost at least this large is denied too. */
  readonly cost: number;
  /** Local clock time when the store was asked, and before which it would deny that cost. */
  readonly askedAt: number;
  readonly until: number;
  readonly decision: Decision;
}

/**
 * Keys the store has denied, kept in this isolate until the store could allow them again, so repeated
 * requests from a limited client cost no round trip.
 *
 * Why an answer from here is sound, though other isolates may share the key: until `until`, the rule that set
 * `until` still denies the cached cost `c` with nothing consumed since, so everything admitted meanwhile (by any
 * isolate) passed through it and totals at most `c − 1` units (a reset made elsewhere is the exception: see
 * `reset` in the README). So `allowed: false` is exact, and each rule is answered for the cost asked as if up to
 * `c − 1` more units had been consumed: `retryAfterMs` and `resetAt` are upper bounds and `remaining` a lower
 * bound, never better news than the store's. With `c = 1` nothing can have been consumed, and every field is
 * exact except that time may have refilled a rule (then `remaining` is low, never high); a fixed window's
 * `retryAfterMs` is exact for any cost. `rules[i].allowed` is true only where the rule provably allows.
 */
export class DenyCache {
  private readonly entries = new Map<string, Entry>();

  private readonly maxKeys: number;

  constructor(maxKeys: number) {
    this.maxKeys = maxKeys;
  }

  /** The cached denial for this key and cost at `now` (rules and their algorithms as asked), or undefined. */
  get(
    key: string,
    cost: number,
    now: number,
    rules: readonly Rule[],
    evaluators: readonly Evaluator[],
  ): Decision | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until <= now) {
      this.entries.delete(key);
      return undefined;
    }
    if (cost < entry.cost || cost === 0) return undefined;
    const { decision } = entry;
    const out: RuleDecision[] = [];
    let retryAfterMs = 0;
    let remaining = Number.POSITIVE_INFINITY;
    let resetAt = now;
    let tightest = decision.rules[0]!;
    for (let i = 0; i < rules.length; i++) {
      const r = bound(rules[i]!, evaluators[i]!, decision.rules[i]!, entry, cost, now);
      if (r === undefined) return undefined;
      out.push(r);
      if (r.retryAfterMs > retryAfterMs) {
        retryAfterMs = r.retryAfterMs;
        tightest = r;
      }
      remaining = Math.min(remaining, r.remaining);
      resetAt = Math.max(resetAt, r.resetAt);
    }
    const { limit } = tightest;
    return { ...decision, limit, remaining, resetAt, retryAfterMs, reason: "cached", now, rules: out };
  }

  /** Remembers a denial the store made for `cost`, asked at local time `askedAt`. */
  remember(key: string, cost: number, askedAt: number, decision: Decision): void {
    if (decision.allowed || decision.degraded || !Number.isFinite(decision.retryAfterMs) || cost === 0) return;
    // A release (from any isolate) can free a concurrency slot before retryAfterMs: never cache those denials.
    if (decision.rules.some((r) => r.algorithm === "concurrency" && !r.allowed)) return;
    const existing = this.entries.get(key);
    if (existing && existing.cost < cost && existing.until > askedAt) return; // keep the broader entry
    this.entries.delete(key);
    if (this.entries.size >= this.maxKeys) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { cost, askedAt, until: askedAt + decision.retryAfterMs, decision });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

/**
 * One rule of a cached denial, answered for `cost` at `now` as if up to `entry.cost − 1` units had been consumed
 * since by others. Undefined when no bound is known (a concurrency rule that might deny).
 */
function bound(
  rule: Rule,
  evaluate: Evaluator,
  seen: RuleDecision,
  entry: Entry,
  cost: number,
  now: number,
): RuleDecision | undefined {
  const extra = entry.cost - 1;
  const need = cost + extra;
  const { algorithm } = rule;
  // The rule's state at its worst: fully consumed at `now`; no reachable state denies longer or resets later.
  let worst: readonly number[] | undefined;
  if (algorithm === "tokenBucket") worst = [0, now];
  else if (algorithm === "gcra") {
    const ahead = rule.burst * rule.periodMs;
    worst = [now + Math.floor(ahead / rule.limit), ahead % rule.limit];
  } else if (algorithm !== "concurrency") worst = [now - (now % rule.windowMs), rule.limit, rule.limit];
  const full = worst && evaluate(rule, worst, cost, now);
  // Time only adds to a rule's quota, so a rule that had room for `need` then has room for `cost` now.
  let deadline = seen.remaining >= need ? now : Number.POSITIVE_INFINITY;
  // When the rule would first fit `need` units, consuming nothing from the denial on (an upper bound).
  if (!seen.allowed) {
    const denied = entry.askedAt + seen.retryAfterMs;
    if (need === entry.cost) deadline = denied;
    else if (algorithm === "gcra" && need <= rule.burst) {
      deadline = denied + Math.ceil(((need - entry.cost) * rule.periodMs) / rule.limit);
    } else if (algorithm === "tokenBucket" && need <= rule.capacity) {
      const t = seen.remaining;
      const ticks = (n: number) => Math.ceil((n - t) / rule.refillRate);
      deadline = denied + (ticks(need) - ticks(entry.cost)) * rule.intervalMs;
    }
  }
  const allowed = deadline <= now;
  if (!allowed && !full) return undefined;
  const retryAfterMs = allowed ? 0 : Math.min(deadline - now, full!.retryAfterMs);
  let resetAt = seen.resetAt > now ? seen.resetAt : now;
  if (extra > 0) {
    let late = full ? full.resetAt : Number.POSITIVE_INFINITY;
    if (algorithm === "gcra") late = Math.min(late, resetAt + Math.ceil((extra * rule.periodMs) / rule.limit));
    if (algorithm === "tokenBucket")
      late = Math.min(late, resetAt + Math.ceil(extra / rule.refillRate) * rule.intervalMs);
    // A concurrency rule that provably allows: its leases taken since end within one lease.
    if (algorithm === "concurrency") late = Math.max(resetAt, now + rule.leaseMs);
    resetAt = late;
  }
  const remaining = Math.max(allowed ? cost : 0, seen.remaining - extra);
  return { ...seen, allowed, remaining, resetAt, retryAfterMs };
}
