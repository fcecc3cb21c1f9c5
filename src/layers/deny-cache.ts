import type { Evaluator } from "../algorithms/apply.ts";
import { combine, type Decision, type RuleDecision } from "../decision.ts";
import { describe } from "../describe.ts";
import type { Rule } from "../rules/types.ts";
import type { Layer } from "./layer.ts";

/**
 * The deny cache as a layer (`denyCache` option, default `{ maxKeys: 10_000 }`, `false` for none): a repeated request
 * the store would still deny is answered here (`reason: "cached"`, no store call); a reset forgets the key.
 */
export const denyCache: Layer = {
  check(options, problems) {
    const cache = options.denyCache ?? {};
    const denyCacheKeys = cache === false ? 0 : (cache.maxKeys ?? 10_000);
    if (!Number.isInteger(denyCacheKeys) || denyCacheKeys < 0) {
      problems.push(`denyCache.maxKeys: expected a whole number ≥ 1, got ${describe(denyCacheKeys)}`);
    }
    return { denyCacheKeys };
  },
  wrap(inner, { denyCacheKeys, rules }, { counters, infos }) {
    if (denyCacheKeys === 0) return inner;
    const denied = newDenyCache(denyCacheKeys);
    return {
      ...inner,
      async apply(request) {
        // A cost above capacity is asked as cost 0, which the cache never answers: the store's answer
        // (exceeds-capacity, never) beats a cached retry.
        const { key, cost, now } = request;
        // A call with its own quotas (`limits`) neither reads nor leaves a denial: one made under other quotas proves
        // nothing about these, and this call may consume past a cached one (it is forgotten in this isolate).
        if (request.rules !== rules) {
          denied.delete(key);
          return inner.apply(request);
        }
        const cached = denied.get(key, cost, now, request.rules, request.evaluators);
        if (cached) {
          counters.cacheHits++;
          return { outcomes: [], now, decision: cached, requests: 0 };
        }
        const response = await inner.apply(request);
        // A layer's own answer (the failure policy's) is degraded, and never cached; an allowed answer is not
        // combined here (the limiter does that once), since only denials are remembered.
        if (!response.decision && response.outcomes.some((o) => !o.allowed)) {
          denied.remember(key, cost, now, combine(infos, response.outcomes, response.now));
        }
        return response;
      },
      reset(key, signal, scope) {
        denied.delete(key);
        return inner.reset(key, signal, scope);
      },
    };
  },
};

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
 * bound, never better news than the store's. With `c = 1` nothing can have been consumed: asked for the same cost
 * again, every field is exact except that time may have refilled a rule (then `remaining` is low, never high).
 * A fixed window's `retryAfterMs` is exact for any cost. `rules[i].allowed` is true only where the rule provably
 * allows. A bound comes from the rule's algorithm run on its worst state: fully consumed at `now`.
 */
function newDenyCache(maxKeys: number) {
  const entries = new Map<string, Entry>();
  return {
    /** The cached denial for this key and cost at `now` (rules and their algorithms as asked), or undefined. */
    get(
      key: string,
      cost: number,
      now: number,
      rules: readonly Rule[],
      evaluators: readonly Evaluator[],
    ): Decision | undefined {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      if (entry.until <= now) {
        entries.delete(key);
        return undefined;
      }
      if (cost < entry.cost || cost === 0) return undefined;
      const out: RuleDecision[] = [];
      for (let i = 0; i < rules.length; i++) {
        const r = bound(rules[i]!, evaluators[i]!, entry.decision.rules[i]!, entry, cost, now);
        if (r === undefined) return undefined;
        out.push(r);
      }
      return {
        ...entry.decision,
        remaining: Math.min(...out.map((r) => r.remaining)),
        resetAt: Math.max(now, ...out.map((r) => r.resetAt)),
        retryAfterMs: Math.max(...out.map((r) => r.retryAfterMs)),
        reason: "cached",
        now,
        rules: out,
      };
    },

    /** Remembers a denial the store made for `cost`, asked at local time `askedAt`. */
    remember(key: string, cost: number, askedAt: number, decision: Decision): void {
      if (decision.allowed || decision.degraded || !Number.isFinite(decision.retryAfterMs) || cost === 0) return;
      // A release (from any isolate) can free a concurrency slot before retryAfterMs: never cache those denials.
      if (decision.rules.some((r) => r.algorithm === "concurrency" && !r.allowed)) return;
      const existing = entries.get(key);
      if (existing && existing.cost < cost && existing.until > askedAt) return; // keep the broader entry
      entries.delete(key);
      if (entries.size >= maxKeys) entries.delete(entries.keys().next().value as string);
      entries.set(key, { cost, askedAt, until: askedAt + decision.retryAfterMs, decision });
    },

    delete: (key: string): boolean => entries.delete(key),
  };
}

/**
 * One rule of a cached denial, answered for `cost` at `now` as if up to `entry.cost − 1` units had been consumed
 * since by others. Undefined when no bound is known (a concurrency rule that might deny, or might have been used).
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
  // The rule's state at its worst: fully consumed at `now`; no reachable state denies longer or resets later.
  let worst: readonly number[] | undefined;
  if (rule.algorithm === "tokenBucket") worst = [0, now];
  else if (rule.algorithm === "gcra") {
    const ahead = rule.burst * rule.periodMs;
    worst = [now + Math.floor(ahead / rule.limit), ahead % rule.limit];
  } else if (rule.algorithm !== "concurrency") worst = [now - (now % rule.windowMs), rule.limit, rule.limit];
  const full = worst && evaluate(rule, worst, cost, now);
  // When the rule first fits `need` units, consuming nothing from the denial on. Time only adds to a rule's
  // quota, so a rule that had room for `need` units then has room for `cost` now, whatever others took.
  const deadline =
    seen.remaining >= need
      ? now
      : !seen.allowed && need === entry.cost
        ? entry.askedAt + seen.retryAfterMs
        : Number.POSITIVE_INFINITY;
  const allowed = deadline <= now;
  if (!full && (!allowed || extra > 0)) return undefined;
  return {
    ...seen,
    allowed,
    remaining: Math.max(allowed ? cost : 0, seen.remaining - extra),
    resetAt: extra > 0 ? full!.resetAt : seen.resetAt > now ? seen.resetAt : now,
    retryAfterMs: allowed ? 0 : Math.min(deadline - now, full!.retryAfterMs),
  };
}
