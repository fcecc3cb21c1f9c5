import { type Decision, type RuleDecision, ruleDecision } from "../decision.ts";
import { describe } from "../describe.ts";
import type { Rule } from "../rules/types.ts";
import { storagePrefix } from "../storage-key.ts";
import type { Store, StoreRequest, StoreResponse } from "../store.ts";
import type { Layer, LayerContext } from "./layer.ts";
import { claimSize, sampleRate } from "./prefetch-claim.ts";
import { held, type KeyEntry, keyEntries, type Lot, newLot, takeFrom } from "./prefetch-pool.ts";

export interface PrefetchOptions {
  /**
   * The most one claim takes beyond the request's own cost, as a part of the smallest rule quota (a rule's `limit`,
   * or a bucket's `capacity`): above 0 and at most 1. Default 0.1.
   */
  maxShare?: number;
}

/**
 * Keys whose claimed units and request rate one isolate remembers; the one least recently sent to the store goes
 * first (a decision from held units leaves the order as it is: moving its key would cost a Map delete and set).
 */
const MAX_KEYS = 10_000;

/**
 * `prefetch: prefetchQuota()`: a request that finds no units held for its key claims its cost plus a few units more
 * in one store call (charged to every rule, all or nothing), and later requests in this isolate spend those units
 * with no store call, as long as every rule still allows spending them (docs/prefetch.md). It never admits a request
 * the exact limiter would refuse; units an isolate holds are unavailable to the others until spent or expired.
 * A limiter with a concurrency, token-bucket, `shadow()` or `blockFor()` rule, or with a local store (memory), decides
 * every request as it would without it.
 * Problems with the options are reported by `createRateLimiter` with every other problem.
 */
export function prefetchQuota(options: PrefetchOptions = {}): Layer {
  const maxShare = options?.maxShare ?? 0.1;
  const problems: string[] = [];
  if (!(typeof maxShare === "number" && maxShare > 0 && maxShare <= 1)) {
    problems.push(
      `prefetch: prefetchQuota({ maxShare }): expected the part of the smallest quota one claim may take beyond the request's cost, above 0 and at most 1, got ${describe(maxShare)}`,
    );
  }
  return Object.freeze({
    check(_options, found) {
      found.push(...problems);
      return { prefetchShare: maxShare };
    },
    wrap: (inner, settings, context) =>
      prefetching(inner, settings.rules, maxShare, storagePrefix(settings.prefix), context),
  } satisfies Layer);
}

function prefetching(
  inner: Store,
  own: readonly Rule[],
  maxShare: number,
  named: string,
  { infos, counters }: LayerContext,
): Store {
  // A lease is taken per request and given back by id: held units cannot stand for one. A token bucket refills on a
  // clock that restarts whenever it is full, so a store charged for units this isolate never spends can refill
  // earlier than the exact limiter would, and grant a unit it would refuse: held units are never safe there.
  if (infos.some((info) => info.algorithm === "concurrency" || info.algorithm === "tokenBucket")) return inner;
  // A shadow rule's units are not all or nothing with the others', and a block denies what held units would admit.
  if (own.some((rule) => rule.shadow || rule.blockMs)) return inner;
  counters.prefetched = 0;
  const maxUnits = Math.floor(maxShare * Math.min(...infos.map((info) => info.capacity)));
  const keys = keyEntries(MAX_KEYS);

  /**
   * A decision from held units: allowed, `remaining` what this isolate still holds (surely there), no store call.
   * Built as `combine` would build it (every rule allows with the same `remaining`, so the first rule is the
   * tightest), without its search for the tightest rule: this is the hot path.
   */
  function fromPool(entry: KeyEntry, lot: Lot, now: number): Decision {
    counters.prefetched!++;
    const remaining = held(entry);
    const rules: RuleDecision[] = new Array(infos.length);
    // One outcome for the layer's life, its fields set per rule: `ruleDecision` copies it.
    outcome.remaining = remaining;
    for (let i = 0; i < infos.length; i++) {
      const { resetAt } = lot.outcomes[i]!;
      outcome.resetAt = resetAt > now ? resetAt : now;
      rules[i] = ruleDecision(infos[i]!, outcome);
    }
    const first = rules[0]!;
    return {
      allowed: true,
      limit: first.limit,
      remaining,
      resetAt: first.resetAt,
      retryAfterMs: 0,
      reason: "allowed",
      degraded: false,
      now,
      rules,
    };
  }
  const outcome = { allowed: true, remaining: 0, resetAt: 0, retryAfterMs: 0 };

  /** The answer of `apply` from held units: a layer's whole decision, no store call. */
  const served = (entry: KeyEntry, lot: Lot, now: number): StoreResponse => ({
    outcomes: lot.outcomes,
    now,
    decision: fromPool(entry, lot, now),
    requests: 0,
  });
  /** Remembers the store's own answer (not a layer's) to a request asked at local time `sentAt`. */
  function heard(entry: KeyEntry, sentAt: number, response: StoreResponse, extra: number): void {
    if (response.decision) return;
    entry.last = response.outcomes;
    entry.offset = response.now - sentAt;
    if (extra > 0 && response.outcomes.every((o) => o.allowed)) {
      entry.lots.push(newLot(own, extra, response.outcomes, entry.offset));
    }
  }

  async function claim(entry: KeyEntry, request: StoreRequest): Promise<StoreResponse> {
    const { cost, now, rules } = request;
    sampleRate(entry, now);
    const extra = claimSize(entry, rules, cost, now, maxUnits);
    entry.asked += cost;
    if (extra === 0) {
      const response = await inner.apply(request);
      heard(entry, now, response, 0);
      return response;
    }
    entry.pending += extra;
    const answer = inner.apply({ ...request, cost: cost + extra });
    const settled = answer.catch(() => undefined);
    entry.inflight = settled;
    let response: StoreResponse;
    try {
      response = await answer;
    } finally {
      entry.pending = Math.max(0, entry.pending - extra);
      if (entry.inflight === settled) entry.inflight = undefined;
    }
    heard(entry, now, response, extra);
    const decided = response.decision;
    const allowed = decided ? decided.allowed : response.outcomes.every((o) => o.allowed);
    // Denied for cost + extra (by the store or the deny cache), near the limit: the cost alone may still fit.
    if (allowed || decided?.degraded) return response;
    const again = await inner.apply(request);
    heard(entry, now, again, 0);
    return { ...again, requests: (response.requests ?? 1) + (again.requests ?? 1) };
  }

  return {
    ...inner,
    // The hot path: held units answer with no promise, keyed by the caller's key as it came (joining the prefix to it
    // would cost a new string to hash per decision). A request it leaves (undefined) goes to `apply`, which looks again.
    near: {
      apply(_prefix, key, request) {
        const { cost, now } = request;
        const entry = cost === 0 || request.rules !== own ? undefined : keys.get(key);
        const lot = entry && takeFrom(entry, request.rules, cost, now, request.consume);
        if (!lot) return undefined;
        if (request.consume) entry!.asked += cost;
        return served(entry!, lot, now);
      },
    },
    async apply(request) {
      const { cost, now, rules } = request;
      const key = request.key.slice(named.length);
      // A settled charge may take the key over its quota: units held here must not admit past it (the exact limiter
      // would deny). They stay charged in the store; a refund leaves them as they are. (A settlement comes with a rules
      // array of its own, so it goes on to the store below.)
      if ((request.adjust?.delta ?? 0) > 0) keys.delete(key);
      // Cost 0 only looks (and stands for a cost above capacity): the store answers it as it is. Held units were
      // charged under the limiter's own quotas, so a call with its own (`limits`) goes to the store too.
      if (cost === 0 || rules !== own) return inner.apply(request);
      if (!request.consume) {
        const entry = keys.get(key);
        const lot = entry && takeFrom(entry, rules, cost, now, false);
        return lot ? served(entry!, lot, now) : inner.apply(request);
      }
      const entry = keys.touch(key, now);
      let lot = takeFrom(entry, rules, cost, now, true);
      if (!lot && entry.inflight && entry.pending >= cost) {
        // A claim in flight brings more than it asked for: count on its units rather than claiming again.
        entry.pending -= cost;
        await entry.inflight;
        lot = takeFrom(entry, rules, cost, now, true);
      }
      if (!lot) return claim(entry, request);
      entry.asked += cost;
      return served(entry, lot, now);
    },
    reset(key, signal, scope) {
      // Units claimed before a reset were counted in the state it deletes: they must not be spent after it.
      keys.delete(key.slice(named.length));
      return inner.reset(key, signal, scope);
    },
  };
}
