import {
  applyRelease,
  applyRules,
  type KeyState,
  type RemoteStore,
  type RuleState,
  standardLayers,
} from "../store-entry.ts";

/** Ways to break the reference store on purpose, each a bug seen in real rate limiters. */
export type Flaw =
  | "burns-remaining-on-denial" // a denied request still uses up what was left
  | "partial-multi-rule" // each rule consumes on its own, even when another rule denies
  | "not-atomic" // awaits between reading and writing a key
  | "expires-early" // drops state half a second before it may (a TTL rounded down to seconds)
  | "release-ignored" // acknowledges a release but keeps the lease
  | "settle-ignored"; // acknowledges a settlement (`decision.settle`) but changes nothing

/**
 * The semantics with nothing else: a plain Map and `applyRules`, no eviction, no I/O. The compliance
 * suite compares every store's decisions with this one's. `flaw` breaks it on purpose, so tests of the
 * suite itself can show that each check catches a store that is wrong in that way.
 */
export function referenceStore(flaw?: Flaw): RemoteStore {
  const keys = new Map<string, KeyState>();
  return {
    name: flaw ? `broken (${flaw})` : "reference",
    layers: standardLayers, // behaves as a remote store: decisions go through the limiter's layers
    algorithms: ["fixedWindow", "slidingWindow", "tokenBucket", "gcra", "concurrency"],
    // It runs applyRules with the request's evaluators: a settlement's adjust and allow, so it settles too.
    features: ["shadow", "blockFor", "settle"],
    async apply(request) {
      const { key, rules, evaluators, cost, now, consume } = request;
      if (flaw === "settle-ignored" && request.adjust)
        return { outcomes: applyRules(request, undefined).outcomes, now };
      let stored = keys.get(key);
      if (flaw === "not-atomic") await new Promise((resolve) => setTimeout(resolve, 0));
      if (flaw === "expires-early" && stored && stored.expiresAt - 500 <= now) stored = undefined;
      const applied = applyRules(request, stored);
      if (applied.write) keys.set(key, applied.write);
      else if (consume && cost > 0 && (flaw === "burns-remaining-on-denial" || flaw === "partial-multi-rule")) {
        const next: Record<string, RuleState> = { ...stored?.rules };
        rules.forEach((rule, i) => {
          const state = stored && stored.expiresAt > now ? stored.rules[rule.name] : undefined;
          const remaining = applied.outcomes[i]!.remaining;
          const take = flaw === "partial-multi-rule" ? (cost <= remaining ? cost : 0) : Math.min(cost, remaining);
          if (take > 0) next[rule.name] = evaluators[i]!(rule, state, take, now).state;
        });
        keys.set(key, { rules: next, expiresAt: now + 86_400_000 });
      }
      return { outcomes: applied.outcomes, now };
    },
    async reset(key) {
      keys.delete(key);
    },
    async release(request) {
      if (flaw === "release-ignored") return;
      const next = applyRelease(request, keys.get(request.key));
      if (next) keys.set(request.key, next);
    },
    async ping() {},
  };
}
